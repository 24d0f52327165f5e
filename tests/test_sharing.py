"""Exports (STIX 2.1, FollowTheMoney, CSV) and STIX imports, on SQLite and PostgreSQL: only what
the actor may see leaves, no source identity leaves, every export is audited, and a bundle taken
in becomes graded reports for review, or is refused whole naming what was wrong."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import stix2
from followthemoney import model
from hypothesis import given, settings
from hypothesis import strategies as st

from drachma.access.actor import Actor
from drachma.access.audit import view_audit
from drachma.access.users import add_user
from drachma.errors import ConflictError, PermissionDenied, ValidationError
from drachma.model.roles import Role
from drachma.reports import get_report
from drachma.sharing import (
    BundleError,
    ExportFormat,
    ExportKind,
    Selection,
    export,
    import_stix,
    parse_selection,
    stix_import,
)
from drachma.sharing.csv_export import safe_cell
from drachma.store import reports as report_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from tests.conftest import PASSWORD, ActorFactory
from tests.sharing_support import HOUSEHOLD, SOURCE_NAME, SOURCE_REF, SUBJECT, make_case
from tests.test_incidents_support import STREAM, row_counts

FORBIDDEN = (SOURCE_NAME, SOURCE_REF, "07700 900123", "PC Smith", "Acacia Avenue", "OL11",
             "@daz_example", HOUSEHOLD, STREAM, "Unsanitised note")


def _stix(store: Store, actor_role: Role, make_actor: ActorFactory, selection: Selection
          ) -> dict[str, list[dict[str, object]]]:
    made = export(store, make_actor(actor_role), selection, ExportFormat.STIX)
    bundle = json.loads(made.content)
    by_type: dict[str, list[dict[str, object]]] = {}
    for obj in bundle["objects"]:
        by_type.setdefault(obj["type"], []).append(obj)
    return by_type


def test_an_incident_as_stix_carries_only_what_the_reader_may_see(
        store: Store, make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    selection = Selection(ExportKind.INCIDENT, case.incident_id)
    made = export(store, make_actor(Role.OFFICER), selection, ExportFormat.STIX)
    text = made.content.decode()
    parsed = stix2.parse(text, allow_custom=False)  # stix2 reads back what it wrote
    assert parsed.type == "bundle"
    objects = json.loads(text)["objects"]
    kinds = {o["type"] for o in objects}
    assert {"incident", "threat-actor", "location", "identity", "relationship", "report",
            "marking-definition"} <= kinds
    reports = [o for o in objects if o["type"] == "report"]
    # The officer may not read the 3CC report: it is not there, nor is anything it says.
    assert sorted(r["name"] for r in reports) == [
        "Group plans a confrontation in Rochdale", f"Report {case.unsanitised_report} (title "
        "withheld)"]
    assert "second channel" not in text
    for value in FORBIDDEN:
        assert value not in text, value
    unsanitised = next(r for r in reports if "withheld" in r["name"])
    assert "Text withheld" in unsanitised["description"]
    actor = next(o for o in objects if o["type"] == "threat-actor")
    assert actor["threat_actor_types"] == ["activist"] and actor["aliases"] == ["NCW"]
    location = next(o for o in objects if o["type"] == "location")
    assert location["name"] == "Rochdale" and location["country"] == "GB"
    person = next(o for o in objects if o["type"] == "identity"
                  and o.get("identity_class") == "individual")
    assert person["name"] == SUBJECT and "unproven" in person["description"]
    kinds_of_link = {o["relationship_type"] for o in objects if o["type"] == "relationship"}
    assert kinds_of_link == {"located-at", "named-in", "subject-of-allegation-in"}
    # The grading as a custom marking, a statement and TLP.
    first = next(r for r in reports if r["name"].startswith("Group plans"))
    markings = {o["id"]: o for o in objects if o["type"] == "marking-definition"}
    used = [markings[m] for m in first["object_marking_refs"]]
    assert any(m.get("definition_type") == "x-uk-3x5x2-grading"
               and m["definition"]["code"] == "2BP" for m in used)
    assert any(m.get("definition_type") == "statement"
               and "2BP" in m["definition"]["statement"] for m in used)
    assert stix2.TLP_GREEN.id in first["object_marking_refs"]


def test_handling_code_c_goes_with_its_conditions_to_those_the_conditions_allow(
        store: Store, make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    by_type = _stix(store, Role.INVESTIGATOR, make_actor,
                    Selection(ExportKind.INCIDENT, case.incident_id))
    restricted = next(r for r in by_type["report"] if r["name"].startswith("Restricted"))
    markings = {m["id"]: m for m in by_type["marking-definition"]}
    custom = next(markings[m] for m in restricted["object_marking_refs"]  # type: ignore[attr-defined]
                  if markings[m].get("definition_type") == "x-uk-3x5x2-grading")
    assert custom["definition"]["handling_conditions"].startswith("Investigators only")
    assert stix2.TLP_AMBER.id in restricted["object_marking_refs"]  # type: ignore[operator]


def test_filtered_reports_never_include_a_report_the_actor_may_not_see(
        store: Store, make_actor: ActorFactory) -> None:
    make_case(store, make_actor)
    analyst = _stix(store, Role.ANALYST, make_actor, parse_selection("reports"))
    assert len(analyst["report"]) == 2
    supervisor = _stix(store, Role.SUPERVISOR, make_actor,
                       parse_selection("reports", report_filters={"grading": "3"}))
    assert [r["name"] for r in supervisor["report"]] == ["Restricted: stream arrangements"]


def test_a_group_exports_with_its_incidents_but_not_the_people_in_them(
        store: Store, make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    by_type = _stix(store, Role.ANALYST, make_actor, Selection(ExportKind.GROUP, case.group_id))
    assert [a["name"] for a in by_type["threat-actor"]] == ["Northfield Child Watch"]
    assert len(by_type["incident"]) == 1
    assert not [i for i in by_type["identity"] if i.get("identity_class") == "individual"]


def test_followthemoney_entities_are_valid_and_never_state_the_allegation(
        store: Store, make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    made = export(store, make_actor(Role.INVESTIGATOR),
                  Selection(ExportKind.INCIDENT, case.incident_id), ExportFormat.FTM)
    lines = made.content.decode().splitlines()
    entities = [model.get_proxy(json.loads(line)) for line in lines]  # FtM checks each one
    schemata = {e.schema.name for e in entities}
    assert {"Person", "Organization", "Event", "Address", "Document", "Documentation",
            "UnknownLink", "Note"} <= schemata
    person = next(e for e in entities if e.schema.name == "Person")
    assert person.get("name") == [SUBJECT] and person.get("birthDate") == ["1979-03-14"]
    links = [e for e in entities if e.schema.name == "UnknownLink"
             and e.get("subject") == [person.id]]
    assert links[0].get("role") == ["named as the subject of an unproven allegation"]
    event = next(e for e in entities if e.schema.name == "Event")
    assert not event.get("involved") and not event.get("organizer")
    documents = [e for e in entities if e.schema.name == "Document"]
    assert len(documents) == 3 and any("3x5x2:3CC" in d.get("keywords") for d in documents)
    text = made.content.decode()
    for value in FORBIDDEN:
        assert value not in text, value


def test_a_person_is_shared_as_the_subject_of_an_unproven_allegation(
        store: Store, make_actor: ActorFactory) -> None:
    from datetime import date

    from drachma.model.entities import Person
    from drachma.store import entities as entity_store

    with store.begin() as conn:
        (person_id,) = entity_store.insert_persons(conn, [Person(
            name="Gareth Invented-Person", aliases=["Gaz"], date_of_birth=date(1970, 5, 6),
            addresses=["1 Hidden Road, Bolton"])])
    by_type = _stix(store, Role.ANALYST, make_actor, Selection(ExportKind.PERSON, person_id))
    (person,) = [i for i in by_type["identity"] if i.get("identity_class") == "individual"]
    assert person["name"] == "Gareth Invented-Person" and "unproven" in person["description"]
    assert "Hidden Road" not in json.dumps(by_type)
    markings = {m["id"]: m for m in by_type["marking-definition"]}
    statement = markings[person["object_marking_refs"][0]]["definition"]["statement"]  # type: ignore[index]
    assert "unproven" in statement
    events, _ = view_audit(store, make_actor(Role.SUPERVISOR),
                           AuditFilters(record_kind="person", record_id=str(person_id)))
    assert [e.detail.get("format") for e in events] == ["stix"]
    with pytest.raises(PermissionDenied):
        export(store, make_actor(Role.RECORDS_OFFICER), Selection(ExportKind.PERSON, person_id),
               ExportFormat.FTM)


def test_csv_has_one_row_a_record_and_no_formula_survives(
        store: Store, make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    made = export(store, make_actor(Role.OFFICER),
                  Selection(ExportKind.INCIDENT, case.incident_id), ExportFormat.CSV)
    text = made.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(r["record"] for r in rows) == ["group", "incident", "person", "report",
                                                 "report"]
    for value in FORBIDDEN:
        assert value not in text, value
    assert safe_cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert safe_cell("-2+3") == "'-2+3" and safe_cell("plain") == "plain"


def test_every_export_is_audited_with_the_records_it_carried(
        store: Store, make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    export(store, make_actor(Role.OFFICER), Selection(ExportKind.INCIDENT, case.incident_id),
           ExportFormat.CSV)
    events, _ = view_audit(store, make_actor(Role.SUPERVISOR),
                           AuditFilters(record_kind="incident", record_id=str(case.incident_id)))
    exported = [e for e in events if e.detail.get("format") == "csv"]
    assert len(exported) == 1
    assert exported[0].detail["reports"] == f"{case.open_report},{case.unsanitised_report}"
    assert exported[0].actor_name == make_actor(Role.OFFICER).name


def test_those_who_may_not_read_are_refused(store: Store, make_actor: ActorFactory) -> None:
    case = make_case(store, make_actor)
    with pytest.raises(PermissionDenied):
        export(store, make_actor(Role.ADMIN), Selection(ExportKind.INCIDENT, case.incident_id),
               ExportFormat.STIX)
    with pytest.raises(PermissionDenied):
        export(store, make_actor(Role.RECORDS_OFFICER), parse_selection("reports"),
               ExportFormat.CSV)
    with pytest.raises(ValidationError) as bad:
        parse_selection("reports", report_filters={"grading": "9"})
    assert bad.value.field == "grading"
    with pytest.raises(ValidationError) as bad:
        parse_selection("person")
    assert bad.value.field == "record_id"


def test_too_large_an_export_is_refused_by_name(store: Store, make_actor: ActorFactory,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    make_case(store, make_actor)
    monkeypatch.setattr("drachma.sharing.shared.MAX_RECORDS", 2)
    with pytest.raises(ValidationError, match="at most 2") as bad:
        export(store, make_actor(Role.SUPERVISOR), parse_selection("reports"), ExportFormat.CSV)
    assert bad.value.field == "filters"


# --------------------------------------------------------------------------------------------
# Import


@pytest.fixture
def receiver(tmp_path: Path, _sqlite_template: Path) -> Iterator[tuple[Store, Actor, Actor]]:
    """The receiving force: a fresh store (a new migrated SQLite file) with an analyst and an
    officer of its own."""
    path = tmp_path / "receiver.db"
    shutil.copyfile(_sqlite_template, path)
    fresh = Store(f"sqlite:///{path}")
    analyst = Actor(add_user(fresh, None, "analyst-wy", "analyst", Role.ANALYST, PASSWORD))
    officer = Actor(add_user(fresh, None, "officer-wy", "officer", Role.OFFICER, PASSWORD))
    yield fresh, analyst, officer
    fresh.dispose()


def test_round_trip_export_then_import_into_a_fresh_store_makes_graded_reports(
        store: Store, make_actor: ActorFactory, receiver: tuple[Store, Actor, Actor]) -> None:
    case = make_case(store, make_actor)
    bundle = export(store, make_actor(Role.SUPERVISOR),
                    Selection(ExportKind.INCIDENT, case.incident_id), ExportFormat.STIX,
                    sender="Greater Manchester Police").content
    fresh, analyst, officer = receiver
    result = import_stix(fresh, analyst, bundle)
    assert result.sender == "Greater Manchester Police"
    # Reports for review, never facts: no group, person or incident is made.
    assert row_counts(fresh, "groups", "persons", "incidents", "incident_subjects") == {
        "groups": 0, "persons": 0, "incidents": 0, "incident_subjects": 0}
    by_title = {r.title: r for r in result.reports}
    incident_title = (f"Imported incident: Incident {case.incident_id}: confrontation by "
                      "Northfield Child Watch")
    assert set(by_title) == {
        "Imported report: Group plans a confrontation in Rochdale",
        "Imported report: Restricted: stream arrangements",
        f"Imported report: Report {case.unsanitised_report} (title withheld)", incident_title}
    first = by_title["Imported report: Group plans a confrontation in Rochdale"]
    assert first.grading.code == "2BP" and first.source_kind.value == "partner"
    assert "confront a man at Rochdale station" in first.body
    assert "not confirmed" in first.body and "Northfield Child Watch" in first.body
    restricted = by_title["Imported report: Restricted: stream arrangements"]
    assert restricted.grading.code == "3CC"
    assert restricted.grading.conditions == ("Investigators only; not to be shared outside "
                                             "policing")
    incident = by_title[incident_title]
    assert incident.grading.code == "2CP" and SUBJECT in incident.body
    assert "unproven" in incident.body
    for report in result.reports:
        for value in FORBIDDEN:
            assert value not in report.body, value
    # The importing analyst reads them; the C report only as its conditions allow.
    assert restricted.id is not None and first.id is not None
    assert get_report(fresh, analyst, first.id).id == first.id
    with pytest.raises(PermissionDenied):
        get_report(fresh, officer, restricted.id)
    supervisor = Actor(add_user(fresh, None, "supervisor-wy", "sup", Role.SUPERVISOR, PASSWORD))
    events, _ = view_audit(fresh, supervisor, AuditFilters(record_kind="report"))
    assert any(e.detail.get("bundle") == result.bundle_id for e in events)
    # The same bundle again: refused whole, naming the twin; nothing more stored.
    before = row_counts(fresh, "reports")
    with pytest.raises(ConflictError, match="taken in before"):
        import_stix(fresh, analyst, bundle)
    assert row_counts(fresh, "reports") == before
    # The reports imported are in the counts kept with writes (the report list's total).
    with fresh.begin() as conn:
        for reader in (analyst, officer, supervisor):
            assert (report_store.count_reports(conn, reader.visibility)
                    == report_store.count_reports_plain(conn, reader.visibility) > 0)


def _minimal(**changes: object) -> dict[str, object]:
    report = {"type": "report", "spec_version": "2.1",
              "id": "report--6a5b1c1e-1d0e-4f7a-9b7a-3f1f1f1f1f1f",
              "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
              "name": "Partner report", "published": "2026-01-01T00:00:00.000Z",
              "object_refs": ["identity--0b9f3c1e-1d0e-4f7a-9b7a-3f1f1f1f1f1f"],
              "object_marking_refs": [stix2.TLP_AMBER.id],
              "description": "A group met a man in Leeds."}
    report.update(changes)
    sender = {"type": "identity", "spec_version": "2.1",
              "id": "identity--0b9f3c1e-1d0e-4f7a-9b7a-3f1f1f1f1f1f",
              "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
              "name": "West Yorkshire Police", "identity_class": "organization"}
    return {"type": "bundle", "id": "bundle--1c1e6a5b-1d0e-4f7a-9b7a-3f1f1f1f1f1f",
            "objects": [sender, report]}


def test_another_forces_tlp_amber_becomes_handling_code_c(
        store: Store, make_actor: ActorFactory) -> None:
    result = import_stix(store, make_actor(Role.ANALYST), json.dumps(_minimal()).encode())
    (report,) = result.reports
    assert report.grading.code == "2CC" and "TLP:AMBER" in (report.grading.conditions or "")
    assert Role.ANALYST in report.visible_to


def test_tlp_amber_or_red_is_never_loosened_by_a_3x5x2_code_p(
        store: Store, make_actor: ActorFactory) -> None:
    bundle = _minimal(object_marking_refs=[
        stix2.TLP_RED.id, "marking-definition--9a5b1c1e-1d0e-4f7a-9b7a-3f1f1f1f1f1f"])
    bundle["objects"].append({  # type: ignore[attr-defined]
        "type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--9a5b1c1e-1d0e-4f7a-9b7a-3f1f1f1f1f1f",
        "created": "2026-01-01T00:00:00.000Z", "definition_type": "x-uk-3x5x2-grading",
        "definition": {"code": "1AP", "source_evaluation": "1", "intelligence_assessment": "A",
                       "handling_code": "P"}})
    result = import_stix(store, make_actor(Role.ANALYST), json.dumps(bundle).encode())
    (report,) = result.reports
    assert report.grading.code == "1AC" and "TLP:RED" in (report.grading.conditions or "")


BAD_BUNDLES: list[tuple[str, bytes, str]] = [
    ("not json", b"{\"type\": \"bundle\",", "file"),
    ("empty", b"  ", "file"),
    ("not utf-8", b"\xff\xfe\x00{", "file"),
    ("not a bundle", json.dumps({"type": "report"}).encode(), "bundle.type"),
    ("no objects", json.dumps({"type": "bundle", "id": "bundle--x", "objects": []}).encode(),
     "bundle.objects"),
    ("wrong spec version", json.dumps(_minimal(spec_version="2.0")).encode(),
     "bundle.objects[1].spec_version"),
    ("unknown type", json.dumps(_minimal(type="x-hunter-sting")).encode(),
     "bundle.objects[1].type"),
    ("NUL in a string", json.dumps(_minimal(description="a\x00b")).encode(),
     "bundle.objects[1].description"),
    ("bidi override", json.dumps(_minimal(name="evil\u202etxt.exe")).encode(),
     "bundle.objects[1].name"),
    ("invalid STIX", json.dumps(_minimal(published="yesterday")).encode(), "bundle"),
    ("deep nesting", b"[" * 200_000 + b"]" * 200_000, "file"),
    ("nested deep inside", json.dumps(_minimal(labels=json.loads("[" * 50 + "]" * 50))).encode(),
     "bundle.objects[1].labels" + "[0]" * 10),
    ("no report", json.dumps({**_minimal(), "objects": _minimal()["objects"][:1]}).encode(),  # type: ignore[index]
     "bundle.objects"),
]


@pytest.mark.parametrize(("label", "data", "field"), BAD_BUNDLES, ids=[b[0] for b in BAD_BUNDLES])
def test_a_bad_bundle_is_refused_naming_what_was_wrong_and_nothing_changes(
        store: Store, make_actor: ActorFactory, label: str, data: bytes, field: str) -> None:
    analyst = make_actor(Role.ANALYST)
    before = row_counts(store, "reports", "audit_events", "groups", "persons")
    with pytest.raises(BundleError) as refused:
        import_stix(store, analyst, data)
    assert refused.value.field == field, (label, refused.value.message)
    assert refused.value.message
    assert row_counts(store, "reports", "audit_events", "groups", "persons") == before


def test_size_limits_are_checked_before_reading(store: Store, make_actor: ActorFactory,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    analyst = make_actor(Role.ANALYST)
    data = json.dumps(_minimal()).encode()
    monkeypatch.setattr(stix_import, "MAX_BYTES", len(data) - 1)
    with pytest.raises(BundleError, match="at most") as refused:
        import_stix(store, analyst, data)
    assert refused.value.field == "file"
    monkeypatch.setattr(stix_import, "MAX_BYTES", 10**7)
    monkeypatch.setattr(stix_import, "MAX_OBJECTS", 1)
    with pytest.raises(BundleError, match="2 objects") as refused:
        import_stix(store, analyst, data)
    assert refused.value.field == "bundle.objects"


def test_a_report_that_breaks_a_rule_refuses_the_whole_bundle(
        store: Store, make_actor: ActorFactory) -> None:
    good = _minimal()["objects"]
    long_name = dict(good[1], id="report--7a5b1c1e-1d0e-4f7a-9b7a-3f1f1f1f1f1f",  # type: ignore[index, call-overload]
                     object_marking_refs=[], description="x" * 199_990)
    bundle = {"type": "bundle", "id": "bundle--2c1e6a5b-1d0e-4f7a-9b7a-3f1f1f1f1f1f",
              "objects": [*good, long_name]}  # type: ignore[misc]
    before = row_counts(store, "reports")
    with pytest.raises(BundleError, match="longer than"):
        import_stix(store, make_actor(Role.ANALYST), json.dumps(bundle).encode())
    assert row_counts(store, "reports") == before


def test_only_those_who_may_add_reports_may_import_and_the_default_grading_is_p(
        store: Store, make_actor: ActorFactory) -> None:
    data = json.dumps(_minimal()).encode()
    with pytest.raises(PermissionDenied):
        import_stix(store, make_actor(Role.DISCLOSURE_OFFICER), data)
    with pytest.raises(ValidationError) as bad:
        import_stix(store, make_actor(Role.ANALYST), data, grading="2CC")
    assert bad.value.field == "grading"
    with pytest.raises(ValidationError) as bad:
        import_stix(store, make_actor(Role.ANALYST), data, visible_to=["wizard"])
    assert bad.value.field == "role"


# --------------------------------------------------------------------------------------------
# Properties: any input is either read or refused by name; no cell stays a formula

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["type", "id", "objects", "spec_version", "name", "x"]),
                      inner, max_size=4),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(value=JSON)
def test_any_json_is_read_as_a_bundle_or_refused_by_name(value: object) -> None:
    try:
        stix_import.read_bundle(json.dumps(value).encode())
    except BundleError as exc:
        assert exc.field and exc.message


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=200))
def test_any_bytes_are_refused_by_name(data: bytes) -> None:
    with pytest.raises(BundleError):
        stix_import.read_bundle(data)


@given(text=st.text(max_size=30))
def test_no_csv_cell_starts_as_a_formula(text: str) -> None:
    cell = safe_cell(text)
    assert cell in (text, "'" + text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
