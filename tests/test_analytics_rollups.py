"""Counts kept in step with writes (migration 0018, drachma/analytics/upkeep.py).

- After any sequence of writes through the library (reports added, mentions read and reviewed,
  incidents opened, changed, linked and given outcomes, reports disposed of), the rollups equal
  a recomputation from the base tables, and every count answered from the rollups equals the
  plain ``GROUP BY`` over the base tables (hypothesis).
- The pair rollup by year (migration 0022) stays the sum of the months of each year, and a
  count over any dates (whole years from it, the months and days either side from the monthly
  rollup and the base tables) equals the plain ``GROUP BY`` (hypothesis: random dates, filters,
  readers and writes).
- Months and days are UK ones, across the clock changes.
- Incidents are counted only for those who may read incidents.
"""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drachma.access import permissions
from drachma.analytics import counts as A
from drachma.analytics import profiles, upkeep
from drachma.analytics.counts import CountFilters
from drachma.errors import PermissionDenied
from drachma.incidents.records import (
    IncidentChanges,
    IncidentDraft,
    change_incident,
    new_incident,
    record_event,
)
from drachma.link.mentions import review_mention
from drachma.model.dates import uk_day
from drachma.model.incident import EventKind
from drachma.model.mention import Mention, MentionType, Review
from drachma.model.roles import Role
from drachma.records.retention import dispose, review_queue
from drachma.reports import ReportDraft, add_report, get_report
from drachma.reports.mentions import extract_report
from drachma.store import analytics as analytics_store
from drachma.store import mentions as mention_store
from drachma.store import rollups
from drachma.store.db import Connection, Store
from drachma.store.reports import Visibility
from tests.analytics_fixture import World, build_world
from tests.conftest import ActorFactory

SERIAL = itertools.count(1)  # every generated report's text is new (a twin is refused)
PLACES = ["Rochdale", "Salford", "Liverpool", "Manchester", "Wigan", "Leeds"]
GROUPS = ["Alpha Hunters", "Beta Justice"]
FORCES = ["greater-manchester", "merseyside", "west-yorkshire", None]
MOMENTS = [  # around the clock changes and month ends
    datetime(2018, 3, 31, 23, 30, tzinfo=UTC),  # 00:30 BST on 1 April
    datetime(2018, 5, 31, 23, 30, tzinfo=UTC),  # 00:30 BST on 1 June
    datetime(2018, 6, 1, 0, 30, tzinfo=UTC),
    datetime(2018, 10, 31, 23, 30, tzinfo=UTC),  # GMT again: still 31 October
    datetime(2018, 12, 31, 23, 59, tzinfo=UTC),
    datetime(2019, 1, 15, 12, tzinfo=UTC),
    datetime(2017, 7, 1, 10, tzinfo=UTC),
]


@pytest.fixture
def world(store: Store, make_actor: ActorFactory) -> World:
    return build_world(store, make_actor(Role.SUPERVISOR))


def _facts(conn: Connection) -> dict[str, dict[int, list[tuple[str, str, str]]]]:
    out = {}
    for subject in ("reports", "incidents"):
        ids = rollups.record_ids(conn, subject, 0, 100_000)  # type: ignore[arg-type]
        out[subject] = {rid: sorted(rows) for rid, rows in
                        rollups.facts_of(conn, subject, ids).items()}  # type: ignore[arg-type]
    return out


def _assert_in_step(store: Store) -> None:
    """The stored rollups are what the stored facts give, and the stored facts are what the
    records give: a rebuild (rolled back) changes nothing."""
    with store.begin() as conn:
        stored = rollups.rollup_rows(conn)
        expected = upkeep.expected_rollups(conn)
        listed = rollups.list_count_rows(conn)  # the report list's totals (migration 0020)
        by_year = rollups.year_rollup_rows(conn)  # the pair rollup by year (migration 0022)
    assert stored[0] == expected[0]
    assert stored[1] == expected[1]
    assert listed == rollups.list_deltas(expected[0])
    assert by_year == rollups.year_deltas(expected[1])
    with store.engine.connect() as conn:
        transaction = conn.begin()
        facts = _facts(conn)
        upkeep.rebuild_in(conn)
        assert _facts(conn) == facts
        assert rollups.rollup_rows(conn) == stored
        assert rollups.year_rollup_rows(conn) == by_year
        transaction.rollback()


