"""Crash safety: ``drachma ingest`` and ``drachma evidence add`` killed with SIGKILL part-way (no
``finally`` runs, no handler: as a power cut or the out-of-memory killer would), then run again.

What must hold, on SQLite and PostgreSQL: nothing committed before the kill is lost, nothing is
stored twice, no partial row or file remains, the interrupted work can be finished, and (SQLite)
the database file passes ``PRAGMA integrity_check``.

Each test runs the real command in a child process and is bounded: it waits at most
``WAIT_SECONDS`` for the child to reach the point where it is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from drachma.store.db import Store
from drachma.store.tables import exhibits, ingest_runs, reports

WAIT_SECONDS = 60
FILES = 600
BATCH = 20
CLI = [sys.executable, "-c", "from drachma.cli.app import main; main()"]


def _env(store: Store, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRACHMA_")}
    env.update(DRACHMA_DATABASE_URL=store.url, DRACHMA_HOME=str(home))
    return env


def drachma(store: Store, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=_env(store, home), capture_output=True, text=True,
                          timeout=300, check=False)


def kill_when(child: subprocess.Popen[bytes], ready: Callable[[], bool]) -> None:
    """SIGKILL ``child`` as soon as ``ready()``; fail if it finished or took too long first."""
    deadline = time.monotonic() + WAIT_SECONDS
    try:
        while not ready():
            assert child.poll() is None, "the command finished before it could be killed"
            assert time.monotonic() < deadline, "the command never reached the kill point"
            time.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def count(store: Store, table: object) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def assert_sound(store: Store) -> None:
    """SQLite's own check of every page and index; PostgreSQL commits are atomic by WAL and it
    has no equivalent built-in check, so there the row-level checks of each test stand."""
    if store.is_sqlite:
        with store.begin() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


# --- ingest ------------------------------------------------------------------------------------

def test_ingest_killed_part_way_through_a_large_folder_loses_and_doubles_nothing(
    store: Store, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    for n in range(FILES):
        folder = inbox / f"day{n % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"note{n:05}.txt").write_text(
            f"Invented note {n}: a group announced a meeting in Leeds on day {n}.\n" * 3)
    home = tmp_path / "home"
    child = subprocess.Popen([*CLI, "ingest", str(inbox), "--batch-size", str(BATCH), "--json"],
                             env=_env(store, home), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    kill_when(child, lambda: count(store, reports) >= 3 * BATCH)

    with store.begin() as conn:
        before = dict(conn.execute(select(reports.c.id, reports.c.content_hash)).all())
        run = conn.execute(select(ingest_runs)).one()
    assert 0 < len(before) < FILES
    # Only whole batches were committed, and the run's own count agrees with the rows: no
    # partial batch, no row without its bookkeeping.
    assert len(before) % BATCH == 0
    assert run.stored == len(before)
    assert run.status == "running"  # killed: nothing could mark it
    assert_sound(store)

    resumed = drachma(store, home, "ingest", "--resume", str(run.id), "--json")
    assert resumed.returncode == 0, resumed.stderr
    with store.begin() as conn:
        after = dict(conn.execute(select(reports.c.id, reports.c.content_hash)).all())
        run = conn.execute(select(ingest_runs)).one()
        bodies = conn.execute(select(func.count(func.distinct(reports.c.body)))).scalar_one()
    assert after.items() >= before.items(), "a report committed before the kill was lost"
    assert len(after) == FILES and bodies == FILES, "a report is missing or stored twice"
    assert run.status == "finished" and run.stored == FILES
    assert_sound(store)

    again = drachma(store, home, "ingest", str(inbox), "--json")
    assert again.returncode == 0, again.stderr
    assert count(store, reports) == FILES, "taking the same folder in again stored duplicates"


# --- evidence add --------------------------------------------------------------------------------

def partials(home: Path) -> list[Path]:
    return list((home / "evidence" / "tmp").glob("*.partial"))


def blob_files(home: Path) -> list[Path]:
    return [p for p in (home / "evidence" / "objects").rglob("*") if p.is_file()]


def test_evidence_add_killed_part_way_through_a_large_file_leaves_no_blob_or_row(
    store: Store, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    assert drachma(store, home, "init").returncode == 0
    assert drachma(store, home, "evidence", "producer", "add", "JS", "Jo Sands").returncode == 0
    material = tmp_path / "phone-extract.bin"
    with material.open("wb") as out:
        for _ in range(48):
            out.write(os.urandom(1024 * 1024))  # 48 MiB that does not compress
    add = ["evidence", "add", str(material), "--producer", "JS", "--from", "Northfield Watch",
           "--reason", "handed over at the front counter"]
    child = subprocess.Popen([*CLI, *add], env=_env(store, home), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    kill_when(child, lambda: any(p.stat().st_size > 4 * 1024 * 1024 for p in partials(home)))

    assert count(store, exhibits) == 0
    assert blob_files(home) == []
    assert partials(home), "the killed write left its partial file, as a SIGKILL must"
    assert_sound(store)

    done = drachma(store, home, "evidence", "add", *add[2:])
    assert done.returncode == 0, done.stderr
    assert "JS/1" in done.stdout
    assert partials(home) == [], "the dead writer's partial file was not swept"
    assert count(store, exhibits) == 1
    assert len(blob_files(home)) == 1
    verified = drachma(store, home, "evidence", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert_sound(store)
