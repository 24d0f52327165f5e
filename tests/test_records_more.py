"""Records, more (issue 13), on SQLite and PostgreSQL: incidents and investigation subjects get
review dates and are retained or disposed of like reports (their personal data removed
everywhere, proofs still verifying); backups are audited and can be made through the API into
the configured folder only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from drachma.analytics import upkeep
from drachma.errors import ConflictError, PermissionDenied
from drachma.evidence.custody import make_checkpoint
from drachma.evidence.exhibits import Handover, add_exhibits, add_producer
from drachma.evidence.locker import locker_in
from drachma.evidence.verify import verify_locker
from drachma.incidents import records as incidents
from drachma.model.incident import IncidentSubject, InvestigationSubject, SubjectRole
from drachma.model.roles import Role
from drachma.records import retention
from drachma.safeguarding import deconfliction
from drachma.store import audit as audit_store
from drachma.store import rollups
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from drachma.store.tables import (
    audit_events,
    deconfliction_keys,
    exhibit_links,
    exhibits,
    incident_events,
    incident_reports,
    incident_subjects,
    investigation_subjects,
    investigations,
    reports,
)
from drachma.store.tables import (
    incidents as incidents_table,
)
from tests.conftest import ActorFactory
from tests.test_incidents_support import live_incident
from tests.test_records_retention import LATER, count, new_report


def test_the_shipped_rules_give_incidents_and_subjects_their_own_groups() -> None:
    rules = retention.load_rules()
    assert rules.group_for("", True, "incident").name == "incident"
    assert rules.group_for("", True, "investigation_subject").review_after_years == 10


@pytest.mark.parametrize(("text", "says"), [
    ("source='x'\n[[group]]\nname='a'\nlabel='A'\napplies_to='report'\nreview_after_years=6\n",
     "no group for incident records"),
    ("source='x'\n[[group]]\nname='a'\nlabel='A'\napplies_to='report'\nreview_after_years=6\n"
     "[[group]]\nname='i'\nlabel='I'\napplies_to='incident'\nreview_after_years=6\n"
     "linked_to_incident=true\n", "reports only"),
    ("source='x'\n[[group]]\nname='a'\nlabel='A'\napplies_to='person'\nreview_after_years=6\n",
     "applies_to must be one of"),
])
def test_rules_for_incidents_and_subjects_are_checked(text: str, says: str) -> None:
    with pytest.raises(retention.RetentionRulesError, match=says):
        retention.parse_rules(text, "force.toml")


def test_an_incident_is_scheduled_retained_and_disposed_of_everywhere(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    officer, analyst = make_actor(Role.OFFICER), make_actor(Role.ANALYST)
    records_officer, investigator = make_actor(Role.RECORDS_OFFICER), make_actor(Role.INVESTIGATOR)
    detail = live_incident(store, officer)
    incident_id = detail.id or 0
    report = new_report(store, analyst, "Stream in Rochdale", "Invented words about Rochdale.")
    other = live_incident(store, officer, place="Oldham")
    with store.begin() as conn:
        conn.execute(insert(incident_reports).values(incident_id=incident_id, report_id=report))
    incidents.add_subject(store, officer, incident_id, IncidentSubject(
        role=SubjectRole.SUBJECT, name="Invented Person Quill"))
    home = tmp_path / "home"
    locker = locker_in(home)
    add_producer(store, investigator, "JS", "Jo Sands")
    shot = tmp_path / "stream.txt"
    shot.write_bytes(b"invented preserved stream")
    add_exhibits(store, investigator, locker, [shot], Handover(
        producer="JS", received_from="officer", reason="preserved", received_place="Rochdale",
        links=(("incident", incident_id),)))
    make_checkpoint(store, locker)
    assert count(store, exhibit_links, exhibit_links.c.target_id == incident_id) == 1

    queue = retention.review_queue(store, records_officer, today=LATER)
    by_kind = {(r.record_kind, r.record_id): r for r in queue}
    row = by_kind[("incident", incident_id)]
    assert row.group == "incident" and row.title and "Rochdale" in row.title
    assert row.review_on.year == date.today().year + 10
    assert ("report", report) in by_kind
    with pytest.raises(PermissionDenied):
        retention.dispose(store, analyst, incident_id, "x", home=home, today=LATER,
                          kind="incident")
    kept = retention.retain(store, records_officer, other.id or 0, "live prosecution",
                            date(2039, 1, 1), today=date(2030, 1, 1), kind="incident")
    assert kept.status == "retained" and kept.reason == "live prosecution"

    done = retention.dispose(store, records_officer, incident_id, "no policing purpose",
                             home=home, today=LATER, kind="incident")

    assert done.status == "disposed" and done.title is None and len(done.content_sha256 or "") == 64
    for table, column in ((incidents_table, incidents_table.c.id),
                          (incident_subjects, incident_subjects.c.incident_id),
                          (incident_events, incident_events.c.incident_id),
                          (incident_reports, incident_reports.c.incident_id)):
        assert count(store, table, column == incident_id) == 0, table.name
    assert count(store, exhibit_links, exhibit_links.c.kind == "incident",
                 exhibit_links.c.target_id == incident_id) == 0
    assert count(store, exhibits) == 1  # the exhibit is evidence: kept, its proofs verify
    assert count(store, reports, reports.c.id == report) == 1  # reviewed on its own date
    assert count(store, incidents_table) == 1
    assert verify_locker(store, locker).ok
    with store.begin() as conn:
        [entry] = audit_store.query(conn, AuditFilters(record_kind="incident",
                                                       record_id=str(incident_id)), limit=1)
    assert entry.detail["decision"] == "dispose"
    assert entry.detail["content_sha256"] == done.content_sha256
    with pytest.raises(ConflictError, match="already disposed"):
        retention.dispose(store, records_officer, incident_id, "again", home=home, today=LATER,
                          kind="incident")
    with store.begin() as conn:  # the counts no longer count it, nor its facts on the report
        stored, expected = rollups.rollup_rows(conn), upkeep.expected_rollups(conn)
    assert stored[0] == expected[0] and stored[1] == expected[1]


def test_an_investigation_subject_is_disposed_of_with_its_keys_and_its_place_in_the_list(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    owner, records_officer = make_actor(Role.INVESTIGATOR), make_actor(Role.RECORDS_OFFICER)
    investigation = deconfliction.open_investigation(
        store, owner, "OP INVENTED", "DS Invented", owner.name, None, None,
        [InvestigationSubject(name="Invented Subject One", date_of_birth=date(1970, 1, 2)),
         InvestigationSubject(name="Invented Subject Two")])
    with store.begin() as conn:
        ids = sorted(conn.execute(select(investigation_subjects.c.id)).scalars())
    gone, stays = ids
    assert count(store, deconfliction_keys, deconfliction_keys.c.subject_id == gone) > 0
    queue = retention.review_queue(store, records_officer, today=LATER)
    titles = {r.record_id: r.title for r in queue if r.record_kind == "investigation_subject"}
    assert titles == {gone: "Invented Subject One", stays: "Invented Subject Two"}

    retention.dispose(store, records_officer, gone, "investigation closed, no purpose",
                      home=tmp_path, today=LATER, kind="investigation_subject")

    assert count(store, investigation_subjects, investigation_subjects.c.id == gone) == 0
    assert count(store, deconfliction_keys, deconfliction_keys.c.subject_id == gone) == 0
    assert count(store, investigation_subjects) == 1
    with store.begin() as conn:
        listed = conn.execute(select(investigations.c.subject_ids)
                              .where(investigations.c.id == investigation)).scalar_one()
        audit_rows = conn.execute(select(func.count()).select_from(audit_events).where(
            audit_events.c.record_kind == "investigation_subject")).scalar_one()
    assert gone not in json.loads(listed)
    assert audit_rows >= 1


def test_the_api_and_pages_take_a_kind(client: Any, store: Store,
                                       make_actor: ActorFactory) -> None:
    from tests.web import log_in

    detail = live_incident(store, make_actor(Role.OFFICER))
    token = log_in(client, make_actor(Role.RECORDS_OFFICER))
    retention.review_queue(store, make_actor(Role.RECORDS_OFFICER), today=LATER)
    headers = {"X-CSRF-Token": token}
    early = client.post(f"/api/records/incident/{detail.id}/dispose", json={"reason": "x"},
                        headers=headers)
    assert early.status_code == 409 and "not due" in early.json()["message"]
    kept = client.post(f"/api/records/incident/{detail.id}/retain",
                       json={"reason": "needed", "review_on": "2099-01-01"}, headers=headers)
    assert kept.status_code == 200
    assert kept.json()["kind"] == "incident" and kept.json()["status"] == "retained"
    assert client.post(f"/api/records/pigeon/{detail.id}/retain",
                       json={"reason": "needed", "review_on": "2099-01-01"},
                       headers=headers).status_code == 422
    page = client.get(f"/records/incident/{detail.id}")
    assert page.status_code == 200 and "Review incident" in page.text


# --- backups through the API ---


def test_backups_through_the_api_go_into_the_configured_folder_only_and_are_audited(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from drachma.web.app import create_app
    from tests.web import log_in, settings_for

    home = tmp_path / "home"
    home.mkdir()
    settings = settings_for(store, home)
    new_report(store, make_actor(Role.ANALYST), "Backed up", "Invented words to keep.")
    unset = TestClient(create_app(store, settings))
    token = log_in(unset, make_actor(Role.ADMIN))
    refused = unset.post("/api/records/backups", headers={"X-CSRF-Token": token})
    assert refused.status_code == 409 and "DRACHMA_BACKUP_DIR" in refused.json()["message"]

    folder = tmp_path / "backups"
    client = TestClient(create_app(store, replace(settings, backup_dir=folder)))
    token = log_in(client, make_actor(Role.ANALYST))
    assert client.post("/api/records/backups",
                       headers={"X-CSRF-Token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    token = log_in(client, make_actor(Role.RECORDS_OFFICER))
    made = client.post("/api/records/backups", headers={"X-CSRF-Token": token})
    assert made.status_code == 201, made.text
    name = made.json()["name"]
    assert (folder / name / "MANIFEST.sha256").is_file() and made.json()["files"] >= 2
    assert [e["name"] for e in client.get("/api/records/backups").json()] == [name]
    check = client.post(f"/api/records/backups/{name}/check", headers={"X-CSRF-Token": token})
    assert check.json() == {"name": name, "verdict": "ok"}
    (folder / name / "BACKUP.json").write_text("{}", encoding="utf-8")
    damaged = client.post(f"/api/records/backups/{name}/check",
                          headers={"X-CSRF-Token": token}).json()["verdict"]
    assert "does not match its SHA-256" in damaged
    for bad in ("..%2F..%2Fetc", "drachma-x%2F..", "../home"):
        answer = client.post(f"/api/records/backups/{bad}/check",
                             headers={"X-CSRF-Token": token})
        assert answer.status_code in (404, 422), bad
    with store.begin() as conn:
        kinds = [e.action.value for e in audit_store.query(
            conn, AuditFilters(record_kind="backup"), limit=10)]
    assert sorted(kinds) == ["create", "read", "read", "read"]


# --- a public report's screenshots: exhibits from grading, kept through disposal ---


def test_a_graded_public_report_is_disposed_of_and_drachma_evidence_verify_still_passes(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    from drachma.config import load_evidence_settings
    from drachma.evidence.exhibits import list_exhibits
    from drachma.intake.public import grade_public_report, submit_public_report
    from drachma.store.tables import public_reports, report_attachments
    from tests.test_public_report import PNG, a_concern

    home = tmp_path / "home"
    locker = locker_in(home)
    reference = submit_public_report(store, a_concern(
        contact_email="sam@example.org", consent=True, screenshots=[("chat.png", PNG)]),
        home=home)
    analyst, clerk = make_actor(Role.ANALYST), make_actor(Role.RECORDS_OFFICER)
    report = grade_public_report(store, analyst, reference, "2BP", home=home,
                                 evidence=load_evidence_settings(home))
    [exhibit] = list_exhibits(store, make_actor(Role.INVESTIGATOR))[0]
    assert verify_locker(store, locker).ok
    retention.review_queue(store, clerk, today=LATER)

    retention.dispose(store, clerk, report.id or 0, "no further action, period passed",
                      home=home, today=LATER, blobs=locker.blobs)

    assert count(store, reports) == 0 and count(store, report_attachments) == 0
    assert count(store, public_reports) == 0  # the submission's text and contact details too
    assert not [p for p in (home / "attachments").rglob("*") if p.is_file()]
    assert list_exhibits(store, make_actor(Role.INVESTIGATOR))[1] == 1  # evidence stays
    assert b"".join(locker.blobs.chunks(exhibit.sha256)) == PNG
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRACHMA_")}
    env.update(DRACHMA_DATABASE_URL=store.url, DRACHMA_HOME=str(home))
    verified = subprocess.run([sys.executable, "-c", "from drachma.cli.app import main; main()",
                               "evidence", "verify"], env=env, capture_output=True, text=True,
                              timeout=300, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
