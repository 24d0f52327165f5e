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
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import anyio
from fastapi import Request, Response

from drachma.access import throttle
from drachma.access.actor import Actor
from drachma.access.mfa import is_enrolled
from drachma.access.policy import login_policy
from drachma.access.users import API_TOKEN_PREFIX, LoginSession, log_in, session_actor
from drachma.config import Settings
from drachma.errors import AuthenticationError, PermissionDenied
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


def _login_limiter(request: Request) -> anyio.CapacityLimiter:
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "login_limiter", None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(login_policy().hashing_concurrency)
        request.app.state.login_limiter = limiter
    return limiter


#: Threads for the log-in's lock-out check and for refusing a log-in already locked out: apart
#: from the pool every other page and API answer is made in, so that a burst of log-ins at a
#: locked account (each a short database write) cannot take that pool's threads from everyone
#: else (bench/load.py: a burst of 100 in the default pool gave logged-in p99 750 ms, against
#: 100 ms without the burst).
REFUSAL_THREADS = 2


def _refusal_limiter(request: Request) -> anyio.CapacityLimiter:
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "refusal_limiter", None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(REFUSAL_THREADS)
        request.app.state.refusal_limiter = limiter
    return limiter


def _locked(store: Store, username: str, address: str | None) -> bool:
    with store.begin() as conn:
        return bool(throttle.check_not_locked(conn, throttle.audit_name(username),
                                              address[:64] if address else None))


async def log_in_apart(request: Request, username: str, password: str,
                       **options: Any) -> LoginSession:
    """:func:`drachma.access.users.log_in` in threads of its own: a burst of log-ins (each a slow
    password check) waits for these few threads instead of filling the pool every other page
    and API answer is made in, so it cannot slow logged-in users down (bench/load.py). A log-in
    already locked out (account or address) needs no password check: it skips that queue, and
    ``log_in`` refuses and audits it at once."""
    store, address = store_of(request), client_address(request)
    attempt = partial(log_in, store, username, password, address,
                      hours=settings_of(request).session_hours, **options)
    refusals = _refusal_limiter(request)
    if await anyio.to_thread.run_sync(_locked, store, username, address, limiter=refusals):
        return await anyio.to_thread.run_sync(attempt, limiter=refusals)
    return await anyio.to_thread.run_sync(attempt, limiter=_login_limiter(request))
