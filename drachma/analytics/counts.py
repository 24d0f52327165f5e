"""Counts, trends and hotspots of reports and incidents, for the actor's eyes only.

Every figure says what it counts (reports or incidents), over which dates, and carries the
filters that list the records behind it (:attr:`Figure.filters`, the query string of
``/api/analytics/records`` and ``drachma counts --list``). Reports are counted with the same
visibility rule as search: a handling-code-C report only for the roles allowed to read it.
Incidents carry no handling code; they are counted only for those who may read incidents (the
rule of ``drachma incidents list``: managing incidents, or reading personal data).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from urllib.parse import urlencode

from drachma import gazetteers
from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import CountedIncidentsListed, CountedReportsListed
from drachma.access.permissions import Permission
from drachma.analytics.catalogue import outcome_categories
from drachma.errors import PermissionDenied, ValidationError
from drachma.incidents import records as incident_records
from drachma.model.report import SourceKind
from drachma.store import analytics as analytics_store
from drachma.store.analytics import (
    FACT_DIMENSIONS,
    INCIDENT_COLUMNS,
    PERIODS,
    REPORT_COLUMNS,
    SUBJECTS,
    CountFilters,
    RecordRow,
    Subject,
)
from drachma.store.db import Connection, Store
from drachma.store.reports import Visibility

__all__ = [
    "DIMENSIONS",
    "Breakdown",
    "CountFilters",
    "Dashboard",
    "Figure",
    "HotspotRow",
    "Source",
    "TrendPoint",
    "breakdown",
    "check_filters",
    "dashboard",
    "describe",
    "hotspots",
    "key_label",
    "reading",
    "records",
    "trend",
]

#: What a figure can be broken down by, with the words a table heading uses.
DIMENSIONS: dict[str, str] = {
    "district": "local authority district (2023)",
    "force": "police force area",
    "town": "town",
    "group": "group",
    "platform": "platform",
    "outcome": "reported outcome",
    "source_kind": "kind of source",
    "grading": "grading (3x5x2)",
    "month": "month",
    "quarter": "quarter",
    "year": "year",
}
MAX_LIST = 500
MAX_SPAN_DAYS = 366 * 50

#: Where figures are read from: the store (each call its own read transaction) or a connection
#: already inside :func:`reading` (a page's figures from one snapshot).
Source = Store | Connection


@contextmanager
def reading(source: Source) -> Iterator[Connection]:
    """A connection to read from: a new read-only transaction of the store
    (:meth:`Store.reading`, one snapshot), or the caller's, as it is."""
    if isinstance(source, Store):
        with source.reading() as conn:
            yield conn
    else:
        yield source


@dataclass(frozen=True, slots=True)
class Figure:
    """One number: ``count`` records of ``subject`` with ``key`` (a label for people)."""

    key: str | None
    label: str
    count: int
    filters: CountFilters  # the records behind it: the breakdown's filters plus this key


@dataclass(frozen=True, slots=True)
class Breakdown:
    subject: Subject
    by: str
    filters: CountFilters
    description: str  # what is counted, over which dates, for whom
    figures: list[Figure]
    total: int  # distinct records matching the filters
    unrecorded: int  # records with no value for ``by`` (fact dimensions; else 0)
    note: str = ""  # e.g. that a record may count under several keys
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _visibility(actor: Actor, subject: str = "reports") -> Visibility:
    actor.require(Permission.READ_REPORTS)
    if subject == "incidents" and not incident_records.may_read(actor):
        raise PermissionDenied(f"the {actor.role.label} role may not read incidents, so may not "
                               "count them", field="role")
    return actor.visibility


