"""One's own account: the list of one's sessions (each can be ended), and the notices waiting
for one's next log-in (a password changed; a password shorter than today's rule)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import SessionEnded, SessionsListed
from drachma.errors import NotFoundError, PermissionDenied
from drachma.store import credentials as cred_store
from drachma.store import users as user_store
from drachma.store.db import Store

MAX_LISTED = 100
NOTICES = {
    "password_changed": "Your password was changed and every session and API token of yours "
                        "was ended. If it was not you, tell your supervisor now.",
    "weak_password": "Your password is shorter than the rule now asks, or too common. Please "
                     "change it.",
}


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    created_at: datetime
    last_seen_at: datetime | None
    expires_at: datetime
    address: str | None
    current: bool


def _user_id(actor: Actor) -> int:
    if actor.user.id is None:
        raise PermissionDenied("only a user who logs in has sessions", field="user")
    return actor.user.id


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()  # as sessions' tokens are kept


def user_id_of(store: Store, username: str) -> int:
    with store.begin() as conn:
        found = user_store.user_with_hash(conn, username.strip().lower())
    if found is None or found[0].id is None:
        raise NotFoundError(f"no user {username!r}", field="username")
    return found[0].id


def list_sessions(store: Store, actor: Actor | None, current_token: str | None = None, *,
                  username: str | None = None) -> list[SessionInfo]:
    """The open sessions of the actor (or, for the operator, of ``username``), newest first;
    audited (they show addresses)."""
    user_id = user_id_of(store, username or "") if actor is None else _user_id(actor)
    current = _hash(current_token) if current_token else None
    with store.begin() as conn:
        rows = cred_store.user_sessions(conn, user_id, MAX_LISTED)
        audit.record(conn, actor, SessionsListed(user_id=user_id, shown=len(rows)),
                     actor_name="command-line")
    return [SessionInfo(r.id, r.created_at, r.last_seen_at, r.expires_at, r.address,
                        r.token_hash == current) for r in rows]


def end_session(store: Store, actor: Actor | None, session_id: int, *,
                username: str | None = None) -> None:
    """End one of the actor's sessions (or, for the operator, one of ``username``'s)."""
    user_id = user_id_of(store, username or "") if actor is None else _user_id(actor)
    with store.begin() as conn:
        if not cred_store.delete_user_session(conn, user_id, session_id):
            raise NotFoundError(f"you have no session {session_id}", field="session_id")
        audit.record(conn, actor, SessionEnded(session_id=session_id, user_id=user_id),
                     actor_name="command-line")


def take_notices(store: Store, actor: Actor) -> list[str]:
    """The notices waiting for the actor, as sentences; they are then marked seen."""
    user_id = _user_id(actor)
    with store.begin() as conn:
        waiting = cred_store.unseen_notices(conn, user_id)
        if waiting:
            cred_store.mark_notices_seen(conn, user_id, datetime.now(UTC))
    return [NOTICES.get(kind, kind) for kind, _ in waiting]


def has_notices(store: Store, user_id: int) -> bool:
    with store.begin() as conn:
        return bool(cred_store.unseen_notices(conn, user_id))
