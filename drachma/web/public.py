"""The public's door: ``/public/report`` (no account), and the triage queue graders work from
(pages under ``/triage``, API under ``/api/public-reports``).

The public form works without JavaScript and loads nothing from elsewhere. It has no session, so
it is protected from cross-site posting by a double-submit cookie (the same random value in a
cookie and a hidden field), and from flooding by limits per client address and overall
(:mod:`drachma.web.ratelimit`) and a honeypot field people never see. Whatever is sent, the answer
is a reference number and nothing else.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from drachma.access.permissions import CONDITION_ROLES, Permission
from drachma.errors import DrachmaError, PermissionDenied
from drachma.intake import public
from drachma.intake.public import CONCERNS, LIMITS, PublicForm, PublicFormError
from drachma.store.public import PublicSubmission
from drachma.web.auth import (
    CSRF_FIELD,
    Session,
    api_session,
    check_csrf,
    client_address,
    is_secure,
    page_session,
    settings_of,
    store_of,
    tokens_match,
)
from drachma.web.ratelimit import RateLimiter, TooManyRequests
from drachma.web.render import render

PUBLIC_CSRF_COOKIE = "drachma_public_csrf"
HONEYPOT = "website"  # a field people never see; a program that fills every box fills it
MAX_FORM_FIELDS = 40
TRIAGE_PER_PAGE = 50

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["public reports"])
LoggedIn = Annotated[Session, Depends(page_session)]
ApiSession = Annotated[Session, Depends(api_session)]


def _locker_of(request: Request) -> dict[str, Any]:
    """Where grading finds the screenshots' plain files and the evidence locker."""
    settings = settings_of(request)
    return {"home": settings.home, "evidence": settings.evidence_settings()}


