"""Dates as users write them: UK day-first (``23/11/2026``) or ISO (``2026-11-23``)."""

from __future__ import annotations

from datetime import date, datetime

from drachma.errors import ValidationError

_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")


def parse_date(text: str, field: str = "date") -> date:
    value = text.strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValidationError(
        f"{field.replace('_', ' ')} {text!r} is not a date; write it as 23/11/2026 or 2026-11-23",
        field=field,
    )


def uk_date(value: date | datetime | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def uk_datetime(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else ""
