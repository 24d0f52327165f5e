"""The analytics JSON API: the same figures as the library, the records behind each, SVG charts."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from drachma.model.roles import Role
from drachma.store.db import Store
from tests.analytics_fixture import World, build_world, code
from tests.conftest import PASSWORD, ActorFactory


@pytest.fixture
def world(store: Store, make_actor: ActorFactory) -> World:
    return build_world(store, make_actor(Role.SUPERVISOR))


def bearer(client: TestClient, make_actor: ActorFactory, role: Role) -> dict[str, str]:
    actor = make_actor(role)
    answer = client.post("/api/login", json={"username": actor.name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def get(client: TestClient, headers: dict[str, str], path: str, **query: Any) -> Any:
    answer = client.get(path, params=query, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_counts_and_the_records_behind_every_figure(
        client: TestClient, make_actor: ActorFactory, world: World) -> None:
    analyst = bearer(client, make_actor, Role.ANALYST)
    data = get(client, analyst, "/api/analytics/counts", subject="reports", by="district",
               date_from="2017-01-01", date_to="2018-12-31", force="GMP")
    # The analyst may not read R3 (handling code C): Rochdale is R1 only.
    assert {f["label"]: f["count"] for f in data["figures"]} == {
        "Rochdale": 1, "Salford": 2, "Manchester": 1}
    assert data["total"] == 3
    for figure in data["figures"]:
        listed = get(client, analyst, "/api/analytics/records", subject="reports",
                     **figure["records"])
        assert listed["total"] == figure["count"] == len(listed["records"])


def test_trends_hotspots_foi_and_group_profiles(
        client: TestClient, make_actor: ActorFactory, world: World) -> None:
    boss = bearer(client, make_actor, Role.SUPERVISOR)
    trend = get(client, boss, "/api/analytics/trends", period="year")
    assert [(p["period"], p["count"]) for p in trend["points"]] == [
        ("2017", 3), ("2018", 3), ("2019", 1)]
    hot = get(client, boss, "/api/analytics/hotspots", subject="incidents")
    assert {r["key"] for r in hot["rows"]} == {code("Rochdale"), code("Manchester"),
                                               code("Liverpool")}
    answer = get(client, boss, "/api/analytics/foi", by="year", threshold=2)
    assert answer["suppressed"] == 2 and "fewer than 2" in answer["reply"]
    csv_text = client.get("/api/analytics/foi.csv", params={"by": "year"}, headers=boss)
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert csv_text.text.splitlines()[-1] == "Total,7"
    profile = get(client, boss, "/api/analytics/groups/BJ")
    assert profile["group"]["name"] == "Beta Justice" and profile["incidents"] == 2


def test_charts_and_maps_are_svg(client: TestClient, make_actor: ActorFactory,
                                 world: World) -> None:
    boss = bearer(client, make_actor, Role.SUPERVISOR)
    for kind, by in (("bar", "group"), ("trend", "quarter"), ("map", "force"),
                     ("points", "town")):
        answer = client.get(f"/api/analytics/charts/{kind}.svg", params={"by": by},
                            headers=boss)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("image/svg+xml")
        assert answer.text.startswith("<svg")


def test_mistakes_are_4xx_json_and_logging_in_is_required(
        client: TestClient, make_actor: ActorFactory, world: World) -> None:
    assert client.get("/api/analytics/counts").status_code == 401
    boss = bearer(client, make_actor, Role.SUPERVISOR)
    bad = client.get("/api/analytics/counts", params={"by": "colour"}, headers=boss)
    assert bad.status_code == 422 and bad.json()["field"] == "by"
    wrong = client.get("/api/analytics/charts/map.svg", params={"by": "group"}, headers=boss)
    assert wrong.status_code == 422
    admin = bearer(client, make_actor, Role.ADMIN)
    assert client.get("/api/analytics/counts", headers=admin).status_code == 403
    missing = client.get("/api/analytics/groups/Nobody", headers=boss)
    assert missing.status_code == 404
