"""Persons, incidents (with their reports) and investigations: inserts and counts.

Groups and their aliases live in :mod:`drachma.store.groups`. Lists (aliases, addresses, group
names, stream URLs, subject ids) are stored as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, Table, func, insert, select

from drachma.model.entities import Person
from drachma.model.incident import Incident, Investigation
from drachma.store.tables import incident_reports, incidents, investigations, persons


def insert_persons(conn: Connection, people: Sequence[Person]) -> list[int]:
    """Insert people in one statement; sets and returns their ids in order."""
    if not people:
        return []
    now = datetime.now(UTC)
    ids = conn.execute(
        insert(persons).returning(persons.c.id, sort_by_parameter_order=True),
        [
            {
                "name": p.name,
                "aliases": json.dumps(p.aliases),
                "date_of_birth": p.date_of_birth,
                "addresses": json.dumps(p.addresses),
                "created_at": now,
            }
            for p in people
        ],
    ).scalars().all()
    for person, person_id in zip(people, ids, strict=True):
        person.id = int(person_id)
    return [int(i) for i in ids]


def insert_incident(conn: Connection, incident: Incident) -> int:
    """Insert an incident and its links to reports; sets and returns its id."""
    incident_id = int(
        conn.execute(
            insert(incidents)
            .values(
                occurred_at=incident.occurred_at,
                place=incident.place,
                force=incident.force,
                groups=json.dumps(incident.groups),
                decoy_age_claimed=incident.decoy_age_claimed,
                live_streamed=incident.live_streamed,
                platform=incident.platform,
                stream_urls=json.dumps(incident.stream_urls),
                viewers=incident.viewers,
                police_attended=incident.police_attended,
                outcome=incident.outcome,
                created_at=datetime.now(UTC),
            )
            .returning(incidents.c.id)
        ).scalar_one()
    )
    report_ids = list(dict.fromkeys(incident.report_ids))
    if report_ids:
        conn.execute(
            insert(incident_reports),
            [{"incident_id": incident_id, "report_id": r} for r in report_ids],
        )
    incident.id = incident_id
    return incident_id


def insert_investigation(conn: Connection, investigation: Investigation) -> int:
    investigation_id = int(
        conn.execute(
            insert(investigations)
            .values(
                reference=investigation.reference,
                owner=investigation.owner,
                force=investigation.force,
                status=investigation.status.value,
                subject_ids=json.dumps(investigation.subject_ids),
                created_at=datetime.now(UTC),
            )
            .returning(investigations.c.id)
        ).scalar_one()
    )
    investigation.id = investigation_id
    return investigation_id


def count_rows(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def get_person(conn: Connection, person_id: int) -> Person | None:
    row = conn.execute(select(persons).where(persons.c.id == person_id)).first()
    if row is None:
        return None
    return Person(
        id=row.id,
        name=row.name,
        aliases=list(json.loads(row.aliases or "[]")),
        date_of_birth=row.date_of_birth,
        addresses=list(json.loads(row.addresses or "[]")),
    )
