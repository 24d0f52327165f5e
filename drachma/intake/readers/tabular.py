"""CSV and JSON: one report per row or object, streamed so that any size of file can be read.

CSV needs a header row; the delimiter (``,`` ``;`` tab ``|``) is taken from it. JSON may be an
array of objects (read element by element, never whole), JSON lines (one value per line; a bad
line is skipped and reported), or a single object. A string in place of an object is its text.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from drachma.intake.readers.base import (
    MAX_RECORD_BYTES,
    IntakeFileError,
    Origin,
    ReadResult,
    Source,
    UnreadableItem,
    decode_line,
    decode_text,
    guess_encoding,
    open_binary,
    read_whole,
)
from drachma.intake.readers.mapping import ColumnMap, item_from_record, resolve_columns

_ENCODING_SAMPLE = 64 * 1024
_CHUNK = 64 * 1024

if csv.field_size_limit() < MAX_RECORD_BYTES:
    csv.field_size_limit(MAX_RECORD_BYTES)


@dataclass(slots=True)
class _LineState:
    offset: int = 0
    fallback: str | None = None  # set when a line of the current record was not ``encoding``


def _lines(handle: BinaryIO, encoding: str, state: _LineState) -> Iterator[str]:
    """Decoded lines, one at a time, refusing a line so long it cannot be a record."""
    number = 0
    while True:
        raw = handle.readline(MAX_RECORD_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_RECORD_BYTES:
            raise IntakeFileError(
                f"line {number} is longer than {MAX_RECORD_BYTES // (1024 * 1024)} MB; "
                "this is not a CSV or JSON-lines file", where=f"line {number}")
        state.offset += len(raw)
        if number == 1 and encoding == "utf-8-sig":
            raw = raw.removeprefix(codecs.BOM_UTF8)
            text, used = decode_line(raw, "utf-8")
        else:
            text, used = decode_line(raw, "utf-8" if encoding == "utf-8-sig" else encoding)
        if used not in (encoding, "utf-8"):
            state.fallback = used
        yield text


def _delimiter(header_line: str) -> str:
    counts = {d: 0 for d in ",;\t|"}
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class CsvReader:
    format: str = "csv"
    extensions: tuple[str, ...] = (".csv", ".tsv")
    streams: bool = True

    def __init__(self, mapping: Mapping[str, str] | None = None) -> None:
        self.mapping = dict(mapping or {})

    def sniff(self, head: bytes) -> bool:
        # Prose has commas too: CSV is only recognised by its extension or --format csv.
        return False

    def read(self, source: Source, name: str) -> Iterator[ReadResult]:
        with open_binary(source) as handle:
            sample = handle.read(_ENCODING_SAMPLE)
            if not sample.strip():
                raise IntakeFileError("empty file (no header row)")
            encoding = guess_encoding(sample, complete=len(sample) < _ENCODING_SAMPLE)
            first_line = decode_line(sample.split(b"\n", 1)[0], "latin-1")[0]
            handle.seek(0)
            state = _LineState()
            rows = csv.reader(_lines(handle, encoding, state), delimiter=_delimiter(first_line))
            try:
                header = next(rows, None)
                while header is not None and not any(cell.strip() for cell in header):
                    header = next(rows, None)
                if header is None:
                    raise IntakeFileError("empty file (no header row)")
                header = [cell.strip() for cell in header]
                columns = resolve_columns(header, self.mapping, name)
                index = 0
                for row in rows:
                    if not any(cell.strip() for cell in row):
                        state.fallback = None
                        continue
                    where = f"line {rows.line_num}"
                    origin = Origin(name, index, where, state.offset)
                    index += 1
                    if len(row) > len(header):
                        yield UnreadableItem(
                            origin,
                            f"{len(row)} fields but the header has {len(header)} "
                            "(a stray delimiter or quote?)",
                        )
                    else:
                        record = dict(zip(header, row, strict=False))
                        yield item_from_record(record, columns, origin,
                                               state.fallback or encoding)
                    state.fallback = None
            except csv.Error as exc:
                raise IntakeFileError(f"line {rows.line_num}: not valid CSV ({exc})",
                                      where=f"line {rows.line_num}") from None


class _JsonArray:
    """Elements of a top-level JSON array, decoded a chunk at a time."""

    def __init__(self, handle: BinaryIO, encoding: str) -> None:
        self.handle = handle
        self.encoding = encoding
        self.decoder = codecs.getincrementaldecoder(encoding)()
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self.line = 1
        self.offset = 0
        self.json = json.JSONDecoder()

    def _more(self, at_least: int = _CHUNK) -> bool:
        if self.eof:
            return False
        # Drop what has been consumed, so memory holds one element at a time.
        self.line += self.buffer.count("\n", 0, self.pos)
        self.buffer = self.buffer[self.pos:]
        self.pos = 0
        raw = self.handle.read(max(_CHUNK, at_least))
        self.offset += len(raw)
        try:
            self.buffer += self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            raise IntakeFileError(f"not valid {self.encoding} text: {exc.reason}",
                                  where=f"line {self.line}") from None
        if not raw:
            self.eof = True
        return True

    def _skip_space(self) -> str:
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def _where(self) -> str:
        return f"line {self.line + self.buffer.count(chr(10), 0, self.pos)}"

    def values(self) -> Iterator[tuple[Any, str, int]]:
        if self._skip_space() != "[":
            raise IntakeFileError("JSON does not start with '['")
        self.pos += 1
        number = 0
        while True:
            char = self._skip_space()
            if char == "]" and number == 0:
                self.pos += 1
                break
            if char == "":
                raise IntakeFileError(
                    f"truncated JSON: the file ends inside the array, after item {number}",
                    where=f"item {number + 1}")
            while True:
                try:
                    value, end = self.json.raw_decode(self.buffer, self.pos)
                    break
                except json.JSONDecodeError as exc:
                    pending = len(self.buffer) - self.pos
                    if pending > MAX_RECORD_BYTES:
                        raise IntakeFileError(
                            f"item {number + 1} is larger than "
                            f"{MAX_RECORD_BYTES // (1024 * 1024)} MB", where=f"item {number + 1}"
                        ) from None
                    if not self._more(at_least=pending):
                        if exc.pos >= len(self.buffer) - 1 or "Unterminated" in exc.msg:
                            raise IntakeFileError(
                                f"truncated JSON: the file ends in the middle of item "
                                f"{number + 1}", where=f"item {number + 1}") from None
                        raise IntakeFileError(
                            f"invalid JSON in item {number + 1} at {self._where()}: {exc.msg}",
                            where=f"item {number + 1}") from None
            number += 1
            where = f"item {number}"
            self.pos = end
            yield value, where, self.offset
            char = self._skip_space()
            if char == ",":
                self.pos += 1
                continue
            if char == "]":
                self.pos += 1
                break
            if char == "":
                raise IntakeFileError(
                    f"truncated JSON: the file ends inside the array, after item {number}",
                    where=f"item {number + 1}")
            raise IntakeFileError(f"invalid JSON after item {number} at {self._where()}: "
                                  f"expected ',' or ']' but found {char!r}",
                                  where=f"item {number}")
        if self._skip_space() != "":
            raise IntakeFileError(f"invalid JSON: text after the closing ']' at {self._where()}")


def _record_item(value: Any, mapping: Mapping[str, str], origin: Origin,
                 encoding: str | None) -> ReadResult:
    if isinstance(value, str):
        value = {"text": value}
    if not isinstance(value, dict):
        kind = "an array" if isinstance(value, list) else type(value).__name__
        return UnreadableItem(origin, f"{origin.where or 'the value'} is {kind}, not an object")
    keys = [str(k) for k in value]
    columns: ColumnMap = resolve_columns(keys, mapping, origin.file, strict=False)
    if "body" not in columns.columns and not columns.all_columns_body:
        return UnreadableItem(
            origin,
            "no field for the report text among the keys " + ", ".join(repr(k) for k in keys)
            + "; name it with --map body=KEY",
        )
    return item_from_record({str(k): v for k, v in value.items()}, columns, origin, encoding)


class JsonReader:
    format: str = "json"
    extensions: tuple[str, ...] = (".json", ".jsonl", ".ndjson")
    streams: bool = True

    def __init__(self, mapping: Mapping[str, str] | None = None) -> None:
        self.mapping = dict(mapping or {})

    def sniff(self, head: bytes) -> bool:
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        return stripped[:1] in (b"[", b"{")

    def read(self, source: Source, name: str) -> Iterator[ReadResult]:
        with open_binary(source) as handle:
            sample = handle.read(_ENCODING_SAMPLE)
            if not sample.strip():
                raise IntakeFileError("empty file (no JSON)")
            encoding = guess_encoding(sample, complete=len(sample) < _ENCODING_SAMPLE)
            first = sample.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
            handle.seek(0)
            if first == b"[":
                array = _JsonArray(handle, encoding)
                for index, (value, where, offset) in enumerate(array.values()):
                    yield _record_item(value, self.mapping, Origin(name, index, where, offset),
                                       encoding)
                return
            if self._is_json_lines(sample):
                yield from self._json_lines(handle, name, encoding)
                return
        # One object spread over many lines: a single report, read whole (size-limited).
        data = read_whole(source)
        text, used = decode_text(data)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            truncated = exc.pos >= len(text.rstrip()) - 1
            reason = (
                "truncated JSON: the file ends in the middle of the object" if truncated
                else f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            )
            raise IntakeFileError(reason) from None
        yield _record_item(value, self.mapping, Origin(name, 0, None, len(data)), used)

    @staticmethod
    def _is_json_lines(sample: bytes) -> bool:
        first_line = sample.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
        try:
            json.loads(first_line.decode("utf-8", "replace"))
        except json.JSONDecodeError:
            return False
        return True

    def _json_lines(self, handle: BinaryIO, name: str, encoding: str) -> Iterator[ReadResult]:
        state = _LineState()
        index = 0
        for number, line in enumerate(_lines(handle, encoding, state), start=1):
            if not line.strip():
                continue
            origin = Origin(name, index, f"line {number}", state.offset)
            index += 1
            try:
                value = json.loads(line.rstrip("\r\n"))
            except json.JSONDecodeError as exc:
                yield UnreadableItem(origin, f"invalid JSON at column {exc.colno}: {exc.msg}")
            else:
                yield _record_item(value, self.mapping, origin, state.fallback or encoding)
            state.fallback = None
