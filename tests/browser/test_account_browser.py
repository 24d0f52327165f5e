"""Your account in a real browser: sessions, API tokens, setting up a second factor from the QR
page and logging in with its code, each page checked with axe. The demo user "disclosure" is
used and left as it was found (the second factor turned off at the end), so the demo stays
usable for the other browser tests."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORDS, check_accessibility, log_in, visit

pytestmark = pytest.mark.browser
USER = "disclosure"


def test_sessions_and_api_tokens_on_the_account_pages(page: Any) -> None:
    log_in(page, USER)
    page.get_by_role("link", name="Your account").click()
    check_accessibility(page)
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    page.get_by_role("link", name="View your sessions").click()
    check_accessibility(page)
    expect(page.get_by_text("This session")).to_be_visible()
    visit(page, "/account/tokens", shot="account-tokens")
    page.get_by_role("button", name="Make token").click()  # no name: an error
    check_accessibility(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Name").fill("browser test export")
    page.get_by_label("Days it lasts").fill("2")
    page.get_by_role("button", name="Make token").click()
    check_accessibility(page)
    secret = page.locator("#token-secret").inner_text()
    assert secret.startswith("drachma_pat_")
    visit(page, "/account/tokens")
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke browser test export").first.click()
    check_accessibility(page)
    expect(page.get_by_text("The token is revoked")).to_be_visible()


def test_setting_up_a_second_factor_and_logging_in_with_it(page: Any) -> None:
    log_in(page, USER)
    visit(page, "/account/two-factor", shot="account-two-factor")
    assert page.locator(".drachma-qr").is_visible()  # the SVG QR code drawn by the server
    key = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(key)
    page.get_by_label("Code from your app").fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Turn on the second factor").click()
    check_accessibility(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.get_by_label("Code from your app").fill(totp.now())
    page.get_by_role("button", name="Turn on the second factor").click()
    check_accessibility(page)
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    try:
        page.get_by_role("button", name="Log out").click()
        visit(page, "/login")
        page.get_by_label("Username").fill(USER)
        page.get_by_label("Password").fill(DEMO_PASSWORDS[USER])
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        assert "/login/code" in page.url
        check_accessibility(page)
        page.get_by_label("Code from your authenticator app").fill(codes[0])  # a recovery code
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        assert "/login" not in page.url, page.content()[:2000]
    finally:
        # Leave the demo user without a second factor: turn it off with another recovery code.
        visit(page, "/account/two-factor")
        page.get_by_label("Code from your app, or a recovery code").fill(codes[1])
        page.get_by_role("button", name="Turn off the second factor").click()
        page.wait_for_load_state()
        assert re.search(r"/account$", page.url), page.url
        expect(page.get_by_text("Off").first).to_be_visible()
