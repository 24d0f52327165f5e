"""Bring stored reports' machine mentions up to date with the current extraction rules.

When the rules change, the pipeline's version changes (``drachma.extract.version``). Reprocessing
reads again every report whose mentions were read by another version (or before versions were
recorded) and replaces its *pending* mentions with the new reading. What analysts decided is
never touched: confirmed, corrected and rejected mentions stay exactly as they are, and a new
mention over the same span and type as one of them is not added again (so a rejected reading
does not come back).

Reports are walked in id order in pages (keyset), read with ``Extractor.pipe`` (spaCy memory
zones keep memory flat), and each report is written in its own transaction with an audit entry.
Reports the actor may not read (handling code C whose conditions exclude their role) are skipped
and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import MentionsReread
from drachma.access.permissions import Permission, can_read_restricted
from drachma.analytics import upkeep
from drachma.errors import ValidationError
from drachma.model.mention import Review
from drachma.model.report import Report
from drachma.reports.mentions import extractor_for, known_groups
from drachma.store import mentions as mention_store
from drachma.store import reports as report_store
from drachma.store.db import Store

PAGE = 200
MAX_LIMIT = 10_000_000


@dataclass(slots=True)
class ReprocessResult:
    """What a reprocessing run did."""

    version: str
    reports: int = 0  # reports read again
    skipped: int = 0  # out-of-date reports the actor may not read
    added: int = 0  # pending mentions written
    removed: int = 0  # pending mentions replaced
    kept: int = 0  # reviewed mentions left as they were
    report_ids: list[int] = field(default_factory=list)  # the first 1,000 read again


def out_of_date(store: Store, actor: Actor) -> tuple[str, int]:
    """The current pipeline version and how many stored reports were read by another one."""
    actor.require(Permission.REVIEW_MENTIONS)
    extractor = extractor_for(known_groups(store))
    with store.begin() as conn:
        return extractor.version, mention_store.count_stale(conn, extractor.version)


def _readable(actor: Actor, report: Report) -> bool:
    return not report.restricted or can_read_restricted(actor.role, report.visible_to)


def reprocess(
    store: Store,
    actor: Actor,
    *,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ReprocessResult:
    """Read again (up to ``limit``) reports whose machine mentions are out of date.

    ``progress`` is called with the number of reports handled (read or skipped) after each."""
    actor.require(Permission.REVIEW_MENTIONS)
    actor.require(Permission.READ_REPORTS)
    if limit is not None and not 0 < limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be between 1 and {MAX_LIMIT:,}", field="limit")
    extractor = extractor_for(known_groups(store))
    result = ReprocessResult(version=extractor.version)
    after = 0
    handled = 0
    while limit is None or handled < limit:
        page = PAGE if limit is None else min(PAGE, limit - handled)
        with store.begin() as conn:
            ids = mention_store.stale_report_ids(
                conn, extractor.version, after_id=after, limit=page
            )
            found = report_store.reports_by_ids(conn, ids)
        if not ids:
            break
        after = ids[-1]
        reports = [found[i] for i in ids if i in found]
        readable = [r for r in reports if _readable(actor, r)]
        result.skipped += len(reports) - len(readable)
        texts = [r.body for r in readable]
        dates = [r.occurred_on or r.received_at.date() for r in readable]
        for report, mentions in zip(readable, extractor.pipe(texts, dates), strict=True):
            assert report.id is not None
            with store.begin() as conn:
                before = mention_store.for_report(conn, report.id)
                stored = mention_store.replace_pending(
                    conn, report.id, mentions, extractor.version
                )
                upkeep.settle(conn, reports=[report.id])  # facts and counts in step
                audit.record(conn, actor, MentionsReread(
                    report_id=report.id, reprocessed=extractor.version, count=len(mentions)))
            result.reports += 1
            if len(result.report_ids) < 1000:
                result.report_ids.append(report.id)
            result.removed += sum(1 for m in before if m.review is Review.PENDING)
            result.kept += sum(1 for m in stored if m.review is not Review.PENDING)
            result.added += sum(1 for m in stored if m.review is Review.PENDING)
        handled += len(ids)
        if progress is not None:
            progress(handled)
    return result
