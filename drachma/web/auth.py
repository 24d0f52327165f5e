"""Who is asking: session cookies, bearer tokens and CSRF checks for the pages and the API.

A log-in opens one session (:func:`drachma.access.users.log_in`). Its token travels either in the
``drachma_session`` cookie (browsers) or as ``Authorization: Bearer <token>`` (scripts). A cookie
is sent by the browser on its own, so every unsafe request that relies on it must also prove it
came from our own page: forms carry the session's CSRF token in a hidden field, API calls send it
in the ``X-CSRF-Token`` header. A bearer token is never sent by a browser on its own, so bearer
calls need no CSRF token.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import anyio
from fastapi import Request, Response

from drachma.access import throttle
from drachma.access.actor import Actor
from drachma.access.mfa import is_enrolled
from drachma.access.policy import login_policy
from drachma.access.users import API_TOKEN_PREFIX, LoginSession, log_in, session_actor
from drachma.config import Settings
from drachma.errors import AuthenticationError, PermissionDenied
from drachma.model.user import AuditEvent
from drachma.store.db import Store

SESSION_COOKIE = "drachma_session"
# Before log-in there is no session to hold a CSRF token, so the log-in form uses a
# double-submit cookie: the same random value in a cookie and in a hidden field.
LOGIN_CSRF_COOKIE = "drachma_login_csrf"
# A right password waiting for its second factor: the challenge's token, for /login/code only.
MFA_CHALLENGE_COOKIE = "drachma_login_challenge"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()
_State = TypeVar("_State")


@dataclass(frozen=True, slots=True)
class Session:
    """The logged-in actor of a request, and how they proved it."""

    actor: Actor
    token: str
    csrf_token: str
    by_bearer: bool


class LoginRequired(Exception):
    """A page needs a logged-in user; answered with a redirect to the log-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_address(request: Request) -> str | None:
    """The caller's address as the server saw it (run uvicorn with proxy headers behind a proxy)."""
    return request.client.host if request.client else None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def find_session(request: Request) -> Session | None:
    """The session named by a bearer token or the session cookie, if it is valid; cached."""
    cached: object = getattr(request.state, "drachma_session", _UNSET)
    if cached is None or isinstance(cached, Session):
        return cached
    found: Session | None = None
    bearer = bearer_token(request)
    token = bearer or request.cookies.get(SESSION_COOKIE, "")
    if not bearer and token.startswith(API_TOKEN_PREFIX):
        token = ""  # a personal API token is for the Authorization header only
    if token:
        result = session_actor(store_of(request), token, client_address(request),
                               idle_minutes=settings_of(request).idle_minutes)
        if result is not None:
            actor, csrf = result
            found = Session(actor, token, csrf, by_bearer=bearer is not None)
    request.state.drachma_session = found
    return found


