"""Benchmark: ranked full-text search over EVERY match at a million reports, with and without
filters, through the search index (tantivy) against the plain SQL ranking in the same run.

    .venv/bin/python bench/search.py                       # SQLite, 1,000,000 reports
    .venv/bin/python bench/search.py --backend both        # and PostgreSQL (local server)
    .venv/bin/python bench/search.py --postgres postgresql://... --reports 200000

The reports come from :func:`drachma.demo.generate_reports` (streamed, deterministic per seed) and
are inserted through :func:`drachma.store.reports.insert_many` in batches. The databases are
cached - SQLite under ``bench/.cache/``, PostgreSQL in the schema ``drachma_bench``
(``--pg-schema``) - and reused while a marker says they hold the same seed, count and
generator. The search index is built with :func:`drachma.store.search_index.rebuild` (timed)
unless it is already current.

For each kind of query (common terms matching over 10% of reports, rare ones under 0.1%, each
without filters, with source kind + intelligence (about 4% of reports), and with force + one
year) every term is searched several times through :func:`drachma.store.search.search` as an
analyst (the search index, then the hits read back from the database with their snippets), and
the plain SQL that ranks every match (``ORDER BY bm25(...)`` / ``ts_rank_cd`` over all matches,
visibility and filters in SQL, ``LIMIT 20``) is timed on the same data. "Every match ranked"
checks that the search counted exactly as many matches as SQL's ``count(*)`` of the visible,
filtered matches. Target: p95 under 100 ms.

:func:`filtered_search_timings` is the filtered query timed on its own (``bench/analytics.py``
imports it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drachma.model.grading import (  # noqa: E402
    Grading,
    HandlingCode,
    IntelligenceAssessment,
    SourceEvaluation,
)
from drachma.model.report import Report, SourceKind  # noqa: E402
from drachma.model.roles import Role  # noqa: E402
from drachma.store import search as search_store  # noqa: E402
from drachma.store import search_index  # noqa: E402
from drachma.store.db import Store, normalise_url  # noqa: E402
from drachma.store.migrate import upgrade  # noqa: E402
from drachma.store.reports import ReportFilters, Visibility, insert_many  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "drachma_bench"
TARGET_P95_MS = 100.0
COMMON_SHARE = 0.10
RARE_SHARE = 0.001
console = Console(width=150)


# --- reports -------------------------------------------------------------------------------------

def _fallback_reports(n: int, seed: int) -> Iterator[Report]:
    """Used only while ``drachma.demo.generate_reports`` does not exist yet."""
    rng = random.Random(seed)
    common = ["Facebook", "police", "arrested", "group", "video", "decoy", "meeting", "chat"]
    syllables = ["bra", "nek", "vol", "thar", "quin", "dro", "mel", "zask", "orp", "lun", "gev",
                 "ste", "ran", "kol", "pim", "tesh", "wa", "ry", "don", "ak"]
    vocabulary = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(1, 3)))
                         for _ in range(8000)})
    rng.shuffle(vocabulary)
    weights = [1 / (rank + 10) for rank in range(len(vocabulary))]  # Zipf-like
    cumulative = list(itertools.accumulate(weights))
    rare = ["".join(rng.choice(syllables) for _ in range(4)) for _ in range(20000)]
    forces = ["metropolitan", "west-midlands", "greater-manchester", "merseyside", "kent",
              "essex", "thames-valley", "west-yorkshire"]
    kinds = list(SourceKind)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    for i in range(n):
        words = rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(40, 140))
        for term in common:
            if rng.random() < 0.2:
                words.insert(rng.randrange(len(words)), term)
        for _ in range(rng.randint(0, 2)):
            words.insert(rng.randrange(len(words)), rng.choice(rare).capitalize())
        restricted = rng.random() < 0.05
        grading = Grading(
            rng.choice(list(SourceEvaluation)),
            rng.choice(list(IntelligenceAssessment)),
            HandlingCode.CONDITIONS if restricted else HandlingCode.PERMITTED,
            "Not to be shared outside the investigation team." if restricted else None,
        )
        yield Report(
            title=" ".join(words[:8]).capitalize(),
            body=" ".join(words) + ".",
            received_at=start + timedelta(minutes=3 * i),
            source_kind=rng.choice(kinds),
            grading=grading,
            visible_to=frozenset({Role.INVESTIGATOR}) if restricted else frozenset(),
            force=rng.choice(forces),
            content_hash=f"{seed:08x}{i:056x}",
        )


def report_stream(n: int, seed: int) -> tuple[str, Iterator[Report]]:
    try:
        from drachma.demo import generate_reports
        generate_reports(1, seed)  # the demo generator may be half-written while others work
        next(iter(generate_reports(1, seed)))
    except (ImportError, AttributeError):
        console.print("[yellow]drachma.demo.generate_reports is missing: using the bench's own "
                      "fallback generator[/]")
        return "fallback-2", _fallback_reports(n, seed)
    return "drachma.demo", iter(generate_reports(n, seed))


def _batched(stream: Iterator[Report], size: int) -> Iterator[list[Report]]:
    batch: list[Report] = []
    for report in stream:
        batch.append(report)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), console=console)


def _load(store: Store, n: int, seed: int, batch_size: int) -> tuple[str, float]:
    generator, stream = report_stream(n, seed)
    started = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("inserting reports", total=n, rate="")
        done = 0
        for batch in _batched(stream, batch_size):
            with store.begin() as conn:
                insert_many(conn, batch)
            done += len(batch)
            rate = done / (time.perf_counter() - started)
            progress.update(task, advance=len(batch), rate=f"{rate:,.0f}/s")
    return generator, time.perf_counter() - started


# --- SQLite --------------------------------------------------------------------------------------

_FTS_TRIGGERS = ("reports_fts_insert", "reports_fts_delete", "reports_fts_update")


def prepare_sqlite(n: int, seed: int, rebuild: bool) -> Store:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"search-{n}-{seed}.sqlite"
    marker = path.with_suffix(".json")
    if not rebuild and path.exists() and marker.exists():
        info = json.loads(marker.read_text())
        if info.get("count") == n and info.get("seed") == seed and _generator_matches(info):
            console.print(f"SQLite: reusing {path} ({info['load_note']})")
            store = Store(f"sqlite:///{path}")
            _apply_new_migrations(store, "SQLite")
            return store
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    store = Store(f"sqlite:///{path}")
    upgrade(store)
    # Bench-only bulk load: no FTS triggers while inserting, one FTS 'rebuild' afterwards.
    with store.begin() as conn:
        triggers = {
            name: sql for name, sql in conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ) if name in _FTS_TRIGGERS
        }
        for name in triggers:
            conn.execute(text(f"DROP TRIGGER {name}"))
    generator, insert_seconds = _load(store, n, seed, batch_size=5000)
    started = time.perf_counter()
    with console.status("building the FTS5 index (rebuild)"), store.begin() as conn:
        conn.execute(text("INSERT INTO reports_fts(reports_fts) VALUES ('rebuild')"))
        conn.execute(text("INSERT INTO reports_fts(reports_fts) VALUES ('optimize')"))
        for sql in triggers.values():
            conn.execute(text(sql))
    fts_seconds = time.perf_counter() - started
    with console.status("ANALYZE"), store.begin() as conn:
        conn.execute(text("ANALYZE"))
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    note = (f"loaded {n:,} reports: insert {insert_seconds:.0f} s, FTS5 rebuild "
            f"{fts_seconds:.0f} s")
    console.print(f"SQLite: {note}")
    marker.write_text(json.dumps({"count": n, "seed": seed, "generator": generator,
                                  "load_note": note}))
    return store


def _apply_new_migrations(store: Store, label: str) -> None:
    """A cached database is upgraded in place: migrations since the load (such as 0006's search
    indexes, seconds at a million reports) apply to the existing rows, as they would in a
    deployment."""
    started = time.perf_counter()
    before, after = upgrade(store)
    if before != after:
        with store.begin() as conn:
            conn.execute(text("ANALYZE" if store.is_sqlite else "ANALYZE reports"))
        console.print(f"{label}: upgraded the cached database {before} -> {after} "
                      f"({time.perf_counter() - started:.0f} s)")


def _generator_matches(info: dict[str, Any]) -> bool:
    try:
        from drachma.demo import generate_reports  # noqa: F401
    except ImportError:
        return bool(info.get("generator") == "fallback-2")
    return bool(info.get("generator") == "drachma.demo")


# --- PostgreSQL ----------------------------------------------------------------------------------

def _schema_url(url: str, schema: str) -> str:
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def prepare_postgres(url: str, n: int, seed: int, rebuild: bool) -> Store:
    url = normalise_url(url)
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {PG_SCHEMA}"))
        conn.execute(text(f"CREATE TABLE IF NOT EXISTS {PG_SCHEMA}.bench_marker (info text)"))
        info_text = conn.execute(text(f"SELECT info FROM {PG_SCHEMA}.bench_marker")).scalar()
    info = json.loads(info_text) if info_text else {}
    store = Store(_schema_url(url, PG_SCHEMA))
    if (not rebuild and info.get("count") == n and info.get("seed") == seed
            and _generator_matches(info)):
        console.print(f"PostgreSQL: reusing schema {PG_SCHEMA} ({info['load_note']})")
        admin.dispose()
        _apply_new_migrations(store, "PostgreSQL")
        return store
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        conn.execute(text(f"CREATE TABLE {PG_SCHEMA}.bench_marker (info text)"))
    upgrade(store)
    # Bench-only bulk load: the GIN index is built once at the end, not maintained row by row.
    with store.begin() as conn:
        index_sql = conn.execute(text(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND indexname = 'ix_reports_search_vector'")).scalar_one()
        conn.execute(text("DROP INDEX ix_reports_search_vector"))
    generator, insert_seconds = _load(store, n, seed, batch_size=5000)
    started = time.perf_counter()
    with console.status("building the GIN index"), store.begin() as conn:
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
        conn.execute(text(index_sql))
    gin_seconds = time.perf_counter() - started
    with console.status("VACUUM ANALYZE"), store.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE reports"))
        conn.execute(text("VACUUM ANALYZE report_access"))
    note = f"loaded {n:,} reports: insert {insert_seconds:.0f} s, GIN index {gin_seconds:.0f} s"
    console.print(f"PostgreSQL: {note}")
    with admin.begin() as conn:
        conn.execute(text(f"DELETE FROM {PG_SCHEMA}.bench_marker"))
        conn.execute(text(f"INSERT INTO {PG_SCHEMA}.bench_marker VALUES (:info)"), {
            "info": json.dumps({"count": n, "seed": seed, "generator": generator,
                                "load_note": note})})
    admin.dispose()
    return store


# --- choosing terms ------------------------------------------------------------------------------

def candidate_words(seed: int, sample: int = 3000) -> list[str]:
    """Words of the first reports of the stream, so that every candidate occurs at least once."""
    _, stream = report_stream(sample, seed)
    counts: dict[str, int] = {}
    for report in stream:
        for word in set(re.findall(r"[A-Za-z]{4,}", f"{report.title} {report.body}")):
            counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w], w))


def document_frequency(store: Store, word: str) -> int:
    with store.engine.connect() as conn:
        if store.is_sqlite:
            sql = "SELECT count(*) FROM reports_fts WHERE reports_fts MATCH :q"
            return int(conn.execute(text(sql), {"q": f'"{word}"'}).scalar_one())
        sql = ("SELECT count(*) FROM reports "
               "WHERE search_vector @@ to_tsquery('english', :q)")
        return int(conn.execute(text(sql), {"q": search_store.pg_query(word)}).scalar_one())


def choose_terms(store: Store, seed: int, total: int, how_many: int, *, rare_too: bool = True
                 ) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    words = candidate_words(seed)
    known_common: tuple[str, ...] = ()
    known_rare: tuple[str, ...] = ()
    try:
        from drachma.demo import COMMON_WORDS, RARE_WORDS
        known_common, known_rare = tuple(COMMON_WORDS), tuple(RARE_WORDS)
    except ImportError:
        pass
    common: list[tuple[str, int]] = []
    for word in [*known_common, *words[:60]]:
        df = document_frequency(store, word)
        if (df > COMMON_SHARE * total and word.lower() not in {"with", "that", "were", "from"}
                and word.lower() not in {w.lower() for w, _ in common}):
            common.append((word, df))
        if len(common) >= how_many:
            break
    rare: list[tuple[str, int]] = []
    if not rare_too:
        return common, rare
    rng = random.Random(seed)
    tail = words[len(words) // 2:]
    rng.shuffle(tail)
    for word in [*known_rare, *tail[:400]]:
        df = document_frequency(store, word)
        if 0 < df < RARE_SHARE * total:
            rare.append((word, df))
        if len(rare) >= how_many:
            break
    return common, rare


# --- timing --------------------------------------------------------------------------------------

ANALYST = Visibility(Role.ANALYST)
GROUP_B = ReportFilters(source_kind=SourceKind.GROUP.value, intelligence="B")


def force_and_year(store: Store) -> ReportFilters:
    """The commonest force and the year 2019 (the generated reports start in 2019)."""
    with store.engine.connect() as conn:
        force = conn.execute(text(
            "SELECT force FROM reports WHERE force IS NOT NULL GROUP BY force "
            "ORDER BY count(*) DESC LIMIT 1")).scalar()
    return ReportFilters(force=force, received_from=date(2019, 1, 1),
                         received_to=date(2019, 12, 31))


def _ms(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _sql_parts(store: Store, term: str, filters: ReportFilters
               ) -> tuple[str, str, dict[str, Any]]:
    """FROM/WHERE of the plain SQL over every visible match passing the filters, and its score."""
    dialect = "sqlite" if store.is_sqlite else "postgresql"
    conditions = search_store.conditions_sql(ANALYST, filters, dialect)
    if store.is_sqlite:
        where = ("FROM reports_fts AS f JOIN reports AS r ON r.id = f.rowid "
                 f"WHERE reports_fts MATCH :q{conditions.filters}{conditions.visibility}")
        score = "bm25(reports_fts, 4.0, 1.0)"
        params = {"q": search_store.fts5_query(term), **conditions.params}
    else:
        where = ("FROM reports AS r WHERE r.search_vector @@ to_tsquery('english', :q)"
                 f"{conditions.filters}{conditions.visibility}")
        score = "-ts_rank_cd(r.search_vector, to_tsquery('english', :q))"
        params = {"q": search_store.pg_query(term), **conditions.params}
    return where, score, params


def sql_count(store: Store, term: str, filters: ReportFilters) -> int:
    where, _, params = _sql_parts(store, term, filters)
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) {where}"), params).scalar_one())


def sql_ranked_ms(store: Store, term: str, filters: ReportFilters) -> float:
    """The plain SQL way to rank every match: score them all, sort, keep 20."""
    where, score, params = _sql_parts(store, term, filters)
    sql = text(f"SELECT r.id, {score} AS score {where} ORDER BY score LIMIT 20")
    with store.engine.connect() as conn:
        return _ms(lambda: conn.execute(sql, params).all())


def _search_ms(conn: Any, term: str, filters: ReportFilters) -> float:
    started = time.perf_counter()
    search_store.search(conn, term, ANALYST, filters)
    return (time.perf_counter() - started) * 1000


@dataclass
class Timings:
    index: list[float]
    sql: list[float]
    every_match: int = 0
    searches: int = 0


def time_queries(store: Store, terms: list[str], filters: ReportFilters, repeat: int,
                 sql_repeat: int) -> Timings:
    timings = Timings([], [])
    with store.engine.connect() as conn:
        for term in terms:
            first = search_store.search(conn, term, ANALYST, filters)  # warm-up
            conn.commit()
            for _ in range(repeat):
                timings.index.append(_search_ms(conn, term, filters))
                conn.commit()
            timings.searches += 1
            timings.every_match += int(first.ranked == sql_count(store, term, filters))
    for term in terms:
        timings.sql.extend(sql_ranked_ms(store, term, filters) for _ in range(sql_repeat))
    return timings


def use_bench_index_folder(store: Store) -> None:
    """A PostgreSQL database's index goes under ``bench/.cache/`` too (SQLite's sits beside its
    file), unless ``DRACHMA_SEARCH_INDEX`` says otherwise."""
    if not store.is_sqlite and not os.environ.get("DRACHMA_SEARCH_INDEX"):
        default = search_index.index_path(store.engine)  # <home>/search/<digest of the URL>
        search_index.pin_index_path(store.engine, CACHE / "home" / "search" / default.name)


def ensure_index(store: Store, label: str) -> None:
    """Build the search index unless it is current (timed, with a progress bar)."""
    use_bench_index_folder(store)
    found = search_index.status(store.engine)
    if found.documents is not None and found.generation_matches:
        console.print(f"{label}: search index current ({found.documents:,} reports, "
                      f"{found.queued:,} changes queued) at {found.path}")
        return
    started = time.perf_counter()
    with _progress() as progress:
        task = progress.add_task("building the search index", total=None, rate="")

        def advance(done: search_index.Progress) -> None:
            rate = done.done / max(time.perf_counter() - started, 1e-9)
            progress.update(task, completed=done.done, total=done.total, rate=f"{rate:,.0f}/s")

        indexed = search_index.rebuild(store.engine, advance)
    size = sum(f.stat().st_size for f in search_index.index_path(store.engine).glob("*"))
    console.print(f"{label}: search index built: {indexed:,} reports in "
                  f"{time.perf_counter() - started:.0f} s, {size / 1e6:,.0f} MB")


_COMMON_TERMS: dict[str, list[str]] = {}


def common_terms(store: Store, how_many: int = 5, seed: int = 7) -> list[str]:
    """Common terms (over 10% of reports), found once per database."""
    if store.url not in _COMMON_TERMS:
        with store.engine.connect() as conn:
            total = int(conn.execute(text("SELECT count(*) FROM reports")).scalar_one())
        common, _ = choose_terms(store, seed, total, how_many, rare_too=False)
        _COMMON_TERMS[store.url] = [word for word, _ in common]
    return _COMMON_TERMS[store.url]


def filtered_search_timings(store: Store, n_queries: int) -> list[float]:
    """Milliseconds of ``n_queries`` searches of common terms (over 10% of reports) with the
    filter source kind ``group`` + intelligence ``B`` (about 4% of reports), as an analyst,
    through :func:`drachma.store.search.search` - every match ranked. The index is brought up to
    date (or built) first, outside the timing."""
    ensure_index(store, "search")
    terms = common_terms(store)
    if not terms:
        raise RuntimeError("no common terms in this database")
    out: list[float] = []
    with store.engine.connect() as conn:
        for term in terms:  # warm-up
            search_store.search(conn, term, ANALYST, GROUP_B)
            conn.commit()
        for i in range(n_queries):
            term = terms[i % len(terms)]
            out.append(_search_ms(conn, term, GROUP_B))
            conn.commit()
    return out


def filtered_query_times(store: Store, n_queries: int) -> tuple[list[float], list[float]]:
    """For bench/analytics.py: :func:`filtered_search_timings`, beside the plain SQL ranking of
    every match of the same terms with the same filter (milliseconds each)."""
    library = filtered_search_timings(store, n_queries)
    terms = common_terms(store)
    plain = [sql_ranked_ms(store, terms[i % len(terms)], GROUP_B) for i in range(n_queries)]
    return library, plain


def _verdict(ok: bool) -> str:
    return "[green]PASS[/]" if ok else "[red]MISS[/]"


@dataclass
class Summary:
    unfiltered_p95: float = 0.0
    filtered_p95: float = 0.0
    every_match: int = 0
    searches: int = 0


def run_backend(store: Store, label: str, n: int, seed: int, queries: int, repeat: int,
                sql_repeat: int) -> Summary:
    ensure_index(store, label)
    with store.engine.connect() as conn:
        total = int(conn.execute(text("SELECT count(*) FROM reports")).scalar_one())
    common, rare = choose_terms(store, seed, total, queries)
    console.print(f"{label}: {total:,} reports; common terms "
                  + ", ".join(f"{w} ({df / total:.0%})" for w, df in common)
                  + "; rare terms " + ", ".join(f"{w} ({df})" for w, df in rare))
    by_force = force_and_year(store)
    console.print(f"{label}: filters: source kind group + intelligence B; force "
                  f"{by_force.force} + received in 2019")
    table = Table(title=f"{label}: top 20 by BM25 over every match, {total:,} reports")
    for column in ("kind", "terms x runs", "every match ranked", "index med ms",
                   "index p95 ms", "SQL med ms", "SQL p95 ms", "SQL/index (med)",
                   f"p95 < {TARGET_P95_MS:.0f} ms"):
        table.add_column(column, justify="right")
    summary = Summary()
    for kind, words, filters in (
        ("common", common, ReportFilters()),
        ("rare", rare, ReportFilters()),
        ("common, kind + intelligence", common, GROUP_B),
        ("rare, kind + intelligence", rare, GROUP_B),
        ("common, force + year", common, by_force),
    ):
        if not words:
            table.add_row(kind, "no terms found", *[""] * 7)
            continue
        t = time_queries(store, [w for w, _ in words], filters, repeat, sql_repeat)
        index_p95 = p95(t.index)
        if filters == ReportFilters():
            summary.unfiltered_p95 = max(summary.unfiltered_p95, index_p95)
        else:
            summary.filtered_p95 = max(summary.filtered_p95, index_p95)
        summary.every_match += t.every_match
        summary.searches += t.searches
        table.add_row(
            kind, f"{len(words)} x {repeat}", f"{t.every_match}/{t.searches}",
            f"{statistics.median(t.index):.1f}", f"{index_p95:.1f}",
            f"{statistics.median(t.sql):.1f}", f"{p95(t.sql):.1f}",
            f"{statistics.median(t.sql) / statistics.median(t.index):.1f}x",
            _verdict(index_p95 < TARGET_P95_MS),
        )
    console.print(table)
    return summary


def main(argv: list[str] | None = None) -> int:
    global PG_SCHEMA
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=5, help="terms per kind")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per term")
    parser.add_argument("--sql-repeat", type=int, default=2,
                        help="timed runs per term of the plain SQL ranking (slow: seconds)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES, default=None,
                        metavar="URL", help=f"PostgreSQL URL (default {DEFAULT_POSTGRES})")
    parser.add_argument("--pg-schema", default=PG_SCHEMA,
                        help=f"PostgreSQL schema of the cached reports (default {PG_SCHEMA})")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached databases")
    args = parser.parse_args(argv)
    PG_SCHEMA = args.pg_schema
    backend = args.backend
    if args.postgres and backend == "sqlite":
        backend = "postgresql"
    pg_url = args.postgres or DEFAULT_POSTGRES
    console.print(f"target: p95 < {TARGET_P95_MS:.0f} ms for the top 20 by BM25 over every match")
    results: list[tuple[str, Summary]] = []
    if backend in {"sqlite", "both"}:
        store = prepare_sqlite(args.reports, args.seed, args.rebuild)
        results.append(("SQLite", run_backend(store, "SQLite", args.reports, args.seed,
                                              args.queries, args.repeat, args.sql_repeat)))
        store.dispose()
    if backend in {"postgresql", "both"}:
        store = prepare_postgres(pg_url, args.reports, args.seed, args.rebuild)
        results.append(("PostgreSQL", run_backend(store, "PostgreSQL", args.reports, args.seed,
                                                  args.queries, args.repeat, args.sql_repeat)))
        store.dispose()
    for label, summary in results:
        console.print(f"search {label}: unfiltered p95 {summary.unfiltered_p95:.1f} ms, filtered "
                      f"p95 {summary.filtered_p95:.1f} ms, every match ranked in "
                      f"{summary.every_match}/{summary.searches} searches at "
                      f"{args.reports} reports")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
