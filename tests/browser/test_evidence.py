"""The evidence locker's pages in a real browser (demo exhibits AD/1 ... from ``drachma demo``),
each checked with axe."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, log_in, visit

pytestmark = pytest.mark.browser


def test_exhibits_custody_and_opening_with_a_reason(page: Any) -> None:
    log_in(page, "investigator")
    page.get_by_role("link", name="Evidence").first.click()
    check_accessibility(page)
    expect(page.get_by_role("heading", name="Exhibits", level=1)).to_be_visible()
    assert page.locator("img").count() == 0  # never a preview
    page.get_by_role("link", name="AD/1", exact=True).click()
    check_accessibility(page)
    expect(page.get_by_role("heading", name="Custody history")).to_be_visible()
    assert page.locator("table.custody tbody tr").count() >= 3
    page.get_by_role("button", name="Download the content").click()  # no reason given
    check_accessibility(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Reason").fill("review for the MG6C")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the content").click()
    assert download.value.suggested_filename == "AD-1"


def test_the_handover_form_and_a_schedule(page: Any) -> None:
    log_in(page, "investigator")
    visit(page, "/evidence/handover")
    page.get_by_role("button", name="Take in").click()
    check_accessibility(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    visit(page, "/evidence/investigations/1/schedules/MG6C")
    expect(page.get_by_text("AD/2").first).to_be_visible()


def _downloaded(page: Any, link: str) -> bytes:
    with page.expect_download() as download:
        page.get_by_role("link", name=link, exact=True).first.click()
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as handle:
        return handle.read()


def test_a_handover_receipt_downloads_as_csv_and_pdf(page: Any, tmp_path: Any) -> None:
    log_in(page, "investigator")
    visit(page, "/evidence/handover")
    note = tmp_path / "covering-note.txt"
    note.write_bytes(b"Invented covering note for the browser test.\n")
    page.get_by_label("Files").set_input_files(str(note))
    page.get_by_label("Producer's initials").fill("AD")
    page.get_by_label("Handed over by").fill("Northfield Watch")
    page.get_by_label("Place").fill("Leeds Central")
    page.get_by_label("Reason").fill("handed over at the front counter")
    page.get_by_role("button", name="Take in").click()
    check_accessibility(page)
    expect(page.get_by_role("heading", name="Receipt", level=1)).to_be_visible()
    receipt_csv = _downloaded(page, "CSV").decode()
    assert "Northfield Watch" in receipt_csv and "covering-note.txt" in receipt_csv
    assert _downloaded(page, "PDF").startswith(b"%PDF-")


def test_an_exhibit_and_a_schedule_download_as_csv_and_pdf(page: Any) -> None:
    log_in(page, "investigator")
    visit(page, "/evidence/exhibit?reference=AD/1")
    assert "AD/1" in _downloaded(page, "CSV").decode()
    assert _downloaded(page, "PDF").startswith(b"%PDF-")
    visit(page, "/evidence/investigations/1/schedules/MG6C")
    assert "AD/2" in _downloaded(page, "CSV").decode()
    assert _downloaded(page, "PDF").startswith(b"%PDF-")
