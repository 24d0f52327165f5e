"""Sharing in a real browser over the demo data: an analyst exports an incident as a STIX bundle
(a real download), then takes it in on the import page; mistakes show by their fields. Every
page state is checked with axe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, log_in, screenshot_dir

pytestmark = pytest.mark.browser


def test_an_analyst_exports_an_incident_and_takes_the_bundle_in(page: Any,
                                                                tmp_path: Path) -> None:
    log_in(page, "analyst")
    page.get_by_role("link", name="Share").first.click()
    check_accessibility(page)
    expect(page.get_by_role("heading", name="Export to share", level=1)).to_be_visible()
    page.screenshot(path=str(screenshot_dir() / "sharing-export.png"), full_page=False)
    page.get_by_label("One incident, with its place, groups, subject and reports").check()
    page.get_by_role("button", name="Export and download").click()  # no number
    check_accessibility(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_text("enter the incident's number").first).to_be_visible()
    page.get_by_role("textbox", name="Number").fill("1")
    page.get_by_label("Your force").fill("Greater Manchester Police")
    with page.expect_download() as waiting:
        page.get_by_role("button", name="Export and download").click()
    download = waiting.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.name.startswith("drachma-incident-1-") and saved.name.endswith(".stix.json")
    bundle = json.loads(saved.read_text("utf-8"))
    assert bundle["type"] == "bundle"
    assert any(o["type"] == "incident" for o in bundle["objects"])

    page.get_by_role("link", name="Take in a STIX bundle from another force").click()
    check_accessibility(page)
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "bundle", "objects": [{"type": "x-sting", "spec_version": "2.1"}]}')
    page.get_by_label("STIX bundle").set_input_files(str(bad))
    page.get_by_role("button", name="Take in for review").click()
    check_accessibility(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.get_by_text("Nothing was stored.")).to_be_visible()
    page.get_by_label("STIX bundle").set_input_files(str(saved))
    page.get_by_role("button", name="Take in for review").click()
    check_accessibility(page)
    expect(page.get_by_text("taken in for review")).to_be_visible()
    page.screenshot(path=str(screenshot_dir() / "sharing-import.png"), full_page=False)
    page.locator("ul.imported a").first.click()
    check_accessibility(page)
    assert "Imported" in page.get_by_role("heading", level=1).inner_text()


def test_those_who_may_not_read_reports_have_no_share_link(page: Any) -> None:
    log_in(page, "admin")
    assert page.get_by_role("link", name="Share").count() == 0
    assert page.goto("/sharing/export").status == 403
