"""What an export carries, gathered under the actor's access rules and stripped of what must not
leave: one read, in one transaction, audited with the id of every record it carries.

Stripped before any format sees it (``docs/sharing.md``): the source's identity and reference
(only the source *kind* stays), a report's raw text (only its sanitised text is shared), who
created a record, stream URLs, street addresses, postcodes and online handles of people, and the
people in an incident other than the subject of the group's allegation (household members,
witnesses, group members). A report the actor may not see (handling code C whose conditions do
not name their role) is never loaded, so it cannot be exported; nor is its existence counted.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TypeVar
from urllib.parse import urlencode

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import (
    GroupExported,
    IncidentExported,
    IncidentsExported,
    PersonExported,
    PersonProfileExported,
    ReportsExported,
)
from drachma.access.permissions import Permission
from drachma.errors import NotFoundError, PermissionDenied, ValidationError
from drachma.gazetteers import find_places
from drachma.link.profiles import profile_for_export, shared_source
from drachma.model.grading import Grading
from drachma.model.incident import IncidentDetail, IncidentFilters, SubjectRole
from drachma.model.report import Report
from drachma.store import entities as entity_store
from drachma.store import incidents as incident_store
from drachma.store import sharing as sharing_store
from drachma.store.db import Connection, Store
from drachma.store.reports import ReportFilters

_E = TypeVar("_E", bound=enum.StrEnum)

#: Most records (reports + incidents) one export may carry; a larger set is refused by name.
MAX_RECORDS = 2_000


class ExportKind(enum.StrEnum):
    PERSON = "person"
    GROUP = "group"
    INCIDENT = "incident"
    REPORTS = "reports"
    INCIDENTS = "incidents"


class ExportFormat(enum.StrEnum):
    STIX = "stix"
    FTM = "ftm"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class Selection:
    """What to export: one person, group or incident by id, or every report or incident that
    matches the filters (the same filters as the lists)."""

    kind: ExportKind
    record_id: int | None = None
    report_filters: ReportFilters = field(default_factory=ReportFilters)
    incident_filters: IncidentFilters = field(default_factory=IncidentFilters)

    def __post_init__(self) -> None:
        single = self.kind in (ExportKind.PERSON, ExportKind.GROUP, ExportKind.INCIDENT)
        if single and (self.record_id is None or self.record_id < 1):
            raise ValidationError(f"exporting a {self.kind.value} needs its number",
                                  field="record_id")
        if not single and self.record_id is not None:
            raise ValidationError(f"exporting {self.kind.value} takes filters, not a number",
                                  field="record_id")

    def describe(self) -> str:
        if self.record_id is not None:
            return f"{self.kind.value} {self.record_id}"
        filters = self.report_filters if self.kind is ExportKind.REPORTS \
            else self.incident_filters
        shown = _filter_text(filters)
        return f"{self.kind.value} ({shown or 'no filters'})"


def _filter_text(filters: ReportFilters | IncidentFilters) -> str:
    values = {name: getattr(filters, name) for name in filters.__slots__
              if getattr(filters, name) is not None}
    return urlencode({k: getattr(v, "value", v) for k, v in values.items()})


def _choice(choices: type[_E], text: str, noun: str, field: str) -> _E:
    try:
        return choices(text.strip().lower())
    except ValueError:
        names = ", ".join(c.value for c in choices)
        raise ValidationError(f"unknown {noun} {text!r}; {noun}s are: {names}",
                              field=field) from None


def parse_kind(text: str) -> ExportKind:
    return _choice(ExportKind, text, "export", "kind")


def parse_format(text: str) -> ExportFormat:
    return _choice(ExportFormat, text, "format", "format")


# --------------------------------------------------------------------------------------------
# What leaves: plain values, already stripped


@dataclass(frozen=True, slots=True)
class SharedPlace:
    name: str
    district: str | None = None
    force: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class SharedReport:
    """A report as shared: its sanitised text only (``text`` is None when it has none)."""

    id: int
    title: str
    text: str | None
    received_at: datetime
    occurred_on: date | None
    force: str | None
    source_kind: str
    grading: Grading
    incident_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SharedIncident:
    id: int
    occurred_at: datetime
    place: SharedPlace | None
    force: str | None
    groups: tuple[str, ...]
    decoy_age_claimed: int | None
    live_streamed: bool
    platform: str | None
    police_attended: bool
    outcome: str | None
    status: str
    report_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class SharedGroup:
    name: str
    aliases: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()
    area_force: str | None = None
    status: str = "unknown"
    confirmed: bool = False
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SharedStatement:
    """One value of a person's linkage profile and the record that said it ("person record
    12", "named in report 4"): a property (name, alias, date of birth), never an address,
    postcode or handle."""

    property: str
    value: str
    source: str


@dataclass(frozen=True, slots=True)
class SharedPerson:
    """A person as shared: the subject of an allegation, never stated as having offended.
    ``key`` is ``person-<id>`` or ``subject-<id>`` (an incident's subject). ``profile`` is what
    the records of the person's confirmed linkage profile say, each value with its record (those
    the exporting user may see; empty when the person is in no profile)."""

    key: str
    name: str
    aliases: tuple[str, ...]
    date_of_birth: date | None
    incident_ids: tuple[int, ...] = ()
    profile: tuple[SharedStatement, ...] = ()
    profile_id: int | None = None


@dataclass(frozen=True, slots=True)
class Shared:
    """Everything one export carries."""

    selection: Selection
    exported_at: datetime
    reports: tuple[SharedReport, ...] = ()
    incidents: tuple[SharedIncident, ...] = ()
    groups: tuple[SharedGroup, ...] = ()
    persons: tuple[SharedPerson, ...] = ()

    @property
    def count(self) -> int:
        return len(self.reports) + len(self.incidents) + len(self.groups) + len(self.persons)


def _report(report: Report, incident_ids: list[int]) -> SharedReport:
    assert report.id is not None
    # Only a report prepared for dissemination (one with a sanitised text) shares its title: a
    # title is typed by whoever took the report in and may name the source.
    title = report.title if report.sanitised_text else f"Report {report.id} (title withheld)"
    return SharedReport(
        id=report.id, title=title, text=report.sanitised_text,
        received_at=report.received_at, occurred_on=report.occurred_on, force=report.force,
        source_kind=report.source_kind.value, grading=report.grading,
        incident_ids=tuple(incident_ids))


def _place(detail: IncidentDetail) -> SharedPlace | None:
    name = detail.incident.place
    if not name:
        return None
    found = [p for p in find_places(name) if not detail.incident.force
             or p.force == detail.incident.force] or find_places(name)
    if found:
        p = found[0]
        return SharedPlace(name=p.name, district=p.district or detail.district,
                           force=p.force or detail.incident.force,
                           latitude=p.latitude, longitude=p.longitude)
    return SharedPlace(name=name, district=detail.district, force=detail.incident.force)


def _incident(detail: IncidentDetail, visible_reports: set[int]) -> SharedIncident:
    incident = detail.incident
    assert incident.id is not None
    return SharedIncident(
        id=incident.id, occurred_at=incident.occurred_at, place=_place(detail),
        force=incident.force, groups=tuple(incident.groups),
        decoy_age_claimed=incident.decoy_age_claimed, live_streamed=incident.live_streamed,
        platform=incident.platform, police_attended=incident.police_attended,
        outcome=incident.outcome, status=detail.status.value,
        report_ids=tuple(r for r in incident.report_ids if r in visible_reports))


def _require_incidents(actor: Actor) -> None:
    if not (actor.can(Permission.MANAGE_INCIDENTS) or actor.can(Permission.READ_PERSONS)):
        raise PermissionDenied(f"the {actor.role.label} role may not read incidents",
                               field="role")


def _ids(values: object) -> str:
    return ",".join(str(v) for v in values)  # type: ignore[attr-defined]


class _Gathering:
    """One export's reads inside one transaction."""

    def __init__(self, conn: Connection, actor: Actor) -> None:
        self.conn = conn
        self.actor = actor
        self.reports: dict[int, SharedReport] = {}
        self.incidents: dict[int, SharedIncident] = {}
        self.groups: dict[str, SharedGroup] = {}
        self.persons: dict[str, SharedPerson] = {}

    def check_size(self, extra: int = 0) -> None:
        if len(self.reports) + len(self.incidents) + extra > MAX_RECORDS:
            raise ValidationError(
                f"an export carries at most {MAX_RECORDS:,} reports and incidents; narrow the "
                "filters", field="filters")

    def add_reports(self, ids: list[int]) -> None:
        wanted = [i for i in dict.fromkeys(ids) if i not in self.reports]
        if not wanted or not self.actor.can(Permission.READ_REPORTS):
            return
        found = sharing_store.visible_reports(self.conn, self.actor.visibility, wanted)
        links = sharing_store.incident_report_links(
            self.conn, [r.id for r in found if r.id], by="report")
        for report in found:
            assert report.id is not None
            self.reports[report.id] = _report(report, links.get(report.id, []))
        self.check_size()

    def add_incidents(self, details: list[IncidentDetail], *, with_subjects: bool) -> None:
        ids = [d.incident.id for d in details if d.incident.id is not None]
        self.check_size(len(ids))
        links = sharing_store.incident_report_links(self.conn, ids, by="incident")
        for detail in details:
            assert detail.incident.id is not None
            detail.incident.report_ids = links.get(detail.incident.id, [])
        self.add_reports([r for i in ids for r in links.get(i, [])])
        visible = set(self.reports)
        for detail in details:
            shared = _incident(detail, visible)
            self.incidents[shared.id] = shared
            for name in shared.groups:
                self.add_group_named(name)
            if with_subjects:
                self.add_subjects(shared.id)

    def add_group_named(self, name: str) -> None:
        from drachma.store.groups import find_group

        if name.lower() in {k.lower() for k in self.groups}:
            return
        group = find_group(self.conn, name)
        if group is None:
            self.groups[name] = SharedGroup(name=name)
        else:
            self.groups[group.name] = SharedGroup(
                name=group.name, aliases=tuple(group.aliases), pages=tuple(group.pages),
                area_force=group.area_force, status=group.status.value,
                confirmed=group.confirmed, id=group.id)

    def add_subjects(self, incident_id: int) -> None:
        """The subject of the group's allegation in an incident; nobody else in it."""
        if not self.actor.can(Permission.READ_PERSONS):
            return
        for subject in incident_store.subjects_of(self.conn, incident_id):
            if subject.role is not SubjectRole.SUBJECT:
                continue
            key = f"subject-{subject.id}"
            self.persons[key] = SharedPerson(
                key=key, name=subject.name, aliases=tuple(subject.aliases),
                date_of_birth=subject.date_of_birth, incident_ids=(incident_id,))

    def subject_ids(self) -> str:
        return _ids(k.removeprefix("subject-") for k in self.persons if k.startswith("subject-"))

    def result(self, selection: Selection) -> Shared:
        return Shared(
            selection=selection, exported_at=datetime.now(UTC),
            reports=tuple(self.reports.values()), incidents=tuple(self.incidents.values()),
            groups=tuple(self.groups.values()), persons=tuple(self.persons.values()))