def check_filters(subject: str, by: str | None, filters: CountFilters) -> Subject:
    """Validate before anything runs; raise :class:`ValidationError` naming the field."""
    if subject not in SUBJECTS:
        raise ValidationError(f"cannot count {subject!r}: give 'reports' or 'incidents'",
                              field="subject")
    allowed = (*FACT_DIMENSIONS, *PERIODS,
               *(REPORT_COLUMNS if subject == "reports" else INCIDENT_COLUMNS))
    if by is not None and by not in allowed:
        raise ValidationError(f"{subject} cannot be counted by {by!r}; choose one of "
                              f"{', '.join(allowed)}", field="by")
    if subject == "incidents":
        for name in ("source_kind", "source_evaluation", "intelligence", "handling"):
            if getattr(filters, name):
                raise ValidationError(f"incidents have no {name.replace('_', ' ')}: that filter "
                                      "applies to reports only", field=name)
    if filters.date_from and filters.date_to:
        if filters.date_to < filters.date_from:
            raise ValidationError("the end date is before the start date", field="date_to")
        if (filters.date_to - filters.date_from).days > MAX_SPAN_DAYS:
            raise ValidationError("a date range may span at most 50 years", field="date_to")
    if filters.force:
        gazetteers.force_by_code(filters.force)
    if filters.district and gazetteers.district_by_code(filters.district) is None:
        raise ValidationError(f"no 2023 district has the code {filters.district!r}",
                              field="district")
    if filters.outcome and filters.outcome not in outcome_categories():
        raise ValidationError(f"unknown outcome {filters.outcome!r}; choose one of "
                              f"{', '.join(outcome_categories())}", field="outcome")
    if filters.source_kind and filters.source_kind not in {k.value for k in SourceKind}:
        raise ValidationError(f"unknown source kind {filters.source_kind!r}",
                              field="source_kind")
    for name, values in (("source_evaluation", "123"), ("intelligence", "ABCDE"),
                         ("handling", "PC")):
        value = getattr(filters, name)
        if value and value not in values:
            raise ValidationError(f"{name.replace('_', ' ')} must be one of {', '.join(values)}",
                                  field=name)
    return subject  # type: ignore[return-value]


def key_label(by: str, key: str | None) -> str:
    """The words for a key: a district's or force's name, an outcome's label, a kind's name."""
    if key is None:
        return "not recorded"
    if by == "district":
        district = gazetteers.district_by_code(key)
        return district.name if district else key
    if by == "force":
        try:
            return gazetteers.force_by_code(key).name
        except ValidationError:
            return key
    if by == "outcome":
        category = outcome_categories().get(key)
        return category.label if category else key
    if by == "source_kind":
        return key.replace("_", " ")
    if by == "month":
        year, month = key.split("-")
        return f"{calendar.month_name[int(month)]} {year}"
    return key


