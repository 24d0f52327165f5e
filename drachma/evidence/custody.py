"""The custody log: every action on an exhibit is an append-only event, and the events form an
RFC 6962 Merkle tree whose signed checkpoints let anyone check that history was not rewritten.

A leaf of the tree is the *digest* of an event, ``SHA-256(salt || canonical JSON)``, where the JSON
holds the log position, the exhibit's reference and SHA-256, the action, the time (UTC), the actor
and the reason. The salt (16 random bytes, kept in the event's row) stops anyone guessing the
details of an event from its digest. So the log and the checkpoints hold hashes only: at its
retention review an event row can be redacted (actor, reason and salt removed, a tombstone kept)
and every root, checkpoint and proof still verifies.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import CustodyEventRedacted, CustodyLogRead
from drachma.access.permissions import Permission
from drachma.errors import NotFoundError, ValidationError
from drachma.evidence import merkle
from drachma.evidence.checkpoint import CheckpointBody, sign
from drachma.evidence.locker import Locker
from drachma.model.evidence import Checkpoint, CustodyAction, CustodyEvent
from drachma.store import evidence as evidence_store
from drachma.store.db import Connection, Store

MAX_REASON = 2000


def check_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError("a reason is required for every action on evidence", field="reason")
    if len(text) > MAX_REASON:
        raise ValidationError(f"the reason is longer than {MAX_REASON} characters", field="reason")
    return text


def time_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_json(seq: int, reference: str, sha256: str, action: CustodyAction, at: datetime,
               actor: str, reason: str) -> bytes:
    return json.dumps(
        {"seq": seq, "exhibit": reference, "sha256": sha256, "action": action.value,
         "at": time_text(at), "actor": actor, "reason": reason},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_digest(salt_hex: str, event: bytes) -> bytes:
    return hashlib.sha256(bytes.fromhex(salt_hex) + event).digest()


def source(conn: Connection) -> merkle.NodeSource:
    return lambda keys: evidence_store.fetch_nodes(conn, keys)


@dataclass(frozen=True, slots=True)
class NewEvent:
    exhibit_id: int
    reference: str
    sha256: str
    action: CustodyAction
    actor_name: str
    reason: str
    at: datetime | None = None


def record_events(conn: Connection, events: list[NewEvent]) -> list[int]:
    """Append events inside the caller's transaction, in order; their log positions. A batch
    takes its positions at once and writes leaves, subtree hashes and rows in three inserts."""
    if not events:
        return []
    first = evidence_store.allocate_leaves(conn, len(events))
    # Every left sibling a new leaf needs is either made in this batch or one of the complete
    # subtrees that make up the log before it (its "compact range"): fetch those once.
    known = evidence_store.fetch_nodes(conn, merkle.pieces(0, first))

    def local(keys: list[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
        return {key: known[key] for key in keys if key in known}

    leaves: list[tuple[int, bytes]] = []
    nodes: list[tuple[int, int, bytes]] = []
    rows: list[dict[str, object]] = []
    for seq, event in enumerate(events, start=first):
        at = event.at or datetime.now(UTC)
        salt = secrets.token_hex(16)
        digest = event_digest(salt, event_json(seq, event.reference, event.sha256, event.action,
                                               at, event.actor_name, event.reason))
        made = merkle.appended_nodes(seq, merkle.leaf_hash(digest), local)
        known.update(((level, idx), value) for level, idx, value in made)
        leaves.append((seq, digest))
        nodes.extend(made)
        rows.append({"seq": seq, "exhibit_id": event.exhibit_id, "action": event.action.value,
                     "at": at, "actor_name": event.actor_name, "reason": event.reason,
                     "salt": salt})
    evidence_store.insert_leaves(conn, leaves, nodes)
    evidence_store.insert_events(conn, rows)
    return list(range(first, first + len(events)))


def record_event(conn: Connection, *, exhibit_id: int, reference: str, sha256: str,
                 action: CustodyAction, actor_name: str, reason: str,
                 at: datetime | None = None) -> int:
    """Append one event inside the caller's transaction; its position in the log."""
    return record_events(conn, [NewEvent(exhibit_id, reference, sha256, action, actor_name,
                                         reason, at)])[0]


