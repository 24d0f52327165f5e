"""What every reader shares: the item it yields, text decoding, and the binary sniff.

Text from members of the public may contain anything. It is kept as given, except that line endings
are normalised to ``\\n``; bytes are decoded as UTF-8, else UTF-8 with a byte-order mark, else
cp1252, else latin-1, and the encoding used is recorded with the item.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from drachma.errors import ValidationError
from drachma.model.report import SourceKind

# How much of a file is read to decide what it is (and to refuse binary data without reading it).
SNIFF_BYTES = 8192
# Whole-file formats (text, HTML, e-mail) are read into memory; anything larger is refused.
MAX_WHOLE_FILE_BYTES = 50 * 1024 * 1024
# CSV and JSON stream; one line (or one JSON value) larger than this is refused.
MAX_RECORD_BYTES = 16 * 1024 * 1024
MAX_TITLE = 300

Source = Path | bytes


class IntakeFileError(ValidationError):
    """A file (or the rest of it) cannot be read; ``reason`` says why, for the failure line."""

    kind = "unreadable_file"

    def __init__(self, reason: str, *, where: str | None = None) -> None:
        super().__init__(reason, field="file")
        self.reason = reason
        self.where = where


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an item came from: the file as named, and its place in the file.

    ``index`` counts items from 0 within the file (it is the resume position); ``where`` says it
    for people ("line 4", "item 2") and is None when the file is one item.
    """

    file: str
    index: int = 0
    where: str | None = None
    offset: int | None = None  # bytes of the file read when this item was complete

    def describe(self) -> str:
        return f"{self.file} {self.where}" if self.where else self.file


@dataclass(frozen=True, slots=True)
class IntakeAttachment:
    """A file that came with an item (an e-mail attachment). Kept as bytes, never opened."""

    filename: str
    media_type: str
    data: bytes


@dataclass(slots=True)
class IntakeItem:
    """One future report as a reader found it.

    ``kind_hint`` is the reader's guess (HTML is news, e-mail is the public); the per-item values
    below it come from mapped CSV/JSON columns and override the run's options.
    """

    title: str
    body: str
    origin: Origin
    kind_hint: SourceKind | None = None
    received_at: datetime | None = None
    published_on: date | None = None
    attachments: list[IntakeAttachment] = field(default_factory=list)
    encoding: str | None = None
    grading: str | None = None
    source_kind: str | None = None
    conditions: str | None = None
    visible_to: list[str] = field(default_factory=list)
    legacy_grading: str | None = None
    sanitised_text: str | None = None
    force: str | None = None


@dataclass(frozen=True, slots=True)
class UnreadableItem:
    """One item of a file that could not be read; the rest of the file goes on."""

    origin: Origin
    reason: str


ReadResult = IntakeItem | UnreadableItem


class Reader(Protocol):
    """A reader of one format, registered by extension and by a sniff of the first bytes."""

    format: str
    extensions: tuple[str, ...]
    streams: bool  # True: reads as it goes, any size; False: reads the whole file (size-limited)

    def sniff(self, head: bytes) -> bool: ...

    def read(self, source: Source, name: str) -> Iterator[ReadResult]: ...


@contextmanager
def open_binary(source: Source) -> Iterator[BinaryIO]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    else:
        with source.open("rb") as handle:
            yield handle


def read_whole(source: Source, limit: int = MAX_WHOLE_FILE_BYTES) -> bytes:
    """The whole content, refusing more than ``limit`` bytes without reading past it."""
    if isinstance(source, bytes):
        data = source
    else:
        with source.open("rb") as handle:
            data = handle.read(limit + 1)
    if len(data) > limit:
        raise IntakeFileError(
            f"file is larger than {limit // (1024 * 1024)} MB, the limit for this format"
        )
    return data


_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (Word, Excel and OpenDocument files are ZIP archives)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "a program (ELF executable)"),
    (b"MZ", "a program (Windows executable)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_TEXT_CONTROLS = {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


def binary_reason(head: bytes) -> str | None:
    """Why the first bytes of a file are not text, or None if they look like text."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"binary file ({what}), not text"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16 text is not supported; save the file as UTF-8"
    if b"\x00" in head:
        return "binary data (contains NUL bytes), not text"
    controls = sum(1 for byte in head if byte < 0x20 and byte not in _TEXT_CONTROLS)
    if head and controls / len(head) > 0.05:
        return "binary data (many control bytes), not text"
    return None


def _undefined_in_cp1252(data: bytes) -> bool:
    return any(byte in data for byte in (0x81, 0x8D, 0x8F, 0x90, 0x9D))


def guess_encoding(sample: bytes, *, complete: bool) -> str:
    """UTF-8 (with or without BOM), else cp1252, else latin-1, judged on ``sample``.

    ``complete`` False means the sample may end in the middle of a multi-byte character.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    return "latin-1" if _undefined_in_cp1252(sample) else "cp1252"


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a whole file's bytes; returns (text with ``\\n`` line endings, encoding used)."""
    encoding = guess_encoding(data, complete=True)
    text = data.decode(encoding)
    return normalise_newlines(text), encoding


def decode_line(line: bytes, encoding: str) -> tuple[str, str]:
    """Decode one line of a streamed file, falling back for that line if it is not ``encoding``."""
    try:
        return line.decode(encoding), encoding
    except UnicodeDecodeError:
        fallback = "latin-1" if _undefined_in_cp1252(line) else "cp1252"
        return line.decode(fallback), fallback


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def short_title(text: str, limit: int = MAX_TITLE) -> str:
    """A one-line title no longer than the reports table allows (the body keeps everything)."""
    single = " ".join(text.split())
    return single if len(single) <= limit else single[: limit - 1].rstrip() + "…"


def first_line_title(body: str) -> str:
    for line in body.splitlines():
        if line.strip():
            return short_title(line, 120)
    return ""