def gather(store: Store, actor: Actor, selection: Selection, fmt: ExportFormat) -> Shared:
    """Read what ``selection`` names that ``actor`` may see, stripped, and audit the export."""
    with store.begin() as conn:
        got = _Gathering(conn, actor)
        kind = selection.kind
        if kind is ExportKind.PERSON:
            _gather_person(got, selection, fmt)
        elif kind is ExportKind.GROUP:
            _gather_group(got, selection, fmt)
        elif kind is ExportKind.INCIDENT:
            _require_incidents(actor)
            assert selection.record_id is not None
            detail = incident_store.get_incident(conn, selection.record_id)
            if detail is None:
                raise NotFoundError(f"no incident {selection.record_id}", field="record_id")
            got.add_incidents([detail], with_subjects=True)
            audit.record(conn, actor, IncidentExported(
                incident_id=selection.record_id, format=fmt.value, reports=_ids(got.reports),
                subjects=got.subject_ids()))
        elif kind is ExportKind.REPORTS:
            actor.require(Permission.READ_REPORTS)
            ids = sharing_store.visible_report_ids(conn, actor.visibility,
                                                   selection.report_filters,
                                                   limit=MAX_RECORDS + 1)
            got.check_size(len(ids))
            got.add_reports(ids)
            audit.record(conn, actor, ReportsExported(
                format=fmt.value, filters=_filter_text(selection.report_filters),
                reports=_ids(got.reports)))
        else:
            _require_incidents(actor)
            details, total = incident_store.list_incidents(
                conn, selection.incident_filters, limit=MAX_RECORDS + 1, offset=0)
            got.check_size(total)
            got.add_incidents(details, with_subjects=True)
            audit.record(conn, actor, IncidentsExported(
                format=fmt.value, filters=_filter_text(selection.incident_filters),
                incidents=_ids(got.incidents), reports=_ids(got.reports),
                subjects=got.subject_ids()))
        return got.result(selection)


