"""A small invented case shared by the sharing tests (no tests here): a group, an incident in
Rochdale with the subject of the group's allegation and a household member, and three reports
linked to it: one 2BP with a sanitised text, one 3CC the conditions limit to investigators, one
2BP without a sanitised text. The raw texts name the source, which no export may carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import update

from drachma.incidents import records
from drachma.model.incident import IncidentSubject, SubjectRole
from drachma.model.report import Source, SourceKind
from drachma.model.roles import Role
from drachma.reports import ReportDraft, add_report
from drachma.store import sources as source_store
from drachma.store.db import Store
from drachma.store.tables import reports
from tests.conftest import ActorFactory
from tests.test_incidents_support import live_incident

SOURCE_NAME = "Janet Informant-Roe"
SOURCE_REF = "CHIS-4471"
HOUSEHOLD = "Kelly Household-Person"
SUBJECT = "Darren Example-Subject"


@dataclass(frozen=True)
class Case:
    incident_id: int
    group_id: int
    open_report: int
    restricted_report: int
    unsanitised_report: int


def make_case(store: Store, make_actor: ActorFactory) -> Case:
    officer = make_actor(Role.OFFICER)
    supervisor = make_actor(Role.SUPERVISOR)
    detail = live_incident(store, officer)
    assert detail.id is not None
    records.add_subject(store, officer, detail.id, IncidentSubject(
        role=SubjectRole.SUBJECT, name=SUBJECT, aliases=["Daz"],
        date_of_birth=date(1979, 3, 14), address="12 Acacia Avenue, Rochdale",
        postcode="OL11 1AA", handles=["@daz_example"]))
    records.add_subject(store, officer, detail.id, IncidentSubject(
        role=SubjectRole.HOUSEHOLD_MEMBER, name=HOUSEHOLD))
    raw = f"Told to PC Smith by {SOURCE_NAME} ({SOURCE_REF}), phone 07700 900123. "
    first = add_report(store, supervisor, ReportDraft(
        title="Group plans a confrontation in Rochdale", grading="2BP",
        body=raw + "Northfield Child Watch will meet a man at the station.",
        sanitised_text="A group intends to confront a man at Rochdale station."))
    second = add_report(store, supervisor, ReportDraft(
        title="Restricted: stream arrangements", grading="3CC",
        handling_conditions="Investigators only; not to be shared outside policing",
        visible_to=["investigator"],
        body=raw + "The group will stream on a second channel.",
        sanitised_text="The group may stream on a second channel."))
    third = add_report(store, supervisor, ReportDraft(
        title="Unsanitised note", grading="2BP",
        body=raw + "Nothing sanitised yet about the meeting."))
    with store.begin() as conn:
        source_id = source_store.insert_source(conn, Source(
            kind=SourceKind.PUBLIC, reference=SOURCE_REF, identity=SOURCE_NAME))
        conn.execute(update(reports).values(source_id=source_id))
    ids = [r.id for r in (first, second, third)]
    assert all(ids)
    records.change_incident(store, officer, detail.id,
                            records.IncidentChanges(report_ids=[i for i in ids if i]))
    from drachma.store import groups as group_store

    with store.begin() as conn:
        group = group_store.find_group(conn, "Northfield Child Watch")
    assert group is not None and group.id is not None
    assert first.id and second.id and third.id
    return Case(detail.id, group.id, first.id, second.id, third.id)
