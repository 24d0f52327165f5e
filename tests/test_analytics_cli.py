"""The analytics commands: counts, trends, hotspots, maps, groups show, analytics rebuild."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drachma.cli.app import app
from drachma.store import rollups
from drachma.store.db import Store
from tests.analytics_fixture import build_world

runner = CliRunner()


@pytest.fixture
def cli_store(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    from drachma.access.actor import system_actor

    build_world(sqlite_store, system_actor())
    monkeypatch.setenv("DRACHMA_DATABASE_URL", sqlite_store.url)
    return sqlite_store


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_counts_by_district_as_json_with_the_filters_behind_each_figure(cli_store: Store) -> None:
    data = json.loads(run("counts", "reports", "--by", "district", "--from", "01/01/2017",
                          "--to", "31/12/2018", "--force", "GMP", "--json"))
    assert data["total"] == 4
    rochdale = next(f for f in data["figures"] if f["label"] == "Rochdale")
    assert rochdale["count"] == 2
    assert rochdale["records"]["district"] == "E08000005"
    assert rochdale["records"]["force"] == "greater-manchester"
    listed = json.loads(run("counts", "reports", "--district", "Rochdale", "--from",
                            "2017-01-01", "--to", "2018-12-31", "--list", "--json"))
    assert listed["total"] == 2


def test_counts_table_trends_and_hotspots(cli_store: Store, tmp_path: Path) -> None:
    assert "Alpha Hunters" in run("counts", "incidents", "--by", "group")
    out = run("trends", "reports", "--period", "year", "--chart", str(tmp_path / "t.svg"))
    assert "2018" in out and (tmp_path / "t.svg").read_text().startswith("<svg")
    hot = json.loads(run("hotspots", "reports", "--from", "2018-01-01", "--to", "2018-12-31",
                         "--json"))
    assert {r["label"] for r in hot["rows"]} == {"Liverpool", "Manchester", "Salford"}


def test_maps_and_group_profiles(cli_store: Store, tmp_path: Path) -> None:
    out = run("maps", "reports", "--by", "force", "--out", str(tmp_path / "m.svg"))
    assert "Map of the UK" in out and (tmp_path / "m.svg").stat().st_size > 10_000
    profile = run("groups", "show", "Beta Justice")
    assert "unproven" in profile and "Wrong person targeted" in profile
    assert json.loads(run("groups", "show", "BJ", "--json"))["reports"] == 2


def test_rebuild_recomputes_the_facts_and_counts_with_a_progress_bar(cli_store: Store) -> None:
    before = json.loads(run("counts", "reports", "--by", "group", "--json"))
    with cli_store.begin() as conn:  # lose the rollups: only a rebuild brings them back
        rollups.clear(conn)
    assert json.loads(run("counts", "reports", "--by", "group", "--json"))["total"] == 0
    out = run("analytics", "rebuild")
    assert "Counting reports" in out and "7/7" in out
    assert "7 reports and 3 incidents counted" in out
    assert json.loads(run("counts", "reports", "--by", "group", "--json")) | {
        "generated_at": None} == before | {"generated_at": None}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["counts", "people"], "cannot count 'people'"),
        (["counts", "reports", "--by", "colour"], "cannot be counted by 'colour'"),
        (["counts", "reports", "--force", "Narnia Police"], "unknown police force"),
        (["counts", "reports", "--district", "Atlantis"], "no district"),
        (["counts", "reports", "--from", "yesterday"], "is not a date"),
        (["counts", "incidents", "--grading", "2B"], "reports only"),
        (["groups", "show", "Nobody"], "no group is called"),
        (["foi", "--threshold", "0"], "threshold"),
    ],
)
def test_mistakes_are_one_line_errors(cli_store: Store, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "Error:" in result.output and message in result.output
