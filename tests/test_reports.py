"""Adding and reading reports: the rules, the refusals, and the audit trail they leave."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from drachma.errors import (
    ConflictError,
    ConstraintError,
    DrachmaError,
    GradingError,
    UnknownForceError,
    ValidationError,
)
from drachma.model.roles import Role
from drachma.model.user import AuditAction
from drachma.reports import ReportDraft, add_report, get_report, list_reports
from drachma.store import audit as audit_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from drachma.store.reports import ReportFilters
from tests.conftest import ActorFactory


def _count(store: Store) -> int:
    with store.begin() as conn:
        return int(conn.execute(text("SELECT count(*) FROM reports")).scalar_one())


def test_a_graded_report_is_stored_with_everything_it_was_given(
    store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report = add_report(store, analyst, ReportDraft(
        title="Live stream in Bolton", body="A group streamed a confrontation on Facebook.",
        grading="2-B-P", legacy_grading="B24", source_kind="public",
        received_at=datetime(2018, 3, 2, 9, 30, tzinfo=UTC), occurred_on=date(2018, 3, 1),
        sanitised_text="A group streamed a confrontation.",
    ))
    stored = get_report(store, analyst, int(report.id or 0))
    assert stored.grading.code == "2BP"
    assert stored.legacy_grading is not None and stored.legacy_grading.code == "B24"
    assert stored.source_kind.value == "public"
    assert stored.occurred_on == date(2018, 3, 1)
    assert stored.sanitised_text == "A group streamed a confrontation."
    # MoPI: the first retention review is six years after receipt unless set.
    assert stored.review_date == date(2024, 3, 2)


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"grading": "4AP"}, GradingError, "grading.source"),
        ({"grading": "2FP"}, GradingError, "grading.intelligence"),
        ({"grading": "2BC"}, GradingError, "handling_conditions"),
        ({"body": "   "}, ValidationError, "body"),
        ({"received_at": datetime.now(UTC) + timedelta(days=3)}, ValidationError, "received_at"),
        ({"occurred_on": date.today() + timedelta(days=3)}, ValidationError, "occurred_on"),
        ({"source_kind": "rumour"}, ValidationError, "source_kind"),
        ({"force": "Narnia Constabulary"}, UnknownForceError, "force"),
        ({"grading": "2BC", "handling_conditions": "OIC only"}, ValidationError, "visible_to"),
    ],
)
def test_bad_input_is_refused_by_name_and_nothing_is_stored(
    store: Store, make_actor: ActorFactory, change: dict[str, object], error: type[DrachmaError],
    field: str,
) -> None:
    analyst = make_actor(Role.ANALYST)
    add_report(store, analyst, ReportDraft(title="Kept", body="Already here.", grading="2BP"))
    draft = ReportDraft(title="New", body="Some text", grading="2BP")
    for key, value in change.items():
        setattr(draft, key, value)
    with pytest.raises(error) as caught:
        add_report(store, analyst, draft)
    assert caught.value.field == field
    assert _count(store) == 1
    assert [r.title for r in list_reports(store, analyst)[0]] == ["Kept"]


def test_the_same_text_twice_is_recognised(store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    first = add_report(store, analyst, ReportDraft(title="A", body="Same words here.",
                                                   grading="2BP"))
    with pytest.raises(ConflictError, match=f"report {first.id}"):
        add_report(store, analyst, ReportDraft(title="B", body="  same   WORDS here. ",
                                               grading="3CP"))
    assert _count(store) == 1


def test_every_read_create_and_refusal_is_audited_with_who_and_where(
    store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    officer = make_actor(Role.OFFICER)
    report = add_report(store, analyst, ReportDraft(
        title="R", body="Restricted words.", grading="2BC", handling_conditions="analysts only",
        visible_to=["analyst"]))
    get_report(store, analyst, int(report.id or 0))
    with pytest.raises(DrachmaError):
        get_report(store, officer, int(report.id or 0))

    with store.begin() as conn:
        events = audit_store.query(conn, AuditFilters(record_kind="report"))
    seen = [(e.actor_name, e.action, e.record_id, e.address) for e in reversed(events)]
    assert seen == [
        (analyst.name, AuditAction.CREATE, str(report.id), "127.0.0.1"),
        (analyst.name, AuditAction.READ, str(report.id), "127.0.0.1"),
        (officer.name, AuditAction.DENIED, str(report.id), "127.0.0.1"),
    ]


def test_the_audit_log_cannot_be_changed_or_deleted(store: Store, make_actor: ActorFactory) -> None:
    make_actor(Role.ANALYST)
    # SQLite's trigger aborts as a constraint (the store's ConstraintError); PostgreSQL's raises.
    refused = (DBAPIError, ConstraintError)
    with pytest.raises(refused, match="append-only"), store.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor_name = 'someone else'"))
    with pytest.raises(refused, match="append-only"), store.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))
    with store.begin() as conn:
        assert audit_store.count(conn) >= 1


def test_filters_by_grading_source_kind_and_date(store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    for n, (grading, kind, day) in enumerate(
        [("1AP", "officer", 1), ("2BP", "public", 2), ("2CP", "news", 3)]
    ):
        add_report(store, analyst, ReportDraft(
            title=f"R{n}", body=f"Body {n}", grading=grading, source_kind=kind,
            received_at=datetime(2019, 1, day, tzinfo=UTC)))

    def titles(filters: ReportFilters) -> list[str]:
        return [r.title for r in list_reports(store, analyst, filters)[0]]

    assert titles(ReportFilters(source_evaluation="2")) == ["R2", "R1"]
    assert titles(ReportFilters(source_evaluation="2", intelligence="B")) == ["R1"]
    assert titles(ReportFilters(source_kind="news")) == ["R2"]
    assert titles(ReportFilters(received_from=date(2019, 1, 2), received_to=date(2019, 1, 2))) == [
        "R1"
    ]


@pytest.mark.parametrize("written", ["GMP", "Greater Manchester Police", "greater-manchester"])
def test_a_force_is_stored_under_its_canonical_code_however_it_is_written(
    store: Store, make_actor: ActorFactory, written: str
) -> None:
    report = add_report(store, make_actor(Role.ANALYST), ReportDraft(
        title="F", body=f"Force written as {written}", grading="2BP", force=written))
    assert report.force == "greater-manchester"


def test_a_report_received_on_29_february_is_reviewed_on_28_february(
    store: Store, make_actor: ActorFactory
) -> None:
    report = add_report(store, make_actor(Role.ANALYST), ReportDraft(
        title="Leap", body="Received on a leap day.", grading="2BP",
        received_at=datetime(2020, 2, 29, 10, 0, tzinfo=UTC)))
    assert report.review_date == date(2026, 2, 28)
