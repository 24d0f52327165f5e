"""Personal API tokens for scripts: each named, expiring (at most a year), revocable on its own,
listed for its owner with when it was made, last used and when it expires. The secret is shown
once, when made; only its SHA-256 is kept. A password change or a disabled account revokes every
token of the user (:mod:`drachma.access.users`); a token can never reach the pages, only the API.

(Logging in through ``POST /api/login`` also returns a bearer token: that is the session's own,
and ends with the session.)
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from drachma.access import audit
from drachma.access.account import user_id_of
from drachma.access.actor import Actor
from drachma.access.events import ApiTokenCreated, ApiTokenRevoked, ApiTokensListed
from drachma.access.users import API_TOKEN_PREFIX
from drachma.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from drachma.store import credentials as cred_store
from drachma.store.credentials import TokenRow
from drachma.store.db import Store

MAX_NAME = 100
MAX_DAYS = 365
DEFAULT_DAYS = 30
MAX_LIVE = 20  # tokens not revoked nor expired, per user
MAX_LISTED = 200
_PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]+$")


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= datetime.now(UTC) else "active"

    @classmethod
    def of(cls, row: TokenRow) -> ApiToken:
        return cls(row.id, row.name, row.created_at, row.expires_at, row.last_used_at,
                   row.revoked_at)


@dataclass(frozen=True, slots=True)
class NewApiToken:
    token: ApiToken
    secret: str  # shown once


def _owner(store: Store, actor: Actor | None, username: str | None) -> int:
    if actor is None:
        return user_id_of(store, username or "")
    if actor.user.id is None:
        raise PermissionDenied("only a user who logs in has API tokens", field="user")
    return actor.user.id


def check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME or not _PRINTABLE.match(cleaned):
        raise ValidationError(f"name the token: 1 to {MAX_NAME} printable characters, e.g. "
                              "'nightly export'", field="name")
    return cleaned


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(f"a token lasts 1 to {MAX_DAYS} days", field="days")
    return days


def create_token(store: Store, actor: Actor | None, name: str, days: int = DEFAULT_DAYS, *,
                 username: str | None = None) -> NewApiToken:
    """A new token for the actor (or, for the operator, for ``username``); audited."""
    cleaned, days = check_name(name), check_days(days)
    user_id = _owner(store, actor, username)
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.begin() as conn:
        if cred_store.live_token_count(conn, user_id, now) >= MAX_LIVE:
            raise ConflictError(f"you have {MAX_LIVE} live tokens already; revoke one first",
                                field="name")
        row = cred_store.insert_token(
            conn, user_id=user_id, name=cleaned,
            token_hash=hashlib.sha256(secret.encode()).hexdigest(),
            created_at=now, expires_at=now + timedelta(days=days))
        audit.record(conn, actor, ApiTokenCreated(
            token_id=row.id, user_id=user_id, name=cleaned,
            expires=row.expires_at.isoformat(timespec="seconds")), actor_name="command-line")
    return NewApiToken(ApiToken.of(row), secret)


def list_tokens(store: Store, actor: Actor | None, *, username: str | None = None
                ) -> list[ApiToken]:
    """The actor's tokens (live, expired and revoked), newest first; audited."""
    user_id = _owner(store, actor, username)
    with store.begin() as conn:
        rows = cred_store.user_tokens(conn, user_id, MAX_LISTED)
        audit.record(conn, actor, ApiTokensListed(user_id=user_id, shown=len(rows)),
                     actor_name="command-line")
    return [ApiToken.of(r) for r in rows]


def revoke_token(store: Store, actor: Actor | None, token_id: int, *,
                 username: str | None = None) -> None:
    """Revoke one of the actor's tokens: it stops working at once."""
    user_id = _owner(store, actor, username)
    with store.begin() as conn:
        if not cred_store.revoke_token(conn, user_id, token_id, datetime.now(UTC)):
            raise NotFoundError(f"you have no live token {token_id}", field="token_id")
        audit.record(conn, actor, ApiTokenRevoked(token_id=token_id, user_id=user_id,
                                                  why="revoked by its owner" if actor else
                                                  "revoked by the operator"),
                     actor_name="command-line")
