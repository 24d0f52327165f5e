"""Open-loop load on the real server: ``drachma serve`` over a database of N generated reports.

Requests are sent on a fixed schedule (``--rate`` a second for ``--seconds``), each at its planned
time whether or not earlier ones have been answered (open loop), so a slow server cannot slow the
load down and hide its own slowness; latency is measured from the planned send time, and how late
each send left is recorded too (the client's own delay, so that a starved client shows). Each
client has a bounded pool of connections and a time-out per request. The mix:

* logged-in searches (``GET /api/reports?q=...``, bearer token), 40%,
* report pages (``GET /reports/<id>``, the HTML page, session cookie), 30%, of 2,000 reports
  spread over the database that the extractor has read beforehand (as intake does),
* report lists, 30%, read as a client of the list does: 10% shallow pages by number
  (``GET /api/reports?offset=...``, any offset up to the list's limit of 5,000, as its numbered
  pages ask), 20% next pages (a reader jumps into the list at a random date with
  ``received_to=...`` and then follows each answer's ``Link: <...>; rel="next"`` - the same
  filters and the next cursor - for up to 20 pages; eight such readers at once, and a new one
  starts when every reader is waiting for an answer), so every depth of the list is read,
* ``--public-rate`` public-form submissions a second (the form's own fields and its
  double-submit CSRF token), from forty client addresses (127.0.1.1-40),
* one burst of ``--wrong-logins`` wrong log-ins from one address (127.0.2.1) at another
  account, a third of the way in.

Prints, per backend, the machine's load (``uptime``) before and after, and throughput, p50 and
p99 and errors per kind (answers 429 "rate-limited" counted apart; a wrong log-in refused with
401 or 403 is the expected answer, as is a 404 for a report with handling code C that the
analyst may not see) and, last, the line ``load p99 X ms at R req/s, errors N`` where X is the
worst p99 of the logged-in kinds together and N counts errors (5xx, failed connections,
time-outs, unexpected statuses) of every kind.

    .venv/bin/python bench/load.py --backend both
    .venv/bin/python bench/load.py --backend postgresql --schema mine_load   # another schema

See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drachma.demo.generate import DEFAULT_END as DATA_END  # noqa: E402
from drachma.demo.generate import DEFAULT_START as DATA_START  # noqa: E402
from drachma.reports.read import MAX_LIST_OFFSET  # noqa: E402
from drachma.store.db import Store, normalise_url  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA = "drachma_load"
USER, PASSWORD = "loadanalyst", "load-bench-analyst-2026"
TARGET = "loadtarget"  # the account the wrong log-ins are aimed at
LOGGED_IN = ("search", "report page", "list, offset", "list, next page")
WALKS = 8  # report lists being read page by page at once (a reader following Next)
WALK_PAGES = 20  # pages a reader follows before starting again elsewhere
SEARCH_WORDS = ("meeting", "Leeds", "stream", "group", "police", "video", "Manchester", "chat",
                "sting", "arrest", "Facebook", "decoy")
CLI = [sys.executable, "-c", "from drachma.cli.app import main; main()"]
PAGE_POOL = 2000  # reports whose pages are asked for, read by the extractor beforehand


@dataclass
class Kind:
    latencies: list[float] = field(default_factory=list)  # seconds, answered ones
    planned: list[float] = field(default_factory=list)  # when each answered one was due
    ok: int = 0
    limited: int = 0
    refused: int = 0  # wrong log-ins refused as they should be
    errors: int = 0
    sent: int = 0
    examples: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.examples) < 3:
            self.examples.append(what)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- the database ------------------------------------------------------------------------

def _run(env: dict[str, str], *args: str, check: bool = True
         ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=3600,
                          check=False)
    if check and done.returncode != 0:
        raise SystemExit(f"drachma {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done


def prepare(backend: str, reports: int, postgres: str, rebuild: bool,
            schema: str = SCHEMA) -> tuple[str, Path]:
    """A database of ``reports`` generated reports and the bench's analyst; (URL, home)."""
    home = home_of(backend, reports, schema)
    if backend == "sqlite":
        url = f"sqlite:///{home / 'drachma.db'}"
        if rebuild and home.exists():
            shutil.rmtree(home)
    else:
        from sqlalchemy import create_engine, text
        base = normalise_url(postgres)
        engine = create_engine(base)
        with engine.begin() as conn:
            if rebuild:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        engine.dispose()
        sep = "&" if "?" in base else "?"
        url = f"{base}{sep}options=-csearch_path%3D{schema}"
    home.mkdir(parents=True, exist_ok=True)
    env = server_env(url, home)
    _run(env, "init")
    store = Store(url)
    from drachma.demo.load import count_reports
    have = count_reports(store)
    store.dispose()
    if have < reports:
        print(f"{backend}: loading {reports - have:,} generated reports (drachma demo --scale)",
              flush=True)
        _run(env, "demo", "--scale", str(reports - have), "--no-progress")
    if not counts_in_step(url):
        # a database loaded before the scale loader kept the counts in step with its writes
        print(f"{backend}: the stored counts are behind the reports: drachma analytics rebuild",
              flush=True)
        _run(env, "analytics", "rebuild")
    for name in (USER, TARGET):
        _run(env, "users", "add", name, "--role", "analyst", "--password", PASSWORD, check=False)
        # a cached database: the password hashed again with today's parameters, and no lock-out
        # left from an earlier run's burst of wrong log-ins
        _run(env, "users", "passwd", name, "--password", PASSWORD)
        _run(env, "users", "unlock", name, "--address", ATTACKER_ADDRESS, check=False)
    # Searches keep the search index in step themselves (docs/search.md), but the index of a
    # database this size is built once here, outside the measured minute.
    if _run(env, "search-index", "sync", check=False).returncode != 0:
        print(f"{backend}: building the search index", flush=True)
        _run(env, "search-index", "rebuild")
    read_pool(url, reports)
    if backend != "sqlite":
        # As an operator does after a bulk load (docs/operations.md): fresh planner statistics
        # and visibility map, so counts can be answered from indexes alone.
        from sqlalchemy import create_engine, text
        engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE reports, report_access, mentions"))
        engine.dispose()
    return url, home


