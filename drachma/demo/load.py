"""Loading the invented demo set (and benchmark-sized report streams) into a store.

:func:`load_demo` fills an empty database with demo users (one per role, known passwords), the 40
invented groups, reports, incidents linked to the reports that tell of them, the people confronted
and open investigations. :func:`load_scale` streams any number of reports in batches of 5,000, one
transaction per batch, with flat memory.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from drachma.access import users as user_service
from drachma.access.actor import system_actor
from drachma.analytics import upkeep
from drachma.analytics.facts import demo_facts
from drachma.demo import names as N
from drachma.demo.evidence import load_demo_exhibits
from drachma.demo.generate import (
    DEFAULT_END,
    DEFAULT_START,
    DemoEvent,
    GeneratedReport,
    demo_groups,
    generate_detailed,
)
from drachma.demo.incidents import complete_demo_records
from drachma.demo.people import link_demo, load_demo_people
from drachma.errors import ConflictError
from drachma.model.entities import Person
from drachma.model.incident import Incident, Investigation, InvestigationStatus
from drachma.model.report import Report
from drachma.model.roles import Role
from drachma.store import analytics as analytics_store
from drachma.store import entities as entity_store
from drachma.store import groups as group_store
from drachma.store import reports as report_store
from drachma.store.db import Store
from drachma.store.reports import insert_many

BATCH_SIZE = 5_000

# One demo user per role. The passwords are public (they are printed and documented): demo only.
DEMO_USERS: tuple[tuple[str, Role], ...] = (
    ("analyst", Role.ANALYST),
    ("officer", Role.OFFICER),
    ("investigator", Role.INVESTIGATOR),
    ("disclosure", Role.DISCLOSURE_OFFICER),
    ("supervisor", Role.SUPERVISOR),
    ("admin", Role.ADMIN),
    ("records", Role.RECORDS_OFFICER),  # --- records (issue 13) ---
)


def demo_password(username: str) -> str:
    return f"{username}-demo-login"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    exists: bool = True
    created: bool = False


@dataclass(slots=True)
class DemoSummary:
    seed: int
    reports: int = 0
    groups: int = 0
    persons: int = 0
    incidents: int = 0
    investigations: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    skipped: bool = False
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Reports loaded per second."""
        return self.reports / self.seconds if self.seconds > 0 else 0.0


# --------------------------------------------------------------------------------------------
# Progress


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None and task.elapsed:
            speed = task.completed / task.elapsed
        return Text("" if speed is None else f"{speed:,.0f} reports/s", style="progress.data.speed")


def _progress(enabled: bool, console: Console | None) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
        transient=False,
    )


# --------------------------------------------------------------------------------------------
# Users


def demo_logins(store: Store) -> list[DemoLogin]:
    """The demo log-ins, each marked with whether that user exists in this database."""
    existing = {u.username for u in user_service.list_users(store, None)}
    return [DemoLogin(name, demo_password(name), role, name in existing)
            for name, role in DEMO_USERS]


def ensure_demo_users(store: Store) -> list[DemoLogin]:
    """Create the demo users that do not exist yet (existing users are left as they are)."""
    out = []
    for login in demo_logins(store):
        if login.exists:
            out.append(login)
            continue
        user_service.add_user(store, None, login.username, f"Demo {login.role.label}",
                              login.role, login.password)
        out.append(DemoLogin(login.username, login.password, login.role, True, True))
    return out


# --------------------------------------------------------------------------------------------
# Reports


def _batches(items: Iterator[GeneratedReport], size: int) -> Iterator[list[GeneratedReport]]:
    while batch := list(islice(items, size)):
        yield batch


def count_reports(store: Store) -> int:
    with store.begin() as conn:
        return report_store.count_all(conn)


def _max_report_id(store: Store) -> int:
    with store.begin() as conn:
        return report_store.highest_id(conn)


