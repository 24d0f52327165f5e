"""Looking after the search index (``docs/search.md``): rebuild it from the database, apply queued
changes now, say how it stands. The index itself is :mod:`drachma.store.search_index`."""

from __future__ import annotations

import time
from collections.abc import Callable

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import SearchIndexRebuilt
from drachma.access.permissions import Permission
from drachma.store import search_index
from drachma.store.db import Store
from drachma.store.search_index import IndexStatus, Progress


def rebuild_index(store: Store, actor: Actor,
                  on_progress: Callable[[Progress], None] | None = None) -> int:
    """Build the search index again from every report; returns how many were indexed. Searches
    go on meanwhile against the old index, which is swapped out only when the new one is done."""
    actor.require(Permission.READ_ALL_RESTRICTED)
    started = time.perf_counter()
    indexed = search_index.rebuild(store.engine, on_progress)
    with store.begin() as conn:
        audit.record(conn, actor, SearchIndexRebuilt(
            reports=indexed, seconds=round(time.perf_counter() - started, 1)))
    return indexed


def sync_index(store: Store, actor: Actor) -> int:
    """Apply every queued change to the index now; returns how many queued changes there were."""
    actor.require(Permission.READ_REPORTS)
    return search_index.sync(store.engine)


def index_status(store: Store, actor: Actor) -> IndexStatus:
    actor.require(Permission.READ_REPORTS)
    return search_index.status(store.engine)
