"""Every kind of audit event, one small frozen class each (after datasette's ``events.py``).

A capability records an event by building one of these and passing it to
:func:`drachma.access.audit.record`; the class fixes the action and the kind of record, and its
fields are the only details it can carry. A new capability adds its classes here, so nobody can
misspell a kind or forget a detail, and the audit page and ``drachma audit list`` see one
spelling for each.

Stored rows keep the spelling they were written with (the audit table is append-only); the few
older spellings are read as today's (``OLD_KINDS`` in ``drachma.store.audit``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from typing import ClassVar

from drachma.model.evidence import CustodyAction
from drachma.model.incident import EventKind, LegalBasis, RiskLevel, SubjectRole, TakedownStatus
from drachma.model.mention import Review
from drachma.model.roles import Role
from drachma.model.user import AuditAction

DETAIL_LIMIT = 300  # characters kept of one detail value (a search query, a file's origin...)


class RecordKind(enum.StrEnum):
    """What the ``record_id`` of an audit event names."""

    USER = "user"
    REPORT = "report"
    MENTION = "mention"
    GROUP = "group"
    PERSON = "person"
    SOURCE = "source"
    SOURCE_IDENTITY = "source_identity"
    INGEST_RUN = "ingest_run"
    # analytics
    ANALYTICS_REPORTS = "analytics_reports"
    ANALYTICS_INCIDENTS = "analytics_incidents"
    ANALYTICS_FACTS = "analytics_facts"
    FOI_ANSWER = "foi_answer"
    GROUP_PROFILE = "group_profile"
    # evidence
    EXHIBIT = "exhibit"
    EVIDENCE_PRODUCER = "evidence_producer"
    CUSTODY_EVENT = "custody_event"
    CUSTODY_EVENTS = "custody_events"  # the custody log of one exhibit, by its reference
    DISCLOSURE_ITEM = "disclosure_item"
    DISCLOSURE_SCHEDULE = "disclosure_schedule"
    DISCLOSURE_REPORT = "disclosure_report"
    # incidents
    PLACE = "place"
    INCIDENT = "incident"
    INCIDENT_SUBJECT = "incident_subject"
    INCIDENT_EVENT = "incident_event"
    TAKEDOWN = "takedown"
    TAKEDOWN_TEXT = "takedown_text"
    # safeguarding
    DECONFLICTION = "deconfliction"
    DECONFLICTION_ALERT = "deconfliction_alert"
    ALERT_EMAIL = "alert_email"
    INVESTIGATION = "investigation"
    INVESTIGATION_SUBJECT = "investigation_subject"
    THRIVE_ASSESSMENT = "thrive_assessment"
    SAFEGUARDING_TASK = "safeguarding_task"
    # security and public reporting (issue 13)
    LOGIN_LOCKOUT = "login_lockout"
    PUBLIC_REPORT = "public_report"
    # --- security: sessions, API tokens, second factor ---
    SESSION = "session"
    API_TOKEN = "api_token"
    SECOND_FACTOR = "second_factor"
    # records (issue 13)
    BACKUP = "backup"
    # linkage (issue 11)
    LINKAGE_MODEL = "linkage_model"
    LINKAGE_PAIR = "linkage_pair"
    PERSON_PROFILE = "person_profile"


def _text(value: object, limit: int = DETAIL_LIMIT) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)[:limit]


@dataclass(frozen=True, slots=True)
class AuditedEvent:
    """Base of every event. ``id_field`` names the field holding the record's id (if any); every
    other field that is not None becomes a detail of the stored event, as text. A trailing
    underscore is dropped from a detail's name (``from_`` is stored as ``from``), for the names
    Python or this class keep (``from``, ``kind``)."""

    action: ClassVar[AuditAction]
    kind: ClassVar[RecordKind]
    id_field: ClassVar[str | None] = None
    detail_limit: ClassVar[int] = DETAIL_LIMIT  # characters kept of one detail value

    @property
    def record_id(self) -> str | None:
        value = getattr(self, self.id_field) if self.id_field else None
        return None if value is None else str(value)

    def detail(self) -> dict[str, str]:
        return {
            f.name.rstrip("_"): _text(value, self.detail_limit) for f in fields(self)
            if f.name != self.id_field and (value := getattr(self, f.name)) is not None
        }


# --- users and sessions ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class UserAdded(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.USER, "user_id"
    user_id: int | None
    role: Role


@dataclass(frozen=True, slots=True)
class UserChanged(AuditedEvent):
    """A user's role changed, or the user was disabled (``active`` false) or enabled."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.USER, "user_id"
    user_id: int | None
    role: Role | None = None
    active: bool | None = None


