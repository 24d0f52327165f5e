"""E-mail attachments of reports, kept in the evidence blob store (one store for every byte that
is not a row): written content addressed and encrypted, read back as a stream through the store.

Before schema revision 0014 intake kept them as plain files under ``<home>/attachments``. The
move onto the blob store (:func:`upgrade_keeping_attachments`, run by ``drachma db upgrade`` and
``drachma init``) loses nothing:

1. before any change, the master key is loaded and every old file is re-hashed (streamed) and
   compared with the SHA-256 and size its row recorded; a missing file, a changed file or a
   missing key stops here with an error naming it, and nothing has changed;
2. the schema migrations run;
3. each file is streamed into the blob store, and the blob is read back (decrypted and re-hashed)
   before its row is marked as moved, all rows in one transaction; on any failure the blobs this
   step created are discarded and the rows still point at their files;
4. only then are the plain files removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from drachma.config import EvidenceSettings
from drachma.errors import DrachmaError
from drachma.evidence.blobs import BlobStore
from drachma.evidence.locker import open_blob_store
from drachma.store import intake as intake_store
from drachma.store.db import Store
from drachma.store.intake import AttachmentRecord
from drachma.store.migrate import head_revision, upgrade

LEGACY_FOLDER = "attachments"  # under the Drachma home, before revision 0014
READ_SIZE = 1024 * 1024

# Called after each attachment is checked or moved: (done, total).
Progress = Callable[[int, int], None]


class LegacyAttachmentError(DrachmaError):
    """An attachment kept the old way is missing or is not what its row recorded."""

    kind = "attachment_integrity"
    http_status = 500


@dataclass(frozen=True, slots=True)
class UpgradeOutcome:
    before: str | None
    after: str | None
    moved: int  # attachments moved from plain files into the blob store
    moved_bytes: int


def store_attachment(blobs: BlobStore, data: bytes) -> str:
    """Store an attachment's bytes in the blob store; its SHA-256 (the blob's key)."""
    return blobs.put(io.BytesIO(data)).sha256


def attachment_chunks(blobs: BlobStore, record: AttachmentRecord) -> Iterator[bytes]:
    """An attachment's content, a segment at a time, decrypted and checked by the blob store."""
    return blobs.chunks(record.sha256)


def _legacy_file(home: Path, record: AttachmentRecord) -> Path:
    assert record.stored_path is not None
    folder = (home / LEGACY_FOLDER).resolve()
    path = (home / record.stored_path).resolve()
    if not path.is_relative_to(folder):
        raise LegacyAttachmentError(
            f"attachment {record.id} ({record.filename!r}): its recorded path "
            f"{record.stored_path!r} is outside {folder}; nothing was changed",
            field="stored_path")
    return path


def _file_sha256(path: Path) -> tuple[str, int]:
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(READ_SIZE):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def check_legacy_attachments(home: Path, records: Sequence[AttachmentRecord],
                             progress: Progress | None = None) -> None:
    """Re-hash every plain attachment file; :class:`LegacyAttachmentError` names the first that
    is missing or differs from its row. Reads only."""
    for done, record in enumerate(records, start=1):
        path = _legacy_file(home, record)
        try:
            digest, size = _file_sha256(path)
        except FileNotFoundError:
            raise LegacyAttachmentError(
                f"attachment {record.id} ({record.filename!r}) of report {record.report_id}: "
                f"its file {path} is missing; nothing was changed", field="stored_path") from None
        if digest != record.sha256 or size != record.size:
            raise LegacyAttachmentError(
                f"attachment {record.id} ({record.filename!r}) of report {record.report_id}: "
                f"{path} has SHA-256 {digest} ({size:,} bytes) but {record.sha256} "
                f"({record.size:,} bytes) was recorded; nothing was changed", field="sha256")
        if progress:
            progress(done, len(records))


def move_legacy_attachments(store: Store, home: Path, blobs: BlobStore,
                            progress: Progress | None = None) -> tuple[int, int]:
    """Move every attachment still kept as a plain file into ``blobs``; (count, bytes).

    Each blob's hash and size must match its row, and the blob must read back, before any row is
    marked as moved; if not, the blobs made here are discarded and no row changes."""
    with store.begin() as conn:
        records = intake_store.legacy_attachments(conn)
    if not records:
        return 0, 0
    created: list[str] = []
    try:
        for done, record in enumerate(records, start=1):
            with _legacy_file(home, record).open("rb") as handle:
                stored = blobs.put(handle)
            if stored.created:
                created.append(stored.sha256)
            if stored.sha256 != record.sha256 or stored.size != record.size:
                raise LegacyAttachmentError(
                    f"attachment {record.id} ({record.filename!r}) changed while it was moved "
                    f"(now SHA-256 {stored.sha256}); nothing was changed", field="sha256")
            blobs.verify(record.sha256)  # reads back through the store: decrypts and re-hashes
            if progress:
                progress(done, len(records))
        with store.begin() as conn:
            intake_store.mark_attachments_in_blobs(conn, [r.id for r in records if r.id])
            in_use = intake_store.plain_files_in_use(
                conn, sorted({r.stored_path for r in records if r.stored_path}))
    except BaseException:
        for sha256 in created:
            blobs.discard(sha256)
        raise
    for record in records:
        if record.stored_path in in_use:
            continue  # the same bytes are also a public report's screenshot, kept as a file
        path = _legacy_file(home, record)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only when empty
    with contextlib.suppress(OSError):
        (home / LEGACY_FOLDER).rmdir()
    return len(records), sum(r.size for r in records)


def upgrade_keeping_attachments(
    store: Store, home: Path, evidence: EvidenceSettings, revision: str = "head",
    progress: Progress | None = None,
) -> UpgradeOutcome:
    """The schema migrations, then the attachments' move onto the blob store (see above).

    Everything that can stop the move (missing key, missing or changed file) is checked before
    the schema changes."""
    with store.begin() as conn:
        legacy = intake_store.legacy_attachments(conn)
    blobs = None
    if legacy:
        blobs = open_blob_store(evidence)  # KeyFileError (nothing changed) if the key is missing
        check_legacy_attachments(home, legacy, progress)
    before, after = upgrade(store, revision)
    moved = moved_bytes = 0
    if blobs is not None and after == head_revision():
        moved, moved_bytes = move_legacy_attachments(store, home, blobs, progress)
    return UpgradeOutcome(before, after, moved, moved_bytes)
