"""Plain text: the whole file is one report, its first line the title."""

from __future__ import annotations

from collections.abc import Iterator

from drachma.intake.readers.base import (
    IntakeFileError,
    IntakeItem,
    Origin,
    ReadResult,
    Source,
    decode_text,
    first_line_title,
    read_whole,
)


class TextReader:
    format: str = "text"
    extensions: tuple[str, ...] = (".txt", ".text", ".md", ".log")
    streams: bool = False

    def sniff(self, head: bytes) -> bool:
        # The fallback for anything that is text and nothing more specific.
        return True

    def read(self, source: Source, name: str) -> Iterator[ReadResult]:
        data = read_whole(source)
        body, encoding = decode_text(data)
        if not body.strip():
            raise IntakeFileError("empty file (no text)")
        yield IntakeItem(
            title=first_line_title(body),
            body=body,
            origin=Origin(name, 0, None, len(data)),
            encoding=encoding,
        )