def make_checkpoint(store: Store, locker: Locker) -> Checkpoint | None:
    """Sign the log as it stands (unless the newest checkpoint already covers it)."""
    with store.begin() as conn:
        size = evidence_store.log_size(conn)
        latest = evidence_store.latest_checkpoint(conn)
        if size == 0 or (latest is not None and latest.tree_size == size):
            return latest
        root_hash = merkle.root(size, source(conn))
        now = datetime.now(UTC).replace(microsecond=0)
        note = sign(CheckpointBody(locker.origin, size, root_hash, now), locker.signing_key)
        token = None
        if locker.tsa_url:
            from drachma.evidence.timestamp import request_timestamp

            token = request_timestamp(locker.tsa_url, note.encode())
        checkpoint = Checkpoint(size, root_hash, note, now, token)
        new_id = evidence_store.insert_checkpoint(conn, checkpoint)
        return Checkpoint(size, root_hash, note, now, token, new_id)


def to_event(row: evidence_store.EventRow) -> CustodyEvent:
    return CustodyEvent(row.seq, row.exhibit_reference, row.exhibit_sha256, row.action, row.at,
                        row.actor_name, row.reason, row.redacted_at is not None)


def history(store: Store, actor: Actor, reference: str, *, limit: int = 100,
            offset: int = 0) -> list[CustodyEvent]:
    """An exhibit's custody events, oldest first (audited: the actors and reasons are personal)."""
    actor.require(Permission.MANAGE_EVIDENCE)
    with store.begin() as conn:
        if evidence_store.exhibit_id(conn, reference) is None:
            raise NotFoundError(f"no exhibit {reference}", field="reference")
        rows = evidence_store.events_of(conn, reference, limit=min(limit, 1000), offset=offset)
        audit.record(conn, actor, CustodyLogRead(reference=reference))
    return [to_event(row) for row in rows]


@dataclass(frozen=True, slots=True)
class InclusionProof:
    seq: int
    digest: bytes  # the leaf (event digest); the tree leaf hash is SHA-256(0x00 || digest)
    tree_size: int
    proof: list[bytes]
    checkpoint: Checkpoint

    def as_dict(self) -> dict[str, object]:
        return {"leaf_index": self.seq, "event_digest": self.digest.hex(),
                "tree_size": self.tree_size, "proof": [p.hex() for p in self.proof],
                "checkpoint": self.checkpoint.note}


def inclusion(store: Store, seq: int) -> InclusionProof:
    """Prove event ``seq`` is in the tree of the newest checkpoint (that covers it)."""
    with store.begin() as conn:
        checkpoint = evidence_store.latest_checkpoint(conn)
        digest = evidence_store.leaf_digest(conn, seq)
        if digest is None:
            raise NotFoundError(f"no custody event at log position {seq}", field="seq")
        if checkpoint is None or checkpoint.tree_size <= seq:
            raise NotFoundError(f"no checkpoint covers log position {seq} yet; make one with "
                                "'drachma evidence checkpoint'", field="seq")
        proof = merkle.inclusion_proof(seq, checkpoint.tree_size, source(conn))
    return InclusionProof(seq, digest, checkpoint.tree_size, proof, checkpoint)


def consistency(store: Store, size1: int, size2: int) -> list[bytes]:
    with store.begin() as conn:
        if size2 > evidence_store.log_size(conn):
            raise ValidationError(f"the log has fewer than {size2} events", field="size")
        return merkle.consistency_proof(size1, size2, source(conn))


def redact_event(store: Store, actor: Actor, seq: int, reason: str) -> None:
    """At a retention review: remove an event's actor, reason and salt, keeping its tombstone and
    its digest in the log, so every proof still verifies."""
    actor.require(Permission.MANAGE_EVIDENCE)
    reason = check_reason(reason)
    with store.begin() as conn:
        if not evidence_store.redact_event(conn, seq, datetime.now(UTC)):
            raise NotFoundError(f"no custody event at log position {seq}", field="seq")
        audit.record(conn, actor, CustodyEventRedacted(seq=seq, reason=reason))
