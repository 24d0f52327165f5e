"""Counting reports and incidents in SQL: one ``GROUP BY`` per figure, visibility applied inside.

The library (``drachma/analytics``) decides who may count what and what a figure means; this
module only turns a :class:`CountFilters` and a dimension into SQL. Facts (district, town,
group, platform, outcome) live in ``report_facts`` / ``incident_facts`` (migration 0011); the
force, source kind, grading and dates are columns of the records themselves. Counts are read
from the rollups ``fact_pair_counts`` / ``fact_counts`` (migration 0018, kept in step with every
write by ``drachma/analytics/upkeep.py``) wherever they can answer, else from those tables.

Dates are UK days and periods UK months (Europe/London, :mod:`drachma.model.dates`), the same as
the reports list's date filters: a report at 00:30 BST on 1 June is counted in June.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import combinations
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)

from drachma.model.dates import local, uk_day_end, uk_day_start
from drachma.model.grading import HandlingCode
from drachma.model.roles import Role
from drachma.store.db import reading_memo
from drachma.store.reports import Visibility
from drachma.store.tables import (
    fact_counts,
    fact_pair_counts,
    fact_pair_year_counts,
    incident_facts,
    incidents,
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


def _has_fact(shape: _Shape, dimension: str, value: str, probe: bool) -> ColumnElement[bool]:
    # For a count, IN (the fact's records), not a correlated EXISTS: both databases read the
    # records with the fact from the (dimension, value, record) index once, instead of probing
    # for every row. For the newest (or oldest) few (``probe``), EXISTS on the facts' key, so
    # that the records are walked in date order and each probed until enough are found.
    f = shape.facts.alias(f"has_{dimension}")
    record = f.c.report_id if shape.facts is report_facts else f.c.incident_id
    wanted = select(record).where(f.c.dimension == dimension, f.c.value == value)
    if probe:
        return exists(wanted.where(record == shape.id))
    member: ColumnElement[bool] = shape.id.in_(wanted)
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


def _where(subject: Subject, filters: CountFilters, visibility: Visibility | None,
           probe: bool = False) -> list[ColumnElement[bool]]:
    shape = _shape(subject)
    out: list[ColumnElement[bool]] = []
    if subject == "reports" and visibility is not None:
        out.append(_visible(visibility))
    if filters.date_from:
        out.append(shape.at >= uk_day_start(filters.date_from))
    if filters.date_to:
        out.append(shape.at < uk_day_end(filters.date_to))
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
            out.append(_has_fact(shape, dimension, value, probe))
    return out


def _uk_months(ats: Iterable[Any]) -> Iterator[str]:
    for at in ats:
        moment = local(_aware(at) or datetime.min.replace(tzinfo=UTC))
        yield f"{moment.year:04d}-{moment.month:02d}"


def period_of_month(by: str, month: str) -> str:
    """"2018-05" as a month, quarter ("2018-Q2") or year ("2018") key."""
    if by == "year":
        return month[:4]
    if by == "quarter":
        return f"{month[:4]}-Q{(int(month[5:7]) + 2) // 3}"
    return month


def _column_key(subject: Subject, by: str) -> ColumnElement[Any]:
    shape = _shape(subject)
    if by == "force":
        return shape.force  # type: ignore[no-any-return]
    if by == "source_kind":
        return reports.c.source_kind
    return reports.c.grading_source + reports.c.grading_intelligence + reports.c.grading_handling


@dataclass(frozen=True, slots=True)
class Counted:
    """``rows``: (key, number of records), largest first; ``total``: distinct records counted;
    ``unrecorded``: those with no value for a fact dimension ``by`` (else 0)."""

    rows: list[tuple[str | None, int]]
    total: int
    unrecorded: int
    path: str  # "rollup", "rollup+base" or "base": how it was answered (for tests and the bench)


def _sorted(tally: dict[str | None, int]) -> list[tuple[str | None, int]]:
    return sorted(((k, n) for k, n in tally.items() if n > 0),
                  key=lambda row: (-row[1], row[0] or ""))


def _base_count(conn: Connection, subject: Subject, by: str | None, filters: CountFilters,
                visibility: Visibility | None) -> Counted:
    """The plain way: a ``GROUP BY`` over the records and their facts."""
    shape = _shape(subject)
    where = _where(subject, filters, visibility)
    total = int(conn.execute(select(func.count()).select_from(shape.table).where(*where))
                .scalar_one())
    if by is None:
        return Counted([], total, 0, "base")
    tally: dict[str | None, int] = {}
    unrecorded = 0
    if by in FACT_DIMENSIONS:
        f = shape.facts.alias("by_fact")
        record = f.c.report_id if shape.facts is report_facts else f.c.incident_id
        query = (select(f.c.value, func.count())
                 .select_from(shape.table.join(f, and_(record == shape.id, f.c.dimension == by)))
                 .where(*where).group_by(f.c.value))
        tally = {key: int(n) for key, n in conn.execute(query)}
        a = shape.facts.alias("any_fact")
        a_record = a.c.report_id if shape.facts is report_facts else a.c.incident_id
        with_value = int(conn.execute(select(func.count()).select_from(shape.table).where(
            *where, shape.id.in_(select(a_record).where(a.c.dimension == by)))).scalar_one())
        unrecorded = total - with_value
    elif by in PERIODS:  # UK months, so the month is worked out here, not in SQL
        for month in _uk_months(conn.execute(select(shape.at).where(*where)).scalars()):
            key = period_of_month(by, month)
            tally[key] = tally.get(key, 0) + 1
    else:
        key_column = _column_key(subject, by)
        tally = {key: int(n) for key, n in conn.execute(
            select(key_column, func.count()).select_from(shape.table).where(*where)
            .group_by(key_column))}
    return Counted(_sorted(tally), total, unrecorded, "base")


# --- the rollups ----------------------------------------------------------------------------------

_FINE = ("source_kind", "source_evaluation", "intelligence", "handling")


def _route(subject: Subject, by: str | None, filters: CountFilters) -> str | None:
    """Which rollup answers this question: "pair" (no source kind or grading involved), "star"
    (source kind or grading involved, at most one fact), or None (the base tables)."""
    facts = [d for d in FACT_DIMENSIONS if getattr(filters, d)]
    if len(facts) > 1:
        return None
    fine = subject == "reports" and (any(getattr(filters, n) for n in _FINE)
                                     or by in ("source_kind", "grading"))
    if not fine:
        return "pair"
    if facts and by in FACT_DIMENSIONS:
        return None
    return "star"


def _full_months(date_from: date | None, date_to: date | None
                 ) -> tuple[tuple[str | None, str | None] | None, list[tuple[date, date]]]:
    """The whole UK months inside the dates (None: none) and the days either side of them."""
    if date_from is None and date_to is None:
        return (None, None), []
    first = None
    if date_from is not None:
        first = (date_from if date_from.day == 1
                 else (date_from.replace(day=28) + timedelta(days=4)).replace(day=1))
    last = None
    if date_to is not None:
        following = date_to + timedelta(days=1)
        last = date_to if following.day == 1 else date_to.replace(day=1) - timedelta(days=1)
    if first is not None and last is not None and last < first:
        assert date_from is not None and date_to is not None
        return None, [(date_from, date_to)]
    edges: list[tuple[date, date]] = []
    if date_from is not None and first is not None and first > date_from:
        edges.append((date_from, first - timedelta(days=1)))
    if date_to is not None and last is not None and last < date_to:
        edges.append((last + timedelta(days=1), date_to))
    return ((f"{first:%Y-%m}" if first else None, f"{last:%Y-%m}" if last else None), edges)


@cache
def _access_keys(role: str) -> tuple[str, ...]:
    """Every rollup access key a reader in ``role`` may count: "P", and each set of roles a
    handling-code-C report can be open to that includes theirs (as written by
    ``drachma.analytics.upkeep.access_key``)."""
    others = sorted(r.value for r in Role if r.value != role)
    keys = ["P"]
    for size in range(len(others) + 1):
        for chosen in combinations(others, size):
            keys.append("," + "".join(f"{r}," for r in sorted((*chosen, role))))
    return tuple(keys)


def _access(column: Any, visibility: Visibility | None) -> list[ColumnElement[bool]]:
    """The visibility rule on a rollup: an ``IN`` list of exact keys, which both databases test
    with an index or a hash rather than a pattern per row."""
    if visibility is None or visibility.sees_all_restricted:
        return []
    return [column.in_(_access_keys(visibility.role.value))]


Months = tuple[str | None, str | None]  # first, last ("2018-05"; None: open)


def _whole_years(months: Months) -> tuple[Months | None, list[Months]]:
    """The whole years inside a range of months (first, last; ``None`` open), and the ranges of
    months either side of them; ``None`` and the months themselves when no year is whole."""
    first, last = months
    year_first = None if first is None else (
        first[:4] if first[5:] == "01" else f"{int(first[:4]) + 1:04d}")
    year_last = None if last is None else (
        last[:4] if last[5:] == "12" else f"{int(last[:4]) - 1:04d}")
    if year_first is not None and year_last is not None and year_first > year_last:
        return None, [months]
    edges: list[Months] = []
    if first is not None and year_first is not None and first[:4] != year_first:
        edges.append((first, f"{first[:4]}-12"))
    if last is not None and year_last is not None and last[:4] != year_last:
        edges.append((f"{last[:4]}-01", last))
    return (year_first, year_last), edges


@dataclass(frozen=True, slots=True)
class _Piece:
    """Rows of one rollup table in one range of its period column (``None``: open)."""

    table: Table
    period: str  # "month" or "year"
    first: str | None
    last: str | None


def _pieces(route: str, by: str | None, months: tuple[str | None, str | None]) -> list[_Piece]:
    """Where a count over these whole months is summed from: the pair rollup's whole years from
    ``fact_pair_year_counts`` and the months either side from ``fact_pair_counts`` (a count by
    month or quarter, and the star rollup, by month throughout)."""
    table = fact_pair_counts if route == "pair" else fact_counts
    if route != "pair" or by in ("month", "quarter"):
        return [_Piece(table, "month", *months)]
    years, edges = _whole_years(months)
    pieces = [_Piece(table, "month", first, last) for first, last in edges]
    if years is not None:
        pieces.append(_Piece(fact_pair_year_counts, "year", *years))
    return pieces


def _rollup_count(conn: Connection, subject: Subject, by: str | None, filters: CountFilters,
                  visibility: Visibility | None, months: tuple[str | None, str | None],
                  route: str) -> Counted:
    facts = [(d, getattr(filters, d)) for d in FACT_DIMENSIONS if getattr(filters, d)]
    fact_dim, fact_value = facts[0] if facts else ("", "")

    def b(t: Table) -> tuple[Any, Any]:
        return ((t.c.dimension_b, t.c.value_b) if route == "pair"
                else (t.c.dimension, t.c.value))

    def where(piece: _Piece) -> list[ColumnElement[bool]]:
        t = piece.table
        if route == "pair":
            out = [t.c.subject == subject, t.c.dimension_a == fact_dim,
                   t.c.value_a == fact_value]
        else:
            out = [t.c.subject == subject]
            for name, column in (("source_kind", "source_kind"),
                                 ("source_evaluation", "grading_source"),
                                 ("intelligence", "grading_intelligence"),
                                 ("handling", "grading_handling")):
                if getattr(filters, name):
                    out.append(t.c[column] == getattr(filters, name))
        if piece.first:
            out.append(t.c[piece.period] >= piece.first)
        if piece.last:
            out.append(t.c[piece.period] <= piece.last)
        if filters.force:
            out.append(t.c.force == filters.force)
        return out + _access(t.c.access, visibility)

    def itself(t: Table) -> list[ColumnElement[bool]]:
        # "The records themselves": in the pair rollup b = "" (a = the fact filter or ""); in
        # the star rollup the fact filter's own rows, or dimension "".
        dim_b, value_b = b(t)
        return ([dim_b == "", value_b == ""] if route == "pair"
                else [dim_b == fact_dim, value_b == fact_value])

    pieces = _pieces(route, by, months)

    def summed(parts: list[tuple[int, Any]], key: Any) -> list[tuple[int, Any, int]]:
        """(part, key, sum of n) over every piece, in one statement: a ``UNION ALL`` of one
        branch per part and piece, each an equality on the key's dimension column and a range
        of its period, so each reads one range of the key (an OR or an IN of the parts makes
        PostgreSQL read every dimension's rows in the months)."""
        branches = [select(literal_column(str(code)).label("part"),
                           key(piece).label("key"), piece.table.c.n.label("n"))
                    .where(*where(piece), *condition(piece.table))
                    for code, condition in parts for piece in pieces]
        rows = union_all(*branches).subquery("counted")
        return [(int(part), found, int(n)) for part, found, n in conn.execute(
            select(rows.c.part, rows.c.key, func.sum(rows.c.n))
            .group_by(rows.c.part, rows.c.key))]

    tally: dict[str | None, int] = {}
    if by is None or by in FACT_DIMENSIONS:
        # The total (part 0), the values of ``by`` (1) and how many have one ("+" rows, 2).
        total = with_value = 0
        parts: list[tuple[int, Any]] = [(0, itself)]
        if by is not None:
            parts += [(1, lambda t: [b(t)[0] == by]), (2, lambda t: [b(t)[0] == "+" + by])]
        for part, value, n in summed(parts, lambda piece: b(piece.table)[1]):
            if part == 0:
                total += n
            elif part == 2:
                with_value += n
            else:
                tally[value] = n
        if by is None:
            return Counted([], total, 0, "rollup")
        if by == fact_dim:  # the filter's own value: every record counted has it
            tally[fact_value] = total
            with_value = total
        return Counted(_sorted(tally), total, total - with_value, "rollup")
    if by in PERIODS:
        for _, period, n in summed([(0, itself)], lambda piece: piece.table.c[piece.period]):
            key = period_of_month(by, period)  # a year's key is itself
            tally[key] = tally.get(key, 0) + n
    else:
        def column(piece: _Piece) -> ColumnElement[Any]:
            t = piece.table
            if by == "grading":
                return t.c.grading_source + t.c.grading_intelligence + t.c.grading_handling
            return t.c[by]  # type: ignore[no-any-return]

        for _, found, n in summed([(0, itself)], column):
            tally[found or None] = tally.get(found or None, 0) + n
    # A column or a period puts every record in exactly one row.
    return Counted(_sorted(tally), sum(tally.values()), 0, "rollup")


def count(conn: Connection, subject: Subject, by: str | None, filters: CountFilters,
          visibility: Visibility | None) -> Counted:
    """Records of ``subject`` matching ``filters`` that ``visibility`` may see, by ``by``.

    Inside :meth:`Store.reading <drachma.store.db.Store.reading>` (one snapshot) each question
    is asked of the database once: a repeat is answered from the reading's memo, a count by
    quarter is the count by month added up (the same rows: :func:`_pieces` reads months for
    both), and a total alone is the total of any breakdown already counted with the same
    filters (every breakdown's total is the number of distinct records counted).
    """
    memo = reading_memo(conn)
    if memo is None:
        return _count(conn, subject, by, filters, visibility)
    if by == "quarter":
        months = count(conn, subject, "month", filters, visibility)
        tally: dict[str | None, int] = {}
        for month, n in months.rows:
            quarter = None if month is None else period_of_month("quarter", month)
            tally[quarter] = tally.get(quarter, 0) + n
        return Counted(_sorted(tally), months.total, months.unrecorded, months.path)
    key = ("count", subject, by, filters, visibility)
    total_key = ("total", subject, filters, visibility)
    if key not in memo and by is None and total_key in memo:
        total, path = memo[total_key]
        memo[key] = Counted([], total, 0, path)
    if key not in memo:
        memo[key] = _count(conn, subject, by, filters, visibility)
        memo[total_key] = (memo[key].total, memo[key].path)
    found: Counted = memo[key]
    return Counted(list(found.rows), found.total, found.unrecorded, found.path)


def _count(conn: Connection, subject: Subject, by: str | None, filters: CountFilters,
           visibility: Visibility | None) -> Counted:
    """:func:`count` itself, without the reading's memo.

    Whole UK months come from the rollups (kept in step with every write); the days of a
    partly covered month at either end, and questions with two or more fact filters, or a fact
    filter with source kind or grading and a fact breakdown, from the base tables. For a fact
    dimension a record with two values (a report naming two districts) counts once under each;
    records with no value are ``unrecorded``. For a column or a period every record is in
    exactly one row; a record with no force has key None.
    """
    route = _route(subject, by, filters)
    months, edges = _full_months(filters.date_from, filters.date_to)
    if route is None or months is None:
        return _base_count(conn, subject, by, filters, visibility)
    result = _rollup_count(conn, subject, by, filters, visibility, months, route)
    if not edges:
        return result
    tally = dict(result.rows)
    total, unrecorded = result.total, result.unrecorded
    for start, end in edges:
        part = _base_count(conn, subject, by, filters.replace(date_from=start, date_to=end),
                           visibility)
        for key, n in part.rows:
            tally[key] = tally.get(key, 0) + n
        total += part.total
        unrecorded += part.unrecorded
    if by in FACT_DIMENSIONS and by == next(
            (d for d in FACT_DIMENSIONS if getattr(filters, d)), None):
        tally[getattr(filters, by)] = total
    return Counted(_sorted(tally), total, unrecorded, "rollup+base")


def count_total(conn: Connection, subject: Subject, filters: CountFilters,
                visibility: Visibility | None) -> int:
    return count(conn, subject, None, filters, visibility).total


def _month_bounds(month: str) -> tuple[date, date]:
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, 1), date(year, number, monthrange(year, number)[1])