@dataclass(frozen=True, slots=True)
class LoggedIn(AuditedEvent):
    action, kind, id_field = AuditAction.LOGIN, RecordKind.USER, "user_id"
    user_id: int | None


@dataclass(frozen=True, slots=True)
class LogInFailed(AuditedEvent):
    """A wrong username or password (the username as typed; never the password)."""

    action, kind = AuditAction.LOGIN_FAILED, RecordKind.USER
    username: str


@dataclass(frozen=True, slots=True)
class PasswordChanged(AuditedEvent):
    """A password changed (``by``: the user, or an administrator); every session ended."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.USER, "user_id"
    user_id: int | None
    by: str


@dataclass(frozen=True, slots=True)
class LoggedOut(AuditedEvent):
    action, kind, id_field = AuditAction.LOGOUT, RecordKind.USER, "user_id"
    user_id: int | None


# --- reports -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReportAdded(AuditedEvent):
    """A report stored, typed in or taken in by an ingest run (then with the run and origin)."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.REPORT, "report_id"
    report_id: int | None
    grading: str
    ingest_run: int | None = None
    origin: str | None = None
    encoding: str | None = None
    attachments: int | None = None
    public_report: str | None = None  # the public report it was graded from


@dataclass(frozen=True, slots=True)
class ReportRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.REPORT, "report_id"
    report_id: int


@dataclass(frozen=True, slots=True)
class ReportRefused(AuditedEvent):
    """A report its handling conditions keep from the reader's role."""

    action, kind, id_field = AuditAction.DENIED, RecordKind.REPORT, "report_id"
    report_id: int


@dataclass(frozen=True, slots=True)
class ReportsListed(AuditedEvent):
    """A page of the report list was shown: its titles are read too (security, issue 13)."""

    action, kind = AuditAction.READ, RecordKind.REPORT
    offset: int
    shown: str
    total: int
    after: str | None = None  # the page's cursor, when it was reached by one
    before: str | None = None


@dataclass(frozen=True, slots=True)
class ReportsSearched(AuditedEvent):
    action, kind = AuditAction.SEARCH, RecordKind.REPORT
    query: str
    hits: int


# --- mentions and groups -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MentionsRead(AuditedEvent):
    """The mentions of a report read out by machine (stored as kind ``mentions`` before issue 7,
    with the report's id as the record id)."""

    action, kind = AuditAction.CREATE, RecordKind.MENTION
    report_id: int
    count: int


