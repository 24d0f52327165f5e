"""The log-in and password policy, as data (``data/login.toml``, ``data/common_passwords.txt``),
read and checked at start: a missing or broken file is a loud error, never a silent gap."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

from drachma.errors import DrachmaError

DATA = Path(__file__).parent / "data"
POLICY_FILE = DATA / "login.toml"
DENY_LIST_FILE = DATA / "common_passwords.txt"


class PolicyFileError(DrachmaError):
    kind = "bad_policy_file"
    http_status = 500


@dataclass(frozen=True, slots=True)
class Throttle:
    max_failures: int
    window: timedelta
    lock: timedelta
    # log-ins from one account name or address that may wait for (or be in) a password check at
    # once in one server process; more are refused at once, before any check
    checks_at_once: int = 2


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    account: Throttle
    address: Throttle
    min_password: int
    max_password: int
    hashing_concurrency: int
    hashing_wait_seconds: float
    max_username: int
    hashing_nice: int = 0


def _int(table: dict[str, object], section: str, key: str, path: Path) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise PolicyFileError(f"{path}: [{section}] {key} must be a whole number above 0",
                              field=f"{section}.{key}")
    return value


def _nice(table: dict[str, object], path: Path) -> int:
    value = table.get("hashing_nice", 0)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 19:
        raise PolicyFileError(f"{path}: [password] hashing_nice must be a whole number from 0 "
                              "to 19", field="password.hashing_nice")
    return value


def _section(data: dict[str, object], name: str, path: Path) -> dict[str, object]:
    table = data.get(name)
    if not isinstance(table, dict):
        raise PolicyFileError(f"{path}: the [{name}] table is missing", field=name)
    return table


def _throttle(data: dict[str, object], name: str, path: Path) -> Throttle:
    table = _section(data, name, path)
    return Throttle(_int(table, name, "max_failures", path),
                    timedelta(minutes=_int(table, name, "window_minutes", path)),
                    timedelta(minutes=_int(table, name, "lock_minutes", path)),
                    _int(table, name, "checks_at_once", path))


def read_policy(path: Path = POLICY_FILE) -> LoginPolicy:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyFileError(f"cannot read the log-in policy {path}: {exc}") from None
    password = _section(data, "password", path)
    policy = LoginPolicy(
        account=_throttle(data, "account", path),
        address=_throttle(data, "address", path),
        min_password=_int(password, "password", "min_length", path),
        max_password=_int(password, "password", "max_length", path),
        hashing_concurrency=_int(password, "password", "hashing_concurrency", path),
        hashing_wait_seconds=float(_int(password, "password", "hashing_wait_seconds", path)),
        max_username=_int(_section(data, "username", path), "username", "max_length", path),
        hashing_nice=_nice(password, path),
    )
    if policy.min_password < 8 or policy.max_password < policy.min_password:
        raise PolicyFileError(f"{path}: [password] min_length must be 8 or more and no more "
                              "than max_length", field="password.min_length")
    return policy


def read_deny_list(path: Path = DENY_LIST_FILE) -> frozenset[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise PolicyFileError(f"cannot read the password deny-list {path}: {exc}") from None
    words = frozenset(w.strip().casefold() for w in lines if w.strip() and not w.startswith("#"))
    if len(words) < 100:
        raise PolicyFileError(f"{path}: the deny-list has only {len(words)} passwords")
    return words


@cache
def login_policy() -> LoginPolicy:
    return read_policy()


@cache
def deny_list() -> frozenset[str]:
    return read_deny_list()
