"""One's own account: an overview with the notices waiting since the last log-in, changing one's
password, one's sessions (each can be ended), personal API tokens (made, listed, revoked), and a
second factor (TOTP: set up with a QR code drawn on the server, recovery codes, turned off);
pages and API. Also the log-in's second step (the code), and ending a log-in lock-out early
(API, for supervisors and administrators).

A password change ends every session and API token of the user, this one included, so the page
sends them to log in again. Every change here is CSRF-checked, rate-limited per user
(``[account]`` in ``data/rate_limits.toml``) and audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from drachma.access import account as account_service
from drachma.access import mfa
from drachma.access import tokens as token_service
from drachma.access.passwords import MIN_LENGTH
from drachma.access.throttle import unlock
from drachma.access.users import LogInExpired, change_password, complete_log_in
from drachma.errors import DrachmaError, ValidationError
from drachma.web.auth import (
    LOGIN_CSRF_COOKIE,
    MFA_CHALLENGE_COOKIE,
    Session,
    api_session,
    check_csrf,
    clear_session_cookie,
    client_address,
    login_csrf,
    page_session,
    safe_next,
    set_login_csrf_cookie,
    set_session_cookie,
    settings_of,
    store_of,
    tokens_match,
)
from drachma.web.ratelimit import RateLimiter
from drachma.web.render import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["session"])
LoggedIn = Annotated[Session, Depends(page_session)]
ApiSession = Annotated[Session, Depends(api_session)]
Text = Annotated[str, Form(max_length=2048)]
Code = Annotated[str, Form(max_length=64)]
MAX_ID = 2**62


def _master_key(request: Request) -> Path:
    return settings_of(request).evidence_settings().master_key


def _box(request: Request) -> mfa.SecretBox:
    return mfa.secret_box(_master_key(request))


def _count_change(request: Request, session: Session) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    limiter.hit_account(session.actor.name)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- the overview ------------------------------------------------------------------------------

@router.get("/account")
def account_page(request: Request, session: LoggedIn, next: str | None = None) -> Response:
    store = store_of(request)
    return render(request, "account/account.html", {
        "notices": account_service.take_notices(store, session.actor),
        "second_factor": mfa.status(store, session.actor),
        "required": session.actor.role.value in settings_of(request).mfa_required_roles,
        "next": safe_next(next, "") if next else "",
    })


# --- the password ------------------------------------------------------------------------------

def _form(request: Request, errors: dict[str, str], status_code: int = 200) -> Response:
    return render(request, "password.html", {"errors": errors, "min_length": MIN_LENGTH},
                  status_code)


@router.get("/account/password")
def password_form(request: Request, session: LoggedIn) -> Response:
    return _form(request, {})


@router.post("/account/password")
def password_submit(request: Request, session: LoggedIn, csrf_token: Text = "",
                    current_password: Text = "", new_password: Text = "",
                    confirm_password: Text = "") -> Response:
    check_csrf(session, csrf_token)
    try:
        if new_password != confirm_password:
            raise ValidationError("the two new passwords are not the same",
                                  field="confirm_password")
        change_password(store_of(request), session.actor, current_password, new_password)
    except DrachmaError as exc:
        if exc.http_status in (403, 429, 503):
            raise
        field = {"password": "new_password"}.get(exc.field or "", exc.field or "new_password")
        return _form(request, {field: exc.message}, exc.http_status)
    response = render(request, "password_changed.html", {})
    clear_session_cookie(request, response)
    return response


# --- sessions ----------------------------------------------------------------------------------

@router.get("/account/sessions")
def sessions_page(request: Request, session: LoggedIn, ended: str | None = None) -> Response:
    found = account_service.list_sessions(store_of(request), session.actor, session.token)
    return render(request, "account/sessions.html", {"sessions": found, "ended": bool(ended)})


@router.post("/account/sessions/{session_id}/end")
def end_session_submit(request: Request, session: LoggedIn,
                       session_id: Annotated[int, PathParam(ge=1, le=MAX_ID)],
                       csrf_token: Text = "") -> Response:
    check_csrf(session, csrf_token)
    _count_change(request, session)
    account_service.end_session(store_of(request), session.actor, session_id)
    return _redirect("/account/sessions?ended=1")


# --- API tokens --------------------------------------------------------------------------------

def _tokens_page(request: Request, session: Session, *, errors: dict[str, str] | None = None,
                 values: dict[str, str] | None = None, status_code: int = 200,
                 revoked: bool = False) -> Response:
    return render(request, "account/tokens.html", {
        "tokens": token_service.list_tokens(store_of(request), session.actor),
        "errors": errors or {}, "values": values or {"days": str(token_service.DEFAULT_DAYS)},
        "max_days": token_service.MAX_DAYS, "max_name": token_service.MAX_NAME,
        "revoked": revoked,
    }, status_code)


@router.get("/account/tokens")
def tokens_page(request: Request, session: LoggedIn, revoked: str | None = None) -> Response:
    return _tokens_page(request, session, revoked=bool(revoked))


@router.post("/account/tokens")
def token_create_submit(request: Request, session: LoggedIn, csrf_token: Text = "",
                        name: Text = "", days: Text = "") -> Response:
    check_csrf(session, csrf_token)
    _count_change(request, session)
    try:
        try:
            how_long = int(days.strip())
        except ValueError:
            raise ValidationError(f"enter a whole number of days, 1 to {token_service.MAX_DAYS}",
                                  field="days") from None
        made = token_service.create_token(store_of(request), session.actor, name, how_long)
    except DrachmaError as exc:
        if exc.http_status in (403, 429, 503):
            raise
        return _tokens_page(request, session, errors={exc.field or "name": exc.message},
                            values={"name": name, "days": days}, status_code=exc.http_status)
    return render(request, "account/token_created.html", {"made": made})


@router.post("/account/tokens/{token_id}/revoke")
def token_revoke_submit(request: Request, session: LoggedIn,
                        token_id: Annotated[int, PathParam(ge=1, le=MAX_ID)],
                        csrf_token: Text = "") -> Response:
    check_csrf(session, csrf_token)
    _count_change(request, session)
    token_service.revoke_token(store_of(request), session.actor, token_id)
    return _redirect("/account/tokens?revoked=1")


# --- the second factor -------------------------------------------------------------------------

def _two_factor_page(request: Request, session: Session, *, errors: dict[str, str] | None = None,
                     status_code: int = 200) -> Response:
    store = store_of(request)
    state = mfa.status(store, session.actor)
    enrolment = None if state.enrolled else mfa.start_enrolment(store, session.actor,
                                                                _box(request))
    return render(request, "account/two_factor.html", {
        "state": state, "enrolment": enrolment, "errors": errors or {},
        "required": session.actor.role.value in settings_of(request).mfa_required_roles,
    }, status_code)


@router.get("/account/two-factor")
def two_factor_page(request: Request, session: LoggedIn) -> Response:
    return _two_factor_page(request, session)


def _codes_or_form(request: Request, session: Session, csrf_token: str,
                   make: Callable[[], list[str]], title: str) -> Response:
    check_csrf(session, csrf_token)
    _count_change(request, session)
    try:
        codes = make()
    except DrachmaError as exc:
        if exc.http_status in (403, 429, 503):
            raise
        return _two_factor_page(request, session, errors={"code": exc.message},
                                status_code=exc.http_status)
    return render(request, "account/recovery_codes.html", {"codes": codes, "title": title})


@router.post("/account/two-factor/confirm")
def two_factor_confirm(request: Request, session: LoggedIn, csrf_token: Text = "",
                       code: Code = "") -> Response:
    return _codes_or_form(request, session, csrf_token, lambda: mfa.confirm_enrolment(
        store_of(request), session.actor, _box(request), code), "Your second factor is set up")


@router.post("/account/two-factor/recovery-codes")
def two_factor_new_codes(request: Request, session: LoggedIn, csrf_token: Text = "",
                         code: Code = "") -> Response:
    return _codes_or_form(request, session, csrf_token, lambda: mfa.renew_recovery_codes(
        store_of(request), session.actor, _box(request), code), "New recovery codes")


@router.post("/account/two-factor/turn-off")
def two_factor_turn_off(request: Request, session: LoggedIn, csrf_token: Text = "",
                        code: Code = "") -> Response:
    check_csrf(session, csrf_token)
    _count_change(request, session)
    try:
        mfa.turn_off(store_of(request), session.actor, _box(request), code,
                     settings_of(request).mfa_required_roles)
    except DrachmaError as exc:
        if exc.http_status in (429, 503):
            raise
        return _two_factor_page(request, session, errors={"code": exc.message},
                                status_code=exc.http_status)
    return _redirect("/account")


# --- the log-in's second step ------------------------------------------------------------------

def _code_form(request: Request, next_url: str, error: str = "", status_code: int = 200
               ) -> Response:
    token = login_csrf(request)
    response = render(request, "account/login_code.html",
                      {"next": next_url, "error": error, "login_csrf": token}, status_code)
    set_login_csrf_cookie(request, response, token)
    return response


@router.get("/login/code")
def login_code_form(request: Request, next: str | None = None) -> Response:
    if not request.cookies.get(MFA_CHALLENGE_COOKIE):
        return _redirect("/login")
    return _code_form(request, safe_next(next))


@router.post("/login/code")
def login_code_submit(request: Request, code: Code = "", next: Text = "/",
                      csrf_token: Text = "") -> Response:
    next_url = safe_next(next)
    if not tokens_match(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _code_form(request, next_url, "The form had expired. Please try again.", 403)
    settings = settings_of(request)
    try:
        session = complete_log_in(store_of(request), request.cookies.get(MFA_CHALLENGE_COOKIE, ""),
                                  code, client_address(request), hours=settings.session_hours,
                                  master_key=_master_key(request))
    except LogInExpired:
        response = _redirect("/login?expired=1")
        response.delete_cookie(MFA_CHALLENGE_COOKIE, path="/login")
        return response
    except DrachmaError as exc:
        return _code_form(request, next_url, exc.message, exc.http_status)
    response = _redirect(after_log_in(request, session.user.id, next_url))
    set_session_cookie(request, response, session.token, session.expires_at)
    response.delete_cookie(MFA_CHALLENGE_COOKIE, path="/login")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def after_log_in(request: Request, user_id: int | None, next_url: str) -> str:
    """Where a fresh log-in goes: the account page first when notices are waiting."""
    waiting = user_id is not None and account_service.has_notices(store_of(request), user_id)
    return f"/account?next={quote(next_url, safe='')}" if waiting else next_url


# --- the API -----------------------------------------------------------------------------------

class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class UnlockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str | None = Field(None, max_length=64)
    address: str | None = Field(None, max_length=64)


class UnlockOut(BaseModel):
    account: bool
    address: bool


class SessionOut(BaseModel):
    id: int
    created_at: datetime
    last_seen_at: datetime | None
    expires_at: datetime
    address: str | None
    current: bool = Field(description="The session this call was made with.")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=token_service.MAX_NAME)
    days: int = Field(token_service.DEFAULT_DAYS, ge=1, le=token_service.MAX_DAYS)


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    state: str = Field(description="active, expired or revoked")

    @classmethod
    def of(cls, token: token_service.ApiToken) -> TokenOut:
        return cls(id=token.id, name=token.name, created_at=token.created_at,
                   expires_at=token.expires_at, last_used_at=token.last_used_at,
                   revoked_at=token.revoked_at, state=token.state)


class NewTokenOut(BaseModel):
    token: TokenOut
    secret: str = Field(description="Shown this once: 'Authorization: Bearer <secret>'.")


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)


class SecondFactorOut(BaseModel):
    enrolled: bool
    pending: bool
    recovery_codes_left: int
    required: bool = Field(description="Your role must use a second factor.")


class EnrolmentOut(BaseModel):
    secret: str = Field(description="The TOTP secret (base32), to type into the app.")
    uri: str = Field(description="The otpauth:// address the QR code holds.")
    qr_svg: str = Field(description="The QR code as SVG.")


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(description="Each good once; shown this once.")


class NoticesOut(BaseModel):
    notices: list[str]


@api_router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT)
def api_change_password(session: ApiSession, request: Request, body: PasswordIn,
                        response: Response) -> None:
    """Change your own password. Every session and token of yours ends; log in again."""
    change_password(store_of(request), session.actor, body.current_password, body.new_password)
    clear_session_cookie(request, response)


@api_router.post("/login-locks/unlock", response_model=UnlockOut)
def api_unlock(session: ApiSession, request: Request, body: UnlockIn) -> Any:
    """End a log-in lock-out early, for a username and/or a client address (supervisors and
    administrators)."""
    done = unlock(store_of(request), session.actor, body.username, body.address)
    return UnlockOut(account=done.account, address=done.address)


@api_router.get("/me/notices", response_model=NoticesOut)
def api_notices(session: ApiSession, request: Request) -> Any:
    """Notices waiting for you (e.g. your password was changed); they are then marked seen."""
    return NoticesOut(notices=account_service.take_notices(store_of(request), session.actor))


@api_router.get("/me/sessions", response_model=list[SessionOut])
def api_sessions(session: ApiSession, request: Request) -> Any:
    """Your open sessions, newest first (the one this call uses is marked ``current``)."""
    return [SessionOut(id=s.id, created_at=s.created_at, last_seen_at=s.last_seen_at,
                       expires_at=s.expires_at, address=s.address, current=s.current)
            for s in account_service.list_sessions(store_of(request), session.actor,
                                                   session.token)]


@api_router.delete("/me/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def api_end_session(session: ApiSession, request: Request,
                    session_id: Annotated[int, PathParam(ge=1, le=MAX_ID)]) -> None:
    """End one of your sessions: its cookie and bearer token stop working at once."""
    _count_change(request, session)
    account_service.end_session(store_of(request), session.actor, session_id)


@api_router.get("/me/tokens", response_model=list[TokenOut])
def api_tokens(session: ApiSession, request: Request) -> Any:
    """Your personal API tokens (active, expired and revoked), newest first."""
    return [TokenOut.of(t) for t in token_service.list_tokens(store_of(request), session.actor)]


@api_router.post("/me/tokens", response_model=NewTokenOut, status_code=status.HTTP_201_CREATED)
def api_create_token(session: ApiSession, request: Request, body: TokenIn) -> Any:
    """A new personal API token for scripts; its secret is in this answer only."""
    _count_change(request, session)
    made = token_service.create_token(store_of(request), session.actor, body.name, body.days)
    return NewTokenOut(token=TokenOut.of(made.token), secret=made.secret)


@api_router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def api_revoke_token(session: ApiSession, request: Request,
                     token_id: Annotated[int, PathParam(ge=1, le=MAX_ID)]) -> None:
    """Revoke one of your tokens: it stops working at once."""
    _count_change(request, session)
    token_service.revoke_token(store_of(request), session.actor, token_id)


@api_router.get("/me/second-factor", response_model=SecondFactorOut)
def api_second_factor(session: ApiSession, request: Request) -> Any:
    """Whether your second factor is set up, and how many recovery codes are left."""
    state = mfa.status(store_of(request), session.actor)
    return SecondFactorOut(
        enrolled=state.enrolled, pending=state.pending,
        recovery_codes_left=state.recovery_codes_left,
        required=session.actor.role.value in settings_of(request).mfa_required_roles)


@api_router.post("/me/second-factor/start", response_model=EnrolmentOut)
def api_second_factor_start(session: ApiSession, request: Request) -> Any:
    """Begin setting up a second factor: the secret for your authenticator app (the same one
    until it is confirmed)."""
    _count_change(request, session)
    enrolment = mfa.start_enrolment(store_of(request), session.actor, _box(request))
    return EnrolmentOut(secret=enrolment.secret, uri=enrolment.uri, qr_svg=enrolment.qr_svg)


@api_router.post("/me/second-factor/confirm", response_model=RecoveryCodesOut)
def api_second_factor_confirm(session: ApiSession, request: Request, body: CodeIn) -> Any:
    """Switch the second factor on with the first code from the app; returns recovery codes."""
    _count_change(request, session)
    return RecoveryCodesOut(recovery_codes=mfa.confirm_enrolment(
        store_of(request), session.actor, _box(request), body.code))


@api_router.post("/me/second-factor/recovery-codes", response_model=RecoveryCodesOut)
def api_second_factor_codes(session: ApiSession, request: Request, body: CodeIn) -> Any:
    """New recovery codes (the old ones stop working); needs a code from the app."""
    _count_change(request, session)
    return RecoveryCodesOut(recovery_codes=mfa.renew_recovery_codes(
        store_of(request), session.actor, _box(request), body.code))


@api_router.post("/me/second-factor/turn-off", status_code=status.HTTP_204_NO_CONTENT)
def api_second_factor_off(session: ApiSession, request: Request, body: CodeIn) -> None:
    """Turn your second factor off (a code from the app or a recovery code); refused for a role
    that must use one."""
    _count_change(request, session)
    mfa.turn_off(store_of(request), session.actor, _box(request), body.code,
                 settings_of(request).mfa_required_roles)