def long_date(day: date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def dates_phrase(filters: CountFilters) -> str:
    """"from 1 January 2017 to 31 December 2018", "from ...", "up to ..." or "at any date"."""
    if filters.date_from and filters.date_to:
        return f"from {long_date(filters.date_from)} to {long_date(filters.date_to)}"
    if filters.date_from:
        return f"from {long_date(filters.date_from)}"
    if filters.date_to:
        return f"up to {long_date(filters.date_to)}"
    return "at any date"


def describe(subject: Subject, filters: CountFilters, by: str | None = None) -> str:
    """One sentence saying what a figure counts: what, which dates, which filters, whose view."""
    what = "Reports received" if subject == "reports" else "Incidents that took place"
    parts = [f"{what} {dates_phrase(filters)}"]
    for name, value in filters.as_params().items():
        if name in ("date_from", "date_to"):
            continue
        label = key_label(name, value) if name in DIMENSIONS else value
        parts.append(f"{name.replace('_', ' ')} {label}")
    text = ", ".join(parts)
    if by:
        text += f", by {DIMENSIONS[by]}"
    if subject == "reports":
        text += "; only reports you may read are counted"
    return text + "."


def _fact_note(subject: Subject, by: str) -> str:
    if by not in FACT_DIMENSIONS:
        return ""
    noun = "report" if subject == "reports" else "incident"
    return (f"A {noun} with more than one {DIMENSIONS[by]} is counted under each, so the rows "
            f"can add up to more than the total.")


def breakdown(store: Source, actor: Actor, subject: str, by: str,
              filters: CountFilters = CountFilters()) -> Breakdown:
    """Counts of ``subject`` ("reports" or "incidents") by ``by``, largest first."""
    visibility = _visibility(actor, subject)
    kind = check_filters(subject, by, filters)
    with reading(store) as conn:
        counted = analytics_store.count(conn, kind, by, filters, visibility)
    rows, total, unrecorded = counted.rows, counted.total, counted.unrecorded
    if by in PERIODS:
        rows.sort(key=lambda row: row[0] or "")
    figures = [Figure(key, key_label(by, key), count,
                      _narrow(filters, by, key)) for key, count in rows]
    return Breakdown(kind, by, filters, describe(kind, filters, by), figures, total, unrecorded,
                     _fact_note(kind, by))


def _period_bounds(by: str, key: str) -> tuple[date, date]:
    if by == "year":
        year = int(key)
        return date(year, 1, 1), date(year, 12, 31)
    if by == "quarter":
        year, quarter = int(key[:4]), int(key[-1])
        first = date(year, 3 * quarter - 2, 1)
        last_month = 3 * quarter
        return first, date(year, last_month, calendar.monthrange(year, last_month)[1])
    year, month = (int(part) for part in key.split("-"))
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _narrow(filters: CountFilters, by: str, key: str | None) -> CountFilters:
    """The filters that list the records behind one figure."""
    if key is None:
        return filters
    if by in PERIODS:
        first, last = _period_bounds(by, key)
        start = max(first, filters.date_from) if filters.date_from else first
        end = min(last, filters.date_to) if filters.date_to else last
        return filters.replace(date_from=start, date_to=end)
    if by == "grading":
        return filters.replace(source_evaluation=key[0], intelligence=key[1], handling=key[2])
    return filters.replace(**{by: key})


def records(store: Source, actor: Actor, subject: str, filters: CountFilters, *,
            limit: int = 50, offset: int = 0, audited: bool = True
            ) -> tuple[list[RecordRow], int]:
    """The records a figure counts (one page, newest first) and how many there are.

    Audited as a search, unless the caller audits the whole read itself (``audited=False``, as
    a group profile does with one event; required inside a caller's :func:`reading`, where
    nothing may be written)."""
    visibility = _visibility(actor, subject)
    kind = check_filters(subject, None, filters)
    if not 1 <= limit <= MAX_LIST or offset < 0:
        raise ValidationError(f"limit must be 1-{MAX_LIST} and offset 0 or more", field="limit")

    def page(conn: Connection) -> tuple[list[RecordRow], int]:
        rows = analytics_store.list_records(conn, kind, filters, visibility, limit=limit,
                                            offset=offset)
        total = (len(rows) if offset == 0 and len(rows) < limit
                 else analytics_store.count_total(conn, kind, filters, visibility))
        return rows, total

    if not audited:
        with reading(store) as conn:
            return page(conn)
    if not isinstance(store, Store):
        raise TypeError("records(audited=True) writes its audit event: give it the store")
    with store.begin() as conn:
        rows, total = page(conn)
        listed = urlencode(filters.as_params())
        if kind == "reports":
            audit.record(conn, actor, CountedReportsListed(filters=listed, shown=len(rows)))
        else:
            audit.record(conn, actor, CountedIncidentsListed(filters=listed, shown=len(rows)))
    return rows, total


# --- trends ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrendPoint:
    period: str  # "2018-03", "2018-Q1", "2018"
    label: str
    count: int
    previous: int | None  # the period before (None for the first)
    change: int | None
    change_percent: float | None  # None when the previous period had none
    filters: CountFilters


def _next_period(by: str, key: str) -> str:
    _, last = _period_bounds(by, key)
    following = last + timedelta(days=1)
    if by == "year":
        return str(following.year)
    if by == "quarter":
        return f"{following.year}-Q{(following.month + 2) // 3}"
    return f"{following.year}-{following.month:02d}"


def _period_of(by: str, day: date) -> str:
    if by == "year":
        return str(day.year)
    if by == "quarter":
        return f"{day.year}-Q{(day.month + 2) // 3}"
    return f"{day.year}-{day.month:02d}"


def trend(store: Source, actor: Actor, subject: str, period: Literal["month", "quarter", "year"],
          filters: CountFilters = CountFilters()) -> tuple[Breakdown, list[TrendPoint]]:
    """Counts per period (empty periods included as 0) with the change on the period before."""
    if period not in PERIODS:
        raise ValidationError(f"period must be one of {', '.join(PERIODS)}", field="period")
    counted = breakdown(store, actor, subject, period, filters)
    by_key = {f.key: f.count for f in counted.figures if f.key}
    if not by_key:
        return counted, []
    first = (_period_of(period, filters.date_from) if filters.date_from else min(by_key))
    last = (_period_of(period, filters.date_to) if filters.date_to else max(by_key))
    points: list[TrendPoint] = []
    key = first
    previous: int | None = None
    while key <= last:
        count = by_key.get(key, 0)
        change = None if previous is None else count - previous
        percent = (None if previous in (None, 0) or change is None
                   else round(100.0 * change / previous, 1))  # type: ignore[operator]
        points.append(TrendPoint(key, key_label(period, key), count, previous, change, percent,
                                 _narrow(filters, period, key)))
        previous = count
        key = _next_period(period, key)
    return counted, points


# --- hotspots ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HotspotRow:
    rank: int
    key: str
    label: str
    count: int
    previous: int | None  # the same areas over the previous period of equal length
    change: int | None
    filters: CountFilters


def hotspots(store: Source, actor: Actor, subject: str = "reports", by: str = "district",
             filters: CountFilters = CountFilters(), *,
             limit: int = 20) -> tuple[Breakdown, list[HotspotRow]]:
    """Areas ranked by how many records name them, with the previous equal period beside them
    when the dates are bounded. Equal counts share a rank."""
    if by not in ("district", "town", "force"):
        raise ValidationError("hotspots rank districts, towns or forces", field="by")
    with reading(store) as conn:  # both periods from one snapshot
        current = breakdown(conn, actor, subject, by, filters)
        before: dict[str | None, int] | None = None
        if filters.date_from and filters.date_to:
            span = (filters.date_to - filters.date_from).days + 1
            earlier = filters.replace(date_from=filters.date_from - timedelta(days=span),
                                      date_to=filters.date_from - timedelta(days=1))
            before = {f.key: f.count
                      for f in breakdown(conn, actor, subject, by, earlier).figures}
    rows: list[HotspotRow] = []
    rank = 0
    last_count = -1
    for position, figure in enumerate(f for f in current.figures if f.key is not None):
        if position >= limit:
            break
        if figure.count != last_count:
            rank, last_count = position + 1, figure.count
        previous = None if before is None else before.get(figure.key, 0)
        rows.append(HotspotRow(rank, figure.key or "", figure.label, figure.count, previous,
                               None if previous is None else figure.count - previous,
                               figure.filters))
    return current, rows


# --- the dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The dashboard page's figures, all read from one snapshot."""

    by_force: Breakdown
    by_district: Breakdown
    by_group: Breakdown
    outcomes: Breakdown  # incidents by reported outcome (the reports-only filters dropped)
    activity: tuple[Breakdown, list[TrendPoint]]  # ``subject`` by quarter


def dashboard(store: Source, actor: Actor, subject: str = "reports",
              filters: CountFilters = CountFilters()) -> Dashboard:
    """What ``/analytics`` shows: ``subject`` by force, district and group, incidents by
    outcome, and ``subject`` by quarter - in one read-only transaction (one connection, one
    snapshot: the five figures agree)."""
    with reading(store) as conn:
        by_force = breakdown(conn, actor, subject, "force", filters)
        by_district = breakdown(conn, actor, subject, "district", filters)
        by_group = breakdown(conn, actor, subject, "group", filters)
        outcomes = breakdown(conn, actor, "incidents", "outcome",
                             filters.replace(source_kind=None, source_evaluation=None,
                                             intelligence=None, handling=None))
        activity = trend(conn, actor, subject, "quarter", filters)
    return Dashboard(by_force, by_district, by_group, outcomes, activity)
