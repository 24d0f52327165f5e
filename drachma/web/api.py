"""The JSON API under ``/api/``: the same plain functions the pages and the CLI call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile, status
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPBearer

from drachma import reports as report_service
from drachma.access.account import take_notices
from drachma.access.actor import Actor
from drachma.access.audit import parse_audit_filters, view_audit
from drachma.access.permissions import Permission
from drachma.access.users import log_out
from drachma.errors import ValidationError
from drachma.intake.ingest import DEFAULT_GRADING
from drachma.intake.upload import (
    UPLOAD_LIMIT_BYTES,
    UPLOAD_LIMIT_TEXT,
    UploadOutcome,
    ingest_files,
    upload_options,
    upload_totals,
)
from drachma.link.mentions import (
    mention_of_report,
    review_mention,
    reviewer_names,
)
from drachma.model.mention import Review
from drachma.web.auth import (
    CSRF_HEADER,
    SESSION_COOKIE,
    Session,
    api_session,
    clear_session_cookie,
    log_in_apart,
    set_session_cookie,
    settings_of,
    store_of,
)
from drachma.web.schemas import (
    AuditEventOut,
    AuditListOut,
    ErrorOut,
    IngestFailureOut,
    IngestFileOut,
    IngestOut,
    LoginIn,
    LoginOut,
    MentionListOut,
    MentionOut,
    MentionReviewIn,
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
async def api_login(body: LoginIn, request: Request, response: Response) -> LoginOut:
    """Log in: sets the session cookie and returns its CSRF token and a bearer token."""
    settings = settings_of(request)
    session = await log_in_apart(request, body.username, body.password, code=body.code,
                                 master_key=settings.evidence_settings().master_key)
    set_session_cookie(request, response, session.token, session.expires_at)
    return LoginOut(user=UserOut.of(session.user), csrf_token=session.csrf_token,
                    token=session.token, expires_at=session.expires_at,
                    notices=take_notices(store_of(request), Actor(session.user)))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["session"])
def api_logout(session: Authenticated, request: Request, response: Response) -> None:
    """End the session (cookie or bearer token); the token stops working at once."""
    log_out(store_of(request), session.token, session.actor)
    clear_session_cookie(request, response)


@router.get("/me", response_model=UserOut, tags=["session"])
def api_me(session: Authenticated) -> UserOut:
    """Who is logged in, with their role and what it permits."""
    return UserOut.of(session.actor.user)


CURSOR_HELP = ("A cursor from the list's `next` or `previous` (or its Link header): the page "
               "after it (older reports) or before it (newer ones).")


@router.get("/reports", response_model=ReportListOut, tags=["reports"])
def api_list_reports(
    session: Authenticated,
    request: Request,
    response: Response,
    q: Annotated[str | None, Query(description="Full-text search: words, \"a phrase\", pre*.",
                                   max_length=500)] = None,
    grading: Annotated[str | None, Query(description="2, 2B or 2BP.")] = None,
    source_kind: str | None = None,
    force: Annotated[str | None, Query(description="Force name or short form, e.g. GMP.")] = None,
    received_from: Annotated[str | None, Query(description="23/11/2026 or 2026-11-23.")] = None,
    received_to: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, description=(
        "Reports skipped: up to 5,000 in the list (follow `next` for older ones), up to the "
        "search's limit with `q`."))] = 0,
    after: Annotated[str | None, Query(max_length=60, description=CURSOR_HELP)] = None,
    before: Annotated[str | None, Query(max_length=60, description=CURSOR_HELP)] = None,
) -> ReportListOut:
    """Reports you may see, newest first, paged by cursor (`next`, `previous`, and a Link header)
    or a shallow `offset`; with ``q``, ranked search results with snippets."""
    session.actor.require(Permission.READ_REPORTS)
    store = store_of(request)
    filters = report_service.parse_filters(grading, source_kind, force, received_from, received_to)
    if q is not None and q.strip():
        if after is not None or before is not None:
            raise ValidationError("a search is paged by offset; after and before page the list",
                                  field="after" if after is not None else "before")
        found = report_service.search_page(store, session.actor, q, filters, offset=offset,
                                           limit=limit)
        result, hits = found.result, found.result.hits
        return ReportListOut(
            items=[ReportSummaryOut.of(h.report, h) for h in hits], total=None, limit=limit,
            offset=offset, query=q, exhaustive=result.exhaustive,
        )
    listed = report_service.list_page(store, session.actor, filters, limit=limit, offset=offset,
                                      after=after, before=before)
    links = [f'<{_page_url(request, "after", listed.next)}>; rel="next"'] if listed.next else []
    if listed.previous:
        links.append(f'<{_page_url(request, "before", listed.previous)}>; rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return ReportListOut(items=[ReportSummaryOut.of(r) for r in listed.reports],
                         total=listed.total, limit=limit, offset=offset, next=listed.next,
                         previous=listed.previous)


def _page_url(request: Request, name: str, cursor: str) -> str:
    """This list's address (same filters and limit) at the page a cursor names."""
    return str(request.url.remove_query_params(["offset", "after", "before"])
               .include_query_params(**{name: cursor}))


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
    filters = parse_audit_filters(user, action, record_kind, record_id, since, until)
    events, total = view_audit(store_of(request), session.actor, filters, limit=limit,
                               offset=offset)
    return AuditListOut(items=[AuditEventOut.of(e) for e in events], total=total, limit=limit,
                        offset=offset)


