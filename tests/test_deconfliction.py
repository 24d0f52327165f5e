"""Deconfliction: a person added to an incident is checked against the subjects of open
investigations (nicknames, sound-alike surnames, swapped day and month, changed handles); a match
alerts the owning investigator (inbox, e-mail), the officer learns only whom to call, and every
check and alert is audited."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from hypothesis import given, settings
from hypothesis import strategies as st

from drachma.access.audit import view_audit
from drachma.errors import ConflictError, PermissionDenied
from drachma.incidents import records
from drachma.model.incident import (
    EventKind,
    IncidentSubject,
    InvestigationSubject,
    SubjectRole,
)
from drachma.model.roles import Role
from drachma.safeguarding import alerts, deconfliction
from drachma.safeguarding.names import blocking_keys, dob_key
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from tests.conftest import ActorFactory
from tests.test_incidents_support import live_incident

KNOWN = InvestigationSubject(name="Robert Hallworth", aliases=["Rob Hallworth"],
                             date_of_birth=date(1979, 4, 11), postcodes=["OL11 3AB"],
                             handles=["@rob_hallworth79"])


def person(name: str, dob: date | None = None, **kwargs: Any) -> InvestigationSubject:
    return InvestigationSubject(name=name, date_of_birth=dob, **kwargs)


@pytest.mark.parametrize(("probe", "reason"), [
    (person("Robert Hallworth", date(1979, 4, 11)), "same date of birth"),
    (person("Bob Hallworth", date(1979, 4, 11)), "'bob' and 'robert' are the same name"),
    (person("Robert Halworth", date(1979, 4, 11)), "surname sounds the same"),
    (person("Robert Hallwerth", date(1979, 4, 11)), "surname"),
    (person("Robert Hallworth", date(1979, 11, 4)), "day and month swapped"),
    (person("Robbie Hallworth", handles=["Rob.Hallworth79"]), "same online handle"),
    (person("Robbie Hallworth", handles=["rob_hallsworth79"]), "similar online handle"),
    (person("Robert Hallworth", postcodes=["OL11 3AB"]), "same postcode"),
])
def test_variants_of_a_known_subject_match_with_reasons(probe: InvestigationSubject,
                                                        reason: str) -> None:
    value, reasons = deconfliction.score(probe, KNOWN)
    assert value >= deconfliction.MATCH_THRESHOLD
    assert any(reason in r for r in reasons), reasons
    assert deconfliction.keys_for(probe) & deconfliction.keys_for(KNOWN), "must be a candidate"


@pytest.mark.parametrize("probe", [
    person("Robert Hallworth", date(1985, 2, 20)),  # same name, another man
    person("Richard Hallworth", date(1979, 4, 12)),
    person("Robert Hallworth"),  # a name alone is not enough
    person("Robert Hallworth", handles=["robhallworth"]),  # nor a handle made of the name
    person("Robert Hallworth", handles=["rob_hallworth85"]),  # another man's, born 1985
    person("Keith Dunmore", date(1979, 4, 11)),
])
def test_other_people_do_not_match(probe: InvestigationSubject) -> None:
    assert deconfliction.score(probe, KNOWN)[0] < deconfliction.MATCH_THRESHOLD


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)))
@settings(max_examples=200, deadline=None)
def test_a_swapped_day_and_month_give_the_same_blocking_key(dob: date) -> None:
    if dob.day <= 12:
        swapped = date(dob.year, dob.day, dob.month)
        assert dob_key(swapped) == dob_key(dob)
        assert blocking_keys(["Ann Lee"], dob, [], []) == blocking_keys(["Ann Lee"], swapped,
                                                                         [], [])


@pytest.fixture
def investigation(store: Store, make_actor: ActorFactory) -> int:
    owner = make_actor(Role.INVESTIGATOR)
    return deconfliction.open_investigation(
        store, owner, "OP HAWTHORN", "DS Priya Marsh", owner.name, "0161 555 0142",
        "greater-manchester", [KNOWN, person("Colin Ashdown", date(1966, 8, 2))])


def test_adding_the_subject_alerts_the_owner_and_tells_the_officer_only_whom_to_call(
        store: Store, make_actor: ActorFactory, investigation: int) -> None:
    officer = make_actor(Role.OFFICER)
    owner = make_actor(Role.INVESTIGATOR)
    supervisor = make_actor(Role.SUPERVISOR)
    detail = live_incident(store, officer)
    assert alerts.unread_count(store, owner) == 0
    began = time.perf_counter()
    _, result = records.add_subject(store, officer, detail.id or 0, IncidentSubject(
        role=SubjectRole.SUBJECT, name="Bob Hallworth", date_of_birth=date(1979, 11, 4)))
    assert time.perf_counter() - began < 2.0
    lines = " ".join(result.officer_lines())
    assert "DS Priya Marsh (0161 555 0142)" in lines
    assert "OP HAWTHORN" not in lines and "swapped" not in lines  # no content of the other case
    assert alerts.unread_count(store, owner) == 1
    found, total = alerts.inbox(store, owner)
    assert total == 1 and found[0].investigation_id == investigation
    assert "date of birth with day and month swapped" in found[0].reasons
    with pytest.raises(PermissionDenied):
        alerts.read_alert(store, officer, found[0].id or 0)
    alerts.read_alert(store, owner, found[0].id or 0)
    assert alerts.unread_count(store, owner) == 0
    timeline = records.get_incident(store, officer, detail.id or 0).timeline
    assert EventKind.ALERT_RAISED in [e.kind for e in timeline]
    audit_kinds = {(e.record_kind, e.action.value)
                   for e in view_audit(store, supervisor, AuditFilters())[0]}
    assert {("deconfliction", "search"), ("deconfliction_alert", "create"),
            ("deconfliction_alert", "read"), ("deconfliction_alert", "denied")} <= audit_kinds


def test_a_changed_subject_is_checked_again_and_the_same_pair_alerts_once(
        store: Store, make_actor: ActorFactory, investigation: int) -> None:
    officer = make_actor(Role.OFFICER)
    owner = make_actor(Role.INVESTIGATOR)
    detail = live_incident(store, officer)
    subject, first = records.add_subject(store, officer, detail.id or 0, IncidentSubject(
        role=SubjectRole.SUBJECT, name="R Smithson"))
    assert not first.matches and alerts.unread_count(store, owner) == 0
    changed = IncidentSubject(role=SubjectRole.SUBJECT, name="Robert Hallworth",
                              date_of_birth=date(1979, 4, 11))
    _, second = records.change_subject(store, officer, subject.id or 0, changed)
    assert second.matches and alerts.unread_count(store, owner) == 1
    _, third = records.change_subject(store, officer, subject.id or 0, changed)
    assert third.matches and not third.alert_ids and alerts.unread_count(store, owner) == 1


def test_closed_investigations_are_not_checked(store: Store, make_actor: ActorFactory,
                                               investigation: int) -> None:
    officer = make_actor(Role.OFFICER)
    deconfliction.close_investigation(store, make_actor(Role.INVESTIGATOR), investigation)
    detail = live_incident(store, officer)
    _, result = records.add_subject(store, officer, detail.id or 0, IncidentSubject(
        role=SubjectRole.SUBJECT, name="Robert Hallworth", date_of_birth=date(1979, 4, 11)))
    assert not result.matches


def test_a_reference_is_used_once(store: Store, make_actor: ActorFactory,
                                  investigation: int) -> None:
    with pytest.raises(ConflictError, match="already exists"):
        deconfliction.open_investigation(store, make_actor(Role.INVESTIGATOR), "op hawthorn",
                                         "DS Someone", None, None, None, [])


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes

        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Inbox]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = _Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("DRACHMA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("DRACHMA_SMTP_PORT", str(port))
    monkeypatch.setenv("DRACHMA_ALERT_MAIL_DOMAIN", "police.example")
    try:
        yield handler
    finally:
        controller.stop()


def test_an_alert_is_emailed_once_without_personal_data_when_smtp_is_configured(
        store: Store, make_actor: ActorFactory, investigation: int, smtp_server: _Inbox) -> None:
    from drachma.safeguarding.worker import run_once

    officer = make_actor(Role.OFFICER)
    owner = make_actor(Role.INVESTIGATOR)
    detail = live_incident(store, officer)
    records.add_subject(store, officer, detail.id or 0, IncidentSubject(
        role=SubjectRole.SUBJECT, name="Robert Hallworth", date_of_birth=date(1979, 4, 11)))
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == f"{owner.name}@police.example"
    assert "Hallworth" not in message.as_string() and "HAWTHORN" not in message.as_string()
    assert run_once(store).mailed == []  # already sent: not again
    assert len(smtp_server.messages) == 1


def test_a_bulk_load_numbers_subjects_and_their_keys_consistently(
        store: Store, investigation: int) -> None:
    from drachma.store import safeguarding as sg_store

    def surname(i: int) -> str:
        return "Q" + "".join("bdfgklmnprstvz"[(i // 14 ** k) % 14] + "ao"[k % 2]
                             for k in range(3))

    people = [person(f"Testperson {surname(i)}", date(1950, 1, 1) + timedelta(days=i),
                     investigation_id=investigation) for i in range(sg_store.BULK + 200)]
    with store.begin() as conn:
        ids = sg_store.insert_investigation_subjects(conn, people,
                                                     [deconfliction.keys_for(p) for p in people])
    assert len(set(ids)) == len(people) and [p.id for p in people] == ids
    probe = person(f"Testperson {surname(1002)}", date(1950, 1, 1) + timedelta(days=1002))
    with store.begin() as conn:
        _, matches = deconfliction.find_matches(conn, probe)
    assert [m.investigation_subject_id for m in matches] == [ids[1002]]
