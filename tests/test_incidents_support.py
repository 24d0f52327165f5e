"""Helpers shared by the incident, safeguarding and deconfliction tests (no tests here).

The group and people are invented; the places and forces are real.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from drachma.access.actor import Actor
from drachma.incidents import records
from drachma.model.entities import Group
from drachma.model.incident import IncidentDetail
from drachma.store import groups as group_store
from drachma.store.db import Store

GROUP = "Northfield Child Watch"
STREAM = "https://video.example.org/live/83412"


def add_group(store: Store, name: str = GROUP) -> None:
    with store.begin() as conn:
        if group_store.find_group(conn, name) is None:
            group_store.insert_group(conn, Group(name=name, aliases=["NCW"], confirmed=True))


def live_incident(store: Store, actor: Actor, *, place: str = "Rochdale",
                  minutes_ago: int = 5, group: str = GROUP) -> IncidentDetail:
    add_group(store, group)
    return records.new_incident(store, actor, records.IncidentDraft(
        place=place, groups=[group], stream_urls=[STREAM],
        occurred_at=datetime.now(UTC) - timedelta(minutes=minutes_ago)))


def row_counts(store: Store, *tables: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from drachma.store.tables import metadata

    with store.begin() as conn:
        return {t: int(conn.execute(select(func.count()).select_from(metadata.tables[t]))
                       .scalar_one()) for t in tables}


def preserve_stream(store: Store, investigator: Actor, folder: Path, initials: str = "PC",
                    count: int = 1) -> list[str]:
    """Preserve ``count`` recordings of the stream in the evidence locker (a real, encrypted
    exhibit each); their references, ``PC/1`` ..."""
    from drachma.evidence.blobs import FilesystemBlobStore
    from drachma.evidence.exhibits import Handover, add_exhibits, add_producer
    from drachma.evidence.keys import (
        create_master_key,
        create_signing_key,
        load_master_key,
        load_signing_key,
    )
    from drachma.evidence.locker import Limits, Locker

    keys = folder / "keys"
    if not (keys / "master.key").exists():
        create_master_key(keys / "master.key")
        create_signing_key(keys / "sign.pem")
    locker = Locker(FilesystemBlobStore(folder / "evidence", load_master_key(keys / "master.key")),
                    load_signing_key(keys / "sign.pem"), "drachma.test/custody", Limits())
    add_producer(store, investigator, initials, "Pat Carter")
    references = []
    for n in range(count):
        recording = folder / f"stream-{n}.txt"
        recording.write_text(f"Invented stand-in for a preserved recording of {STREAM} ({n}).")
        receipt = add_exhibits(store, investigator, locker, [recording], Handover(
            producer=initials, received_from="the officer who preserved the stream",
            reason="preserved before asking the platform to take it down"))
        references.append(receipt.lines[0].reference)
    return references
