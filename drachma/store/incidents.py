"""Incidents with their subjects, timeline and takedown requests: the SQL behind
:mod:`drachma.incidents`. Lists (groups, stream URLs, aliases, handles) are JSON text; groups are
also kept one row each in ``incident_groups`` so a list filtered by group uses an index.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, Select, and_, func, insert, or_, select, update

from drachma.model.entities import Place, PlaceKind
from drachma.model.incident import (
    ContentKind,
    EventKind,
    Incident,
    IncidentDetail,
    IncidentFilters,
    IncidentStatus,
    IncidentSubject,
    LegalBasis,
    SubjectRole,
    Takedown,
    TakedownStatus,
    TimelineEvent,
)
from drachma.store import entities as entity_store
from drachma.store.tables import (
    incident_events,
    incident_groups,
    incident_reports,
    incident_subjects,
    incidents,
    places,
    takedowns,
)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _must(value: datetime | None) -> datetime:
    result = aware(value)
    assert result is not None
    return result


# --------------------------------------------------------------------------------------------
# Incidents


def insert_incident(conn: Connection, detail: IncidentDetail) -> int:
    incident_id = entity_store.insert_incident(conn, detail.incident)
    conn.execute(
        update(incidents)
        .where(incidents.c.id == incident_id)
        .values(
            address=detail.address,
            district=detail.district,
            status=detail.status.value,
            risk_level=detail.risk_level,
            police_called_at=detail.police_called_at,
            police_arrived_at=detail.police_arrived_at,
            created_by=detail.created_by,
            machine_read=json.dumps(detail.machine_read),
        )
    )
    set_groups(conn, incident_id, detail.incident.groups)
    return incident_id


def set_groups(conn: Connection, incident_id: int, names: list[str]) -> None:
    conn.execute(incident_groups.delete().where(incident_groups.c.incident_id == incident_id))
    unique = list(dict.fromkeys(names))
    conn.execute(update(incidents).where(incidents.c.id == incident_id)
                 .values(groups=json.dumps(unique)))
    if unique:
        conn.execute(insert(incident_groups),
                     [{"incident_id": incident_id, "group_name": n} for n in unique])


def update_incident(conn: Connection, incident_id: int, values: dict[str, Any]) -> None:
    """Change columns of one incident; lists are given as Python lists and stored as JSON."""
    stored = {k: json.dumps(v) if isinstance(v, list) else v for k, v in values.items()}
    if "groups" in values:
        set_groups(conn, incident_id, list(values["groups"]))
        stored.pop("groups")
    if stored:
        conn.execute(update(incidents).where(incidents.c.id == incident_id).values(**stored))


def _detail(row: Any, report_ids: list[int]) -> IncidentDetail:
    incident = Incident(
        id=row.id,
        occurred_at=_must(row.occurred_at),
        place=row.place,
        force=row.force,
        groups=list(json.loads(row.groups or "[]")),
        decoy_age_claimed=row.decoy_age_claimed,
        live_streamed=bool(row.live_streamed),
        platform=row.platform,
        stream_urls=list(json.loads(row.stream_urls or "[]")),
        viewers=row.viewers,
        police_attended=bool(row.police_attended),
        outcome=row.outcome,
        report_ids=report_ids,
    )
    return IncidentDetail(
        incident=incident,
        address=row.address,
        district=row.district,
        status=IncidentStatus(row.status),
        risk_level=row.risk_level,
        police_called_at=aware(row.police_called_at),
        police_arrived_at=aware(row.police_arrived_at),
        created_by=row.created_by,
        machine_read=list(json.loads(row.machine_read or "[]")),
    )


def get_incident(conn: Connection, incident_id: int, *, for_update: bool = False
                 ) -> IncidentDetail | None:
    query = select(incidents).where(incidents.c.id == incident_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        return None
    report_ids = [int(r) for r in conn.execute(
        select(incident_reports.c.report_id)
        .where(incident_reports.c.incident_id == incident_id)
        .order_by(incident_reports.c.report_id)
    ).scalars()]
    return _detail(row, report_ids)


def _filtered(query: Select[Any], filters: IncidentFilters) -> Select[Any]:
    if filters.since:
        query = query.where(incidents.c.occurred_at >= datetime.combine(filters.since, time(),
                                                                         tzinfo=UTC))
    if filters.until:
        query = query.where(incidents.c.occurred_at < datetime.combine(
            date.fromordinal(filters.until.toordinal() + 1), time(), tzinfo=UTC))
    if filters.area:
        key = filters.area.strip().lower()
        query = query.where(or_(func.lower(incidents.c.district) == key,
                                func.lower(incidents.c.place) == key))
    if filters.force:
        query = query.where(incidents.c.force == filters.force)
    if filters.group:
        members = select(incident_groups.c.incident_id).where(
            func.lower(incident_groups.c.group_name) == filters.group.strip().lower())
        query = query.where(incidents.c.id.in_(members))
    if filters.status:
        query = query.where(incidents.c.status == filters.status.value)
    if filters.risk_level:
        query = query.where(incidents.c.risk_level == filters.risk_level)
    return query


def list_incidents(conn: Connection, filters: IncidentFilters, *, limit: int, offset: int
                   ) -> tuple[list[IncidentDetail], int]:
    """Newest first, one page, and how many match in all."""
    rows = conn.execute(
        _filtered(select(incidents), filters)
        .order_by(incidents.c.occurred_at.desc(), incidents.c.id.desc())
        .limit(limit).offset(offset)
    ).fetchall()
    total = int(conn.execute(
        _filtered(select(func.count()).select_from(incidents), filters)).scalar_one())
    return [_detail(row, []) for row in rows], total


def link_reports(conn: Connection, incident_id: int, report_ids: list[int]) -> None:
    have = set(conn.execute(select(incident_reports.c.report_id)
                            .where(incident_reports.c.incident_id == incident_id)).scalars())
    new = [r for r in dict.fromkeys(report_ids) if r not in have]
    if new:
        conn.execute(insert(incident_reports),
                     [{"incident_id": incident_id, "report_id": r} for r in new])


# --------------------------------------------------------------------------------------------
# Places recorded by hand (the gazetteer is package data; these are the additions)


def find_place(conn: Connection, name: str) -> Place | None:
    row = conn.execute(select(places).where(func.lower(places.c.name) == name.strip().lower())
                       .order_by(places.c.id)).first()
    if row is None:
        return None
    return Place(name=row.name, kind=PlaceKind(row.kind), district=row.district, force=row.force,
                 latitude=row.latitude, longitude=row.longitude, within=row.within)


def insert_place(conn: Connection, place: Place) -> None:
    conn.execute(insert(places).values(
        name=place.name, kind=place.kind.value, district=place.district, force=place.force,
        latitude=place.latitude, longitude=place.longitude, within=place.within))


# --------------------------------------------------------------------------------------------
# Subjects


def _subject_values(subject: IncidentSubject) -> dict[str, Any]:
    return {
        "role": subject.role.value,
        "name": subject.name,
        "aliases": json.dumps(subject.aliases),
        "date_of_birth": subject.date_of_birth,
        "address": subject.address,
        "postcode": subject.postcode,
        "handles": json.dumps(subject.handles),
        "updated_at": datetime.now(UTC),
    }


def insert_subject(conn: Connection, incident_id: int, subject: IncidentSubject) -> int:
    values = _subject_values(subject)
    subject_id = int(conn.execute(
        insert(incident_subjects).values(incident_id=incident_id, created_at=values["updated_at"],
                                         **values).returning(incident_subjects.c.id)
    ).scalar_one())
    subject.id, subject.incident_id = subject_id, incident_id
    return subject_id


def update_subject(conn: Connection, subject: IncidentSubject) -> None:
    conn.execute(update(incident_subjects).where(incident_subjects.c.id == subject.id)
                 .values(**_subject_values(subject)))


def _subject(row: Any) -> IncidentSubject:
    return IncidentSubject(
        id=row.id, incident_id=row.incident_id, role=SubjectRole(row.role), name=row.name,
        aliases=list(json.loads(row.aliases or "[]")), date_of_birth=row.date_of_birth,
        address=row.address, postcode=row.postcode, handles=list(json.loads(row.handles or "[]")),
    )


def subjects_of(conn: Connection, incident_id: int) -> list[IncidentSubject]:
    return [_subject(r) for r in conn.execute(
        select(incident_subjects).where(incident_subjects.c.incident_id == incident_id)
        .order_by(incident_subjects.c.id))]


def get_subject(conn: Connection, subject_id: int) -> IncidentSubject | None:
    row = conn.execute(select(incident_subjects)
                       .where(incident_subjects.c.id == subject_id)).first()
    return None if row is None else _subject(row)


def subject_counts(conn: Connection, incident_ids: list[int]) -> dict[int, int]:
    if not incident_ids:
        return {}
    return {int(i): int(n) for i, n in conn.execute(
        select(incident_subjects.c.incident_id, func.count())
        .where(incident_subjects.c.incident_id.in_(incident_ids))
        .group_by(incident_subjects.c.incident_id))}


# --------------------------------------------------------------------------------------------
# Timeline


def add_event(conn: Connection, event: TimelineEvent) -> int:
    return int(conn.execute(insert(incident_events).values(
        incident_id=event.incident_id, kind=event.kind.value, at=event.at,
        recorded_at=event.recorded_at or datetime.now(UTC), actor_name=event.actor_name,
        detail=json.dumps(event.detail, sort_keys=True),
    ).returning(incident_events.c.id)).scalar_one())


def timeline(conn: Connection, incident_id: int, *, limit: int, offset: int
             ) -> tuple[list[TimelineEvent], int]:
    where = incident_events.c.incident_id == incident_id
    rows = conn.execute(select(incident_events).where(where)
                        .order_by(incident_events.c.at, incident_events.c.id)
                        .limit(limit).offset(offset))
    events = [TimelineEvent(id=r.id, incident_id=r.incident_id, kind=EventKind(r.kind),
                            at=_must(r.at), recorded_at=aware(r.recorded_at),
                            actor_name=r.actor_name, detail=json.loads(r.detail or "{}"))
              for r in rows]
    total = int(conn.execute(select(func.count()).select_from(incident_events)
                             .where(where)).scalar_one())
    return events, total


def has_event(conn: Connection, incident_id: int, kinds: set[EventKind]) -> bool:
    return conn.execute(select(incident_events.c.id).where(and_(
        incident_events.c.incident_id == incident_id,
        incident_events.c.kind.in_([k.value for k in kinds]))).limit(1)).first() is not None


# --------------------------------------------------------------------------------------------
# Takedown requests


def insert_takedown(conn: Connection, takedown: Takedown) -> int:
    return int(conn.execute(insert(takedowns).values(
        incident_id=takedown.incident_id, url=takedown.url, platform=takedown.platform,
        kind=takedown.kind.value, legal_basis=takedown.legal_basis.value,
        status=takedown.status.value, preserved_exhibit=takedown.preserved_exhibit,
        not_preserved_reason=takedown.not_preserved_reason, created_by=takedown.created_by,
        created_at=takedown.created_at,
    ).returning(takedowns.c.id)).scalar_one())


def _takedown(row: Any) -> Takedown:
    return Takedown(
        id=row.id, incident_id=row.incident_id, url=row.url, platform=row.platform,
        kind=ContentKind(row.kind), legal_basis=LegalBasis(row.legal_basis),
        status=TakedownStatus(row.status), preserved_exhibit=row.preserved_exhibit,
        not_preserved_reason=row.not_preserved_reason, requested_at=aware(row.requested_at),
        answered_at=aware(row.answered_at), reminded_at=aware(row.reminded_at),
        created_by=row.created_by, created_at=_must(row.created_at),
    )


def get_takedown(conn: Connection, takedown_id: int, *, for_update: bool = False
                 ) -> Takedown | None:
    query = select(takedowns).where(takedowns.c.id == takedown_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return None if row is None else _takedown(row)


def takedowns_of(conn: Connection, incident_id: int) -> list[Takedown]:
    return [_takedown(r) for r in conn.execute(
        select(takedowns).where(takedowns.c.incident_id == incident_id).order_by(takedowns.c.id))]


def update_takedown(conn: Connection, takedown_id: int, values: dict[str, Any],
                    *, expect_status: TakedownStatus | None = None) -> bool:
    """Change a takedown; with ``expect_status`` only if it still has that status (returns
    whether a row changed), so two people answering at once cannot both win."""
    query = update(takedowns).where(takedowns.c.id == takedown_id)
    if expect_status is not None:
        query = query.where(takedowns.c.status == expect_status.value)
    return conn.execute(query.values(**values)).rowcount == 1


def unanswered_takedowns(conn: Connection, sent_before: datetime, *, limit: int
                         ) -> list[Takedown]:
    """Sent requests with no answer since before ``sent_before`` and no reminder yet."""
    return [_takedown(r) for r in conn.execute(
        select(takedowns).where(and_(
            takedowns.c.status == TakedownStatus.SENT.value,
            takedowns.c.requested_at < sent_before,
            takedowns.c.reminded_at.is_(None),
        )).order_by(takedowns.c.requested_at).limit(limit))]


def claim_reminder(conn: Connection, takedown_id: int, now: datetime) -> bool:
    """Mark a reminder as sent; only one worker wins (conditional UPDATE)."""
    return conn.execute(update(takedowns).where(and_(
        takedowns.c.id == takedown_id, takedowns.c.reminded_at.is_(None),
        takedowns.c.status == TakedownStatus.SENT.value,
    )).values(reminded_at=now)).rowcount == 1


def all_incident_ids(conn: Connection) -> list[int]:
    """Every incident id, oldest record first (for loaders that complete the records)."""
    return [int(i) for i in conn.execute(select(incidents.c.id).order_by(incidents.c.id))
            .scalars()]


def delete_incident(conn: Connection, incident_id: int) -> None:
    """Delete an incident and everything that hangs off it (people, timeline, THRIVE
    assessments, tasks, takedowns, report links, deconfliction alerts, facts; links from exhibits
    are removed, the exhibits stay). The one place an incident is deleted (retention disposal
    calls it), so anything else that copies an incident's text hooks in here."""
    from sqlalchemy import delete

    from drachma.store.tables import exhibit_links, safeguarding_tasks

    conn.execute(delete(exhibit_links).where(exhibit_links.c.kind == "incident",
                                             exhibit_links.c.target_id == incident_id))
    # Tasks first: they point at assessments, which the incident's cascade removes too.
    conn.execute(delete(safeguarding_tasks).where(safeguarding_tasks.c.incident_id == incident_id))
    conn.execute(delete(incidents).where(incidents.c.id == incident_id))