def _within(filters: CountFilters, start: date, end: date) -> CountFilters:
    """The filters narrowed to the days from ``start`` to ``end`` (inside their own dates)."""
    return filters.replace(
        date_from=max(start, filters.date_from) if filters.date_from else start,
        date_to=min(end, filters.date_to) if filters.date_to else end)


def first_and_last(conn: Connection, subject: Subject, filters: CountFilters,
                   visibility: Visibility | None) -> tuple[datetime | None, datetime | None]:
    """The first and last moment of the records counted: the months from the counts, then the
    moments from those two months' records only."""
    months = [key for key, _ in count(conn, subject, "month", filters, visibility).rows if key]
    if not months:
        return None, None
    shape = _shape(subject)
    first = _within(filters, *_month_bounds(min(months)))
    last = _within(filters, *_month_bounds(max(months)))
    earliest = conn.execute(select(shape.at).where(*_where(subject, first, visibility, True))
                            .order_by(shape.at).limit(1)).scalar()
    latest = conn.execute(select(shape.at).where(*_where(subject, last, visibility, True))
                          .order_by(shape.at.desc()).limit(1)).scalar()
    return _aware(earliest), _aware(latest)


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
    """The records a figure counts, newest first, one page.

    A first pages's records are looked for only in the newest months that hold enough of them
    (from the counts), so a list of a common fact reads a few months, not every record."""
    shape = _shape(subject)
    if offset + limit <= 1000:
        needed = offset + limit
        for month, n in sorted(
                ((k, n) for k, n in count(conn, subject, "month", filters, visibility).rows
                 if k), reverse=True):
            needed -= n
            if needed <= 0:
                start = _month_bounds(month)[0]
                filters = filters.replace(
                    date_from=max(start, filters.date_from) if filters.date_from else start)
                break
    where = _where(subject, filters, visibility, True)
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
