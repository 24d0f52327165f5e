"""Counting reports and incidents in SQL: one ``GROUP BY`` per figure, visibility applied inside.

The library (``drachma/analytics``) decides who may count what and what a figure means; this
module only turns a :class:`CountFilters` and a dimension into SQL. Facts (district, town,
group, platform, outcome) live in ``report_facts`` / ``incident_facts`` (migration 0011); the
force, source kind, grading and dates are columns of the records themselves.

Dates are UTC days and periods UTC months, the same as the reports list's date filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy import Integer as SqlInteger
from sqlalchemy import String as SqlString

from drachma.model.grading import HandlingCode
from drachma.store.reports import Visibility
from drachma.store.tables import (
    incident_facts,
    incident_reports,
    incidents,
    mentions,
    report_access,
    report_facts,
    reports,
)

Subject = Literal["reports", "incidents"]
SUBJECTS: tuple[Subject, ...] = ("reports", "incidents")
FACT_DIMENSIONS = ("district", "town", "group", "platform", "outcome")
PERIODS = ("month", "quarter", "year")
REPORT_COLUMNS = ("force", "source_kind", "grading")
INCIDENT_COLUMNS = ("force",)


@dataclass(frozen=True, slots=True)
class CountFilters:
    """Which records a figure counts. ``None`` means any. Facts are matched exactly
    (``district`` is a 2023 GSS code, ``outcome`` a category such as ``charged``)."""

    date_from: date | None = None
    date_to: date | None = None
    force: str | None = None
    district: str | None = None
    town: str | None = None
    group: str | None = None
    platform: str | None = None
    outcome: str | None = None
    source_kind: str | None = None
    source_evaluation: str | None = None
    intelligence: str | None = None
    handling: str | None = None

    def as_params(self) -> dict[str, str]:
        """The filters that are set, as text: the query string of the list behind a figure."""
        out: dict[str, str] = {}
        for name in _FILTER_NAMES:
            value = getattr(self, name)
            if value is not None and value != "":
                out[name] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    def replace(self, **changes: Any) -> CountFilters:
        values = {name: getattr(self, name) for name in _FILTER_NAMES}
        values.update(changes)
        return CountFilters(**values)


_FILTER_NAMES = tuple(item.name for item in fields(CountFilters))


@dataclass(frozen=True, slots=True)
class _Shape:
    table: Table
    id: Any
    at: Any
    force: Any
    facts: Table
    fact_id: Any


def _shape(subject: Subject) -> _Shape:
    if subject == "reports":
        return _Shape(reports, reports.c.id, reports.c.received_at, reports.c.force,
                      report_facts, report_facts.c.report_id)
    return _Shape(incidents, incidents.c.id, incidents.c.occurred_at, incidents.c.force,
                  incident_facts, incident_facts.c.incident_id)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _has_fact(shape: _Shape, dimension: str, value: str) -> ColumnElement[bool]:
    # IN (the fact's records), not a correlated EXISTS: both databases read the few records with
    # the fact from the (dimension, value, record) index once, instead of probing for every row.
    f = shape.facts.alias(f"has_{dimension}")
    record = f.c.report_id if shape.facts is report_facts else f.c.incident_id
    member: ColumnElement[bool] = shape.id.in_(
        select(record).where(f.c.dimension == dimension, f.c.value == value))
    return member


def _visible(visibility: Visibility) -> ColumnElement[bool]:
    """The rule of :meth:`Visibility.clause` (every P report; a C report only for the roles its
    conditions allow; everything for those who see all), written as ``IN`` the role's reports so
    that a count over many reports reads the role's list once rather than probing per report."""
    if visibility.sees_all_restricted:
        return true()
    allowed = select(report_access.c.report_id).where(
        report_access.c.role == visibility.role.value)
    return or_(reports.c.grading_handling == HandlingCode.PERMITTED.value,
               reports.c.id.in_(allowed))


