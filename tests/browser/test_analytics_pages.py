"""The analytics pages in a real browser, checked with axe: dashboard, hotspots, maps, trends,
an FOI answer and a group profile, over the demo data."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, log_in, visit

pytestmark = pytest.mark.browser


def test_an_analyst_looks_at_the_picture_and_answers_an_foi_request(page: Any) -> None:
    log_in(page, "analyst")
    visit(page, "/analytics", shot="analytics-dashboard")
    expect(page.get_by_role("heading", name="Analytics", level=1)).to_be_visible()
    assert page.locator("svg[role=img]").count() >= 4
    check_accessibility(page)

    # A figure leads to the records behind it.
    page.get_by_text(re.compile(r"Table of the figures")).first.click()
    page.locator("table a.govuk-link").first.click()
    expect(page.get_by_role("heading", name="Records behind a figure")).to_be_visible()
    check_accessibility(page)

    for path in ("/analytics/hotspots", "/analytics/maps?by=force", "/analytics/trends"):
        visit(page, path)
        check_accessibility(page)

    visit(page, "/analytics/foi")
    page.get_by_label("Force").fill("GMP")
    for name, (day, month, year) in (("From", ("1", "1", "2017")), ("To", ("31", "12", "2018"))):
        group = page.get_by_role("group", name=name)
        group.get_by_label("Day").fill(day)
        group.get_by_label("Month").fill(month)
        group.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Draft reply")).to_be_visible()
    expect(page.get_by_text("Greater Manchester Police area").first).to_be_visible()
    page.screenshot(path=str(_shot("analytics-foi")))
    check_accessibility(page)


def test_a_group_profile(page: Any) -> None:
    log_in(page, "supervisor")
    visit(page, "/analytics")
    visit(page, "/analytics?group=")
    page.get_by_text(re.compile(r"Table of the figures \(\d+ rows\)")).nth(3).click()
    name = page.locator("table").nth(3).locator("tbody tr td").first.inner_text()
    visit(page, f"/analytics/groups/{name}", shot="analytics-group")
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.get_by_text("unproven").first).to_be_visible()
    check_accessibility(page)


def _shot(name: str) -> Any:
    from tests.browser.conftest import screenshot_dir

    return screenshot_dir() / f"{name}.png"
