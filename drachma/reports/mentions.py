"""Running extraction on a stored report: read its mentions out and keep them.

The extractor is built with the store's confirmed groups and their aliases, so a group an analyst
confirmed is recognised by name in every later report. Reading a report again replaces the
mentions nobody has reviewed yet and keeps the reviewed ones.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import MentionsRead
from drachma.analytics import upkeep
from drachma.model.dates import uk_day
from drachma.model.mention import Mention
from drachma.model.report import Report
from drachma.store import groups as group_store
from drachma.store import mentions as mention_store
from drachma.store.db import Store

if TYPE_CHECKING:
    from drachma.extract import Extractor

KnownGroups = tuple[tuple[str, tuple[str, ...]], ...]


def known_groups(store: Store) -> KnownGroups:
    """Confirmed groups with their aliases, as the extractor takes them."""
    with store.begin() as conn:
        found = group_store.all_groups(conn, confirmed_only=True)
    return tuple((g.name, tuple(g.aliases)) for g in found)


@lru_cache(maxsize=4)
def extractor_for(groups: KnownGroups) -> Extractor:
    """One extractor per set of known groups (building one loads spaCy and the gazetteers)."""
    from drachma.extract import Extractor

    return Extractor(known_groups=[(name, list(aliases)) for name, aliases in groups])


def extract_report(store: Store, actor: Actor, report: Report) -> list[Mention]:
    """Read the mentions out of a report the actor has already opened, and store them.

    Pending mentions from an earlier reading are replaced; reviewed ones are kept.
    """
    assert report.id is not None
    extractor = extractor_for(known_groups(store))
    found = extractor.extract(report.body, report.occurred_on or uk_day(report.received_at))
    with store.begin() as conn:
        # The version is recorded even when nothing was found, so that a report with no
        # mentions is not read again at every opening (bench/load.py found that).
        stored = mention_store.replace_pending(conn, report.id, found, extractor.version)
        upkeep.settle(conn, reports=[report.id])  # facts and counts in step (analytics)
        audit.record(conn, actor, MentionsRead(report_id=report.id, count=len(found)))
    return stored


def mentions_of(store: Store, actor: Actor, report: Report, *, extract_if_none: bool = True
                ) -> list[Mention]:
    """The stored mentions of an opened report; read them out first if there are none yet."""
    assert report.id is not None
    with store.begin() as conn:
        stored = mention_store.for_report(conn, report.id)
        read = bool(stored) or mention_store.was_read(conn, report.id)
    if not read and extract_if_none:
        stored = extract_report(store, actor, report)
    return stored