def _where(subject: Subject, filters: CountFilters,
           visibility: Visibility | None) -> list[ColumnElement[bool]]:
    shape = _shape(subject)
    out: list[ColumnElement[bool]] = []
    if subject == "reports" and visibility is not None:
        out.append(_visible(visibility))
    if filters.date_from:
        out.append(shape.at >= _day_start(filters.date_from))
    if filters.date_to:
        out.append(shape.at < _day_start(filters.date_to + timedelta(days=1)))
    if filters.force:
        out.append(shape.force == filters.force)
    for column, value in (
        ("source_kind", filters.source_kind),
        ("grading_source", filters.source_evaluation),
        ("grading_intelligence", filters.intelligence),
        ("grading_handling", filters.handling),
    ):
        if value:
            out.append(reports.c[column] == value)
    for dimension in FACT_DIMENSIONS:
        value = getattr(filters, dimension)
        if value:
            out.append(_has_fact(shape, dimension, value))
    return out


def _period_key(conn: Connection, at: Any, period: str) -> ColumnElement[str]:
    if conn.dialect.name == "sqlite":
        # SQLite holds the UTC time as text, "YYYY-MM-DD HH:MM:SS.ffffff": cutting it is exact
        # and several times cheaper than strftime(), which parses every value.
        if period == "month":
            return func.substr(at, 1, 7)
        if period == "year":
            return func.substr(at, 1, 4)
        month = cast(func.substr(at, 6, 2), SqlInteger)
        return func.substr(at, 1, 4) + "-Q" + cast((month + 2) // 3, SqlString)
    utc = func.timezone("UTC", at)
    pattern = {"month": "YYYY-MM", "year": "YYYY", "quarter": 'YYYY-"Q"Q'}[period]
    return func.to_char(utc, pattern)


def _column_key(subject: Subject, by: str) -> ColumnElement[Any]:
    shape = _shape(subject)
    if by == "force":
        return shape.force  # type: ignore[no-any-return]
    if by == "source_kind":
        return reports.c.source_kind
    return reports.c.grading_source + reports.c.grading_intelligence + reports.c.grading_handling


def count_by(
    conn: Connection, subject: Subject, by: str, filters: CountFilters,
    visibility: Visibility | None,
) -> list[tuple[str | None, int]]:
    """(key, number of records) for each value of ``by``, largest first.

    For a fact dimension a record with two values (a report naming two districts) counts once
    under each; records with no value are not in the list (see :func:`count_unrecorded`). For a
    column or a period every record is in exactly one row; a record with no force has key None.
    """
    shape = _shape(subject)
    where = _where(subject, filters, visibility)
    query: Select[Any]
    if by in FACT_DIMENSIONS:
        f = shape.facts.alias("by_fact")
        record = f.c.report_id if shape.facts is report_facts else f.c.incident_id
        key: ColumnElement[Any] = f.c.value
        query = (select(key.label("key"), func.count().label("n"))
                 .select_from(shape.table.join(f, and_(record == shape.id,
                                                        f.c.dimension == by))))
    else:
        key = _period_key(conn, shape.at, by) if by in PERIODS else _column_key(subject, by)
        query = select(key.label("key"), func.count().label("n")).select_from(shape.table)
    query = query.where(*where).group_by(key).order_by(func.count().desc(), key)
    return [(row.key, int(row.n)) for row in conn.execute(query)]


def count_total(conn: Connection, subject: Subject, filters: CountFilters,
                visibility: Visibility | None) -> int:
    shape = _shape(subject)
    query = select(func.count()).select_from(shape.table).where(
        *_where(subject, filters, visibility))
    return int(conn.execute(query).scalar_one())


def count_total_and_unrecorded(conn: Connection, subject: Subject, dimension: str,
                               filters: CountFilters,
                               visibility: Visibility | None) -> tuple[int, int]:
    """How many records are counted, and how many of them have no value for a fact dimension.

    The second is the total less those ``IN`` the dimension's records (a semi-join both
    databases run once), not a correlated probe per record (four times slower on PostgreSQL).
    """
    shape = _shape(subject)
    where = _where(subject, filters, visibility)
    f = shape.facts.alias("any_fact")
    record = f.c.report_id if shape.facts is report_facts else f.c.incident_id
    total = int(conn.execute(select(func.count()).select_from(shape.table).where(*where))
                .scalar_one())
    with_value = int(conn.execute(select(func.count()).select_from(shape.table).where(
        *where, shape.id.in_(select(record).where(f.c.dimension == dimension)))).scalar_one())
    return total, total - with_value


def first_and_last(conn: Connection, subject: Subject, filters: CountFilters,
                   visibility: Visibility | None) -> tuple[datetime | None, datetime | None]:
    shape = _shape(subject)
    row = conn.execute(select(func.min(shape.at), func.max(shape.at)).where(
        *_where(subject, filters, visibility))).one()
    return _aware(row[0]), _aware(row[1])


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite returns min()/max() of a DateTime column as text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RecordRow:
    """A record behind a figure: enough to list it and link to it."""

    id: int
    at: datetime
    title: str
    force: str | None
    grading: str | None  # reports only: e.g. "2BP"


def list_records(conn: Connection, subject: Subject, filters: CountFilters,
                 visibility: Visibility | None, *, limit: int, offset: int) -> list[RecordRow]:
    """The records a figure counts, newest first, one page."""
    shape = _shape(subject)
    where = _where(subject, filters, visibility)
    if subject == "reports":
        query = select(reports.c.id, reports.c.received_at.label("at"), reports.c.title,
                       reports.c.force, _column_key("reports", "grading").label("grading"))
    else:
        query = select(incidents.c.id, incidents.c.occurred_at.label("at"),
                       func.coalesce(incidents.c.place, literal("place not recorded"))
                       .label("title"), incidents.c.force, literal(None).label("grading"))
    query = (query.where(*where).order_by(shape.at.desc(), shape.id.desc())
             .limit(limit).offset(offset))
    return [RecordRow(int(r.id), _aware(r.at) or datetime.min.replace(tzinfo=UTC), r.title,
                      r.force, r.grading) for r in conn.execute(query)]


# --- facts: writing and the rows they are derived from -------------------------------------


def insert_facts(conn: Connection, subject: Subject,
                 rows: Iterable[tuple[int, str, str, str]]) -> int:
    """Insert (record id, dimension, value, origin) rows, skipping exact repeats."""
    shape = _shape(subject)
    record = "report_id" if subject == "reports" else "incident_id"
    unique = {(rid, dim, value[:200]): origin for rid, dim, value, origin in rows if value}
    if not unique:
        return 0
    conn.execute(insert(shape.facts), [
        {record: rid, "dimension": dim, "value": value, "origin": origin}
        for (rid, dim, value), origin in unique.items()
    ])
    return len(unique)


def delete_facts(conn: Connection, subject: Subject, origins: Sequence[str]) -> None:
    shape = _shape(subject)
    conn.execute(delete(shape.facts).where(shape.facts.c.origin.in_(origins)))


def existing_fact_keys(conn: Connection, subject: Subject) -> set[tuple[int, str, str]]:
    shape = _shape(subject)
    return {(int(r[0]), r[1], r[2]) for r in conn.execute(
        select(shape.fact_id, shape.facts.c.dimension, shape.facts.c.value))}


def incident_rows(conn: Connection) -> list[Any]:
    """id, place, district, groups (JSON text), platform, outcome of every incident."""
    return list(conn.execute(select(incidents.c.id, incidents.c.place, incidents.c.district,
                                    incidents.c.groups, incidents.c.platform,
                                    incidents.c.outcome)
                             .order_by(incidents.c.id)))


def incident_report_links(conn: Connection) -> list[tuple[int, int]]:
    """(incident id, report id) pairs."""
    return [(int(a), int(b)) for a, b in conn.execute(
        select(incident_reports.c.incident_id, incident_reports.c.report_id))]


def reviewed_mentions(conn: Connection, types: Sequence[str]) -> list[tuple[int, str, str]]:
    """(report id, type, value) of mentions of ``types`` not rejected, corrections applied."""
    kind = func.coalesce(mentions.c.corrected_type, mentions.c.type)
    value = func.coalesce(mentions.c.corrected_value, mentions.c.value)
    query = select(mentions.c.report_id, kind.label("kind"), value.label("value")).where(
        mentions.c.review != "rejected", kind.in_(types), true())
    return [(int(r.report_id), r.kind, r.value) for r in conn.execute(query)]
