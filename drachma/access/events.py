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


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)[:DETAIL_LIMIT]


@dataclass(frozen=True, slots=True)
class AuditedEvent:
    """Base of every event. ``id_field`` names the field holding the record's id (if any); every
    other field that is not None becomes a detail of the stored event, as text."""

    action: ClassVar[AuditAction]
    kind: ClassVar[RecordKind]
    id_field: ClassVar[str | None] = None

    @property
    def record_id(self) -> str | None:
        value = getattr(self, self.id_field) if self.id_field else None
        return None if value is None else str(value)

    def detail(self) -> dict[str, str]:
        return {
            f.name: _text(value) for f in fields(self)
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
