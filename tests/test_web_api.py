"""The JSON API under /api/: log-in, tokens and CSRF, reports, the audit log, errors as JSON.

Storage tests run on SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drachma import gazetteers
from drachma.access.actor import system_actor
from drachma.model.roles import Role
from drachma.reports import ReportDraft, add_report, list_reports
from drachma.store.db import Store
from tests.conftest import PASSWORD, ActorFactory


def api_login(client: TestClient, make_actor: ActorFactory, role: Role) -> dict[str, Any]:
    actor = make_actor(role)
    response = client.post("/api/login", json={"username": actor.name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def stored(store: Store) -> int:
    return list_reports(store, system_actor())[1]


NEW_REPORT = {
    "grading": "2BP",
    "title": "Group post about a sting in Oldham",
    "body": "Shadow Watch North posted that it met a man at Oldham Mumps on Saturday.",
    "source_kind": "group",
}


# --- log-in, tokens, CSRF ----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/me", "/api/reports", "/api/reports/1", "/api/audit",
                                  "/api/openapi.json"])
def test_every_api_call_without_a_login_is_401_json(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"
    assert response.headers["www-authenticate"] == "Bearer"


def test_logging_in_returns_a_csrf_token_and_a_bearer_token_and_sets_the_cookie(
    client: TestClient, make_actor: ActorFactory
) -> None:
    body = api_login(client, make_actor, Role.ANALYST)
    assert body["user"]["username"] == "analyst1"
    assert body["user"]["role"] == "analyst"
    assert body["csrf_token"] and body["token"] and body["token_type"] == "bearer"
    assert "drachma_session" in client.cookies

    me = client.get("/api/me").json()
    assert me["role"] == "analyst"
    assert "create_reports" in me["permissions"]
    assert "view_audit" not in me["permissions"]


def test_a_wrong_password_is_401_and_says_nothing_specific(
    client: TestClient, make_actor: ActorFactory
) -> None:
    make_actor(Role.ANALYST)
    for username in ("analyst1", "nobody"):
        response = client.post("/api/login", json={"username": username, "password": "wrong-pass"})
        assert response.status_code == 401
        assert response.json()["message"] == (
            "wrong username or password, or the account is disabled"
        )


def test_a_cookie_call_that_changes_something_needs_the_csrf_header(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    csrf = api_login(client, make_actor, Role.ANALYST)["csrf_token"]

    for headers in ({}, {"X-CSRF-Token": "forged"}):
        refused = client.post("/api/reports", json=NEW_REPORT, headers=headers)
        assert refused.status_code == 403
        assert refused.json()["field"] == "csrf_token"
    assert stored(store) == 0

    accepted = client.post("/api/reports", json=NEW_REPORT, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 201
    assert stored(store) == 1


def test_a_bearer_token_works_without_a_cookie_or_csrf_header(
    client: TestClient, make_actor: ActorFactory
) -> None:
    token = api_login(client, make_actor, Role.ANALYST)["token"]
    script = TestClient(client.app)  # a fresh client: no cookies
    headers = {"Authorization": f"Bearer {token}"}
    assert script.get("/api/me", headers=headers).json()["username"] == "analyst1"
    assert script.post("/api/reports", json=NEW_REPORT, headers=headers).status_code == 201
    assert script.post("/api/reports", json=NEW_REPORT).status_code == 401


def test_logging_out_ends_the_session_and_its_bearer_token(
    client: TestClient, make_actor: ActorFactory
) -> None:
    body = api_login(client, make_actor, Role.ANALYST)
    assert client.post("/api/logout").status_code == 403  # cookie without CSRF header
    response = client.post("/api/logout", headers={"X-CSRF-Token": body["csrf_token"]})
    assert response.status_code == 204
    assert client.get("/api/me").status_code == 401
    bearer = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/me", headers=bearer).status_code == 401


# --- adding reports: every bad input is a clear 4xx and stores nothing ---------------------------

def test_adding_a_report_returns_it_graded_with_its_notice(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    token = api_login(client, make_actor, Role.OFFICER)["token"]
    response = client.post("/api/reports", headers={"Authorization": f"Bearer {token}"}, json={
        **NEW_REPORT, "grading": "3-c-c", "handling_conditions": "Officers and analysts only",
        "visible_to": ["analyst"], "legacy_grading": "c34", "received_at": "2024-03-01T09:30:00Z",
        "occurred_on": "2024-02-29",
    })
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["grading"] == "3CC"
    assert report["legacy_grading"] == "C34"
    assert report["visible_to"] == ["analyst", "officer"]  # the author's own role is added
    assert report["review_date"] == "2030-03-01"
    assert report["notice"].startswith("Unproven allegation: intelligence graded 3CC")

    again = client.get(f"/api/reports/{report['id']}",
                       headers={"Authorization": f"Bearer {token}"}).json()
    assert again["body"] == NEW_REPORT["body"]


def test_a_bad_grading_is_422_naming_grading_and_nothing_is_stored(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    token = api_login(client, make_actor, Role.ANALYST)["token"]
    response = client.post("/api/reports", json={**NEW_REPORT, "grading": "4BP"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_grading"
    assert body["field"].startswith("grading")
    assert "source evaluation '4' must be 1, 2 or 3" in body["message"]
    assert stored(store) == 0


FUTURE = (datetime.now(UTC) + timedelta(days=3)).isoformat()


@pytest.mark.parametrize(
    ("changes", "status", "field", "words"),
    [
        ({"body": "  "}, 422, "body", "report text is empty"),
        ({"received_at": FUTURE}, 422, "received_at", "in the future"),
        ({"grading": "2BC"}, 422, "handling_conditions", "handling conditions"),
        ({"grading": "2BC", "handling_conditions": "desk only"}, 422, "visible_to", "roles"),
        ({"source_kind": "rumour"}, 422, "source_kind", "unknown source kind"),
        ({"occurred_on": "31/02/2024"}, 422, "occurred_on", "occurred_on"),
        ({"grading": None}, 422, "grading", "grading"),
        ({"colour": "red"}, 422, "colour", "colour"),
    ],
    ids=["empty", "future", "no-conditions", "no-roles", "kind", "not-a-date", "missing",
         "unknown-field"],
)
def test_bad_input_is_a_json_4xx_naming_the_field(
    client: TestClient, store: Store, make_actor: ActorFactory,
    changes: dict[str, Any], status: int, field: str, words: str,
) -> None:
    token = api_login(client, make_actor, Role.ANALYST)["token"]
    body = {k: v for k, v in {**NEW_REPORT, **changes}.items() if v is not None}
    response = client.post("/api/reports", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == status, response.text
    error = response.json()
    assert error["field"] == field
    assert words in error["message"]
    assert stored(store) == 0


@pytest.mark.skipif(not hasattr(gazetteers, "resolve_force"), reason="force gazetteer not built")
def test_an_unknown_force_is_422_and_nothing_is_stored(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    token = api_login(client, make_actor, Role.ANALYST)["token"]
    response = client.post("/api/reports", json={**NEW_REPORT, "force": "Gotham City Police"},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert response.json()["field"] == "force"
    assert stored(store) == 0


def test_a_body_that_is_not_json_is_422_naming_the_body(
    client: TestClient, make_actor: ActorFactory
) -> None:
    token = api_login(client, make_actor, Role.ANALYST)["token"]
    response = client.post("/api/reports", content="{not json",
                           headers={"Authorization": f"Bearer {token}",
                                    "Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["field"] == "body"
    assert response.json()["message"] == "body: the body is not valid JSON"


def test_the_same_text_twice_is_a_409(client: TestClient, make_actor: ActorFactory) -> None:
    token = api_login(client, make_actor, Role.ANALYST)["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/reports", json=NEW_REPORT, headers=headers).status_code == 201
    twin = client.post("/api/reports", json=NEW_REPORT, headers=headers)
    assert twin.status_code == 409
    assert twin.json()["error"] == "conflict"


def test_a_role_that_may_not_add_reports_gets_403(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    token = api_login(client, make_actor, Role.DISCLOSURE_OFFICER)["token"]
    response = client.post("/api/reports", json=NEW_REPORT,
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert stored(store) == 0


# --- reading: lists, search, handling code C -------------------------------------------------

def add_restricted(store: Store, make_actor: ActorFactory) -> int:
    report = add_report(store, make_actor(Role.SUPERVISOR), ReportDraft(
        title="Source reporting on a planned sting",
        body="A source says a sting is planned in Bolton on Friday.",
        grading="1AC", handling_conditions="Investigators only", visible_to=["investigator"],
    ))
    assert report.id is not None
    return report.id


def test_a_code_c_report_is_hidden_from_a_role_its_conditions_do_not_allow(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    report_id = add_restricted(store, make_actor)
    api_login(client, make_actor, Role.ANALYST)

    listed = client.get("/api/reports").json()
    assert listed["total"] == 0 and listed["items"] == []
    assert client.get("/api/reports", params={"q": "bolton"}).json()["items"] == []
    denied = client.get(f"/api/reports/{report_id}")
    assert denied.status_code == 403
    assert denied.json()["error"] == "forbidden"


def test_a_code_c_report_is_shown_to_a_role_its_conditions_allow(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    report_id = add_restricted(store, make_actor)
    api_login(client, make_actor, Role.INVESTIGATOR)

    assert [r["id"] for r in client.get("/api/reports").json()["items"]] == [report_id]
    found = client.get("/api/reports", params={"q": "bolton"}).json()
    assert [r["id"] for r in found["items"]] == [report_id]
    assert "<mark>Bolton</mark>" in found["items"][0]["snippet_html"]
    assert client.get(f"/api/reports/{report_id}").json()["handling_conditions"] == (
        "Investigators only"
    )


def test_lists_page_with_limit_and_offset_and_filter_by_grading(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    for n in range(5):
        add_report(store, analyst, ReportDraft(title=f"report {n}", body=f"text number {n}",
                                               grading="2BP" if n % 2 else "1AP"))
    api_login(client, make_actor, Role.ANALYST)

    page = client.get("/api/reports", params={"limit": 2, "offset": 2}).json()
    assert page["total"] == 5
    assert [r["title"] for r in page["items"]] == ["report 2", "report 1"]
    assert client.get("/api/reports", params={"grading": "1A"}).json()["total"] == 3

    bad = client.get("/api/reports", params={"limit": 0})
    assert bad.status_code == 422
    assert bad.json()["field"] == "limit"
    bad_grading = client.get("/api/reports", params={"grading": "9"})
    assert bad_grading.status_code == 422
    assert bad_grading.json()["field"] == "grading"


def test_a_missing_report_is_404_json(client: TestClient, make_actor: ActorFactory) -> None:
    api_login(client, make_actor, Role.ANALYST)
    response = client.get("/api/reports/424242")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "field": "report_id",
                               "message": "no report 424242"}


# --- the audit log -----------------------------------------------------------------------------

def test_the_audit_log_is_for_supervisors_and_records_reads_with_the_address(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    report_id = add_restricted(store, make_actor)
    api_login(client, make_actor, Role.ANALYST)
    client.get(f"/api/reports/{report_id}")  # refused, and the refusal is audited
    assert client.get("/api/audit").status_code == 403

    client.cookies.clear()
    api_login(client, make_actor, Role.SUPERVISOR)
    client.get(f"/api/reports/{report_id}")
    events = client.get("/api/audit", params={"record_kind": "report"}).json()["items"]
    summary = [(e["actor"], e["action"], e["record_id"], e["address"]) for e in events]
    assert ("supervisor1", "read", str(report_id), "testclient") in summary
    assert ("analyst1", "denied", str(report_id), "testclient") in summary

    only_denied = client.get("/api/audit", params={"action": "denied"}).json()
    assert only_denied["total"] == 1
    bad = client.get("/api/audit", params={"action": "teleport"})
    assert bad.status_code == 422 and bad.json()["field"] == "action"


# --- the OpenAPI document ----------------------------------------------------------------------

def test_the_openapi_document_describes_the_api_for_a_logged_in_user(
    client: TestClient, make_actor: ActorFactory
) -> None:
    api_login(client, make_actor, Role.ANALYST)
    document = client.get("/api/openapi.json").json()
    assert {"/api/login", "/api/logout", "/api/me", "/api/reports", "/api/reports/{report_id}",
            "/api/audit"} <= set(document["paths"])
    assert not any(not path.startswith("/api/") for path in document["paths"])
    assert "ReportIn" in document["components"]["schemas"]
    assert client.get("/api/docs").status_code == 200
