"""What one burst of wrong log-ins costs the server, in figures that do not depend on how busy the
machine is: password checks (argon2) run, SQL statements and transactions, audit entries written,
and the server process's CPU time.

Two parts, on SQLite and/or PostgreSQL:

* **in the process**: the app (``drachma.web.app.create_app``) on a fresh database, ``--burst``
  wrong log-ins sent at once from one client address (``httpx.ASGITransport``), counting the
  argon2 checks, statements (``before_cursor_execute``), commits and audit rows; then the same
  again while the account and address are locked (every log-in refused);
* **the real server**: ``drachma serve`` on a fresh database, the same burst over HTTP from
  127.0.2.1, the server's CPU seconds (``/proc/<pid>/stat``) before and after, and its answers;
  meanwhile another process asks for ``GET /login`` every 50 ms (and for 2 s before, without a
  burst): how long others wait while the burst is handled. The server's CPU then includes the
  probe's requests; the CPU figures of bench/README.md come from runs without the probe.

    .venv/bin/python bench/login_burst.py --backend both

See bench/README.md ("What a burst of wrong log-ins costs").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402
    ATTACKER_ADDRESS,
    DEFAULT_POSTGRES,
    cpu_seconds,
    free_port,
    server_env,
    start_server,
    stop_server,
)
from drachma.store.db import Store, normalise_url  # noqa: E402

SCHEMA = "drachma_login_burst"
TARGET, PASSWORD = "bursttarget", "burst-bench-password-2026"


@dataclass
class Tally:
    statements: Counter[str] = field(default_factory=Counter)  # first word: SELECT, INSERT...
    commits: int = 0
    checks: int = 0  # argon2 verifications

    def line(self, n: int) -> str:
        total = sum(self.statements.values())
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.statements.items()))
        return (f"{self.checks} argon2 checks, {total} statements ({kinds}), "
                f"{self.commits} commits: {total / n:.1f} statements and "
                f"{self.commits / n:.2f} commits a log-in")


def _database(backend: str, postgres: str, schema: str, folder: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{folder / 'drachma.db'}"
    from sqlalchemy import create_engine, text
    base = normalise_url(postgres)
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def _drop(backend: str, postgres: str, schema: str) -> None:
    if backend != "sqlite":
        from sqlalchemy import create_engine, text
        engine = create_engine(normalise_url(postgres))
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def _make(url: str, home: Path) -> None:
    from bench.load import _run
    env = server_env(url, home)
    _run(env, "init")
    _run(env, "users", "add", TARGET, "--role", "analyst", "--password", PASSWORD)


async def _send(client: httpx.AsyncClient, n: int, username: str) -> Counter[int]:
    async def one() -> int:
        answer = await client.post("/api/login", json={"username": username,
                                                       "password": "not-the-password"})
        return answer.status_code
    return Counter(await asyncio.gather(*(one() for _ in range(n))))


def lock_out(url: str, username: str) -> None:
    """Lock the account and the attacker's address now (as the policy's failures would)."""
    from datetime import UTC, datetime, timedelta

    from drachma.store import throttle as throttle_store

    store = Store(url)
    now = datetime.now(UTC)
    with store.begin() as conn:
        for kind, key in ((throttle_store.ACCOUNT, username),
                          (throttle_store.ADDRESS, ATTACKER_ADDRESS)):
            throttle_store.record_failure(conn, kind, key, now, timedelta(minutes=15))
            throttle_store.lock(conn, kind, key, now + timedelta(minutes=15))
    store.dispose()


def audit_rows(store: Store) -> int:
    from drachma.store.audit import count
    with store.begin() as conn:
        return count(conn)


def in_process(url: str, home: Path, n: int, username: str) -> list[str]:
    """Counts for a burst at an unlocked account, then for one at the locked account."""
    from sqlalchemy import event

    from drachma.access import passwords
    from drachma.config import Settings
    from drachma.web.app import create_app

    store = Store(url)
    app = create_app(store, Settings(database_url=url, home=home, secure_cookies=False,
                                     session_hours=10, allowed_hosts=("testserver",)))
    tally = Tally()

    def counted(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        tally.statements[statement.split(None, 1)[0].upper()] += 1

    def committed(_conn: Any) -> None:
        tally.commits += 1

    real = passwords._hasher

    class Counting:
        def verify(self, hash_: str, password: str) -> bool:
            tally.checks += 1
            return bool(real.verify(hash_, password))

        def hash(self, password: str) -> str:
            return str(real.hash(password))

    async def burst() -> Counter[int]:
        transport = httpx.ASGITransport(app=app, client=(ATTACKER_ADDRESS, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await _send(client, n, username)

    lines = []
    passwords._hasher = Counting()  # type: ignore[assignment]
    try:
        for what in ("unlocked at first", "already locked"):
            if what == "already locked":
                lock_out(url, username)
            tally.statements.clear()
            tally.commits = tally.checks = 0
            rows = audit_rows(store)
            event.listen(store.engine, "before_cursor_execute", counted)
            event.listen(store.engine, "commit", committed)
            began = time.process_time()
            answers = asyncio.run(burst())
            cpu = time.process_time() - began
            event.remove(store.engine, "before_cursor_execute", counted)
            event.remove(store.engine, "commit", committed)
            written = audit_rows(store) - rows
            lines.append(f"  {what}: answers {dict(sorted(answers.items()))}; {tally.line(n)}; "
                         f"{written} audit entries; process CPU {cpu:.2f} s (client included)")
    finally:
        passwords._hasher = real
        store.dispose()
    return lines


PROBE = """
import json, os, sys, time
import httpx
base, flag, took = sys.argv[1], sys.argv[2], []
with httpx.Client(base_url=base, timeout=60) as client:
    while not os.path.exists(flag):
        began = time.time()
        client.get("/login")
        took.append((began, time.time() - began))
        time.sleep(max(0.0, 0.05 - (time.time() - began)))
