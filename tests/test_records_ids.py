"""Ids of disposed records are never given again, on SQLite and PostgreSQL (issue 13): after the
newest report, incident or investigation subject is disposed of, the next one gets a larger id,
its own review row (scheduled, not the old "disposed"), and can itself be disposed of. SQLite
reuses the largest rowid of a table without AUTOINCREMENT; PostgreSQL's sequences never do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from drachma.access.actor import Actor
from drachma.incidents import records as incidents
from drachma.model.incident import IncidentSubject, InvestigationSubject, SubjectRole
from drachma.model.roles import Role
from drachma.records import retention
from drachma.safeguarding import deconfliction
from drachma.store.db import Store
from drachma.store.tables import audit_events, investigation_subjects
from tests.conftest import ActorFactory
from tests.test_incidents_support import live_incident
from tests.test_records_retention import LATER, new_report


def _report(store: Store, make_actor: ActorFactory, n: int) -> int:
    return new_report(store, make_actor(Role.ANALYST), f"Invented report {n}",
                      f"Invented words of report {n}.")


def _incident(store: Store, make_actor: ActorFactory, n: int) -> int:
    place = ("Rochdale", "Oldham")[n % 2]
    return live_incident(store, make_actor(Role.OFFICER), place=place).id or 0


def _subject(store: Store, make_actor: ActorFactory, n: int) -> int:
    owner = make_actor(Role.INVESTIGATOR)
    deconfliction.open_investigation(
        store, owner, f"OP INVENTED {n}", "DS Invented", owner.name, None, None,
        [InvestigationSubject(name=f"Invented Subject {n}", date_of_birth=date(1970, 1, 2))])
    with store.begin() as conn:
        return int(conn.execute(select(investigation_subjects.c.id)
                                .order_by(investigation_subjects.c.id.desc()).limit(1))
                   .scalar_one())


MAKERS: dict[str, Callable[[Store, ActorFactory, int], int]] = {
    "report": _report, "incident": _incident, "investigation_subject": _subject}


def _review(store: Store, officer: Actor, kind: str, record_id: int) -> str | None:
    retention.review_queue(store, officer, today=LATER)  # schedules new records
    with store.begin() as conn:
        from drachma.store import records as records_store

        row = records_store.review_of(conn, kind, record_id)
    return None if row is None else row.status


@pytest.mark.parametrize("kind", list(MAKERS))
def test_the_newest_record_disposed_of_its_id_is_never_given_again(
        store: Store, make_actor: ActorFactory, tmp_path: Path, kind: str) -> None:
    make, officer = MAKERS[kind], make_actor(Role.RECORDS_OFFICER)
    first, newest = make(store, make_actor, 1), make(store, make_actor, 2)
    assert _review(store, officer, kind, newest) == "scheduled"
    retention.dispose(store, officer, newest, "no policing purpose", home=tmp_path, today=LATER,
                      kind=kind)

    fresh = make(store, make_actor, 3)

    assert fresh > newest > first  # larger than every id ever used
    assert _review(store, officer, kind, fresh) == "scheduled"  # its own row, not "disposed"
    assert _review(store, officer, kind, newest) == "disposed"
    with store.begin() as conn:  # the old record's audit entries still name only it
        named = conn.execute(select(audit_events.c.detail).where(
            audit_events.c.record_kind == kind,
            audit_events.c.record_id == str(fresh))).scalars().all()
    assert not any('"dispose"' in d for d in named)
    done = retention.dispose(store, officer, fresh, "no policing purpose either", home=tmp_path,
                             today=LATER, kind=kind)
    assert done.status == "disposed" and done.record_id == fresh
    assert make(store, make_actor, 4) > fresh


def test_a_person_removed_with_the_newest_incident_does_not_lend_their_id(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    """Rows removed with a record (here an incident's person, which audit entries name by id)
    are not given their id again either."""
    officer, records_officer = make_actor(Role.OFFICER), make_actor(Role.RECORDS_OFFICER)
    kept, gone = _incident(store, make_actor, 1), _incident(store, make_actor, 2)
    person, _ = incidents.add_subject(store, officer, gone, IncidentSubject(
        role=SubjectRole.SUBJECT, name="Invented Person Quill"))
    retention.review_queue(store, records_officer, today=LATER)
    retention.dispose(store, records_officer, gone, "no policing purpose", home=tmp_path,
                      today=LATER, kind="incident")
    fresh, _ = incidents.add_subject(store, officer, kept, IncidentSubject(
        role=SubjectRole.SUBJECT, name="Invented Person Other"))
    assert (fresh.id or 0) > (person.id or 0)
