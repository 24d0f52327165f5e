"""Who may see what: each role against each kind of record, including handling code C."""

from __future__ import annotations

import pytest

from drachma.access.audit import view_audit
from drachma.access.permissions import MATRIX, Permission
from drachma.access.users import add_user, list_users
from drachma.errors import PermissionDenied
from drachma.intake.sources import add_source, read_source_identity
from drachma.model.report import SourceKind
from drachma.model.roles import Role
from drachma.reports import ReportDraft, add_report, get_report, list_reports
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from tests.conftest import PASSWORD, ActorFactory

READERS = [Role.ANALYST, Role.OFFICER, Role.INVESTIGATOR, Role.DISCLOSURE_OFFICER, Role.SUPERVISOR]


def _reports(store: Store, make_actor: ActorFactory) -> dict[str, int]:
    author = make_actor(Role.SUPERVISOR)
    open_report = add_report(store, author, ReportDraft(
        title="Open", body="Group livestream outside a supermarket in Wigan.", grading="2BP"))
    for_investigators = add_report(store, author, ReportDraft(
        title="Restricted", body="Covert source says the group plans another sting in Leigh.",
        grading="1BC", handling_conditions="Investigators only; do not disseminate.",
        visible_to=["investigator"]))
    return {"P": int(open_report.id or 0), "C": int(for_investigators.id or 0)}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_against_each_kind_of_report(
    store: Store, make_actor: ActorFactory, role: Role
) -> None:
    ids = _reports(store, make_actor)
    actor = make_actor(role)
    may_read = role in READERS
    may_read_restricted = role in {Role.INVESTIGATOR, Role.SUPERVISOR}

    if may_read:
        assert get_report(store, actor, ids["P"]).title == "Open"
        listed = {r.id for r in list_reports(store, actor)[0]}
        assert (ids["C"] in listed) is may_read_restricted
    else:
        with pytest.raises(PermissionDenied):
            get_report(store, actor, ids["P"])

    if may_read_restricted:
        assert get_report(store, actor, ids["C"]).grading.conditions
    else:
        with pytest.raises(PermissionDenied):
            get_report(store, actor, ids["C"])


def test_the_author_of_a_restricted_report_can_always_read_it(
    store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report = add_report(store, analyst, ReportDraft(
        title="Mine", body="Text only the officer in charge should see.", grading="2CC",
        handling_conditions="OIC only", visible_to=["officer"]))
    assert report.visible_to == {Role.OFFICER, Role.ANALYST}
    assert get_report(store, analyst, int(report.id or 0)).title == "Mine"


@pytest.mark.parametrize("role", list(Role))
def test_source_identity_is_for_supervisors_only(
    store: Store, make_actor: ActorFactory, role: Role
) -> None:
    source = add_source(store, make_actor(Role.SUPERVISOR), SourceKind.PUBLIC, "PUB-0001",
                        identity="Invented Person, 1 Example Street")
    actor = make_actor(role)
    if MATRIX[role] >= {Permission.READ_SOURCE_IDENTITY}:
        assert read_source_identity(store, actor, int(source.id or 0)).identity
    else:
        with pytest.raises(PermissionDenied):
            read_source_identity(store, actor, int(source.id or 0))


@pytest.mark.parametrize("role", list(Role))
def test_the_audit_log_is_for_supervisors_and_admins(
    store: Store, make_actor: ActorFactory, role: Role
) -> None:
    actor = make_actor(role)
    if role in {Role.SUPERVISOR, Role.ADMIN}:
        events, total = view_audit(store, actor, AuditFilters())
        assert total >= 1 and events
    else:
        with pytest.raises(PermissionDenied):
            view_audit(store, actor, AuditFilters())


@pytest.mark.parametrize("role", list(Role))
def test_only_admins_manage_users(store: Store, make_actor: ActorFactory, role: Role) -> None:
    actor = make_actor(role)
    if role is Role.ADMIN:
        add_user(store, actor, "new.officer", "New Officer", Role.OFFICER, PASSWORD)
        assert "new.officer" in {u.username for u in list_users(store, actor)}
    else:
        with pytest.raises(PermissionDenied):
            add_user(store, actor, "new.officer", "New Officer", Role.OFFICER, PASSWORD)


def test_administrators_do_not_read_intelligence() -> None:
    assert Permission.READ_REPORTS not in MATRIX[Role.ADMIN]


@pytest.mark.parametrize("role", list(Role))
def test_reading_a_person_is_checked_and_audited(
    store: Store, make_actor: ActorFactory, role: Role
) -> None:
    from drachma.link.persons import get_person
    from drachma.model.entities import Person
    from drachma.store import audit as audit_store
    from drachma.store.entities import insert_persons

    with store.begin() as conn:
        (person_id,) = insert_persons(conn, [Person(name="Invented Example")])
    actor = make_actor(role)
    if Permission.READ_PERSONS in MATRIX[role]:
        assert get_person(store, actor, person_id).name == "Invented Example"
        action = "read"
    else:
        with pytest.raises(PermissionDenied):
            get_person(store, actor, person_id)
        action = "denied"
    with store.begin() as conn:
        events = audit_store.query(conn, AuditFilters(record_kind="person"))
    assert [(e.actor_name, e.action.value, e.record_id) for e in events] == [
        (actor.name, action, str(person_id))
    ]
