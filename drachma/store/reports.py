"""Reports in the database: insert, fetch, list with filters. Visibility is applied in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    true,
)

from drachma.model.dates import uk_day_end, uk_day_start
from drachma.model.grading import (
    Grading,
    HandlingCode,
    IntelligenceAssessment,
    LegacyGrading,
    SourceEvaluation,
)
from drachma.model.report import Report, SourceKind
from drachma.model.roles import Role
from drachma.store.tables import report_access, reports


@dataclass(frozen=True, slots=True)
class Visibility:
    """Which reports a reader may see: every P report, and C reports their role is allowed."""

    role: Role
    sees_all_restricted: bool = False

    def clause(self) -> ColumnElement[bool]:
        if self.sees_all_restricted:
            return true()
        allowed = (
            exists()
            .where(
                and_(
                    report_access.c.report_id == reports.c.id,
                    report_access.c.role == self.role.value,
                )
            )
            .correlate(reports)
        )
        return or_(reports.c.grading_handling == HandlingCode.PERMITTED.value, allowed)


@dataclass(frozen=True, slots=True)
class ReportFilters:
    """Filters a reports list or search can take. ``None`` means any."""

    source_evaluation: str | None = None
    intelligence: str | None = None
    handling: str | None = None
    source_kind: str | None = None
    force: str | None = None
    received_from: date | None = None
    received_to: date | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.source_evaluation:
            out.append(reports.c.grading_source == self.source_evaluation)
        if self.intelligence:
            out.append(reports.c.grading_intelligence == self.intelligence)
        if self.handling:
            out.append(reports.c.grading_handling == self.handling)
        if self.source_kind:
            out.append(reports.c.source_kind == self.source_kind)
        if self.force:
            out.append(reports.c.force == self.force)
        if self.received_from:  # UK days (see drachma.model.dates)
            out.append(reports.c.received_at >= uk_day_start(self.received_from))
        if self.received_to:
            out.append(reports.c.received_at < uk_day_end(self.received_to))
        return out

    @property
    def empty(self) -> bool:
        return not self.clauses()


def report_row(report: Report, *, created_at: datetime | None = None) -> dict[str, Any]:
    """The column values of a report, for inserts (single or bulk)."""
    legacy = report.legacy_grading
    return {
        "title": report.title,
        "body": report.body,
        "received_at": report.received_at,
        "source_kind": report.source_kind.value,
        "source_id": report.source_id,
        "grading_source": report.grading.source.value,
        "grading_intelligence": report.grading.intelligence.value,
        "grading_handling": report.grading.handling.value,
        "handling_conditions": report.grading.conditions,
        "legacy_source": legacy.source if legacy else None,
        "legacy_intelligence": legacy.intelligence if legacy else None,
        "legacy_handling": legacy.handling if legacy else None,
        "sanitised_text": report.sanitised_text,
        "review_date": report.review_date,
        "force": report.force,
        "occurred_on": report.occurred_on,
        "created_by": report.created_by,
        "created_at": created_at or datetime.now(UTC),
        "content_hash": report.content_hash,
    }


def insert_report(conn: Connection, report: Report) -> int:
    result = conn.execute(insert(reports).values(**report_row(report)).returning(reports.c.id))
    report_id = int(result.scalar_one())
    if report.restricted and report.visible_to:
        conn.execute(
            insert(report_access),
            [{"report_id": report_id, "role": role.value} for role in sorted(report.visible_to)],
        )
    report.id = report_id
    return report_id


def insert_many(conn: Connection, batch: Sequence[Report]) -> None:
    """Bulk insert (demo data and benchmarks); roles for C reports are inserted too."""
    if not batch:
        return
    now = datetime.now(UTC)
    rows = [report_row(r, created_at=now) for r in batch]
    if conn.dialect.name == "sqlite":
        # SQLAlchemy would send one INSERT per row to keep RETURNING in order on SQLite. Instead
        # the first row is inserted alone, which takes the write lock for the rest of the
        # transaction, so the others get the next ids in order (INTEGER PRIMARY KEY is max + 1).
        first = int(conn.execute(insert(reports).values(**rows[0]).returning(reports.c.id))
                    .scalar_one())
        if len(rows) > 1:
            conn.execute(insert(reports), rows[1:])
        ids: Sequence[int] = range(first, first + len(rows))
    else:
        ids = conn.execute(
            insert(reports).returning(reports.c.id, sort_by_parameter_order=True), rows
        ).scalars().all()
    access_rows: list[dict[str, object]] = []
    for report, report_id in zip(batch, ids, strict=True):
        report.id = int(report_id)
        if report.restricted:
            access_rows.extend(
                {"report_id": report.id, "role": role.value} for role in sorted(report.visible_to)
            )
    if access_rows:
        conn.execute(insert(report_access), access_rows)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def row_to_report(row: Any, roles: Iterable[str] = ()) -> Report:
    conditions = row.handling_conditions
    grading = Grading(
        SourceEvaluation(row.grading_source),
        IntelligenceAssessment(row.grading_intelligence),
        HandlingCode(row.grading_handling),
        conditions,
    )
    legacy = (
        LegacyGrading(row.legacy_source, row.legacy_intelligence, row.legacy_handling)
        if row.legacy_source
        else None
    )
    return Report(
        id=row.id,
        title=row.title,
        body=row.body,
        received_at=_aware(row.received_at),
        source_kind=SourceKind(row.source_kind),
        source_id=row.source_id,
        grading=grading,
        legacy_grading=legacy,
        visible_to=frozenset(Role(r) for r in roles),
        sanitised_text=row.sanitised_text,
        review_date=row.review_date,
        force=row.force,
        occurred_on=row.occurred_on,
        created_by=row.created_by,
        content_hash=row.content_hash,
    )


_REPORT_COLUMNS = [c for c in reports.c]
# Built once, run with their ids (a report page, every list page; bench/load.py)
_ROLES_OF = select(report_access.c.report_id, report_access.c.role).where(
    report_access.c.report_id.in_(bindparam("ids", expanding=True)))
_REPORT_BY_ID = select(*_REPORT_COLUMNS).where(reports.c.id == bindparam("report_id"))


def _roles_for(conn: Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not ids:
        return out
    rows = conn.execute(_ROLES_OF, {"ids": list(ids)})
    for report_id, role in rows:
        out.setdefault(report_id, []).append(role)
    return out


def get_report(conn: Connection, report_id: int) -> Report | None:
    """The report, whoever may see it; the caller (access layer) decides."""
    row = conn.execute(_REPORT_BY_ID, {"report_id": report_id}).first()
    if row is None:
        return None
    return row_to_report(row, _roles_for(conn, [report_id]).get(report_id, []))


def reports_by_ids(conn: Connection, ids: Sequence[int]) -> dict[int, Report]:
    if not ids:
        return {}
    rows = conn.execute(select(*_REPORT_COLUMNS).where(reports.c.id.in_(ids))).all()
    roles = _roles_for(conn, ids)
    return {row.id: row_to_report(row, roles.get(row.id, [])) for row in rows}


def id_for_content_hash(conn: Connection, content_hash: str) -> int | None:
    value = conn.execute(
        select(reports.c.id).where(reports.c.content_hash == content_hash)
    ).scalar_one_or_none()
    return int(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class Position:
    """Where a report stands in the list, newest first: its received time and number. A page
    that starts after (or ends before) a position is found from the index, however deep."""

    received_at: datetime
    id: int


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of the list, newest first, and whether older / newer visible reports exist."""

    reports: list[Report]
    has_older: bool
    has_newer: bool