# --- mentions (shared with the report page) ----------------------------------------------------

@router.get("/reports/{report_id}/mentions", response_model=MentionListOut, tags=["mentions"],
            responses={404: {"model": ErrorOut, "description": "No such report."}})
def api_mentions(report_id: int, session: Authenticated, request: Request) -> MentionListOut:
    """The mentions read out of a report (read by machine the first time it is asked for).

    Until someone confirms or corrects it, a mention is machine-read and unconfirmed.
    """
    store = store_of(request)
    report = report_service.get_report(store, session.actor, report_id)
    found = report_service.mentions_of(store, session.actor, report)
    names = reviewer_names(store, found)
    return MentionListOut(report_id=report_id, items=[MentionOut.of(m, names) for m in found])


@router.post("/reports/{report_id}/mentions/extract", response_model=MentionListOut,
             tags=["mentions"])
def api_extract_mentions(report_id: int, session: Authenticated,
                         request: Request) -> MentionListOut:
    """Read the report again: pending mentions are replaced, reviewed ones kept (reviewers)."""
    session.actor.require(Permission.REVIEW_MENTIONS)
    store = store_of(request)
    report = report_service.get_report(store, session.actor, report_id)
    found = report_service.extract_report(store, session.actor, report)
    names = reviewer_names(store, found)
    return MentionListOut(report_id=report_id, items=[MentionOut.of(m, names) for m in found])


@router.post("/reports/{report_id}/mentions/{mention_id}", response_model=MentionOut,
             tags=["mentions"],
             responses={404: {"model": ErrorOut, "description": "No such report or mention."}})
def api_review_mention(report_id: int, mention_id: int, body: MentionReviewIn,
                       session: Authenticated, request: Request) -> MentionOut:
    """Confirm, correct or reject a mention (analysts and supervisors); kept with who and when.

    A confirmed or corrected GROUP makes the group known: later reports recognise its name.
    """
    session.actor.require(Permission.REVIEW_MENTIONS)
    store = store_of(request)
    mention_of_report(store, session.actor, report_id, mention_id)  # 404 if not this report's
    updated = review_mention(store, session.actor, mention_id, Review(body.decision),
                             new_value=body.value, new_type=body.type)
    return MentionOut.of(updated, reviewer_names(store, [updated]))


# --- intake (shared with the upload page) ------------------------------------------------------

def chosen_files(files: Sequence[UploadFile]) -> list[UploadFile]:
    """The files really chosen: a form sent with no file has one empty part without a name."""
    return [f for f in files if f.filename or (f.size or 0) > 0]


def upload_streams(files: Sequence[UploadFile]) -> list[tuple[str, BinaryIO]]:
    """The uploaded files as (name, stream) pairs for :func:`ingest_files`."""
    return [(f.filename or "upload", f.file) for f in files]


def ingest_file_out(outcome: UploadOutcome) -> IngestFileOut:
    return IngestFileOut(
        filename=outcome.filename, outcome=outcome.outcome, run_id=outcome.run_id,
        stored=outcome.stored, duplicates=outcome.duplicates,
        failures=[IngestFailureOut(where=f.where, reason=f.reason) for f in outcome.failures],
    )


@router.post("/ingest", response_model=IngestOut, tags=["intake"],
             max_body_size=UPLOAD_LIMIT_BYTES,
             responses={413: {"model": ErrorOut,
                              "description": f"The upload is over {UPLOAD_LIMIT_TEXT}."}})
def api_ingest(
    session: Authenticated,
    request: Request,
    files: Annotated[list[UploadFile], File(description="One or more files (multipart).")],
    grading: Annotated[str, Form(description="Default 3x5x2 grading.")] = DEFAULT_GRADING,
    handling_conditions: Annotated[str | None, Form(description="With code C.")] = None,
    visible_to: Annotated[list[str] | None, Form(description="With code C: roles.")] = None,
    source_kind: Annotated[str | None, Form(description="Empty: guessed per file.")] = None,
) -> IngestOut:
    """Take in uploaded files (text, CSV, JSON, HTML, e-mail...), each item as a graded report.

    Every file gets its own outcome; texts already stored are duplicates, never stored twice.
    At most 50 MB per request.
    """
    session.actor.require(Permission.INGEST)
    options = upload_options(grading, handling_conditions, visible_to or [], source_kind)
    chosen = chosen_files(files)
    if not chosen:
        raise ValidationError("choose at least one file to upload", field="files")
    outcomes = ingest_files(store_of(request), session.actor, upload_streams(chosen), options,
                            home=settings_of(request).home)
    totals = upload_totals(outcomes)
    return IngestOut(items=[ingest_file_out(o) for o in outcomes], stored=totals.stored,
                     duplicates=totals.duplicates, failed=totals.failed)
