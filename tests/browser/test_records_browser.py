"""The records officer's review queue in a real browser (demo reports from ``drachma demo`` are
years old, so some are due), checked with axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, log_in, visit

pytestmark = pytest.mark.browser


def test_the_records_officer_reviews_keeps_and_disposes(page: Any) -> None:
    log_in(page, "records")
    page.get_by_role("link", name="Records review").first.click()
    check_accessibility(page)
    expect(page.get_by_role("heading", name="Records due for review", level=1)).to_be_visible()
    page.locator("a", has_text="Review report").first.click()
    check_accessibility(page)
    heading = page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Keep until this date").click()  # no reason, no date
    check_accessibility(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Reason to keep it").fill("linked to a live investigation")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("1")
    page.get_by_label("Year").fill("2099")
    page.get_by_role("button", name="Keep until this date").click()
    check_accessibility(page)
    expect(page.get_by_text("retained.")).to_be_visible()
    page.locator("a", has_text="Review report").first.click()
    assert page.get_by_role("heading", level=1).inner_text() != heading
    page.get_by_label("Reason to dispose of it").fill("no further policing purpose")
    page.get_by_role("button", name="Dispose of this record").click()
    check_accessibility(page)
    expect(page.get_by_text("disposed of;")).to_be_visible()


def test_other_roles_do_not_see_the_queue(page: Any) -> None:
    log_in(page, "analyst")
    assert page.get_by_role("link", name="Records review").count() == 0
    response = visit(page, "/records")
    assert response.status == 403


def test_the_records_officer_answers_a_subject_access_request(page: Any) -> None:
    import json

    log_in(page, "records")
    page.get_by_role("link", name="Records review").first.click()
    page.get_by_role("link", name="Answer a subject access request").click()
    check_accessibility(page)
    expect(page.get_by_role("heading", name="Subject access request", level=1)).to_be_visible()
    page.get_by_role("button", name="Gather and download").click()  # nothing filled in
    check_accessibility(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Robert Hallworth")
    page.get_by_label("Other names (optional)").fill("Rob Halworth")
    page.get_by_label("Case reference").fill("SAR/2026/5")
    with page.expect_download() as download:
        page.get_by_role("button", name="Gather and download").click()
    saved = download.value
    assert saved.suggested_filename == "subject-access-SAR-2026-5.json"
    document = json.loads(Path(saved.path()).read_text(encoding="utf-8"))
    assert document["subject_access_request"] == "SAR/2026/5"
    assert document["other_names_searched"] == ["Rob Halworth"]
    assert all(i["decision"] == "to decide" for i in document["items"])


def test_other_roles_cannot_open_the_subject_access_page(page: Any) -> None:
    log_in(page, "analyst")
    assert visit(page, "/records/subject-access").status == 403
