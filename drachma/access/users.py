"""Managing users and logging in. Plain functions shared by the CLI, the web app and the tests."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from drachma.access import audit, throttle
from drachma.access.actor import Actor
from drachma.access.events import (
    LoggedIn,
    LoggedOut,
    LogInFailed,
    PasswordChanged,
    UserAdded,
    UserChanged,
)
from drachma.access.passwords import DUMMY_HASH, check_strength, hash_password, verify_password
from drachma.access.permissions import Permission
from drachma.errors import (
    AuthenticationError,
    ConflictError,
    ConstraintError,
    NotFoundError,
    ValidationError,
)
from drachma.model.roles import Role
from drachma.model.user import User
from drachma.store import users as user_store
from drachma.store.db import Store

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise ValidationError(
            f"username {username!r} must be 2-64 characters: lower-case letters, digits, . _ -, "
            "starting with a letter",
            field="username",
        )
    return name


def add_user(
    store: Store,
    actor: Actor | None,
    username: str,
    display_name: str,
    role: Role,
    password: str,
) -> User:
    """Create a user. ``actor`` None means the machine's operator at the command line."""
    if actor is not None:
        actor.require(Permission.MANAGE_USERS)
    name = _check_username(username)
    if not display_name.strip():
        raise ValidationError("display name is empty", field="display_name")
    check_strength(password)
    user = User(username=name, display_name=display_name.strip(), role=role)
    with store.begin() as conn:
        try:
            user_store.insert_user(conn, user, hash_password(password))
        except ConstraintError:
            raise ConflictError(f"user {name!r} already exists", field="username") from None
        audit.record(conn, actor, UserAdded(user_id=user.id, role=role),
                     actor_name="command-line")
    return user


def list_users(store: Store, actor: Actor | None) -> list[User]:
    if actor is not None:
        actor.require(Permission.MANAGE_USERS)
    with store.begin() as conn:
        return user_store.list_users(conn)


def _change(store: Store, actor: Actor | None, username: str, detail: dict[str, str]) -> None:
    if actor is not None:
        actor.require(Permission.MANAGE_USERS)
    name = username.strip().lower()
    with store.begin() as conn:
        found = user_store.user_with_hash(conn, name)
        if found is None:
            raise NotFoundError(f"no user {username!r}", field="username")
        user = found[0]
        if "role" in detail:
            user_store.set_role(conn, name, Role(detail["role"]))
        if "active" in detail:
            user_store.set_active(conn, name, detail["active"] == "true")
            if detail["active"] != "true":
                assert user.id is not None
                user_store.delete_user_sessions(conn, user.id)
        audit.record(conn, actor, UserChanged(
            user_id=user.id, role=Role(detail["role"]) if "role" in detail else None,
            active=detail["active"] == "true" if "active" in detail else None,
        ), actor_name="command-line")


def set_role(store: Store, actor: Actor | None, username: str, role: Role) -> None:
    _change(store, actor, username, {"role": role.value})


def disable_user(store: Store, actor: Actor | None, username: str) -> None:
    """Disable a user: they can no longer log in and their sessions end now."""
    _change(store, actor, username, {"active": "false"})


def enable_user(store: Store, actor: Actor | None, username: str) -> None:
    _change(store, actor, username, {"active": "true"})