def _gather_person(got: _Gathering, selection: Selection, fmt: ExportFormat) -> None:
    got.actor.require(Permission.READ_PERSONS)
    assert selection.record_id is not None
    person = entity_store.get_person(got.conn, selection.record_id)
    if person is None:
        raise NotFoundError(f"no person {selection.record_id}", field="record_id")
    key = f"person-{person.id}"
    profile = profile_for_export(got.conn, got.actor, "person", selection.record_id)
    statements = tuple(dict.fromkeys(
        SharedStatement(s.property, s.value, shared_source(s))
        for s in (profile.statements if profile else [])))
    got.persons[key] = SharedPerson(key=key, name=person.name, aliases=tuple(person.aliases),
                                    date_of_birth=person.date_of_birth, profile=statements,
                                    profile_id=profile.cluster_id if profile else None)
    audit.record(got.conn, got.actor, PersonExported(person_id=selection.record_id,
                                                     format=fmt.value))
    if profile is not None:
        audit.record(got.conn, got.actor, PersonProfileExported(
            cluster_id=profile.cluster_id, person_id=selection.record_id, format=fmt.value,
            records=_ids(r.id for r in profile.records)))


def _gather_group(got: _Gathering, selection: Selection, fmt: ExportFormat) -> None:
    """A group, the incidents that name it and the reports linked to them that the actor may
    see. The people in those incidents are not carried: a group export is about the group."""
    assert selection.record_id is not None
    group = sharing_store.get_group(got.conn, selection.record_id)
    if group is None:
        raise NotFoundError(f"no group {selection.record_id}", field="record_id")
    got.actor.require(Permission.READ_REPORTS)
    got.add_group_named(group.name)
    if got.actor.can(Permission.MANAGE_INCIDENTS) or got.actor.can(Permission.READ_PERSONS):
        details, total = incident_store.list_incidents(
            got.conn, IncidentFilters(group=group.name), limit=MAX_RECORDS + 1, offset=0)
        got.check_size(total)
        got.add_incidents(details, with_subjects=False)
    audit.record(got.conn, got.actor, GroupExported(
        group_id=selection.record_id, format=fmt.value, incidents=_ids(got.incidents),
        reports=_ids(got.reports)))
