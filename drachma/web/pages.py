"""Server-rendered pages: log in and out, reports (list, search, read, add), the mentions read
out of a report (with the analysts' reviews), uploading files for intake, and the audit log.

Every page works without JavaScript. Every POST carries the session's CSRF token in a hidden field.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from drachma import reports as report_service
from drachma.access.actor import Actor
from drachma.access.audit import parse_audit_filters, view_audit
from drachma.access.permissions import CONDITION_ROLES, Permission
from drachma.access.users import SecondFactorNeeded, log_out
from drachma.errors import DrachmaError, NotFoundError, PermissionDenied, ValidationError
from drachma.intake import upload
from drachma.intake.ingest import DEFAULT_GRADING
from drachma.link.mentions import (
    mention_of_report,
    parse_decision,
    parse_mention_type,
    review_mention,
    reviewer_names,
)
from drachma.model.dates import parse_date, received_moment, uk_date, uk_today
from drachma.model.mention import Mention, MentionType, Review
from drachma.model.report import Report, SourceKind
from drachma.model.user import AuditAction
from drachma.store.db import Store
from drachma.store.reports import ReportFilters
from drachma.store.search import DEFAULT_WINDOW, SearchHit
from drachma.web.account import after_log_in
from drachma.web.api import chosen_files, upload_streams
from drachma.web.auth import (
    LOGIN_CSRF_COOKIE,
    MFA_CHALLENGE_COOKIE,
    LoginRequired,
    Session,
    check_csrf,
    clear_session_cookie,
    find_session,
    is_secure,
    log_in_apart,
    login_csrf,
    page_session,
    safe_next,
    set_login_csrf_cookie,
    set_session_cookie,
    settings_of,
    store_of,
    tokens_match,
)
from drachma.web.forms import Fields, date_value
from drachma.web.render import highlighted_mentions, mention_type_label, page_url, render

PER_PAGE = 50
AUDIT_PER_PAGE = 100

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
LoggedIn = Annotated[Session, Depends(page_session)]
Text = Annotated[str, Form()]


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def home_for(session: Session) -> str:
    return "/reports" if session.actor.can(Permission.READ_REPORTS) else "/audit"


def form_field(field: str | None) -> str:
    """The form field an error belongs to: ``grading.source`` is the grading box."""
    name = (field or "").split(".")[0]
    return {"role": "visible_to", "query": "q", "since": "received_from",
            "until": "received_to", "report": "", "report_id": "",
            "search_index": "q"}.get(name, name)


def page_number(value: str | None) -> int:
    try:
        return max(1, int(value or "1"))
    except ValueError:
        return 1


# --- logging in and out ------------------------------------------------------------------------

@router.get("/")
def home(session: LoggedIn) -> RedirectResponse:
    return redirect(home_for(session))


def _login_page(request: Request, *, next_url: str, username: str = "", error: str = "",
                notice: str = "", status_code: int = 200) -> Response:
    token = login_csrf(request)
    response = render(request, "login.html", {
        "next": next_url, "username": username, "error": error, "notice": notice,
        "login_csrf": token,
    }, status_code)
    set_login_csrf_cookie(request, response, token)
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None,
               logged_out: str | None = None, expired: str | None = None) -> Response:
    session = find_session(request)
    if session is not None and not session.by_bearer:
        return redirect(safe_next(next, home_for(session)))
    return _login_page(request, next_url=safe_next(next),
                       notice="You are logged out." if logged_out else "",
                       error="The log-in took too long or had too many wrong codes. Log in "
                             "again." if expired else "")


@router.post("/login")
async def login_submit(
    request: Request,
    username: Text = "",
    password: Text = "",
    next: Text = "/",
    csrf_token: Text = "",
) -> Response:
    next_url = safe_next(next)
    if not tokens_match(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_page(request, next_url=next_url, username=username, status_code=403,
                           error="The log-in form had expired. Please try again.")
    try:
        session = await log_in_apart(request, username, password, challenge=True)
    except SecondFactorNeeded as needed:  # --- security: the second step, /login/code ---
        response = redirect(f"/login/code?next={quote(next_url, safe='')}")
        response.set_cookie(MFA_CHALLENGE_COOKIE, needed.challenge or "", max_age=300,
                            path="/login", secure=is_secure(request), httponly=True,
                            samesite="lax")
        return response
    except DrachmaError as exc:
        return _login_page(request, next_url=next_url, username=username, error=exc.message,
                           status_code=exc.http_status)
    response = redirect(after_log_in(request, session.user.id, next_url))
    set_session_cookie(request, response, session.token, session.expires_at)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: LoggedIn, csrf_token: Text = "") -> Response:
    check_csrf(session, csrf_token)
    log_out(store_of(request), session.token, session.actor)
    response = redirect("/login?logged_out=1")
    clear_session_cookie(request, response)
    return response


# --- reports -----------------------------------------------------------------------------------

@router.get("/reports")
def reports_page(
    request: Request,
    session: LoggedIn,
    q: str = "",
    grading: str = "",
    source_kind: str = "",
    force: str = "",
    received_from: str = "",
    received_to: str = "",
    page: Annotated[str | None, Query()] = None,
    after: Annotated[str | None, Query(max_length=60)] = None,
    before: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    actor = session.actor
    actor.require(Permission.READ_REPORTS)
    received_from = date_value(request.query_params, "received_from")
    received_to = date_value(request.query_params, "received_to")
    number = page_number(page)
    values = {"q": q, "grading": grading, "source_kind": source_kind, "force": force,
              "received_from": received_from, "received_to": received_to}
    context: dict[str, Any] = {
        "values": values, "errors": {}, "reports": [], "hits": [], "total": None,
        "page": number, "has_next": False, "searching": bool(q.strip()), "exhaustive": True,
        "window": DEFAULT_WINDOW, "per_page": PER_PAGE, "source_kinds": list(SourceKind),
        "focus": "q",
    }
    store = store_of(request)
    try:
        filters = report_service.parse_filters(grading, source_kind, force, received_from,
                                               received_to)
        offset = (number - 1) * PER_PAGE
        if q.strip():
            ranked = report_service.search_page(store, actor, q, filters, offset=offset,
                                                limit=PER_PAGE)
            hits: list[SearchHit] = ranked.result.hits
            context.update(hits=hits, exhaustive=ranked.result.exhaustive,
                           has_next=ranked.has_next)
        else:
            context.update(_list_context(request, store, actor, filters, offset, after or None,
                                         before or None))
    except PermissionDenied:
        raise
    except DrachmaError as exc:
        field = form_field(exc.field) or "q"
        context.update(errors={field: exc.message}, focus=field)
        return render(request, "reports.html", context, exc.http_status)
    return render(request, "reports.html", context)


def _list_context(request: Request, store: Store, actor: Actor, filters: ReportFilters,
                  offset: int, after: str | None, before: str | None) -> dict[str, Any]:
    """A page of the list: numbered pages while shallow (``page``), then Next and Previous by
    cursor, which reach any depth at the same cost (docs/web.md)."""
    by_cursor = after is not None or before is not None
    if not by_cursor and offset > report_service.MAX_LIST_OFFSET:
        raise ValidationError(
            f"numbered pages go up to {report_service.MAX_LIST_OFFSET // PER_PAGE + 1}; for older "
            "reports use Next page, or narrow the dates received", field="received_to")
    listed = report_service.list_page(store, actor, filters, limit=PER_PAGE,
                                      offset=0 if by_cursor else offset, after=after,
                                      before=before)
    number = offset // PER_PAGE + 1
    next_url = previous_url = None
    if listed.next:
        next_url = (page_url(request, page=number + 1) if not by_cursor
                    and offset + PER_PAGE <= report_service.MAX_LIST_OFFSET
                    else page_url(request, page=None, before=None, after=listed.next))
    if listed.previous:
        previous_url = (page_url(request, page=number - 1 if number > 2 else None)
                        if not by_cursor else
                        page_url(request, page=None, after=None, before=listed.previous))
    return {"reports": listed.reports, "total": listed.total, "by_cursor": by_cursor,
            "next_url": next_url, "previous_url": previous_url}


def _blank_report_form() -> dict[str, Any]:
    return {"title": "", "body": "", "grading": "", "handling_conditions": "", "visible_to": [],
            "source_kind": "", "force": "", "received_at": "", "occurred_on": "",
            "review_date": "", "legacy_grading": "", "sanitised_text": ""}


def _report_form(request: Request, values: dict[str, Any], errors: dict[str, str],
                 status_code: int = 200) -> Response:
    focus = next((name for name in errors if name in values), "grading")
    return render(request, "report_form.html", {
        "values": values, "errors": errors, "source_kinds": list(SourceKind), "focus": focus,
        "condition_roles": list(CONDITION_ROLES), "today": uk_date(uk_today()),
    }, status_code)


@router.get("/reports/new")
def new_report_form(request: Request, session: LoggedIn) -> Response:
    session.actor.require(Permission.CREATE_REPORTS)
    return _report_form(request, _blank_report_form(), {})


@router.post("/reports/new")
def new_report_submit(
    request: Request,
    session: LoggedIn,
    fields: Fields,
    csrf_token: Text = "",
    title: Text = "",
    body: Text = "",
    grading: Text = "",
    handling_conditions: Text = "",
    visible_to: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
    source_kind: Text = "officer",
    force: Text = "",
    received_at: Text = "",
    occurred_on: Text = "",
    review_date: Text = "",
    legacy_grading: Text = "",
    sanitised_text: Text = "",
) -> Response:
    check_csrf(session, csrf_token)
    session.actor.require(Permission.CREATE_REPORTS)
    received_at = date_value(fields, "received_at")
    occurred_on = date_value(fields, "occurred_on")
    review_date = date_value(fields, "review_date")
    values: dict[str, Any] = {
        "title": title, "body": body, "grading": grading,
        "handling_conditions": handling_conditions, "visible_to": visible_to,
        "source_kind": source_kind, "force": force, "received_at": received_at,
        "occurred_on": occurred_on, "review_date": review_date,
        "legacy_grading": legacy_grading, "sanitised_text": sanitised_text,
    }
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("received_at", "occurred_on", "review_date"):
        text = values[name].strip()
        try:
            dates[name] = parse_date(text, name) if text else None
        except ValidationError as exc:
            errors[name] = exc.message
    if errors:
        return _report_form(request, values, errors, 422)
    received = dates["received_at"]
    draft = report_service.ReportDraft(
        title=title, body=body, grading=grading, source_kind=source_kind or "officer",
        handling_conditions=handling_conditions or None, visible_to=list(visible_to),
        legacy_grading=legacy_grading.strip() or None,
        received_at=received_moment(received) if received else None,
        occurred_on=dates["occurred_on"], review_date=dates["review_date"],
        force=force.strip() or None, sanitised_text=sanitised_text or None,
    )
    try:
        report = report_service.add_report(store_of(request), session.actor, draft)
    except PermissionDenied:
        raise
    except DrachmaError as exc:
        return _report_form(request, values, {form_field(exc.field) or "form": exc.message},
                            exc.http_status)
    return redirect(f"/reports/{report.id}?added=1")


MentionErrors = dict[int, dict[str, str]]


def _read_mentions(store: Store, session: Session, report: Report) -> tuple[list[Mention], str]:
    """The report's mentions (read out the first time); a failing extractor never hides the
    report itself."""
    try:
        return report_service.mentions_of(store, session.actor, report), ""
    except DrachmaError:
        raise
    except Exception:  # the extractor (spaCy, gazetteers) failed: show the report anyway
        log.exception("reading the mentions of report %s failed", report.id)
        return [], "The mentions of this report could not be read out. The report text is shown."


def _mention_groups(mentions: list[Mention], order: str) -> list[tuple[str, list[Mention]]]:
    """Mentions grouped by type (in a fixed order), or in one group in text order."""
    if order == "text":
        return [("", sorted(mentions, key=lambda m: (m.start, m.end)))]
    return [(mention_type_label(kind), [m for m in mentions if m.type is kind])
            for kind in MentionType if any(m.type is kind for m in mentions)]


def _report_view(
    request: Request, session: Session, report_id: int, *, added: bool = False,
    order: str = "type", notice: str = "", mention_errors: MentionErrors | None = None,
    mention_values: dict[int, dict[str, str]] | None = None, status_code: int = 200,
) -> Response:
    store = store_of(request)
    report: Report = report_service.get_report(store, session.actor, report_id)
    mentions, problem = _read_mentions(store, session, report)
    body_html, marked = highlighted_mentions(report.body, mentions)
    errors = mention_errors or {}
    return render(request, "report.html", {
        "report": report, "added": added, "body_html": body_html, "mentions": mentions,
        "marked": marked, "mention_groups": _mention_groups(mentions, order),
        "order": "text" if order == "text" else "type", "mention_problem": problem,
        "reviewers": reviewer_names(store, mentions), "mention_types": list(MentionType),
        "mention_errors": errors, "mention_values": mention_values or {},
        "mention_notice": notice, "focus": next(
            (f"{name}-{mid}" for mid, fields in errors.items() for name in fields), ""),
    }, status_code)


@router.get("/reports/{report_id}")
def report_page(request: Request, report_id: int, session: LoggedIn,
                added: str | None = None, order: str = "type", reviewed: str | None = None,
                read_again: str | None = None) -> Response:
    notice = ""
    if read_again:
        notice = "The report was read again. Mentions already reviewed were kept."
    elif reviewed:
        notice = "Your review is saved."
    return _report_view(request, session, report_id, added=bool(added), order=order,
                        notice=notice)


@router.post("/reports/{report_id}/mentions/extract")
def mentions_read_again(request: Request, report_id: int, session: LoggedIn,
                        csrf_token: Text = "") -> Response:
    check_csrf(session, csrf_token)
    session.actor.require(Permission.REVIEW_MENTIONS)
    store = store_of(request)
    report = report_service.get_report(store, session.actor, report_id)
    report_service.extract_report(store, session.actor, report)
    return redirect(f"/reports/{report_id}?read_again=1#mentions-title")


@router.post("/reports/{report_id}/mentions/{mention_id}")
def mention_review(
    request: Request,
    report_id: int,
    mention_id: int,
    session: LoggedIn,
    csrf_token: Text = "",
    decision: Text = "",
    value: Text = "",
    new_type: Annotated[str, Form(alias="type")] = "",
) -> Response:
    check_csrf(session, csrf_token)
    actor = session.actor
    actor.require(Permission.REVIEW_MENTIONS)
    store = store_of(request)
    mention_of_report(store, actor, report_id, mention_id)  # 404 if not this report's
    try:
        verdict = parse_decision(decision)
        kind = parse_mention_type(new_type) if verdict is Review.CORRECTED and new_type.strip() \
            else None
        review_mention(store, actor, mention_id, verdict, new_value=value, new_type=kind)
    except (PermissionDenied, NotFoundError):
        raise
    except DrachmaError as exc:
        name = {"decision": "value"}.get(exc.field or "", exc.field or "value")
        if name not in ("value", "type"):
            name = "value"
        return _report_view(
            request, session, report_id,
            mention_errors={mention_id: {name: exc.message}},
            mention_values={mention_id: {"value": value, "type": new_type}},
            status_code=exc.http_status)
    return redirect(f"/reports/{report_id}?reviewed={mention_id}#mention-{mention_id}")


# --- uploading files for intake ----------------------------------------------------------------

def _blank_ingest_form() -> dict[str, Any]:
    return {"grading": DEFAULT_GRADING, "handling_conditions": "", "visible_to": [],
            "source_kind": ""}


def _ingest_page(request: Request, values: dict[str, Any], errors: dict[str, str],
                 outcomes: list[upload.UploadOutcome] | None = None,
                 status_code: int = 200) -> Response:
    focus = next((name for name in errors if name in values or name == "files"), "files")
    total = upload.upload_totals(outcomes or [])
    totals = {"stored": total.stored, "duplicates": total.duplicates, "failed": total.failed}
    return render(request, "ingest.html", {
        "values": values, "errors": errors, "outcomes": outcomes, "totals": totals,
        "focus": focus,
        "source_kinds": list(SourceKind), "condition_roles": list(CONDITION_ROLES),
        "limit": upload.UPLOAD_LIMIT_TEXT,
    }, status_code)


def ingest_too_large(request: Request) -> Response:
    """The upload page again after a request over the size limit (nothing was read or stored)."""
    session = find_session(request)
    if session is None or session.by_bearer:
        raise LoginRequired("/ingest")
    session.actor.require(Permission.INGEST)
    return _ingest_page(request, _blank_ingest_form(), {
        "files": f"the upload is larger than {upload.UPLOAD_LIMIT_TEXT} in all; upload fewer or "
                 "smaller files at a time"}, status_code=413)


@router.get("/ingest")
def ingest_form(request: Request, session: LoggedIn) -> Response:
    session.actor.require(Permission.INGEST)
    return _ingest_page(request, _blank_ingest_form(), {})


@router.post("/ingest", max_body_size=upload.UPLOAD_LIMIT_BYTES)
def ingest_submit(
    request: Request,
    session: LoggedIn,
    csrf_token: Text = "",
    # A browser sends an empty part with no file name when no file was chosen: that arrives
    # as an empty string, and is left out with the other empty parts.
    files: Annotated[list[UploadFile | str], File()] = [],  # noqa: B006 - FastAPI copies defaults
    grading: Text = DEFAULT_GRADING,
    handling_conditions: Text = "",
    visible_to: Annotated[list[str], Form()] = [],  # noqa: B006
    source_kind: Text = "",
) -> Response:
    check_csrf(session, csrf_token)
    session.actor.require(Permission.INGEST)
    values: dict[str, Any] = {"grading": grading, "handling_conditions": handling_conditions,
                              "visible_to": list(visible_to), "source_kind": source_kind}
    try:
        options = upload.upload_options(grading, handling_conditions, visible_to, source_kind)
    except DrachmaError as exc:
        field = form_field(exc.field) or "grading"
        if field not in values:
            field = "grading"
        return _ingest_page(request, values, {field: exc.message}, status_code=exc.http_status)
    chosen = chosen_files([f for f in files if not isinstance(f, str)])
    if not chosen:
        return _ingest_page(request, values, {"files": "choose at least one file to upload"},
                            status_code=422)
    outcomes = upload.ingest_files(store_of(request), session.actor, upload_streams(chosen),
                                   options, home=settings_of(request).home)
    return _ingest_page(request, values, {}, outcomes)


# --- audit log ---------------------------------------------------------------------------------

@router.get("/audit")
def audit_page(
    request: Request,
    session: LoggedIn,
    user: str = "",
    action: str = "",
    record_kind: str = "",
    record_id: str = "",
    since: str = "",
    until: str = "",
    page: str | None = None,
) -> Response:
    session.actor.require(Permission.VIEW_AUDIT)
    since = date_value(request.query_params, "since")
    until = date_value(request.query_params, "until")
    number = page_number(page)
    values = {"user": user, "action": action, "record_kind": record_kind, "record_id": record_id,
              "since": since, "until": until}
    context: dict[str, Any] = {"values": values, "errors": {}, "events": [], "total": 0,
                               "page": number, "has_next": False, "actions": list(AuditAction),
                               "focus": "user"}
    try:
        filters = parse_audit_filters(user, action, record_kind, record_id, since, until)
        offset = (number - 1) * AUDIT_PER_PAGE
        events, total = view_audit(store_of(request), session.actor, filters,
                                   limit=AUDIT_PER_PAGE, offset=offset)
    except PermissionDenied:
        raise
    except DrachmaError as exc:
        field = exc.field or "user"
        context.update(errors={field: exc.message}, focus=field)
        return render(request, "audit.html", context, exc.http_status)
    context.update(events=events, total=total, has_next=offset + AUDIT_PER_PAGE < total)
    return render(request, "audit.html", context)

