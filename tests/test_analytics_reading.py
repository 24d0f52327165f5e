"""A page's figures are read in one read-only transaction: one connection, one snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from drachma.analytics import counts as A
from drachma.analytics import profiles
from drachma.model.entities import Group, GroupStatus
from drachma.model.roles import Role
from drachma.store import groups as group_store
from drachma.store.db import Store
from tests.analytics_fixture import World, build_world
from tests.conftest import ActorFactory


@pytest.fixture
def world(store: Store, make_actor: ActorFactory) -> World:
    return build_world(store, make_actor(Role.SUPERVISOR))


@dataclass
class Tally:
    """What reached the database: pool checkouts, transactions begun, and each statement with
    the number of the transaction it ran in."""

    checkouts: int = 0
    transactions: int = 0
    statements: list[tuple[int, str, str]] = field(default_factory=list)  # n, SQL, parameters

    def kinds(self, transaction: int) -> set[str]:
        return {sql.split()[0].upper() for n, sql, _ in self.statements if n == transaction}


@pytest.fixture
def tally(store: Store) -> Iterator[Tally]:
    seen = Tally()

    def checkout(*_: Any) -> None:
        seen.checkouts += 1

    def begin(*_: Any) -> None:
        seen.transactions += 1

    def statement(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        seen.statements.append((seen.transactions, sql, repr(parameters)))

    event.listen(store.engine.pool, "checkout", checkout)
    event.listen(store.engine, "begin", begin)
    event.listen(store.engine, "before_cursor_execute", statement)
    yield seen
    event.remove(store.engine.pool, "checkout", checkout)
    event.remove(store.engine, "begin", begin)
    event.remove(store.engine, "before_cursor_execute", statement)


def test_a_profile_is_read_in_one_transaction_then_audited(
        store: Store, make_actor: ActorFactory, world: World, tally: Tally) -> None:
    reader = make_actor(Role.SUPERVISOR)  # reads incidents too: every part of a profile
    p = profiles.group_profile(store, reader, "AH")
    assert p.reports == 4 and p.incidents == 1 and p.evidence and p.incident_records
    # Every figure from the first transaction, the audit event written in the second.
    assert tally.transactions == 2 and tally.checkouts == 2
    assert tally.kinds(1) <= {"SELECT", "WITH", "BEGIN"} and "SELECT" in tally.kinds(1)
    assert tally.kinds(2) == {"INSERT"}


def test_a_profile_asks_each_question_once(
        store: Store, make_actor: ActorFactory, world: World, tally: Tally) -> None:
    profiles.group_profile(store, make_actor(Role.SUPERVISOR), "Alpha Hunters")
    asked = [(sql, parameters) for _, sql, parameters in tally.statements
             if sql.split()[0] != "BEGIN"]
    assert len(asked) == len(set(asked))  # the reports by month once, not three times


def test_the_dashboard_is_read_in_one_transaction(
        store: Store, make_actor: ActorFactory, world: World, tally: Tally) -> None:
    boss = make_actor(Role.SUPERVISOR)
    d = A.dashboard(store, boss)
    assert tally.transactions == 1 and tally.checkouts == 1
    # The same figures as asking for each on its own.
    assert d.by_force.figures == A.breakdown(store, boss, "reports", "force").figures
    assert d.by_group.figures == A.breakdown(store, boss, "reports", "group").figures
    assert d.outcomes.figures == A.breakdown(store, boss, "incidents", "outcome").figures
    assert d.activity[1] == A.trend(store, boss, "reports", "quarter")[1]


def test_a_reading_is_one_read_only_snapshot(store: Store, world: World) -> None:
    with store.reading() as conn:
        assert group_store.find_group(conn, "Gamma Watch") is None
        with store.begin() as other:  # another request adds a group meanwhile
            group_store.insert_group(other, Group(name="Gamma Watch",
                                                  status=GroupStatus.ACTIVE))
        assert group_store.find_group(conn, "Gamma Watch") is None  # not in this snapshot
    with store.reading() as conn:
        assert group_store.find_group(conn, "Gamma Watch") is not None
    if not store.is_sqlite:
        with store.reading() as conn:
            assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == \
                "repeatable read"
            assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"


@pytest.mark.parametrize("filters", [
    A.CountFilters(),
    A.CountFilters(date_from=date(2017, 3, 5), date_to=date(2018, 12, 31)),  # part months
    A.CountFilters(group="Alpha Hunters"),
])
def test_inside_a_reading_each_answer_is_the_same_as_alone(
        store: Store, make_actor: ActorFactory, world: World, filters: A.CountFilters) -> None:
    boss = make_actor(Role.SUPERVISOR)

    def answers(source: A.Source) -> list[object]:
        # The order matters: a breakdown first, so that the total, the months and the quarters
        # after it are answered from the reading's memo.
        district = A.breakdown(source, boss, "reports", "district", filters)
        months = A.trend(source, boss, "reports", "month", filters)
        quarters = A.trend(source, boss, "reports", "quarter", filters)
        listed = A.records(source, boss, "reports", filters, limit=1, audited=False)
        return [(district.figures, district.total, district.unrecorded),
                (months[0].figures, months[0].total, months[1]),
                (quarters[0].figures, quarters[0].total, quarters[1]), listed]

    alone = answers(store)
    with store.reading() as conn:
        assert answers(conn) == alone
        # The list's total was counted (from the memo inside), not its page's length.
        assert isinstance(alone[3], tuple) and alone[3][1] > 1
