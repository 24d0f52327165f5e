"""Reading handed-over zip archives safely: the whole central directory is checked before a
single byte is stored, and members are read as streams, never extracted to disk.

Refused, with the reason: member names that are absolute, climb out (``..``), hold drive letters,
back-slashes or control characters, or repeat; symbolic links and other special files; encrypted
members; more members than the limit; a declared total over the limit; a member whose
uncompressed size is more than ``max_ratio`` times its compressed size (zip bombs); members whose
data overlap (the overlapping-file zip bomb); folders nested deeper than the limit. While
streaming, ``zipfile`` stops each member at its declared size and checks its CRC, so a member
that lies about its size is caught too. Archives inside the archive are kept whole as one
sub-exhibit and never unpacked automatically (nesting stops at one level).
"""

from __future__ import annotations

import itertools
import stat
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, BinaryIO
from zoneinfo import ZoneInfo

from drachma.errors import ValidationError
from drachma.evidence.locker import Limits

LONDON = ZoneInfo("Europe/London")
RATIO_FLOOR = 1024 * 1024  # small members may compress well (a page of spaces) and are harmless


class HostileArchiveError(ValidationError):
    kind = "hostile_archive"


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    size: int
    modified: datetime | None  # zip times are local wall-clock times: read as UK time


def safe_name(name: str) -> str | None:
    """The member's name if it is a safe relative path, else None."""
    if not name or "\\" in name or name.startswith("/") or any(ord(c) < 32 for c in name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts) or ":" in parts[0]:
        return None
    return "/".join(parts)


def _modified(info: zipfile.ZipInfo) -> datetime | None:
    try:
        return datetime(*info.date_time, tzinfo=LONDON)
    except ValueError:
        return None


def inspect(source: BinaryIO, label: str, limits: Limits) -> list[Member]:
    """Check the archive against every rule; its file members (folders left out) or
    :class:`HostileArchiveError` naming the first rule broken."""

    def refuse(reason: str) -> HostileArchiveError:
        return HostileArchiveError(f"{label} was refused and nothing was stored from it: {reason}",
                                   field="archive")

    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise refuse(f"it is not a readable zip archive ({exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_archive_files:
            raise refuse(f"it has {len(infos):,} entries, more than the limit of "
                         f"{limits.max_archive_files:,}")
        seen: set[str] = set()
        members: list[Member] = []
        total = 0
        for info in infos:
            name = safe_name(info.filename)
            if name is None:
                raise refuse(f"the entry {info.filename!r} has an unsafe path")
            if name.lower() in seen:
                raise refuse(f"the entry {name!r} appears more than once")
            seen.add(name.lower())
            if name.count("/") >= limits.max_path_depth:
                raise refuse(f"the entry {name!r} is nested deeper than {limits.max_path_depth} "
                             "folders")
            # Unix archivers keep the file type in the high bits; many write permissions only.
            kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
            if kind == stat.S_IFLNK:
                raise refuse(f"the entry {name!r} is a symbolic link")
            if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
                raise refuse(f"the entry {name!r} is a special file, not a regular file")
            if info.flag_bits & 0x1:
                raise refuse(f"the entry {name!r} is encrypted; ask for an unencrypted copy")
            if info.is_dir():
                continue
            if info.file_size > limits.max_bytes:
                raise refuse(f"the entry {name!r} is {info.file_size:,} bytes, over the limit of "
                             f"{limits.max_bytes:,} for one item")
            if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(
                    info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise refuse(f"the entry {name!r} expands {ratio:,} times (limit "
                             f"{limits.max_ratio}): a compression bomb")
            total += info.file_size
            if total > limits.max_archive_bytes:
                raise refuse(f"it unpacks to more than the limit of {limits.max_archive_bytes:,} "
                             "bytes")
            members.append(Member(name, info.file_size, _modified(info)))
        spans = sorted((i.header_offset, i.compress_size) for i in infos)
        for (start, length), (following, _) in itertools.pairwise(spans):
            if start + length > following:
                raise refuse("entries overlap one another (an overlapping-entry zip bomb)")
    return members


@contextmanager
def reader(path: Path) -> Iterator[Callable[[str], AbstractContextManager[IO[bytes]]]]:
    """Open the archive once; give a function that streams one member by its (safe) name.
    ``zipfile`` stops each member at its declared size and checks its CRC as it is read."""
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as opened:
        by_name = {safe_name(i.filename): i for i in opened.infolist()}

        def member(name: str) -> AbstractContextManager[IO[bytes]]:
            return opened.open(by_name[name])

        yield member


def is_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06")
