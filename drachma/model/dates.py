"""The one time rule: times are stored in UTC; people type and read dates and times in UK time.

- Dates as people write them: UK day-first (``23/11/2026``) or ISO (``2026-11-23``)
  (:func:`parse_date`).
- A day is a UK day (Europe/London, so British Summer Time counts): "today", a filter's "from"
  and "to", the day a report was received (:func:`uk_day`, :func:`uk_day_start`).
- A report "received" on a day a person typed was received now if that day is today, else at the
  start of that UK day (:func:`received_moment`): the CLI, the API and the pages all use it.
- One formatter prints times for people, in UK time, everywhere (pages, CLI output, messages):
  :func:`uk_datetime` prints 23:30 UTC on 1 July 2026 as ``02/07/2026 00:30``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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


UK = ZoneInfo("Europe/London")


def local(value: datetime) -> datetime:
    """A stored time in UK time (a naive time is taken to be UTC, as everything is stored)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UK)


def uk_day(value: datetime) -> date:
    """The UK day a moment falls on: 23:30 UTC on 1 July is 2 July."""
    return local(value).date()


def uk_today(now: datetime | None = None) -> date:
    return uk_day(now or datetime.now(UTC))


def uk_day_start(day: date) -> datetime:
    """00:00 UK time on ``day``, in UTC (23:00 the day before during British Summer Time)."""
    return datetime.combine(day, time.min, tzinfo=UK).astimezone(UTC)


def uk_day_end(day: date) -> datetime:
    """The start of the next UK day, in UTC.

    A moment ``t`` is on ``day`` when ``uk_day_start(day) <= t < uk_day_end(day)``.
    """
    return uk_day_start(day + timedelta(days=1))


def received_moment(day: date, now: datetime | None = None) -> datetime:
    """When a report received on ``day`` (as a person typed it) was received, in UTC.

    Today (a UK day) means now; another day means the start of that UK day.
    """
    now = now or datetime.now(UTC)
    return now.astimezone(UTC) if day == uk_today(now) else uk_day_start(day)


def uk_date(value: date | datetime | None) -> str:
    """``02/07/2026``; a moment is shown on its UK day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d/%m/%Y")


def uk_datetime(value: datetime | None, seconds: bool = False) -> str:
    """``02/07/2026 00:30`` in UK time, for a moment stored in UTC."""
    if value is None:
        return ""
    return local(value).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")
