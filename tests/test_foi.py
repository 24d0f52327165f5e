"""FOI answers: the table, small-number suppression (and saying so), CSV, chart, draft reply."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from typer.testing import CliRunner

from drachma.analytics import foi
from drachma.analytics.catalogue import foi_settings
from drachma.analytics.counts import CountFilters
from drachma.cli.app import app
from drachma.demo.load import load_demo
from drachma.errors import ValidationError
from drachma.model.roles import Role
from drachma.model.user import AuditAction
from drachma.store import audit as audit_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from tests.analytics_fixture import World, build_world
from tests.conftest import ActorFactory

GMP_2017_2018 = CountFilters(date_from=date(2017, 1, 1), date_to=date(2018, 12, 31),
                             force="greater-manchester")


@pytest.fixture
def world(store: Store, make_actor: ActorFactory) -> World:
    return build_world(store, make_actor(Role.SUPERVISOR))


def test_the_threshold_comes_from_the_data_file() -> None:
    assert foi_settings().suppression_threshold == 5
    assert any("not of distinct events" in c for c in foi_settings().caveats)


def test_small_numbers_are_suppressed_and_the_reply_says_so(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    answer = foi.answer(store, make_actor(Role.SUPERVISOR), foi.FoiQuestion(
        by="district", filters=GMP_2017_2018, reference="FOI/123"))
    # GM 2017-2018: R1-R4. Rochdale 2 (R1, R3), Salford 2 (R2, R4), Manchester 1 (R4).
    assert {(r.label, r.count, r.shown) for r in answer.rows} == {
        ("Rochdale", 2, "fewer than 5"), ("Salford", 2, "fewer than 5"),
        ("Manchester", 1, "fewer than 5")}
    assert answer.total_shown == "fewer than 5" and answer.suppressed == 3
    assert '"fewer than 5"' in answer.reply and "FOI/123" in answer.reply
    assert "not of distinct events or of distinct people" in answer.reply
    assert "live system" in answer.reply
    assert "Rochdale" in answer.reply and " 2\n" not in answer.reply


def test_a_threshold_of_one_shows_every_figure(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    answer = foi.answer(store, make_actor(Role.SUPERVISOR), foi.FoiQuestion(
        by="year", filters=CountFilters(), threshold=1))
    assert [(r.label, r.shown) for r in answer.rows] == [("2017", "3"), ("2018", "3"),
                                                         ("2019", "1")]
    assert answer.suppressed == 0 and "fewer than" not in answer.reply
    rows = list(csv.reader(io.StringIO(answer.csv_text())))
    assert rows[0] == ["year", "number of reports"] and rows[-1] == ["Total", "7"]


def test_one_small_figure_is_not_left_to_be_worked_out_from_the_total(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    # By year with threshold 2: only 2019 (1 report) is small; the years add up to the total,
    # so a second figure (the smallest other) is withheld as well.
    answer = foi.answer(store, make_actor(Role.SUPERVISOR), foi.FoiQuestion(
        by="year", threshold=2))
    shown = {r.label: r.shown for r in answer.rows}
    assert shown["2019"] == "fewer than 2"
    assert sorted(shown.values()).count("fewer than 2") == 2
    assert answer.total_shown == "7"


def test_the_chart_leaves_out_suppressed_figures_and_says_so(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    answer = foi.answer(store, make_actor(Role.SUPERVISOR), foi.FoiQuestion(
        by="year", threshold=2))
    chart = answer.chart()
    assert chart.svg.startswith("<svg") and "suppressed" in chart.alt_text
    assert ("2019", "fewer than 2") in chart.rows


def test_making_an_answer_is_audited_and_bad_thresholds_are_refused(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    boss = make_actor(Role.SUPERVISOR)
    foi.answer(store, boss, foi.FoiQuestion(by="force", reference="FOI/9"))
    with store.begin() as conn:
        events = audit_store.query(conn, AuditFilters(action=AuditAction.READ), limit=50)
    assert any(e.record_kind == "foi_answer" and e.record_id == "FOI/9" for e in events)
    with pytest.raises(ValidationError) as caught:
        foi.answer(store, boss, foi.FoiQuestion(threshold=0))
    assert caught.value.field == "threshold"


def test_the_demo_reproduces_a_gmp_style_answer_for_2017_2018(
        sqlite_store: Store, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    load_demo(sqlite_store, progress=False)
    monkeypatch.setenv("DRACHMA_DATABASE_URL", sqlite_store.url)
    out = tmp_path / "foi.csv"  # type: ignore[operator]
    result = CliRunner().invoke(app, ["foi", "--from", "2017-01-01", "--to", "2018-12-31",
                                      "--force", "GMP", "--by", "district", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text())))
    districts = {row[0] for row in rows[1:-1]}
    # Greater Manchester's own boroughs, and enough reports for a real table.
    assert {"Manchester", "Rochdale", "Salford"} <= districts
    assert int(rows[-1][1]) > 100
    assert "Freedom of Information" not in result.output or "DRAFT" in result.output
    by_force = CliRunner().invoke(app, ["foi", "--from", "2017-01-01", "--to", "2018-12-31",
                                        "--by", "force"])
    assert "Greater Manchester Police" in by_force.output
