"""Taking material into the locker as exhibits, and the actions on an exhibit afterwards.

A handover (files, folders, zip archives) is checked whole before anything is stored: sizes,
empty files, archive rules (:mod:`drachma.evidence.archive`), the reason, the source. Then each
item is streamed into the blob store, and one database transaction allocates the references
(``JS/1``, sub-exhibits ``JS/1/2``), writes the exhibits and a *received* custody event for each,
and audits the handover. If anything fails, the blobs this handover wrote are discarded and
nothing stored changes. A folder becomes one exhibit (its manifest: path, size, SHA-256 of each
file) with a sub-exhibit per file; a zip archive becomes one exhibit (the archive as handed over)
with a sub-exhibit per member. Symbolic links are never followed.

No list or page shows a preview of any exhibit: opening the content (:func:`open_exhibit`) takes
a permitted role and a stated reason, and is itself a custody event, logged before a byte is sent.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import IO

import filetype

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import (
    EvidenceProducerAdded,
    ExhibitHandled,
    ExhibitOpened,
    ExhibitRead,
    ExhibitsReceived,
    ExhibitsSearched,
)
from drachma.access.permissions import Permission
from drachma.errors import ConflictError, NotFoundError, ValidationError
from drachma.evidence import archive
from drachma.evidence.blobs import BlobTooLargeError, StoredBlob
from drachma.evidence.custody import (
    NewEvent,
    check_reason,
    history,
    make_checkpoint,
    record_event,
    record_events,
)
from drachma.evidence.locker import Locker
from drachma.model.evidence import (
    CustodyAction,
    DisclosureCategory,
    Exhibit,
    Producer,
    check_initials,
    format_reference,
)
from drachma.store import evidence as evidence_store
from drachma.store.db import Connection, Store

HEAD = 8192
LINK_KINDS = ("report", "incident", "investigation")
MAX_TEXT = 200


class UnknownProducerError(ValidationError):
    kind = "unknown_producer"


def sniff(head: bytes) -> str:
    """The media type from the content's first bytes, never from the file name."""
    kind = filetype.guess(head) if head else None
    if kind is not None:
        return str(kind.mime)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            return "application/octet-stream"
    return "text/plain" if head else "application/x-empty"


