"""Who is who in a real browser, on the demo set (``drachma demo`` trains the model and fills the
queue with its invented variants), checked with axe: the queue, a pair with its waterfall,
confirm, the profile, undo; and a group merge."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, log_in, visit

pytestmark = pytest.mark.browser


def test_an_analyst_reviews_a_pair_confirms_reads_the_profile_and_undoes(page: Any) -> None:
    log_in(page, "supervisor")
    page.get_by_role("link", name="Who is who").first.click()
    check_accessibility(page)
    expect(page.get_by_role("heading", name="Who is who: people to review",
                            level=1)).to_be_visible()
    for number in range(1, 60):  # least certain pairs first
        visit(page, f"/linkage?page={number}")
        row = page.locator("tr", has_text="Pellingham")
        if row.count():
            break
    row.first.locator("a", has_text="Review pair").click()
    check_accessibility(page)
    assert page.locator("figure svg").count() == 1
    expect(page.locator("figcaption", has_text="Waterfall chart: match weight")).to_be_visible()
    page.get_by_role("button", name="Confirm: the same person").click()
    check_accessibility(page)
    expect(page.get_by_text("This pair was confirmed")).to_be_visible()
    page.locator("a", has_text="profile").first.click()
    check_accessibility(page)
    expect(page.get_by_text("not proof of any offence")).to_be_visible()
    # each value with the record that said it (which kinds of record depends on the pair)
    said_by = page.locator("tbody tr td:nth-child(3)")
    assert said_by.count() >= 1
    assert all(text.startswith(("person record ", "named in report ", "recorded at incident ",
                                "subject of investigation "))
               for text in said_by.all_inner_texts())
    page.go_back()
    page.get_by_role("button", name="Undo this decision").click()
    check_accessibility(page)
    expect(page.get_by_role("button", name="Confirm: the same person")).to_be_visible()


def test_a_group_pair_merges_into_an_alias(page: Any) -> None:
    log_in(page, "analyst")
    visit(page, "/linkage?kind=group")
    check_accessibility(page)
    page.locator("a", has_text="Review pair").first.click()
    check_accessibility(page)
    expect(page.get_by_text("Which name does the group keep?")).to_be_visible()
    page.get_by_role("button", name="Confirm: the same group").click()
    check_accessibility(page)
    expect(page.get_by_text("This pair was confirmed")).to_be_visible()
