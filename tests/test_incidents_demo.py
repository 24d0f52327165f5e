"""The demo set's incidents and investigations are full records: district, status, the subject,
a timeline that follows the outcome, deconfliction subjects and alerts in the demo inbox."""

from __future__ import annotations

from drachma.access.actor import Actor, system_actor
from drachma.demo.load import load_demo
from drachma.demo.people import DEMO_VARIANT_PEOPLE
from drachma.incidents import records
from drachma.model.incident import EventKind, IncidentFilters, IncidentStatus, SubjectRole
from drachma.model.roles import Role
from drachma.model.user import User
from drachma.safeguarding import alerts
from drachma.store.db import Store


def test_demo_incidents_are_complete_records(store: Store) -> None:
    summary = load_demo(store, seed=3, reports=120, incidents=40, investigations=12,
                        progress=False)
    assert summary.incidents == 40
    actor = system_actor("test")
    found, total = records.list_incidents(store, actor, IncidentFilters(), limit=200)
    assert total == 40
    assert all(d.district for d in found)
    # --- linkage (issue 11): the demo's variant people (drachma/demo/people.py) add a second
    # subject, spelt differently, to a few of the first incidents
    variants = sum(1 for person in DEMO_VARIANT_PEOPLE for seen in person
                   if seen[0] == "incident_subject")
    doubled = 0
    for detail in found:
        view = records.get_incident(store, actor, detail.id or 0)
        assert [s.role for s in view.subjects][:1] == [SubjectRole.SUBJECT]
        assert all(s.role is SubjectRole.SUBJECT for s in view.subjects)
        doubled += len(view.subjects) - 1
        kinds = [e.kind for e in view.timeline]
        assert kinds[0] is EventKind.CREATED
        if detail.incident.outcome == "charged":
            assert EventKind.ARREST in kinds and EventKind.CHARGE in kinds
        assert (detail.status is IncidentStatus.CLOSED) == (EventKind.CLOSED in kinds)
    assert doubled == variants
    by_group = records.list_incidents(store, actor, IncidentFilters(
        group=found[0].incident.groups[0]))[1]
    assert by_group >= 1
    investigator = Actor(User("investigator", "Demo investigator", Role.INVESTIGATOR))
    assert alerts.unread_count(store, investigator) >= 1
