"""Taking in, reading, listing and searching graded reports.

These are the plain functions behind ``drachma reports ...``, the web pages and the API. Every
read of a report is audited; every rule of the domain is checked before anything is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from drachma import gazetteers
from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.permissions import Permission, can_read_restricted
from drachma.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from drachma.model.grading import parse_grading, parse_legacy_grading
from drachma.model.report import Report, SourceKind, review_date_after
from drachma.model.roles import Role, parse_role
from drachma.model.user import AuditAction
from drachma.store import reports as report_store
from drachma.store import search as search_store
from drachma.store.db import Store
from drachma.store.reports import ReportFilters
from drachma.store.search import SearchResult

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
            f"received date {received:%d/%m/%Y %H:%M} is in the future", field="received_at"
        )
    if draft.occurred_on and draft.occurred_on > now.date():
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
    review = draft.review_date or review_date_after(received.date(), DEFAULT_REVIEW_YEARS)
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
        audit.record(conn, actor, AuditAction.CREATE, "report", report.id,
                     {"grading": report.grading.code})
    return report


def _check_readable(actor: Actor, report: Report) -> None:
    actor.require(Permission.READ_REPORTS)
    if report.restricted and not can_read_restricted(actor.role, report.visible_to):
        raise PermissionDenied(
            f"report {report.id} has handling code C and its conditions do not allow the "
            f"{actor.role.label} role",
            field="report",
        )


def get_report(store: Store, actor: Actor, report_id: int) -> Report:
    """Read one report: checked against the handling conditions and audited (denials too)."""
    refusal: PermissionDenied | None = None
    with store.begin() as conn:
        report = report_store.get_report(conn, report_id)
        if report is None:
            raise NotFoundError(f"no report {report_id}", field="report_id")
        try:
            _check_readable(actor, report)
        except PermissionDenied as exc:
            # The refusal is audited too; raise only after that entry is committed.
            refusal = exc
            audit.record(conn, actor, AuditAction.DENIED, "report", report_id)
        else:
            audit.record(conn, actor, AuditAction.READ, "report", report_id)
    if refusal is not None:
        raise refusal
    return report


def list_reports(
    store: Store, actor: Actor, filters: ReportFilters = ReportFilters(), *,
    limit: int = 50, offset: int = 0,
) -> tuple[list[Report], int]:
    """Newest first, only what the actor may see; returns the page and the total."""
    actor.require(Permission.READ_REPORTS)
    with store.begin() as conn:
        page = report_store.list_reports(conn, actor.visibility, filters, limit=limit,
                                         offset=offset)
        total = report_store.count_reports(conn, actor.visibility, filters)
        # Listing shows titles: who paged through which reports is recorded (security).
        audit.record(conn, actor, AuditAction.READ, "report_list", None,
                     {"offset": str(offset), "shown": ",".join(str(r.id) for r in page)[:2000],
                      "total": str(total)})
    return page, total


def search_reports(
    store: Store, actor: Actor, query: str, filters: ReportFilters = ReportFilters(), *,
    limit: int = 20,
) -> SearchResult:
    """Ranked full-text search (see :mod:`drachma.store.search`); the search itself is audited."""
    actor.require(Permission.READ_REPORTS)
    with store.begin() as conn:
        result = search_store.search(conn, query, actor.visibility, filters, limit=limit)
        audit.record(conn, actor, AuditAction.SEARCH, "report", None,
                     {"query": query[:200], "hits": str(len(result.hits))})
    return result


def parse_filters(
    grading: str | None = None,
    source_kind: str | None = None,
    force: str | None = None,
    received_from: str | None = None,
    received_to: str | None = None,
) -> ReportFilters:
    """Report filters from text as people type them (web query strings, API parameters).

    ``grading`` may be partial: ``2`` (source only), ``2B`` or ``2BP``. Each bad value raises a
    :class:`ValidationError` naming its field.
    """
    from drachma.model.dates import parse_date

    source = intelligence = handling = None
    if grading and grading.strip():
        code = grading.strip().upper().replace("-", "").replace("/", "").replace(" ", "")
        valid = len(code) <= 3 and all(
            part in allowed for part, allowed in zip(code, ("123", "ABCDE", "PC"), strict=False)
        )
        if not code or not valid:
            raise ValidationError(
                f"grading filter {grading!r} is not like 2, 2B or 2BP (source 1-3, "
                "intelligence A-E, handling P or C)",
                field="grading",
            )
        source = code[0]
        intelligence = code[1] if len(code) > 1 else None
        handling = code[2] if len(code) > 2 else None
    kind = parse_source_kind(source_kind).value if source_kind and source_kind.strip() else None
    force_code = gazetteers.resolve_force(force).code if force and force.strip() else None
    since = parse_date(received_from, "received_from") if received_from and received_from.strip() \
        else None
    until = parse_date(received_to, "received_to") if received_to and received_to.strip() else None
    if since and until and since > until:
        raise ValidationError(
            f"received from {since:%d/%m/%Y} is after received to {until:%d/%m/%Y}",
            field="received_to",
        )
    return ReportFilters(
        source_evaluation=source, intelligence=intelligence, handling=handling,
        source_kind=kind, force=force_code, received_from=since, received_to=until,
    )