def _load_reports(
    store: Store,
    items: Iterator[GeneratedReport],
    total: int,
    *,
    progress: bool,
    console: Console | None,
    batch_size: int,
    keep: list[GeneratedReport] | None = None,
) -> int:
    """Insert the stream in batches (one transaction each); ``keep`` collects what was loaded."""
    loaded = 0
    with _progress(progress, console) as bar:
        task = bar.add_task("Loading reports", total=total)
        for batch in _batches(items, batch_size):
            reports: list[Report] = [item.report for item in batch]
            with store.begin() as conn:
                insert_many(conn, reports)
                # --- analytics: what each invented report is about (issue 10) ---
                analytics_store.insert_facts(conn, "reports", demo_facts(
                    (item.report.id or 0, item.town,
                     demo_groups()[item.group].name) for item in batch))
                # counts in step, as every writer keeps them (analytics; the list's total)
                upkeep.settle(conn, reports=[r.id or 0 for r in reports])
            if keep is not None:
                keep.extend(batch)
            loaded += len(batch)
            bar.advance(task, len(batch))
    return loaded


def load_scale(
    store: Store,
    n: int,
    seed: int = 0,
    progress: bool = True,
    *,
    console: Console | None = None,
    batch_size: int = BATCH_SIZE,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
) -> DemoSummary:
    """Stream ``n`` generated reports into the store (for benchmarks); memory stays flat.

    Reference numbers continue after the highest report id already stored, so this may be run on
    a database that already holds the demo set or an earlier batch.
    """
    began = time.perf_counter()
    first = _max_report_id(store)
    items = generate_detailed(n, seed, start=start, end=end, first_index=first)
    loaded = _load_reports(store, items, n, progress=progress, console=console,
                           batch_size=batch_size)
    return DemoSummary(seed=seed, reports=loaded, seconds=time.perf_counter() - began)


# --------------------------------------------------------------------------------------------
# The demo set


def _stream_url(event: DemoEvent, seed: int) -> str:
    group = demo_groups()[event.group]
    return f"{group.page_url}/videos/{10**14 + seed * 100_003 + event.key * 7_919}"


def _incident(event: DemoEvent, seed: int, report_ids: list[int]) -> Incident:
    group = demo_groups()[event.group]
    return Incident(
        occurred_at=event.occurred_at,
        place=event.town.name,
        force=event.force,
        groups=[group.name],
        decoy_age_claimed=event.decoy_age,
        live_streamed=event.live,
        platform=event.stream_platform if event.live else event.contact_platform,
        stream_urls=[_stream_url(event, seed)] if event.live else [],
        viewers=event.viewers,
        police_attended=event.police_attended,
        outcome=event.outcome,
        report_ids=report_ids,
    )


def _nearest(candidates: list[tuple[float, int]], when: float, k: int) -> list[int]:
    ranked = sorted(candidates, key=lambda c: (abs(c[0] - when), c[1]))
    return sorted(rid for _, rid in ranked[:k])


def _link_reports(events: list[DemoEvent], loaded: list[GeneratedReport],
                  rng: random.Random) -> dict[int, list[int]]:
    """Each event's reports (1-3): those that tell of it, else the nearest of its group's."""
    told: dict[int, list[int]] = {}
    by_group: dict[int, list[tuple[float, int]]] = {}
    every: list[tuple[float, int]] = []
    for item in loaded:
        report = item.report
        assert report.id is not None
        if item.event is not None:
            told.setdefault(item.event.key, []).append(report.id)
        stamp = report.received_at.timestamp()
        by_group.setdefault(item.group, []).append((stamp, report.id))
        every.append((stamp, report.id))
    links: dict[int, list[int]] = {}
    for event in events:
        ids = told.get(event.key, [])[:3]
        if not ids and every:
            pool = by_group.get(event.group) or every
            ids = _nearest(pool, event.occurred_at.timestamp(), 1 + rng.randrange(2))
        links[event.key] = ids
    return links


def _dob(rng: random.Random, on: date, age: int) -> date:
    return on - timedelta(days=age * 365 + rng.randrange(365))


