"""The disclosure pack: one zip archive that an examiner can check on another machine, with no
database.

Layout::

    MANIFEST                 "<sha256>  <path>" for every other file (``sha256sum -c MANIFEST``)
    README.txt               how to check it
    public-key.txt           the checkpoint verifier key (signed-note form)
    checkpoint.txt           the newest signed checkpoint of the custody log
    exhibits.csv             reference, file, size, SHA-256, media type, description
    exhibits/<file>          the selected exhibits' content
    custody/events.json      their custody events, each with its inclusion proof
    schedules/MG6C.csv ...   the investigation's schedules, CSV and PDF

Making a pack records an *exported* custody event for every exhibit in it (before any content
is written) and signs a new checkpoint, so the pack's own export is in the log it carries.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

from drachma.access.actor import Actor
from drachma.access.permissions import Permission
from drachma.errors import NotFoundError, ValidationError
from drachma.evidence import disclosure, merkle
from drachma.evidence.archive import safe_name
from drachma.evidence.checkpoint import CheckpointError, open_note, parse_verifier_key
from drachma.evidence.custody import (
    check_reason,
    event_digest,
    event_json,
    make_checkpoint,
    record_event,
    source,
)
from drachma.evidence.locker import Locker
from drachma.model.evidence import CustodyAction, Exhibit
from drachma.store import evidence as evidence_store
from drachma.store.db import Store

CHUNK = 1024 * 1024
MAX_PACK_ENTRIES = 100_000
README = """Disclosure pack for {investigation}, made {made} (UTC) by {actor}.

To check it (docs/evidence.md in Drachma, "For an examiner"):
  1. unzip it and run:  sha256sum -c MANIFEST
  2. with Drachma installed (no database needed):  drachma evidence verify-pack PACK.zip \\
       --key "<the verifier key obtained from the force separately>"
"""


class PackError(ValidationError):
    kind = "invalid_pack"


def _file_name(exhibit: Exhibit) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", exhibit.original_name).strip("._") or "content"
    return f"exhibits/{exhibit.reference.replace('/', '-')}_{stem[:80]}"


class _Writer:
    """Writes zip entries, keeping the SHA-256 of each for the manifest."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.hashes: list[tuple[str, str]] = []

    def write(self, name: str, chunks: Iterable[bytes]) -> None:
        digest = hashlib.sha256()
        with self.archive.open(name, "w", force_zip64=True) as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
        self.hashes.append((digest.hexdigest(), name))

    def text(self, name: str, text: str) -> None:
        self.write(name, [text.encode("utf-8")])


@dataclass(frozen=True, slots=True)
class PackSummary:
    path: Path
    exhibits: list[str]
    events: int
    tree_size: int


