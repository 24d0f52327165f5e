"""Exhibits, producers, custody events and the custody log's tables (the evidence locker's SQL).

Numbers are handed out by ``UPDATE ... RETURNING`` on one row (a producer's ``last_number``, the
log's ``size``) inside the caller's transaction: concurrent requests queue on that row lock, and a
failed transaction gives its number back, so references and log positions have no gaps and no
duplicates on SQLite and on PostgreSQL alike. Lock order is always producer row, then log head.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from drachma.model.evidence import (
    Checkpoint,
    CustodyAction,
    DisclosureCategory,
    DisclosureItem,
    Exhibit,
    Producer,
)
from drachma.store.tables import (
    custody_checkpoints,
    custody_events,
    custody_log_head,
    custody_log_leaves,
    custody_log_nodes,
    disclosure_counters,
    disclosure_items,
    disclosure_reports,
    evidence_producers,
    exhibit_links,
    exhibits,
    investigations,
)

PAGE = 1000


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite hands back naive UTC
        return value.replace(tzinfo=UTC)
    return value


# --- producers ---


def add_producer(conn: Connection, producer: Producer) -> None:
    conn.execute(insert(evidence_producers).values(
        initials=producer.initials, name=producer.name, last_number=0,
        created_at=datetime.now(UTC)))


def get_producer(conn: Connection, initials: str) -> Producer | None:
    row = conn.execute(select(evidence_producers.c.initials, evidence_producers.c.name)
                       .where(evidence_producers.c.initials == initials)).first()
    return Producer(row.initials, row.name) if row else None


def list_producers(conn: Connection) -> list[Producer]:
    rows = conn.execute(select(evidence_producers.c.initials, evidence_producers.c.name)
                        .order_by(evidence_producers.c.initials))
    return [Producer(r.initials, r.name) for r in rows]


def allocate_numbers(conn: Connection, initials: str, count: int) -> int | None:
    """Reserve ``count`` consecutive exhibit numbers for a producer; the first, or None if the
    producer is unknown. Must be the first write of the transaction (it takes the row lock)."""
    new_last = conn.execute(
        update(evidence_producers)
        .where(evidence_producers.c.initials == initials)
        .values(last_number=evidence_producers.c.last_number + count)
        .returning(evidence_producers.c.last_number)
    ).scalar()
    return None if new_last is None else int(new_last) - count + 1


# --- exhibits ---


def insert_exhibit(conn: Connection, exhibit: Exhibit, *, number: int, sub_number: int | None,
                   parent_id: int | None, redaction_of: int | None, sub_count: int,
                   created_by: str) -> int:
    exhibit.created_at = exhibit.created_at or datetime.now(UTC)
    new_id = conn.execute(insert(exhibits).values(
        reference=exhibit.reference, producer=exhibit.producer, number=number,
        sub_number=sub_number, parent_id=parent_id, redaction_of=redaction_of,
        description=exhibit.description, received_at=exhibit.received_at,
        received_from=exhibit.received_from, received_place=exhibit.received_place,
        original_name=exhibit.original_name, media_type=exhibit.media_type, size=exhibit.size,
        sha256=exhibit.sha256, disclosure_category=exhibit.disclosure_category.value,
        newest_inner_at=exhibit.newest_inner_at, sub_count=sub_count, created_by=created_by,
        created_at=exhibit.created_at,
    ).returning(exhibits.c.id)).scalar_one()
    for kind, target in exhibit.links:
        conn.execute(insert(exhibit_links).values(exhibit_id=new_id, kind=kind, target_id=target))
    exhibit.id = int(new_id)
    return int(new_id)


def reference_exists(conn: Connection, reference: str) -> bool:
    return conn.execute(select(exhibits.c.id).where(exhibits.c.reference == reference)
                        ).first() is not None


def _exhibit_query() -> Any:
    parent = exhibits.alias("parent")
    original = exhibits.alias("original")
    return (select(exhibits, parent.c.reference.label("parent_reference"),
                   original.c.reference.label("original_reference"))
            .select_from(exhibits.outerjoin(parent, exhibits.c.parent_id == parent.c.id)
                         .outerjoin(original, exhibits.c.redaction_of == original.c.id)))


def _exhibit(conn: Connection, row: Row[Any]) -> Exhibit:
    links = conn.execute(select(exhibit_links.c.kind, exhibit_links.c.target_id)
                         .where(exhibit_links.c.exhibit_id == row.id)
                         .order_by(exhibit_links.c.kind, exhibit_links.c.target_id))
    return Exhibit(
        reference=row.reference, description=row.description, producer=row.producer,
        received_at=_utc(row.received_at) or row.received_at, received_from=row.received_from,
        received_place=row.received_place, original_name=row.original_name,
        media_type=row.media_type, size=int(row.size), sha256=row.sha256,
        disclosure_category=DisclosureCategory(row.disclosure_category),
        parent_reference=row.parent_reference, redaction_of=row.original_reference,
        newest_inner_at=_utc(row.newest_inner_at), links=[(k, int(t)) for k, t in links],
        created_at=_utc(row.created_at), id=int(row.id),
    )


def get_exhibit(conn: Connection, reference: str) -> Exhibit | None:
    row = conn.execute(_exhibit_query().where(exhibits.c.reference == reference)).first()
    return _exhibit(conn, row) if row else None


def list_exhibits(conn: Connection, *, limit: int, offset: int = 0,
                  parent_reference: str | None = None) -> list[Exhibit]:
    query = _exhibit_query().order_by(exhibits.c.producer, exhibits.c.number,
                                      func.coalesce(exhibits.c.sub_number, 0))
    if parent_reference is not None:
        parent_id = select(exhibits.c.id).where(exhibits.c.reference == parent_reference)
        query = query.where(exhibits.c.parent_id == parent_id.scalar_subquery())
    rows = conn.execute(query.limit(limit).offset(offset)).all()
    return [_exhibit(conn, row) for row in rows]


def count_exhibits(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(exhibits)).scalar_one())


def exhibit_id(conn: Connection, reference: str) -> int | None:
    value = conn.execute(select(exhibits.c.id).where(exhibits.c.reference == reference)).scalar()
    return None if value is None else int(value)


def sha256_referenced(conn: Connection, sha256: str) -> bool:
    return conn.execute(select(exhibits.c.id).where(exhibits.c.sha256 == sha256).limit(1)
                        ).first() is not None


def iter_blob_hashes(conn: Connection) -> Iterator[tuple[str, str, int]]:
    """(reference, sha256, size) of every exhibit, in reference order, a page at a time."""
    last = 0
    while True:
        rows = conn.execute(select(exhibits.c.id, exhibits.c.reference, exhibits.c.sha256,
                                   exhibits.c.size).where(exhibits.c.id > last)
                            .order_by(exhibits.c.id).limit(PAGE)).all()
        if not rows:
            return
        for row in rows:
            yield row.reference, row.sha256, int(row.size)
        last = rows[-1].id


# --- the custody log ---


NodeKey = tuple[int, int]  # (level, index) of a complete subtree


NODE_SHIFT = 40  # a node's key is level * 2**40 + index: room for 2**40 events
_FETCH_NODES = select(custody_log_nodes.c.node, custody_log_nodes.c.hash).where(
    custody_log_nodes.c.node.in_(bindparam("nodes", expanding=True)))


def fetch_nodes(conn: Connection, keys: list[NodeKey]) -> dict[NodeKey, bytes]:
    """Stored subtree hashes by (level, index), in one primary-key lookup."""
    if not keys:
        return {}
    rows = conn.execute(_FETCH_NODES, {"nodes": [(lv << NODE_SHIFT) | ix for lv, ix in keys]})
    mask = (1 << NODE_SHIFT) - 1
    return {(int(node) >> NODE_SHIFT, int(node) & mask): bytes(value) for node, value in rows}


def _dialect_insert(conn: Connection) -> Any:
    return sqlite_insert if conn.dialect.name == "sqlite" else postgresql_insert


def allocate_leaves(conn: Connection, count: int) -> int:
    """Reserve ``count`` consecutive log positions; the first. Locks the head row until the
    transaction ends, so positions have no gaps or duplicates."""
    bump = (update(custody_log_head).where(custody_log_head.c.id == 1)
            .values(size=custody_log_head.c.size + count).returning(custody_log_head.c.size))
    size = conn.execute(bump).scalar()
    if size is None:  # the head row is made by the migration; make it again if it was emptied
        conn.execute(_dialect_insert(conn)(custody_log_head).values(id=1, size=0)
                     .on_conflict_do_nothing(index_elements=["id"]))
        size = conn.execute(bump).scalar_one()
    return int(size) - count


def insert_leaves(conn: Connection, leaves: list[tuple[int, bytes]],
                  nodes: list[tuple[int, int, bytes]]) -> None:
    conn.execute(insert(custody_log_leaves),
                 [{"seq": seq, "digest": digest} for seq, digest in leaves])
    conn.execute(insert(custody_log_nodes),
                 [{"node": (level << NODE_SHIFT) | idx, "hash": value}
                  for level, idx, value in nodes])


def log_size(conn: Connection) -> int:
    size = conn.execute(select(custody_log_head.c.size).where(custody_log_head.c.id == 1)).scalar()
    return int(size or 0)


def iter_leaves(conn: Connection) -> Iterator[tuple[int, bytes]]:
    last = -1
    while True:
        rows = conn.execute(select(custody_log_leaves.c.seq, custody_log_leaves.c.digest)
                            .where(custody_log_leaves.c.seq > last)
                            .order_by(custody_log_leaves.c.seq).limit(PAGE)).all()
        if not rows:
            return
        for seq, digest in rows:
            yield int(seq), bytes(digest)
        last = int(rows[-1].seq)


def leaf_digest(conn: Connection, seq: int) -> bytes | None:
    value = conn.execute(select(custody_log_leaves.c.digest)
                         .where(custody_log_leaves.c.seq == seq)).scalar()
    return None if value is None else bytes(value)


@dataclass(frozen=True, slots=True)
class EventRow:
    seq: int
    exhibit_reference: str
    exhibit_sha256: str
    action: CustodyAction
    at: datetime
    actor_name: str | None
    reason: str | None
    salt: str | None
    redacted_at: datetime | None


def insert_events(conn: Connection, events: list[dict[str, Any]]) -> None:
    """Rows with seq, exhibit_id, action, at, actor_name, reason, salt."""
    conn.execute(insert(custody_events), events)


def _event_query() -> Any:
    return (select(custody_events.c.seq, exhibits.c.reference, exhibits.c.sha256,
                   custody_events.c.action, custody_events.c.at, custody_events.c.actor_name,
                   custody_events.c.reason, custody_events.c.salt, custody_events.c.redacted_at)
            .select_from(custody_events.join(exhibits,
                                             custody_events.c.exhibit_id == exhibits.c.id)))


def _event_row(row: Row[Any]) -> EventRow:
    return EventRow(int(row.seq), row.reference, row.sha256, CustodyAction(row.action),
                    _utc(row.at) or row.at, row.actor_name, row.reason, row.salt,
                    _utc(row.redacted_at))


def iter_events(conn: Connection) -> Iterator[EventRow]:
    last = -1
    while True:
        rows = conn.execute(_event_query().where(custody_events.c.seq > last)
                            .order_by(custody_events.c.seq).limit(PAGE)).all()
        if not rows:
            return
        for row in rows:
            yield _event_row(row)
        last = int(rows[-1].seq)


def events_of(conn: Connection, reference: str, *, limit: int, offset: int = 0) -> list[EventRow]:
    rows = conn.execute(_event_query().where(exhibits.c.reference == reference)
                        .order_by(custody_events.c.seq).limit(limit).offset(offset)).all()
    return [_event_row(row) for row in rows]


def get_event(conn: Connection, seq: int) -> EventRow | None:
    row = conn.execute(_event_query().where(custody_events.c.seq == seq)).first()
    return _event_row(row) if row else None


def redact_event(conn: Connection, seq: int, at: datetime) -> bool:
    done = conn.execute(update(custody_events).where(custody_events.c.seq == seq)
                        .values(actor_name=None, reason=None, salt=None, redacted_at=at))
    return done.rowcount == 1


# --- checkpoints ---


def insert_checkpoint(conn: Connection, checkpoint: Checkpoint) -> int:
    return int(conn.execute(insert(custody_checkpoints).values(
        tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash, note=checkpoint.note,
        timestamp_token=checkpoint.timestamp_token, created_at=checkpoint.created_at,
    ).returning(custody_checkpoints.c.id)).scalar_one())


def _checkpoint(row: Row[Any]) -> Checkpoint:
    token = row.timestamp_token
    return Checkpoint(int(row.tree_size), bytes(row.root_hash), row.note,
                      _utc(row.created_at) or row.created_at,
                      None if token is None else bytes(token), int(row.id))


def list_checkpoints(conn: Connection) -> list[Checkpoint]:
    rows = conn.execute(select(custody_checkpoints).order_by(custody_checkpoints.c.id)).all()
    return [_checkpoint(row) for row in rows]


def latest_checkpoint(conn: Connection) -> Checkpoint | None:
    row = conn.execute(select(custody_checkpoints).order_by(custody_checkpoints.c.id.desc())
                       .limit(1)).first()
    return _checkpoint(row) if row else None


# --- disclosure ---


def investigation_reference(conn: Connection, investigation_id: int) -> str | None:
    value = conn.execute(select(investigations.c.reference)
                         .where(investigations.c.id == investigation_id)).scalar()
    return None if value is None else str(value)


def allocate_item_number(conn: Connection, investigation_id: int) -> int:
    """The next item number for the investigation, across every schedule (row-locked)."""
    conn.execute(_dialect_insert(conn)(disclosure_counters)
                 .values(investigation_id=investigation_id, last_item=0)
                 .on_conflict_do_nothing(index_elements=["investigation_id"]))
    return int(conn.execute(update(disclosure_counters)
                            .where(disclosure_counters.c.investigation_id == investigation_id)
                            .values(last_item=disclosure_counters.c.last_item + 1)
                            .returning(disclosure_counters.c.last_item)).scalar_one())


def insert_item(conn: Connection, *, investigation_id: int, number: int, schedule: str,
                description: str, sensitivity: str | None, exhibit_id: int | None,
                actor_name: str) -> None:
    conn.execute(insert(disclosure_items).values(
        investigation_id=investigation_id, item_number=number, schedule=schedule,
        description=description, sensitivity=sensitivity, exhibit_id=exhibit_id,
        updated_by=actor_name, updated_at=datetime.now(UTC)))


def update_item(conn: Connection, investigation_id: int, number: int,
                values: dict[str, Any]) -> bool:
    done = conn.execute(update(disclosure_items)
                        .where(disclosure_items.c.investigation_id == investigation_id,
                               disclosure_items.c.item_number == number)
                        .values(**values, updated_at=datetime.now(UTC)))
    return done.rowcount == 1


def list_items(conn: Connection, investigation_id: int,
               schedule: str | None = None) -> list[DisclosureItem]:
    query = (select(disclosure_items, exhibits.c.reference.label("exhibit_reference"))
             .select_from(disclosure_items.outerjoin(
                 exhibits, disclosure_items.c.exhibit_id == exhibits.c.id))
             .where(disclosure_items.c.investigation_id == investigation_id)
             .order_by(disclosure_items.c.item_number))
    if schedule is not None:
        query = query.where(disclosure_items.c.schedule == schedule)
    return [DisclosureItem(int(r.item_number), r.schedule, r.description, r.sensitivity,
                    r.exhibit_reference, _utc(r.updated_at) or r.updated_at)
            for r in conn.execute(query)]


def insert_report(conn: Connection, *, investigation_id: int, text: str, items: list[int],
                  actor_name: str) -> int:
    last = conn.execute(select(func.max(disclosure_reports.c.revision))
                        .where(disclosure_reports.c.investigation_id == investigation_id)
                        ).scalar()
    revision = int(last or 0) + 1
    conn.execute(insert(disclosure_reports).values(
        investigation_id=investigation_id, revision=revision, text=text,
        items=json.dumps(items), created_by=actor_name, created_at=datetime.now(UTC)))
    return revision


def latest_report(conn: Connection, investigation_id: int
                  ) -> tuple[int, str, list[int], datetime] | None:
    row = conn.execute(select(disclosure_reports)
                       .where(disclosure_reports.c.investigation_id == investigation_id)
                       .order_by(disclosure_reports.c.revision.desc()).limit(1)).first()
    if row is None:
        return None
    return (int(row.revision), row.text, [int(i) for i in json.loads(row.items)],
            _utc(row.created_at) or row.created_at)


def set_redaction_of(conn: Connection, reference: str, original_id: int) -> None:
    conn.execute(update(exhibits).where(exhibits.c.reference == reference)
                 .values(redaction_of=original_id))


def first_investigation_id(conn: Connection) -> int | None:
    value = conn.execute(select(func.min(investigations.c.id))).scalar()
    return None if value is None else int(value)