def reuse(backend: str, reports: int, postgres: str, schema: str) -> str:
    """The URL of the database an earlier run made (``--reuse``), its burst's lock-outs cleared
    (a lock-out lasts longer than a run)."""
    from drachma.store import throttle as throttle_store

    home = home_of(backend, reports, schema)
    if backend == "sqlite":
        if not (home / "drachma.db").exists():
            raise SystemExit(f"--reuse: no database in {home}; run once without --reuse")
        url = f"sqlite:///{home / 'drachma.db'}"
    else:
        base = normalise_url(postgres)
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    store = Store(url)
    with store.begin() as conn:
        throttle_store.clear(conn, throttle_store.ACCOUNT, TARGET)
        throttle_store.clear(conn, throttle_store.ADDRESS, ATTACKER_ADDRESS)
    store.dispose()
    return url


def counts_in_step(url: str) -> bool:
    """Whether the counts kept with every write (which answer a list's total) count every
    stored report."""
    from drachma.store import rollups
    from drachma.store.reports import count_all

    store = Store(url)
    with store.begin() as conn:
        in_step = rollups.count_listed(conn, role=None, months=(None, None)) == count_all(conn)
    store.dispose()
    return in_step


def home_of(backend: str, reports: int, schema: str) -> Path:
    """The folder of a bench database's home (its search index, the server's log)."""
    other = f"-{schema}" if backend != "sqlite" and schema != SCHEMA else ""
    return CACHE / f"load-{backend}-{reports}{other}"