print(json.dumps(took))
"""


class Probe:
    """GET /login (a cheap page) every 50 ms from another process and address while it runs:
    how long another caller waits while the burst is handled (a process of its own, so that the
    burst's own client, busy reading its answers, does not slow the probe)."""

    def __init__(self, base: str) -> None:
        self.flag = Path(tempfile.mkdtemp(prefix="login-burst-probe-")) / "stop"
        self.process = subprocess.Popen([sys.executable, "-c", PROBE, base, str(self.flag)],
                                        stdout=subprocess.PIPE, text=True)

    def stop(self, since: float = 0.0, until: float = float("inf")) -> list[float]:
        """The probe's waits (seconds) of the requests it made between ``since`` and ``until``
        (``time.time()``), or that were still waiting at ``since``."""
        self.flag.touch()
        out, _ = self.process.communicate(timeout=120)
        shutil.rmtree(self.flag.parent, ignore_errors=True)
        return [float(t) for at, t in json.loads(out) if at + t >= since and at <= until]


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    middle = ordered[len(ordered) // 2] if ordered else float("nan")
    return f"p50 {middle * 1000:.0f} ms, max {max(ordered, default=float('nan')) * 1000:.0f} ms"


def real_server(url: str, home: Path, n: int, username: str) -> list[str]:
    port = free_port()
    server = start_server(url, home, port)
    base = f"http://127.0.0.1:{port}"
    lines = []

    async def burst() -> Counter[int]:
        transport = httpx.AsyncHTTPTransport(local_address=ATTACKER_ADDRESS,
                                             limits=httpx.Limits(max_connections=n))
        async with httpx.AsyncClient(transport=transport, base_url=base,
                                     timeout=60) as client:
            return await _send(client, n, username)

    try:
        probe = Probe(base)
        time.sleep(2)
        alone = probe.stop()
        lines.append(f"  no burst, 2 s: GET /login from another address {_ms(alone)}")
        for what in ("unlocked at first", "already locked"):
            if what == "already locked":
                lock_out(url, username)
            probe = Probe(base)
            time.sleep(2.0)  # the probe started and asking
            before = cpu_seconds(server.pid)
            began = time.time()
            answers = asyncio.run(burst())
            ended = time.time()
            took = ended - began
            probed = probe.stop(began, ended)
            time.sleep(0.5)  # let the server finish what it does after its answers
            cpu = cpu_seconds(server.pid) - before
            lines.append(f"  {what}: answers {dict(sorted(answers.items()))} in {took:.2f} s; "
                         f"server CPU {cpu:.2f} s, {cpu / n * 1000:.1f} ms a wrong log-in; "
                         f"meanwhile {len(probed)} GET /login from another address {_ms(probed)}")
    finally:
        stop_server(server)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--burst", type=int, default=100, help="wrong log-ins in one burst")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server URL")
    parser.add_argument("--schema", default=SCHEMA,
                        help=f"PostgreSQL schema, made and dropped (default {SCHEMA})")
    parser.add_argument("--server-only", action="store_true", help="only the real server's part")
    parser.add_argument("--unknown", action="store_true",
                        help="aim at a username that does not exist (the same costs expected)")
    args = parser.parse_args()
    username = "nosuchuser" if args.unknown else TARGET
    for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
        parts = (("in the process", in_process), ("the real server", real_server))
        for part, run in parts[1:] if args.server_only else parts:
            folder = Path(tempfile.mkdtemp(prefix="login-burst-"))
            try:
                url = _database(backend, args.postgres, args.schema, folder)
                _make(url, folder)
                print(f"{backend}, {part}: {args.burst} wrong log-ins at once from one address "
                      f"at {'an unknown' if args.unknown else 'an existing'} username", flush=True)
                for line in run(url, folder, args.burst, username):
                    print(line, flush=True)
            finally:
                _drop(backend, args.postgres, args.schema)
                shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
