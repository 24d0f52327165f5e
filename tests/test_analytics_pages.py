"""The analytics pages: GOV.UK pages that work without JavaScript, charts inline as SVG with
their text and tables, every figure linking to the records behind it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from drachma.model.roles import Role
from drachma.store.db import Store
from tests.analytics_fixture import World, build_world
from tests.conftest import ActorFactory
from tests.web import log_in


@pytest.fixture
def world(store: Store, make_actor: ActorFactory) -> World:
    return build_world(store, make_actor(Role.SUPERVISOR))


def test_the_dashboard_draws_maps_and_charts_with_their_tables(
        client: TestClient, make_actor: ActorFactory, world: World) -> None:
    log_in(client, make_actor(Role.ANALYST))
    page = client.get("/analytics", params={"date_from-day": "1", "date_from-month": "1",
                                            "date_from-year": "2017"})
    assert page.status_code == 200, page.text
    assert "govuk-template" in page.text and page.text.count('<svg role="img"') == 5
    assert "Open Government Licence" in page.text
    # 6 reports from 2017 on that an analyst may read (not R3); figures link to their records.
    assert "6 reports." in page.text
    link = re.search(r'href="(/analytics/records\?[^"]*district=E08000005[^"]*)"', page.text)
    assert link is not None
    records = client.get(link.group(1).replace("&amp;", "&"))
    assert records.status_code == 200 and "Report R1" in records.text
    assert "Report R3" not in records.text  # handling code C, not for analysts


def test_hotspots_maps_trends_foi_and_group_pages(
        client: TestClient, make_actor: ActorFactory, world: World) -> None:
    log_in(client, make_actor(Role.SUPERVISOR))
    hot = client.get("/analytics/hotspots", params={"by": "town"})
    assert hot.status_code == 200 and "Rochdale" in hot.text
    maps = client.get("/analytics/maps", params={"by": "force"})
    assert maps.status_code == 200 and "<svg" in maps.text
    trends = client.get("/analytics/trends", params={"by": "year"})
    assert trends.status_code == 200 and "2019" in trends.text
    foi = client.get("/analytics/foi", params={"by": "year", "threshold": "2", "ask": "1"})
    assert foi.status_code == 200 and "Draft reply" in foi.text
    assert "fewer than 2" in foi.text and "/api/analytics/foi.csv?" in foi.text
    group = client.get("/analytics/groups/Beta Justice")
    assert group.status_code == 200 and "Wrong person targeted" in group.text
    assert "unproven" in group.text and "1AP" in group.text


def test_a_bad_filter_shows_the_error_on_the_page(
        client: TestClient, make_actor: ActorFactory, world: World) -> None:
    log_in(client, make_actor(Role.ANALYST))
    page = client.get("/analytics", params={"force": "Narnia Police"})
    assert page.status_code == 422
    assert "govuk-error-summary" in page.text and "Narnia Police" in page.text


def test_pages_need_a_log_in(client: TestClient) -> None:
    answer = client.get("/analytics", follow_redirects=False)
    assert answer.status_code in (302, 303) and "/login" in answer.headers["location"]
