"""The evidence locker's pages in a real browser (demo exhibits AD/1 ... from ``drachma demo``),
each checked with axe."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import check_accessibility, log_in, visit

pytestmark = pytest.mark.browser


def test_exhibits_custody_and_opening_with_a_reason(page: Any) -> None:
    log_in(page, "investigator")
    page.get_by_role("link", name="Evidence").first.click()
    check_accessibility(page)
    assert page.get_by_role("heading", name="Exhibits", level=1).is_visible()
    assert page.locator("img").count() == 0  # never a preview
    page.get_by_role("link", name="AD/1", exact=True).click()
    check_accessibility(page)
    assert page.get_by_role("heading", name="Custody history").is_visible()
    assert page.locator("table.custody tbody tr").count() >= 3
    page.get_by_role("button", name="Download the content").click()  # no reason given
    check_accessibility(page)
    assert page.locator(".govuk-error-summary").is_visible()
    page.get_by_label("Reason").fill("review for the MG6C")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the content").click()
    assert download.value.suggested_filename == "AD-1"


def test_the_handover_form_and_a_schedule(page: Any) -> None:
    log_in(page, "investigator")
    visit(page, "/evidence/handover")
    page.get_by_role("button", name="Take in").click()
    check_accessibility(page)
    assert page.locator(".govuk-error-summary").is_visible()
    visit(page, "/evidence/investigations/1/schedules/MG6C")
    assert page.get_by_text("AD/2").first.is_visible()
