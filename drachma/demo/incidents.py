"""The demo set's incidents and investigations made into full records of the incidents and
safeguarding capability.

The demo loader inserts incidents, the people confronted (one per incident, in the same order)
and open investigations whose subjects are some of those people. :func:`complete_demo_records`
then gives each incident its district, status, groups index, the person as "the subject" and a
timeline (created, police arrived, arrest, charge, court result, as its outcome says); gives each
investigation its deconfliction subjects, an owner (the demo investigator, so alerts land in a
demo inbox) and an invented contact number (Ofcom's drama range, 0161 496 0xxx); and checks the
subjects of open incidents, which raises the demo's deconfliction alerts. Everything invented.
"""

from __future__ import annotations

import json
from datetime import timedelta

from drachma.access.actor import system_actor
from drachma.gazetteers import find_places
from drachma.model.incident import (
    EventKind,
    IncidentStatus,
    IncidentSubject,
    InvestigationSubject,
    SubjectRole,
    TimelineEvent,
)
from drachma.safeguarding.deconfliction import check_subject, keys_for
from drachma.store import entities as entity_store
from drachma.store import incidents as incident_store
from drachma.store import safeguarding as sg_store
from drachma.store.db import Store

DEMO_OWNER = "investigator"  # the demo investigator's user name (drachma.demo.load.DEMO_USERS)
CLOSED_OUTCOMES = {"jailed", "suspended_sentence", "community_order", "no_further_action",
                   "wrong_man"}
COURT_OUTCOMES = {"jailed", "suspended_sentence", "community_order"}


def _outcome_events(outcome: str | None) -> list[tuple[EventKind, timedelta]]:
    events: list[tuple[EventKind, timedelta]] = []
    if outcome in {"arrested", "released_under_investigation", "charged"} | COURT_OUTCOMES:
        events.append((EventKind.ARREST, timedelta(minutes=40)))
    if outcome in {"charged"} | COURT_OUTCOMES:
        events.append((EventKind.CHARGE, timedelta(days=2)))
    if outcome in COURT_OUTCOMES:
        events.append((EventKind.COURT_RESULT, timedelta(days=120)))
    return events


def complete_demo_records(store: Store, *, check: bool = True) -> int:
    """Complete the demo incidents and investigations; returns the deconfliction alerts raised."""
    actor = system_actor("demo")
    to_check: list[IncidentSubject] = []
    with store.begin() as conn:
        incident_ids = incident_store.all_incident_ids(conn)
        for position, incident_id in enumerate(incident_ids):
            detail = incident_store.get_incident(conn, incident_id)
            assert detail is not None
            incident = detail.incident
            places = find_places(incident.place or "")
            district = next((p.district for p in places if p.force == incident.force), None)
            closed = incident.outcome in CLOSED_OUTCOMES
            incident_store.update_incident(conn, incident_id, {
                "district": district, "created_by": "demo", "groups": incident.groups,
                "status": (IncidentStatus.CLOSED if closed else IncidentStatus.OPEN).value})
            start = incident.occurred_at
            incident_store.add_event(conn, TimelineEvent(incident_id, EventKind.CREATED, start,
                                                         "demo", {"place": incident.place or ""},
                                                         recorded_at=start))
            if incident.police_attended:
                incident_store.add_event(conn, TimelineEvent(
                    incident_id, EventKind.POLICE_ARRIVED, start + timedelta(minutes=18), "demo",
                    recorded_at=start))
            for kind, after in _outcome_events(incident.outcome):
                incident_store.add_event(conn, TimelineEvent(
                    incident_id, kind, start + after, "demo", recorded_at=start + after))
            if closed:
                incident_store.add_event(conn, TimelineEvent(
                    incident_id, EventKind.CLOSED, start + timedelta(days=150), "demo",
                    {"reason": (incident.outcome or "").replace("_", " ")},
                    recorded_at=start + timedelta(days=150)))
            # The loader inserted the person confronted at each incident in incident order.
            person = entity_store.get_person(conn, position + 1)
            if person is None or not any(incident.place and a.startswith(incident.place)
                                         for a in person.addresses):
                continue
            subject = IncidentSubject(role=SubjectRole.SUBJECT, name=person.name,
                                      date_of_birth=person.date_of_birth,
                                      address=person.addresses[0] if person.addresses else None)
            incident_store.insert_subject(conn, incident_id, subject)
            if not closed:
                to_check.append(subject)
        rows, _ = sg_store.list_investigations(conn, limit=10_000, offset=0)
        for number, row in enumerate(rows):
            sg_store.set_investigation_owner(conn, row.id, DEMO_OWNER,
                                             f"0161 496 0{number % 1000:03d}")
            if sg_store.has_investigation_subjects(conn, row.id):
                continue
            subjects = []
            for person_id in json.loads(row.subject_ids or "[]"):
                person = entity_store.get_person(conn, int(person_id))
                if person is not None:
                    subjects.append(InvestigationSubject(
                        name=person.name, aliases=list(person.aliases),
                        date_of_birth=person.date_of_birth, addresses=list(person.addresses),
                        investigation_id=row.id))
            sg_store.insert_investigation_subjects(conn, subjects,
                                                   [keys_for(s) for s in subjects])
    if not check:
        return 0
    return sum(len(check_subject(store, actor, subject).alert_ids) for subject in to_check)
