"""Incidents: opened from a call with only place, group and stream; resolved to district and
force; people with roles; a timeline; filtered lists; audited reads; bad input changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from drachma.access.audit import view_audit
from drachma.errors import PermissionDenied, ValidationError
from drachma.incidents import records
from drachma.incidents.errors import FutureTimeError, UnknownGroupError, UnknownPlaceError
from drachma.incidents.export import event_json, incident_json, subject_json
from drachma.model.incident import EventKind, IncidentFilters, IncidentSubject, SubjectRole
from drachma.model.mention import Mention, MentionType
from drachma.model.roles import Role
from drachma.store import groups as group_store
from drachma.store import mentions as mention_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from drachma.store.tables import mentions
from tests.conftest import ActorFactory
from tests.test_incidents_support import GROUP, STREAM, add_group, live_incident, row_counts

INCIDENT_TABLES = ("incidents", "incident_events", "incident_groups", "groups", "places")


def test_a_live_incident_needs_only_place_group_and_stream(store: Store,
                                                           make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    add_group(store)
    detail = records.new_incident(store, officer, records.IncidentDraft(
        place="rochdale", groups=["ncw"], stream_urls=[STREAM]))
    assert detail.incident.place == "Rochdale"
    assert detail.district == "Rochdale"
    assert detail.incident.force == "greater-manchester"
    assert detail.incident.groups == [GROUP]  # the alias resolved to the group's name
    assert detail.incident.live_streamed
    assert datetime.now(UTC) - detail.incident.occurred_at < timedelta(minutes=1)
    view = records.get_incident(store, officer, detail.id or 0)
    assert [e.kind for e in view.timeline] == [EventKind.CREATED]
    assert view.timeline[0].actor_name == officer.name


def test_an_unknown_place_is_offered_as_new_never_created_silently(
        store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    add_group(store)
    before = row_counts(store, *INCIDENT_TABLES)
    draft = records.IncidentDraft(place="Quarry Bank Retail Park", groups=[GROUP],
                                  stream_urls=[STREAM])
    with pytest.raises(UnknownPlaceError, match="not in the gazetteer") as caught:
        records.new_incident(store, officer, draft)
    assert caught.value.field == "place"
    assert row_counts(store, *INCIDENT_TABLES) == before
    draft.new_place = True
    with pytest.raises(ValidationError, match="force"):
        records.new_incident(store, officer, draft)
    draft.force = "Merseyside"
    detail = records.new_incident(store, officer, draft)
    assert detail.incident.force == "merseyside"
    # Recorded once, found the next time without asking again.
    again = records.resolve_place(store, "quarry bank retail park")
    assert again.force == "merseyside"


def test_an_unknown_group_is_refused_unless_recorded_as_new(store: Store,
                                                            make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    before = row_counts(store, *INCIDENT_TABLES)
    draft = records.IncidentDraft(place="Bolton", groups=["Invented Hunters North"],
                                  stream_urls=[STREAM])
    with pytest.raises(UnknownGroupError, match="not known"):
        records.new_incident(store, officer, draft)
    assert row_counts(store, *INCIDENT_TABLES) == before
    draft.new_groups = True
    records.new_incident(store, officer, draft)
    with store.begin() as conn:
        group = group_store.find_group(conn, "invented hunters north")
    assert group is not None and not group.confirmed


@pytest.mark.parametrize("field", ["occurred_at", "police_called_at", "police_arrived_at"])
def test_a_time_in_the_future_is_refused_and_nothing_stored(
        store: Store, make_actor: ActorFactory, field: str) -> None:
    officer = make_actor(Role.OFFICER)
    add_group(store)
    before = row_counts(store, *INCIDENT_TABLES)
    draft = records.IncidentDraft(place="Rochdale", groups=[GROUP], stream_urls=[STREAM])
    setattr(draft, field, datetime.now(UTC) + timedelta(hours=1))
    with pytest.raises(FutureTimeError) as caught:
        records.new_incident(store, officer, draft)
    assert caught.value.field == field
    assert row_counts(store, *INCIDENT_TABLES) == before


def test_bad_stream_urls_and_impossible_times_are_refused(store: Store,
                                                          make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    add_group(store)
    with pytest.raises(ValidationError, match="not a web address"):
        records.new_incident(store, officer, records.IncidentDraft(
            place="Rochdale", groups=[GROUP], stream_urls=["javascript:alert(1)"]))
    now = datetime.now(UTC)
    with pytest.raises(ValidationError, match="arrived before"):
        records.new_incident(store, officer, records.IncidentDraft(
            place="Rochdale", groups=[GROUP], police_called_at=now - timedelta(minutes=5),
            police_arrived_at=now - timedelta(minutes=10)))


def test_police_times_go_on_the_timeline_in_order(store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    detail = live_incident(store, officer, minutes_ago=30)
    now = datetime.now(UTC)
    records.change_incident(store, officer, detail.id or 0, records.IncidentChanges(
        police_called_at=now - timedelta(minutes=25), police_arrived_at=now - timedelta(minutes=9),
        viewers=412))
    view = records.get_incident(store, officer, detail.id or 0)
    # In the order things happened (the record was opened after the police were called).
    assert [e.kind for e in view.timeline] == [
        EventKind.POLICE_CALLED, EventKind.POLICE_ARRIVED, EventKind.CREATED, EventKind.CHANGED]
    assert [e.at for e in view.timeline] == sorted(e.at for e in view.timeline)
    assert view.detail.incident.viewers == 412 and view.detail.incident.police_attended


def test_lists_filter_by_date_area_force_group_status_and_risk_and_page(
        store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    add_group(store, "Southside Decoys")
    for place in ("Rochdale", "Rochdale", "Bolton", "Leeds"):
        live_incident(store, officer, place=place)
    live_incident(store, officer, place="Leeds", group="Southside Decoys", minutes_ago=60 * 24 * 3)

    def ids(**kwargs: str) -> int:
        return records.list_incidents(store, officer, records.parse_filters(**kwargs))[1]

    assert ids() == 5
    assert ids(area="rochdale") == 2
    assert ids(force="West Yorkshire Police") == 2
    assert ids(group="southside decoys") == 1
    assert ids(since=(datetime.now(UTC) - timedelta(days=1)).strftime("%d/%m/%Y")) == 4
    assert ids(status="open") == 5 and ids(status="closed") == 0
    assert ids(risk="high") == 0
    page, total = records.list_incidents(store, officer, IncidentFilters(), limit=2, offset=4)
    assert total == 5 and len(page) == 1
    with pytest.raises(ValidationError, match="unknown risk level"):
        records.parse_filters(risk="severe")


def test_people_have_roles_and_every_read_of_them_is_audited(
        store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    supervisor = make_actor(Role.SUPERVISOR)
    detail = live_incident(store, officer)
    subject, _ = records.add_subject(store, officer, detail.id or 0, IncidentSubject(
        role=SubjectRole.SUBJECT, name="Gavin Threlfall", postcode="ol16 1aa",
        handles=["@gthrelfall"]))
    records.add_subject(store, officer, detail.id or 0, IncidentSubject(
        role=SubjectRole.PARTNER_OR_CARER, name="Dawn Threlfall"))
    assert subject.postcode == "OL16 1AA"
    view = records.get_incident(store, officer, detail.id or 0)
    assert [s.role for s in view.subjects] == [SubjectRole.SUBJECT, SubjectRole.PARTNER_OR_CARER]
    events, _ = view_audit(store, supervisor, AuditFilters(record_kind="incident_subject"))
    reads = [e for e in events if e.action.value == "read"]
    assert {e.record_id for e in reads} == {str(s.id) for s in view.subjects}
    assert all(e.actor_name == officer.name for e in reads)


def test_an_analyst_may_read_but_not_open_an_incident(store: Store,
                                                      make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    add_group(store)
    with pytest.raises(PermissionDenied):
        records.new_incident(store, analyst, records.IncidentDraft(
            place="Rochdale", groups=[GROUP], stream_urls=[STREAM]))
    admin = make_actor(Role.ADMIN)
    with pytest.raises(PermissionDenied):
        records.list_incidents(store, admin, IncidentFilters())


def test_opening_from_a_report_prefills_and_marks_machine_values_until_confirmed(
        store: Store, make_actor: ActorFactory) -> None:
    from drachma.reports import ReportDraft, add_report

    officer = make_actor(Role.OFFICER)
    add_group(store)
    text = ("Members of Northfield Child Watch streamed on Facebook a confrontation in Rochdale "
            "with a man who believed he was talking to a 13-year-old girl.")
    report = add_report(store, officer, ReportDraft(title="Stream", body=text, grading="2BP"))
    assert report.id is not None

    def span(word: str) -> tuple[int, int]:
        start = text.index(word)
        return start, start + len(word)

    found = [Mention(MentionType.GROUP, *span(GROUP), GROUP, GROUP, 0.9),
             Mention(MentionType.PLACE, *span("Rochdale"), "Rochdale", "Rochdale", 0.9),
             Mention(MentionType.PLATFORM, *span("Facebook"), "Facebook", "Facebook", 0.9),
             Mention(MentionType.AGE_DECOY, *span("13"), "13", "13", 0.8)]
    with store.begin() as conn:
        stored = mention_store.replace_pending(conn, report.id, found)
        place_id = next(m.id for m in stored if m.type is MentionType.PLACE)
        conn.execute(update(mentions).where(mentions.c.id == place_id).values(review="confirmed"))
    detail = records.open_from_report(store, officer, report.id)
    assert detail.incident.place == "Rochdale" and detail.incident.force == "greater-manchester"
    assert detail.incident.groups == [GROUP] and detail.incident.platform == "Facebook"
    assert detail.incident.decoy_age_claimed == 13 and detail.incident.report_ids == [report.id]
    assert detail.machine_read == ["decoy_age_claimed", "groups", "platform"]  # place confirmed
    confirmed = records.change_incident(store, officer, detail.id or 0, records.IncidentChanges(
        confirm=["groups", "platform"]))
    assert confirmed.machine_read == ["decoy_age_claimed"]
    kinds = [e.kind for e in records.get_incident(store, officer, detail.id or 0).timeline]
    assert EventKind.CONFIRMED in kinds


def test_arrest_and_charge_are_recorded_on_the_timeline_and_set_the_outcome(
        store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    detail = live_incident(store, officer)
    records.record_event(store, officer, detail.id or 0, EventKind.ARREST, note="at the scene")
    records.record_event(store, officer, detail.id or 0, EventKind.CHARGE)
    view = records.get_incident(store, officer, detail.id or 0)
    assert [e.kind for e in view.timeline][-2:] == [EventKind.ARREST, EventKind.CHARGE]
    assert view.detail.incident.outcome == "charged"
    with pytest.raises(ValidationError, match="recorded by Drachma itself"):
        records.record_event(store, officer, detail.id or 0, EventKind.ASSESSED)
    records.close_incident(store, officer, detail.id or 0, "charged; file passed to CPS")
    with pytest.raises(ValidationError, match="already closed"):
        records.close_incident(store, officer, detail.id or 0, "again")


GUILT_WORDS = ("paedophile", "offender", "guilty", "predator", "perpetrator", "suspect")


def test_no_text_about_a_person_states_guilt(store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    detail = live_incident(store, officer)
    records.add_subject(store, officer, detail.id or 0, IncidentSubject(
        role=SubjectRole.SUBJECT, name="Gavin Threlfall"))
    view = records.get_incident(store, officer, detail.id or 0)
    text = json.dumps([incident_json(view.detail), [subject_json(s) for s in view.subjects],
                       [event_json(e) for e in view.timeline]]).lower()
    assert "the subject" in text
    assert not [w for w in GUILT_WORDS if w in text]
