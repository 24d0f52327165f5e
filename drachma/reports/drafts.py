"""A graded report as a person (or an intake run) submits it: checked, then stored.

:func:`validate` turns a :class:`ReportDraft` into a :class:`~drachma.model.report.Report` or
raises an error naming the bad field; :func:`add_report` stores it under audit. Every rule of the
domain is checked before anything is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from drachma import gazetteers
from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import ReportAdded
from drachma.access.permissions import Permission
from drachma.analytics import upkeep
from drachma.errors import ConflictError, ValidationError
from drachma.model.dates import uk_datetime, uk_day, uk_today
from drachma.model.grading import parse_grading, parse_legacy_grading
from drachma.model.report import Report, SourceKind, review_date_after
from drachma.model.roles import Role, parse_role
from drachma.store import reports as report_store
from drachma.store.db import Store

MAX_TITLE = 300
# A report's text (security: a 2-million-character report made 81,936 mentions and a 200 MB
# page); longer documents are split before they are taken in.
MAX_BODY = 200_000
# MoPI: intelligence is reviewed for retention; the default first review is six years on.
DEFAULT_REVIEW_YEARS = 6


@dataclass(slots=True)
class ReportDraft:
    """What a user submits; everything is text until validated by :func:`validate`."""

    title: str
    body: str
    grading: str
    source_kind: str = "officer"
    handling_conditions: str | None = None
    visible_to: list[str] = field(default_factory=list)
    legacy_grading: str | None = None
    received_at: datetime | None = None
    occurred_on: date | None = None
    force: str | None = None
    sanitised_text: str | None = None
    review_date: date | None = None


def content_hash(title: str, body: str) -> str:
    """Identity of a report's content, for recognising the same item taken in twice."""
    normalised = " ".join(body.split()).casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def parse_source_kind(text: str) -> SourceKind:
    try:
        return SourceKind(text.strip().lower())
    except ValueError:
        kinds = ", ".join(k.value for k in SourceKind)
        raise ValidationError(
            f"unknown source kind {text!r}; kinds are: {kinds}", field="source_kind"
        ) from None


def validate(draft: ReportDraft, *, creator_role: Role | None = None,
             now: datetime | None = None) -> Report:
    """Turn a draft into a Report or raise an error naming the bad field."""
    now = now or datetime.now(UTC)
    title = draft.title.strip()
    body = draft.body.strip()
    if not body:
        raise ValidationError("report text is empty", field="body")
    for name, value in (("body", body), ("title", title)):
        if "\x00" in value:
            raise ValidationError("contains a NUL character, which cannot be stored",
                                  field=name)
    if len(body) > MAX_BODY:
        raise ValidationError(f"report text is longer than {MAX_BODY:,} characters", field="body")
    if not title:
        title = body.splitlines()[0][:120]
    if len(title) > MAX_TITLE:
        raise ValidationError(f"title is longer than {MAX_TITLE} characters", field="title")
    grading = parse_grading(draft.grading, draft.handling_conditions)
    legacy = parse_legacy_grading(draft.legacy_grading) if draft.legacy_grading else None
    kind = parse_source_kind(draft.source_kind)
    received = draft.received_at or now
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    if received > now + timedelta(minutes=5):
        raise ValidationError(
            f"received date {uk_datetime(received)} is in the future", field="received_at"
        )
    if draft.occurred_on and draft.occurred_on > uk_today(now):
        raise ValidationError(
            f"date of events {draft.occurred_on:%d/%m/%Y} is in the future", field="occurred_on"
        )
    force = gazetteers.resolve_force(draft.force).code if draft.force else None
    visible = frozenset(parse_role(r) for r in draft.visible_to if r.strip())
    if grading.handling.value == "C":
        if not visible:
            raise ValidationError(
                "handling code C: name the roles the conditions allow to see this report",
                field="visible_to",
            )
        if creator_role is not None:
            visible = visible | {creator_role}
    else:
        visible = frozenset()
    review = draft.review_date or review_date_after(uk_day(received), DEFAULT_REVIEW_YEARS)
    return Report(
        title=title,
        body=body,
        received_at=received,
        source_kind=kind,
        grading=grading,
        legacy_grading=legacy,
        visible_to=visible,
        sanitised_text=(draft.sanitised_text or "").strip() or None,
        review_date=review,
        force=force,
        occurred_on=draft.occurred_on,
        content_hash=content_hash(title, body),
    )


def add_report(store: Store, actor: Actor, draft: ReportDraft) -> Report:
    """Validate and store a report; refuse the same content twice (ConflictError names the twin)."""
    actor.require(Permission.CREATE_REPORTS)
    report = validate(draft, creator_role=actor.role)
    report.created_by = actor.user.id
    with store.begin() as conn:
        assert report.content_hash is not None
        twin = report_store.id_for_content_hash(conn, report.content_hash)
        if twin is not None:
            raise ConflictError(f"the same text is already stored as report {twin}", field="body")
        report_store.insert_report(conn, report)
        upkeep.settle(conn, reports=[report.id or 0])  # counts in step (analytics)
        audit.record(conn, actor, ReportAdded(report_id=report.id, grading=report.grading.code))
    return report
