"""Mentions of a report and the history of analysts' reviews."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, insert, select, union, update

from drachma.model.mention import Mention, MentionType, Review
from drachma.store.tables import mention_reviews, mentions, report_readings


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _mention(row: Any) -> Mention:
    attributes = json.loads(row.attributes or "{}")
    if row.corrected_value is not None:
        attributes["extracted_value"] = row.value
        attributes["extracted_type"] = row.type
    return Mention(
        id=row.id,
        report_id=row.report_id,
        type=MentionType(row.corrected_type or row.type),
        start=row.start_char,
        end=row.end_char,
        text=row.text,
        value=row.corrected_value if row.corrected_value is not None else row.value,
        confidence=float(row.confidence),
        attributes=attributes,
        review=Review(row.review),
        reviewed_by=row.reviewed_by,
        reviewed_at=_aware(row.reviewed_at),
        pipeline_version=row.pipeline_version,
    )


# Security: one hostile report must not make tens of thousands of mentions (81,936 from one
# 2-million-character report); past this many only the first, in text order, are kept.
MAX_MENTIONS_PER_REPORT = 2_000


def replace_pending(
    conn: Connection, report_id: int, found: Sequence[Mention], version: str | None = None
) -> list[Mention]:
    """Store a fresh extraction: pending mentions are replaced; reviewed ones are kept as they are,
    and a new mention over exactly the same span and type as a reviewed one is dropped. At most
    :data:`MAX_MENTIONS_PER_REPORT` are kept, the first in the text.

    ``version`` (the pipeline's version; default the mentions' own) is recorded as the version
    that last read the report."""
    if len(found) > MAX_MENTIONS_PER_REPORT:
        found = sorted(found, key=lambda m: (m.start, m.end))[:MAX_MENTIONS_PER_REPORT]
    conn.execute(
        delete(mentions).where(
            and_(mentions.c.report_id == report_id, mentions.c.review == Review.PENDING.value)
        )
    )
    reviewed = {
        (r.type, r.start_char, r.end_char)
        for r in conn.execute(
            select(mentions.c.type, mentions.c.start_char, mentions.c.end_char).where(
                mentions.c.report_id == report_id
            )
        )
    }
    now = datetime.now(UTC)
    rows = [
        {
            "report_id": report_id,
            "type": m.type.value,
            "start_char": m.start,
            "end_char": m.end,
            "text": m.text,
            "value": m.value,
            "confidence": m.confidence,
            "attributes": json.dumps(m.attributes, sort_keys=True),
            "review": Review.PENDING.value,
            "extracted_at": now,
            "pipeline_version": m.pipeline_version,
        }
        for m in found
        if (m.type.value, m.start, m.end) not in reviewed
    ]
    if rows:
        conn.execute(insert(mentions), rows)
    version = version or next((m.pipeline_version for m in found if m.pipeline_version), None)
    if version:
        record_reading(conn, report_id, version, now)
    return for_report(conn, report_id)


def was_read(conn: Connection, report_id: int) -> bool:
    """Whether the extractor has read the report (even if it found nothing)."""
    return conn.execute(select(report_readings.c.report_id)
                        .where(report_readings.c.report_id == report_id)).first() is not None


def record_reading(conn: Connection, report_id: int, version: str, at: datetime) -> None:
    """Remember that pipeline ``version`` read the report at ``at`` (one row per report)."""
    conn.execute(delete(report_readings).where(report_readings.c.report_id == report_id))
    conn.execute(
        insert(report_readings).values(report_id=report_id, pipeline_version=version, read_at=at)
    )


def _stale(version: str) -> Any:
    """Report ids read by another pipeline version, or read before readings were recorded."""
    other = select(report_readings.c.report_id.label("report_id")).where(
        report_readings.c.pipeline_version != version
    )
    unrecorded = (
        select(mentions.c.report_id.label("report_id"))
        .where(~exists().where(report_readings.c.report_id == mentions.c.report_id))
        .distinct()
    )
    return union(other, unrecorded).subquery()


def stale_report_ids(
    conn: Connection, version: str, *, after_id: int = 0, limit: int = 500
) -> list[int]:
    """The next ``limit`` out-of-date reports after ``after_id``, in id order (keyset paging)."""
    stale = _stale(version)
    rows = conn.execute(
        select(stale.c.report_id)
        .where(stale.c.report_id > after_id)
        .order_by(stale.c.report_id)
        .limit(limit)
    )
    return [int(r[0]) for r in rows]


def count_stale(conn: Connection, version: str) -> int:
    stale = _stale(version)
    return int(conn.execute(select(func.count()).select_from(stale)).scalar_one())


def for_report(conn: Connection, report_id: int) -> list[Mention]:
    rows = conn.execute(
        select(mentions)
        .where(mentions.c.report_id == report_id)
        .order_by(mentions.c.start_char, mentions.c.end_char, mentions.c.id)
    )
    return [_mention(r) for r in rows]


def get(conn: Connection, mention_id: int) -> Mention | None:
    row = conn.execute(select(mentions).where(mentions.c.id == mention_id)).first()
    return _mention(row) if row else None


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    mention_id: int
    actor_name: str
    at: datetime
    decision: Review
    old_type: str
    old_value: str
    new_type: str | None
    new_value: str | None


def record_review(
    conn: Connection,
    mention: Mention,
    *,
    decision: Review,
    actor_id: int | None,
    actor_name: str,
    new_type: MentionType | None = None,
    new_value: str | None = None,
) -> None:
    """Apply a review to a mention and keep it in the history (who, when, from what, to what)."""
    assert mention.id is not None
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "review": decision.value,
        "reviewed_by": actor_id,
        "reviewed_at": now,
    }
    if decision is Review.CORRECTED:
        values["corrected_type"] = (new_type or mention.type).value
        values["corrected_value"] = new_value if new_value is not None else mention.value
    conn.execute(update(mentions).where(mentions.c.id == mention.id).values(**values))
    conn.execute(
        insert(mention_reviews).values(
            mention_id=mention.id,
            actor_id=actor_id,
            actor_name=actor_name,
            at=now,
            decision=decision.value,
            old_type=mention.type.value,
            old_value=mention.value,
            new_type=(new_type or mention.type).value if decision is Review.CORRECTED else None,
            new_value=new_value if decision is Review.CORRECTED else None,
        )
    )


def history(conn: Connection, mention_id: int) -> list[ReviewEntry]:
    rows = conn.execute(
        select(mention_reviews)
        .where(mention_reviews.c.mention_id == mention_id)
        .order_by(mention_reviews.c.id)
    )
    return [
        ReviewEntry(
            mention_id=r.mention_id,
            actor_name=r.actor_name,
            at=_aware(r.at) or datetime.now(UTC),
            decision=Review(r.decision),
            old_type=r.old_type,
            old_value=r.old_value,
            new_type=r.new_type,
            new_value=r.new_value,
        )
        for r in rows
    ]
