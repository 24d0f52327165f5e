"""Benchmark: the analytics pages' queries beside plain SQL GROUP BY on the same data.

    .venv/bin/python bench/analytics.py --reports 100000                 # SQLite
    .venv/bin/python bench/analytics.py --reports 100000 --backend both  # and PostgreSQL

The data is the demo set at scale (:func:`drachma.demo.load.load_demo`: reports, incidents
(``--incidents``, default a tenth of the reports) linked to them, groups, and the facts analytics
counts). The databases are cached - SQLite in ``bench/.cache/analytics-<n>.db``, PostgreSQL in
the schema ``drachma_bench_analytics`` - while a marker says they hold the same seed and counts.

Timed as an analyst (handling-code-C reports limited to their roles), each ``--repeat`` times:

* the dashboard page: reports by force, by district (two years), by month (three years),
  incidents by reported outcome, and the district hotspots of a year against the year before;
* a GMP-style FOI table (reports, Greater Manchester, 2017-2018, by district);
* a group profile (the busiest demo group);
* the search benchmark's filtered query (a common term, source kind "group", intelligence B).

Beside each, the plain SQL that answers the same question without visibility rules or the
library (``GROUP BY`` over the same tables; the same search statement on a raw cursor) in the
same run. The last line is
``analytics worst page p95 X ms, filtered search p95 Y ms at N reports``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drachma.access.actor import Actor  # noqa: E402
from drachma.analytics import counts as A  # noqa: E402
from drachma.analytics import foi, profiles  # noqa: E402
from drachma.demo.generate import demo_groups  # noqa: E402
from drachma.demo.load import load_demo  # noqa: E402
from drachma.model.roles import Role  # noqa: E402
from drachma.model.user import User  # noqa: E402
from drachma.store import search as search_store  # noqa: E402
from drachma.store.db import Store, normalise_url  # noqa: E402
from drachma.store.migrate import upgrade  # noqa: E402
from drachma.store.reports import ReportFilters  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "drachma_bench_analytics"
TARGET_PAGE_P95_MS = 300.0
SEED = 11
console = Console(width=140)


# --- data --------------------------------------------------------------------------------------

def _marker(n: int, incidents: int) -> dict[str, Any]:
    return {"reports": n, "incidents": incidents, "seed": SEED, "version": 2}


def _load(store: Store, n: int, incidents: int) -> None:
    began = time.perf_counter()
    load_demo(store, SEED, reports=n, incidents=incidents, investigations=30, progress=True,
              console=console)
    console.print(f"loaded {n:,} reports and {incidents:,} incidents in "
                  f"{time.perf_counter() - began:.0f} s")


def prepare_sqlite(n: int, incidents: int, rebuild: bool) -> Store:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"analytics-{n}.db"
    marker = path.with_suffix(".json")
    if rebuild or not marker.exists() or json.loads(marker.read_text()) != _marker(n, incidents):
        for old in (path, path.with_suffix(".db-wal"), path.with_suffix(".db-shm"), marker):
            old.unlink(missing_ok=True)
        store = Store(f"sqlite:///{path}")
        upgrade(store)
        _load(store, n, incidents)
        with store.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
        marker.write_text(json.dumps(_marker(n, incidents)))
        return store
    store = Store(f"sqlite:///{path}")
    upgrade(store)
    return store


def prepare_postgres(url: str, n: int, incidents: int, rebuild: bool) -> Store:
    base = normalise_url(url)
    engine = create_engine(base)
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM information_schema.schemata WHERE "
                                   "schema_name = :s"), {"s": PG_SCHEMA}).first() is not None
        fresh = rebuild or not exists
        if exists and not fresh:
            marked = conn.execute(text("SELECT to_regclass(:t)"),
                                  {"t": f'"{PG_SCHEMA}".bench_marker'}).scalar_one()
            found = (conn.execute(text(f'SELECT info FROM "{PG_SCHEMA}".bench_marker'))
                     .scalar_one_or_none() if marked else None)
            fresh = found is None or json.loads(found) != _marker(n, incidents)
        if fresh:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{PG_SCHEMA}"'))
    engine.dispose()
    schema_url = make_url(base).update_query_dict(
        {"options": f"-csearch_path={PG_SCHEMA}"}).render_as_string(hide_password=False)
    store = Store(schema_url)
    upgrade(store)
    if fresh:
        _load(store, n, incidents)
        with store.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
            conn.execute(text("CREATE TABLE bench_marker (info text)"))
            conn.execute(text("INSERT INTO bench_marker VALUES (:i)"),
                         {"i": json.dumps(_marker(n, incidents))})
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


def run_backend(store: Store, label: str, repeat: int) -> tuple[float, float, int]:
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
        rows.append((name, library, timed(_raw(store, sql, params), repeat)))
        return library

    dashboard = [
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
        "FOI: GMP 2017-2018 by district",
        lambda: foi.answer(store, analyst, foi.FoiQuestion(by="district", filters=gmp)),
        "SELECT f.value, count(*) FROM reports r JOIN report_facts f ON f.report_id = r.id AND "
        "f.dimension = 'district' WHERE r.force = 'greater-manchester' AND r.received_at >= :a "
        "AND r.received_at < :b GROUP BY f.value", {"a": d["y17"], "b": d["y19"]})
    profile_times = row(
        f"group profile: {group}",
        lambda: profiles.group_profile(store, analyst, group),
        "SELECT f2.value, count(*) FROM report_facts f JOIN report_facts f2 ON f2.report_id = "
        "f.report_id AND f2.dimension = 'district' WHERE f.dimension = 'group' AND f.value = :g "
        "GROUP BY f2.value", {"g": group})

    filtered = ReportFilters(source_kind="group", intelligence="B")
    term = "police"

    def library_search() -> object:
        with store.begin() as conn:
            return search_store.search(conn, term, analyst.visibility, filtered)

    captured: list[tuple[str, dict[str, Any]]] = []
    original = search_store._run

    def capture(conn: Any, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        captured.append((sql, dict(params)))
        return original(conn, sql, params)

    search_store._run = capture  # type: ignore[assignment]
    try:
        library_search()
    finally:
        search_store._run = original  # type: ignore[assignment]

    def raw_search() -> object:
        with store.engine.connect() as conn:
            return [original(conn, sql, params) for sql, params in captured]

    search_times = timed(library_search, repeat)
    rows.append((f"search '{term}', source kind group + B", search_times,
                 timed(raw_search, repeat)))

    # A page's cost is the sum of its queries: time them together too.
    dashboard_page = [sum(parts) for parts in zip(*dashboard, strict=True)]
    pages = {"dashboard page (5 queries)": dashboard_page, "FOI page": foi_times,
             "group profile page": profile_times}
    table = Table(title=f"{label}: {total:,} reports, {incidents:,} incidents, "
                        f"{repeat} runs each, as an analyst")
    for column in ("query", "library med ms", "library p95 ms", "plain SQL med ms",
                   "plain SQL p95 ms"):
        table.add_column(column, justify="right" if column != "query" else "left")
    for name, library, plain in rows:
        table.add_row(name, f"{statistics.median(library):.1f}", f"{p95(library):.1f}",
                      f"{statistics.median(plain):.1f}", f"{p95(plain):.1f}")
    for name, times in pages.items():
        verdict = "ok" if p95(times) < TARGET_PAGE_P95_MS else "OVER"
        table.add_row(f"[bold]{name}[/]", f"{statistics.median(times):.1f}",
                      f"{p95(times):.1f} ({verdict} < {TARGET_PAGE_P95_MS:.0f})", "", "")
    console.print(table)
    worst = max(p95(times) for times in pages.values())
    return worst, p95(search_times), total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000, help="how many reports")
    parser.add_argument("--incidents", type=int, default=None,
                        help="how many incidents (default a tenth of the reports)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server URL")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached databases")
    args = parser.parse_args(argv)
    incidents = args.incidents if args.incidents is not None else max(1, args.reports // 10)
    results = []
    if args.backend in ("sqlite", "both"):
        store = prepare_sqlite(args.reports, incidents, args.rebuild)
        results.append(run_backend(store, "SQLite", args.repeat))
        store.dispose()
    if args.backend in ("postgresql", "both"):
        store = prepare_postgres(args.postgres, args.reports, incidents, args.rebuild)
        results.append(run_backend(store, "PostgreSQL", args.repeat))
        store.dispose()
    worst = max(r[0] for r in results)
    search = max(r[1] for r in results)
    print(f"analytics worst page p95 {worst:.0f} ms, filtered search p95 {search:.0f} ms "
          f"at {results[0][2]} reports")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
