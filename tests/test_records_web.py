"""The records officer's JSON API and pages (SQLite and PostgreSQL): the queue, retain and
dispose through HTTP call the same functions as the command line, refuse other roles, and check
CSRF and input like every other form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from drachma.model.roles import Role
from drachma.reports import ReportDraft, add_report
from drachma.store.db import Store
from tests.conftest import ActorFactory
from tests.web import field_error, log_in


def old_report(store: Store, make_actor: ActorFactory, title: str) -> int:
    report = add_report(store, make_actor(Role.ANALYST), ReportDraft(
        title=title, body=f"Invented words about {title}.", grading="2BP", source_kind="public",
        received_at=datetime(2015, 3, 2, 9, 0, tzinfo=UTC)))
    return int(report.id or 0)


def test_the_api_lists_retains_and_disposes_for_a_records_officer_only(
        client: Any, store: Store, make_actor: ActorFactory) -> None:
    kept, gone = old_report(store, make_actor, "Kept one"), old_report(store, make_actor, "Gone")
    token = log_in(client, make_actor(Role.ANALYST))
    assert client.get("/api/records/due").status_code == 403
    client.post("/logout", data={"csrf_token": token})
    token = log_in(client, make_actor(Role.RECORDS_OFFICER))
    due = client.get("/api/records/due").json()
    assert [(r["report_id"], r["group"], r["review_on"]) for r in due] == [
        (kept, "public-nfa", "2021-03-02"), (gone, "public-nfa", "2021-03-02")]
    headers = {"X-CSRF-Token": token}
    bad = client.post(f"/api/records/{kept}/retain",
                      json={"reason": " ", "review_on": "2099-01-01"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "reason"
    done = client.post(f"/api/records/{kept}/retain",
                       json={"reason": "live investigation", "review_on": "2099-01-01"},
                       headers=headers)
    assert done.status_code == 200 and done.json()["status"] == "retained"
    done = client.post(f"/api/records/{gone}/dispose", json={"reason": "not needed"},
                       headers=headers)
    assert done.json()["status"] == "disposed" and len(done.json()["content_sha256"]) == 64
    assert done.json()["title"] is None
    assert client.get("/api/records/due").json() == []
    assert client.post(f"/api/records/{2**63}/dispose", json={"reason": "x"},
                       headers=headers).status_code == 422


def test_the_pages_show_the_queue_and_take_decisions_with_csrf(
        client: Any, store: Store, make_actor: ActorFactory) -> None:
    report = old_report(store, make_actor, "Street stream")
    token = log_in(client, make_actor(Role.RECORDS_OFFICER))
    queue = client.get("/records")
    assert queue.status_code == 200 and "Street stream" in queue.text
    assert "02/03/2021" in queue.text and 'href="/records"' in queue.text  # in the navigation
    no_token = client.post(f"/records/{report}/dispose", data={"reason": "x"})
    assert no_token.status_code == 403
    page = client.post(f"/records/{report}/retain", data={
        "reason": "still needed", "review_on-day": "1", "review_on-month": "1",
        "review_on-year": "2001", "csrf_token": token})
    assert page.status_code == 422 and field_error(page.text, "review_on")
    page = client.post(f"/records/{report}/dispose", data={"reason": "", "csrf_token": token})
    assert page.status_code == 422 and field_error(page.text, "dispose_reason")
    done = client.post(f"/records/{report}/dispose", data={
        "reason": "no further purpose", "csrf_token": token})
    assert "disposed of" in done.text and "Street stream" not in done.text
    assert client.get(f"/records/{report}").status_code == 200
