"""Helpers shared by the incident, safeguarding and deconfliction tests (no tests here).

The group and people are invented; the places and forces are real.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