class HeadReader:
    """Passes reads through, keeping the first bytes for sniffing."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.head = b""

    def read(self, size: int = -1, /) -> bytes:
        data = self.stream.read(size)
        if len(self.head) < HEAD:
            self.head += data[: HEAD - len(self.head)]
        return data


@dataclass(frozen=True, slots=True)
class Handover:
    """Who handed what over, when, where and why (the receipt's heading)."""

    producer: str
    received_from: str
    reason: str
    received_place: str = "not recorded"
    received_at: datetime | None = None
    description: str | None = None
    category: DisclosureCategory = DisclosureCategory.UNDECIDED
    links: tuple[tuple[str, int], ...] = ()

    def checked(self) -> Handover:
        producer = check_initials(self.producer)
        source = self.received_from.strip()
        if not source:
            raise ValidationError("say who handed the material over (--from)", field="from")
        for name, value in (("from", source), ("place", self.received_place)):
            if len(value) > MAX_TEXT:
                raise ValidationError(f"{name} is longer than {MAX_TEXT} characters", field=name)
        at = self.received_at or datetime.now(UTC)
        if at.tzinfo is None:
            raise ValidationError("the time of receipt needs a time zone", field="received_at")
        if at > datetime.now(UTC) + timedelta(minutes=5):
            raise ValidationError("the time of receipt is in the future", field="received_at")
        for kind, _ in self.links:
            if kind not in LINK_KINDS:
                raise ValidationError(f"an exhibit links to a {', '.join(LINK_KINDS)}, not a "
                                      f"{kind!r}", field="links")
        return Handover(producer, source, check_reason(self.reason),
                        self.received_place.strip() or "not recorded", at,
                        (self.description or "").strip() or None, self.category, self.links)


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    reference: str
    name: str
    size: int
    sha256: str
    media_type: str
    modified: datetime | None


@dataclass(frozen=True, slots=True)
class Receipt:
    handover: Handover
    lines: list[ReceiptLine]
    not_taken: list[tuple[str, str]]  # (name, why)
    newest_inner_at: datetime | None

    @property
    def received_at(self) -> datetime:
        assert self.handover.received_at is not None
        return self.handover.received_at

    @property
    def gap(self) -> timedelta | None:
        """How long after the newest date inside the material it was handed over."""
        return None if self.newest_inner_at is None else self.received_at - self.newest_inner_at


# --- planning: everything is checked before anything is stored ---


@dataclass
class _Part:
    """One file to store: a top-level file, or a member of a folder or an archive."""

    name: str
    size: int
    modified: datetime | None
    open: Callable[[], AbstractContextManager[IO[bytes]]]
    stored: StoredBlob | None = None
    media_type: str = "application/octet-stream"


@dataclass
class _Item:
    kind: str  # file, folder, archive
    name: str
    main: _Part | None  # None for a folder (its manifest is made once members are stored)
    members: list[_Part] = field(default_factory=list)
    not_taken: list[tuple[str, str]] = field(default_factory=list)
    path: Path | None = None  # of an archive


def _mtime(st: os.stat_result) -> datetime:
    return datetime.fromtimestamp(st.st_mtime, UTC)


def _file_opener(path: Path) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    def opener() -> AbstractContextManager[IO[bytes]]:
        return open(path, "rb")

    return opener


def _plan_file(path: Path, st: os.stat_result, locker: Locker) -> _Item:
    limits = locker.limits
    if st.st_size == 0:
        raise ValidationError(f"{path} is empty; there is nothing to keep", field="paths")
    if st.st_size > limits.max_bytes:
        raise BlobTooLargeError(f"{path} is {st.st_size:,} bytes, over the limit of "
                                f"{limits.max_bytes:,} for one item", field="paths")
    part = _Part(path.name, st.st_size, _mtime(st), _file_opener(path))
    with open(path, "rb") as handle:
        head = handle.read(HEAD)
        if sniff(head) == "application/zip":
            handle.seek(0)
            members = archive.inspect(handle, str(path), limits)
            return _Item("archive", path.name, part, [
                _Part(m.name, m.size, m.modified, _unopened) for m in members], path=path)
    return _Item("file", path.name, part)


def _bytes_opener(data: bytes) -> Callable[[], AbstractContextManager[IO[bytes]]]:
    def opener() -> AbstractContextManager[IO[bytes]]:
        return nullcontext(io.BytesIO(data))

    return opener


def _unopened() -> AbstractContextManager[IO[bytes]]:
    raise AssertionError("archive members are opened through archive.reader")


def _plan_folder(path: Path, locker: Locker) -> _Item:
    limits = locker.limits
    item = _Item("folder", path.name, None)
    total = 0
    for folder, dirs, files in os.walk(path, followlinks=False):
        dirs.sort()
        here = Path(folder)
        for name in sorted(dirs):
            if (here / name).is_symlink():
                item.not_taken.append((str((here / name).relative_to(path)), "symbolic link"))
        for name in sorted(files):
            full = here / name
            relative = str(full.relative_to(path))
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                item.not_taken.append((relative, "symbolic link, not followed"))
                continue
            if not stat.S_ISREG(st.st_mode):
                item.not_taken.append((relative, "not a regular file"))
                continue
            if st.st_size == 0:
                item.not_taken.append((relative, "empty file"))
                continue
            if relative.count(os.sep) >= limits.max_path_depth:
                raise ValidationError(f"{full} is nested deeper than {limits.max_path_depth} "
                                      "folders", field="paths")
            if st.st_size > limits.max_bytes:
                raise BlobTooLargeError(f"{full} is {st.st_size:,} bytes, over the limit of "
                                        f"{limits.max_bytes:,} for one item", field="paths")
            total += st.st_size
            item.members.append(_Part(relative.replace(os.sep, "/"), st.st_size, _mtime(st),
                                      _file_opener(full)))
            if len(item.members) > limits.max_archive_files:
                raise ValidationError(f"{path} holds more than {limits.max_archive_files:,} "
                                      "files; hand it over in parts", field="paths")
            if total > limits.max_archive_bytes:
                raise BlobTooLargeError(f"{path} holds more than {limits.max_archive_bytes:,} "
                                        "bytes; hand it over in parts", field="paths")
    if not item.members:
        raise ValidationError(f"the folder {path} has no files to keep", field="paths")
    return item


def plan(paths: list[Path], locker: Locker) -> list[_Item]:
    if not paths:
        raise ValidationError("give at least one file, folder or zip archive", field="paths")
    items = []
    for path in paths:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            raise ValidationError(f"{path} does not exist", field="paths") from None
        if stat.S_ISLNK(st.st_mode):
            raise ValidationError(f"{path} is a symbolic link; give the real file or folder",
                                  field="paths")
        if stat.S_ISDIR(st.st_mode):
            items.append(_plan_folder(path, locker))
        elif stat.S_ISREG(st.st_mode):
            items.append(_plan_file(path, st, locker))
        else:
            raise ValidationError(f"{path} is not a regular file or folder", field="paths")
    return items


# --- storing ---


def _store_part(part: _Part, locker: Locker, written: list[str]) -> None:
    with part.open() as stream:
        reader = HeadReader(stream)
        stored = locker.blobs.put(reader, max_bytes=locker.limits.max_bytes)
    if stored.created:
        written.append(stored.sha256)
    if stored.size != part.size:
        raise ValidationError(f"{part.name} changed while it was being taken in "
                              f"({part.size:,} bytes became {stored.size:,}); nothing was kept",
                              field="paths")
    part.stored = stored
    part.media_type = sniff(reader.head)


def _manifest(item: _Item) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["path", "size", "sha256"])
    for member in item.members:
        assert member.stored is not None
        writer.writerow([member.name, member.size, member.stored.sha256])
    return out.getvalue().encode()