def schema_name(value: str) -> str:
    """A PostgreSQL schema name the bench may create and drop: letters, digits, underscores."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
        raise argparse.ArgumentTypeError(
            f"{value!r}: a schema name is lower-case letters, digits and underscores, up to 63")
    return value


def page_pool(reports: int) -> list[int]:
    """The reports whose pages are asked for: spread over the whole database."""
    step = max(1, reports // PAGE_POOL)
    return list(range(1, reports + 1, step))[:PAGE_POOL]


def read_pool(url: str, reports: int) -> None:
    """Run the extractor once over the pool's reports, as intake does when a report comes in: a
    report page then shows its stored mentions (the first opening of a report never read runs
    the extractor, which is intake's cost, not a reader's)."""
    from drachma.access.actor import system_actor
    from drachma.reports.mentions import extract_report
    from drachma.store import mentions as mention_store
    from drachma.store import reports as report_store

    store = Store(url)
    actor = system_actor("load-bench")
    todo = []
    with store.begin() as conn:
        for report_id in page_pool(reports):
            if not mention_store.was_read(conn, report_id):
                found = report_store.get_report(conn, report_id)
                if found is not None:
                    todo.append(found)
    if todo:
        print(f"reading {len(todo):,} reports' mentions for the report pages", flush=True)
    for report in todo:
        extract_report(store, actor, report)
    store.dispose()


def list_costs(url: str, reports: int, rounds: int = 40) -> list[tuple[str, float, float]]:
    """What the list's two parts cost in the database, the way before this design (a count of
    every visible report; a page at a random ``OFFSET``) against now (the counts kept with
    writes; a page after a cursor at a random position), timed in turn on one connection in the
    same run, as the bench's analyst sees them: (what, median ms before, median ms now)."""
    from datetime import UTC, datetime
    from datetime import time as day_time

    from drachma.model.roles import Role
    from drachma.store import reports as report_store

    store = Store(url)
    visibility = report_store.Visibility(Role.ANALYST)
    rng = random.Random(2)
    timings: dict[str, list[float]] = defaultdict(list)

    def timed(name: str, work: Callable[[], object]) -> None:
        began = time.perf_counter()
        work()
        timings[name].append((time.perf_counter() - began) * 1000)

    with store.begin() as conn:
        for _ in range(rounds):
            depth = rng.randrange(0, max(1, reports - 50))
            day = DATA_START + timedelta(days=rng.randrange((DATA_END - DATA_START).days))
            at = report_store.Position(datetime.combine(day, day_time(12), tzinfo=UTC), 2**31 - 1)
            timed("count, every row", lambda: report_store.count_reports_plain(conn, visibility))
            timed("count, kept", lambda: report_store.count_reports(conn, visibility))
            timed("page, offset", partial(report_store.list_page, conn, visibility, limit=50,
                                          offset=depth))
            timed("page, cursor", partial(report_store.list_page, conn, visibility, limit=50,
                                          after=at))
    store.dispose()
    middle = {name: percentile(values, 50) for name, values in timings.items()}
    return [("a list's total", middle["count, every row"], middle["count, kept"]),
            ("a page at any depth", middle["page, offset"], middle["page, cursor"])]


