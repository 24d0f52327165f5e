"""Incident records: open one (from a call or from a report), change it, read it, list them, and
its timeline. Every function takes ``(store, actor, ...)``; the CLI, the API and the pages call
these and nothing else.

A person in an incident is "the subject" of the group's allegation: nothing here states guilt,
and every read of a subject's details is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import (
    GroupNamedInIncident,
    IncidentChanged,
    IncidentClosed,
    IncidentEventRecorded,
    IncidentRead,
    IncidentRecorded,
    IncidentsSearched,
    IncidentSubjectAdded,
    IncidentSubjectChanged,
    IncidentSubjectRead,
    PlaceAdded,
)
from drachma.access.permissions import Permission
from drachma.analytics import upkeep
from drachma.errors import DrachmaError, NotFoundError, PermissionDenied, ValidationError
from drachma.gazetteers import find_places, force_by_code, resolve_force
from drachma.incidents import checks
from drachma.incidents.errors import UnknownGroupError, UnknownPlaceError
from drachma.model.entities import Group, Place, PlaceKind
from drachma.model.incident import (
    MANUAL_EVENT_KINDS,
    EventKind,
    Incident,
    IncidentDetail,
    IncidentFilters,
    IncidentStatus,
    IncidentSubject,
    SubjectRole,
    TimelineEvent,
)
from drachma.model.mention import MentionType, Review
from drachma.safeguarding.deconfliction import CheckResult, check_subject
from drachma.store import groups as group_store
from drachma.store import incidents as incident_store
from drachma.store.db import Store

MAX_PAGE = 200
#: Fields that may be filled in from a report's mentions (and so be "read by machine").
MACHINE_FIELDS = ("place", "groups", "decoy_age_claimed", "platform", "force", "occurred_at")


@dataclass(slots=True)
class IncidentDraft:
    """What a call handler knows. Only place, one group and a stream URL are needed at first."""

    place: str
    groups: list[str]
    stream_urls: list[str] = field(default_factory=list)
    occurred_at: datetime | None = None
    address: str | None = None
    force: str | None = None
    platform: str | None = None
    decoy_age_claimed: int | None = None
    viewers: int | None = None
    police_called_at: datetime | None = None
    police_arrived_at: datetime | None = None
    outcome: str | None = None
    report_ids: list[int] = field(default_factory=list)
    #: Record an unknown place / group as new (the user was shown it is unknown and said yes).
    new_place: bool = False
    new_groups: bool = False
    machine_read: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IncidentView:
    """An incident as a person sees it: the record, its people (an audited read) and timeline."""

    detail: IncidentDetail
    subjects: list[IncidentSubject]
    timeline: list[TimelineEvent]
    timeline_total: int


# --------------------------------------------------------------------------------------------
# Resolving what was typed


def resolve_place(store: Store, name: str, *, force: str | None = None, allow_new: bool = False
                  ) -> Place:
    """A gazetteer place (or one recorded before), most specific first; an unknown name is an
    :class:`UnknownPlaceError` unless ``allow_new`` (then a force is needed and it is recorded)."""
    cleaned = checks.text(name, "place", limit=checks.MAX_NAME, required=True)
    assert cleaned is not None
    found = find_places(cleaned)
    if found:
        if force:
            wanted = resolve_force(force).code
            in_force = [p for p in found if p.force == wanted]
            return in_force[0] if in_force else found[0]
        return found[0]
    with store.begin() as conn:
        stored = incident_store.find_place(conn, cleaned)
    if stored is not None:
        return stored
    if not allow_new:
        raise UnknownPlaceError(
            f"place {cleaned!r} is not in the gazetteer; check the spelling, or record it as a "
            "new place (--new-place with --force on the command line)", field="place")
    if not force:
        raise ValidationError(f"a new place {cleaned!r} needs the police force area it is in",
                              field="force")
    return Place(name=cleaned, kind=PlaceKind.VENUE, force=resolve_force(force).code)


def resolve_groups(store: Store, names: list[str], *, allow_new: bool = False
                   ) -> tuple[list[str], list[str]]:
    """(canonical names, names that are new). Unknown groups are refused unless ``allow_new``."""
    if not names or not any(n.strip() for n in names):
        raise ValidationError("name at least one group", field="group")
    if len(names) > checks.MAX_LIST:
        raise ValidationError(f"at most {checks.MAX_LIST} groups", field="group")
    canonical: list[str] = []
    new: list[str] = []
    with store.begin() as conn:
        for raw in names:
            name = checks.text(raw, "group", limit=checks.MAX_NAME)
            if name is None:
                continue
            group = group_store.find_group(conn, name)
            if group is not None:
                canonical.append(group.name)
            elif allow_new:
                canonical.append(name)
                new.append(name)
            else:
                raise UnknownGroupError(
                    f"group {name!r} is not known; check the name, or record it as a new group "
                    "(--new-group on the command line)", field="group")
    return list(dict.fromkeys(canonical)), new


def _require(actor: Actor) -> None:
    actor.require(Permission.MANAGE_INCIDENTS)


def _event(incident_id: int, kind: EventKind, actor: Actor, at: datetime | None = None,
           **detail: str) -> TimelineEvent:
    return TimelineEvent(incident_id=incident_id, kind=kind, at=at or checks.now(),
                         actor_name=actor.name, detail=detail)


# --------------------------------------------------------------------------------------------
# Opening an incident


def new_incident(store: Store, actor: Actor, draft: IncidentDraft) -> IncidentDetail:
    """Open an incident. Everything is checked before anything is written."""
    _require(actor)
    occurred_at = (checks.utc(draft.occurred_at, "occurred_at") if draft.occurred_at
                   else checks.now())
    place = resolve_place(store, draft.place, force=draft.force, allow_new=draft.new_place)
    group_names, new_groups = resolve_groups(store, draft.groups, allow_new=draft.new_groups)
    stream_urls = checks.urls(draft.stream_urls)
    force = place.force or (resolve_force(draft.force).code if draft.force else None)
    if force is None:
        raise ValidationError(f"{place.name} spans several force areas; give the force",
                              field="force")
    called = checks.utc(draft.police_called_at, "police_called_at") \
        if draft.police_called_at else None
    arrived = checks.utc(draft.police_arrived_at, "police_arrived_at") \
        if draft.police_arrived_at else None
    if called and arrived and arrived < called:
        raise ValidationError("police arrived before they were called", field="police_arrived_at")
    detail = IncidentDetail(
        incident=Incident(
            occurred_at=occurred_at,
            place=place.name,
            force=force,
            groups=group_names,
            decoy_age_claimed=checks.count(draft.decoy_age_claimed, "decoy_age_claimed",
                                           maximum=17),
            live_streamed=bool(stream_urls),
            platform=checks.text(draft.platform, "platform", limit=64),
            stream_urls=stream_urls,
            viewers=checks.count(draft.viewers, "viewers", maximum=100_000_000),
            police_attended=arrived is not None,
            outcome=checks.text(draft.outcome, "outcome", limit=64),
            report_ids=list(draft.report_ids),
        ),
        address=checks.text(draft.address, "address", limit=500),
        district=place.district,
        status=IncidentStatus.OPEN,
        police_called_at=called,
        police_arrived_at=arrived,
        created_by=actor.name,
        machine_read=[f for f in draft.machine_read if f in MACHINE_FIELDS],
    )
    with store.begin() as conn:
        if draft.new_place and incident_store.find_place(conn, place.name) is None \
                and not find_places(place.name):
            incident_store.insert_place(conn, place)
            audit.record(conn, actor, PlaceAdded(name=place.name))
        with upkeep.groups_changing(conn):  # records already naming them (analytics)
            for name in new_groups:
                group_id = group_store.insert_group(conn, Group(name=name, area_force=force))
                audit.record(conn, actor, GroupNamedInIncident(group_id=group_id, name=name))
        incident_id = incident_store.insert_incident(conn, detail)
        upkeep.settle(conn, incidents=[incident_id])  # facts and counts in step (analytics)
        incident_store.add_event(conn, _event(incident_id, EventKind.CREATED, actor,
                                              place=place.name, groups=", ".join(group_names)))
        if called:
            incident_store.add_event(conn, _event(incident_id, EventKind.POLICE_CALLED, actor,
                                                  called))
        if arrived:
            incident_store.add_event(conn, _event(incident_id, EventKind.POLICE_ARRIVED, actor,
                                                  arrived))
        audit.record(conn, actor, IncidentRecorded(incident_id=incident_id, place=place.name,
                                                   force=force))
    return detail


def draft_from_report(store: Store, actor: Actor, report_id: int) -> IncidentDraft:
    """A draft pre-filled from a report's mentions. Confirmed (or corrected) mentions are taken
    as they are; extracted ones that nobody has reviewed are marked "read by machine"."""
    from drachma.reports import get_report, mentions_of

    _require(actor)
    report = get_report(store, actor, report_id)  # checks handling conditions, audited
    mentions = [m for m in mentions_of(store, actor, report) if m.review is not Review.REJECTED]
    # Reviewed values win over machine ones; among equals, the most confident.
    mentions.sort(key=lambda m: (m.review is Review.PENDING, -m.confidence, m.start))
    draft = IncidentDraft(place="", groups=[], report_ids=[report_id])
    machine: set[str] = set()

    def first(kind: MentionType) -> tuple[str, bool] | None:
        for m in mentions:
            if m.type is kind and m.value.strip():
                return m.value.strip(), m.review is Review.PENDING
        return None

    for kind, name in ((MentionType.PLACE, "place"), (MentionType.PLATFORM, "platform"),
                       (MentionType.FORCE, "force")):
        got = first(kind)
        if got:
            setattr(draft, name, got[0])
            if got[1]:
                machine.add(name)
    groups = [m for m in mentions if m.type is MentionType.GROUP and m.value.strip()]
    draft.groups = list(dict.fromkeys(m.value.strip() for m in groups))[:checks.MAX_LIST]
    if any(m.review is Review.PENDING for m in groups):
        machine.add("groups")
    age = first(MentionType.AGE_DECOY)
    if age and age[0].isdigit() and int(age[0]) < 18:
        draft.decoy_age_claimed = int(age[0])
        if age[1]:
            machine.add("decoy_age_claimed")
    when = first(MentionType.DATE)
    if when:
        try:
            day = date.fromisoformat(when[0][:10])
        except ValueError:
            day = None
        if day is not None and day <= checks.now().date():
            draft.occurred_at = datetime(day.year, day.month, day.day, 12)
            if when[1]:
                machine.add("occurred_at")
    draft.machine_read = sorted(machine)
    return draft


def open_from_report(store: Store, actor: Actor, report_id: int,
                     change: Callable[[IncidentDraft], IncidentDraft] | None = None
                     ) -> IncidentDetail:
    """Open an incident from a report (``change`` may correct the draft first; a field it
    changes counts as confirmed by the person)."""
    draft = draft_from_report(store, actor, report_id)
    if change is not None:
        changed = change(replace(draft))
        changed.machine_read = [f for f in draft.machine_read
                                if getattr(changed, f) == getattr(draft, f)]
        draft = changed
    if not draft.place:
        raise ValidationError(f"report {report_id} names no place; give the place", field="place")
    if not draft.groups:
        raise ValidationError(f"report {report_id} names no group; give the group", field="group")
    return new_incident(store, actor, draft)


# --------------------------------------------------------------------------------------------
# Reading and listing


def _load(store: Store, incident_id: int) -> IncidentDetail:
    with store.begin() as conn:
        detail = incident_store.get_incident(conn, incident_id)
    if detail is None:
        raise NotFoundError(f"no incident {incident_id}", field="incident_id")
    return detail


def get_incident(store: Store, actor: Actor, incident_id: int, *, timeline_limit: int = 100,
                 timeline_offset: int = 0) -> IncidentView:
    """The incident, its people and a page of its timeline. Reading the people is audited."""
    _require_read(actor)
    limit = _page(timeline_limit)
    with store.begin() as conn:
        detail = incident_store.get_incident(conn, incident_id)
        if detail is None:
            raise NotFoundError(f"no incident {incident_id}", field="incident_id")
        subjects = incident_store.subjects_of(conn, incident_id)
        events, total = incident_store.timeline(conn, incident_id, limit=limit,
                                                offset=max(0, timeline_offset))
        audit.record(conn, actor, IncidentRead(incident_id=incident_id))
        for subject in subjects:
            audit.record(conn, actor, IncidentSubjectRead(subject_id=subject.id,
                                                          incident=incident_id))
    return IncidentView(detail, subjects, events, total)


def may_read(actor: Actor) -> bool:
    """Whether the actor may read incidents (and so count them: ``drachma.analytics``)."""
    return actor.can(Permission.MANAGE_INCIDENTS) or actor.can(Permission.READ_PERSONS)


def _require_read(actor: Actor) -> None:
    if not may_read(actor):
        raise PermissionDenied(f"the {actor.role.label} role may not read incidents",
                               field="role")


def _page(limit: int) -> int:
    if limit < 1 or limit > MAX_PAGE:
        raise ValidationError(f"a page holds 1 to {MAX_PAGE} rows", field="limit")
    return limit


def parse_filters(since: str | None = None, until: str | None = None, area: str | None = None,
                  force: str | None = None, group: str | None = None, status: str | None = None,
                  risk: str | None = None) -> IncidentFilters:
    from drachma.model.dates import parse_date
    from drachma.model.incident import RiskLevel

    try:
        status_value = IncidentStatus(status.strip().lower()) if status else None
    except ValueError:
        raise ValidationError(f"unknown status {status!r}; open or closed",
                              field="status") from None
    try:
        risk_value = RiskLevel(risk.strip().lower()).value if risk else None
    except ValueError:
        raise ValidationError(f"unknown risk level {risk!r}; standard, medium or high",
                              field="risk") from None
    return IncidentFilters(
        since=parse_date(since, "since") if since else None,
        until=parse_date(until, "until") if until else None,
        area=checks.text(area, "area", limit=checks.MAX_NAME),
        force=resolve_force(force).code if force else None,
        group=checks.text(group, "group", limit=checks.MAX_NAME),
        status=status_value,
        risk_level=risk_value,
    )


def list_incidents(store: Store, actor: Actor, filters: IncidentFilters, *, limit: int = 50,
                   offset: int = 0) -> tuple[list[IncidentDetail], int]:
    """A page of incidents, newest first (no personal data in a list), and the total."""
    _require_read(actor)
    with store.begin() as conn:
        found = incident_store.list_incidents(conn, filters, limit=_page(limit),
                                              offset=max(0, offset))
        audit.record(conn, actor, IncidentsSearched(filters=urlencode(
            {k: str(v) for k, v in _filter_detail(filters).items()})))
    return found


def _filter_detail(filters: IncidentFilters) -> dict[str, object]:
    return {name: getattr(filters, name) for name in filters.__slots__
            if getattr(filters, name) is not None}


# --------------------------------------------------------------------------------------------
# Changing


@dataclass(slots=True)
class IncidentChanges:
    """Fields to change; ``None`` leaves a field as it is."""

    stream_urls: list[str] | None = None
    platform: str | None = None
    decoy_age_claimed: int | None = None
    viewers: int | None = None
    police_called_at: datetime | None = None
    police_arrived_at: datetime | None = None
    outcome: str | None = None
    address: str | None = None
    report_ids: list[int] | None = None
    confirm: list[str] = field(default_factory=list)


def change_incident(store: Store, actor: Actor, incident_id: int, changes: IncidentChanges
                    ) -> IncidentDetail:
    """Add what became known. A changed or confirmed field is no longer "read by machine"."""
    _require(actor)
    detail = _load(store, incident_id)
    values: dict[str, Any] = {}
    events: list[TimelineEvent] = []
    if changes.stream_urls is not None:
        values["stream_urls"] = checks.urls(changes.stream_urls)
        values["live_streamed"] = bool(values["stream_urls"])
    if changes.platform is not None:
        values["platform"] = checks.text(changes.platform, "platform", limit=64)
    if changes.decoy_age_claimed is not None:
        values["decoy_age_claimed"] = checks.count(changes.decoy_age_claimed,
                                                   "decoy_age_claimed", maximum=17)
    if changes.viewers is not None:
        values["viewers"] = checks.count(changes.viewers, "viewers", maximum=100_000_000)
    if changes.outcome is not None:
        values["outcome"] = checks.text(changes.outcome, "outcome", limit=64)
    if changes.address is not None:
        values["address"] = checks.text(changes.address, "address", limit=500)
    called = detail.police_called_at
    if changes.police_called_at is not None:
        called = values["police_called_at"] = checks.utc(changes.police_called_at,
                                                         "police_called_at")
        events.append(_event(incident_id, EventKind.POLICE_CALLED, actor, called))
    if changes.police_arrived_at is not None:
        arrived = values["police_arrived_at"] = checks.utc(changes.police_arrived_at,
                                                           "police_arrived_at")
        if called and arrived < called:
            raise ValidationError("police arrived before they were called",
                                  field="police_arrived_at")
        values["police_attended"] = True
        events.append(_event(incident_id, EventKind.POLICE_ARRIVED, actor, arrived))
    unknown = [f for f in changes.confirm if f not in MACHINE_FIELDS]
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not a field read by machine", field="confirm")
    touched = set(values) | set(changes.confirm)
    still_machine = [f for f in detail.machine_read if f not in touched]
    if still_machine != detail.machine_read:
        values["machine_read"] = still_machine
    if not values and not changes.report_ids:
        raise ValidationError("nothing to change", field="incident")
    with store.begin() as conn:
        incident_store.update_incident(conn, incident_id, values)
        if changes.report_ids:
            incident_store.link_reports(conn, incident_id, changes.report_ids)
        upkeep.settle(conn, incidents=[incident_id])  # facts and counts in step (analytics)
        for event in events:
            incident_store.add_event(conn, event)
        changed = sorted(set(values) - {"machine_read", "police_called_at", "police_arrived_at"})
        if changed or changes.report_ids:
            incident_store.add_event(conn, _event(incident_id, EventKind.CHANGED, actor,
                                                  fields=", ".join(changed) or "reports"))
        if changes.confirm:
            incident_store.add_event(conn, _event(incident_id, EventKind.CONFIRMED, actor,
                                                  fields=", ".join(changes.confirm)))
        audit.record(conn, actor, IncidentChanged(incident_id=incident_id, fields=", ".join(
            sorted(touched | ({"reports"} if changes.report_ids else set())))))
    return _load(store, incident_id)


def record_event(store: Store, actor: Actor, incident_id: int, kind: EventKind,
                 at: datetime | None = None, note: str | None = None) -> TimelineEvent:
    """Record an arrest, a charge, a court result or a note on the timeline."""
    _require(actor)
    if kind not in MANUAL_EVENT_KINDS:
        allowed = ", ".join(sorted(k.value for k in MANUAL_EVENT_KINDS))
        raise ValidationError(f"{kind.label!r} is recorded by Drachma itself; by hand: {allowed}",
                              field="kind")
    when = checks.utc(at, "at") if at else checks.now()
    detail: dict[str, str] = {}
    cleaned = checks.text(note, "note")
    if cleaned:
        detail["note"] = cleaned
    _load(store, incident_id)
    event = TimelineEvent(incident_id=incident_id, kind=kind, at=when, actor_name=actor.name,
                          detail=detail)
    with store.begin() as conn:
        event_id = incident_store.add_event(conn, event)
        if kind in (EventKind.ARREST, EventKind.CHARGE, EventKind.COURT_RESULT):
            incident_store.update_incident(conn, incident_id, {"outcome": _OUTCOMES[kind]})
            upkeep.settle(conn, incidents=[incident_id])  # counts in step (analytics)
        audit.record(conn, actor, IncidentEventRecorded(event_id=event_id, incident=incident_id,
                                                        kind_=kind))
    return replace(event, id=event_id)


_OUTCOMES = {EventKind.ARREST: "arrested", EventKind.CHARGE: "charged",
             EventKind.COURT_RESULT: "court_result"}


def close_incident(store: Store, actor: Actor, incident_id: int, reason: str) -> IncidentDetail:
    _require(actor)
    cleaned = checks.text(reason, "reason", required=True)
    assert cleaned is not None
    detail = _load(store, incident_id)
    if detail.status is IncidentStatus.CLOSED:
        raise ValidationError(f"incident {incident_id} is already closed", field="status")
    with store.begin() as conn:
        incident_store.update_incident(conn, incident_id, {"status": IncidentStatus.CLOSED.value})
        incident_store.add_event(conn, _event(incident_id, EventKind.CLOSED, actor,
                                              reason=cleaned))
        audit.record(conn, actor, IncidentClosed(incident_id=incident_id))
    return _load(store, incident_id)


# --------------------------------------------------------------------------------------------
# People in the incident


def _checked_subject(subject: IncidentSubject) -> IncidentSubject:
    from drachma.safeguarding.names import normalise_postcode

    name = checks.text(subject.name, "name", limit=checks.MAX_NAME, required=True)
    assert name is not None
    if subject.date_of_birth and subject.date_of_birth > checks.now().date():
        raise ValidationError("date of birth is in the future", field="date_of_birth")
    for values, label in ((subject.aliases, "alias"), (subject.handles, "handle")):
        if len(values) > checks.MAX_LIST:
            raise ValidationError(f"at most {checks.MAX_LIST} {label}es", field=label)
        for value in values:
            checks.text(value, label, limit=checks.MAX_NAME)
    return IncidentSubject(
        role=subject.role, name=name,
        aliases=[a.strip() for a in subject.aliases if a.strip()],
        date_of_birth=subject.date_of_birth,
        address=checks.text(subject.address, "address", limit=500),
        postcode=normalise_postcode(subject.postcode) if subject.postcode else None,
        handles=[h.strip() for h in subject.handles if h.strip()],
        incident_id=subject.incident_id, id=subject.id,
    )


def add_subject(store: Store, actor: Actor, incident_id: int, subject: IncidentSubject
                ) -> tuple[IncidentSubject, CheckResult]:
    """Add a person with their role; then run the deconfliction check (its result returned:
    show the officer only ``result.officer_lines()``)."""
    _require(actor)
    checked = _checked_subject(subject)
    _load(store, incident_id)
    with store.begin() as conn:
        subject_id = incident_store.insert_subject(conn, incident_id, checked)
        incident_store.add_event(conn, _event(incident_id, EventKind.SUBJECT_ADDED, actor,
                                              role=checked.role.label))
        audit.record(conn, actor, IncidentSubjectAdded(subject_id=subject_id,
                                                       incident=incident_id, role=checked.role))
    return checked, check_subject(store, actor, checked)


def change_subject(store: Store, actor: Actor, subject_id: int, subject: IncidentSubject
                   ) -> tuple[IncidentSubject, CheckResult]:
    """Replace a person's details (a changed subject is checked again)."""
    _require(actor)
    with store.begin() as conn:
        old = incident_store.get_subject(conn, subject_id)
    if old is None:
        raise NotFoundError(f"no person {subject_id} in any incident", field="subject_id")
    checked = _checked_subject(replace(subject, id=subject_id, incident_id=old.incident_id))
    assert old.incident_id is not None
    with store.begin() as conn:
        incident_store.update_subject(conn, checked)
        incident_store.add_event(conn, _event(old.incident_id, EventKind.SUBJECT_CHANGED, actor,
                                              role=checked.role.label))
        audit.record(conn, actor, IncidentSubjectChanged(subject_id=subject_id,
                                                         incident=old.incident_id))
    return checked, check_subject(store, actor, checked)


def parse_role(text: str) -> SubjectRole:
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    if key in ("the_subject", "subject"):
        return SubjectRole.SUBJECT
    try:
        return SubjectRole(key)
    except ValueError:
        names = ", ".join(r.value for r in SubjectRole)
        raise ValidationError(f"unknown role {text!r}; roles are: {names}",
                              field="role") from None


def force_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        return force_by_code(code).name
    except DrachmaError:  # a force code from older data that the gazetteer no longer has
        return code