def _newest(dates: list[datetime | None]) -> datetime | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def add_exhibits(store: Store, actor: Actor, locker: Locker, paths: list[Path],
                 handover: Handover) -> Receipt:
    """Take files, folders and zip archives into the locker; the receipt."""
    actor.require(Permission.MANAGE_EVIDENCE)
    handover = handover.checked()
    with store.begin() as conn:  # fail early on an unknown producer (checked again below)
        if evidence_store.get_producer(conn, handover.producer) is None:
            raise UnknownProducerError(
                f"no producer with initials {handover.producer}; add one with 'drachma evidence "
                "producer add'", field="producer")
    items = plan(paths, locker)
    written: list[str] = []
    try:
        for item in items:
            if item.kind == "archive":
                assert item.path is not None
                with archive.reader(item.path) as read:
                    for member in item.members:
                        member.open = partial(read, member.name)
                        _store_part(member, locker, written)
            else:
                for member in item.members:
                    _store_part(member, locker, written)
            if item.main is None:  # a folder: its manifest is the parent exhibit's content
                manifest = _manifest(item)
                item.main = _Part(f"{item.name}/ (folder manifest)", len(manifest), None,
                                  _bytes_opener(manifest))
            _store_part(item.main, locker, written)
            if item.kind == "folder":
                item.main.media_type = "text/csv"
        receipt = _record(store, actor, items, handover)
    except BaseException:
        with store.begin() as conn:
            for sha256 in written:
                if not evidence_store.sha256_referenced(conn, sha256):
                    locker.blobs.discard(sha256)
        raise
    make_checkpoint(store, locker)
    return receipt


def _record(store: Store, actor: Actor, items: list[_Item], handover: Handover) -> Receipt:
    with store.begin() as conn:
        return _record_in(conn, actor, items, handover)


def _record_in(conn: Connection, actor: Actor, items: list[_Item], handover: Handover
               ) -> Receipt:
    assert handover.received_at is not None
    lines: list[ReceiptLine] = []
    not_taken: list[tuple[str, str]] = []
    received: list[NewEvent] = []
    first = evidence_store.allocate_numbers(conn, handover.producer, len(items))
    if first is None:
        raise UnknownProducerError(f"no producer with initials {handover.producer}",
                                   field="producer")
    for offset, item in enumerate(items):
        number = first + offset
        main = item.main
        assert main is not None and main.stored is not None
        newest = _newest([m.modified for m in item.members] or [main.modified])
        description = handover.description or {
            "file": f"File {item.name}", "folder": f"Folder {item.name}",
            "archive": f"Archive {item.name} ({len(item.members)} files)"}[item.kind]
        parent = _exhibit(handover, format_reference(handover.producer, number),
                          description, main, newest)
        parent_id = evidence_store.insert_exhibit(
            conn, parent, number=number, sub_number=None, parent_id=None, redaction_of=None,
            sub_count=len(item.members), created_by=actor.name)
        received.append(_received(actor, parent_id, parent, handover.reason))
        lines.append(ReceiptLine(parent.reference, main.name, main.size,
                                 main.stored.sha256, main.media_type, newest))
        for sub, member in enumerate(item.members, start=1):
            assert member.stored is not None
            child = _exhibit(handover, format_reference(handover.producer, number, sub),
                             f"{member.name} (from {parent.reference})", member,
                             member.modified)
            child.links = []  # links belong to the parent exhibit
            child_id = evidence_store.insert_exhibit(
                conn, child, number=number, sub_number=sub, parent_id=parent_id,
                redaction_of=None, sub_count=0, created_by=actor.name)
            received.append(_received(actor, child_id, child, handover.reason))
            lines.append(ReceiptLine(child.reference, member.name, member.size,
                                     member.stored.sha256, member.media_type,
                                     member.modified))
        not_taken.extend((f"{item.name}/{name}", why) for name, why in item.not_taken)
    record_events(conn, received)
    audit.record(conn, actor, ExhibitsReceived(
        reference=lines[0].reference, exhibits=len(lines), from_=handover.received_from,
        reason=handover.reason))
    return Receipt(handover, lines, not_taken,
                   _newest([line.modified for line in lines]))


