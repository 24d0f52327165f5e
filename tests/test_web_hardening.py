"""What every response carries and every request is checked for: security headers on pages, API
answers, errors and unexpected 500s; the Host header; huge integers and NUL characters answered
4xx, never 500; /api/docs with nothing from a CDN; listing reports audited; the database file
readable by its owner only.

Storage tests run on SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from drachma.access.actor import system_actor
from drachma.access.audit import view_audit
from drachma.model.roles import Role
from drachma.reports import list_reports
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from drachma.web.app import create_app
from drachma.web.security import host_allowed
from tests.conftest import PASSWORD, ActorFactory
from tests.web import log_in, settings_for

HUGE = str(2**63)


def bearer(client: TestClient, make_actor: ActorFactory, role: Role = Role.ANALYST
           ) -> dict[str, str]:
    actor = make_actor(role)
    token = client.post("/api/login", json={"username": actor.name,
                                            "password": PASSWORD}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def assert_hardened(headers: dict[str, str] | object, *, cached: bool = False) -> None:
    get = headers.get  # type: ignore[attr-defined]
    csp = get("content-security-policy")
    assert csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert get("x-content-type-options") == "nosniff"
    assert get("referrer-policy") == "same-origin"
    if not cached:
        assert get("cache-control") == "no-store"


def test_every_kind_of_answer_carries_the_security_headers(
        store: Store, tmp_path: Path, make_actor: ActorFactory) -> None:
    app = create_app(store, settings_for(store, tmp_path))

    @app.get("/explode-for-test")
    def explode() -> None:
        raise RuntimeError("an unexpected fault")

    client = TestClient(app, raise_server_exceptions=False)
    crash = client.get("/explode-for-test")
    assert crash.status_code == 500
    assert_hardened(crash.headers)
    for path in ("/login", "/public/report", "/no-such-page", "/api/me", "/api/no-such"):
        assert_hardened(client.get(path).headers)
    headers = bearer(client, make_actor)
    assert_hardened(client.get("/api/reports", headers=headers).headers)
    static = client.get("/static/drachma.css")
    assert static.status_code == 200
    assert_hardened(static.headers, cached=True)
    assert static.headers.get("cache-control") != "no-store"
    assert "strict-transport-security" not in crash.headers  # not over plain HTTP


def test_hsts_only_over_tls(store: Store, tmp_path: Path) -> None:
    app = create_app(store, settings_for(store, tmp_path))
    over_tls = TestClient(app, base_url="https://testserver").get("/login")
    assert over_tls.headers["strict-transport-security"].startswith("max-age=")


def test_a_host_header_not_allowed_is_refused(store: Store, tmp_path: Path) -> None:
    client = TestClient(create_app(store, settings_for(store, tmp_path)))
    refused = client.get("/login", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    assert_hardened(refused.headers)
    assert client.get("/login", headers={"Host": "localhost:8000"}).status_code == 200
    assert host_allowed("[::1]:8000", ["[::1]"])
    assert not host_allowed("localhost.evil", ["localhost"])


@pytest.mark.parametrize("path", [f"/api/reports/{HUGE}", f"/api/reports?offset={HUGE}",
                                  f"/api/reports?limit={HUGE}", f"/api/reports/{HUGE}/mentions",
                                  "/api/reports?q=a%00b", f"/api/audit?offset={HUGE}"])
def test_huge_integers_and_nul_characters_are_4xx_never_500_in_the_api(
        client: TestClient, make_actor: ActorFactory, path: str) -> None:
    answer = client.get(path, headers=bearer(client, make_actor, Role.SUPERVISOR))
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["error"]


def test_huge_integers_on_pages_are_4xx(client: TestClient, make_actor: ActorFactory) -> None:
    log_in(client, make_actor(Role.ANALYST))
    for path in (f"/reports/{HUGE}", f"/reports?page={HUGE}", "/reports?q=%00"):
        answer = client.get(path)
        assert answer.status_code < 500, (path, answer.status_code)


def test_a_nul_character_in_a_new_report_is_4xx_and_nothing_is_stored(
        client: TestClient, store: Store, make_actor: ActorFactory) -> None:
    headers = bearer(client, make_actor)
    answer = client.post("/api/reports", headers=headers, json={
        "grading": "2BP", "body": "A report with a NUL \x00 in the middle of it."})
    assert 400 <= answer.status_code < 500
    assert list_reports(store, system_actor())[1] == 0


def test_api_docs_load_nothing_from_elsewhere(client: TestClient,
                                              make_actor: ActorFactory) -> None:
    log_in(client, make_actor(Role.ANALYST))
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/public-reports" in page.text
    assert "cdn" not in page.text.lower() and "swagger-ui" not in page.text.lower()
    scripts = re.findall(r'<script[^>]*src="([^"]*)"', page.text)
    assert scripts and all(src.startswith("/static/") for src in scripts)


def test_listing_reports_is_audited(store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    list_reports(store, analyst, offset=50)
    events = view_audit(store, system_actor(), AuditFilters(record_kind="report",
                                                            action="read"))[0]
    listed = [e for e in events if "shown" in e.detail]
    assert listed and listed[0].actor_name == analyst.name
    assert listed[0].detail["offset"] == "50"


def test_the_database_file_and_its_log_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'new' / 'drachma.db'}")
    with store.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        mode = stat.S_IMODE(os.stat(tmp_path / "new" / "drachma.db-wal").st_mode)
        assert mode & 0o077 == 0, oct(mode)
    assert stat.S_IMODE(os.stat(tmp_path / "new" / "drachma.db").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "new").st_mode) == 0o700
    store.dispose()
