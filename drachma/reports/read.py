"""Reading, listing and searching graded reports.

Every read of a report is checked against its handling conditions and audited (refusals too);
every search is audited with its query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from drachma import gazetteers
from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import ReportRead, ReportRefused, ReportsListed, ReportsSearched
from drachma.access.permissions import Permission, can_read_restricted
from drachma.errors import NotFoundError, PermissionDenied, ValidationError
from drachma.model.dates import parse_date
from drachma.model.report import Report
from drachma.reports.drafts import parse_source_kind
from drachma.store import reports as report_store
from drachma.store import search as search_store
from drachma.store.db import Store
from drachma.store.reports import Position, ReportFilters
from drachma.store.search import SearchResult


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
            audit.record(conn, actor, ReportRefused(report_id=report_id))
        else:
            audit.record(conn, actor, ReportRead(report_id=report_id))
    if refusal is not None:
        raise refusal
    return report


#: The deepest ``offset`` a report list takes. An offset walks every entry before it, so deeper
#: pages are reached by following a page's ``next`` cursor (or by narrowing the dates).
MAX_LIST_OFFSET = 5_000
MAX_LIST_LIMIT = 1_000  # the CLI's most; the API takes up to 200
MAX_REPORT_ID = 2**31 - 1  # report numbers are 32-bit integers in the database
_CURSOR = re.compile(r"(-?[0-9]{1,17})_([0-9]{1,19})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def cursor_of(report: Report) -> str:
    """The cursor of a report's place in the list: its received time (microseconds since 1970,
    UTC) and its number. It only says where a page starts; nothing is shown through it that the
    reader may not see."""
    micros = (report.received_at - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}_{report.id}"


def parse_cursor(value: str, field: str) -> Position:
    """A cursor given back by a client: refused by name unless it is one a list gave out."""
    found = _CURSOR.fullmatch(value)
    problem = f"{field} must be a cursor from a report list's next or previous link"
    if found is None:
        raise ValidationError(problem, field=field)
    report_id = int(found.group(2))
    try:
        at = _EPOCH + timedelta(microseconds=int(found.group(1)))
    except OverflowError:
        raise ValidationError(problem, field=field) from None
    if not 1 <= report_id <= MAX_REPORT_ID or not 1900 <= at.year <= 9998:
        raise ValidationError(problem, field=field)
    return Position(at, report_id)


@dataclass(frozen=True, slots=True)
class ReportList:
    """One page of the report list, newest first, with the cursors of the pages either side
    (``None`` where there is none) and the total the reader may see."""

    reports: list[Report]
    total: int
    next: str | None
    previous: str | None


def list_page(
    store: Store, actor: Actor, filters: ReportFilters = ReportFilters(), *,
    limit: int = 50, offset: int = 0, after: str | None = None, before: str | None = None,
) -> ReportList:
    """Newest first, only what the actor may see: the page after the cursor ``after``, before
    ``before``, or ``offset`` reports in (up to :data:`MAX_LIST_OFFSET`); audited."""
    actor.require(Permission.READ_REPORTS)
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise ValidationError(f"limit must be 1 to {MAX_LIST_LIMIT}", field="limit")
    if after is not None and before is not None:
        raise ValidationError("give after or before, not both", field="before")
    if offset and (after is not None or before is not None):
        raise ValidationError("give offset or a cursor (after, before), not both", field="offset")
    if not 0 <= offset <= MAX_LIST_OFFSET:
        raise ValidationError(
            f"offset goes from 0 to {MAX_LIST_OFFSET:,} in a report list; for older reports "
            "follow the list's next cursor (the Next link) or narrow the dates",
            field="offset")
    start = None if after is None else parse_cursor(after, "after")
    end = None if before is None else parse_cursor(before, "before")
    with store.begin() as conn:
        page = report_store.list_page(conn, actor.visibility, filters, limit=limit,
                                      offset=offset, after=start, before=end)
        total = report_store.count_reports(conn, actor.visibility, filters)
        found = page.reports
        audit.record(conn, actor, ReportsListed(
            offset=offset, shown=",".join(str(r.id) for r in found), total=total,
            after=after, before=before))
    return ReportList(found, total,
                      next=cursor_of(found[-1]) if found and page.has_older else None,
                      previous=cursor_of(found[0]) if found and page.has_newer else None)


def list_reports(
    store: Store, actor: Actor, filters: ReportFilters = ReportFilters(), *,
    limit: int = 50, offset: int = 0,
) -> tuple[list[Report], int]:
    """Newest first, only what the actor may see; returns the page and the total."""
    listed = list_page(store, actor, filters, limit=limit, offset=offset)
    return listed.reports, listed.total


def search_reports(
    store: Store, actor: Actor, query: str, filters: ReportFilters = ReportFilters(), *,
    limit: int = 20,
) -> SearchResult:
    """Ranked full-text search (see :mod:`drachma.store.search`); the search itself is audited."""
    actor.require(Permission.READ_REPORTS)
    with store.begin() as conn:
        result = search_store.search(conn, query, actor.visibility, filters, limit=limit)
        audit.record(conn, actor, ReportsSearched(query=query, hits=len(result.hits)))
    return result


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of ranked results, and whether another page follows."""

    result: SearchResult
    has_next: bool


def search_page(
    store: Store, actor: Actor, query: str, filters: ReportFilters = ReportFilters(), *,
    offset: int = 0, limit: int = 20,
) -> SearchPage:
    """One page of ranked search results (``offset`` hits skipped). Every match is ranked; pages
    reach the best :data:`~drachma.store.search.MAX_RESULTS`, and a page past that is refused by
    name rather than shown empty."""
    if offset < 0 or limit < 1:
        raise ValidationError("offset must be 0 or more and limit 1 or more", field="offset")
    if offset + limit > search_store.MAX_RESULTS:
        raise ValidationError(
            f"search results go up to {search_store.MAX_RESULTS:,}; narrow the query or the "
            "dates", field="offset")
    wanted = min(offset + limit + 1, search_store.MAX_RESULTS)
    result = search_reports(store, actor, query, filters, limit=wanted)
    return SearchPage(replace(result, hits=result.hits[offset:offset + limit]),
                      has_next=len(result.hits) > offset + limit)


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