QUESTIONS: list[tuple[str, str | None, CountFilters]] = [
    ("reports", "district", CountFilters()),
    ("reports", "group", CountFilters(date_from=date(2018, 1, 1), date_to=date(2018, 12, 31))),
    ("reports", "month", CountFilters(date_from=date(2018, 4, 1), date_to=date(2018, 11, 30))),
    ("reports", "force", CountFilters(group="Alpha Hunters")),
    ("reports", "district", CountFilters(group="Beta Justice", date_from=date(2018, 1, 1))),
    ("reports", "group", CountFilters(group="Alpha Hunters")),
    ("reports", "grading", CountFilters(date_to=date(2018, 12, 31))),
    ("reports", "source_kind", CountFilters(group="Alpha Hunters")),
    ("reports", "district", CountFilters(source_kind="officer")),
    ("reports", "quarter", CountFilters(date_from=date(2018, 5, 15),
                                        date_to=date(2019, 1, 20))),
    ("reports", "outcome", CountFilters(force="greater-manchester", handling="P")),
    ("reports", "platform", CountFilters(date_from=date(2018, 6, 1), date_to=date(2018, 6, 1))),
    ("incidents", "outcome", CountFilters()),
    ("incidents", "district", CountFilters(group="Beta Justice")),
    ("incidents", "year", CountFilters(outcome="charged")),
    ("incidents", "force", CountFilters(date_from=date(2018, 4, 1), date_to=date(2018, 10, 31))),
    # whole years (the pair rollup by year) with months and days either side
    ("reports", "district", CountFilters(date_from=date(2017, 3, 15), date_to=date(2019, 1, 10))),
    ("reports", "year", CountFilters(date_from=date(2017, 2, 1))),
    ("reports", "group", CountFilters(date_to=date(2018, 12, 31), force="greater-manchester")),
    ("incidents", "district", CountFilters(date_from=date(2018, 1, 1), date_to=date(2019, 3, 31))),
]


def _assert_counts_match_base(store: Store) -> None:
    """Every question, as each kind of reader: the rollup path gives the base tables' answer."""
    for role, sees_all in ((Role.ANALYST, False), (Role.INVESTIGATOR, False),
                           (Role.SUPERVISOR, True)):
        visibility = Visibility(role, sees_all)
        with store.begin() as conn:
            for subject, by, filters in QUESTIONS:
                got = analytics_store.count(conn, subject, by, filters, visibility)  # type: ignore[arg-type]
                plain = analytics_store._base_count(conn, subject, by, filters, visibility)  # type: ignore[arg-type]
                assert (got.rows, got.total, got.unrecorded) == (
                    plain.rows, plain.total, plain.unrecorded), (role, subject, by, filters)


def test_the_fixture_counts_the_same_by_rollup_and_by_base(
        store: Store, world: World) -> None:
    _assert_in_step(store)
    _assert_counts_match_base(store)
    with store.begin() as conn:
        assert analytics_store.count(conn, "reports", "district", CountFilters(),
                                     None).path == "rollup"
        assert analytics_store.count(conn, "reports", "district", CountFilters(
            date_from=date(2018, 1, 15)), None).path == "rollup+base"
        assert analytics_store.count(conn, "reports", "district", CountFilters(
            group="Alpha Hunters", town="Rochdale"), None).path == "base"


ACTIONS = st.lists(st.tuples(st.sampled_from(
    ["report", "report", "extract", "review", "incident", "change", "outcome", "dispose"]),
    st.integers(0, 10_000)), min_size=3, max_size=9)