@dataclass(frozen=True, slots=True)
class MentionReviewed(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.MENTION, "mention_id"
    mention_id: int
    decision: Review
    value: str


@dataclass(frozen=True, slots=True)
class GroupAdded(AuditedEvent):
    """A group made known by an analyst's review of a mention."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.GROUP, "group_id"
    group_id: int | None
    from_mention: int


@dataclass(frozen=True, slots=True)
class GroupConfirmed(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.GROUP, "group_id"
    group_id: int
    confirmed: bool = True


# --- persons and sources -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PersonRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.PERSON, "person_id"
    person_id: int


@dataclass(frozen=True, slots=True)
class PersonRefused(AuditedEvent):
    action, kind, id_field = AuditAction.DENIED, RecordKind.PERSON, "person_id"
    person_id: int


@dataclass(frozen=True, slots=True)
class SourceAdded(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.SOURCE, "source_id"
    source_id: int | None


@dataclass(frozen=True, slots=True)
class SourceIdentityRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.SOURCE_IDENTITY, "source_id"
    source_id: int


@dataclass(frozen=True, slots=True)
class SourceIdentityRefused(AuditedEvent):
    action, kind, id_field = AuditAction.DENIED, RecordKind.SOURCE_IDENTITY, "source_id"
    source_id: int


# --- intake ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class IngestRunStarted(AuditedEvent):
    """An ingest run begun on files and folders (``paths``: how many) or on one upload."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.INGEST_RUN, "run_id"
    run_id: int
    grading: str
    paths: int | None = None
    upload: str | None = None


@dataclass(frozen=True, slots=True)
class IngestRunResumed(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.INGEST_RUN, "run_id"
    run_id: int
    status: str = "resumed"


@dataclass(frozen=True, slots=True)
class IngestRunFinished(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.INGEST_RUN, "run_id"
    run_id: int
    stored: int
    duplicates: int
    failed: int
    status: str = "finished"


@dataclass(frozen=True, slots=True)
class MentionsReread(AuditedEvent):
    """A report's mentions read out again by a newer extractor (stored as kind ``mentions``
    before issue 7, with the report's id as the record id)."""

    action, kind = AuditAction.CHANGE, RecordKind.MENTION
    report_id: int
    reprocessed: str
    count: int


# --- analytics ---------------------------------------------------------------------------------
# ``filters``: the filters that were set, as the query string of the list behind a figure.

@dataclass(frozen=True, slots=True)
class CountedReportsListed(AuditedEvent):
    """The reports behind a figure listed (one page)."""

    action, kind = AuditAction.SEARCH, RecordKind.ANALYTICS_REPORTS
    filters: str
    shown: int


@dataclass(frozen=True, slots=True)
class CountedIncidentsListed(AuditedEvent):
    """The incidents behind a figure listed (one page)."""

    action, kind = AuditAction.SEARCH, RecordKind.ANALYTICS_INCIDENTS
    filters: str
    shown: int


@dataclass(frozen=True, slots=True)
class AnalyticsFactsRefreshed(AuditedEvent):
    action, kind = AuditAction.CHANGE, RecordKind.ANALYTICS_FACTS
    report_facts: int
    incident_facts: int


@dataclass(frozen=True, slots=True)
class FoiAnswered(AuditedEvent):
    """A freedom-of-information question answered (``reference``: the request's, if given)."""

    action, kind, id_field = AuditAction.READ, RecordKind.FOI_ANSWER, "reference"
    reference: str | None
    filters: str
    subject: str
    by: str
    threshold: int


@dataclass(frozen=True, slots=True)
class GroupProfileRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.GROUP_PROFILE, "group_id"
    group_id: int | None
    group: str
    filters: str
    reports_listed: str


# --- evidence ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ExhibitsReceived(AuditedEvent):
    """Exhibits produced from one handover (``reference``: the first exhibit's)."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.EXHIBIT, "reference"
    reference: str
    exhibits: int
    from_: str
    reason: str


@dataclass(frozen=True, slots=True)
class ExhibitRedacted(AuditedEvent):
    """A redacted copy of an exhibit produced as an exhibit of its own."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.EXHIBIT, "reference"
    reference: str
    redaction_of: str


@dataclass(frozen=True, slots=True)
class ExhibitsSearched(AuditedEvent):
    action, kind = AuditAction.SEARCH, RecordKind.EXHIBIT
    offset: int
    parent: str


@dataclass(frozen=True, slots=True)
class ExhibitRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.EXHIBIT, "reference"
    reference: str


@dataclass(frozen=True, slots=True)
class ExhibitOpened(AuditedEvent):
    """An exhibit's content viewed, downloaded, copied or exported (a custody action)."""

    action, kind, id_field = AuditAction.READ, RecordKind.EXHIBIT, "reference"
    reference: str
    custody: CustodyAction
    reason: str


@dataclass(frozen=True, slots=True)
class ExhibitHandled(AuditedEvent):
    """Any other custody action on an exhibit (transferred, returned, destroyed...)."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.EXHIBIT, "reference"
    reference: str
    custody: CustodyAction
    reason: str


@dataclass(frozen=True, slots=True)
class EvidenceProducerAdded(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.EVIDENCE_PRODUCER, "initials"
    initials: str


@dataclass(frozen=True, slots=True)
class CustodyLogRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.CUSTODY_EVENTS, "reference"
    reference: str


@dataclass(frozen=True, slots=True)
class CustodyEventRedacted(AuditedEvent):
    """At a retention review, an event's actor, reason and salt removed (its digest kept)."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.CUSTODY_EVENT, "seq"
    seq: int
    reason: str
    change: str = "redacted"


@dataclass(frozen=True, slots=True)
class DisclosureItemAdded(AuditedEvent):
    """``item``: investigation/number."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.DISCLOSURE_ITEM, "item"
    item: str
    schedule: str


@dataclass(frozen=True, slots=True)
class DisclosureItemRevised(AuditedEvent):
    """``schedule``: old->new (the same when only the description changed)."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.DISCLOSURE_ITEM, "item"
    item: str
    schedule: str


@dataclass(frozen=True, slots=True)
class DisclosureScheduleRead(AuditedEvent):
    """``schedule``: investigation/schedule (or investigation/all)."""

    action, kind, id_field = AuditAction.READ, RecordKind.DISCLOSURE_SCHEDULE, "schedule"
    schedule: str


@dataclass(frozen=True, slots=True)
class DisclosureReportWritten(AuditedEvent):
    """``revision``: investigation/revision of the officer's report."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.DISCLOSURE_REPORT, "revision"
    revision: str


# --- incidents ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PlaceAdded(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.PLACE, "name"
    name: str


@dataclass(frozen=True, slots=True)
class GroupNamedInIncident(AuditedEvent):
    """A group made known by being named in a new incident."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.GROUP, "group_id"
    group_id: int | None
    name: str
    from_: str = "incident"


@dataclass(frozen=True, slots=True)
class IncidentRecorded(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.INCIDENT, "incident_id"
    incident_id: int | None
    place: str
    force: str


@dataclass(frozen=True, slots=True)
class IncidentRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.INCIDENT, "incident_id"
    incident_id: int


@dataclass(frozen=True, slots=True)
class IncidentsSearched(AuditedEvent):
    action, kind = AuditAction.SEARCH, RecordKind.INCIDENT
    filters: str


@dataclass(frozen=True, slots=True)
class IncidentChanged(AuditedEvent):
    """``fields``: the names of the fields changed, comma-separated."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.INCIDENT, "incident_id"
    incident_id: int
    fields: str


@dataclass(frozen=True, slots=True)
class IncidentClosed(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.INCIDENT, "incident_id"
    incident_id: int
    status: str = "closed"


@dataclass(frozen=True, slots=True)
class IncidentEventRecorded(AuditedEvent):
    """An event on an incident's timeline (``kind_``: stored as ``kind``)."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.INCIDENT_EVENT, "event_id"
    event_id: int | None
    incident: int
    kind_: EventKind


@dataclass(frozen=True, slots=True)
class IncidentSubjectAdded(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.INCIDENT_SUBJECT, "subject_id"
    subject_id: int | None
    incident: int
    role: SubjectRole


@dataclass(frozen=True, slots=True)
class IncidentSubjectChanged(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.INCIDENT_SUBJECT, "subject_id"
    subject_id: int
    incident: int


@dataclass(frozen=True, slots=True)
class IncidentSubjectRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.INCIDENT_SUBJECT, "subject_id"
    subject_id: int | None
    incident: int


@dataclass(frozen=True, slots=True)
class TakedownRequested(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.TAKEDOWN, "takedown_id"
    takedown_id: int | None
    incident: int


@dataclass(frozen=True, slots=True)
class TakedownPreserved(AuditedEvent):
    """``preserved``: the exhibit keeping a copy, or that none could be kept."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.TAKEDOWN, "takedown_id"
    takedown_id: int
    preserved: str


@dataclass(frozen=True, slots=True)
class TakedownStatusChanged(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.TAKEDOWN, "takedown_id"
    takedown_id: int
    status: TakedownStatus


@dataclass(frozen=True, slots=True)
class TakedownBasisChanged(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.TAKEDOWN, "takedown_id"
    takedown_id: int
    legal_basis: LegalBasis


@dataclass(frozen=True, slots=True)
class TakedownUnanswered(AuditedEvent):
    """A reminder raised: the platform has not answered the request in time."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.TAKEDOWN, "takedown_id"
    takedown_id: int | None
    reminder: str = "unanswered"


@dataclass(frozen=True, slots=True)
class TakedownTextRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.TAKEDOWN_TEXT, "takedown_id"
    takedown_id: int


# --- safeguarding ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DeconflictionChecked(AuditedEvent):
    """An incident's subject checked against the investigations' subjects."""

    action, kind, id_field = AuditAction.SEARCH, RecordKind.DECONFLICTION, "subject_id"
    subject_id: int | None
    incident: int
    candidates: int
    matches: int


@dataclass(frozen=True, slots=True)
class DeconflictionAlertRaised(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.DECONFLICTION_ALERT, "alert_id"
    alert_id: int | None
    investigation: int
    owner: str


@dataclass(frozen=True, slots=True)
class AlertInboxRead(AuditedEvent):
    action, kind = AuditAction.READ, RecordKind.DECONFLICTION_ALERT
    inbox: str
    shown: int


@dataclass(frozen=True, slots=True)
class AlertRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.DECONFLICTION_ALERT, "alert_id"
    alert_id: int


@dataclass(frozen=True, slots=True)
class AlertRefused(AuditedEvent):
    """An alert opened by someone who is neither its owner nor a supervisor."""

    action, kind, id_field = AuditAction.DENIED, RecordKind.DECONFLICTION_ALERT, "alert_id"
    alert_id: int


@dataclass(frozen=True, slots=True)
class AlertEmailed(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.ALERT_EMAIL, "alert_id"
    alert_id: int | None
    to: str


@dataclass(frozen=True, slots=True)
class InvestigationOpened(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.INVESTIGATION, "investigation_id"
    investigation_id: int | None
    subjects: int


@dataclass(frozen=True, slots=True)
class InvestigationSubjectAdded(AuditedEvent):
    action, kind, id_field = (AuditAction.CREATE, RecordKind.INVESTIGATION_SUBJECT,
                              "subject_id")
    subject_id: int | None
    investigation: int


@dataclass(frozen=True, slots=True)
class InvestigationClosed(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.INVESTIGATION, "investigation_id"
    investigation_id: int
    status: str = "closed"


@dataclass(frozen=True, slots=True)
class ThriveAssessed(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.THRIVE_ASSESSMENT, "assessment_id"
    assessment_id: int | None
    incident: int
    level: RiskLevel


@dataclass(frozen=True, slots=True)
class ThriveHistoryRead(AuditedEvent):
    action, kind = AuditAction.READ, RecordKind.THRIVE_ASSESSMENT
    incident: int


@dataclass(frozen=True, slots=True)
class SafeguardingTaskSet(AuditedEvent):
    """A task set by an assessment from the playbook (``key``: the playbook's task)."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.SAFEGUARDING_TASK, "task_id"
    task_id: int | None
    incident: int
    key: str


@dataclass(frozen=True, slots=True)
class SafeguardingTaskDone(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.SAFEGUARDING_TASK, "task_id"
    task_id: int
    status: str = "done"


@dataclass(frozen=True, slots=True)
class SafeguardingTaskEscalated(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.SAFEGUARDING_TASK, "task_id"
    task_id: int | None
    escalated: str = "overdue"


# --- security and public reporting (issue 13) --------------------------------------------------

@dataclass(frozen=True, slots=True)
class LoginLockedOut(AuditedEvent):
    """Too many failed logins: the account or the address (``lockout``) locked ``until``."""

    action, kind = AuditAction.LOGIN_FAILED, RecordKind.LOGIN_LOCKOUT
    lockout: str
    username: str
    failures: int
    until: str


@dataclass(frozen=True, slots=True)
class LoginUnlocked(AuditedEvent):
    """A lockout lifted by an administrator (``unlocked``: account, address or both)."""

    action, kind = AuditAction.CHANGE, RecordKind.LOGIN_LOCKOUT
    unlocked: str
    username: str
    address: str


@dataclass(frozen=True, slots=True)
class PublicReportSubmitted(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.PUBLIC_REPORT, "reference"
    reference: str
    concern: str
    screenshots: int


@dataclass(frozen=True, slots=True)
class PublicReportsListed(AuditedEvent):
    """A page of the triage queue shown (``listed``: the references, comma-separated)."""

    action, kind = AuditAction.READ, RecordKind.PUBLIC_REPORT
    detail_limit = 1000
    listed: str
    status: str


@dataclass(frozen=True, slots=True)
class PublicReportRead(AuditedEvent):
    """One public report opened in triage (``found``: yes or no, the reference as typed)."""

    action, kind, id_field = AuditAction.READ, RecordKind.PUBLIC_REPORT, "reference"
    reference: str
    found: str
# --- records (issue 13): MoPI review, retention and disposal ------------------------------------

@dataclass(frozen=True, slots=True)
class RecordsDueRead(AuditedEvent):
    """The review queue was read (it shows the titles of the records due)."""

    action, kind = AuditAction.READ, RecordKind.REPORT
    shown: int


@dataclass(frozen=True, slots=True)
class RecordRetained(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.REPORT, "report_id"
    report_id: int
    review_on: str
    reason: str
    decision: str = "retain"


@dataclass(frozen=True, slots=True)
class RecordDisposed(AuditedEvent):
    """A report disposed of under the retention rules; only its content's SHA-256 is kept."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.REPORT, "report_id"
    report_id: int
    retention_group: str
    reason: str
    content_sha256: str
    decision: str = "dispose"


@dataclass(frozen=True, slots=True)
class SubjectAccessGathered(AuditedEvent):
    """Everything held about a named person was gathered for a subject access request (the name
    is in the request's case file, not here)."""

    action, kind = AuditAction.READ, RecordKind.PERSON
    reference: str
    items: int


# --- security: one's sessions, API tokens, the second factor, notices ---------------------------

@dataclass(frozen=True, slots=True)
class SessionsListed(AuditedEvent):
    """A user read the list of their own sessions (addresses and times)."""

    action, kind, id_field = AuditAction.READ, RecordKind.SESSION, "user_id"
    user_id: int | None
    shown: int


@dataclass(frozen=True, slots=True)
class SessionEnded(AuditedEvent):
    """One session ended from the list of sessions (by its user, or the operator)."""

    action, kind, id_field = AuditAction.LOGOUT, RecordKind.SESSION, "session_id"
    session_id: int
    user_id: int | None


@dataclass(frozen=True, slots=True)
class ApiTokenCreated(AuditedEvent):
    action, kind, id_field = AuditAction.CREATE, RecordKind.API_TOKEN, "token_id"
    token_id: int
    user_id: int | None
    name: str
    expires: str


@dataclass(frozen=True, slots=True)
class ApiTokensListed(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.API_TOKEN, "user_id"
    user_id: int | None
    shown: int


@dataclass(frozen=True, slots=True)
class ApiTokenRevoked(AuditedEvent):
    """A token revoked (``why``: by its owner, the operator, a password change, ...)."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.API_TOKEN, "token_id"
    token_id: int | None
    user_id: int | None
    why: str


@dataclass(frozen=True, slots=True)
class SecondFactorStarted(AuditedEvent):
    """A user began setting up a second factor (a new secret, not yet confirmed)."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.SECOND_FACTOR, "user_id"
    user_id: int | None


@dataclass(frozen=True, slots=True)
class SecondFactorEnrolled(AuditedEvent):
    """The first code was right: the second factor is on, with ``recovery_codes`` new codes."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.SECOND_FACTOR, "user_id"
    user_id: int | None
    recovery_codes: int


@dataclass(frozen=True, slots=True)
class SecondFactorRemoved(AuditedEvent):
    """The second factor turned off (``by``: the user, or the operator for a lost phone)."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.SECOND_FACTOR, "user_id"
    user_id: int | None
    by: str


@dataclass(frozen=True, slots=True)
class RecoveryCodesRenewed(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.SECOND_FACTOR, "user_id"
    user_id: int | None
    recovery_codes: int


@dataclass(frozen=True, slots=True)
class SecondFactorFailed(AuditedEvent):
    """A wrong, replayed or expired code (TOTP or recovery code), at log-in or when setting up."""

    action, kind, id_field = AuditAction.LOGIN_FAILED, RecordKind.SECOND_FACTOR, "user_id"
    user_id: int | None
    stage: str


@dataclass(frozen=True, slots=True)
class RecoveryCodeUsed(AuditedEvent):
    """A one-time recovery code was spent at log-in (``left``: how many remain)."""

    action, kind, id_field = AuditAction.LOGIN, RecordKind.SECOND_FACTOR, "user_id"
    user_id: int | None
    left: int


@dataclass(frozen=True, slots=True)
class PasswordChangeNotified(AuditedEvent):
    """The user was told of a password change: a notice at next log-in, and an e-mail
    (``emailed``) when SMTP and a mail domain are configured."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.USER, "user_id"
    user_id: int | None
    emailed: bool
# --- search (issue 10): the search index ---------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SearchIndexRebuilt(AuditedEvent):
    """The search index was built again from every report (words of reports, not shown)."""

    action, kind = AuditAction.CHANGE, RecordKind.REPORT
    reports: int
    seconds: float
# --- sharing (issue 11): exports to other forces and tools, and STIX bundles taken in -----------
# An export is a read of every record it carries: the event names them (ids, comma-separated).

_EXPORT_DETAIL = 16_000  # room for the ids of the largest export (drachma.sharing.MAX_RECORDS)


@dataclass(frozen=True, slots=True)
class PersonExported(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.PERSON, "person_id"
    person_id: int
    format: str


@dataclass(frozen=True, slots=True)
class GroupExported(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.GROUP, "group_id"
    detail_limit = _EXPORT_DETAIL
    group_id: int
    format: str
    incidents: str
    reports: str


@dataclass(frozen=True, slots=True)
class IncidentExported(AuditedEvent):
    """One incident exported with the reports the actor may see and its subjects (ids)."""

    action, kind, id_field = AuditAction.READ, RecordKind.INCIDENT, "incident_id"
    detail_limit = _EXPORT_DETAIL
    incident_id: int
    format: str
    reports: str
    subjects: str


@dataclass(frozen=True, slots=True)
class ReportsExported(AuditedEvent):
    """A filtered set of reports exported (``filters`` as typed; ``reports``: the ids)."""

    action, kind = AuditAction.READ, RecordKind.REPORT
    detail_limit = _EXPORT_DETAIL
    format: str
    filters: str
    reports: str


@dataclass(frozen=True, slots=True)
class IncidentsExported(AuditedEvent):
    action, kind = AuditAction.READ, RecordKind.INCIDENT
    detail_limit = _EXPORT_DETAIL
    format: str
    filters: str
    incidents: str
    reports: str
    subjects: str


@dataclass(frozen=True, slots=True)
class StixBundleImported(AuditedEvent):
    """A STIX bundle from another force taken in as graded reports for review (their ids)."""

    action, kind = AuditAction.CREATE, RecordKind.REPORT
    detail_limit = _EXPORT_DETAIL
    bundle: str
    sender: str
    objects: int
    reports: str


# --- records, more (issue 13): backups, retention of incidents and subjects ---------------------

@dataclass(frozen=True, slots=True)
class BackupMade(AuditedEvent):
    """A backup was taken (``backup``: the folder's name; ``via``: cli or api)."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.BACKUP, "backup"
    backup: str
    files: int
    bytes: int
    revision: str
    via: str


@dataclass(frozen=True, slots=True)
class BackupRestored(AuditedEvent):
    """A backup was restored into this installation (written into the restored audit log)."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.BACKUP, "backup"
    backup: str
    made_at: str
    revision: str


@dataclass(frozen=True, slots=True)
class BackupsListed(AuditedEvent):
    action, kind = AuditAction.READ, RecordKind.BACKUP
    shown: int


@dataclass(frozen=True, slots=True)
class BackupChecked(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.BACKUP, "backup"
    backup: str
    verdict: str


@dataclass(frozen=True, slots=True)
class IncidentRetained(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.INCIDENT, "incident_id"
    incident_id: int
    review_on: str
    reason: str
    decision: str = "retain"


@dataclass(frozen=True, slots=True)
class IncidentDisposed(AuditedEvent):
    """An incident disposed of under the retention rules; only its content's SHA-256 is kept."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.INCIDENT, "incident_id"
    incident_id: int
    retention_group: str
    reason: str
    content_sha256: str
    decision: str = "dispose"


@dataclass(frozen=True, slots=True)
class SubjectRetained(AuditedEvent):
    action, kind, id_field = AuditAction.CHANGE, RecordKind.INVESTIGATION_SUBJECT, "subject_id"
    subject_id: int
    review_on: str
    reason: str
    decision: str = "retain"


@dataclass(frozen=True, slots=True)
class SubjectDisposed(AuditedEvent):
    """An investigation subject disposed of; only its content's SHA-256 is kept."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.INVESTIGATION_SUBJECT, "subject_id"
    subject_id: int
    retention_group: str
    reason: str
    content_sha256: str
    decision: str = "dispose"


# --- linkage (issue 11): people and groups resolved with Splink, reviewed by analysts ------------

@dataclass(frozen=True, slots=True)
class LinkageModelTrained(AuditedEvent):
    """A linkage model trained and stored (``kind_``: person or group)."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.LINKAGE_MODEL, "model_id"
    model_id: int
    kind_: str
    version: int
    backend: str
    records: int


@dataclass(frozen=True, slots=True)
class LinkageRun(AuditedEvent):
    """Candidate pairs scored with a stored model (the whole job, or one new record)."""

    action, kind, id_field = AuditAction.CREATE, RecordKind.LINKAGE_MODEL, "model_id"
    model_id: int
    kind_: str
    scored: int
    new_pairs: int
    record: str | None = None


@dataclass(frozen=True, slots=True)
class LinkageQueueRead(AuditedEvent):
    """A page of the review queue shown (``listed``: the pair ids, comma-separated)."""

    action, kind = AuditAction.READ, RecordKind.LINKAGE_PAIR
    detail_limit = 1000
    kind_: str
    listed: str
    hidden: int


@dataclass(frozen=True, slots=True)
class LinkagePairRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.LINKAGE_PAIR, "pair_id"
    pair_id: int


@dataclass(frozen=True, slots=True)
class LinkageDecided(AuditedEvent):
    """An analyst confirmed or rejected a candidate pair, or undid an earlier decision."""

    action, kind, id_field = AuditAction.CHANGE, RecordKind.LINKAGE_PAIR, "pair_id"
    pair_id: int
    decision: str
    decision_id: int
    cluster_id: int | None = None
    undid: int | None = None


@dataclass(frozen=True, slots=True)
class LinkageRefused(AuditedEvent):
    """A linkage decision or read refused: the actor may not see one of the records."""

    action, kind, id_field = AuditAction.DENIED, RecordKind.LINKAGE_PAIR, "pair_id"
    pair_id: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class PersonProfileRead(AuditedEvent):
    action, kind, id_field = AuditAction.READ, RecordKind.PERSON_PROFILE, "cluster_id"
    cluster_id: int
    records: int


# --- counts (issue 10): rollups kept in step with writes ---------------------------------------

@dataclass(frozen=True, slots=True)
class AnalyticsRebuilt(AuditedEvent):
    """Every fact and count rollup recomputed from the base tables (``drachma analytics
    rebuild``)."""

    action, kind = AuditAction.CHANGE, RecordKind.ANALYTICS_FACTS
    reports: int
    incidents: int
    rollup_rows: int


# --- linkage (issue 11): a person export carrying the merged linkage profile ---------------------

@dataclass(frozen=True, slots=True)
class PersonProfileExported(AuditedEvent):
    """A person export carried the values of the person's linkage profile (a confirmed cluster):
    the linkage records whose statements left (ids, comma-separated)."""

    action, kind, id_field = AuditAction.READ, RecordKind.PERSON_PROFILE, "cluster_id"
    detail_limit = _EXPORT_DETAIL
    cluster_id: int
    person_id: int
    format: str
    records: str


# --- log-in (issue 13): a burst of log-ins refused before any password check --------------------

@dataclass(frozen=True, slots=True)
class LogInRefusedBusy(AuditedEvent):
    """A log-in refused before its password was checked, because as many log-ins at the same
    username or from the same address (``busy``: account or address) were already waiting for
    a check (login.toml ``checks_at_once``). Not counted as a wrong password."""

    action, kind = AuditAction.LOGIN_FAILED, RecordKind.USER
    username: str
    busy: str
