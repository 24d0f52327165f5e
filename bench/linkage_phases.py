"""Where the time of Drachma's linkage job goes: ``deduplicate`` timed phase by phase.

    python bench/linkage_phases.py --records 100000

Runs ``drachma.link.linkage.deduplicate`` once on a copy of the generated database that
``bench/linkage.py`` builds (``bench/.cache``), with Drachma's own functions wrapped in timers:
reading the sources, computing features in DuckDB (``FeatureTable``), staging and writing
records and blocking keys, turning the records into a frame, Splink's training (input read into
DuckDB included), Splink's prediction, turning prediction rows into pairs with their
waterfalls, writing the pairs, and the rest. The
figures are wall-clock and CPU seconds of one run (CPU counts every thread of the process, so it
moves less with the load of a shared machine than wall-clock time does); phases nest (prediction
holds the pair writes). Since 28/11/2026 the job stages and writes the records and keys in a
thread of its own while Splink trains: the store's phases overlap training (their CPU figures
then hold the other thread's too), and "waiting for the record write" is the time the job
waited for that thread after training (0 when the write finished first).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import linkage as bench  # noqa: E402

from drachma.link import feature_table, linkage, splink_job  # noqa: E402
from drachma.store import linkage as link_store  # noqa: E402

SPENT: dict[str, float] = defaultdict(float)
CPU: dict[str, float] = defaultdict(float)


def timed(owner: Any, name: str, phase: str, *, listify: bool = False) -> None:
    """Wrap ``owner.name`` so that its time adds to ``phase`` (a generator is run out)."""
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began, cpu = time.perf_counter(), time.process_time()
        try:
            result = original(*args, **kwargs)
            return list(result) if listify else result
        finally:
            SPENT[phase] += time.perf_counter() - began
            CPU[phase] += time.process_time() - cpu

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    source = bench.build_database(args.records, args.seed)
    from drachma.access.actor import system_actor
    from drachma.store.db import Store

    for name in dir(link_store):  # every store write the job makes, by function
        if name in ("upsert_records", "remove_other_records", "save_pairs",
                    "load_records", "_write_staged"):
            timed(link_store, name, f"store: {name}")
    timed(feature_table.FeatureTable, "__init__", "features: computed in DuckDB")
    from sqlalchemy.engine import Connection

    timed(Connection, "exec_driver_sql", "store: staging through the driver")
    timed(splink_job, "train", "splink: train (input read in)")
    timed(splink_job, "predict", "splink: predict (pair writes inside)")
    timed(splink_job, "pair_rows_of", "pairs: rows -> waterfalls")
    timed(linkage.RefreshResult, "frame", "records -> frame")
    timed(linkage.RefreshResult, "wait", "waiting for the record write")
    timed(linkage, "refresh_records", "refresh_records (all)")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "drachma.sqlite"
        shutil.copyfile(source, copy)
        store = Store(f"sqlite:///{copy}")
        began, cpu = time.perf_counter(), time.process_time()
        linkage.deduplicate(store, system_actor("bench"))
        total, total_cpu = time.perf_counter() - began, time.process_time() - cpu
        store.dispose()
    print(f"deduplicate at {args.records:,} records: {total:.1f} s wall, {total_cpu:.1f} s CPU "
          "(every thread of the process)")
    for phase, seconds in sorted(SPENT.items()):
        print(f"  {phase:45} {seconds:7.1f} s wall {CPU[phase]:7.1f} s CPU "
              f"{100 * CPU[phase] / total_cpu:5.1f}% of CPU")


if __name__ == "__main__":
    main()
