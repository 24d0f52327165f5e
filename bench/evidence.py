"""Evidence locker benchmark: intake throughput against openssl and sha256sum on the same file in
the same run, intake peak RSS, verification time for N custody events and M blobs, and inclusion
proof time at a million events.

    .venv/bin/python bench/evidence.py                 # 1 GB file, 100,000 events, 10,000 blobs
    .venv/bin/python bench/evidence.py --size-mb 256 --events 10000 --blobs 1000

The last line is ``intake/openssl ratio X.XX``.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from drachma.access.actor import system_actor
from drachma.evidence import merkle
from drachma.evidence.custody import NewEvent, make_checkpoint, record_events
from drachma.evidence.exhibits import Handover, add_exhibits, add_producer
from drachma.evidence.locker import Limits, locker_in
from drachma.evidence.verify import verify_locker
from drachma.model.evidence import CustodyAction, Exhibit, Producer
from drachma.store import evidence as evidence_store
from drachma.store.db import Store
from drachma.store.migrate import upgrade
from drachma.store.tables import custody_log_head, custody_log_nodes

CHUNK = 8 * 1024 * 1024


def generate(path: Path, size: int) -> None:
    """Incompressible bytes, written in chunks (constant memory)."""
    rng = random.Random(20261127)
    with open(path, "wb") as out:
        left = size
        while left:
            n = min(CHUNK, left)
            out.write(rng.randbytes(n))
            left -= n


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=1800)
    return time.perf_counter() - start


def intake_child(material: Path, home: Path) -> None:
    """Run in a separate process so that its peak RSS is the intake's alone."""
    store = Store(f"sqlite:///{home / 'intake.db'}")
    upgrade(store)
    actor = system_actor("bench")
    locker = locker_in(home, limits=Limits(max_bytes=1 << 40, max_archive_bytes=1 << 40))
    add_producer(store, actor, "BX", "Bench Example")
    start = time.perf_counter()
    add_exhibits(store, actor, locker, [material],
                 Handover("BX", "benchmark", "throughput measurement"))
    print(f"{time.perf_counter() - start:.6f}")


def fill_log(store: Store, locker_home: Path, events: int, blobs: int) -> None:
    """``blobs`` small exhibits, then custody events on them up to ``events`` in all, appended
    in batches of 1,000 through ``record_events`` (as a large handover does)."""
    locker = locker_in(locker_home)
    now = datetime.now(UTC)
    with store.begin() as conn:
        evidence_store.add_producer(conn, Producer("BX", "Bench Example"))
    made: list[NewEvent] = []
    batch = 1000
    for start in range(0, blobs, batch):
        count = min(batch, blobs - start)
        with store.begin() as conn:
            first = evidence_store.allocate_numbers(conn, "BX", count)
            assert first is not None
            new: list[NewEvent] = []
            for offset in range(count):
                stored = locker.blobs.put(_Bytes(os.urandom(1024)))
                reference = f"BX/{first + offset}"
                exhibit = Exhibit(reference, "bench item", "BX", now, "bench", "bench",
                                  "item.bin", "application/octet-stream", stored.size,
                                  stored.sha256)
                new_id = evidence_store.insert_exhibit(
                    conn, exhibit, number=first + offset, sub_number=None, parent_id=None,
                    redaction_of=None, sub_count=0, created_by="bench")
                new.append(NewEvent(new_id, reference, stored.sha256, CustodyAction.RECEIVED,
                                    "bench", "bench", now))
            record_events(conn, new)
            made.extend(new)
    done = blobs
    while done < events:
        count = min(batch, events - done)
        with store.begin() as conn:
            record_events(conn, [
                NewEvent(e.exhibit_id, e.reference, e.sha256, CustodyAction.VIEWED, "bench",
                         "bench", now)
                for e in (made[(done + i) % len(made)] for i in range(count))])
        done += count
    make_checkpoint(store, locker)


class _Bytes:
    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)

    def read(self, size: int = -1, /) -> bytes:
        size = len(self.data) if size < 0 else size
        out, self.data = self.data[:size], self.data[size:]
        return bytes(out)


