"""What people do in Drachma, done in a real browser: every page visited is checked with axe."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, log_in, visit

pytestmark = pytest.mark.browser


def test_logging_in_and_out(page: Any) -> None:
    visit(page, "/reports")
    assert "/login" in page.url  # a page needs a log-in first, and comes back after it
    visit(page, "/login", shot="login")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Could not log in")).to_be_visible()
    check_accessibility(page)

    log_in(page, "analyst")
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(page.get_by_text("Logged in as")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    check_accessibility(page)
    visit(page, "/reports")
    assert "/login" in page.url


def test_searching_and_filtering_reports(page: Any) -> None:
    log_in(page, "analyst")
    page.get_by_label("Search the text").fill("stream")
    page.get_by_role("button", name="Search").click()
    check_accessibility(page)
    expect(page.get_by_text(re.compile(r"Results 1–\d+, best match first"))).to_be_visible()
    assert page.locator("table tbody tr").count() > 0
    assert page.locator("table mark").count() > 0  # the matching words are highlighted
    page.screenshot(path=str(_shot_path("search")))

    # A filter: reports from one force, received in 2018.
    page.goto("/reports")
    page.get_by_label("Force").fill("GMP")
    from_date = page.get_by_role("group", name="Received from")
    from_date.get_by_label("Day").fill("1")
    from_date.get_by_label("Month").fill("1")
    from_date.get_by_label("Year").fill("2018")
    page.get_by_role("button", name="Search / filter").click()
    check_accessibility(page)
    expect(page.get_by_text(re.compile(r"Reports 1–\d+ of [\d,]+, newest first"))).to_be_visible()
    forces = page.locator("table tbody tr td:nth-child(5)").all_inner_texts()
    assert forces and set(forces) == {"Greater Manchester Police"}
    assert page.get_by_role("group", name="Received from").get_by_label("Year").input_value() \
        == "2018"  # the filter stays filled in

    # A date that is not a date: the error summary links to the field.
    from_date = page.get_by_role("group", name="Received from")
    from_date.get_by_label("Month").fill("13")
    page.get_by_role("button", name="Search / filter").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    check_accessibility(page)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "received_from"


def test_reading_a_report_and_reviewing_its_mentions(page: Any) -> None:
    log_in(page, "analyst")
    page.get_by_label("Search the text").fill("live stream")
    page.get_by_role("button", name="Search").click()
    page.locator("table tbody tr a").first.click()
    check_accessibility(page)
    page.screenshot(path=str(_shot_path("report")))
    expect(page.get_by_text("Unproven allegation").first).to_be_visible()
    assert page.locator(".report-text mark").count() > 0

    # Confirm the first pending mention.
    confirm = page.get_by_role("button", name=re.compile(r"^Confirm ")).first
    confirm.click()
    expect(page.get_by_text("Your review is saved.")).to_be_visible()
    check_accessibility(page)

    # Correct a mention with a value that changes nothing: the error is by the field.
    row = page.locator("tr[id^=mention-]").filter(has=page.locator("details")).nth(1)
    row.locator("summary").click()
    value = row.get_by_label("Corrected value")
    current = value.input_value()
    value.fill(current)
    row.get_by_role("button", name="Save correction").click()
    expect(page.get_by_text("Your review was not saved")).to_be_visible()
    check_accessibility(page)


def test_adding_a_report_with_a_mistake_then_fixing_it(page: Any) -> None:
    log_in(page, "analyst")
    visit(page, "/reports/new", shot="add-report")
    page.get_by_label("Grading", exact=True).fill("4BP")
    page.get_by_label("Title (optional)").fill("Browser test: stream outside a shop in Bury")
    page.get_by_label("Report text").fill(
        "A group streamed a confrontation outside a shop in Bury on Friday evening.")
    page.get_by_role("button", name="Store report").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "Nothing was stored." in summary.inner_text()
    check_accessibility(page)
    # What was typed is kept; the error link takes the person to the field.
    assert "Bury on Friday" in page.get_by_label("Report text").input_value()
    summary.get_by_role("link", name=re.compile("Grading")).click()
    assert page.evaluate("document.activeElement.id") == "grading"
    page.keyboard.press("Control+A")
    page.keyboard.type("2BP")
    page.get_by_role("button", name="Store report").click()
    expect(page.get_by_text(re.compile(r"Report \d+ is stored, graded 2BP"))).to_be_visible()
    check_accessibility(page)


def test_taking_in_files(page: Any, tmp_path: Path) -> None:
    log_in(page, "analyst")
    visit(page, "/ingest", shot="ingest")
    note = tmp_path / "tip-from-a-member-of-the-public.txt"
    note.write_text("A group said online it would confront a man at a retail park in Leigh.")
    rows = tmp_path / "sheet.csv"
    rows.write_text("title,body\nLeaflets,Leaflets about a man were posted through doors in "
                    "Heywood.\n")
    page.get_by_label("Files").set_input_files([str(note), str(rows)])
    page.get_by_role("button", name="Take in files").click()
    check_accessibility(page)
    results = page.locator("table.ingest-results")
    expect(results).to_be_visible()
    assert results.get_by_text("Stored", exact=True).count() == 2


def test_a_supervisor_reads_the_audit_log(page: Any) -> None:
    log_in(page, "supervisor")
    visit(page, "/audit", shot="audit")
    page.get_by_label("User").fill("supervisor")
    page.get_by_label("Action").select_option("login")
    page.get_by_role("button", name="Filter").click()
    check_accessibility(page)
    actions = page.locator("table tbody tr td:nth-child(3)").all_inner_texts()
    assert actions and set(actions) == {"login"}


@pytest.mark.parametrize(("user", "path"), [("admin", "/reports"), ("officer", "/audit")])
def test_a_role_without_access_gets_a_refusal(page: Any, user: str, path: str) -> None:
    log_in(page, user)
    response = visit(page, path)
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_everything_can_be_done_with_the_keyboard_and_focus_is_always_visible(
    page: Any,
) -> None:
    visit(page, "/login")
    # Tab from the top of the page: the skip link first, then the form.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    _assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.id") != "username":
        page.keyboard.press("Tab")
    page.keyboard.type("analyst")
    page.keyboard.press("Tab")
    page.keyboard.type("analyst-demo-login")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/reports$"))

    # Every stop of the Tab key on the reports page shows where the focus is.
    seen = _tab_through(page, limit=40)
    assert {"Reports", "Add report", "Log out", "Search / filter"} <= seen

    # Open a report with Enter on its link, and go to a mention with the keyboard alone.
    page.goto("/reports?q=stream")
    page.locator("table tbody tr a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/reports/\d+$"))
    _tab_through(page, limit=60)

    # A checkbox is ticked with Space.
    page.goto("/reports/new")
    page.locator("#visible_to").focus()
    page.keyboard.press("Space")
    assert page.locator("#visible_to").is_checked()


def test_the_pages_own_scripts_run_under_the_content_security_policy(
    browser: Any, server: str
) -> None:
    context = browser.new_context(base_url=server)  # the real policy, not bypassed
    tab = context.new_page()
    refused: list[str] = []
    tab.on("console", lambda msg: refused.append(msg.text)
           if "Content Security Policy" in msg.text else None)
    tab.goto("/login")
    classes = tab.evaluate("document.body.className")
    assert "js-enabled" in classes and "govuk-frontend-supported" in classes
    tab.get_by_label("Username").fill("analyst")
    tab.get_by_role("button", name="Log in").click()
    # GOV.UK Frontend's error summary script moves the focus to the summary on load.
    tab.wait_for_function("document.activeElement.classList.contains('govuk-error-summary')")
    assert not refused, refused
    context.close()


def test_the_pages_work_without_javascript(browser: Any, server: str) -> None:
    context = browser.new_context(base_url=server, java_script_enabled=False)
    tab = context.new_page()
    tab.goto("/login")
    tab.get_by_label("Username").fill("analyst")
    tab.get_by_label("Password").fill("analyst-demo-login")
    tab.get_by_role("button", name="Log in").click()
    tab.get_by_label("Search the text").fill("stream")
    tab.get_by_role("button", name="Search").click()
    assert tab.locator("table tbody tr").count() > 0
    tab.locator("table tbody tr a").first.click()
    # The correction form is inside <details>: it opens without JavaScript too.
    tab.locator("tr[id^=mention-] summary").first.click()
    assert tab.locator("tr[id^=mention-] details[open]").count() == 1
    context.close()


def _shot_path(name: str) -> Path:
    from tests.browser.conftest import screenshot_dir

    return screenshot_dir() / f"{name}.png"


def _assert_focus_visible(page: Any) -> None:
    """The focused element is marked: GOV.UK Frontend's focus style is a yellow background or
    outline with a dark underline (box-shadow)."""
    style = page.evaluate("""() => {
        const el = document.activeElement;
        const s = getComputedStyle(el);
        return {tag: el.tagName, text: (el.textContent || el.value || '').trim().slice(0, 40),
                outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0,
                shadow: s.boxShadow !== 'none', background: s.backgroundColor};
    }""")
    assert style["outline"] or style["shadow"], f"no visible focus on {style}"


def _tab_through(page: Any, limit: int) -> set[str]:
    """Press Tab up to ``limit`` times, checking the focus is visible each time; the names of
    what got the focus."""
    seen: set[str] = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        _assert_focus_visible(page)
        seen.add(page.evaluate(
            "(document.activeElement.innerText || document.activeElement.value || '').trim()"))
    return seen



# --- security: the public form ---------------------------------------------------------------

def test_reporting_a_concern_from_the_public_form(page: Any, tmp_path: Path) -> None:
    visit(page, "/public/report", shot="public-report")
    expect(page.get_by_text("If someone is in danger now, call 999.")).to_be_visible()
    # A mistake first: nothing chosen, nothing typed.
    page.get_by_role("button", name="Send report").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    check_accessibility(page)
    summary.get_by_role("link", name=re.compile("What happened")).click()
    assert page.evaluate("document.activeElement.id") == "what_happened"
    page.get_by_label("An adult contacting a child online").check()
    page.get_by_label("What happened?").fill(
        "A man keeps sending my daughter messages on a game and asked to meet her.")
    page.get_by_label("Which website or app? (optional)").fill("A game chat")
    picture = tmp_path / "chat.png"
    picture.write_bytes(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c63646060f80f0002870180eb47ba920000000049454e44ae426082"))
    page.get_by_label("Screenshots (optional)").set_input_files(str(picture))
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("Report sent").first).to_be_visible()
    assert re.search(r"PR-[2-9A-Z]{4}-[2-9A-Z]{4}", page.content())
    check_accessibility(page)


def test_the_public_form_works_without_javascript(browser: Any, server: str) -> None:
    context = browser.new_context(base_url=server, java_script_enabled=False, locale="en-GB")
    try:
        tab = context.new_page()
        tab.goto("/public/report")
        tab.get_by_label("A group confronting, filming or harassing someone").check()
        tab.get_by_label("What happened?").fill(
            "A group says it will confront a man in Wigan tonight and stream it.")
        tab.get_by_role("button", name="Send report").click()
        expect(tab.get_by_text("Your reference number")).to_be_visible()
    finally:
        context.close()
