"""Readers for each format that reports arrive in, chosen by extension or by the first bytes.

Every reader has ``read(source, name) -> Iterator[IntakeItem | UnreadableItem]`` where ``source``
is a :class:`~pathlib.Path` or the bytes of an upload; a reader raises
:class:`~drachma.intake.readers.base.IntakeFileError` when the file (or the rest of it) cannot be
read.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

from drachma.errors import ValidationError
from drachma.intake.readers.base import (
    SNIFF_BYTES,
    IntakeAttachment,
    IntakeFileError,
    IntakeItem,
    Origin,
    Reader,
    ReadResult,
    UnreadableItem,
    binary_reason,
)
from drachma.intake.readers.eml import EmailReader
from drachma.intake.readers.html import HtmlReader
from drachma.intake.readers.tabular import CsvReader, JsonReader
from drachma.intake.readers.text import TextReader

FORMATS = ("auto", "text", "html", "eml", "csv", "json")

__all__ = [
    "FORMATS",
    "SNIFF_BYTES",
    "IntakeAttachment",
    "IntakeFileError",
    "IntakeItem",
    "Origin",
    "ReadResult",
    "Reader",
    "UnreadableItem",
    "binary_reason",
    "check_format",
    "choose_reader",
    "readers",
]


def check_format(text: str) -> str:
    value = text.strip().lower()
    if value == "email":
        value = "eml"
    if value not in FORMATS:
        raise ValidationError(
            f"unknown format {text!r}; formats are: {', '.join(FORMATS)}", field="format"
        )
    return value


def readers(mapping: Mapping[str, str] | None = None) -> list[Reader]:
    """Every reader, most specific sniff first; plain text last, as the fallback."""
    return [HtmlReader(), EmailReader(), JsonReader(mapping), CsvReader(mapping), TextReader()]


def choose_reader(name: str, head: bytes, fmt: str = "auto",
                  mapping: Mapping[str, str] | None = None, *, complete: bool = True) -> Reader:
    """The reader for a file: ``fmt`` if given, else by extension, else by sniffing ``head``.

    Raises :class:`IntakeFileError` for an empty or binary file: only ``head`` (the first
    :data:`SNIFF_BYTES`) is needed to decide that, however large the file is. ``complete`` says
    whether ``head`` is the whole file.
    """
    if not head.strip() and complete:
        raise IntakeFileError("empty file" if not head else "empty file (only blank space)")
    problem = binary_reason(head)
    if problem:
        raise IntakeFileError(problem)
    available = readers(mapping)
    if fmt != "auto":
        return next(r for r in available if r.format == fmt)
    lowered = PurePath(name).name.lower()
    for reader in available:
        if any(lowered.endswith(ext) for ext in reader.extensions):
            return reader
    for reader in available:
        if reader.sniff(head):
            return reader
    return available[-1]
