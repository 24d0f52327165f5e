"""Sharing through the JSON API and the pages, on SQLite and PostgreSQL: a download of each
format, a bundle taken in, and bad input answered 4xx naming the field, with nothing changed."""

from __future__ import annotations

import html
import json
from typing import Any

from fastapi.testclient import TestClient

from drachma.model.roles import Role
from drachma.store.db import Store
from tests.conftest import PASSWORD, ActorFactory
from tests.sharing_support import SOURCE_NAME, make_case
from tests.test_incidents_support import row_counts
from tests.web import field_error, hidden_csrf, log_in


def bearer(client: TestClient, make_actor: ActorFactory, role: Role) -> dict[str, str]:
    actor = make_actor(role)
    response = client.post("/api/login", json={"username": actor.name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_the_api_exports_each_format_as_a_download(client: TestClient, store: Store,
                                                   make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    officer = bearer(client, make_actor, Role.OFFICER)
    for fmt, media in (("stix", "application/stix+json"), ("ftm", "application/x-ndjson"),
                       ("csv", "text/csv")):
        response = client.get(f"/api/export/{fmt}/incident/{case.incident_id}", headers=officer,
                              params={"sender": "Cumbria Constabulary"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media)
        assert response.headers["content-disposition"].startswith("attachment; filename=")
        assert SOURCE_NAME not in response.text
    stix = client.get("/api/export/stix/reports", headers=officer, params={"grading": "2"})
    assert len([o for o in stix.json()["objects"] if o["type"] == "report"]) == 2
    assert stix.headers["x-drachma-records"] == "2"


def test_the_api_refuses_bad_requests_by_name(client: TestClient, store: Store,
                                              make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    analyst = bearer(client, make_actor, Role.ANALYST)
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("/api/export/pdf/reports", {}, 422, "format"),
        ("/api/export/stix/reports/3", {}, 422, "kind"),
        ("/api/export/stix/incident", {}, 422, "kind"),
        ("/api/export/stix/reports", {"grading": "7"}, 422, "grading"),
        ("/api/export/csv/incidents", {"status": "lost"}, 422, "status"),
        ("/api/export/stix/person/999", {}, 404, "record_id"),
    ]
    for path, params, status, field in cases:
        response = client.get(path, headers=analyst, params=params)
        assert response.status_code == status, (path, response.text)
        assert response.json()["field"] == field, path
    admin = bearer(client, make_actor, Role.ADMIN)
    response = client.get(f"/api/export/stix/incident/{case.incident_id}", headers=admin)
    assert response.status_code == 403


def test_the_api_takes_in_a_bundle_and_refuses_a_bad_one(client: TestClient, store: Store,
                                                         make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    supervisor = bearer(client, make_actor, Role.SUPERVISOR)
    bundle = client.get(f"/api/export/stix/incident/{case.incident_id}", headers=supervisor,
                        params={"sender": "Cumbria Constabulary"}).content
    # Taken in by the same store as a partner's report would be: new reports only.
    document = json.loads(bundle)
    for obj in document["objects"]:
        if obj["type"] in ("report", "incident"):
            obj["description"] = "Partner copy. " + obj.get("description", "")
    analyst = bearer(client, make_actor, Role.ANALYST)
    before = row_counts(store, "reports", "groups", "incidents")
    response = client.post("/api/import/stix", headers=analyst, files={
        "file": ("partner.json", json.dumps(document).encode(), "application/json")})
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["sender"] == "Cumbria Constabulary" and len(answer["reports"]) == 4
    after = row_counts(store, "reports", "groups", "incidents")
    assert after == {**before, "reports": before["reports"] + 4}
    response = client.post("/api/import/stix", headers=analyst, files={
        "file": ("bad.json", b'{"type": "bundle", "objects": [{"type": "malware"}]}',
                 "application/json")})
    assert response.status_code == 422
    assert response.json()["field"] == "bundle.objects[0].type"
    assert row_counts(store, "reports", "groups", "incidents") == after


def test_the_export_page_downloads_and_shows_mistakes_by_the_field(
        client: TestClient, store: Store, make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    csrf = log_in(client, make_actor(Role.OFFICER))
    page = client.get("/sharing/export")
    assert page.status_code == 200 and "Export to share" in page.text
    response = client.post("/sharing/export", data={
        "csrf_token": csrf, "kind": "incident", "number": str(case.incident_id),
        "format": "csv", "sender": "Cumbria Constabulary"})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "record,id,name" in response.text and SOURCE_NAME not in response.text
    response = client.post("/sharing/export", data={
        "csrf_token": csrf, "kind": "incident", "number": "", "format": "csv"})
    assert response.status_code == 422
    assert html.unescape(field_error(response.text, "number") or "") == \
        "enter the incident's number"
    response = client.post("/sharing/export", data={
        "csrf_token": csrf, "kind": "reports", "format": "stix", "grading": "9Z",
        "received_from-day": "31", "received_from-month": "2", "received_from-year": "2026"})
    assert response.status_code == 422
    assert "grading filter '9Z'" in html.unescape(field_error(response.text, "grading") or "")
    response = client.post("/sharing/export", data={"kind": "reports", "format": "csv"})
    assert response.status_code == 403  # no CSRF token


def test_the_import_page_takes_in_a_bundle_or_says_what_was_wrong(
        client: TestClient, store: Store, make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    supervisor = bearer(client, make_actor, Role.SUPERVISOR)
    bundle = client.get(f"/api/export/stix/group/{case.group_id}", headers=supervisor).content
    client.cookies.clear()
    csrf = log_in(client, make_actor(Role.ANALYST))
    form = client.get("/sharing/import")
    assert form.status_code == 200 and hidden_csrf(form.text) == csrf
    before = row_counts(store, "reports")
    response = client.post("/sharing/import", data={"csrf_token": csrf, "grading": "2CP"},
                           files={"file": ("bad.json", b"[1, 2", "application/json")})
    assert response.status_code == 422
    assert "not JSON" in (field_error(response.text, "file") or "")
    assert "Nothing was stored." in response.text
    assert row_counts(store, "reports") == before
    response = client.post("/sharing/import", data={"csrf_token": csrf, "grading": "2CP"},
                           files={"file": ("group.json", bundle, "application/json")})
    assert response.status_code == 200, response.text
    assert "taken in for review" in response.text
    assert row_counts(store, "reports")["reports"] == before["reports"] + 4  # incident + 3
