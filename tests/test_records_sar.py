"""Subject access requests on SQLite and PostgreSQL: everything held that names a person is
gathered from reports, incidents, exhibits' descriptions and the audit log into one file, each
item marked with the exemption to decide; nobody else's records; the request is audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drachma.errors import PermissionDenied, ValidationError
from drachma.evidence.exhibits import Handover, add_exhibits, add_producer
from drachma.evidence.locker import locker_in
from drachma.incidents import records as incidents
from drachma.model.incident import IncidentSubject, SubjectRole
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
