"""Flood limits on what faces the outside, with the ``limits`` library.

The limits are data (``data/rate_limits.toml``), read and checked at start. Counters live in
memory by default; when several processes serve, ``DRACHMA_RATE_LIMIT_STORAGE=redis://host:6379``
shares them (install ``limits[redis]``).
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from drachma.errors import DrachmaError

LIMITS_FILE = Path(__file__).parent / "data" / "rate_limits.toml"


class RateLimitConfigError(DrachmaError):
    kind = "bad_rate_limits"
    http_status = 500


class TooManyRequests(DrachmaError):
    kind = "too_many_requests"
    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, field=None)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class PublicLimits:
    per_address: RateLimitItem
    overall: RateLimitItem


def _item(table: dict[str, object], key: str, where: Path, section: str = "public_report"
          ) -> RateLimitItem:
    text = table.get(key)
    if not isinstance(text, str):
        raise RateLimitConfigError(f"{where}: [{section}] {key} is missing", field=key)
    try:
        return parse(text)
    except ValueError as exc:
        raise RateLimitConfigError(f"{where}: [{section}] {key} = {text!r}: {exc}",
                                   field=key) from None


def _table(path: Path, section: str) -> dict[str, object]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RateLimitConfigError(f"cannot read rate limits {path}: {exc}") from None
    table = data.get(section)
    if not isinstance(table, dict):
        raise RateLimitConfigError(f"{path}: the [{section}] table is missing")
    return table


def load_public_limits(path: Path = LIMITS_FILE) -> PublicLimits:
    """The public form's limits; a missing or broken file is a loud error."""
    table = _table(path, "public_report")
    return PublicLimits(_item(table, "per_address", path), _item(table, "overall", path))


def load_account_limit(path: Path = LIMITS_FILE) -> RateLimitItem:
    """How many changes to their own account one user may make in a while (``[account]``)."""
    return _item(_table(path, "account"), "per_user", path, "account")


class RateLimiter:
    """Counts hits per client address and overall, in a moving window."""

    def __init__(self, storage_url: str = "memory://",
                 limits: PublicLimits | None = None) -> None:
        self.limits = limits or load_public_limits()
        self.storage = storage_from_string(storage_url)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.account_limit = load_account_limit()

    def hit_account(self, username: str) -> None:
        """Count one change a user makes to their own account (tokens, sessions, second
        factor); :class:`TooManyRequests` past ``[account] per_user``."""
        if not self.limiter.hit(self.account_limit, "account", username):
            stats = self.limiter.get_window_stats(self.account_limit, "account", username)
            raise TooManyRequests("too many changes to your account in a short time; try again "
                                  "in a minute",
                                  retry_after=max(1, int(stats.reset_time - time.time())))

    def hit_public(self, address: str | None) -> None:
        """Count one public form submission; :class:`TooManyRequests` when over a limit."""
        who = address or "unknown"
        for item, key in ((self.limits.per_address, f"address:{who}"),
                          (self.limits.overall, "overall")):
            if not self.limiter.hit(item, "public_report", key):
                stats = self.limiter.get_window_stats(item, "public_report", key)
                wait = max(1, int(stats.reset_time - time.time()))
                raise TooManyRequests(
                    "too many reports have been sent in a short time; try again later",
                    retry_after=wait)
