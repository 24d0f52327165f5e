"""The web pages: logging in and out, reading, searching and adding reports, the audit log.

Each test reads as a short story of someone using the pages. Storage tests run on SQLite and on
PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from drachma.access.actor import system_actor
from drachma.model.roles import Role
from drachma.model.user import AuditAction
from drachma.reports import ReportDraft, add_report, list_reports
from drachma.store import audit as audit_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from drachma.web.app import create_app
from drachma.web.render import highlight
from tests.conftest import PASSWORD, ActorFactory
from tests.web import field_error, hidden_csrf, log_in, settings_for


def report_count(store: Store) -> int:
    """How many reports are stored, counted with oversight rights (supervisors see all)."""
    return list_reports(store, system_actor())[1]


def good_form(csrf: str, **changes: str) -> dict[str, str]:
    form = {
        "csrf_token": csrf,
        "grading": "2BP",
        "title": "Live stream outside Rochdale station",
        "body": "Group 'Shadow Watch North' said on Facebook it confronted a man at the station.",
        "source_kind": "group",
        "received_at": "",
        "occurred_on": "",
        "sanitised_text": "A group said it confronted a man at a station.",
    }
    form.update(changes)
    return form


# --- logging in and out ------------------------------------------------------------------------

def test_a_page_without_a_login_redirects_to_the_login_page_and_back(
    client: TestClient, make_actor: ActorFactory
) -> None:
    response = client.get("/reports?q=rochdale", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Freports%3Fq%3Drochdale"

    analyst = make_actor(Role.ANALYST)
    form = client.get(response.headers["location"])
    assert 'name="next" value="/reports?q=rochdale"' in form.text
    logged_in = client.post("/login", data={
        "username": "analyst1", "password": PASSWORD, "next": "/reports?q=rochdale",
        "csrf_token": hidden_csrf(form.text),
    }, follow_redirects=False)
    assert logged_in.status_code == 303
    assert logged_in.headers["location"] == "/reports?q=rochdale"
    assert client.get("/reports").status_code == 200
    assert analyst.name == "analyst1"


def test_the_session_cookie_is_httponly_and_samesite_lax(
    client: TestClient, make_actor: ActorFactory
) -> None:
    make_actor(Role.ANALYST)
    form = client.get("/login")
    response = client.post("/login", data={
        "username": "analyst1", "password": PASSWORD, "csrf_token": hidden_csrf(form.text),
    }, follow_redirects=False)
    cookie = next(c for c in response.headers.get_list("set-cookie")
                  if c.startswith("drachma_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in this test; see the next test


def test_the_session_cookie_is_secure_over_https_or_when_configured(
    store: Store, tmp_path: Path, make_actor: ActorFactory
) -> None:
    make_actor(Role.ANALYST)
    for client in (
        TestClient(create_app(store, settings_for(store, tmp_path)), base_url="https://testserver"),
        TestClient(create_app(store, settings_for(store, tmp_path, secure_cookies=True))),
    ):
        response = client.post("/api/login", json={"username": "analyst1", "password": PASSWORD})
        cookie = response.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_wrong_password_shows_the_form_again_with_the_username_kept(
    client: TestClient, make_actor: ActorFactory
) -> None:
    make_actor(Role.ANALYST)
    form = client.get("/login")
    response = client.post("/login", data={
        "username": "analyst1", "password": "wrong password!", "csrf_token": hidden_csrf(form.text),
    })
    assert response.status_code == 401
    assert "wrong username or password" in response.text
    assert 'value="analyst1"' in response.text
    assert "drachma_session" not in client.cookies


def test_the_login_form_is_refused_without_its_csrf_token(
    client: TestClient, make_actor: ActorFactory
) -> None:
    make_actor(Role.ANALYST)
    client.get("/login")
    response = client.post("/login", data={"username": "analyst1", "password": PASSWORD})
    assert response.status_code == 403
    assert "drachma_session" not in client.cookies


def test_logging_out_ends_the_session_for_good(
    client: TestClient, make_actor: ActorFactory
) -> None:
    csrf = log_in(client, make_actor(Role.ANALYST))
    old_cookie = client.cookies["drachma_session"]

    refused = client.post("/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403  # a log-out without the CSRF token is refused too

    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?logged_out=1"
    assert "You are logged out" in client.get("/login?logged_out=1").text

    client.cookies.set("drachma_session", old_cookie)
    assert client.get("/reports", follow_redirects=False).status_code == 303


def test_the_user_menu_shows_who_is_logged_in_and_their_role(
    client: TestClient, make_actor: ActorFactory
) -> None:
    log_in(client, make_actor(Role.DISCLOSURE_OFFICER))
    page = client.get("/reports").text
    assert "Logged in as <strong>disclosure officer</strong>" in page
    assert '<span class="role">disclosure officer</span>' in page
    assert 'action="/logout"' in page
    assert 'href="/reports/new"' not in page  # this role may not add reports
    assert 'href="/audit"' not in page


def test_log_in_never_redirects_to_another_site(
    client: TestClient, make_actor: ActorFactory
) -> None:
    make_actor(Role.ANALYST)
    form = client.get("/login")
    response = client.post("/login", data={
        "username": "analyst1", "password": PASSWORD, "next": "//evil.example/",
        "csrf_token": hidden_csrf(form.text),
    }, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_static_files_and_the_login_page_need_no_login(client: TestClient) -> None:
    assert client.get("/login").status_code == 200
    css = client.get("/static/drachma.css")
    assert css.status_code == 200
    assert ".govuk-button" in css.text and ".govuk-error-summary" in css.text
    # Not a GOV.UK service: Arial, no GDS Transport font face and no font files.
    assert "GDS Transport" not in css.text and "@font-face" not in css.text
    script = client.get("/static/govuk-frontend.min.js")
    assert script.status_code == 200 and "initAll" in script.text


# --- adding a report through the form ----------------------------------------------------------

def test_adding_a_report_through_the_form_stores_it_and_shows_it(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    csrf = log_in(client, make_actor(Role.ANALYST))
    response = client.post("/reports/new", data=good_form(
        csrf, grading="2BC", handling_conditions="Not to be shared outside the OCAG desk",
        visible_to="investigator", legacy_grading="B35", received_at="01/02/2024",
        occurred_on="31/01/2024",
    ), follow_redirects=False)
    assert response.status_code == 303
    assert re.fullmatch(r"/reports/\d+\?added=1", response.headers["location"])

    page = client.get(response.headers["location"]).text
    assert "Unproven allegation: intelligence graded 2BC" in page
    assert "not a finding of fact" in page
    assert "untested" in page and "known indirectly, corroborated" in page
    assert "lawful sharing permitted with conditions" in page
    assert "Not to be shared outside the OCAG desk" in page
    assert "investigator" in page
    assert "B35" in page
    assert "01/02/2024" in page and "31/01/2024" in page
    assert "01/02/2030" in page  # MoPI review six years on
    assert "A group said it confronted a man at a station." in page
    assert report_count(store) == 1


def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_stored(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    log_in(client, make_actor(Role.ANALYST))
    for token in ("", "forged-token"):
        response = client.post("/reports/new", data=good_form(token))
        assert response.status_code == 403
        assert "CSRF" in response.text
    assert report_count(store) == 0


TOMORROW = (date.today() + timedelta(days=2)).strftime("%d/%m/%Y")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"grading": "4BP"}, "grading", "source evaluation &#39;4&#39; must be 1, 2 or 3"),
        ({"grading": "2BC"}, "handling_conditions", "needs the handling conditions"),
        ({"body": "   "}, "body", "report text is empty"),
        ({"received_at": TOMORROW}, "received_at", "is in the future"),
        ({"occurred_on": "31/02/2024"}, "occurred_on", "is not a date"),
        ({"legacy_grading": "Z99"}, "legacy_grading", "must be A to E"),
    ],
    ids=["grading", "conditions", "empty-text", "future-date", "not-a-date", "legacy"],
)
def test_bad_input_shows_the_form_again_with_the_error_by_the_field_and_keeps_the_typing(
    client: TestClient, store: Store, make_actor: ActorFactory,
    changes: dict[str, str], field: str, message: str,
) -> None:
    csrf = log_in(client, make_actor(Role.ANALYST))
    form = good_form(csrf, **changes)
    response = client.post("/reports/new", data=form)
    assert response.status_code == 422
    error = field_error(response.text, field)
    assert error and message in error
    assert f'id="{field}"' in response.text and "govuk-form-group--error" in response.text
    assert "Live stream outside Rochdale station" in response.text  # what was typed is kept
    assert "Nothing was stored." in response.text
    assert report_count(store) == 0


def test_a_role_that_may_not_add_reports_gets_403(
    client: TestClient, make_actor: ActorFactory
) -> None:
    log_in(client, make_actor(Role.DISCLOSURE_OFFICER))
    assert client.get("/reports/new").status_code == 403


# --- reading: handling code C, search, audit of reads ------------------------------------------

def add_restricted_report(make_actor: ActorFactory, store: Store) -> int:
    report = add_report(store, make_actor(Role.SUPERVISOR), ReportDraft(
        title="Covert source on group finances",
        body="A covert source says Shadow Watch North takes donations for stings.",
        grading="1AC", handling_conditions="Investigators only: source protection",
        visible_to=["investigator"],
    ))
    assert report.id is not None
    return report.id


def test_a_code_c_report_is_invisible_to_a_role_its_conditions_do_not_allow(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    report_id = add_restricted_report(make_actor, store)
    log_in(client, make_actor(Role.OFFICER))

    assert "Covert source" not in client.get("/reports").text
    assert "Covert source" not in client.get("/reports?q=donations").text
    denied = client.get(f"/reports/{report_id}")
    assert denied.status_code == 403
    assert "handling code C" in denied.text
    assert "takes donations" not in denied.text


def test_a_code_c_report_is_visible_to_a_role_its_conditions_allow(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    report_id = add_restricted_report(make_actor, store)
    log_in(client, make_actor(Role.INVESTIGATOR))

    assert "Covert source" in client.get("/reports").text
    assert "Covert source" in client.get("/reports?q=donations").text
    page = client.get(f"/reports/{report_id}")
    assert page.status_code == 200
    assert "Investigators only: source protection" in page.text


def test_search_highlights_matches_and_escapes_html_in_the_report_text(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    add_report(store, analyst, ReportDraft(
        title="<script>alert('title')</script>",
        body="The stream showed Rochdale & <i>Oldham</i> stations and a man <script>x()</script>.",
        grading="2BP",
    ))
    log_in(client, analyst)
    page = client.get("/reports?q=rochdale").text
    snippet = re.search(r'<p class="[^"]*snippet">(.*?)</p>', page, re.S)
    assert snippet
    assert "<mark>Rochdale</mark>" in snippet.group(1)
    assert "&amp;" in snippet.group(1)  # the text is escaped before <mark> goes in
    assert "<i>" not in page and "<script>" not in page
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in page


def test_snippets_are_escaped_before_the_match_markers_become_mark() -> None:
    assert str(highlight("a <b>\x02Rochdale\x03</b> & \x02Oldham\x03")) == (
        "a &lt;b&gt;<mark>Rochdale</mark>&lt;/b&gt; &amp; <mark>Oldham</mark>"
    )


def test_the_reports_list_filters_and_says_which_filter_is_wrong(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    for grading, body in (("1AP", "first report text"), ("3EP", "second report text")):
        add_report(store, analyst, ReportDraft(title=body, body=body, grading=grading))
    log_in(client, analyst)

    page = client.get("/reports?grading=1A").text
    assert "first report text" in page and "second report text" not in page
    assert re.search(r"\d\d/\d\d/\d{4}", page)  # received dates in UK form

    bad = client.get("/reports?received_from=yesterday")
    assert bad.status_code == 422
    assert field_error(bad.text, "received_from")
    assert "write it as 23/11/2026" in bad.text


def test_reading_a_report_on_the_web_is_audited_with_the_client_address(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report = add_report(store, analyst, ReportDraft(title="t", body="some text", grading="2BP"))
    log_in(client, analyst)
    assert client.get(f"/reports/{report.id}").status_code == 200

    with store.begin() as conn:
        reads = audit_store.query(conn, AuditFilters(action=AuditAction.READ.value,
                                                     record_id=str(report.id)))
    assert [(e.actor_name, e.address) for e in reads] == [("analyst1", "testclient")]


def test_a_report_that_does_not_exist_is_a_404_page(
    client: TestClient, make_actor: ActorFactory
) -> None:
    log_in(client, make_actor(Role.ANALYST))
    response = client.get("/reports/999999")
    assert response.status_code == 404
    assert "no report 999999" in response.text


# --- the audit log -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.ANALYST, 403), (Role.OFFICER, 403), (Role.SUPERVISOR, 200), (Role.ADMIN, 200)],
)
def test_the_audit_page_is_only_for_supervisors_and_administrators(
    client: TestClient, make_actor: ActorFactory, role: Role, status: int
) -> None:
    log_in(client, make_actor(role))
    assert client.get("/audit").status_code == status


def test_the_audit_page_filters_by_user_and_action(
    client: TestClient, make_actor: ActorFactory
) -> None:
    log_in(client, make_actor(Role.ANALYST))
    client.get("/reports?q=rochdale")
    client.cookies.clear()
    log_in(client, make_actor(Role.SUPERVISOR))

    page = client.get("/audit?user=analyst1&action=search").text
    rows = re.findall(r'<tr class="action-(\w+) govuk-table__row">', page)
    assert rows == ["search"]
    assert "rochdale" in page
    assert "testclient" in page

    bad = client.get("/audit?since=soon")
    assert bad.status_code == 422
    assert field_error(bad.text, "since")
