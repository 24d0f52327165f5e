"""The JSON API under ``/api/``: the same plain functions the pages and the CLI call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPBearer

from drachma.access.audit import view_audit
from drachma.access.permissions import Permission
from drachma.access.users import log_in, log_out
from drachma.errors import ValidationError
from drachma.intake import reports as report_service
from drachma.model.dates import parse_date
from drachma.model.user import AuditAction
from drachma.store.audit import AuditFilters
from drachma.store.search import DEFAULT_WINDOW
from drachma.web.auth import (
    CSRF_HEADER,
    SESSION_COOKIE,
    Session,
    api_session,
    clear_session_cookie,
    client_address,
    set_session_cookie,
    settings_of,
    store_of,
)
from drachma.web.schemas import (
    AuditEventOut,
    AuditListOut,
    ErrorOut,
    LoginIn,
    LoginOut,
    ReportIn,
    ReportListOut,
    ReportOut,
    ReportSummaryOut,
    UserOut,
)

# Declared so that the OpenAPI document shows the three ways a call proves who sent it; the
# checking itself is done by ``api_session``.
_bearer = HTTPBearer(auto_error=False, description="The token returned by POST /api/login.")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                       description="Set by POST /api/login or the log-in page.")
_csrf = APIKeyHeader(name=CSRF_HEADER, auto_error=False,
                     description="With the cookie, on POST/PUT/DELETE: the csrf_token from log-in.")


def _session(
    request: Request,
    _b: Annotated[object, Depends(_bearer)] = None,
    _c: Annotated[object, Depends(_cookie)] = None,
    _x: Annotated[object, Depends(_csrf)] = None,
) -> Session:
    return api_session(request)


Authenticated = Annotated[Session, Depends(_session)]

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Not logged in."},
    403: {"model": ErrorOut, "description": "Your role may not do this, or the CSRF token is bad."},
    422: {"model": ErrorOut, "description": "Bad input; `field` names it."},
}

router = APIRouter(prefix="/api", responses=ERRORS)


@router.post("/login", response_model=LoginOut, tags=["session"],
             responses={401: {"model": ErrorOut, "description": "Wrong username or password."}})
def api_login(body: LoginIn, request: Request, response: Response) -> LoginOut:
    """Log in: sets the session cookie and returns its CSRF token and a bearer token."""
    session = log_in(store_of(request), body.username, body.password, client_address(request),
                     hours=settings_of(request).session_hours)
    set_session_cookie(request, response, session.token, session.expires_at)
    return LoginOut(user=UserOut.of(session.user), csrf_token=session.csrf_token,
                    token=session.token, expires_at=session.expires_at)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["session"])
def api_logout(session: Authenticated, request: Request, response: Response) -> None:
    """End the session (cookie or bearer token); the token stops working at once."""
    log_out(store_of(request), session.token, session.actor)
    clear_session_cookie(request, response)


@router.get("/me", response_model=UserOut, tags=["session"])
def api_me(session: Authenticated) -> UserOut:
    """Who is logged in, with their role and what it permits."""
    return UserOut.of(session.actor.user)


@router.get("/reports", response_model=ReportListOut, tags=["reports"])
def api_list_reports(
    session: Authenticated,
    request: Request,
    q: Annotated[str | None, Query(description="Full-text search: words, \"a phrase\", pre*.",
                                   max_length=500)] = None,
    grading: Annotated[str | None, Query(description="2, 2B or 2BP.")] = None,
    source_kind: str | None = None,
    force: Annotated[str | None, Query(description="Force name or short form, e.g. GMP.")] = None,
    received_from: Annotated[str | None, Query(description="23/11/2026 or 2026-11-23.")] = None,
    received_to: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ReportListOut:
    """Reports you may see, newest first; with ``q``, ranked search results with snippets."""
    session.actor.require(Permission.READ_REPORTS)
    store = store_of(request)
    filters = report_service.parse_filters(grading, source_kind, force, received_from, received_to)
    if q is not None and q.strip():
        if offset + limit > DEFAULT_WINDOW:
            raise ValidationError(
                f"search results go up to {DEFAULT_WINDOW:,}; narrow the query or the dates",
                field="offset",
            )
        result = report_service.search_reports(store, session.actor, q, filters,
                                               limit=offset + limit)
        hits = result.hits[offset:]
        return ReportListOut(
            items=[ReportSummaryOut.of(h.report, h) for h in hits], total=None, limit=limit,
            offset=offset, query=q, exhaustive=result.exhaustive,
        )
    page, total = report_service.list_reports(store, session.actor, filters, limit=limit,
                                              offset=offset)
    return ReportListOut(items=[ReportSummaryOut.of(r) for r in page], total=total, limit=limit,
                         offset=offset)


@router.get("/reports/{report_id}", response_model=ReportOut, tags=["reports"],
            responses={404: {"model": ErrorOut, "description": "No such report."}})
def api_get_report(report_id: int, session: Authenticated, request: Request) -> ReportOut:
    """One report in full; the read is audited, and refused if its handling conditions say so."""
    return ReportOut.of(report_service.get_report(store_of(request), session.actor, report_id))


@router.post("/reports", response_model=ReportOut, status_code=status.HTTP_201_CREATED,
             tags=["reports"],
             responses={409: {"model": ErrorOut, "description": "The same text is stored."}})
def api_add_report(body: ReportIn, session: Authenticated, request: Request) -> ReportOut:
    """Add a graded report; nothing is stored unless every field is valid."""
    draft = report_service.ReportDraft(
        title=body.title, body=body.body, grading=body.grading, source_kind=body.source_kind,
        handling_conditions=body.handling_conditions, visible_to=list(body.visible_to),
        legacy_grading=body.legacy_grading, received_at=body.received_at,
        occurred_on=body.occurred_on, force=body.force, sanitised_text=body.sanitised_text,
        review_date=body.review_date,
    )
    return ReportOut.of(report_service.add_report(store_of(request), session.actor, draft))


def audit_filters(
    user: str | None, action: str | None, record_kind: str | None, record_id: str | None,
    since: str | None, until: str | None,
) -> AuditFilters:
    """Audit filters from text; shared with the audit page."""
    if action and action.strip():
        try:
            action = AuditAction(action.strip().lower()).value
        except ValueError:
            names = ", ".join(a.value for a in AuditAction)
            raise ValidationError(f"unknown action {action!r}; actions are: {names}",
                                  field="action") from None
    return AuditFilters(
        actor=(user or "").strip().lower() or None,
        action=action or None,
        record_kind=(record_kind or "").strip() or None,
        record_id=(record_id or "").strip() or None,
        since=parse_date(since, "since") if since and since.strip() else None,
        until=parse_date(until, "until") if until and until.strip() else None,
    )


@router.get("/audit", response_model=AuditListOut, tags=["audit"])
def api_audit(
    session: Authenticated,
    request: Request,
    user: Annotated[str | None, Query(description="Username of who acted.")] = None,
    action: Annotated[str | None, Query(description="read, create, login, denied, ...")] = None,
    record_kind: Annotated[str | None, Query(description="report, user, ...")] = None,
    record_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditListOut:
    """The audit log, newest first (supervisors and administrators)."""
    session.actor.require(Permission.VIEW_AUDIT)
    filters = audit_filters(user, action, record_kind, record_id, since, until)
    events, total = view_audit(store_of(request), session.actor, filters, limit=limit,
                               offset=offset)
    return AuditListOut(items=[AuditEventOut.of(e) for e in events], total=total, limit=limit,
                        offset=offset)
