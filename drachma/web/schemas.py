"""Bodies and responses of the JSON API (they are what ``/api/openapi.json`` documents)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from drachma.access.actor import Actor
from drachma.access.permissions import Permission
from drachma.model.mention import Mention, MentionType, Review
from drachma.model.report import Report
from drachma.model.user import AuditEvent, User
from drachma.store.search import SearchHit
from drachma.web.render import (
    force_name,
    highlight,
    mention_type_label,
    mention_value,
    plain_snippet,
    unproven_banner,
)


class ErrorOut(BaseModel):
    """Every error: what kind, which input was wrong (if one was), and a message for a person."""

    error: str = Field(examples=["invalid_grading"])
    field: str | None = Field(default=None, examples=["grading"])
    message: str = Field(examples=["grading '4BP': source evaluation '4' must be 1, 2 or 3"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    code: str | None = Field(None, max_length=32, description=(
        "The 6-digit code from your authenticator app (or a recovery code), if you have set up a "
        "second factor."))


class UserOut(BaseModel):
    username: str
    display_name: str
    role: str
    permissions: list[str]

    @classmethod
    def of(cls, user: User) -> UserOut:
        actor = Actor(user)
        return cls(
            username=user.username,
            display_name=user.display_name,
            role=user.role.value,
            permissions=sorted(p.value for p in Permission if actor.can(p)),
        )


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str = Field(description="Send as X-CSRF-Token on unsafe calls that use the cookie.")
    token: str = Field(description="Bearer token: 'Authorization: Bearer <token>'; no CSRF needed.")
    token_type: str = "bearer"
    expires_at: datetime
    notices: list[str] = Field(default_factory=list, description=(
        "Notices for you since your last log-in (e.g. your password was changed)."))


class ReportIn(BaseModel):
    """A new graded report. Dates are ISO (2026-11-23); ``received_at`` defaults to now."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(description="The report text.", max_length=2_000_000)
    grading: str = Field(description="3x5x2 grading, e.g. 2BP.", examples=["2BP"], max_length=20)
    title: str = Field(default="", description="Defaults to the first line of the text.",
                       max_length=300)
    source_kind: str = Field(default="officer", examples=["officer"])
    handling_conditions: str | None = Field(default=None, description="Required with code C.")
    visible_to: list[str] = Field(
        default_factory=list, description="With code C: the roles the conditions allow."
    )
    legacy_grading: str | None = Field(default=None, description="5x5x5, e.g. B35; kept as is.")
    received_at: datetime | None = None
    occurred_on: date | None = None
    review_date: date | None = None
    force: str | None = Field(default=None, examples=["Greater Manchester Police"])
    sanitised_text: str | None = None


class ReportOut(BaseModel):
    id: int
    title: str
    grading: str
    grading_described: str
    handling_conditions: str | None
    visible_to: list[str]
    legacy_grading: str | None
    source_kind: str
    received_at: datetime
    occurred_on: date | None
    review_date: date | None
    force: str | None = Field(description="Force code, e.g. greater-manchester.")
    force_name: str | None
    sanitised_text: str | None
    body: str
    notice: str = Field(description="Intelligence is an unproven allegation, never a fact.")

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        assert report.id is not None
        return cls(
            id=report.id,
            title=report.title,
            grading=report.grading.code,
            grading_described=report.grading.describe(),
            handling_conditions=report.grading.conditions,
            visible_to=sorted(r.value for r in report.visible_to),
            legacy_grading=report.legacy_grading.code if report.legacy_grading else None,
            source_kind=report.source_kind.value,
            received_at=report.received_at,
            occurred_on=report.occurred_on,
            review_date=report.review_date,
            force=report.force,
            force_name=force_name(report.force) or None,
            sanitised_text=report.sanitised_text,
            body=report.body,
            notice=unproven_banner(report.grading),
        )


class ReportSummaryOut(BaseModel):
    id: int
    title: str
    grading: str
    source_kind: str
    received_at: datetime
    force: str | None
    score: float | None = Field(default=None, description="Search rank; higher is better.")
    snippet: str | None = Field(default=None, description="Matching text (search only).")
    snippet_html: str | None = Field(
        default=None, description="The snippet HTML-escaped, matches inside <mark>."
    )

    @classmethod
    def of(cls, report: Report, hit: SearchHit | None = None) -> ReportSummaryOut:
        assert report.id is not None
        return cls(
            id=report.id,
            title=report.title,
            grading=report.grading.code,
            source_kind=report.source_kind.value,
            received_at=report.received_at,
            force=report.force,
            score=round(hit.score, 6) if hit else None,
            snippet=plain_snippet(hit.snippet) if hit else None,
            snippet_html=str(highlight(hit.snippet)) if hit else None,
        )


