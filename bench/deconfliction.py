"""Deconfliction benchmark: latency of the check, precision and recall on generated variants, and
the time from a live incident's subject being added to the alert being in the inbox.

    python bench/deconfliction.py                      # 10,000 and 1,000,000 subjects
    python bench/deconfliction.py --scale 10000        # one size
    python bench/deconfliction.py --database postgresql://postgres@127.0.0.1/test

The subjects are invented in the run (names from drachma.demo.names). Each query is a variant of
a stored subject (a typo in the surname, a nickname, day and month swapped, a changed handle,
or exact), or a new invented person who is not stored (must match nothing). Last line:
``deconfliction p95 X ms at N subjects, precision P, recall R``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drachma.demo import names as N  # noqa: E402
from drachma.model.incident import Investigation, InvestigationSubject  # noqa: E402
from drachma.safeguarding.deconfliction import find_matches, keys_for  # noqa: E402
from drachma.safeguarding.names import nicknames_of  # noqa: E402
from drachma.store import safeguarding as sg_store  # noqa: E402
from drachma.store.db import Store  # noqa: E402
from drachma.store.migrate import upgrade  # noqa: E402

console = Console()
BATCH = 10_000
SUBJECTS_PER_INVESTIGATION = 500
KINDS = ("typo", "nickname", "swapped", "handle", "exact")
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _surname(rng: random.Random) -> str:
    return (rng.choice(N.SURNAME_HEADS) + rng.choice(N.SURNAME_MIDDLES)
            + rng.choice(N.SURNAME_TAILS))


def _person(rng: random.Random) -> InvestigationSubject:
    given = rng.choice(N.GIVEN_MALE + N.GIVEN_FEMALE)
    surname = _surname(rng)
    dob = date(1950, 1, 1) + timedelta(days=rng.randrange(55 * 365))
    area = rng.choice(("M", "OL", "BL", "LS", "B", "L", "S", "NE", "CF", "G"))
    postcode = f"{area}{rng.randrange(1, 30)} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJ')}" \
               f"{rng.choice('LNPQRSTUWXYZ')}"
    handle = f"{given.lower()}_{surname.lower()}{dob.year % 100:02d}"
    return InvestigationSubject(name=f"{given} {surname}", date_of_birth=dob,
                                postcodes=[postcode], handles=[handle])


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("swap", "drop", "change"))
    if edit == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if edit == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + rng.choice(LETTERS) + word[i + 1:]


def _nickname_of(rng: random.Random, given: str) -> str | None:
    options = nicknames_of(given)
    return rng.choice(options).title() if options else None


def variant(rng: random.Random, original: InvestigationSubject, kind: str
            ) -> InvestigationSubject | None:
    given, surname = original.name.split(" ", 1)
    dob = original.date_of_birth
    assert dob is not None
    if kind == "typo":
        return InvestigationSubject(name=f"{given} {_typo(rng, surname)}", date_of_birth=dob)
    if kind == "nickname":
        nick = _nickname_of(rng, given)
        return None if nick is None else InvestigationSubject(name=f"{nick} {surname}",
                                                              date_of_birth=dob)
    if kind == "swapped":
        if dob.day > 12 or dob.day == dob.month:
            return None
        return InvestigationSubject(name=original.name,
                                    date_of_birth=date(dob.year, dob.day, dob.month))
    if kind == "handle":  # the same handle written differently: case, separators, an '@'
        stored = original.handles[0]
        changed = rng.choice((f"@{stored}", stored.replace("_", "."), stored.upper(),
                              stored.replace("_", "")))
        return InvestigationSubject(name=original.name, handles=[changed])
    return InvestigationSubject(name=original.name, date_of_birth=dob)


@dataclass(slots=True)
class Result:
    subjects: int
    seconds_to_load: float
    median_ms: float
    p95_ms: float
    precision: float
    recall: float
    alert_seconds: float


def load(store: Store, n: int, rng: random.Random) -> list[InvestigationSubject]:
    """Insert n subjects in open investigations; returns a sample of them for queries."""
    sample: list[InvestigationSubject] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"Generating {n:,} subjects", total=n)
        made = 0
        while made < n:
            size = min(BATCH, n - made)
            people = [_person(rng) for _ in range(size)]
            with store.begin() as conn:
                for start in range(0, size, SUBJECTS_PER_INVESTIGATION):
                    number = (made + start) // SUBJECTS_PER_INVESTIGATION
                    inv_id = sg_store.insert_investigation(
                        conn, Investigation(reference=f"OP BENCH {number}", owner="DS Bench",
                                      force=None),
                        "bench-owner", "0000")
                    for p in people[start:start + SUBJECTS_PER_INVESTIGATION]:
                        p.investigation_id = inv_id
                sg_store.insert_investigation_subjects(conn, people,
                                                       [keys_for(p) for p in people])
            sample.extend(p for p in people if rng.random() < 2_000 / n)
            made += size
            bar.advance(task, size)
    return sample


def measure(store: Store, sample: list[InvestigationSubject], queries: int,
            rng: random.Random) -> tuple[list[float], float, float]:
    timings: list[float] = []
    true_pos = false_pos = positives = 0
    with store.engine.connect() as conn:
        for number in range(queries):
            if number % 6 == 5:  # someone not stored: must match nothing
                probe, wanted = _person(rng), None
            else:
                original = rng.choice(sample)
                made = None
                while made is None:
                    made = variant(rng, original, rng.choice(KINDS))
                probe, wanted = made, original.id
            began = time.perf_counter()
            _, matches = find_matches(conn, probe)
            timings.append((time.perf_counter() - began) * 1000)
            ids = {m.investigation_subject_id for m in matches}
            if wanted is not None:
                positives += 1
                true_pos += wanted in ids
            false_pos += len(ids - {wanted})
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 1.0
    recall = true_pos / positives if positives else 1.0
    return timings, precision, recall


def alert_latency(store: Store, sample: list[InvestigationSubject]) -> float:
    """Seconds from submitting a live incident's subject to the alert being in the inbox."""
    from drachma.access.actor import Actor
    from drachma.incidents import records
    from drachma.model.entities import Group
    from drachma.model.incident import IncidentSubject, SubjectRole
    from drachma.model.roles import Role
    from drachma.model.user import User
    from drachma.safeguarding.alerts import unread_count
    from drachma.store import groups as group_store

    officer = Actor(User("bench-officer", "Bench officer", Role.OFFICER, id=None))
    owner = Actor(User("bench-owner", "Bench owner", Role.INVESTIGATOR, id=None))
    with store.begin() as conn:
        group_store.insert_group(conn, Group(name="Bench Watch Group", confirmed=True))
    original = sample[0]
    before = unread_count(store, owner)
    began = time.perf_counter()
    detail = records.new_incident(store, officer, records.IncidentDraft(
        place="Rochdale", groups=["Bench Watch Group"],
        stream_urls=["https://video.example.org/live/1"]))
    records.add_subject(store, officer, detail.id or 0, IncidentSubject(
        role=SubjectRole.SUBJECT, name=original.name, date_of_birth=original.date_of_birth))
    while unread_count(store, owner) == before:
        if time.perf_counter() - began > 30:
            return float("inf")
        time.sleep(0.01)
    return time.perf_counter() - began