def tokens_match(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return secrets.compare_digest(given.encode(), expected.encode())


def check_csrf(session: Session, given: str | None) -> None:
    if session.by_bearer:
        return
    if not tokens_match(given, session.csrf_token):
        raise PermissionDenied(
            "the form or request is missing its CSRF token or it does not match your session; "
            "reload the page and try again",
            field=CSRF_FIELD,
        )


def api_session(request: Request) -> Session:
    """The session of an API call: 401 without one; cookie calls that change things need CSRF."""
    session = find_session(request)
    if session is None:
        raise AuthenticationError(
            "log in first: POST /api/login, then send the session cookie or "
            "'Authorization: Bearer <token>'",
            field="authorization",
        )
    if request.method not in SAFE_METHODS:
        check_csrf(session, request.headers.get(CSRF_HEADER))
    require_second_factor(request, session)
    return session


def page_session(request: Request) -> Session:
    """The session of a page request; without one, a redirect to the log-in page."""
    session = find_session(request)
    if session is None or session.by_bearer:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    require_second_factor(request, session)
    return session


class SecondFactorSetupRequired(PermissionDenied):
    """The user's role must use a second factor and they have not set one up: pages send them to
    set it up, the API answers 403."""

    kind = "second_factor_setup_required"


# Where a user who must set up a second factor may still go (to set it up, or to leave): these
# paths and the paths under the first two.
SETUP_PATHS = ("/account/two-factor", "/api/me/second-factor", "/logout", "/api/logout",
               "/api/me")


def require_second_factor(request: Request, session: Session) -> None:
    """Refuse a user whose role must use a second factor (``DRACHMA_MFA_ROLES``) until they have
    one; the check costs a query only for those roles, once per request."""
    roles = settings_of(request).mfa_required_roles
    if session.actor.role.value not in roles or session.actor.user.id is None:
        return
    path = request.url.path
    if path in SETUP_PATHS or any(path.startswith(p + "/") for p in SETUP_PATHS[:2]):
        return
    enrolled: object = getattr(request.state, "drachma_mfa_enrolled", None)
    if enrolled is None:
        enrolled = is_enrolled(store_of(request), session.actor.user.id)
        request.state.drachma_mfa_enrolled = enrolled
    if not enrolled:
        raise SecondFactorSetupRequired(
            f"the {session.actor.role.label} role must use a second factor: set one up first "
            "at /account/two-factor", field="code")


def is_secure(request: Request) -> bool:
    return request.url.scheme == "https" or settings_of(request).secure_cookies


def set_session_cookie(
    request: Request, response: Response, token: str, expires_at: datetime
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        expires=expires_at,
        path="/",
        secure=is_secure(request),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=is_secure(request), httponly=True, samesite="lax"
    )


def login_csrf(request: Request) -> str:
    """The log-in form's double-submit token: the cookie's value, or a new one."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_login_csrf_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        value,
        max_age=3600,
        path="/login",
        secure=is_secure(request),
        httponly=True,
        samesite="lax",
    )


def safe_next(value: str | None, default: str = "/") -> str:
    """Only redirect to a path on this site (``/reports``), never to another site."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(ch) < 32 for ch in value):
        return default
    return value


def _app_state(request: Request, name: str, make: Callable[[], _State]) -> _State:
    """The app's one ``name`` (made by ``make`` at first use)."""
    found: _State | None = getattr(request.app.state, name, None)
    if found is None:
        found = make()
        setattr(request.app.state, name, found)
    return found


def _login_limiter(request: Request) -> anyio.CapacityLimiter:
    return _app_state(request, "login_limiter",
                      lambda: anyio.CapacityLimiter(login_policy().hashing_concurrency))


#: Threads for the log-in's lock-out check and for refusing a log-in already locked out: apart
#: from the pool every other page and API answer is made in, so that a burst of log-ins at a
#: locked account (each a short database write) cannot take that pool's threads from everyone
#: else (bench/load.py: a burst of 100 in the default pool gave logged-in p99 750 ms, against
#: 100 ms without the burst).
REFUSAL_THREADS = 2


def _refusal_limiter(request: Request) -> anyio.CapacityLimiter:
    return _app_state(request, "refusal_limiter", lambda: anyio.CapacityLimiter(REFUSAL_THREADS))


def _locked(store: Store, username: str, address: str | None) -> bool:
    with store.begin() as conn:
        return bool(throttle.check_not_locked(conn, throttle.audit_name(username),
                                              address[:64] if address else None))


class LogInGate:
    """Log-ins waiting for (or in) a password check in this process, per username typed and per
    client address: past ``checks_at_once`` (login.toml) a log-in is refused at once, before any
    database read or password check. A burst of wrong log-ins then costs that many checks while
    it lasts (bench/login_burst.py), and cannot fill the one queue every log-in waits in. Used
    only in the event loop's thread (no lock needed). Counted by the name typed, whether or not
    such a user exists."""

    def __init__(self) -> None:
        self.waiting: dict[tuple[str, str], int] = {}

    def enter(self, name: str, address: str | None) -> str | None:
        """Count a log-in in; or the kind (account, address) that is full, counting nothing."""
        policy = login_policy()
        keys = [("account", name, policy.account.checks_at_once)]
        if address:
            keys.append(("address", address, policy.address.checks_at_once))
        for kind, key, most in keys:
            if self.waiting.get((kind, key), 0) >= most:
                return kind
        for kind, key, _ in keys:
            self.waiting[kind, key] = self.waiting.get((kind, key), 0) + 1
        return None

    def leave(self, name: str, address: str | None) -> None:
        for pair in [("account", name), *([("address", address)] if address else [])]:
            left = self.waiting.get(pair, 0) - 1
            if left > 0:
                self.waiting[pair] = left
            else:
                self.waiting.pop(pair, None)


class RefusalAudit:
    """The audit lines of log-ins refused without a password check, written in batches: each
    refusal is answered only once its own line is committed (none is lost or answered
    unrecorded; a failed write fails every refusal of its batch), but a burst of them shares a
    few transactions instead of one each. Lines keep the order and time they were made in. One
    waiting refusal writes batches (in the refusal threads) until none is left, shielded from
    its own caller going away so that no other refusal is left waiting."""

    def __init__(self) -> None:
        self.waiting: list[tuple[AuditEvent, anyio.Event, list[BaseException]]] = []
        self.writing = False

    async def record(self, store: Store, line: AuditEvent, limiter: anyio.CapacityLimiter
                     ) -> None:
        done, failed = anyio.Event(), list[BaseException]()
        self.waiting.append((line, done, failed))
        if self.writing:
            await done.wait()
        else:
            self.writing = True
            try:
                with anyio.CancelScope(shield=True):
                    while self.waiting:
                        batch, self.waiting = self.waiting, []
                        try:
                            await anyio.to_thread.run_sync(
                                throttle.record_refusals, store, [b[0] for b in batch],
                                limiter=limiter)
                        except Exception as exc:  # every refusal of the batch fails with it
                            for _, each_done, each_failed in batch:
                                each_failed.append(exc)
                                each_done.set()
                        else:
                            for _, each_done, _ in batch:
                                each_done.set()
            finally:
                self.writing = False
        if failed:
            raise failed[0]


async def log_in_apart(request: Request, username: str, password: str,
                       **options: Any) -> LoginSession:
    """:func:`drachma.access.users.log_in` in threads of its own: a burst of log-ins (each a slow
    password check) waits for these few threads instead of filling the pool every other page
    and API answer is made in, so it cannot slow logged-in users down (bench/load.py).

    Refused without a password check, and audited in batches (:class:`RefusalAudit`): a log-in
    over ``checks_at_once`` for its username or address (:class:`LogInGate`; no database read
    either), and one already locked out (account or address; one read in the refusal threads).
    """
    store, address = store_of(request), client_address(request)
    name, key_address = throttle.audit_name(username), address[:64] if address else None
    gate = _app_state(request, "login_gate", LogInGate)
    refusals = _refusal_limiter(request)
    audit_log = _app_state(request, "refusal_audit", RefusalAudit)
    busy = gate.enter(name, key_address)
    if busy:
        await audit_log.record(store, throttle.refusal(name, key_address, busy), refusals)
        raise throttle.TooManyAtOnce(throttle.AT_ONCE_MESSAGE, field="username")
    try:
        if await anyio.to_thread.run_sync(_locked, store, username, address, limiter=refusals):
            await audit_log.record(store, throttle.refusal(name, key_address), refusals)
            raise throttle.LoginLocked(throttle.LOCKED_MESSAGE, field="username")
        return await anyio.to_thread.run_sync(
            partial(log_in, store, username, password, address,
                    hours=settings_of(request).session_hours, **options),
            limiter=_login_limiter(request))
    finally:
        gate.leave(name, key_address)
