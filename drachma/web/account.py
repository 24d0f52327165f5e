"""One's own account: changing one's password (page and API), and ending a log-in lock-out
early (API, for supervisors and administrators). A password change ends every session of the
user, this one included, so the page sends them to log in again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from drachma.access.passwords import MIN_LENGTH
from drachma.access.throttle import unlock
from drachma.access.users import change_password
from drachma.errors import DrachmaError, ValidationError
from drachma.web.auth import (
    Session,
    api_session,
    check_csrf,
    clear_session_cookie,
    page_session,
    store_of,
)
from drachma.web.render import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["session"])
LoggedIn = Annotated[Session, Depends(page_session)]
ApiSession = Annotated[Session, Depends(api_session)]
Text = Annotated[str, Form(max_length=2048)]


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
