"""Incidents and safeguarding in a real browser: a live incident from the form, a person, a
THRIVE assessment, a task done, a takedown and an arrest; every page checked with axe."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from drachma.demo.generate import demo_groups
from tests.browser.conftest import check_accessibility, log_in, visit

pytestmark = pytest.mark.browser


def test_a_live_incident_in_the_browser(page: Any) -> None:
    group = demo_groups()[0].name
    log_in(page, "officer")
    visit(page, "/incidents/new", shot="live-incident")
    page.get_by_label("Where (town, city area or district)").fill("Nowhere Junction")
    page.get_by_label("Group").fill(group)
    page.get_by_label("Stream address").fill("https://video.example.org/live/5512")
    page.get_by_role("button", name="Open the incident").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "not in the gazetteer" in summary.inner_text()
    check_accessibility(page)
    page.get_by_label("Where (town, city area or district)").fill("Rochdale")
    page.get_by_role("button", name="Open the incident").click()
    expect(page.get_by_role("heading", name=re.compile(r"Incident \d+: Rochdale"))).to_be_visible()
    check_accessibility(page)

    page.get_by_label("Name").fill("Wayne Brindle")
    page.get_by_label("Date of birth").fill("02/03/1977")
    page.get_by_role("button", name="Add the person").click()
    expect(page.get_by_text("No match with an open investigation.")).to_be_visible()
    check_accessibility(page)

    page.get_by_role("link", name="Assess the household").click()
    check_accessibility(page)
    page.get_by_label("Children live in the household").check()
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.get_by_role("cell", name="Referral to children's services",
                            exact=True)).to_be_visible()
    page.get_by_label("What was done").first.fill("referred")
    page.get_by_role("button", name="Done").first.click()
    check_accessibility(page)

    page.get_by_label("Legal basis").select_option("harassment")
    page.get_by_label("Preserved copy (exhibit)").fill("AD/1")  # a demo exhibit
    page.get_by_role("button", name="Draft the request").click()
    page.get_by_label("Status").select_option("sent")
    page.get_by_role("button", name="Change").click()
    page.get_by_label("Record").select_option("arrest")
    page.get_by_role("button", name="Record on the timeline").click()
    expect(page.get_by_text("Suggested after the arrest: contempt_of_court")).to_be_visible()
    check_accessibility(page)
    visit(page, "/incidents")
    check_accessibility(page)


def test_the_investigator_reads_the_alerts_and_the_supervisor_the_board(page: Any) -> None:
    log_in(page, "investigator")
    visit(page, "/alerts")
    expect(page.get_by_role("heading", name="Deconfliction alerts")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Log out").click()
    log_in(page, "supervisor")
    visit(page, "/board")
    expect(page.get_by_role("heading", name="Supervisors' board")).to_be_visible()
    check_accessibility(page)