class ReportListOut(BaseModel):
    items: list[ReportSummaryOut]
    total: int | None = Field(description="Matching reports you may see; null for a search.")
    limit: int
    offset: int
    next: str | None = Field(default=None, description=(
        "List only: the cursor of the next page (older reports): pass it as `after`; null on the "
        "last page."))
    previous: str | None = Field(default=None, description=(
        "List only: the cursor of the previous page (newer reports): pass it as `before`; null "
        "on the first page."))
    query: str | None = None
    exhaustive: bool | None = Field(
        default=None,
        description="Search only: always true - every match is ranked (docs/search.md).",
    )


class AuditEventOut(BaseModel):
    id: int | None
    at: datetime
    actor: str
    action: str
    record_kind: str
    record_id: str | None
    address: str | None
    detail: dict[str, str]

    @classmethod
    def of(cls, event: AuditEvent) -> AuditEventOut:
        return cls(
            id=event.id,
            at=event.at,
            actor=event.actor_name,
            action=event.action.value,
            record_kind=event.record_kind,
            record_id=event.record_id,
            address=event.address,
            detail=event.detail,
        )


class AuditListOut(BaseModel):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int


# --- mentions ----------------------------------------------------------------------------------

MACHINE_READ = (
    "Mentions are read out of the text by machine and are unconfirmed until an analyst confirms "
    "them. A mention records what the report says, never that it is true."
)


class MentionOut(BaseModel):
    id: int
    type: str = Field(examples=["FORCE"])
    type_label: str = Field(examples=["Police force"])
    start: int = Field(description="Offset of the first character in the report text.")
    end: int = Field(description="Offset just past the last character.")
    text: str = Field(description="The words as written in the report.")
    value: str = Field(description="Normalised value: force code, ISO date, place name...")
    value_described: str = Field(description="The value for a person: 05/05/2024 (“on Sunday”).")
    confidence: float
    attributes: dict[str, str]
    review: str = Field(description="pending, confirmed, corrected or rejected.")
    machine_read_unconfirmed: bool = Field(description="True until someone confirms or corrects.")
    reviewed_by: str | None = Field(default=None, description="Username of the reviewer.")
    reviewed_at: datetime | None = None

    @classmethod
    def of(cls, mention: Mention, reviewers: dict[int, str] | None = None) -> MentionOut:
        assert mention.id is not None
        who = None
        if mention.reviewed_by is not None:
            who = (reviewers or {}).get(mention.reviewed_by, f"user {mention.reviewed_by}")
        return cls(
            id=mention.id,
            type=mention.type.value,
            type_label=mention_type_label(mention.type),
            start=mention.start,
            end=mention.end,
            text=mention.text,
            value=mention.value,
            value_described=mention_value(mention),
            confidence=round(mention.confidence, 3),
            attributes=dict(mention.attributes),
            review=mention.review.value,
            machine_read_unconfirmed=mention.review is Review.PENDING,
            reviewed_by=who,
            reviewed_at=mention.reviewed_at,
        )


class MentionListOut(BaseModel):
    report_id: int
    items: list[MentionOut]
    notice: str = Field(default=MACHINE_READ)


class MentionReviewIn(BaseModel):
    """Confirm, correct or reject a mention. A correction needs a new value or another type."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirmed", "corrected", "rejected"]
    value: str | None = Field(default=None, max_length=300,
                              description="Corrected normalised value (corrections only).")
    type: MentionType | None = Field(default=None, description="Corrected type (corrections only).")


# --- intake ------------------------------------------------------------------------------------

class IngestFailureOut(BaseModel):
    where: str | None = Field(description="Row, line or item of the file, when it is one item.")
    reason: str


class IngestFileOut(BaseModel):
    filename: str
    outcome: Literal["stored", "duplicate", "partial", "failed"] = Field(
        description="stored: new reports; duplicate: all already stored; partial: some items "
                    "failed; failed: nothing was taken in.")
    run_id: int | None
    stored: list[int] = Field(description="Numbers of the reports stored.")
    duplicates: list[int] = Field(description="Numbers of the reports already holding the text.")
    failures: list[IngestFailureOut]


class IngestOut(BaseModel):
    items: list[IngestFileOut]
    stored: int
    duplicates: int
    failed: int = Field(description="Items (or whole files) that could not be taken in.")