def _exhibit(handover: Handover, reference: str, description: str, part: _Part,
             newest: datetime | None) -> Exhibit:
    assert part.stored is not None and handover.received_at is not None
    return Exhibit(
        reference=reference, description=description, producer=handover.producer,
        received_at=handover.received_at, received_from=handover.received_from,
        received_place=handover.received_place, original_name=part.name[:255],
        media_type=part.media_type, size=part.size, sha256=part.stored.sha256,
        disclosure_category=handover.category, newest_inner_at=newest,
        links=list(handover.links))


def _received(actor: Actor, exhibit_id: int, exhibit: Exhibit, reason: str) -> NewEvent:
    return NewEvent(exhibit_id, exhibit.reference, exhibit.sha256, CustodyAction.RECEIVED,
                    actor.name, reason, exhibit.received_at)


# --- public reports' screenshots (issue 13) ---

PUBLIC_PRODUCER = Producer("PUB", "Member of the public (the public reporting form)")


def take_in_public_screenshots(conn: Connection, actor: Actor, locker: Locker, reference: str,
                               report_id: int, files: list[tuple[str, bytes]],
                               written: list[str]) -> Receipt:
    """Take the screenshots sent with public report ``reference`` into the locker as exhibits of
    producer PUB, linked to the report it became, with a custody event "received" by the person
    who graded it, in the caller's transaction (the one that stores the report). Grading is the
    only way a role without evidence rights takes items in. ``written``: the blobs this call
    created, for the caller to discard if the transaction then fails."""
    actor.require(Permission.CREATE_REPORTS)
    if evidence_store.get_producer(conn, PUBLIC_PRODUCER.initials) is None:
        evidence_store.add_producer(conn, PUBLIC_PRODUCER)
        audit.record(conn, actor, EvidenceProducerAdded(initials=PUBLIC_PRODUCER.initials))
    handover = Handover(
        producer=PUBLIC_PRODUCER.initials, received_from=f"Member of the public ({reference})",
        reason=f"sent with public report {reference}; taken in when it was graded",
        received_place="public reporting form", links=(("report", report_id),),
        description=f"Screenshot sent with public report {reference}").checked()
    items = []
    for name, data in files:
        part = _Part(name, len(data), None, _bytes_opener(data))
        _store_part(part, locker, written)
        items.append(_Item("file", name, part))
    return _record_in(conn, actor, items, handover)


# --- producers, listing, opening ---


def add_producer(store: Store, actor: Actor, initials: str, name: str) -> Producer:
    actor.require(Permission.MANAGE_EVIDENCE)
    producer = Producer(check_initials(initials), name.strip())
    if not producer.name or len(producer.name) > MAX_TEXT:
        raise ValidationError("give the producer's name (up to 200 characters)", field="name")
    with store.begin() as conn:
        if evidence_store.get_producer(conn, producer.initials) is not None:
            raise ConflictError(f"producer {producer.initials} exists already", field="initials")
        evidence_store.add_producer(conn, producer)
        audit.record(conn, actor, EvidenceProducerAdded(initials=producer.initials))
    return producer


def list_producers(store: Store, actor: Actor) -> list[Producer]:
    actor.require(Permission.MANAGE_EVIDENCE)
    with store.begin() as conn:
        return evidence_store.list_producers(conn)


def list_exhibits(store: Store, actor: Actor, *, limit: int = 100, offset: int = 0,
                  parent: str | None = None) -> tuple[list[Exhibit], int]:
    """Exhibits' details, never their content (no previews, no thumbnails)."""
    actor.require(Permission.MANAGE_EVIDENCE)
    with store.begin() as conn:
        found = evidence_store.list_exhibits(conn, limit=min(limit, 1000), offset=offset,
                                             parent_reference=parent)
        total = evidence_store.count_exhibits(conn)
        audit.record(conn, actor, ExhibitsSearched(offset=offset, parent=parent or ""))
    return found, total