def limiter_of(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


# --- the public form ---------------------------------------------------------------------------

def _blank() -> dict[str, Any]:
    return {"concern": "", "what_happened": "", "when_text": "", "where_text": "",
            "platform": "", "links": "", "contact_name": "", "contact_email": "",
            "contact_phone": "", "consent": False}


def _form_page(request: Request, values: dict[str, Any], errors: dict[str, str],
               status_code: int = 200) -> Response:
    token = request.cookies.get(PUBLIC_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "public_report.html", {
        "values": values, "errors": errors, "concerns": CONCERNS, "limits": LIMITS,
        "public_csrf": token, "max_screenshots": public.MAX_SCREENSHOTS,
        "max_mb": public.MAX_SCREENSHOT_BYTES // (1024 * 1024), "honeypot": HONEYPOT,
    }, status_code)
    response.set_cookie(PUBLIC_CSRF_COOKIE, token, max_age=6 * 3600, path="/public",
                        secure=is_secure(request), httponly=True, samesite="strict")
    return response


def _busy_page(request: Request, retry_after: int) -> Response:
    response = render(request, "public_busy.html", {"minutes": max(1, retry_after // 60 + 1)},
                      429)
    response.headers["Retry-After"] = str(retry_after)
    return response


def _sent_page(request: Request, reference: str) -> Response:
    return render(request, "public_sent.html", {"reference": reference})


@router.get("/public/report")
def public_form(request: Request) -> Response:
    return _form_page(request, _blank(), {})


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def _screenshots(form: FormData) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for part in form.getlist("screenshots"):
        if isinstance(part, UploadFile) and (part.filename or (part.size or 0) > 0):
            # The body as a whole is limited by the app; each file by the library.
            out.append((part.filename or "screenshot",
                        await part.read(public.MAX_SCREENSHOT_BYTES + 1)))
    return out


@router.post("/public/report")
async def public_submit(request: Request) -> Response:
    # Count the attempt before reading the body: a flood is refused cheaply.
    try:
        limiter_of(request).hit_public(client_address(request))
    except TooManyRequests as exc:
        return _busy_page(request, exc.retry_after)
    form = await request.form(max_files=public.MAX_SCREENSHOTS + 1, max_fields=MAX_FORM_FIELDS,
                              max_part_size=max(LIMITS.values()) * 4)
    values: dict[str, Any] = {name: _text(form, name) for name in _blank() if name != "consent"}
    values["consent"] = _text(form, "consent") == "yes"
    if not tokens_match(_text(form, CSRF_FIELD), request.cookies.get(PUBLIC_CSRF_COOKIE)):
        return _form_page(request, values, {
            "form": "The form had expired. Check your answers and send it again."}, 403)
    if _text(form, HONEYPOT):
        # Only a program fills the hidden box: it is told what a person would be, and nothing
        # is kept.
        return _sent_page(request, public.new_reference())
    submission = PublicForm(**values, screenshots=await _screenshots(form))
    try:
        reference = public.submit_public_report(store_of(request), submission,
                                                home=settings_of(request).home)
    except PublicFormError as exc:
        return _form_page(request, values, exc.problems, 422)
    return _sent_page(request, reference)


# --- the triage queue: pages -------------------------------------------------------------------

def _triage_status(value: str | None) -> str | None:
    return public.parse_status(value)


@router.get("/triage")
def triage_page(request: Request, session: LoggedIn, status: str = "ungraded",
                page: Annotated[str | None, Query()] = None) -> Response:
    try:
        number = max(1, min(int(page or "1"), 1_000_000))
    except ValueError:
        number = 1
    chosen = _triage_status(status)
    items, total = public.list_triage(store_of(request), session.actor, chosen,
                                      limit=TRIAGE_PER_PAGE,
                                      offset=(number - 1) * TRIAGE_PER_PAGE)
    return render(request, "triage.html", {
        "items": items, "total": total, "page": number, "status": chosen or "all",
        "has_next": number * TRIAGE_PER_PAGE < total, "concerns": CONCERNS,
    })


def _item_page(request: Request, session: Session, reference: str, values: dict[str, Any],
               errors: dict[str, str], status_code: int = 200) -> Response:
    item = public.get_triage_item(store_of(request), session.actor, reference)
    return render(request, "triage_item.html", {
        "item": item, "concerns": CONCERNS, "values": values, "errors": errors,
        "condition_roles": list(CONDITION_ROLES),
        "can_see_contact": session.actor.can(Permission.READ_SOURCE_IDENTITY),
    }, status_code)


@router.get("/triage/{reference}")
def triage_item(request: Request, session: LoggedIn, reference: str) -> Response:
    return _item_page(request, session, reference,
                      {"grading": "", "handling_conditions": "", "visible_to": []}, {})


@router.post("/triage/{reference}")
async def triage_grade(request: Request, session: LoggedIn, reference: str) -> Response:
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    check_csrf(session, _text(form, CSRF_FIELD))
    grading = _text(form, "grading")[:20]
    conditions = _text(form, "handling_conditions")[:2000]
    visible_to = [v for v in form.getlist("visible_to") if isinstance(v, str)]
    values: dict[str, Any] = {"grading": grading, "handling_conditions": conditions,
                              "visible_to": visible_to}
    try:
        report = public.grade_public_report(
            store_of(request), session.actor, reference, grading,
            conditions=conditions or None, visible_to=visible_to, **_locker_of(request))
    except PermissionDenied:
        raise
    except DrachmaError as exc:
        if exc.http_status == 404:
            raise
        field = (exc.field or "grading").split(".")[0]
        field = {"role": "visible_to", "reference": "grading"}.get(field, field)
        return _item_page(request, session, reference, values, {field: exc.message},
                          exc.http_status)
    return render(request, "triage_graded.html", {"reference": reference.strip().upper(),
                                                  "report": report})


# --- the triage queue: API ---------------------------------------------------------------------

class PublicFileOut(BaseModel):
    filename: str
    media_type: str
    size: int
    sha256: str


class PublicReportOut(BaseModel):
    reference: str
    concern: str
    what_happened: str
    when: str
    where: str
    platform: str
    links: str
    consent: bool
    contact_name: str | None = Field(None, description="Only for roles that may read a "
                                                       "source's identity.")
    contact_email: str | None = None
    contact_phone: str | None = None
    received_at: str
    status: str
    report_id: int | None
    screenshots: list[PublicFileOut]


class PublicReportPage(BaseModel):
    items: list[PublicReportOut]
    total: int
    limit: int
    offset: int


class GradeIn(BaseModel):
    grading: str = Field(..., max_length=20, description="3x5x2 grading, e.g. 2BP.")
    handling_conditions: str | None = Field(None, max_length=2000)
    visible_to: list[str] = Field(default_factory=list, max_length=10)


class GradedOut(BaseModel):
    reference: str
    report_id: int
    grading: str


def _out(item: PublicSubmission) -> PublicReportOut:
    return PublicReportOut(
        reference=item.reference, concern=item.concern, what_happened=item.what_happened,
        when=item.when_text, where=item.where_text, platform=item.platform, links=item.links,
        consent=item.consent, contact_name=item.contact_name, contact_email=item.contact_email,
        contact_phone=item.contact_phone, received_at=item.received_at.isoformat(),
        status=item.status, report_id=item.report_id,
        screenshots=[PublicFileOut(filename=f.filename, media_type=f.media_type, size=f.size,
                                   sha256=f.sha256) for f in item.files])


@api_router.get("/public-reports", response_model=PublicReportPage)
def api_triage(request: Request, session: ApiSession,
               status: Annotated[str, Query(max_length=20)] = "ungraded",
               limit: Annotated[int, Query(ge=1, le=public.QUEUE_PAGE_MAX)] = 50,
               offset: Annotated[int, Query(ge=0, le=2**31)] = 0) -> PublicReportPage:
    """The public reports triage queue, oldest first (``status``: ungraded, graded or all)."""
    items, total = public.list_triage(store_of(request), session.actor, _triage_status(status),
                                      limit=limit, offset=offset)
    return PublicReportPage(items=[_out(i) for i in items], total=total, limit=limit,
                            offset=offset)


@api_router.get("/public-reports/{reference}", response_model=PublicReportOut)
def api_triage_item(request: Request, session: ApiSession,
                    reference: Annotated[str, Path(max_length=40)]) -> PublicReportOut:
    """One item of the queue."""
    return _out(public.get_triage_item(store_of(request), session.actor, reference))


@api_router.post("/public-reports/{reference}/grade", response_model=GradedOut,
                 status_code=201)
def api_grade(request: Request, session: ApiSession, reference: str, body: GradeIn
              ) -> GradedOut:
    """Grade a queued public report (3x5x2): it becomes a report with source kind ``public``."""
    report = public.grade_public_report(
        store_of(request), session.actor, reference, body.grading,
        conditions=body.handling_conditions, visible_to=body.visible_to, **_locker_of(request))
    assert report.id is not None
    return GradedOut(reference=reference.strip().upper(), report_id=report.id,
                     grading=report.grading.code)