_NEWEST_FIRST = (reports.c.received_at.desc(), reports.c.id.desc())
_OLDEST_FIRST = (reports.c.received_at.asc(), reports.c.id.asc())
_ROWS_OF = (select(*_REPORT_COLUMNS).where(reports.c.id.in_(bindparam("ids", expanding=True)))
            .order_by(*_NEWEST_FIRST))


def _older_than(at: Position) -> ColumnElement[bool]:
    # ``received_at <=`` first, so the index on received_at bounds the scan on every backend
    return and_(reports.c.received_at <= at.received_at,
                or_(reports.c.received_at < at.received_at, reports.c.id < at.id))


def _newer_than(at: Position) -> ColumnElement[bool]:
    return and_(reports.c.received_at >= at.received_at,
                or_(reports.c.received_at > at.received_at, reports.c.id > at.id))


def _rows_of(conn: Connection, ids: list[int]) -> list[Report]:
    """The reports of these ids, newest first (only their rows are read: a deferred join)."""
    if not ids:
        return []
    rows = conn.execute(_ROWS_OF, {"ids": ids}).all()
    roles = _roles_for(conn, [r.id for r in rows])
    return [row_to_report(row, roles.get(row.id, [])) for row in rows]


def _any(conn: Connection, visibility: Visibility, filters: ReportFilters,
         where: ColumnElement[bool], nearest_first: tuple[Any, ...]) -> bool:
    """Whether a visible report lies beyond a page's end; the one nearest the end is looked for
    (in index order: without the order PostgreSQL may walk from the far end)."""
    found = conn.execute(select(reports.c.id).where(visibility.clause(), *filters.clauses(),
                                                    where)
                         .order_by(*nearest_first).limit(1)).first()
    return found is not None


def list_reports(
    conn: Connection,
    visibility: Visibility,
    filters: ReportFilters = ReportFilters(),
    *,
    limit: int = 50,
    offset: int = 0,
) -> list[Report]:
    """Newest first, ``offset`` reports skipped (see :func:`list_page` for paging by position).
    The page's ids are found first and only their rows read (a deferred join)."""
    return list_page(conn, visibility, filters, limit=limit, offset=offset).reports


