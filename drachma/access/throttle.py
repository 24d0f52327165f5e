"""Log-in throttling: wrong passwords counted per account and per client address; past the
policy's limit (``data/login.toml``) the account or address is locked for a while, even for the
right password. Every failure and every lock-out is audited; a supervisor or an administrator
can unlock early.

Accounts are counted by the name typed, whether or not such a user exists, so a lock says
nothing about which usernames are real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import LogInFailed, LoginLockedOut, LogInRefusedBusy, LoginUnlocked
from drachma.access.permissions import Permission
from drachma.access.policy import login_policy
from drachma.errors import AuthenticationError, NotFoundError, ValidationError
from drachma.model.user import AuditEvent
from drachma.store import throttle as throttle_store
from drachma.store.db import Connection, Store
from drachma.store.throttle import ACCOUNT, ADDRESS

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


class LoginLocked(AuthenticationError):
    kind = "locked"
    http_status = 429


LOCKED_MESSAGE = ("too many failed log-ins: log-in is locked for a while; try again later or "
                  "ask a supervisor to unlock it")


class TooManyAtOnce(AuthenticationError):
    """As many log-ins at this username, or from this address, already wait for a password check
    (``checks_at_once``): refused before any check, and not counted as a wrong password."""

    kind = "too_many_at_once"
    http_status = 429


AT_ONCE_MESSAGE = ("too many log-ins at once for this username or from this address; try again "
                   "in a moment")


def refusal(name: str, address: str | None, busy: str | None = None) -> AuditEvent:
    """The audit line of a log-in refused without a password check: locked out (``busy`` None),
    or over ``checks_at_once`` (``busy``: account or address). ``name`` as :func:`audit_name`
    made it."""
    if busy:
        return audit.entry(None, LogInRefusedBusy(username=name, busy=busy), actor_name=name,
                           address=address)
    return audit.entry(None, LogInFailed(username=name), actor_name=name, address=address)


def record_refusals(store: Store, entries: list[AuditEvent]) -> None:
    """Write the audit lines of refused log-ins, in the order given, in one transaction."""
    with store.begin() as conn:
        audit.record_entries(conn, entries)


def audit_name(username: str) -> str:
    """A typed username as the audit log may hold it: printable, and no longer than a real one
    can be (the rest is cut off before anything is written)."""
    cleaned = _UNPRINTABLE.sub("", username.strip().lower())
    return cleaned[: login_policy().max_username] or "anonymous"


def username_acceptable(username: str) -> bool:
    return (0 < len(username.strip()) <= login_policy().max_username
            and not _UNPRINTABLE.search(username))


def _keys(name: str, address: str | None) -> list[tuple[str, str]]:
    keys = [(ACCOUNT, name)]
    if address:
        keys.append((ADDRESS, address[:64]))
    return keys


def check_not_locked(conn: Connection, name: str, address: str | None,
                     now: datetime | None = None) -> str | None:
    """The kind of lock (account or address) that stops this log-in now, if any."""
    now = now or datetime.now(UTC)
    for kind, key in _keys(name, address):
        state = throttle_store.get(conn, kind, key)
        if state and state.locked_until and state.locked_until > now:
            return kind
    return None


def record_failure(conn: Connection, name: str, address: str | None,
                   now: datetime | None = None) -> list[str]:
    """Count a wrong log-in against the account and the address; returns the locks it set."""
    now = now or datetime.now(UTC)
    policy = login_policy()
    locked: list[str] = []
    for kind, key in _keys(name, address):
        rule = policy.account if kind == ACCOUNT else policy.address
        state = throttle_store.record_failure(conn, kind, key, now, rule.window)
        if state.failures >= rule.max_failures and not (
                state.locked_until and state.locked_until > now):
            throttle_store.lock(conn, kind, key, now + rule.lock)
            locked.append(kind)
            audit.record(conn, None, LoginLockedOut(
                lockout=kind, username=name, failures=state.failures,
                until=(now + rule.lock).isoformat(timespec="seconds")),
                actor_name=name, address=address)
    return locked


def clear_account(conn: Connection, name: str) -> None:
    throttle_store.clear(conn, ACCOUNT, name)


@dataclass(frozen=True, slots=True)
class Unlocked:
    account: bool
    address: bool


def unlock(store: Store, actor: Actor | None, username: str | None = None,
           address: str | None = None) -> Unlocked:
    """End a lock-out early (a supervisor, an administrator, or the machine's operator)."""
    if actor is not None:
        actor.require(Permission.UNLOCK_LOG_IN)
    if not (username or address):
        raise ValidationError("name a username or an address to unlock", field="username")
    if username and not username_acceptable(username):
        raise ValidationError("that is not a username", field="username")
    with store.begin() as conn:
        account = bool(username) and throttle_store.clear(conn, ACCOUNT, audit_name(username or ""))
        by_address = bool(address) and throttle_store.clear(conn, ADDRESS, (address or "")[:64])
        if not (account or by_address):
            raise NotFoundError("nothing is locked or counted for that username or address",
                                field="username" if username else "address")
        audit.record(conn, actor, LoginUnlocked(
            unlocked=",".join(k for k, done in (("account", account), ("address", by_address))
                              if done),
            username=audit_name(username) if username else "", address=(address or "")[:64]),
            actor_name="command-line")
    return Unlocked(account, by_address)
