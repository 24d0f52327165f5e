"""Benchmark: the analytics pages' queries beside plain SQL GROUP BY on the same data.

    .venv/bin/python bench/analytics.py                                   # SQLite, 1,000,000
    .venv/bin/python bench/analytics.py --reports 100000 --backend both   # and PostgreSQL

The data is the search benchmark's cached database (``bench/search.py``: the same reports from
:func:`drachma.demo.generate_reports`, seed 7, in ``bench/.cache/search-<n>-7.sqlite`` or the
PostgreSQL schema ``drachma_bench`` - ``--pg-schema`` names another), with what analytics needs
added once on top and marked (table ``bench_analytics_marker``): the demo groups, what each
report is about (its town, district and group, as the demo loader records them), the first
``--incidents`` (default 100,000, at most a tenth of the reports) of the stings the reports tell
of as incidents linked to their reports, and the facts and count rollups rebuilt from all that
(:func:`drachma.analytics.upkeep.rebuild_in`, as ``drachma analytics rebuild`` does).

Timed as an analyst (handling-code-C reports limited to their roles), each ``--repeat`` times:

* the dashboard page as ``/analytics`` opens (:func:`drachma.analytics.counts.dashboard`, what
  the page runs: reports by force, district and group, incidents by outcome, reports by
  quarter), and beside it the dashboard's queries one by one: reports by force, by district
  (two years), by month (three years), incidents by reported outcome, and the district hotspots
  of a year against the year before;
* a GMP-style FOI table (reports, Greater Manchester, 2017-2018, by district);
* a group profile (the busiest demo group), as its page reads it;
* the search benchmark's filtered query (common terms, source kind "group", intelligence B,
  every match ranked by the search index), through ``bench/search.py``'s
  ``filtered_query_times``.

Beside each, the plain SQL that answers the same question without visibility rules, rollups or
the library (``GROUP BY`` over the base tables; for search, SQL scoring every match of the term
and keeping the best 20) in the same run. Each page is also run once with SQLAlchemy's events
counting what reaches the database - statements, transactions begun and pool checkouts (on
PostgreSQL each checkout is a ping, each transaction a BEGIN and a COMMIT): a figure the load of
a shared machine does not move. The last line is
``analytics worst page p95 X ms, filtered search p95 Y ms at N reports``.

``--pages-only`` times the three pages and counts their statements, nothing else (no plain SQL,
no per-query rows, no search): for comparing two versions of the library on the same data.
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import event as sa_event
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drachma.access.actor import Actor  # noqa: E402
from drachma.analytics import counts as A  # noqa: E402
from drachma.analytics import foi, profiles, upkeep  # noqa: E402
from drachma.analytics.facts import demo_facts  # noqa: E402
from drachma.demo import DemoEvent, GeneratedReport, demo_groups, generate_detailed  # noqa: E402
from drachma.demo.generate import default_events  # noqa: E402
from drachma.demo.load import _incident  # noqa: E402
from drachma.model.roles import Role  # noqa: E402
from drachma.model.user import User  # noqa: E402
from drachma.store import analytics as analytics_store  # noqa: E402
from drachma.store import entities as entity_store  # noqa: E402
from drachma.store import groups as group_store  # noqa: E402
from drachma.store.db import Store  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_PAGE_P95_MS = 300.0
SEARCH_SEED = 7  # bench/search.py's default seed: the same reports
BATCH = 5000
console = Console(width=140)


def search_bench() -> ModuleType:
    """``bench/search.py`` as a module (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("drachma_bench_search",
                                                  ROOT / "bench" / "search.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# --- data ---------------------------------------------------------------------------------------

def _marker(n: int, incidents: int) -> dict[str, Any]:
    return {"reports": n, "incidents": incidents, "seed": SEARCH_SEED, "version": 3}


def _marked(store: Store) -> dict[str, Any] | None:
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_analytics_marker (info text)"))
        found = conn.execute(text("SELECT info FROM bench_analytics_marker")).scalar()
    return json.loads(found) if found else None


class _Stamp:
    __slots__ = ("id", "received_at")

    def __init__(self, report_id: int | None, received_at: Any) -> None:
        self.id, self.received_at = report_id, received_at


class _Light:
    """What linking needs of a generated report (its id, time, event, group), without its text:
    a million reports' bodies need not stay in memory."""

    __slots__ = ("event", "group", "report")

    def __init__(self, item: GeneratedReport) -> None:
        self.report = _Stamp(item.report.id, item.report.received_at)
        self.event = item.event
        self.group = item.group


def _nearest(pool: list[tuple[float, int]], when: float, k: int) -> list[int]:
    """The ``k`` reports of a time-sorted pool nearest ``when``, found by bisection - the demo
    loader sorts the whole pool per incident, too slow at a million. (Reports received at the
    same second may be taken in another order than the demo loader's.)"""
    right = bisect.bisect_left(pool, (when, -1))
    left = right - 1
    chosen: list[int] = []
    while len(chosen) < k and (left >= 0 or right < len(pool)):
        take_left = right >= len(pool) or (
            left >= 0 and (when - pool[left][0], pool[left][1])
            <= (pool[right][0] - when, pool[right][1]))
        if take_left:
            chosen.append(pool[left][1])
            left -= 1
        else:
            chosen.append(pool[right][1])
            right += 1
    return sorted(chosen)


def _link(events: list[DemoEvent], kept: list[_Light], rng: random.Random
          ) -> dict[int, list[int]]:
    """Each event's reports (1-3): those that tell of it, else the nearest of its group's (the
    demo loader's rule, ``drachma.demo.load._link_reports``)."""
    told: dict[int, list[int]] = {}
    by_group: dict[int, list[tuple[float, int]]] = {}
    every: list[tuple[float, int]] = []
    for item in kept:
        report_id = item.report.id
        assert report_id is not None
        if item.event is not None:
            told.setdefault(item.event.key, []).append(report_id)
        stamp = item.report.received_at.timestamp()
        by_group.setdefault(item.group, []).append((stamp, report_id))
        every.append((stamp, report_id))
    for pool in (*by_group.values(), every):
        pool.sort()
    links: dict[int, list[int]] = {}
    for event in events:
        ids = told.get(event.key, [])[:3]
        if not ids and every:
            pool = by_group.get(event.group) or every
            ids = _nearest(pool, event.occurred_at.timestamp(), 1 + rng.randrange(2))
        links[event.key] = ids
    return links


def add_analytics_data(store: Store, n: int, incidents: int) -> None:
    """Add groups, report facts, incidents and the rollups to the search benchmark's reports."""
    began = time.perf_counter()
    with store.begin() as conn:
        ids = [int(i) for i in conn.execute(text("SELECT id FROM reports ORDER BY id")).scalars()]
        first_hash = conn.execute(text("SELECT content_hash FROM reports ORDER BY id LIMIT 1")
                                  ).scalar_one()
        conn.execute(text("DELETE FROM incident_reports"))
        conn.execute(text("DELETE FROM incident_facts"))
        conn.execute(text("DELETE FROM incidents"))
        conn.execute(text("DELETE FROM report_facts"))
        for group in demo_groups():
            if group_store.find_group(conn, group.name) is None:
                group_store.insert_group(conn, group.to_group())
    if len(ids) != n:
        raise SystemExit(f"the search benchmark's database holds {len(ids):,} reports, not {n:,}")
    events: list[DemoEvent] = []
    stream = generate_detailed(n, SEARCH_SEED, events=default_events(n), on_event=events.append)
    kept: list[_Light] = []
    groups = demo_groups()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("what each report is about", total=n)
        position = 0
        batch: list[GeneratedReport] = []

        def flush() -> None:
            nonlocal position
            with store.begin() as conn:
                rows = []
                for item in batch:
                    item.report.id = ids[position]
                    position += 1
                    rows.append((item.report.id, item.town, groups[item.group].name))
                analytics_store.insert_facts(conn, "reports", demo_facts(rows))
            kept.extend(_Light(item) for item in batch)
            bar.advance(task, len(batch))
            batch.clear()

        for item in stream:
            if not kept and not batch and item.report.content_hash != first_hash:
                raise SystemExit("the cached reports are not generate_reports(n, 7): rebuild "
                                 "bench/search.py's cache")
            batch.append(item)
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
        chosen = events[:incidents]
        links = _link(chosen, kept, random.Random(SEARCH_SEED * 1_000_003 + 17))
        kept.clear()
        task = bar.add_task("incidents", total=len(chosen))
        for start in range(0, len(chosen), BATCH):
            with store.begin() as conn:
                for event in chosen[start:start + BATCH]:
                    entity_store.insert_incident(conn, _incident(event, SEARCH_SEED,
                                                                 links[event.key]))
            bar.advance(task, len(chosen[start:start + BATCH]))
        tasks: dict[str, Any] = {}

        def advance(subject: str, done: int, total: int) -> None:
            if subject not in tasks:
                tasks[subject] = bar.add_task(f"rollups: {subject}", total=total)
            bar.update(tasks[subject], completed=done)

        with store.begin() as conn:
            summary = upkeep.rebuild_in(conn, advance)
    # As an operator does after a bulk load (docs/operations.md): on PostgreSQL VACUUM too, so
    # that the visibility map lets the rollups be read by index-only scans.
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE" if store.is_sqlite else "VACUUM ANALYZE"))
    console.print(f"added {len(chosen):,} incidents and the facts of {n:,} reports; "
                  f"{summary.rollup_rows:,} rollup rows; {time.perf_counter() - began:.0f} s")
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM bench_analytics_marker"))
        conn.execute(text("INSERT INTO bench_analytics_marker VALUES (:i)"),
                     {"i": json.dumps(_marker(n, incidents))})


def prepare(bench: ModuleType, backend: str, n: int, incidents: int, rebuild: bool,
            postgres: str) -> Store:
    if backend == "sqlite":
        store: Store = bench.prepare_sqlite(n, SEARCH_SEED, rebuild)
    else:
        store = bench.prepare_postgres(postgres, n, SEARCH_SEED, rebuild)
    if rebuild or _marked(store) != _marker(n, incidents):
        add_analytics_data(store, n, incidents)
    elif not store.is_sqlite:
        # A cached database upgraded to 0022 has just had its rollup by year filled: VACUUM it,
        # as an operator does after an upgrade, so that its sums are index-only scans (quick
        # once done).
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE fact_pair_year_counts"))
    return store


# --- timing ------------------------------------------------------------------------------------

def _ms(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return (time.perf_counter() - began) * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm: caches and the first connection are not what a page costs
    return [_ms(fn) for _ in range(repeat)]


def tally(store: Store, fn: Callable[[], object]) -> tuple[int, int, int]:
    """(statements, transactions begun, pool checkouts) of one run of ``fn``."""
    seen = [0, 0, 0]

    def statement(*_: Any) -> None:
        seen[0] += 1

    def begin(*_: Any) -> None:
        seen[1] += 1

    def checkout(*_: Any) -> None:
        seen[2] += 1

    hooks: list[tuple[Any, str, Callable[..., None]]] = [
        (store.engine, "before_cursor_execute", statement), (store.engine, "begin", begin),
        (store.engine.pool, "checkout", checkout)]
    for target, name, hook in hooks:
        sa_event.listen(target, name, hook)
    try:
        fn()
    finally:
        for target, name, hook in hooks:
            sa_event.remove(target, name, hook)
    return seen[0], seen[1], seen[2]


def _raw(store: Store, sql: str, params: dict[str, Any]) -> Callable[[], object]:
    def run() -> object:
        with store.engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    return run


def _day(store: Store, day: date) -> Any:
    # The stored form of a UTC midnight, for raw SQL comparisons.
    return f"{day.isoformat()} 00:00:00.000000" if store.is_sqlite else day.isoformat()


def _month_sql(store: Store) -> str:
    return ("strftime('%Y-%m', received_at)" if store.is_sqlite
            else "to_char(timezone('UTC', received_at), 'YYYY-MM')")


def run_backend(store: Store, label: str, repeat: int, bench: ModuleType,
                pages_only: bool = False) -> tuple[float, float | None, int]:
    with store.engine.connect() as conn:
        total = int(conn.execute(text("SELECT count(*) FROM reports")).scalar_one())
        incidents = int(conn.execute(text("SELECT count(*) FROM incidents")).scalar_one())
    analyst = Actor(User(username="bench-analyst", display_name="Bench", role=Role.ANALYST))
    two_years = A.CountFilters(date_from=date(2018, 1, 1), date_to=date(2019, 12, 31))
    three_years = A.CountFilters(date_from=date(2017, 1, 1), date_to=date(2019, 12, 31))
    year = A.CountFilters(date_from=date(2019, 1, 1), date_to=date(2019, 12, 31))
    gmp = A.CountFilters(date_from=date(2017, 1, 1), date_to=date(2018, 12, 31),
                         force="greater-manchester")
    with store.engine.connect() as conn:
        busiest = conn.execute(text(
            "SELECT value FROM report_facts WHERE dimension = 'group' GROUP BY value "
            "ORDER BY count(*) DESC LIMIT 1")).scalar_one_or_none()
    group = busiest or demo_groups()[0].name
    d = {name: _day(store, day) for name, day in (
        ("y18", date(2018, 1, 1)), ("y20", date(2020, 1, 1)), ("y17", date(2017, 1, 1)),
        ("y19", date(2019, 1, 1)))}
    rows: list[tuple[str, list[float], list[float]]] = []

    def row(name: str, fn: Callable[[], object], sql: str, params: dict[str, Any]) -> list[float]:
        library = timed(fn, repeat)
        if not pages_only:
            rows.append((name, library, timed(_raw(store, sql, params), repeat)))
        return library

    def dashboard_page() -> object:
        return A.dashboard(store, analyst)

    def foi_page() -> object:
        return foi.answer(store, analyst, foi.FoiQuestion(by="district", filters=gmp))

    def profile_page() -> object:
        return profiles.group_profile(store, analyst, group)

    dashboard_times = timed(dashboard_page, repeat)
    dashboard = [] if pages_only else [
        row("dashboard: reports by force",
            lambda: A.breakdown(store, analyst, "reports", "force"),
            "SELECT force, count(*) FROM reports GROUP BY force", {}),
        row("dashboard: reports by district, 2 years",
            lambda: A.breakdown(store, analyst, "reports", "district", two_years),
            "SELECT f.value, count(*) FROM reports r JOIN report_facts f ON f.report_id = r.id "
            "AND f.dimension = 'district' WHERE r.received_at >= :a AND r.received_at < :b "
            "GROUP BY f.value", {"a": d["y18"], "b": d["y20"]}),
        row("dashboard: reports by month, 3 years",
            lambda: A.trend(store, analyst, "reports", "month", three_years),
            f"SELECT {_month_sql(store)}, count(*) FROM reports WHERE received_at >= :a "
            f"AND received_at < :b GROUP BY 1", {"a": d["y17"], "b": d["y20"]}),
        row("dashboard: incidents by outcome",
            lambda: A.breakdown(store, analyst, "incidents", "outcome"),
            "SELECT outcome, count(*) FROM incidents GROUP BY outcome", {}),
        row("dashboard: district hotspots 2019 v 2018",
            lambda: A.hotspots(store, analyst, "reports", "district", year),
            "SELECT f.value, count(*) FROM reports r JOIN report_facts f ON f.report_id = r.id "
            "AND f.dimension = 'district' WHERE r.received_at >= :a AND r.received_at < :b "
            "GROUP BY f.value", {"a": d["y19"], "b": d["y20"]}),
    ]
    foi_times = row(
        "FOI: GMP 2017-2018 by district", foi_page,
        "SELECT f.value, count(*) FROM reports r JOIN report_facts f ON f.report_id = r.id AND "
        "f.dimension = 'district' WHERE r.force = 'greater-manchester' AND r.received_at >= :a "
        "AND r.received_at < :b GROUP BY f.value", {"a": d["y17"], "b": d["y19"]})
    profile_times = row(
        f"group profile: {group}", profile_page,
        "SELECT f2.value, count(*) FROM report_facts f JOIN report_facts f2 ON f2.report_id = "
        "f.report_id AND f2.dimension = 'district' WHERE f.dimension = 'group' AND f.value = :g "
        "GROUP BY f2.value", {"g": group})

    search_times: list[float] | None = None
    if not pages_only:
        # bench/search.py's filtered query (common terms, source kind group + intelligence B,
        # every match ranked by the search index) beside the plain SQL ranking of every match.
        search_times, raw_times = bench.filtered_query_times(store, repeat)
        rows.append(("search: bench/search.py's filtered query", search_times, raw_times))

    pages = {"dashboard page (as /analytics opens)": dashboard_times, "FOI page": foi_times,
             "group profile page": profile_times}
    counted = {"dashboard page (as /analytics opens)": tally(store, dashboard_page),
               "FOI page": tally(store, foi_page), "group profile page": tally(store, profile_page)}
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    table = Table(title=f"{label}: {total:,} reports, {incidents:,} incidents, "
                        f"{repeat} runs each, as an analyst; load average {load} at the end")
    for column in ("query", "library med ms", "library p95 ms", "plain SQL med ms",
                   "plain SQL p95 ms"):
        table.add_column(column, justify="right" if column != "query" else "left")
    for name, library, plain in rows:
        table.add_row(name, f"{statistics.median(library):.1f}", f"{p95(library):.1f}",
                      f"{statistics.median(plain):.1f}", f"{p95(plain):.1f}")
    if dashboard:
        # The dashboard's queries one by one, each its own transaction, added up.
        summed = [sum(parts) for parts in zip(*dashboard, strict=True)]
        table.add_row("the five dashboard queries above, added up",
                      f"{statistics.median(summed):.1f}", f"{p95(summed):.1f}", "", "")
    for name, times in pages.items():
        verdict = "ok" if p95(times) < TARGET_PAGE_P95_MS else "OVER"
        table.add_row(f"[bold]{name}[/]", f"{statistics.median(times):.1f}",
                      f"{p95(times):.1f} ({verdict} < {TARGET_PAGE_P95_MS:.0f})", "", "")
    console.print(table)
    for name, (statements, transactions, checkouts) in counted.items():
        console.print(f"{label} {name}: {statements} statements, {transactions} transactions, "
                      f"{checkouts} pool checkouts")
    worst = max(p95(times) for times in pages.values())
    return worst, None if search_times is None else p95(search_times), total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000, help="how many reports")
    parser.add_argument("--incidents", type=int, default=None,
                        help="how many incidents (default 100,000, at most a tenth of the "
                             "reports)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server URL")
    parser.add_argument("--pg-schema", default=None,
                        help="PostgreSQL schema of the cached database (default bench/search.py's)")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached databases")
    parser.add_argument("--pages-only", action="store_true",
                        help="time the three pages and count their statements only (no plain "
                             "SQL, per-query rows or search)")
    args = parser.parse_args(argv)
    incidents = (args.incidents if args.incidents is not None
                 else min(100_000, max(1, args.reports // 10)))
    bench = search_bench()
    if args.pg_schema:
        setattr(bench, "PG_SCHEMA", args.pg_schema)  # noqa: B010
    results = []
    for backend, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        if args.backend not in (backend, "both"):
            continue
        store = prepare(bench, backend, args.reports, incidents, args.rebuild, args.postgres)
        results.append(run_backend(store, label, args.repeat, bench, args.pages_only))
        store.dispose()
    worst = max(r[0] for r in results)
    searched = [r[1] for r in results if r[1] is not None]
    search = f"{max(searched):.0f} ms" if searched else "not measured"
    print(f"analytics worst page p95 {worst:.0f} ms, filtered search p95 {search} "
          f"at {results[0][2]} reports")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