def get_exhibit(store: Store, actor: Actor, reference: str) -> Exhibit:
    actor.require(Permission.MANAGE_EVIDENCE)
    with store.begin() as conn:
        exhibit = evidence_store.get_exhibit(conn, reference.strip().upper())
        if exhibit is None:
            raise NotFoundError(f"no exhibit {reference}", field="reference")
        audit.record(conn, actor, ExhibitRead(reference=exhibit.reference))
    return exhibit


MAX_RECEIPT_EXHIBITS = 200


def receipt_of(store: Store, actor: Actor, references: list[str]) -> Receipt:
    """The receipt of a handover again, from what was stored: its top-level exhibits (given in
    the order of the receipt) and their sub-exhibits. For the receipt page's CSV and PDF
    downloads. Members refused at the handover were never stored, so they are not on it."""
    if not references:
        raise ValidationError("name at least one exhibit for the receipt", field="reference")
    if len(references) > MAX_RECEIPT_EXHIBITS:
        raise ValidationError(f"a receipt names at most {MAX_RECEIPT_EXHIBITS} exhibits",
                              field="reference")
    lines: list[ReceiptLine] = []
    first: Exhibit | None = None
    for reference in references:
        item = get_exhibit(store, actor, reference)
        if item.parent_reference:
            raise ValidationError(f"{item.reference} is a sub-exhibit; a receipt names the "
                                  f"exhibit it is part of ({item.parent_reference})",
                                  field="reference")
        first = first or item
        lines.append(ReceiptLine(item.reference, item.original_name, item.size, item.sha256,
                                 item.media_type, item.newest_inner_at))
        offset = 0
        while True:
            subs, _ = list_exhibits(store, actor, limit=1000, offset=offset,
                                    parent=item.reference)
            lines.extend(ReceiptLine(sub.reference, sub.original_name, sub.size, sub.sha256,
                                     sub.media_type, sub.newest_inner_at) for sub in subs)
            if len(subs) < 1000:
                break
            offset += 1000
    assert first is not None
    received = history(store, actor, first.reference, limit=1)
    reason = received[0].reason if received and received[0].reason else "(redacted)"
    handover = Handover(first.producer, first.received_from, reason, first.received_place,
                        first.received_at)
    return Receipt(handover, lines, [], _newest([line.modified for line in lines]))


OPENING_ACTIONS = (CustodyAction.VIEWED, CustodyAction.DOWNLOADED, CustodyAction.COPIED,
                   CustodyAction.EXPORTED)


def open_exhibit(store: Store, actor: Actor, locker: Locker, reference: str, reason: str,
                 action: CustodyAction = CustodyAction.VIEWED) -> tuple[Exhibit, Iterator[bytes]]:
    """The exhibit's content, after its custody event is committed. The caller writes the chunks
    out and discards them if an integrity error is raised part-way."""
    actor.require(Permission.MANAGE_EVIDENCE)
    if action not in OPENING_ACTIONS:
        raise ValidationError(f"opening content is recorded as one of "
                              f"{', '.join(a.value for a in OPENING_ACTIONS)}", field="action")
    reason = check_reason(reason)
    exhibit = record_custody(store, actor, reference, action, reason)
    return exhibit, locker.blobs.chunks(exhibit.sha256)


def record_custody(store: Store, actor: Actor, reference: str, action: CustodyAction,
                   reason: str) -> Exhibit:
    """Record an action on an exhibit (transferred, returned, destroyed, ...) with its reason."""
    actor.require(Permission.MANAGE_EVIDENCE)
    reason = check_reason(reason)
    with store.begin() as conn:
        exhibit = evidence_store.get_exhibit(conn, reference.strip().upper())
        if exhibit is None or exhibit.id is None:
            raise NotFoundError(f"no exhibit {reference}", field="reference")
        record_event(conn, exhibit_id=exhibit.id, reference=exhibit.reference,
                     sha256=exhibit.sha256, action=action, actor_name=actor.name, reason=reason)
        if action in OPENING_ACTIONS:
            audit.record(conn, actor, ExhibitOpened(reference=exhibit.reference, custody=action,
                                                    reason=reason))
        else:
            audit.record(conn, actor, ExhibitHandled(reference=exhibit.reference, custody=action,
                                                     reason=reason))
    return exhibit
