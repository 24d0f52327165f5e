"""The blob store: every stored byte that is not a database row.

Callers give and get *streams and hashes*, never local paths, so that an S3-compatible store can
replace :class:`FilesystemBlobStore` without touching them.

* Content addressed by the SHA-256 of the plaintext; written once, never modified.
* Streamed in and out one segment (1 MiB) at a time: memory does not grow with the blob.
* Written under a temporary name, fsynced, then linked into place only when complete: an
  interrupted write leaves no blob (and the caller makes no record pointing at one).
* Encrypted at rest, segment by segment (see :mod:`drachma.evidence.segments`), with a fresh
  data key per blob wrapped by the master key.
* File names are an HMAC of the hash under a key derived from the master key, so that somebody
  who can list the folder cannot test whether a known file (by its public hash) is held.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from drachma.errors import DrachmaError, NotFoundError, ValidationError
from drachma.evidence import segments
from drachma.evidence.keys import MasterKey

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class BlobTooLargeError(ValidationError):
    kind = "too_large"
    http_status = 413


class StorageFullError(DrachmaError):
    kind = "storage_full"
    http_status = 507


class BlobIntegrityError(DrachmaError):
    """A stored blob does not decrypt and authenticate, or its plaintext is not its hash."""

    kind = "blob_integrity"
    http_status = 500


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the same content was stored already


class BlobStore(Protocol):
    def put(self, source: segments.Readable, *, max_bytes: int | None = None) -> StoredBlob:
        """Store everything ``source`` yields; refuse more than ``max_bytes``."""
        ...

    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The plaintext, a segment at a time. Raises :class:`BlobIntegrityError` (at the point
        it is found) if anything was changed; callers discard what they got before that."""
        ...

    def contains(self, sha256: str) -> bool: ...

    def verify(self, sha256: str) -> int:
        """Decrypt and re-hash the whole blob; its size, or :class:`BlobIntegrityError`."""
        ...

    def discard(self, sha256: str) -> None:
        """Remove a blob written by a request that then failed, before any record used it."""
        ...


def check_sha256(sha256: str) -> str:
    if not SHA256_HEX.match(sha256):
        raise ValidationError(f"{sha256!r} is not a SHA-256 in lower-case hex", field="sha256")
    return sha256


def _process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a partial file's writer)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


class FilesystemBlobStore:
    """Blobs as files under ``root``: ``objects/ab/cd/<name>``, partial writes in ``tmp/``."""

    def __init__(self, root: Path, master_key: MasterKey,
                 segment_size: int = segments.DEFAULT_SEGMENT_SIZE) -> None:
        self.root = root
        self.master_key = master_key
        self.segment_size = segment_size
        self._name_key = master_key.derive(b"blob-file-names")
        (root / "objects").mkdir(parents=True, exist_ok=True)
        (root / "tmp").mkdir(parents=True, exist_ok=True)
        self._sweep_partials()

    def _sweep_partials(self) -> None:
        """Remove partial writes left by a process that was killed (SIGKILL, power cut) before
        its ``finally`` could: each partial file is named for the process writing it, and one
        whose process is gone is deleted. A partial file is never a blob and no row points at
        it (found by the crash-safety tests)."""
        for partial in (self.root / "tmp").glob("*.partial"):
            pid_text = partial.name.split("-", 1)[0]
            if not pid_text.isdigit() or _process_alive(int(pid_text)):
                continue
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()

    def _path(self, sha256: str) -> Path:
        name = hmac.new(self._name_key, check_sha256(sha256).encode(), hashlib.sha256).hexdigest()
        return self.root / "objects" / name[:2] / name[2:4] / name

    def contains(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def put(self, source: segments.Readable, *, max_bytes: int | None = None) -> StoredBlob:
        tmp = self.root / "tmp" / f"{os.getpid()}-{secrets.token_hex(16)}.partial"
        hasher = hashlib.sha256()
        size = 0
        try:
            with open(tmp, "xb") as out, ThreadPoolExecutor(max_workers=1) as pool:
                writer = segments.SegmentWriter(out, self.master_key, self.segment_size)
                current = segments.read_full(source, self.segment_size)
                while True:
                    size += len(current)
                    if max_bytes is not None and size > max_bytes:
                        raise BlobTooLargeError(
                            f"the material is larger than the limit of {max_bytes:,} bytes",
                            field="size")
                    # Hash on a second core while this one encrypts: hashlib lets go of the GIL.
                    hashing = pool.submit(hasher.update, current)
                    following = segments.read_full(source, self.segment_size) if current else b""
                    last = not following
                    writer.write(current, last=last)
                    hashing.result()
                    if last:
                        break
                    current = following
                out.flush()
                os.fsync(out.fileno())
            sha256 = hasher.hexdigest()
            final = self._path(sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            created = self._link_once(tmp, final)
            return StoredBlob(sha256, size, created)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFullError(
                    "the evidence store is full; nothing was stored", field="storage") from None
            raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    @staticmethod
    def _link_once(tmp: Path, final: Path) -> bool:
        """Put the finished file in place without ever replacing an existing blob."""
        os.chmod(tmp, 0o440)
        try:
            os.link(tmp, final)
        except FileExistsError:
            return False
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return True

    def chunks(self, sha256: str) -> Iterator[bytes]:
        path = self._path(sha256)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the generator below
        except FileNotFoundError:
            raise NotFoundError(f"no stored blob with SHA-256 {sha256}", field="sha256") from None
        return self._decrypt(handle, sha256)

    def _decrypt(self, handle: BinaryIO, sha256: str) -> Iterator[bytes]:
        hasher = hashlib.sha256()
        with handle:
            try:
                for plain in segments.read_segments(handle, self.master_key):
                    hasher.update(plain)
                    yield plain
            except segments.SegmentError as exc:
                raise BlobIntegrityError(f"blob {sha256}: {exc}", field="sha256") from None
        if hasher.hexdigest() != sha256:
            raise BlobIntegrityError(
                f"blob {sha256}: decrypts to content with SHA-256 {hasher.hexdigest()} "
                "(a different blob's file was put in its place)", field="sha256")

    def verify(self, sha256: str) -> int:
        return sum(len(chunk) for chunk in self.chunks(sha256))

    def discard(self, sha256: str) -> None:
        path = self._path(sha256)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def copy_blob(blobs: BlobStore, sha256: str, out: BinaryIO) -> int:
    """Write a blob's plaintext to ``out``; its size."""
    written = 0
    for chunk in blobs.chunks(sha256):
        out.write(chunk)
        written += len(chunk)
    return written