def load_demo(
    store: Store,
    seed: int = 0,
    *,
    reports: int = 2000,
    incidents: int = 300,
    investigations: int = 30,
    progress: bool = True,
    if_empty: bool = False,
    console: Console | None = None,
    batch_size: int = BATCH_SIZE,
) -> DemoSummary:
    """Fill an empty database with the invented demo set; deterministic for ``seed``.

    With ``if_empty`` a database that already holds reports is left alone (the summary says
    ``skipped`` and lists which demo log-ins exist); otherwise such a database is refused.
    """
    began = time.perf_counter()
    existing = count_reports(store)
    if existing:
        if if_empty:
            return DemoSummary(seed=seed, skipped=True, logins=demo_logins(store),
                               seconds=time.perf_counter() - began)
        raise ConflictError(
            f"the database already holds {existing:,} reports; the demo set is loaded into an "
            "empty database (use --if-empty to leave it alone, or --scale N to add reports)",
            field="database",
        )
    summary = DemoSummary(seed=seed)
    summary.logins = ensure_demo_users(store)

    groups = demo_groups()
    with store.begin() as conn:
        for group in groups:
            if group_store.find_group(conn, group.name) is None:
                group_store.insert_group(conn, group.to_group())
    summary.groups = len(groups)

    events: list[DemoEvent] = []
    loaded: list[GeneratedReport] = []
    items = generate_detailed(reports, seed, events=incidents, on_event=events.append)
    summary.reports = _load_reports(store, items, reports, progress=progress, console=console,
                                    batch_size=batch_size, keep=loaded)

    rng = random.Random(seed * 1_000_003 + 17)
    links = _link_reports(events, loaded, rng)
    loaded.clear()
    with store.begin() as conn:
        subjects: list[Person] = []
        subject_events: list[DemoEvent] = []
        for event in events:
            on = event.occurred_at.date()
            subjects.append(Person(
                name=event.subject,
                date_of_birth=_dob(rng, on, event.subject_age),
                addresses=[f"{event.town.name}, {event.town.district}"],
            ))
            subject_events.append(event)
        entity_store.insert_persons(conn, subjects)
        for event in events:
            entity_store.insert_incident(conn, _incident(event, seed, links[event.key]))
        summary.incidents = len(events)

        others: list[Person] = []
        plans: list[tuple[str, str, str, list[Person]]] = []
        words = list(N.INVESTIGATION_WORDS)
        rng.shuffle(words)
        for number in range(investigations):
            reference = f"OP {words[number % len(words)].upper()}"
            if number >= len(words):
                reference += f" {number // len(words) + 1}"
            owner = (f"{rng.choice(N.RANKS[:3])} "
                     f"{rng.choice(N.GIVEN_FEMALE + N.GIVEN_MALE)} {rng.choice(N.SURNAMES)}")
            chosen: list[Person] = []
            force = groups[rng.randrange(len(groups))].force
            if subjects and rng.random() < 0.67:
                index = rng.randrange(len(subjects))
                chosen.append(subjects[index])
                force = subject_events[index].force
            if not chosen or rng.random() < 0.3:
                surname = (rng.choice(N.SURNAME_HEADS) + rng.choice(N.SURNAME_MIDDLES)
                           + rng.choice(N.SURNAME_TAILS))
                person = Person(
                    name=f"{rng.choice(N.GIVEN_MALE)} {surname}",
                    date_of_birth=date(rng.randrange(1950, 1999), rng.randrange(1, 13),
                                       rng.randrange(1, 29)),
                )
                others.append(person)
                chosen.append(person)
            plans.append((reference, owner, force, chosen))
        entity_store.insert_persons(conn, others)
        for reference, owner, force, chosen in plans:
            entity_store.insert_investigation(conn, Investigation(
                reference=reference,
                owner=owner,
                force=force,
                status=InvestigationStatus.OPEN,
                subject_ids=[p.id for p in chosen if p.id is not None],
            ))
        summary.persons = len(subjects) + len(others)
        summary.investigations = len(plans)
    load_demo_exhibits(store, seed)  # --- evidence ---: a few invented exhibits
    complete_demo_records(store)  # --- incidents and safeguarding ---
    people = load_demo_people(store)  # --- linkage (issue 11): invented variants to review ---
    summary.persons += people.persons
    summary.groups += people.groups
    upkeep.rebuild(store, system_actor("demo"))  # --- analytics: facts and counts (issue 10) ---
    link_demo(store)  # --- linkage (issue 11): train, run, and fill the review queue ---
    summary.seconds = time.perf_counter() - began
    return summary

