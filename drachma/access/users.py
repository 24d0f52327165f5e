"""Managing users and logging in. Plain functions shared by the CLI, the web app and the tests."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from drachma.access import audit, mfa, throttle
from drachma.access.actor import Actor
from drachma.access.events import (
    ApiTokenRevoked,
    LoggedIn,
    LoggedOut,
    LogInFailed,
    PasswordChanged,
    UserAdded,
    UserChanged,
)
from drachma.access.notify import notify_password_changed
from drachma.access.passwords import (
    DUMMY_HASH,
    check_strength,
    hash_password,
    meets_policy,
    verify_password,
)
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
from drachma.store import credentials as cred_store
from drachma.store import users as user_store
from drachma.store.db import Connection, Store

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
    check_strength(password, [name, display_name])
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
                for token_id in cred_store.revoke_user_tokens(conn, user.id, datetime.now(UTC)):
                    audit.record(conn, actor, ApiTokenRevoked(
                        token_id=token_id, user_id=user.id, why="user disabled"),
                        actor_name="command-line")
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


class SecondFactorNeeded(AuthenticationError):
    """The password was right; the second factor's code is needed too. ``challenge`` (pages
    only) names the half-done log-in, for :func:`complete_log_in`."""

    kind = "second_factor_required"

    def __init__(self, message: str, *, challenge: str | None = None) -> None:
        super().__init__(message, field="code")
        self.challenge = challenge


class LogInExpired(AuthenticationError):
    """The half-done log-in (right password, code awaited) is unknown, too old, or had too many
    wrong codes: log in again from the start."""

    kind = "log_in_expired"


CHALLENGE_MINUTES = 5
CHALLENGE_ATTEMPTS = 5
WRONG_CODE = "the code is not right, or was used before: type the 6 digits the app shows now"


def log_in(
    store: Store, username: str, password: str, address: str | None, *, hours: int = 10,
    code: str | None = None, challenge: bool = False, master_key: Path | None = None,
) -> LoginSession:
    """Check the password and open a session; a failure is audited and says nothing specific.

    Wrong passwords are counted per account and per address; past the policy's limit log-in is
    locked for a while, even with the right password (:mod:`drachma.access.throttle`). A username
    longer than any real one is cut to size before it is written to the audit log.

    A user with a second factor must also give its ``code``; without one the log-in stops with
    :class:`SecondFactorNeeded` (carrying a challenge for :func:`complete_log_in` when
    ``challenge`` is asked for: the log-in page's second step). ``master_key``: the evidence
    master key file the second factor's secrets are sealed under (default: from the settings).
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
    if not ok or found is None:
        with store.begin() as conn:
            audit.record(conn, None, LogInFailed(username=name),
                         actor_name=name or "anonymous", address=address)
            throttle.record_failure(conn, name, address)
        raise AuthenticationError("wrong username or password, or the account is disabled",
                                  field="password")
    user = found[0]
    assert user.id is not None
    actor = Actor(user, address)
    weak = not meets_policy(password, [user.username, user.display_name])
    with store.begin() as conn:
        if weak:
            cred_store.add_notice(conn, user.id, "weak_password", datetime.now(UTC))
        if mfa.needs_code(conn, user.id):
            if code is None:
                token = _new_challenge(conn, user.id, address) if challenge else None
                second_factor: str | None = "needed"
            elif mfa.verify_at_log_in(conn, actor, mfa.secret_box(master_key), code):
                second_factor = None
            else:
                second_factor = "wrong"
        else:
            second_factor = None
        if second_factor is None:
            return _open_session(conn, actor, name, hours)
    if second_factor == "needed":
        raise SecondFactorNeeded("type the code from your authenticator app", challenge=token)
    mfa.record_wrong_code(store, actor, "log-in")
    raise AuthenticationError(WRONG_CODE, field="code")


def _new_challenge(conn: Connection, user_id: int, address: str | None) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    cred_store.insert_challenge(conn, token_hash=_token_hash(token), user_id=user_id,
                                created_at=now,
                                expires_at=now + timedelta(minutes=CHALLENGE_MINUTES),
                                address=address)
    return token


def _open_session(conn: Connection, actor: Actor, name: str, hours: int) -> LoginSession:
    user = actor.user
    assert user.id is not None
    throttle.clear_account(conn, name)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + timedelta(hours=hours)
    user_store.insert_session(
        conn, token_hash=_token_hash(token), user_id=user.id, csrf_token=csrf,
        expires_at=expires, address=actor.address,
    )
    audit.record(conn, actor, LoggedIn(user_id=user.id))
    return LoginSession(token, csrf, user, expires)


def complete_log_in(store: Store, challenge: str, code: str, address: str | None, *,
                    hours: int = 10, master_key: Path | None = None) -> LoginSession:
    """The second step of a log-in with a second factor: the code for a right password."""
    expired = LogInExpired("the log-in has expired; log in again", field="code")
    if not challenge or len(challenge) > 200:
        raise expired
    address = address[:64] if address else None
    with store.begin() as conn:
        found = cred_store.get_challenge(conn, _token_hash(challenge))
        if found is None:
            raise expired
        user = user_store.get_user(conn, found.user_id)
        if (found.expires_at < datetime.now(UTC) or found.attempts >= CHALLENGE_ATTEMPTS
                or user is None or not user.active):
            cred_store.delete_challenge(conn, found.id)
            failed = "expired"
        else:
            actor = Actor(user, address)
            if throttle.check_not_locked(conn, user.username, address):
                cred_store.delete_challenge(conn, found.id)
                failed = "locked"
            elif mfa.verify_at_log_in(conn, actor, mfa.secret_box(master_key), code):
                cred_store.delete_challenge(conn, found.id)
                return _open_session(conn, actor, user.username, hours)
            else:
                cred_store.count_attempt(conn, found.id)
                failed = "wrong"
    if failed == "expired":
        raise expired
    if failed == "locked":
        raise throttle.LoginLocked(throttle.LOCKED_MESSAGE, field="code")
    mfa.record_wrong_code(store, actor, "log-in")
    raise AuthenticationError(WRONG_CODE, field="code")


def session_actor(store: Store, token: str, address: str | None, *,
                  idle_minutes: int = 30) -> tuple[Actor, str] | None:
    """The actor and CSRF token for a session, or None if it is unknown, past its absolute
    expiry, or unused for longer than ``idle_minutes`` (then it is ended on the server)."""
    if not token or len(token) > 200:
        return None
    now = datetime.now(UTC)
    digest = _token_hash(token)
    if token.startswith(API_TOKEN_PREFIX):
        return _api_token_actor(store, digest, address, now)
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
# Personal API tokens (drachma.access.tokens) start with this, so they are told apart at once.
API_TOKEN_PREFIX = "drachma_pat_"


def _api_token_actor(store: Store, digest: str, address: str | None, now: datetime
                     ) -> tuple[Actor, str] | None:
    with store.begin() as conn:
        found = cred_store.token_owner(conn, digest)
        if found is None:
            return None
        user, token = found
        if token.revoked_at is not None or token.expires_at < now or not user.active:
            return None
        if token.last_used_at is None or now - token.last_used_at > SESSION_TOUCH:
            cred_store.touch_token(conn, token.id, now)
    return Actor(user, address), ""  # bearer only: no CSRF token


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
    check_strength(new_password, [actor.user.username, actor.user.display_name])
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
    check_strength(new_password, [username])
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
        now = datetime.now(UTC)
        for token_id in cred_store.revoke_user_tokens(conn, user.id, now):
            audit.record(conn, actor, ApiTokenRevoked(token_id=token_id, user_id=user.id,
                                                      why="password changed"),
                         actor_name="command-line")
        cred_store.add_notice(conn, user.id, "password_changed", now)
    notify_password_changed(store, actor, user)
