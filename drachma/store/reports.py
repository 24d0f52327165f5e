"""Reports in the database: insert, fetch, list with filters. Visibility is applied in SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, func, insert, or_, select, true

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


def _roles_for(conn: Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not ids:
        return out
    rows = conn.execute(
        select(report_access.c.report_id, report_access.c.role).where(
            report_access.c.report_id.in_(ids)
        )
    )
    for report_id, role in rows:
        out.setdefault(report_id, []).append(role)
    return out


def get_report(conn: Connection, report_id: int) -> Report | None:
    """The report, whoever may see it; the caller (access layer) decides."""
    row = conn.execute(select(*_REPORT_COLUMNS).where(reports.c.id == report_id)).first()
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


def list_reports(
    conn: Connection,
    visibility: Visibility,
    filters: ReportFilters = ReportFilters(),
    *,
    limit: int = 50,
    offset: int = 0,
) -> list[Report]:
    """Newest first. The page's ids are found first and only their rows read (a deferred join):
    a deep ``offset`` then skips index entries, not whole report rows with their text."""
    newest_first = (reports.c.received_at.desc(), reports.c.id.desc())
    page = (select(reports.c.id).where(visibility.clause(), *filters.clauses())
            .order_by(*newest_first).limit(limit).offset(offset))
    ids = list(conn.execute(page).scalars())
    if not ids:
        return []
    rows = conn.execute(select(*_REPORT_COLUMNS).where(reports.c.id.in_(ids))
                        .order_by(*newest_first)).all()
    roles = _roles_for(conn, [r.id for r in rows])
    return [row_to_report(row, roles.get(row.id, [])) for row in rows]


def count_reports(
    conn: Connection, visibility: Visibility, filters: ReportFilters = ReportFilters()
) -> int:
    query = select(func.count()).select_from(reports).where(visibility.clause(), *filters.clauses())
    return int(conn.execute(query).scalar_one())


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