def build_pack(store: Store, actor: Actor, locker: Locker, investigation_id: int,
               references: list[str], out: Path, reason: str) -> PackSummary:
    actor.require(Permission.MANAGE_EVIDENCE)
    reason = check_reason(reason)
    if out.exists():
        raise ValidationError(f"{out} exists already; choose a new file", field="out")
    if not references:
        raise ValidationError("choose at least one exhibit for the pack", field="exhibits")
    schedules = {kind: (disclosure.schedule_csv(store, actor, investigation_id, kind),
                        disclosure.schedule_pdf(store, actor, investigation_id, kind))
                 for kind in ("MG6C", "MG6D", "MG6E")}
    with store.begin() as conn:
        chosen: list[Exhibit] = []
        for reference in dict.fromkeys(r.strip().upper() for r in references):
            exhibit = evidence_store.get_exhibit(conn, reference)
            if exhibit is None or exhibit.id is None:
                raise NotFoundError(f"no exhibit {reference}", field="exhibits")
            chosen.append(exhibit)
        for exhibit in chosen:
            assert exhibit.id is not None
            record_event(conn, exhibit_id=exhibit.id, reference=exhibit.reference,
                         sha256=exhibit.sha256, action=CustodyAction.EXPORTED,
                         actor_name=actor.name,
                         reason=f"disclosure pack for investigation {investigation_id}: {reason}")
    checkpoint = make_checkpoint(store, locker)
    assert checkpoint is not None
    wanted = {e.reference for e in chosen}
    events: list[dict[str, object]] = []
    with store.begin() as conn:
        for row in evidence_store.iter_events(conn):
            if row.exhibit_reference not in wanted or row.seq >= checkpoint.tree_size:
                continue
            digest = evidence_store.leaf_digest(conn, row.seq)
            assert digest is not None
            events.append({
                "seq": row.seq, "exhibit": row.exhibit_reference, "sha256": row.exhibit_sha256,
                "action": row.action.value, "at": row.at.isoformat(), "actor": row.actor_name,
                "reason": row.reason, "salt": row.salt, "event_digest": digest.hex(),
                "tree_size": checkpoint.tree_size,
                "proof": [p.hex() for p in merkle.inclusion_proof(
                    row.seq, checkpoint.tree_size, source(conn))]})
    tmp = out.with_name(out.name + ".partial")
    try:
        with zipfile.ZipFile(tmp, "x", zipfile.ZIP_DEFLATED) as archive:
            writer = _Writer(archive)
            writer.text("README.txt", README.format(
                investigation=investigation_id, made=checkpoint.created_at.isoformat(),
                actor=actor.name))
            writer.text("public-key.txt", locker.verifier_key + "\n")
            writer.text("checkpoint.txt", checkpoint.note)
            listing = io.StringIO()
            table = csv.writer(listing, lineterminator="\n")
            table.writerow(["reference", "file", "size", "sha256", "media_type", "description"])
            for exhibit in chosen:
                name = _file_name(exhibit)
                writer.write(name, locker.blobs.chunks(exhibit.sha256))
                table.writerow([exhibit.reference, name, exhibit.size, exhibit.sha256,
                                exhibit.media_type, exhibit.description])
            writer.text("exhibits.csv", listing.getvalue())
            writer.text("custody/events.json", json.dumps(events, indent=1, ensure_ascii=False))
            for kind, (as_csv, as_pdf) in schedules.items():
                writer.text(f"schedules/{kind}.csv", as_csv)
                writer.write(f"schedules/{kind}.pdf", [as_pdf])
            archive.writestr("MANIFEST", "".join(f"{h}  {n}\n" for h, n in writer.hashes))
        os.replace(tmp, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return PackSummary(out, [e.reference for e in chosen], len(events), checkpoint.tree_size)


# --- checking a pack, with no database ---


@dataclass(slots=True)
class PackReport:
    files: int = 0
    exhibits: int = 0
    events: int = 0
    tree_size: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def verify_pack(path: Path, expected_key: str | None = None) -> PackReport:
    """Check a disclosure pack on its own; every problem is named."""
    report = PackReport()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackError(f"{path} is not a readable zip archive: {exc}", field="pack") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PACK_ENTRIES:
            raise PackError(f"{path} has more than {MAX_PACK_ENTRIES} entries", field="pack")
        names = {i.filename for i in infos}
        for required in ("MANIFEST", "public-key.txt", "checkpoint.txt", "exhibits.csv",
                         "custody/events.json"):
            if required not in names:
                raise PackError(f"{path} is not a disclosure pack: it has no {required}",
                                field="pack")
        listed: dict[str, str] = {}
        for line in archive.read("MANIFEST").decode("utf-8").splitlines():
            digest, _, name = line.partition("  ")
            listed[name] = digest
        for info in infos:
            if info.filename == "MANIFEST":
                continue
            if safe_name(info.filename) != info.filename:
                report.problems.append(f"file {info.filename!r}: unsafe name")
                continue
            if info.filename not in listed:
                report.problems.append(f"file {info.filename}: not in the MANIFEST")
                continue
            hasher = hashlib.sha256()
            with archive.open(info) as handle:
                for chunk in _chunks(handle):
                    hasher.update(chunk)
            report.files += 1
            if hasher.hexdigest() != listed[info.filename]:
                report.problems.append(f"file {info.filename}: its SHA-256 is not the one in the "
                                       "MANIFEST (changed)")
        for name in sorted(set(listed) - names):
            report.problems.append(f"file {name}: listed in the MANIFEST but missing")
        _verify_log(archive, expected_key, report)
    return report


def _verify_log(archive: zipfile.ZipFile, expected_key: str | None,
                report: PackReport) -> None:
    key = archive.read("public-key.txt").decode().strip()
    if expected_key is not None and expected_key.strip() != key:
        report.problems.append("public key: the pack's key is not the one you were given")
    try:
        parse_verifier_key(key)
        body = open_note(archive.read("checkpoint.txt").decode("utf-8"), key)
    except CheckpointError as exc:
        report.problems.append(f"checkpoint: {exc}")
        return
    report.tree_size = body.tree_size
    events = json.loads(archive.read("custody/events.json"))
    hashes_by_exhibit: dict[str, set[str]] = {}
    for event in events:
        report.events += 1
        label = f"event #{event['seq']} ({event['exhibit']} {event['action']})"
        digest = bytes.fromhex(event["event_digest"])
        if event.get("salt"):
            recomputed = event_digest(event["salt"], event_json(
                event["seq"], event["exhibit"], event["sha256"], CustodyAction(event["action"]),
                datetime.fromisoformat(event["at"]), event["actor"] or "", event["reason"] or ""))
            if recomputed != digest:
                report.problems.append(f"{label}: its details do not match its digest")
        if event["tree_size"] != body.tree_size or not merkle.verify_inclusion(
                event["seq"], body.tree_size, merkle.leaf_hash(digest),
                [bytes.fromhex(p) for p in event["proof"]], body.root_hash):
            report.problems.append(f"{label}: its inclusion proof does not lead to the signed "
                                   "checkpoint's root")
        hashes_by_exhibit.setdefault(event["exhibit"], set()).add(event["sha256"])
    rows = list(csv.DictReader(io.StringIO(archive.read("exhibits.csv").decode("utf-8"))))
    for row in rows:
        report.exhibits += 1
        hasher = hashlib.sha256()
        try:
            with archive.open(row["file"]) as handle:
                for chunk in _chunks(handle):
                    hasher.update(chunk)
        except KeyError:
            report.problems.append(f"exhibit {row['reference']}: its file is missing")
            continue
        if hasher.hexdigest() != row["sha256"]:
            report.problems.append(f"exhibit {row['reference']}: its content's SHA-256 is not "
                                   "the recorded one")
        if hashes_by_exhibit.get(row["reference"]) != {row["sha256"]}:
            report.problems.append(f"exhibit {row['reference']}: its custody events do not all "
                                   "name this content")
