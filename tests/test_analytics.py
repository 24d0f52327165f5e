"""Counts, trends and hotspots, checked against answers counted by hand on a small world.

The world is described in ``tests/analytics_fixture.py``: seven reports (R3 handling code C,
investigators only), three incidents. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest

from drachma.analytics import counts as A
from drachma.analytics.counts import CountFilters
from drachma.errors import PermissionDenied, UnknownForceError, ValidationError
from drachma.model.roles import Role
from drachma.model.user import AuditAction
from drachma.store import audit as audit_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from tests.analytics_fixture import World, build_world, code
from tests.conftest import ActorFactory

Y2017_2018 = CountFilters(date_from=date(2017, 1, 1), date_to=date(2018, 12, 31))


@pytest.fixture
def world(store: Store, make_actor: ActorFactory) -> World:
    return build_world(store, make_actor(Role.SUPERVISOR))


def table(breakdown: A.Breakdown) -> dict[str | None, int]:
    return {f.key: f.count for f in breakdown.figures}


def test_reports_by_district_as_a_supervisor_sees_them(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    counted = A.breakdown(store, make_actor(Role.SUPERVISOR), "reports", "district", Y2017_2018)
    # Rochdale: R1 (incident), R3 (mention). Salford: R2, R4. Manchester: R4. Liverpool: R5.
    # The rejected mention of Wigan on R5 counts nowhere; R6 names no place; R7 is 2019.
    assert table(counted) == {code("Rochdale"): 2, code("Salford"): 2,
                              code("Manchester"): 1, code("Liverpool"): 1}
    assert counted.total == 6
    assert counted.unrecorded == 1
    assert [f.label for f in counted.figures[:2]] == ["Rochdale", "Salford"]
    assert "counted under each" in counted.note
    assert "1 January 2017 to 31 December 2018" in counted.description


def test_a_figure_never_counts_a_report_the_viewer_may_not_read(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    analyst = A.breakdown(store, make_actor(Role.ANALYST), "reports", "district", Y2017_2018)
    investigator = A.breakdown(store, make_actor(Role.INVESTIGATOR), "reports", "district",
                               Y2017_2018)
    # R3 (handling code C, investigators only) is in Rochdale.
    assert table(analyst)[code("Rochdale")] == 1 and analyst.total == 5
    assert table(investigator)[code("Rochdale")] == 2 and investigator.total == 6
    by_year = A.breakdown(store, make_actor(Role.ANALYST), "reports", "year")
    assert table(by_year) == {"2017": 2, "2018": 3, "2019": 1}
    rows, total = A.records(store, make_actor(Role.ANALYST), "reports",
                            CountFilters(district=code("Rochdale")))
    assert total == 2 and {r.title for r in rows} == {"Report R1", "Report R7"}


def test_an_administrator_may_not_count_reports(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    with pytest.raises(PermissionDenied):
        A.breakdown(store, make_actor(Role.ADMIN), "reports", "force")


def test_reports_by_group_outcome_force_kind_and_grading(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    boss = make_actor(Role.SUPERVISOR)
    assert table(A.breakdown(store, boss, "reports", "group", Y2017_2018)) == {
        "Alpha Hunters": 3, "Beta Justice": 2}  # R2 named it by its alias "AH"
    outcomes = A.breakdown(store, boss, "reports", "outcome", Y2017_2018)
    assert table(outcomes) == {"charged": 2, "wrong_person": 1, "convicted": 1}
    assert {f.label for f in outcomes.figures} == {"Charged", "Wrong person targeted",
                                                   "Convicted"}
    assert table(A.breakdown(store, boss, "reports", "force")) == {
        "greater-manchester": 5, "merseyside": 1, "lancashire": 1}
    assert table(A.breakdown(store, boss, "reports", "source_kind", Y2017_2018)) == {
        "officer": 3, "news": 1, "public": 1, "group": 1}
    assert table(A.breakdown(store, boss, "reports", "grading")) == {
        "2BP": 4, "2CP": 1, "3CC": 1, "1AP": 1}
    assert table(A.breakdown(store, boss, "reports", "platform")) == {
        "Facebook": 2, "YouTube": 1}


def test_filters_combine(store: Store, make_actor: ActorFactory, world: World) -> None:
    boss = make_actor(Role.SUPERVISOR)
    gm_alpha = Y2017_2018.replace(force="greater-manchester", group="Alpha Hunters")
    assert table(A.breakdown(store, boss, "reports", "district", gm_alpha)) == {
        code("Rochdale"): 2, code("Salford"): 1}
    officers_2bp = CountFilters(source_kind="officer", source_evaluation="2", intelligence="B")
    assert table(A.breakdown(store, boss, "reports", "force", officers_2bp)) == {
        "greater-manchester": 2, "merseyside": 1, "lancashire": 1}
    salford_2018 = CountFilters(date_from=date(2018, 1, 1), district=code("Salford"))
    assert A.breakdown(store, boss, "reports", "group", salford_2018).total == 1


def test_every_figure_carries_the_filters_of_the_records_behind_it(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    boss = make_actor(Role.SUPERVISOR)
    for by in ("district", "group", "outcome", "month", "grading", "force"):
        counted = A.breakdown(store, boss, "reports", by, Y2017_2018)
        for figure in counted.figures:
            rows, total = A.records(store, boss, "reports", figure.filters, limit=500)
            assert total == figure.count == len(rows), (by, figure)
    events = AuditFilters(action=AuditAction.SEARCH)
    with store.begin() as conn:
        assert audit_store.count(conn, events) > 0


def test_months_are_uk_months(store: Store, make_actor: ActorFactory, world: World) -> None:
    counted = A.breakdown(store, make_actor(Role.SUPERVISOR), "reports", "month",
                          CountFilters(force="lancashire"))
    # R6 was received at 23:30 UTC on 31 May 2018: 00:30 on 1 June in London (BST).
    assert table(counted) == {"2018-06": 1}
    assert counted.figures[0].label == "June 2018"
    assert counted.figures[0].filters.date_from == date(2018, 6, 1)


def test_incidents_by_outcome_district_and_group(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    analyst = make_actor(Role.ANALYST)
    assert table(A.breakdown(store, analyst, "incidents", "outcome")) == {
        "charged": 1, "wrong_person": 1, "convicted": 1}
    assert table(A.breakdown(store, analyst, "incidents", "district")) == {
        code("Rochdale"): 1, code("Manchester"): 1, code("Liverpool"): 1}
    assert table(A.breakdown(store, analyst, "incidents", "group",
                             CountFilters(force="greater-manchester"))) == {
        "Alpha Hunters": 1, "Beta Justice": 1}
    described = A.breakdown(store, analyst, "incidents", "year").description
    assert described.startswith("Incidents that took place at any date")


def test_trend_by_quarter_with_change_on_the_period_before(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    year = CountFilters(date_from=date(2017, 1, 1), date_to=date(2017, 12, 31))
    _, points = A.trend(store, make_actor(Role.SUPERVISOR), "reports", "quarter", year)
    assert [(p.period, p.count, p.change) for p in points] == [
        ("2017-Q1", 2, None), ("2017-Q2", 0, -2), ("2017-Q3", 1, 1), ("2017-Q4", 0, -1)]
    assert points[1].change_percent == -100.0
    assert points[2].change_percent is None  # no change in percent from nothing


def test_hotspots_rank_areas_against_the_previous_period(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    year_2018 = CountFilters(date_from=date(2018, 1, 1), date_to=date(2018, 12, 31))
    _, rows = A.hotspots(store, make_actor(Role.SUPERVISOR), "reports", "district", year_2018)
    got = {(r.label, r.rank, r.count, r.previous) for r in rows}
    # 2018: Manchester R4, Salford R4, Liverpool R5: all tied first. 2017: Salford R2.
    assert got == {("Liverpool", 1, 1, 0), ("Manchester", 1, 1, 0), ("Salford", 1, 1, 1)}


@pytest.mark.parametrize(
    ("subject", "by", "filters", "field"),
    [
        ("people", "district", CountFilters(), "subject"),
        ("reports", "colour", CountFilters(), "by"),
        ("incidents", "grading", CountFilters(), "by"),
        ("incidents", "force", CountFilters(source_kind="news"), "source_kind"),
        ("reports", "force", CountFilters(date_from=date(2019, 1, 1), date_to=date(2018, 1, 1)),
         "date_to"),
        ("reports", "force", CountFilters(district="E99999999"), "district"),
        ("reports", "force", CountFilters(outcome="hanged"), "outcome"),
        ("reports", "force", CountFilters(intelligence="Z"), "intelligence"),
    ],
)
def test_bad_questions_are_refused_naming_the_field(
        store: Store, make_actor: ActorFactory, subject: str, by: str,
        filters: CountFilters, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        A.breakdown(store, make_actor(Role.ANALYST), subject, by, filters)
    assert caught.value.field == field


def test_an_unknown_force_is_refused(store: Store, make_actor: ActorFactory) -> None:
    with pytest.raises(UnknownForceError):
        A.breakdown(store, make_actor(Role.ANALYST), "reports", "district",
                    CountFilters(force="narnia"))


def test_what_an_incident_is_about() -> None:
    from drachma.analytics.facts import incident_facts, place_facts

    assert place_facts("Rochdale") == [("town", "Rochdale"), ("district", code("Rochdale"))]
    assert place_facts("South Lakeland") == [("district", "E06000064")]  # abolished in 2023
    assert place_facts("Lancashire") == []  # a county names no district
    # A place the gazetteer does not know falls back on the incident's recorded district.
    assert incident_facts("Tesco car park", ["Alpha Hunters"], None, "wrong_man", "Bury") == [
        ("district", code("Bury")), ("group", "Alpha Hunters"), ("outcome", "wrong_person")]
    assert incident_facts(None, [], "Facebook", "interviewed") == [("platform", "Facebook")]
