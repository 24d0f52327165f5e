"""Which column (CSV) or key (JSON) holds which part of a report: given, or found from the headers.

Fields: ``title``, ``body``, ``received``, ``occurred``, ``grading``, ``source_kind``,
``conditions``, ``visible_to``, ``legacy_grading``, ``sanitised``, ``force``. ``body=*`` makes the
report text every column written as ``Header: value`` lines (for spreadsheets with no single
text column).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from drachma.errors import ValidationError
from drachma.intake.readers.base import (
    IntakeFileError,
    IntakeItem,
    Origin,
    ReadResult,
    UnreadableItem,
    first_line_title,
    normalise_newlines,
    short_title,
)

ALL_COLUMNS = "*"

# Header spellings each field is found under, best first (compared without case, spaces or
# punctuation). "source" alone is not here: it usually names an outlet, not a source kind.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "body": ("body", "text", "reporttext", "content", "report", "details", "description",
             "message", "article", "articletext", "narrative", "intelligence", "information",
             "summary"),
    "title": ("title", "headline", "subject", "heading", "reporttitle"),
    "received": ("received", "receivedat", "receivedon", "datereceived", "submitted",
                 "submittedat", "datesubmitted", "timestamp", "createdat", "date"),
    "occurred": ("occurred", "occurredon", "dateofevents", "eventdate", "incidentdate",
                 "dateofincident", "published", "publishedat", "publishedon", "publicationdate",
                 "datepublished", "pubdate"),
    "grading": ("grading", "grade", "3x5x2", "gradingcode"),
    "source_kind": ("sourcekind", "sourcetype", "kind"),
    "conditions": ("handlingconditions", "conditions"),
    "visible_to": ("visibleto", "roles"),
    "legacy_grading": ("legacygrading", "5x5x5", "legacy"),
    "sanitised": ("sanitisedtext", "sanitised", "sanitizedtext", "sanitized"),
    "force": ("force", "policeforce", "forcearea", "policeforcearea"),
}
FIELDS = tuple(SYNONYMS)


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.casefold())


def parse_mapping(pairs: Iterable[str]) -> dict[str, str]:
    """``["title=Headline", "body=Text"]`` -> ``{"title": "Headline", "body": "Text"}``."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        field_name, sep, column = pair.partition("=")
        field_name = field_name.strip().lower().replace("-", "_")
        column = column.strip()
        if not sep or not field_name or not column:
            raise ValidationError(
                f"column mapping {pair!r} must be written FIELD=COLUMN, e.g. title=Headline",
                field="map",
            )
        if field_name == "sanitised_text":
            field_name = "sanitised"
        if field_name not in SYNONYMS:
            raise ValidationError(
                f"column mapping {pair!r}: unknown field {field_name!r}; fields are: "
                + ", ".join(FIELDS),
                field="map",
            )
        if column == ALL_COLUMNS and field_name != "body":
            raise ValidationError(f"column mapping {pair!r}: '*' is only for body", field="map")
        mapping[field_name] = column
    return mapping


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Field name -> the header it is read from, as the file spells it."""

    columns: Mapping[str, str]
    all_columns_body: bool = False

    def describe(self) -> str:
        body = "every column" if self.all_columns_body else self.columns.get("body", "?")
        rest = ", ".join(f"{f}={c}" for f, c in self.columns.items() if f != "body")
        return f"body={body}" + (f", {rest}" if rest else "")


def resolve_columns(
    headers: Sequence[str], explicit: Mapping[str, str], file: str, *, strict: bool = True
) -> ColumnMap:
    """Explicit mappings must name a real header; other fields are found by their usual names.

    ``strict`` False (JSON objects, whose keys vary) leaves a missing explicit key unmapped.
    """
    by_exact = {h: h for h in headers}
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(_key(header), header)
    columns: dict[str, str] = {}
    used: set[str] = set()
    all_body = explicit.get("body") == ALL_COLUMNS
    for field_name, wanted in explicit.items():
        if wanted == ALL_COLUMNS:
            continue
        found = by_exact.get(wanted) or by_key.get(_key(wanted))
        if found is None:
            if not strict:
                continue
            raise IntakeFileError(
                f"column {wanted!r} (given for {field_name}) is not in the headers: "
                + ", ".join(repr(h) for h in headers)
            )
        columns[field_name] = found
        used.add(found)
    for field_name, names in SYNONYMS.items():
        if field_name in explicit:
            continue
        for name in names:
            found = by_key.get(name)
            if found is not None and found not in used:
                columns[field_name] = found
                used.add(found)
                break
    if "body" not in columns and not all_body and strict:
        raise IntakeFileError(
            "no column for the report text among the headers "
            + ", ".join(repr(h) for h in headers)
            + "; name it with --map body=COLUMN (or --map body=* for every column)"
        )
    return ColumnMap(columns, all_body)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


_UK_NUMERIC = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def parse_when(text: str) -> datetime:
    """A date or date-and-time as spreadsheets and feeds write them; naive times are UTC.

    Numeric dates are day first, as in the UK (``03/04/2024`` is 3 April).
    """
    value = text.strip()
    parsed: datetime | None
    numeric = _UK_NUMERIC.match(value)
    if numeric:
        day, month, year, hour, minute, second = numeric.groups()
        try:
            parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                              int(second or 0))
        except ValueError:
            raise ValueError(value) from None
        return parsed.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None:
        for fmt in ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%Y/%m/%d"):
            try:
                parsed = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        raise ValueError(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date_only(when: datetime) -> date:
    return when.date()


def item_from_record(
    record: Mapping[str, Any], columns: ColumnMap, origin: Origin, encoding: str | None
) -> ReadResult:
    """One row or object -> an item, or the reason it cannot be one (naming the column)."""

    def get(field_name: str) -> str | None:
        column = columns.columns.get(field_name)
        if column is None:
            return None
        text = as_text(record.get(column)).strip()
        return text or None

    if columns.all_columns_body:
        lines = [f"{key}: {as_text(value).strip()}" for key, value in record.items()
                 if as_text(value).strip()]
        body = "\n".join(lines)
    else:
        body_column = columns.columns.get("body")
        body = as_text(record.get(body_column)) if body_column else ""
    body = normalise_newlines(body)
    if not body.strip():
        column = columns.columns.get("body", "body")
        return UnreadableItem(origin, f"no report text (column {column!r} is empty)")
    dates: dict[str, datetime | None] = {}
    for field_name in ("received", "occurred"):
        raw = get(field_name)
        try:
            dates[field_name] = parse_when(raw) if raw else None
        except ValueError:
            return UnreadableItem(
                origin,
                f"column {columns.columns[field_name]!r}: {raw!r} is not a date "
                "(write it like 23/11/2026, 2026-11-23 or 2026-11-23T14:05)",
            )
    occurred = dates["occurred"]
    title = get("title")
    visible = get("visible_to")
    return IntakeItem(
        title=short_title(title) if title else first_line_title(body),
        body=body,
        origin=origin,
        received_at=dates["received"],
        published_on=_date_only(occurred) if occurred else None,
        encoding=encoding,
        grading=get("grading"),
        source_kind=get("source_kind"),
        conditions=get("conditions"),
        visible_to=[r.strip() for r in re.split(r"[,;|]", visible) if r.strip()] if visible else [],
        legacy_grading=get("legacy_grading"),
        sanitised_text=get("sanitised"),
        force=get("force"),
    )
