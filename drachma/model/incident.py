"""Incidents (a sting or confrontation) and the investigations they must be deconflicted against."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


class InvestigationStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(slots=True)
class Incident:
    """A confrontation by a group, often live-streamed."""

    occurred_at: datetime
    place: str | None
    force: str | None
    groups: list[str] = field(default_factory=list)
    decoy_age_claimed: int | None = None
    live_streamed: bool = False
    platform: str | None = None
    stream_urls: list[str] = field(default_factory=list)
    viewers: int | None = None
    police_attended: bool = False
    outcome: str | None = None
    report_ids: list[int] = field(default_factory=list)
    id: int | None = None


@dataclass(slots=True)
class Investigation:
    """An open police investigation, with its owner, for deconfliction."""

    reference: str
    owner: str
    force: str | None
    status: InvestigationStatus = InvestigationStatus.OPEN
    subject_ids: list[int] = field(default_factory=list)
    id: int | None = None


# --- incidents and safeguarding (issue 9) ---------------------------------------------------
#
# The classes below carry the live-incident workflow: the record itself lives in ``Incident``
# above (extended with the fields a call handler and the officer in charge fill in later), the
# people involved in ``IncidentSubject`` (role per incident, never a property of the person),
# what happened in ``TimelineEvent``, THRIVE in ``ThriveAssessment`` and its ``Task``s,
# deconfliction in ``InvestigationSubject`` and ``DeconflictionAlert``, and ``Takedown``.


class IncidentStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class SubjectRole(str, enum.Enum):
    """A person's part in one incident. "subject" is the subject of the group's allegation."""

    SUBJECT = "subject"
    HOUSEHOLD_MEMBER = "household_member"
    PARTNER_OR_CARER = "partner_or_carer"
    WITNESS = "witness"
    GROUP_MEMBER = "group_member"
    OTHER = "other"

    @property
    def label(self) -> str:
        return "the subject" if self is SubjectRole.SUBJECT else self.value.replace("_", " ")


class EventKind(str, enum.Enum):
    CREATED = "created"
    CHANGED = "changed"
    CONFIRMED = "confirmed"
    SUBJECT_ADDED = "subject_added"
    SUBJECT_CHANGED = "subject_changed"
    POLICE_CALLED = "police_called"
    POLICE_ARRIVED = "police_arrived"
    ASSESSED = "assessed"
    TASK_CREATED = "task_created"
    TASK_DONE = "task_done"
    TASK_ESCALATED = "task_escalated"
    ALERT_RAISED = "alert_raised"
    TAKEDOWN_DRAFTED = "takedown_drafted"
    TAKEDOWN_SENT = "takedown_sent"
    TAKEDOWN_ANSWERED = "takedown_answered"
    TAKEDOWN_REMINDER = "takedown_reminder"
    ARREST = "arrest"
    CHARGE = "charge"
    COURT_RESULT = "court_result"
    NOTE = "note"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


#: Kinds an officer records by hand (the others are written by the actions themselves).
MANUAL_EVENT_KINDS = frozenset(
    {EventKind.ARREST, EventKind.CHARGE, EventKind.COURT_RESULT, EventKind.NOTE}
)


@dataclass(slots=True)
class IncidentSubject:
    """A person in an incident. Personal data: every read is audited."""

    role: SubjectRole
    name: str
    aliases: list[str] = field(default_factory=list)
    date_of_birth: date | None = None
    address: str | None = None
    postcode: str | None = None
    handles: list[str] = field(default_factory=list)
    incident_id: int | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    incident_id: int
    kind: EventKind
    at: datetime
    actor_name: str
    detail: dict[str, str] = field(default_factory=dict)
    recorded_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class IncidentDetail:
    """An incident with the fields added by issue 9 (the 0003 ``Incident`` stays for bulk loads)."""

    incident: Incident
    address: str | None = None
    district: str | None = None
    status: IncidentStatus = IncidentStatus.OPEN
    risk_level: str | None = None
    police_called_at: datetime | None = None
    police_arrived_at: datetime | None = None
    created_by: str | None = None
    #: Fields filled in from a report's mentions that nobody has confirmed yet ("read by machine").
    machine_read: list[str] = field(default_factory=list)

    @property
    def id(self) -> int | None:
        return self.incident.id


@dataclass(frozen=True, slots=True)
class IncidentFilters:
    since: date | None = None
    until: date | None = None
    area: str | None = None  # district (or place) name
    force: str | None = None
    group: str | None = None
    status: IncidentStatus | None = None
    risk_level: str | None = None


class RiskLevel(str, enum.Enum):
    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return ("standard", "medium", "high").index(self.value)


class AssessmentFocus(str, enum.Enum):
    SUBJECT = "subject"
    HOUSEHOLD = "household"


THRIVE_HEADINGS = ("threat", "harm", "risk", "investigation", "vulnerability", "engagement")


@dataclass(frozen=True, slots=True)
class ThriveAssessment:
    """One version of a THRIVE assessment. A reassessment is a new version; none is ever edited."""

    incident_id: int
    focus: AssessmentFocus
    version: int
    factors: tuple[str, ...]
    notes: dict[str, str]
    computed_level: RiskLevel
    level: RiskLevel
    drivers: tuple[str, ...]
    rules_source: str
    assessed_by: str
    assessed_at: datetime
    override_reason: str | None = None
    id: int | None = None


class TaskStatus(str, enum.Enum):
    OPEN = "open"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Task:
    incident_id: int
    key: str
    title: str
    owner_role: str
    due_at: datetime
    status: TaskStatus
    created_at: datetime
    assessment_id: int | None = None
    done_at: datetime | None = None
    done_by: str | None = None
    note: str | None = None
    escalated_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class InvestigationSubject:
    """A subject of an open investigation, held for deconfliction."""

    name: str
    aliases: list[str] = field(default_factory=list)
    date_of_birth: date | None = None
    addresses: list[str] = field(default_factory=list)
    postcodes: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    investigation_id: int | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class DeconflictionAlert:
    incident_id: int
    incident_subject_id: int
    investigation_id: int
    investigation_subject_id: int
    owner_username: str | None
    score: float
    reasons: tuple[str, ...]
    created_at: datetime
    read_at: datetime | None = None
    emailed_at: datetime | None = None
    id: int | None = None


class TakedownStatus(str, enum.Enum):
    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    REMOVED = "removed"
    REFUSED = "refused"
    EXPIRED = "expired"


#: The only status changes a takedown request may make.
TAKEDOWN_TRANSITIONS: dict[TakedownStatus, frozenset[TakedownStatus]] = {
    TakedownStatus.DRAFT: frozenset({TakedownStatus.SENT}),
    TakedownStatus.SENT: frozenset(
        {TakedownStatus.ACKNOWLEDGED, TakedownStatus.REMOVED, TakedownStatus.REFUSED,
         TakedownStatus.EXPIRED}
    ),
    TakedownStatus.ACKNOWLEDGED: frozenset(
        {TakedownStatus.REMOVED, TakedownStatus.REFUSED, TakedownStatus.EXPIRED}
    ),
    TakedownStatus.REMOVED: frozenset(),
    TakedownStatus.REFUSED: frozenset(),
    TakedownStatus.EXPIRED: frozenset(),
}
OPEN_TAKEDOWN_STATUSES = frozenset(
    {TakedownStatus.DRAFT, TakedownStatus.SENT, TakedownStatus.ACKNOWLEDGED}
)


class ContentKind(str, enum.Enum):
    LIVE_STREAM = "live_stream"
    VIDEO = "video"
    POST = "post"
    PAGE = "page"


class LegalBasis(str, enum.Enum):
    CONTEMPT_OF_COURT = "contempt_of_court"
    HARASSMENT = "harassment"
    CHILD_IDENTIFICATION = "child_identification"
    PLATFORM_RULES = "platform_rules"


@dataclass(frozen=True, slots=True)
class Takedown:
    incident_id: int
    url: str
    platform: str | None
    kind: ContentKind
    legal_basis: LegalBasis
    status: TakedownStatus
    created_by: str
    created_at: datetime
    preserved_exhibit: str | None = None
    not_preserved_reason: str | None = None
    requested_at: datetime | None = None
    answered_at: datetime | None = None
    reminded_at: datetime | None = None
    id: int | None = None
