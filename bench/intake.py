"""Benchmark: bulk intake of a generated CSV, peak memory and items per second.

    .venv/bin/python bench/intake.py                          # SQLite, 100,000 rows
    .venv/bin/python bench/intake.py --rows 20000 --backend both
    .venv/bin/python bench/intake.py --postgres postgresql://postgres@127.0.0.1:5432/test

The CSV (invented reports, a row each) is written to a temporary folder, taken in by
:func:`drachma.intake.ingest.ingest_paths` into a fresh database, and taken in again (every row is
then a duplicate). Peak memory is measured twice: Python allocations with ``tracemalloc`` (a
separate, slower pass at a tenth of the rows and at the full count, so the two can be compared)
and the process's maximum resident size. The claim to check: the peak does not grow with the
number of rows, because only one batch is ever held.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

from drachma.access.actor import system_actor
from drachma.intake.ingest import IngestOptions, ingest_paths
from drachma.store.db import Store, normalise_url
from drachma.store.migrate import upgrade

ACTOR = system_actor("bench")


def write_csv(path: Path, rows: int, seed: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Headline,Details,Date received,Grade\n")
        for n in range(rows):
            handle.write(
                f"Report {n},\"Invented report {seed}-{n}: a group streamed a confrontation "
                f"outside a shop; about {n % 90} viewers, police attended after {n % 40} "
                f"minutes.\",{1 + n % 28:02d}/0{1 + n % 9}/2024,{'2BP' if n % 3 else ''}\n"
            )


def fresh_store(backend: str, workdir: Path, postgres: str) -> tuple[Store, str | None]:
    if backend == "sqlite":
        store = Store(f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.db'}")
        upgrade(store)
        return store, None
    schema = f"bench_intake_{uuid.uuid4().hex[:8]}"
    engine = create_engine(normalise_url(postgres))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in postgres else "?"
    store = Store(f"{normalise_url(postgres)}{separator}options=-csearch_path%3D{schema}")
    upgrade(store)
    return store, schema


def drop_schema(postgres: str, schema: str | None) -> None:
    if schema is None:
        return
    engine = create_engine(normalise_url(postgres))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def traced_peak(backend: str, workdir: Path, postgres: str, rows: int) -> float:
    source = workdir / f"traced-{rows}.csv"
    write_csv(source, rows, f"t{rows}")
    store, schema = fresh_store(backend, workdir, postgres)
    tracemalloc.start()
    try:
        ingest_paths(store, ACTOR, [source], IngestOptions(), home=workdir)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        store.dispose()
        drop_schema(postgres, schema)
    return peak / (1024 * 1024)


def run(backend: str, rows: int, postgres: str, traced: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        source = workdir / "reports.csv"
        write_csv(source, rows, "main")
        size = source.stat().st_size / (1024 * 1024)
        store, schema = fresh_store(backend, workdir, postgres)
        try:
            started = time.perf_counter()
            first = ingest_paths(store, ACTOR, [source], IngestOptions(), home=workdir)
            first_s = time.perf_counter() - started
            started = time.perf_counter()
            again = ingest_paths(store, ACTOR, [source], IngestOptions(), home=workdir)
            again_s = time.perf_counter() - started
        finally:
            store.dispose()
            drop_schema(postgres, schema)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"[{backend}] {rows:,} rows ({size:.1f} MB CSV)")
        print(f"  first run : {first.counts.stored:,} stored in {first_s:.1f} s "
              f"= {rows / first_s:,.0f} items/s")
        print(f"  same again: {again.counts.duplicates:,} duplicates in {again_s:.1f} s "
              f"= {rows / again_s:,.0f} items/s")
        print(f"  max RSS of the process: {rss:.0f} MB")
        if traced:
            small = traced_peak(backend, workdir, postgres, max(rows // 10, 1))
            large = traced_peak(backend, workdir, postgres, rows)
            print(f"  tracemalloc peak: {small:.1f} MB at {max(rows // 10, 1):,} rows, "
                  f"{large:.1f} MB at {rows:,} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-trace", action="store_true",
                        help="Skip the tracemalloc passes (they are several times slower).")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args.rows, args.postgres, not args.no_trace)


if __name__ == "__main__":
    main()
