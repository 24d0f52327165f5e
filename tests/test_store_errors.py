"""The store raises Drachma's own errors, so no code above it needs SQLAlchemy to catch them."""

from __future__ import annotations

import pytest

from drachma.access.users import add_user
from drachma.errors import ConflictError, ConstraintError
from drachma.intake.sources import add_source
from drachma.model.report import SourceKind
from drachma.model.roles import Role
from drachma.reports import ReportDraft, add_report, validate
from drachma.store import reports as report_store
from drachma.store import users as user_store
from drachma.store.db import Store
from tests.conftest import PASSWORD, ActorFactory


def test_a_taken_username_or_source_reference_is_a_conflict_naming_the_field(
    store: Store, make_actor: ActorFactory
) -> None:
    add_user(store, None, "jo.smith", "Jo Smith", Role.ANALYST, PASSWORD)
    with pytest.raises(ConflictError, match=r"user 'jo\.smith' already exists") as taken:
        add_user(store, None, "jo.smith", "Jo Smith", Role.OFFICER, PASSWORD)
    assert taken.value.field == "username"
    supervisor = make_actor(Role.SUPERVISOR)
    add_source(store, supervisor, SourceKind.PUBLIC, "PUB-0001", "A member of the public")
    with pytest.raises(ConflictError, match="source 'PUB-0001' already exists") as again:
        add_source(store, supervisor, SourceKind.PUBLIC, "PUB-0001", "Someone else")
    assert again.value.field == "reference"


def test_a_refused_write_in_a_transaction_is_a_constraint_error_and_rolls_back(
    store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    with (pytest.raises(ConstraintError, match="the database refused the change"),
          store.begin() as conn):
        user_store.insert_user(conn, analyst.user, "hash")  # the same username again
    with store.begin() as conn:
        assert [u.username for u in user_store.list_users(conn)] == [analyst.name]


def test_the_same_text_stored_twice_in_one_batch_is_a_constraint_error_and_nothing_is_kept(
    store: Store,
) -> None:
    twins = [validate(ReportDraft(title="T", body="The same text.", grading="2BP"))
             for _ in range(2)]
    with pytest.raises(ConstraintError), store.begin() as conn:
        report_store.insert_many(conn, twins)
    with store.begin() as conn:
        assert (report_store.count_all(conn), report_store.highest_id(conn)) == (0, 0)


def test_the_store_counts_every_report_and_knows_the_highest_number(
    store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    for body in ("First text.", "Second text."):
        add_report(store, analyst, ReportDraft(title="T", body=body, grading="2BP"))
    with store.begin() as conn:
        assert (report_store.count_all(conn), report_store.highest_id(conn)) == (2, 2)
