"""Checks on what people type into an incident: sizes, times, URLs. Validate first, write after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from drachma.errors import ValidationError
from drachma.incidents.errors import FutureTimeError
from drachma.model.incident import EventKind

MAX_NAME = 200
MAX_TEXT = 4_000
MAX_URL = 2_000
MAX_LIST = 20
#: Clocks differ a little between a handset and the server; more than this ahead is refused.
CLOCK_SKEW = timedelta(minutes=2)


def now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime, field: str) -> datetime:
    """A time as UTC; a naive time is taken to be UK local time (Europe/London)."""
    from zoneinfo import ZoneInfo

    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("Europe/London"))
    value = value.astimezone(UTC)
    if value > now() + CLOCK_SKEW:
        raise FutureTimeError(
            f"{field.replace('_', ' ')} {value.isoformat()} is in the future", field=field)
    return value


def text(value: str | None, field: str, *, limit: int = MAX_TEXT, required: bool = False
         ) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise ValidationError(f"{field.replace('_', ' ')} is required", field=field)
        return None
    if len(cleaned) > limit:
        raise ValidationError(
            f"{field.replace('_', ' ')} is longer than {limit} characters", field=field)
    return cleaned


def url(value: str, field: str = "stream_url") -> str:
    cleaned = value.strip()
    if len(cleaned) > MAX_URL:
        raise ValidationError(f"{field.replace('_', ' ')} is longer than {MAX_URL} characters",
                              field=field)
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(
            f"{field.replace('_', ' ')} {cleaned!r} is not a web address (http:// or https://)",
            field=field)
    return cleaned


def urls(values: list[str], field: str = "stream_url") -> list[str]:
    if len(values) > MAX_LIST:
        raise ValidationError(f"at most {MAX_LIST} {field.replace('_', ' ')}s", field=field)
    return list(dict.fromkeys(url(v, field) for v in values if v.strip()))


def count(value: int | None, field: str, *, maximum: int) -> int | None:
    if value is None:
        return None
    if value < 0 or value > maximum:
        raise ValidationError(f"{field.replace('_', ' ')} must be between 0 and {maximum}",
                              field=field)
    return value


def event_kind(value: str) -> EventKind:
    try:
        return EventKind(value.strip().lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        names = ", ".join(k.value for k in EventKind)
        raise ValidationError(f"unknown event kind {value!r}; kinds are: {names}",
                              field="kind") from None


_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M",
                     "%d/%m/%Y %H:%M:%S")


def parse_datetime(value: str, field: str) -> datetime:
    """A time as people type it: ``27/11/2026 14:05`` (UK time) or ISO 8601 (with an offset or
    ``Z`` it is taken as given). Future times are refused."""
    cleaned = value.strip()
    try:
        parsed = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _DATETIME_FORMATS:
            try:
                parsed = datetime.strptime(cleaned, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValidationError(
                f"{field.replace('_', ' ')} {value!r} is not a time; write 27/11/2026 14:05",
                field=field) from None
    return utc(parsed, field)


def uk_time(value: datetime | None) -> str:
    """A stored (UTC) time as people in the UK read it: ``27/11/2026 14:05`` Europe/London."""
    from zoneinfo import ZoneInfo

    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo("Europe/London")).strftime("%d/%m/%Y %H:%M")
