"""Subject access requests on SQLite and PostgreSQL: everything held that names a person is
gathered from reports, incidents, exhibits' descriptions and the audit log into one file, each
item marked with the exemption to decide; nobody else's records; the request is audited."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from drachma.errors import PermissionDenied, ValidationError
from drachma.evidence.exhibits import Handover, add_exhibits, add_producer
from drachma.evidence.locker import locker_in
from drachma.incidents import records as incidents
from drachma.model.incident import IncidentSubject, InvestigationSubject, SubjectRole
from drachma.model.roles import Role
from drachma.records.subject_access import KINDS, load_exemptions, subject_access
from drachma.reports import ReportDraft, add_report
from drachma.store import audit as audit_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from tests.conftest import ActorFactory
from tests.test_incidents_support import add_group, live_incident


def test_every_kind_of_record_has_an_exemption_note_and_the_source_is_named() -> None:
    source, notes = load_exemptions()
    assert "Data Protection Act 2018" in source
    assert set(notes) == set(KINDS)


def test_everything_that_names_the_person_is_gathered_with_exemptions_marked(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    analyst, officer = make_actor(Role.ANALYST), make_actor(Role.OFFICER)
    investigator, clerk = make_actor(Role.INVESTIGATOR), make_actor(Role.RECORDS_OFFICER)
    named = add_report(store, analyst, ReportDraft(
        title="Group post", body="A post names Corwin Ashdale as the subject of an allegation.",
        grading="2BP", source_kind="group"))
    add_report(store, analyst, ReportDraft(title="Other", body="Nothing about that person.",
                                           grading="2BP"))
    add_group(store)
    incident = live_incident(store, officer)
    incidents.add_subject(store, officer, incident.id or 0, IncidentSubject(
        role=SubjectRole.SUBJECT, name="Corwin ASHDALE"))
    add_producer(store, investigator, "JS", "Jo Sands")
    shot = tmp_path / "shot.txt"
    shot.write_bytes(b"invented")
    add_exhibits(store, investigator, locker_in(tmp_path / "home"), [shot], Handover(
        producer="JS", received_from="Northfield Watch (group)", reason="handed over",
        received_place="Rochdale", description="Screenshot naming corwin ashdale"))

    out = tmp_path / "sar" / "SAR-2026-17.json"
    result = subject_access(store, clerk, "  Corwin   Ashdale ", out, reference="SAR/2026/17")

    document = json.loads(out.read_text())
    kinds = {(i["kind"], i["record"]) for i in document["items"]}
    assert ("report", str(named.id)) in kinds
    assert ("incident_subject", str(incident.id)) in kinds
    assert any(kind == "exhibit" for kind, _ in kinds)
    assert not any(i["kind"] == "report" and "Nothing about" in i["text"]
                   for i in document["items"])
    assert all(i["decision"] == "to decide" and i["exemption_to_consider"]
               for i in document["items"])
    assert result.items == len(document["items"])
    assert out.stat().st_mode & 0o077 == 0
    with store.begin() as conn:
        [entry] = audit_store.query(conn, AuditFilters(record_kind="person"), limit=1)
    assert entry.actor_name == clerk.name and entry.detail["reference"] == "SAR/2026/17"
    assert "Ashdale" not in json.dumps(entry.detail)
    with pytest.raises(ValidationError, match="exists already"):
        subject_access(store, clerk, "Corwin Ashdale", out, reference="SAR/2026/17")


@pytest.mark.parametrize(("name", "reference", "field"), [
    ("Al", "SAR/1", "name"), ("x" * 201, "SAR/1", "name"), ("Corwin Ashdale", " ", "reference")])
def test_bad_requests_are_refused_and_write_nothing(
        store: Store, make_actor: ActorFactory, tmp_path: Path, name: str, reference: str,
        field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        subject_access(store, make_actor(Role.RECORDS_OFFICER), name, tmp_path / "o.json",
                       reference=reference)
    assert caught.value.field == field
    assert not (tmp_path / "o.json").exists()


def test_only_the_records_officer_may_gather(store: Store, make_actor: ActorFactory,
                                             tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        subject_access(store, make_actor(Role.SUPERVISOR), "Corwin Ashdale",
                       tmp_path / "o.json", reference="SAR/1")


# --- fuzzy names, variants, date of birth; the page and the API ---


def _gathered(store: Store, clerk: Any, name: str, **kwargs: Any) -> list[dict[str, Any]]:
    from drachma.records.subject_access import SubjectAccessRequest, gather

    request = SubjectAccessRequest(name, "SAR/9", kwargs.get("dob"),
                                   tuple(kwargs.get("variants", ())))
    items: list[dict[str, Any]] = gather(store, clerk, request).document["items"]
    return items


def test_names_are_matched_loosely_and_each_item_says_why(
        store: Store, make_actor: ActorFactory) -> None:
    from drachma.safeguarding import deconfliction

    analyst, clerk = make_actor(Role.ANALYST), make_actor(Role.RECORDS_OFFICER)
    texts = {"nick": "A post says Bob Hallworth will be met tonight.",
             "title": "The group named a Mr Hallworth on its page.",
             "other": "Jane Hallworth complained about the stream.",
             "maiden": "Ann Corbett was the caller."}
    ids = {key: add_report(store, analyst, ReportDraft(title=f"Invented {key}", body=body,
                                                       grading="2BP")).id
           for key, body in texts.items()}
    owner = make_actor(Role.INVESTIGATOR)
    deconfliction.open_investigation(store, owner, "OP FUZZ", "DS Invented", owner.name, None,
                                     None, [
        InvestigationSubject(name="Robert Halworth", date_of_birth=date(1979, 11, 4)),
        InvestigationSubject(name="Robert Hallworth", date_of_birth=date(1961, 1, 1)),
        InvestigationSubject(name="Rob Hollsworth", aliases=["Robbie Hallworth"],
                             date_of_birth=date(1979, 4, 11))])

    items = _gathered(store, clerk, "Robert Hallworth")
    reports = {i["record"]: i for i in items if i["kind"] == "report"}
    assert set(reports) == {str(ids["nick"]), str(ids["title"])}
    assert "form of 'robert'" in reports[str(ids["nick"])]["match"]["why"]
    assert reports[str(ids["title"])]["match"]["why"] == "title and surname"
    assert sum(1 for i in items if i["kind"] == "investigation_subject") == 3

    dated = _gathered(store, clerk, "Robert Hallworth", dob=date(1979, 11, 4))
    subjects = [i["match"] for i in dated if i["kind"] == "investigation_subject"]
    assert len(subjects) == 2  # the one born in 1961 is someone else
    assert any("surname sounds the same" in m["why"] and "same date of birth" in m["why"]
               for m in subjects)
    assert any("day and month swapped" in m["why"] and m["matched"] == "Robbie Hallworth"
               for m in subjects)

    with_variant = _gathered(store, clerk, "Ann Price", variants=["Ann Corbett"])
    assert [i["record"] for i in with_variant if i["kind"] == "report"] == [str(ids["maiden"])]
    assert _gathered(store, clerk, "Ann Price") == [
        i for i in _gathered(store, clerk, "Ann Price") if i["kind"] == "audit"]


def test_the_page_and_the_api_give_a_file_for_the_records_officer_only(
        client: Any, store: Store, make_actor: ActorFactory) -> None:
    from tests.web import field_error, log_in

    add_report(store, make_actor(Role.ANALYST), ReportDraft(
        title="Invented", body="A post names Corwin Ashdale.", grading="2BP"))
    token = log_in(client, make_actor(Role.SUPERVISOR))
    assert client.get("/records/subject-access").status_code == 403
    assert client.post("/api/records/subject-access", json={
        "name": "Corwin Ashdale", "reference": "SAR/1"},
        headers={"X-CSRF-Token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    token = log_in(client, make_actor(Role.RECORDS_OFFICER))
    form = client.get("/records/subject-access")
    assert form.status_code == 200 and "Subject access request" in form.text
    bad = client.post("/records/subject-access", data={
        "name": "Co", "reference": "SAR/1", "csrf_token": token})
    assert bad.status_code == 422 and field_error(bad.text, "name")
    assert client.post("/records/subject-access", data={
        "name": "Corwin Ashdale", "reference": "SAR/1"}).status_code == 403  # no CSRF token
    done = client.post("/records/subject-access", data={
        "name": "Corwin Ashdale", "reference": "SAR/2026/1", "csrf_token": token,
        "date_of_birth-day": "", "date_of_birth-month": "", "date_of_birth-year": ""})
    assert done.status_code == 200
    assert 'filename="subject-access-SAR-2026-1.json"' in done.headers["content-disposition"]
    assert done.headers["cache-control"] == "no-store"
    assert [i["kind"] for i in done.json()["items"]] == ["report"]
    api = client.post("/api/records/subject-access", json={
        "name": "Corwin Ashdale", "reference": "SAR/2026/2", "variants": ["C Ashdale"]},
        headers={"X-CSRF-Token": token})
    assert api.status_code == 200 and api.json()["other_names_searched"] == ["C Ashdale"]
    too_many = client.post("/api/records/subject-access", json={
        "name": "Corwin Ashdale", "reference": "SAR/3", "variants": ["A Bcd"] * 11},
        headers={"X-CSRF-Token": token})
    assert too_many.status_code == 422
    with store.begin() as conn:
        refs = [e.detail["reference"] for e in audit_store.query(
            conn, AuditFilters(record_kind="person"), limit=10)]
    assert sorted(refs) == ["SAR/2026/1", "SAR/2026/2"]
