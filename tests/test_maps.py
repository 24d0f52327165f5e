"""Charts and maps as SVG, drawn offline, each with a text alternative and its data table."""

from __future__ import annotations

import itertools
import socket
from typing import Any

import pytest

from drachma.analytics import charts
from drachma.analytics import counts as A
from drachma.gazetteers.boundaries import ATTRIBUTION, boundaries, map_features
from drachma.model.roles import Role
from drachma.store.db import Store
from tests.analytics_fixture import World, build_world
from tests.conftest import ActorFactory


@pytest.fixture
def world(store: Store, make_actor: ActorFactory) -> World:
    return build_world(store, make_actor(Role.SUPERVISOR))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket from Python fails the test (vl-convert bundles its own
    JavaScript engine and libraries and needs none)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a chart tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_a_district_choropleth_is_svg_with_its_table_and_attribution(
        store: Store, make_actor: ActorFactory, world: World, no_network: None) -> None:
    counted = A.breakdown(store, make_actor(Role.SUPERVISOR), "reports", "district")
    chart = charts.choropleth(counted)
    assert chart.svg.startswith('<svg role="img"') and "<desc>" in chart.svg
    assert "Open Government Licence" in chart.svg  # the attribution is drawn on the map
    assert ("Rochdale", "3") in chart.rows  # R1, R3, R7
    assert "Highest: Rochdale 3" in chart.alt_text and ATTRIBUTION in chart.alt_text
    assert chart.svg.count("<path") > 300  # every district is drawn, counted or not


def test_a_force_choropleth_and_incident_points(
        store: Store, make_actor: ActorFactory, world: World, no_network: None) -> None:
    boss = make_actor(Role.SUPERVISOR)
    forces = charts.choropleth(A.breakdown(store, boss, "reports", "force"))
    assert ("Greater Manchester Police", "5") in forces.rows
    points = charts.town_points(A.breakdown(store, boss, "incidents", "town"))
    assert sorted(points.rows) == [("Liverpool", "1"), ("Manchester", "1"), ("Rochdale", "1")]
    assert "circle at each town" in points.alt_text
    with pytest.raises(ValueError):
        charts.choropleth(A.breakdown(store, boss, "reports", "group"))


def test_bar_and_trend_charts_say_what_they_show(
        store: Store, make_actor: ActorFactory, world: World, no_network: None) -> None:
    boss = make_actor(Role.SUPERVISOR)
    bars = charts.bar_chart(A.breakdown(store, boss, "reports", "group"))
    assert "Alpha Hunters 4" in bars.alt_text  # R1, R2, R3, R7 and bars.svg.startswith("<svg")
    counted, points = A.trend(store, boss, "reports", "year")
    line = charts.trend_chart(counted, points)
    assert "From 2017 (3) to 2019 (1)" in line.alt_text
    assert line.rows == [("2017", "3"), ("2018", "3 (+0)"), ("2019", "1 (-2)")]


def test_map_features_keep_every_area_and_wind_rings_for_d3() -> None:
    for level, count in (("district", 361), ("force", 45)):
        features = map_features(level)  # type: ignore[arg-type]
        assert len(features) == len(boundaries(level)["features"]) == count  # type: ignore[arg-type]
        for feature in features:
            geometry = feature["geometry"]
            polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                        else geometry["coordinates"])
            outer = polygons[0][0]
            area = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(outer))
            assert area < 0, feature["properties"]["name"]  # clockwise: d3-geo's outside