@settings(max_examples=4, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_rollups_stay_equal_to_a_recount_after_any_writes(
        store: Store, make_actor: ActorFactory, tmp_path: Path,
        actions: list[tuple[str, int]]) -> None:
    officer = make_actor(Role.OFFICER)
    analyst = make_actor(Role.ANALYST)
    supervisor = make_actor(Role.SUPERVISOR)
    records_officer = make_actor(Role.RECORDS_OFFICER)
    with store.begin() as conn:
        report_ids = rollups.record_ids(conn, "reports", 0, 10_000)
        incident_ids = rollups.record_ids(conn, "incidents", 0, 10_000)
    for action, n in actions:
        if action == "report" or not report_ids:
            place, group = PLACES[n % len(PLACES)], GROUPS[n % 2]
            restricted = n % 5 == 0
            report = add_report(store, officer, ReportDraft(
                title=f"Report {n} {len(report_ids)}",
                body=f"{group} met a man in {place} on Facebook; he was charged. "
                     f"Case {next(SERIAL)}.",
                grading="2BC" if restricted else f"{1 + n % 3}{'ABC'[n % 3]}P",
                handling_conditions="investigators only" if restricted else None,
                visible_to=["investigator"] if restricted else [],
                received_at=MOMENTS[n % len(MOMENTS)], force=FORCES[n % len(FORCES)],
                source_kind=["officer", "public", "group"][n % 3]))
            assert report.id is not None
            report_ids.append(report.id)
        elif action == "extract":
            rid = report_ids[n % len(report_ids)]
            extract_report(store, supervisor, get_report(store, supervisor, rid))
        elif action == "review":
            with store.begin() as conn:
                found = [m for rid in report_ids for m in mention_store.for_report(conn, rid)]
            if found:
                mention = found[n % len(found)]
                assert mention.id is not None
                decision = [Review.CONFIRMED, Review.REJECTED][n % 2]
                review_mention(store, supervisor, mention.id, decision)
        elif action == "incident":
            linked = [report_ids[n % len(report_ids)]]
            detail = new_incident(store, officer, IncidentDraft(
                place=PLACES[n % len(PLACES)], groups=[GROUPS[n % 2]],
                occurred_at=MOMENTS[(n + 1) % len(MOMENTS)], platform="YouTube",
                outcome=["charged", "wrong man", None][n % 3], report_ids=linked,
                new_groups=True))
            assert detail.incident.id is not None
            incident_ids.append(detail.incident.id)
        elif action == "change" and incident_ids:
            change_incident(store, officer, incident_ids[n % len(incident_ids)], IncidentChanges(
                outcome=["no further action", "jailed"][n % 2], platform="Telegram",
                report_ids=[report_ids[(n * 7) % len(report_ids)]]))
        elif action == "outcome" and incident_ids:
            record_event(store, officer, incident_ids[n % len(incident_ids)], EventKind.CHARGE)
        elif action == "dispose" and len(report_ids) > 1:
            review_queue(store, records_officer, today=date(2190, 1, 1))
            rid = report_ids.pop(n % len(report_ids))
            dispose(store, records_officer, rid, "Past its review date, nothing to keep it for.",
                    home=tmp_path, today=date(2190, 1, 1))
    _assert_in_step(store)
    _assert_counts_match_base(store)
    del analyst


def test_a_rebuild_gives_the_same_rollups(store: Store, make_actor: ActorFactory,
                                          world: World) -> None:
    officer = make_actor(Role.OFFICER)
    new_incident(store, officer, IncidentDraft(place="Wigan", groups=["Beta Justice"],
                                               occurred_at=MOMENTS[0], outcome="charged",
                                               report_ids=[world.ids["R6"]]))
    with store.begin() as conn:
        before = rollups.rollup_rows(conn)
    summary = upkeep.rebuild(store, make_actor(Role.SUPERVISOR))
    assert (summary.reports, summary.incidents) == (7, 4)
    with store.begin() as conn:
        assert rollups.rollup_rows(conn) == before


def test_facts_follow_a_write_without_a_refresh(store: Store, make_actor: ActorFactory,
                                                world: World) -> None:
    """An incident opened on R6 (Lancashire, nothing known) counts for R6 at once."""
    officer, analyst = make_actor(Role.OFFICER), make_actor(Role.ANALYST)
    before = A.breakdown(store, analyst, "reports", "group", CountFilters(force="lancashire"))
    assert before.figures == [] and before.unrecorded == 1
    new_incident(store, officer, IncidentDraft(place="Wigan", groups=["Beta Justice"],
                                               occurred_at=MOMENTS[0], outcome="charged",
                                               report_ids=[world.ids["R6"]]))
    after = A.breakdown(store, analyst, "reports", "group", CountFilters(force="lancashire"))
    assert [(f.key, f.count) for f in after.figures] == [("Beta Justice", 1)]
    outcomes = A.breakdown(store, analyst, "incidents", "outcome")
    assert {f.key: f.count for f in outcomes.figures}["charged"] == 2


# --- UK months across the clock changes ----------------------------------------------------------


@pytest.mark.parametrize(("at", "month"), [
    (datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "2026-06"),  # 00:30 BST, 1 June
    (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "2026-03"),  # GMT, before the change
    (datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "2026-04"),  # BST since 29 March
    (datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "2026-10"),  # GMT since 25 October
    (datetime(2026, 9, 30, 23, 0, tzinfo=UTC), "2026-10"),  # 00:00 BST, 1 October
    (datetime(2026, 9, 30, 22, 59, tzinfo=UTC), "2026-09"),
])
def test_a_report_counts_in_its_uk_month(store: Store, make_actor: ActorFactory,
                                         at: datetime, month: str) -> None:
    officer, analyst = make_actor(Role.OFFICER), make_actor(Role.ANALYST)
    add_report(store, officer, ReportDraft(title="Clock", body=f"Received at {at}.",
                                           grading="2BP", received_at=at, force="lancashire"))
    by_month = A.breakdown(store, analyst, "reports", "month")
    assert [(f.key, f.count) for f in by_month.figures] == [(month, 1)]
    day = uk_day(at)
    assert f"{day:%Y-%m}" == month
    one_day = A.breakdown(store, analyst, "reports", "force",
                          CountFilters(date_from=day, date_to=day))  # one UK day: base path
    assert one_day.total == 1
    before = A.breakdown(store, analyst, "reports", "force",
                         CountFilters(date_to=day - timedelta(days=1)))
    assert before.total == 0
    from_then = A.breakdown(store, analyst, "reports", "force", CountFilters(date_from=day))
    assert from_then.total == 1
    # The figure's own filters list exactly that report.
    rows, total = A.records(store, analyst, "reports", by_month.figures[0].filters)
    assert total == 1 and len(rows) == 1


# --- incidents are counted only by those who may read them --------------------------------------


def test_incidents_are_counted_only_by_those_who_may_read_incidents(
        store: Store, make_actor: ActorFactory, world: World,
        monkeypatch: pytest.MonkeyPatch) -> None:
    reader = make_actor(Role.DISCLOSURE_OFFICER)
    assert A.breakdown(store, reader, "incidents", "outcome").total == 3
    # A role that may read reports but not incidents (none ships so; the rule must hold anyway).
    monkeypatch.setitem(permissions.MATRIX, Role.DISCLOSURE_OFFICER, frozenset(
        {permissions.Permission.READ_REPORTS}))
    with pytest.raises(PermissionDenied) as refused:
        A.breakdown(store, reader, "incidents", "outcome")
    assert refused.value.field == "role"
    with pytest.raises(PermissionDenied):
        A.records(store, reader, "incidents", CountFilters())
    assert A.breakdown(store, reader, "reports", "group").total == 6  # R3 is C: not theirs
    profile = profiles.group_profile(store, reader, "Beta Justice")
    assert profile.incidents == 0 and profile.incident_records == []
    assert profile.outcomes.figures == []


def test_two_writers_settling_one_report_at_once_keep_the_counts(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    """Two reviews of one report's mentions at the same moment (PostgreSQL: real concurrent
    transactions): the second waits for the first's lock on the report's counted row, so
    nothing is taken away twice."""
    if store.is_sqlite:
        pytest.skip("SQLite has one writer at a time")
    supervisor = make_actor(Role.SUPERVISOR)
    with store.begin() as conn:
        found = mention_store.for_report(conn, world.ids["R2"])
    assert len(found) >= 2
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def review(mention_id: int, decision: Review) -> None:
        try:
            barrier.wait(timeout=10)
            review_mention(store, supervisor, mention_id, decision)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=review, args=(m.id, Review.REJECTED)) for m in found[:2]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    _assert_in_step(store)
    _assert_counts_match_base(store)


# --- a change of who a name counts as --------------------------------------------------------


def _by_group(store: Store, subject: str) -> dict[str, int]:
    with store.begin() as conn:
        got = analytics_store.count(conn, subject, "group", CountFilters(), None)  # type: ignore[arg-type]
    return {str(key): n for key, n in got.rows}


def _recount_by_group(store: Store, subject: str) -> dict[str, int]:
    """The plain GROUP BY over facts derived afresh from the base tables (a rebuild, rolled
    back): what the counts must be without any upkeep."""
    with store.engine.connect() as conn:
        transaction = conn.begin()
        upkeep.rebuild_in(conn)
        got = analytics_store._base_count(conn, subject, "group", CountFilters(), None)  # type: ignore[arg-type]
        transaction.rollback()
    return {str(key): n for key, n in got.rows}


def test_counts_by_group_follow_a_new_group_a_merge_and_its_undo_without_a_rebuild(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    """A name that comes to lead to another group (a group added under a name reports already
    used; groups merged in the review queue; the merge undone) moves its reports and incidents
    in the same transaction: the rollups answer what a recount from scratch answers."""
    from drachma.link import review
    from drachma.link.groups import run_groups

    officer, linker = make_actor(Role.OFFICER), make_actor(Role.ANALYST)
    with store.begin() as conn:  # R4 names a group nobody has recorded yet
        mention_store.replace_pending(conn, world.ids["R4"], [
            Mention(MentionType.PLACE, 0, 7, "Salford", "Salford", 0.9),  # kept as it was
            Mention(MentionType.GROUP, 0, 21, "team alpha hunters uk", "team alpha hunters uk",
                    0.9)])
        upkeep.settle(conn, reports=[world.ids["R4"]])
    assert _by_group(store, "reports")["team alpha hunters uk"] == 1

    # An incident records the group under that name (a new group): R4 moves to it.
    new_incident(store, officer, IncidentDraft(
        place="Wigan", groups=["Team Alpha Hunters UK"], occurred_at=MOMENTS[0],
        outcome="charged", report_ids=[world.ids["R6"]], new_groups=True))
    before_merge = {"Alpha Hunters": 4, "Beta Justice": 2, "Team Alpha Hunters UK": 2}
    assert _by_group(store, "reports") == before_merge == _recount_by_group(store, "reports")
    _assert_in_step(store)

    # The review queue merges "Team Alpha Hunters UK" into "Alpha Hunters".
    run_groups(store, linker)
    page = review.review_queue(store, linker, "group")
    pair = next(p for p in page.pairs
                if {page.records[p.left_id].features["name"],
                    page.records[p.right_id].features["name"]}
                == {"alpha hunters", "team alpha hunters uk"})
    review.confirm(store, linker, pair.id)
    merged = {"Alpha Hunters": 6, "Beta Justice": 2}
    assert _by_group(store, "reports") == merged == _recount_by_group(store, "reports")
    assert _by_group(store, "incidents") == {"Alpha Hunters": 2, "Beta Justice": 2} \
        == _recount_by_group(store, "incidents")
    _assert_in_step(store)
    _assert_counts_match_base(store)
    kept = profiles.group_profile(store, make_actor(Role.SUPERVISOR), "Team Alpha Hunters UK")
    assert (kept.group.name, kept.reports, kept.incidents) == ("Alpha Hunters", 6, 2)

    review.undo(store, linker, pair.id)
    assert _by_group(store, "reports") == before_merge == _recount_by_group(store, "reports")
    assert _by_group(store, "incidents") == {"Alpha Hunters": 1, "Beta Justice": 2,
                                             "Team Alpha Hunters UK": 1}
    _assert_in_step(store)


def test_the_bulk_upsert_through_copy_keeps_the_counts(
        store: Store, make_actor: ActorFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL upserts many deltas (a rebuild) through COPY: forced for every upsert here,
    a rebuild and then writes adding to existing rows give what the plain path gives."""
    monkeypatch.setattr(rollups, "COPY_FROM_ROWS", 1)
    world = build_world(store, make_actor(Role.SUPERVISOR))
    officer = make_actor(Role.OFFICER)
    new_incident(store, officer, IncidentDraft(place="Wigan", groups=["Beta Justice"],
                                               occurred_at=MOMENTS[0], outcome="charged",
                                               report_ids=[world.ids["R6"], world.ids["R1"]]))
    _assert_in_step(store)
    _assert_counts_match_base(store)


# --- the pair rollup by year (migration 0022) ------------------------------------------------


@pytest.mark.parametrize(("months", "years", "edges"), [
    (("2018-01", "2019-12"), ("2018", "2019"), []),
    (("2017-03", "2019-01"), ("2018", "2018"), [("2017-03", "2017-12"), ("2019-01", "2019-01")]),
    (("2018-02", "2018-12"), None, [("2018-02", "2018-12")]),  # no whole year
    (("2018-01", "2018-11"), None, [("2018-01", "2018-11")]),
    (("2018-02", "2019-11"), None, [("2018-02", "2019-11")]),
    ((None, None), (None, None), []),
    (("2017-07", None), ("2018", None), [("2017-07", "2017-12")]),
    ((None, "2018-06"), (None, "2017"), [("2018-01", "2018-06")]),
    ((None, "2018-12"), (None, "2018"), []),
])
def test_whole_years_and_the_months_either_side(
        months: tuple[str | None, str | None], years: tuple[str | None, str | None] | None,
        edges: list[tuple[str | None, str | None]]) -> None:
    assert analytics_store._whole_years(months) == (years, edges)


def test_a_count_over_whole_years_reads_the_rollup_by_year() -> None:
    pieces = analytics_store._pieces("pair", "district", ("2017-07", "2019-12"))
    assert [(p.table.name, p.period, p.first, p.last) for p in pieces] == [
        ("fact_pair_counts", "month", "2017-07", "2017-12"),
        ("fact_pair_year_counts", "year", "2018", "2019")]
    # by month or quarter, or with source kind or grading (the star rollup): months throughout
    for route, by in (("pair", "month"), ("pair", "quarter"), ("star", "district")):
        assert [p.period for p in analytics_store._pieces(route, by, ("2018-01", "2019-12"))] \
            == ["month"]


EDGE_MOMENTS = [  # either side of the new year and of the clock changes
    datetime(2016, 12, 31, 23, 59, tzinfo=UTC), datetime(2017, 1, 1, 0, 1, tzinfo=UTC),
    datetime(2017, 12, 31, 23, 30, tzinfo=UTC), datetime(2018, 1, 1, 0, 0, tzinfo=UTC),
    datetime(2018, 3, 31, 23, 30, tzinfo=UTC), datetime(2019, 12, 31, 12, tzinfo=UTC),
    datetime(2020, 1, 1, 0, 30, tzinfo=UTC), datetime(2019, 6, 30, 23, 30, tzinfo=UTC),
]
DAYS = st.dates(min_value=date(2016, 11, 20), max_value=date(2020, 2, 10))
FACT_FILTERS = [{}, {"group": "Alpha Hunters"}, {"group": "Beta Justice"}, {"town": "Rochdale"},
                {"outcome": "charged"}, {"platform": "Facebook"}]
QUESTION = st.tuples(
    st.sampled_from(["reports", "reports", "incidents"]),
    st.sampled_from([None, "district", "group", "town", "platform", "outcome", "force", "year",
                     "quarter", "month", "source_kind"]),
    st.one_of(st.none(), DAYS), st.one_of(st.none(), DAYS),
    st.sampled_from(FACT_FILTERS), st.sampled_from([None, "greater-manchester", "merseyside"]),
    st.sampled_from([None, "P"]))


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(writes=st.lists(st.tuples(st.integers(0, 10_000), st.booleans()), max_size=4),
       questions=st.lists(QUESTION, min_size=10, max_size=25))
def test_counts_over_any_dates_equal_a_group_by(
        store: Store, make_actor: ActorFactory, world: World, tmp_path: Path,
        writes: list[tuple[int, bool]],
        questions: list[tuple[str, str | None, date | None, date | None, dict[str, str],
                              str | None, str | None]]) -> None:
    """Random reports written around the new year (some disposed of again), then random
    questions over random dates, filters and readers: the answer through the rollups (the
    whole years by year, the months either side by month, the days at the ends from the base
    tables) is the plain ``GROUP BY`` over the base tables, and the rollup by year is the sum
    of the months."""
    officer = make_actor(Role.OFFICER)
    records_officer = make_actor(Role.RECORDS_OFFICER)
    disposing: list[int] = []
    for n, and_dispose in writes:
        restricted = n % 4 == 0
        place, group = PLACES[n % len(PLACES)], GROUPS[n % 2]
        report = add_report(store, officer, ReportDraft(
            title=f"Year {n}", body=f"{group} met a man in {place} on Facebook; he was charged. "
                                    f"Case {next(SERIAL)}.",
            grading="2BC" if restricted else "2BP",
            handling_conditions="investigators only" if restricted else None,
            visible_to=["investigator"] if restricted else [],
            received_at=EDGE_MOMENTS[n % len(EDGE_MOMENTS)], force=FORCES[n % len(FORCES)],
            source_kind=["officer", "public", "group"][n % 3]))
        extract_report(store, make_actor(Role.SUPERVISOR), report)
        assert report.id is not None
        if and_dispose:
            disposing.append(report.id)
    # Not the newest report: SQLite would give its id to the next one written.
    for rid in disposing[:-1]:
        review_queue(store, records_officer, today=date(2190, 1, 1))
        dispose(store, records_officer, rid, "Past its review date.", home=tmp_path,
                today=date(2190, 1, 1))
    _assert_in_step(store)
    for subject, by, first, last, fact, force, handling in questions:
        if first and last and last < first:
            first, last = last, first
        if subject == "incidents" and by == "source_kind":
            by = "force"
        filters = CountFilters(date_from=first, date_to=last, force=force,
                               handling=handling if subject == "reports" else None, **fact)
        for role, sees_all in ((Role.ANALYST, False), (Role.INVESTIGATOR, False),
                               (Role.SUPERVISOR, True)):
            visibility = Visibility(role, sees_all)
            with store.begin() as conn:
                got = analytics_store.count(conn, subject, by, filters, visibility)  # type: ignore[arg-type]
                plain = analytics_store._base_count(conn, subject, by, filters, visibility)  # type: ignore[arg-type]
            assert (got.rows, got.total, got.unrecorded) == (
                plain.rows, plain.total, plain.unrecorded), (role, subject, by, filters)
