"""``drachma evidence verify``: check everything an examiner would, and name what failed.

1. Every exhibit's blob is decrypted as a stream and re-hashed; its size and SHA-256 must match.
2. Every custody event row is re-digested and compared with its leaf in the log (a redacted row,
   with its tombstone, cannot be and is counted instead); a leaf without a row, or a row without
   a leaf, is named.
3. The tree is recomputed from the leaves; at each checkpoint's size the root must be the one the
   checkpoint signed, and the stored subtree hashes (used for proofs) must agree with it.
4. Every checkpoint's Ed25519 signature is checked, and each is proved consistent with the one
   before (RFC 6962 consistency proof from the stored tree); a kept RFC 3161 token must
   timestamp that very note (its message imprint; the authority's signature is left to
   ``openssl ts -verify`` with the authority's certificate).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from drachma.errors import NotFoundError
from drachma.evidence import merkle
from drachma.evidence.blobs import BlobIntegrityError
from drachma.evidence.checkpoint import CheckpointError, open_note
from drachma.evidence.custody import event_digest, event_json, source
from drachma.evidence.locker import Locker
from drachma.evidence.timestamp import token_matches
from drachma.model.evidence import Checkpoint
from drachma.store import evidence as evidence_store
from drachma.store.db import Connection, Store

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # exhibit, event, log, checkpoint
    which: str
    how: str

    def __str__(self) -> str:
        return f"{self.kind} {self.which}: {self.how}"


@dataclass(slots=True)
class VerifyReport:
    exhibits: int = 0
    events: int = 0
    redacted: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


def verify_locker(store: Store, locker: Locker, progress: Progress = _quiet) -> VerifyReport:
    report = VerifyReport()
    with store.begin() as conn:
        total = evidence_store.count_exhibits(conn)
        checked: dict[str, int] = {}
        for done, (reference, sha256, size) in enumerate(evidence_store.iter_blob_hashes(conn), 1):
            report.exhibits += 1
            try:
                if sha256 not in checked:
                    checked[sha256] = locker.blobs.verify(sha256)
                if checked[sha256] != size:
                    report.problems.append(Problem("exhibit", reference, (
                        f"its content is {checked[sha256]:,} bytes but {size:,} are recorded")))
            except BlobIntegrityError as exc:
                report.problems.append(Problem("exhibit", reference, exc.message))
            except NotFoundError:
                report.problems.append(Problem("exhibit", reference,
                                               f"its content (SHA-256 {sha256}) is missing"))
            progress("blobs", done, total)
        _verify_log(conn, locker, report, progress)
    return report


def _verify_log(conn: Connection, locker: Locker, report: VerifyReport,
                progress: Progress) -> None:
    size = evidence_store.log_size(conn)
    checkpoints = evidence_store.list_checkpoints(conn)
    by_size: dict[int, list[int]] = {}
    for position, checkpoint in enumerate(checkpoints):
        by_size.setdefault(checkpoint.tree_size, []).append(position)
    roots: dict[int, bytes] = {}
    running = merkle.RunningRoot()
    events = evidence_store.iter_events(conn)
    event = next(events, None)
    expected = 0
    for seq, digest in evidence_store.iter_leaves(conn):
        while expected < seq:
            report.problems.append(Problem("log", f"position {expected}", (
                "its leaf is missing: the log was cut")))
            expected += 1
        while event is not None and event.seq < seq:
            report.problems.append(Problem("event", f"#{event.seq}", "it has no leaf in the log"))
            event = next(events, None)
        if event is None or event.seq != seq:
            report.problems.append(Problem("event", f"#{seq}", (
                "its row was deleted without a redaction record")))
        else:
            report.events += 1
            if event.redacted_at is not None or event.salt is None:
                report.redacted += 1
            else:
                recomputed = event_digest(event.salt, event_json(
                    event.seq, event.exhibit_reference, event.exhibit_sha256, event.action,
                    event.at, event.actor_name or "", event.reason or ""))
                if recomputed != digest:
                    report.problems.append(Problem(
                        "event", f"#{seq} ({event.exhibit_reference} {event.action.value})",
                        "its recorded details no longer match the digest written in the log "
                        "(the row was changed)"))
            event = next(events, None)
        running.append(merkle.leaf_hash(digest))
        expected = seq + 1
        if running.size in by_size:
            roots[running.size] = running.root()
        if expected % 1000 == 0:
            progress("events", expected, size)
    while event is not None:
        report.problems.append(Problem("event", f"#{event.seq}", "it has no leaf in the log"))
        event = next(events, None)
    if expected != size:
        report.problems.append(Problem("log", "head", (
            f"the log says it holds {size} events but {expected} leaves were found")))
    progress("events", size, size)
    if size and expected == size and merkle.root(size, source(conn)) != running.root():
        report.problems.append(Problem("log", "stored tree", (
            "the stored subtree hashes do not match the leaves (proofs would be wrong)")))
    _verify_checkpoints(conn, locker, checkpoints, roots, size, report, progress)


def _verify_checkpoints(conn: Connection, locker: Locker, checkpoints: list[Checkpoint],
                        roots: dict[int, bytes], size: int, report: VerifyReport,
                        progress: Progress) -> None:
    previous: Checkpoint | None = None
    for done, item in enumerate(checkpoints, 1):
        report.checkpoints += 1
        name = f"{item.id} (size {item.tree_size})"
        try:
            body = open_note(item.note, locker.verifier_key)
        except CheckpointError as exc:
            report.problems.append(Problem("checkpoint", name, str(exc)))
            continue
        if body.tree_size != item.tree_size or body.root_hash != item.root_hash:
            report.problems.append(Problem("checkpoint", name, (
                "its stored size or root differs from what its signed note says")))
            continue
        if body.tree_size > size:
            report.problems.append(Problem("checkpoint", name, (
                f"it signs {body.tree_size} events but the log holds only {size}")))
            continue
        if item.timestamp_token is not None and not token_matches(item.timestamp_token,
                                                                  item.note.encode()):
            report.problems.append(Problem("checkpoint", name, (
                "its RFC 3161 timestamp token is not for this note")))
        if roots.get(body.tree_size) != body.root_hash:
            report.problems.append(Problem("checkpoint", name, (
                "the log recomputed from its leaves no longer has the root this checkpoint "
                "signed: history was rewritten")))
        if previous is not None and previous.tree_size <= body.tree_size:
            try:
                proof = merkle.consistency_proof(previous.tree_size, body.tree_size,
                                                 source(conn))
                consistent = merkle.verify_consistency(previous.tree_size, body.tree_size,
                                                       previous.root_hash, body.root_hash, proof)
            except LookupError:
                consistent = False
            if not consistent:
                report.problems.append(Problem("checkpoint", name, (
                    f"it is not consistent with checkpoint {previous.id} (size "
                    f"{previous.tree_size}): the log was not only appended to")))
        previous = item
        progress("checkpoints", done, len(checkpoints))