def run(url: str | None, n: int, queries: int, seed: int) -> Result:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(store)
        rng = random.Random(seed)
        began = time.perf_counter()
        sample = load(store, n, rng)
        loaded = time.perf_counter() - began
        timings, precision, recall = measure(store, sample, queries, rng)
        alert = alert_latency(store, sample)
        store.dispose()
    timings.sort()
    return Result(n, loaded, statistics.median(timings),
                  timings[min(len(timings) - 1, int(len(timings) * 0.95))], precision, recall,
                  alert)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, action="append",
                        help="number of investigation subjects (repeatable; default 10000 and "
                        "1000000)")
    parser.add_argument("--queries", type=int, default=600, help="checks per scale")
    parser.add_argument("--database", help="database URL (default a temporary SQLite file); "
                        "its schema must be empty")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    args = parser.parse_args()
    last = None
    for n in args.scale or [10_000, 1_000_000]:
        result = run(args.database, n, args.queries, args.seed)
        console.print(f"{n:>9,} subjects: loaded in {result.seconds_to_load:.1f} s; check "
                      f"median {result.median_ms:.2f} ms, p95 {result.p95_ms:.2f} ms; "
                      f"precision {result.precision:.3f}, recall {result.recall:.3f}; "
                      f"live incident to alert in inbox {result.alert_seconds * 1000:.0f} ms",
                      highlight=False)
        last = result
    assert last is not None
    print(f"deconfliction p95 {last.p95_ms:.1f} ms at {last.subjects} subjects, "
          f"precision {last.precision:.3f}, recall {last.recall:.3f}")


if __name__ == "__main__":
    main()