def server_env(url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRACHMA_")}
    env.update(DRACHMA_DATABASE_URL=url, DRACHMA_HOME=str(home))
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, home: Path, port: int) -> subprocess.Popen[bytes]:
    log = (home / "serve.log").open("wb")
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--no-worker"],
        env=server_env(url, home), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped; see {home / 'serve.log'}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.kill()
    raise SystemExit("the server did not answer within 120 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


# --- the load ----------------------------------------------------------------------------

@dataclass
class Plan:
    rate: float
    seconds: float
    public_rate: float
    wrong_logins: int
    reports: int
    connections: int = 64
    timeout: float = 10.0


def _client(base: str, plan: Plan, local_address: str) -> httpx.AsyncClient:
    """A client whose connections come from ``local_address`` (any 127.x.y.z is this machine on
    Linux), so the server sees several callers, as it would in use; a bounded pool and a
    per-request time-out, so a slow server shows up as late answers and time-outs, never as a
    client that stops sending."""
    transport = httpx.AsyncHTTPTransport(
        local_address=local_address,
        # An idle connection is dropped before uvicorn's own 5 s keep-alive ends, so a request
        # never goes out on a connection the server is closing at that moment.
        limits=httpx.Limits(max_connections=plan.connections,
                            max_keepalive_connections=plan.connections, keepalive_expiry=3.0))
    return httpx.AsyncClient(base_url=base, transport=transport,
                             timeout=httpx.Timeout(plan.timeout))


@dataclass
class Slots:
    """The connections of one client address: a request waits here (a plain FIFO, cheap) for one
    of them, at most the time-out, so httpx's own pool never holds a queue (its queue costs
    time in proportion to its length at every step, which stalled the client itself)."""

    free: asyncio.Semaphore
    wait: float


async def _call(kinds: dict[str, Kind], kind: str, planned: float, lateness: list[float],
                slots: Slots, send: Callable[[], Awaitable[httpx.Response]],
                expected: tuple[int, ...] = (200,), refused: tuple[int, ...] = (),
                answered: Callable[[httpx.Response], None] | None = None) -> None:
    stats = kinds[kind]
    stats.sent += 1
    lateness.append(time.perf_counter() - planned)
    try:
        await asyncio.wait_for(slots.free.acquire(), slots.wait)
    except TimeoutError:
        stats.error(f"no connection free within {slots.wait:g} s (the server was behind)")
        return
    try:
        response = await send()
    except httpx.HTTPError as exc:
        stats.error(f"{type(exc).__name__}: {exc}")
        return
    finally:
        slots.free.release()
    took = time.perf_counter() - planned  # from the planned time: a late send counts as slow
    if response.status_code == 429:
        stats.limited += 1
    elif response.status_code in refused:
        stats.refused += 1
        stats.latencies.append(took)
        stats.planned.append(planned)
    elif response.status_code in expected:
        stats.ok += 1
        stats.latencies.append(took)
        stats.planned.append(planned)
        if answered is not None:
            answered(response)
    else:
        stats.error(f"{response.status_code} {response.request.url.path}")


@dataclass
class Walks:
    """Readers paging through the report list as a client does: each starts at a random date
    (``received_to``, the way to jump into the list) and then follows the answer's
    ``Link: <...>; rel="next"`` - the same filters, the next cursor - for up to ``WALK_PAGES``
    pages. At most ``WALKS`` walks wait for a next page; a request due while every walk waits for
    its answer starts a new walk (the load is open-loop: nothing waits for an answer)."""

    rng: random.Random
    ready: list[tuple[str, int]] = field(default_factory=list)  # (next page's URL, pages read)

    def next_request(self, client: httpx.AsyncClient, bearer: dict[str, str]
                     ) -> tuple[Callable[[], Awaitable[httpx.Response]],
                                Callable[[httpx.Response], None]]:
        if self.ready:
            url, read = self.ready.pop(self.rng.randrange(len(self.ready)))
            send = partial(client.get, url, headers=bearer)
        else:
            read = 0
            day = DATA_START + timedelta(days=self.rng.randrange((DATA_END - DATA_START).days))
            send = partial(client.get, "/api/reports", headers=bearer,
                           params={"received_to": day.isoformat(), "limit": 50})

        def answered(response: httpx.Response) -> None:
            found = re.search(r'<([^>]*)>; rel="next"', response.headers.get("link", ""))
            if found and read + 1 < WALK_PAGES and len(self.ready) < WALKS:
                self.ready.append((found.group(1), read + 1))

        return send, answered


PUBLIC_ADDRESSES = [f"127.0.1.{n}" for n in range(1, 41)]  # forty members of the public
ATTACKER_ADDRESS = "127.0.2.1"  # every wrong log-in comes from here


async def offer(base: str, plan: Plan) -> tuple[dict[str, Kind], list[float], float]:
    """Send the plan's requests at their planned times; (stats per kind, lateness of each send
    in seconds, elapsed seconds until the last answer)."""
    kinds: dict[str, Kind] = defaultdict(Kind)
    lateness: list[float] = []
    rng = random.Random(0)
    walks = Walks(random.Random(1))
    pool = page_pool(plan.reports)
    client = _client(base, plan, "127.0.0.1")
    attacker = _client(base, plan, ATTACKER_ADDRESS)
    public_clients = [_client(base, plan, a) for a in PUBLIC_ADDRESSES]
    mine, theirs = (Slots(asyncio.Semaphore(plan.connections), plan.timeout) for _ in range(2))
    public_slots = Slots(asyncio.Semaphore(plan.connections), plan.timeout)
    try:
        login = await client.post("/api/login", json={"username": USER, "password": PASSWORD})
        if login.status_code != 200:
            raise SystemExit(f"the bench's log-in failed: {login.status_code} {login.text}")
        bearer = {"Authorization": f"Bearer {login.json()['token']}"}  # the cookie is kept too
        tokens: list[str] = []
        for public in public_clients:  # each member of the public opens the form once
            page = await public.get("/public/report")
            found = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
            if page.status_code != 200 or found is None:
                raise SystemExit(f"/public/report answered {page.status_code} with no form")
            tokens.append(found.group(1))

        schedule: list[tuple[float, str]] = [(i / plan.rate, "logged-in")
                                             for i in range(int(plan.rate * plan.seconds))]
        schedule += [(i / plan.public_rate, "public form")
                     for i in range(int(plan.public_rate * plan.seconds))] \
            if plan.public_rate > 0 else []
        burst_at = plan.seconds / 3  # every wrong log-in within 0.1 s, a third of the way in
        schedule += [(burst_at + i * 0.1 / max(1, plan.wrong_logins), "wrong log-in")
                     for i in range(plan.wrong_logins)]
        schedule.sort()
        tasks: list[asyncio.Task[None]] = []
        start = time.perf_counter()
        for number, (offset, what) in enumerate(schedule):
            planned = start + offset
            delay = planned - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            send: Callable[[], Awaitable[httpx.Response]]
            if what == "logged-in":
                pick = rng.random()
                if pick < 0.4:
                    words = " ".join(rng.sample(SEARCH_WORDS, rng.choice((1, 2))))
                    send = partial(client.get, "/api/reports",
                                   params={"q": words, "limit": 20}, headers=bearer)
                    kind = "search"
                elif pick < 0.7:
                    send = partial(client.get, f"/reports/{rng.choice(pool)}")
                    kind = "report page"
                elif pick < 0.8:
                    # a shallow page by number, as the list's numbered pages ask for
                    offset_n = rng.randrange(0, min(MAX_LIST_OFFSET, plan.reports) + 1)
                    send = partial(client.get, "/api/reports",
                                   params={"offset": offset_n, "limit": 50}, headers=bearer)
                    kind = "list, offset"
                else:
                    send, walk = walks.next_request(client, bearer)
                    kind = "list, next page"
                    tasks.append(asyncio.create_task(_call(
                        kinds, kind, planned, lateness, mine, send, answered=walk)))
                    continue
                # A report with handling code C whose conditions leave analysts out is refused
                # (a 404, as for a missing one): the right answer, counted apart.
                tasks.append(asyncio.create_task(_call(kinds, kind, planned, lateness, mine,
                                                       send, refused=(403, 404))))
            elif what == "public form":
                who = number % len(public_clients)
                send = partial(public_clients[who].post, "/public/report", data={
                    "csrf_token": tokens[who], "concern": "group_activity",
                    "what_happened": "An invented test: a group said it would meet a man at "
                                     "the station tonight and stream it.",
                    "when_text": "today, about 7pm", "where_text": "Leeds station",
                    "platform": "Facebook", "links": "https://example.invalid/live"},
                    follow_redirects=False)
                tasks.append(asyncio.create_task(_call(kinds, "public form", planned, lateness,
                                                       public_slots, send, expected=(200,))))
            else:
                send = partial(attacker.post, "/api/login",
                               json={"username": TARGET, "password": "not-the-password"})
                tasks.append(asyncio.create_task(_call(kinds, "wrong log-in", planned, lateness,
                                                       theirs, send, expected=(),
                                                       refused=(401, 403))))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    finally:
        for each in (client, attacker, *public_clients):
            await each.aclose()
    return kinds, lateness, elapsed


def report(backend: str, kinds: dict[str, Kind], lateness: list[float], elapsed: float,
           plan: Plan, load_before: str, load_after: str) -> tuple[float, int]:
    print(f"\n{backend}: {plan.reports:,} reports, {plan.rate:g} logged-in req/s + "
          f"{plan.public_rate:g} public-form req/s for {plan.seconds:g} s, a burst of "
          f"{plan.wrong_logins} wrong log-ins (all answers in {elapsed:.1f} s)")
    print(f"machine load before: {load_before}")
    print(f"machine load after:  {load_after}")
    print(f"{'kind':<14}{'sent':>7}{'ok':>7}{'refused':>9}{'limited':>9}{'errors':>8}"
          f"{'answers/s':>11}{'p50 ms':>9}{'p99 ms':>9}")
    for name in (*LOGGED_IN, "public form", "wrong log-in"):
        if name not in kinds:
            continue
        k = kinds[name]
        answered = k.ok + k.refused + k.limited
        print(f"{name:<14}{k.sent:>7}{k.ok:>7}{k.refused:>9}{k.limited:>9}{k.errors:>8}"
              f"{answered / elapsed:>11.1f}{percentile(k.latencies, 50) * 1000:>9.0f}"
              f"{percentile(k.latencies, 99) * 1000:>9.0f}")
        for example in k.examples:
            print(f"    e.g. {example}")
    logged_in = [t for name in LOGGED_IN for t in kinds[name].latencies]
    errors = sum(k.errors for k in kinds.values())
    total = sum(kinds[n].ok + kinds[n].refused + kinds[n].limited for n in LOGGED_IN)
    p50, p99 = percentile(logged_in, 50) * 1000, percentile(logged_in, 99) * 1000
    print(f"logged-in throughput {total / elapsed:.1f} answers/s, p50 {p50:.0f} ms, "
          f"p99 {p99:.0f} ms; sends late by p50 {percentile(lateness, 50) * 1000:.1f} ms, "
          f"p99 {percentile(lateness, 99) * 1000:.1f} ms, max {max(lateness) * 1000:.1f} ms")
    burst_figures(kinds)
    return p99, errors


def burst_figures(kinds: dict[str, Kind]) -> None:
    """The logged-in answers due while the burst of wrong log-ins lasted (from its first wrong
    log-in's planned time to its last answer) against the others: what the burst did to them."""
    burst = kinds.get("wrong log-in")
    if burst is None or not burst.planned:
        return
    began = min(burst.planned)
    ended = max(p + t for p, t in zip(burst.planned, burst.latencies, strict=True))
    during: list[float] = []
    rest: list[float] = []
    for name in LOGGED_IN:
        for due, took in zip(kinds[name].planned, kinds[name].latencies, strict=True):
            (during if began <= due <= ended else rest).append(took)
    print(f"logged-in answers due during the burst ({ended - began:.1f} s, until its last answer):"
          f" {len(during)}, p50 {percentile(during, 50) * 1000:.0f} ms, p99 "
          f"{percentile(during, 99) * 1000:.0f} ms; the other {len(rest)}: p50 "
          f"{percentile(rest, 50) * 1000:.0f} ms, p99 {percentile(rest, 99) * 1000:.0f} ms")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux ``/proc``), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "(uptime not available)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reports", type=int, default=100_000, help="generated reports")
    parser.add_argument("--rate", type=float, default=50.0, help="logged-in requests a second")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load lasts")
    parser.add_argument("--public-rate", type=float, default=5.0,
                        help="public-form submissions a second")
    parser.add_argument("--wrong-logins", type=int, default=100,
                        help="wrong log-ins in one burst from one address")
    parser.add_argument("--connections", type=int, default=64,
                        help="most connections open at once per client address")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server URL")
    parser.add_argument("--schema", default=SCHEMA, type=schema_name,
                        help=f"PostgreSQL schema of the bench's database (default {SCHEMA})")
    parser.add_argument("--rebuild", action="store_true", help="load the database again")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the database an earlier run made, as it is (no users, "
                             "index or reading brought up to date; only the lock-outs of the "
                             "wrong log-ins' account and address are cleared)")
    parser.add_argument("--prepare-only", action="store_true",
                        help="only make the database (run by the bench itself, niced)")
    args = parser.parse_args()
    if args.prepare_only:
        for backend in ("sqlite", "postgresql") if args.backend == "both" else (args.backend,):
            print(prepare(backend, args.reports, args.postgres, args.rebuild, args.schema)[0],
                  flush=True)
        return
    plan = Plan(args.rate, args.seconds, args.public_rate, args.wrong_logins, args.reports,
                args.connections, args.timeout)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    worst_p99, all_errors = 0.0, 0
    for backend in backends:
        # Making the database is long and is not measured: it runs niced, in a process of its
        # own; the measured minute runs at the priority the bench was started with.
        if args.reuse:
            url = reuse(backend, args.reports, args.postgres, args.schema)
        else:
            made = subprocess.run(
                [sys.executable, __file__, "--prepare-only", "--backend", backend, "--reports",
                 str(args.reports), "--postgres", args.postgres, "--schema", args.schema,
                 *(["--rebuild"] if args.rebuild else [])],
                preexec_fn=lambda: os.nice(10), capture_output=True, text=True, check=False)
            if made.returncode != 0:
                raise SystemExit(
                    f"making the {backend} database failed:\n{made.stdout}{made.stderr}")
            url = made.stdout.strip().splitlines()[-1]
        costs = list_costs(url, args.reports)
        home = home_of(backend, args.reports, args.schema)
        port = free_port()
        server = start_server(url, home, port)
        try:
            before, cpu_before = uptime(), cpu_seconds(server.pid)
            kinds, lateness, elapsed = asyncio.run(offer(f"http://127.0.0.1:{port}", plan))
            after, cpu = uptime(), cpu_seconds(server.pid) - cpu_before
        finally:
            stop_server(server)
        p99, errors = report(backend, kinds, lateness, elapsed, plan, before, after)
        for what, then, now in costs:
            print(f"{what} in the database (median of 40, before the load): every row / OFFSET "
                  f"{then:.1f} ms, kept count / cursor {now:.1f} ms: {then / now:.1f}x")
        answered = sum(k.ok + k.refused + k.limited for k in kinds.values())
        # What the server itself spent: on a shared machine this says what it would do with the
        # cores to itself, whatever share it got during the run.
        print(f"server CPU {cpu:.1f} s for {answered} answers: {cpu / max(1, answered) * 1000:.1f}"
              f" ms an answer, so about {answered / cpu if cpu else float('nan'):.0f} answers a "
              "second per core it has to itself")
        worst_p99, all_errors = max(worst_p99, p99), all_errors + errors
    print(f"load p99 {worst_p99:.0f} ms at {args.rate:g} req/s, errors {all_errors}")


if __name__ == "__main__":
    main()