def proof_at(events: int, work: Path, repeat: int) -> tuple[float, float, float]:
    """Build a tree of ``events`` leaves; (build s, mean proof ms in memory, mean proof ms from
    SQLite's stored nodes), each proof made and checked."""
    start = time.perf_counter()
    tree = merkle.MemoryTree()
    for i in range(events):
        tree.append(merkle.leaf_hash(i.to_bytes(8, "big")))
    build = time.perf_counter() - start
    root = tree.root()
    rng = random.Random(1)
    picks = [rng.randrange(events) for _ in range(repeat)]

    def check(source: merkle.NodeSource) -> float:
        begin = time.perf_counter()
        for index in picks:
            proof = merkle.inclusion_proof(index, events, source)
            assert merkle.verify_inclusion(index, events, merkle.leaf_hash(
                index.to_bytes(8, "big")), proof, root)
        return (time.perf_counter() - begin) / repeat * 1000

    in_memory = check(tree.source)
    store = Store(f"sqlite:///{work / 'proof.db'}")
    upgrade(store)
    with store.begin() as conn:
        rows = [{"node": (lv << evidence_store.NODE_SHIFT) | ix, "hash": h}
                for (lv, ix), h in tree.nodes.items()]
        for first in range(0, len(rows), 50_000):
            conn.execute(insert(custody_log_nodes), rows[first:first + 50_000])
        conn.execute(custody_log_head.update().values(size=events))
    with store.begin() as conn:
        from_db = check(lambda keys: evidence_store.fetch_nodes(conn, keys))
    store.dispose()
    return build, in_memory, from_db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="intake file size (MB)")
    parser.add_argument("--events", type=int, default=100_000, help="custody events to verify")
    parser.add_argument("--blobs", type=int, default=10_000, help="blobs to verify")
    parser.add_argument("--proof-events", type=int, default=1_000_000,
                        help="tree size for the inclusion proof timing")
    parser.add_argument("--repeat", type=int, default=1000, help="proofs to time")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default tmp)")
    parser.add_argument("--intake-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.intake_child:
        intake_child(*args.intake_child)
        return

    work = Path(tempfile.mkdtemp(prefix="drachma-bench-", dir=args.work))
    try:
        size = args.size_mb * 1024 * 1024
        material = work / "material.bin"
        print(f"Generating a {args.size_mb} MB file ...", flush=True)
        generate(material, size)
        timed(["cat", str(material)])  # the same page-cache state for everyone
        result = subprocess.run([sys.executable, __file__, "--intake-child", str(material),
                                 str(work / "intake")], check=True, capture_output=True,
                                text=True, timeout=3600)
        intake_s = float(result.stdout.strip().splitlines()[-1])
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        openssl_s = timed(["openssl", "dgst", "-sha256", str(material)])
        sha256sum_s = timed(["sha256sum", str(material)])
        mb = size / 1024 / 1024
        print(f"intake (hash + encrypt + store): {mb / intake_s:8.1f} MB/s ({intake_s:.2f} s)")
        print(f"openssl dgst -sha256:            {mb / openssl_s:8.1f} MB/s ({openssl_s:.2f} s)")
        print(f"sha256sum:                       {mb / sha256sum_s:8.1f} MB/s "
              f"({sha256sum_s:.2f} s)")
        print(f"intake peak RSS: {peak_mb:.1f} MB")
        material.unlink()

        store = Store(f"sqlite:///{work / 'log.db'}")
        upgrade(store)
        print(f"Filling a log of {args.events:,} events on {args.blobs:,} blobs ...", flush=True)
        start = time.perf_counter()
        fill_log(store, work / "log", args.events, args.blobs)
        fill_s = time.perf_counter() - start
        start = time.perf_counter()
        report = verify_locker(store, locker_in(work / "log"))
        verify_s = time.perf_counter() - start
        assert report.ok, report.problems
        store.dispose()
        print(f"appending {args.events:,} events: {fill_s:.1f} s "
              f"({args.events / fill_s:,.0f} events/s, SQLite)")
        print(f"verify {report.events:,} custody events and {report.exhibits:,} blobs: "
              f"{verify_s:.1f} s")

        build_s, memory_ms, db_ms = proof_at(args.proof_events, work, args.repeat)
        print(f"tree of {args.proof_events:,} events built in {build_s:.1f} s; inclusion proof "
              f"made and checked: {memory_ms:.3f} ms in memory, {db_ms:.3f} ms from SQLite")
        print(f"intake/sha256sum ratio {sha256sum_s / intake_s:.2f}")
        print(f"intake/openssl ratio {openssl_s / intake_s:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