@dataclass(frozen=True, slots=True)
class LoginSession:
    token: str  # goes in the cookie; only its hash is stored
    csrf_token: str
    user: User
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_in(
    store: Store, username: str, password: str, address: str | None, *, hours: int = 10
) -> LoginSession:
    """Check the password and open a session; a failure is audited and says nothing specific.

    Wrong passwords are counted per account and per address; past the policy's limit log-in is
    locked for a while, even with the right password (:mod:`drachma.access.throttle`). A username
    longer than any real one is cut to size before it is written to the audit log.
    """
    name = throttle.audit_name(username)
    address = address[:64] if address else None
    with store.begin() as conn:
        locked = throttle.check_not_locked(conn, name, address)
        if locked:
            audit.record(conn, None, LogInFailed(username=name),
                         actor_name=name, address=address)
        found = None
        if not locked and throttle.username_acceptable(username):
            found = user_store.user_with_hash(conn, name)
    if locked:
        raise throttle.LoginLocked(throttle.LOCKED_MESSAGE, field="username")
    # The password check runs outside any transaction: it is slow, and bounded by a semaphore.
    if found is None:
        verify_password(DUMMY_HASH, password)
        ok = False
    else:
        ok = verify_password(found[1], password) and found[0].active
    with store.begin() as conn:
        if not ok or found is None:
            audit.record(conn, None, LogInFailed(username=name),
                         actor_name=name or "anonymous", address=address)
            throttle.record_failure(conn, name, address)
            failed = True
        else:
            failed = False
            user = found[0]
            throttle.clear_account(conn, name)
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            expires = datetime.now(UTC) + timedelta(hours=hours)
            assert user.id is not None
            user_store.insert_session(
                conn, token_hash=_token_hash(token), user_id=user.id, csrf_token=csrf,
                expires_at=expires, address=address,
            )
            audit.record(conn, Actor(user, address), LoggedIn(user_id=user.id))
    if failed:
        raise AuthenticationError("wrong username or password, or the account is disabled",
                                  field="password")
    return LoginSession(token, csrf, user, expires)


def session_actor(store: Store, token: str, address: str | None, *,
                  idle_minutes: int = 30) -> tuple[Actor, str] | None:
    """The actor and CSRF token for a session, or None if it is unknown, past its absolute
    expiry, or unused for longer than ``idle_minutes`` (then it is ended on the server)."""
    if not token or len(token) > 200:
        return None
    now = datetime.now(UTC)
    digest = _token_hash(token)
    with store.begin() as conn:
        found = user_store.session_user(conn, digest)
        if found is None:
            return None
        user, csrf, expires = found
        seen = user_store.session_last_seen(conn, digest)
        last = (seen[1] or seen[0]) if seen else now
        if expires < now or not user.active or last + timedelta(minutes=idle_minutes) < now:
            user_store.delete_session(conn, digest)
            return None
        if now - last > SESSION_TOUCH:
            user_store.touch_session(conn, digest, now)
    return Actor(user, address), csrf


# A session's last use is written at most once a minute, not on every request.
SESSION_TOUCH = timedelta(minutes=1)


def log_out(store: Store, token: str, actor: Actor) -> None:
    """Log out: every session of the user ends on the server (cookies and bearer tokens)."""
    with store.begin() as conn:
        user_store.delete_session(conn, _token_hash(token))
        if actor.user.id is not None:
            user_store.delete_user_sessions(conn, actor.user.id)
        audit.record(conn, actor, LoggedOut(user_id=actor.user.id))


def change_password(store: Store, actor: Actor, current_password: str, new_password: str
                    ) -> None:
    """Change one's own password: the current one must be right; every session ends."""
    check_strength(new_password)
    name = actor.user.username
    with store.begin() as conn:
        found = user_store.user_with_hash(conn, name)
    if found is None:
        raise NotFoundError(f"no user {name!r}", field="username")
    if not verify_password(found[1], current_password):
        with store.begin() as conn:
            audit.record(conn, actor, LogInFailed(username=name))
            throttle.record_failure(conn, name, actor.address)
        raise AuthenticationError("the current password is wrong", field="current_password")
    if verify_password(found[1], new_password):
        raise ValidationError("the new password is the same as the current one",
                              field="new_password")
    _store_password(store, actor, name, new_password, "the user")


def set_password(store: Store, actor: Actor | None, username: str, new_password: str) -> None:
    """Set another user's password (an administrator, or the machine's operator); every session
    of that user ends."""
    if actor is not None:
        actor.require(Permission.MANAGE_USERS)
    check_strength(new_password)
    _store_password(store, actor, username.strip().lower(), new_password,
                    "an administrator")


def _store_password(store: Store, actor: Actor | None, name: str, password: str,
                    by: str) -> None:
    password_hash = hash_password(password)
    with store.begin() as conn:
        found = user_store.user_with_hash(conn, name)
        if found is None:
            raise NotFoundError(f"no user {name!r}", field="username")
        user = found[0]
        assert user.id is not None
        user_store.set_password_hash(conn, name, password_hash)
        user_store.delete_user_sessions(conn, user.id)
        audit.record(conn, actor, PasswordChanged(user_id=user.id, by=by),
                     actor_name="command-line")