def list_page(
    conn: Connection,
    visibility: Visibility,
    filters: ReportFilters = ReportFilters(),
    *,
    limit: int = 50,
    offset: int = 0,
    after: Position | None = None,
    before: Position | None = None,
) -> ListPage:
    """One page, newest first: the ``limit`` visible reports just older than ``after``, or just
    newer than ``before``, or (neither) those ``offset`` reports in. Paging by position (keyset)
    reads only the page's own index entries, however deep it is; an ``offset`` walks every entry
    before it, so callers keep it shallow."""
    if after is not None and before is not None:
        raise ValueError("a page starts after one position or ends before one, not both")
    base = select(reports.c.id).where(visibility.clause(), *filters.clauses())
    if before is not None:
        ids = list(conn.execute(base.where(_newer_than(before)).order_by(*_OLDEST_FIRST)
                                .limit(limit + 1)).scalars())
        has_newer = len(ids) > limit
        found = _rows_of(conn, ids[:limit])
        has_older = bool(found) and _any(conn, visibility, filters, _older_than(
            Position(found[-1].received_at, found[-1].id or 0)), _NEWEST_FIRST)
        return ListPage(found, has_older=has_older, has_newer=has_newer)
    query = base.order_by(*_NEWEST_FIRST).limit(limit + 1)
    query = query.where(_older_than(after)) if after is not None else query.offset(offset)
    ids = list(conn.execute(query).scalars())
    found = _rows_of(conn, ids[:limit])
    if after is not None:
        has_newer = bool(found) and _any(conn, visibility, filters, _newer_than(
            Position(found[0].received_at, found[0].id or 0)), _OLDEST_FIRST)
    else:
        has_newer = offset > 0
    return ListPage(found, has_older=len(ids) > limit, has_newer=has_newer)


def count_reports_plain(
    conn: Connection, visibility: Visibility, filters: ReportFilters = ReportFilters()
) -> int:
    """The visible reports passing the filters, counted row by row (the yardstick for
    :func:`count_reports`, and its way to count the part-months at a date range's ends)."""
    query = select(func.count()).select_from(reports).where(visibility.clause(), *filters.clauses())
    return int(conn.execute(query).scalar_one())


def count_reports(
    conn: Connection, visibility: Visibility, filters: ReportFilters = ReportFilters()
) -> int:
    """The visible reports passing the filters, answered from the counts kept in step with every
    write (``fact_counts``, see :mod:`drachma.analytics.upkeep`): a sum over at most a few
    thousand rows whatever the number of reports. Whole UK months of a date range come from the
    counts; the days at either end that do not fill a month are counted row by row."""
    from drachma.store import rollups  # the rollups' own module knows their key

    months, edges = _month_split(filters)
    total = rollups.count_listed(conn, role=None if visibility.sees_all_restricted
                                 else visibility.role.value, months=months,
                                 source_evaluation=filters.source_evaluation,
                                 intelligence=filters.intelligence, handling=filters.handling,
                                 source_kind=filters.source_kind, force=filters.force) \
        if months is not None else 0
    for received_from, received_to in edges:
        total += count_reports_plain(conn, visibility, replace(
            filters, received_from=received_from, received_to=received_to))
    return total


def _month_split(filters: ReportFilters
                 ) -> tuple[tuple[str | None, str | None] | None, list[tuple[date, date]]]:
    """A filter's received dates as (first and last whole UK month, ``None`` for open; or
    ``None`` for no whole month) and the (from, to) day ranges left at either end."""
    start, end = filters.received_from, filters.received_to
    if start is not None and end is not None and start > end:
        return None, []
    first: date | None = None
    edges: list[tuple[date, date]] = []
    if start is not None:
        first = start if start.day == 1 else _next_month(start)
    last_after: date | None = None  # the first day after the last whole month
    if end is not None:
        following = end + timedelta(days=1)
        last_after = following if following.day == 1 else following.replace(day=1)
    if first is not None and last_after is not None and first >= last_after:
        assert start is not None and end is not None
        return None, [(start, end)]  # no whole month: the range is counted row by row
    if start is not None and first is not None and first > start:
        edges.append((start, first - timedelta(days=1)))
    if end is not None and last_after is not None and last_after <= end:
        edges.append((last_after, end))
    last = None if last_after is None else _month(last_after - timedelta(days=1))
    return (None if first is None else _month(first), last), edges


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def count_all(conn: Connection) -> int:
    """Every stored report, whoever may see it: for loaders and checks, never shown to a user."""
    return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


def highest_id(conn: Connection) -> int:
    """The highest report number stored, 0 when there is none."""
    return int(conn.execute(select(func.max(reports.c.id))).scalar_one() or 0)


def delete_report(conn: Connection, report_id: int) -> None:
    """Delete a report and everything that copies from it (mentions, search index, facts,
    access rows, incident links, attachment rows: by cascade or trigger). The one place a report
    is deleted (retention disposal calls it), so anything else that copies a report's text (a
    search index kept elsewhere, a cache) hooks in here."""
    from sqlalchemy import delete

    conn.execute(delete(reports).where(reports.c.id == report_id))
