"""Users and their log-in sessions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from drachma.model.roles import Role
from drachma.model.user import User
from drachma.store.db import constraint_error
from drachma.store.tables import sessions, users


def _user(row: Any) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        active=bool(row.active),
    )


def insert_user(conn: Connection, user: User, password_hash: str) -> int:
    try:
        result = conn.execute(
            insert(users)
            .values(
                username=user.username,
                display_name=user.display_name,
                role=user.role.value,
                password_hash=password_hash,
                active=user.active,
                created_at=datetime.now(UTC),
            )
            .returning(users.c.id)
        )
    except IntegrityError as exc:  # the username is taken
        raise constraint_error(exc) from exc
    user.id = int(result.scalar_one())
    return user.id


def get_user(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row else None


def user_with_hash(conn: Connection, username: str) -> tuple[User, str] | None:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    return (_user(row), row.password_hash) if row else None


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.username))]


def set_role(conn: Connection, username: str, role: Role) -> bool:
    result = conn.execute(update(users).where(users.c.username == username).values(role=role.value))
    return result.rowcount > 0


def set_active(conn: Connection, username: str, active: bool) -> bool:
    result = conn.execute(update(users).where(users.c.username == username).values(active=active))
    return result.rowcount > 0


def set_password_hash(conn: Connection, username: str, password_hash: str) -> bool:
    result = conn.execute(
        update(users).where(users.c.username == username).values(password_hash=password_hash)
    )
    return result.rowcount > 0


def insert_session(
    conn: Connection,
    *,
    token_hash: str,
    user_id: int,
    csrf_token: str,
    expires_at: datetime,
    address: str | None,
) -> None:
    conn.execute(
        insert(sessions).values(
            token_hash=token_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=datetime.now(UTC),
            expires_at=expires_at,
            address=address,
        )
    )


# Built once: every logged-in request runs these two (building a statement costs more than
# SQLite's answer to it; bench/load.py).
_SESSION_USER = (select(users, sessions.c.csrf_token, sessions.c.expires_at)
                 .join(sessions, sessions.c.user_id == users.c.id)
                 .where(sessions.c.token_hash == bindparam("token_hash")))
_SESSION_SEEN = (select(sessions.c.created_at, sessions.c.last_seen_at)
                 .where(sessions.c.token_hash == bindparam("token_hash")))


def session_user(conn: Connection, token_hash: str) -> tuple[User, str, datetime] | None:
    """The active user of a session with its CSRF token and expiry, if the session exists."""
    row = conn.execute(_SESSION_USER, {"token_hash": token_hash}).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    return _user(row), row.csrf_token, expires


def delete_session(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))


def delete_user_sessions(conn: Connection, user_id: int) -> None:
    conn.execute(delete(sessions).where(sessions.c.user_id == user_id))


# --- security: idle time-out ------------------------------------------------------------------

def session_last_seen(conn: Connection, token_hash: str) -> tuple[datetime, datetime | None] | None:
    """When a session was opened and last used (None before its first use)."""
    row = conn.execute(_SESSION_SEEN, {"token_hash": token_hash}).first()
    if row is None:
        return None

    def aware(value: datetime | None) -> datetime | None:
        return None if value is None else (value if value.tzinfo else value.replace(tzinfo=UTC))

    created = aware(row.created_at)
    assert created is not None
    return created, aware(row.last_seen_at)


def touch_session(conn: Connection, token_hash: str, at: datetime) -> None:
    conn.execute(update(sessions).where(sessions.c.token_hash == token_hash)
                 .values(last_seen_at=at))
