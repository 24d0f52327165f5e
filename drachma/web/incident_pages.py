"""Pages for incidents and safeguarding: the live incident form, incident lists, the incident
page (record, people, timeline, tasks, takedowns, with the forms to add to them), the THRIVE
assessment form, the supervisors' board and the alerts inbox. Every form works without
JavaScript and carries the session's CSRF token; each page calls the same library functions as
the API and the CLI.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from drachma.errors import DrachmaError, NotFoundError, PermissionDenied
from drachma.incidents import records, takedowns
from drachma.incidents.checks import parse_datetime, uk_time
from drachma.model.dates import parse_date
from drachma.model.incident import (
    THRIVE_HEADINGS,
    AssessmentFocus,
    ContentKind,
    IncidentSubject,
    LegalBasis,
    SubjectRole,
    TakedownStatus,
)
from drachma.safeguarding import alerts, tasks, thrive
from drachma.safeguarding.rules import risk_rules
from drachma.web.auth import Session, check_csrf, page_session, store_of
from drachma.web.render import render, templates

router = APIRouter(include_in_schema=False)
LoggedIn = Annotated[Session, Depends(page_session)]
Field = Annotated[str, Form(max_length=4000)]
PER_PAGE = 50

templates.env.filters.setdefault("uk_time", uk_time)


def unread_alerts_in_navigation(request: Request) -> dict[str, Any]:
    """Every page: the "Alerts" link carries the person's unread count. Only for a session a
    dependency already found (an error page about the database does not ask it again)."""
    session: Session | None = getattr(request.state, "drachma_session", None)
    if session is None or session.by_bearer:
        return {}
    from drachma.web.render import navigation

    items = navigation(request.url.path, session.actor)
    if not any(item["href"] == "/alerts" for item in items):
        return {}
    try:
        unread = alerts.unread_count(store_of(request), session.actor)
    except DrachmaError:
        return {}
    for item in items:
        if item["href"] == "/alerts" and unread:
            item["text"] = f"Alerts ({unread} unread)"
    return {"navigation": items, "unread_alerts": unread}


templates.context_processors.append(unread_alerts_in_navigation)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _errors(exc: DrachmaError) -> dict[str, str]:
    return {exc.field or "form": exc.message}


# --- the live incident form ----------------------------------------------------------------


def _live_form(request: Request, values: dict[str, Any], errors: dict[str, str],
               status_code: int = 200) -> Response:
    return render(request, "incidents/new.html", {"values": values, "errors": errors},
                  status_code)


@router.get("/incidents/new")
def live_form(request: Request, session: LoggedIn) -> Response:
    return _live_form(request, {}, {})


@router.post("/incidents/new")
def live_submit(request: Request, session: LoggedIn, csrf_token: Field = "", place: Field = "",
                group: Field = "", stream_url: Field = "", when: Field = "", address: Field = "",
                force: Field = "", platform: Field = "", new_place: Field = "",
                new_group: Field = "") -> Response:
    check_csrf(session, csrf_token)
    values = {"place": place, "group": group, "stream_url": stream_url, "when": when,
              "address": address, "force": force, "platform": platform,
              "new_place": new_place, "new_group": new_group}
    try:
        detail = records.new_incident(store_of(request), session.actor, records.IncidentDraft(
            place=place, groups=[group], stream_urls=[stream_url] if stream_url.strip() else [],
            occurred_at=parse_datetime(when, "occurred_at") if when.strip() else None,
            address=address or None, force=force or None, platform=platform or None,
            new_place=bool(new_place), new_groups=bool(new_group)))
    except DrachmaError as exc:
        return _live_form(request, values, _errors(exc), exc.http_status)
    return _redirect(f"/incidents/{detail.id}")


@router.post("/reports/{report_id}/incident")
def incident_from_report(request: Request, report_id: int, session: LoggedIn,
                         csrf_token: Field = "") -> Response:
    """Open an incident from a report, pre-filled from its mentions (values read by machine stay
    marked until someone confirms them). When the report names no place or group, the live
    incident form comes back filled with what was read, for the officer to finish."""
    check_csrf(session, csrf_token)
    store = store_of(request)
    try:
        detail = records.open_from_report(store, session.actor, report_id)
    except (PermissionDenied, NotFoundError):
        raise
    except DrachmaError as exc:
        draft = records.draft_from_report(store, session.actor, report_id)
        values = {"place": draft.place or "", "group": (draft.groups or [""])[0],
                  "stream_url": (draft.stream_urls or [""])[0], "when": "",
                  "address": draft.address or "", "force": draft.force or "",
                  "platform": draft.platform or "", "new_place": "", "new_group": ""}
        return _live_form(request, values, _errors(exc), exc.http_status)
    return _redirect(f"/incidents/{detail.id}")


# --- lists -----------------------------------------------------------------------------------


@router.get("/incidents")
def incident_list(request: Request, session: LoggedIn, since: str = "", until: str = "",
                  area: str = "", force: str = "", group: str = "", status: str = "",
                  risk: str = "", page: int = 1) -> Response:
    values = {"since": since, "until": until, "area": area, "force": force, "group": group,
              "status": status, "risk": risk}
    page = max(1, page)
    try:
        filters = records.parse_filters(since or None, until or None, area or None,
                                        force or None, group or None, status or None,
                                        risk or None)
        found, total = records.list_incidents(store_of(request), session.actor, filters,
                                              limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        errors: dict[str, str] = {}
    except DrachmaError as exc:
        if exc.http_status in (401, 403):
            raise
        found, total, errors = [], 0, _errors(exc)
    return render(request, "incidents/list.html", {
        "values": values, "errors": errors, "incidents": found, "total": total, "page": page,
        "has_next": page * PER_PAGE < total})


# --- the incident page ---------------------------------------------------------------------


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: int, session: LoggedIn) -> Response:
    store, actor = store_of(request), session.actor
    view = records.get_incident(store, actor, incident_id)
    found = takedowns.takedowns_of(store, actor, incident_id)
    return render(request, "incidents/incident.html", {
        "view": view, "d": view.detail, "i": view.detail.incident,
        "tasks": tasks.tasks_of(store, actor, incident_id),
        "assessments": thrive.history(store, actor, incident_id),
        "takedowns": [(t, takedowns.suggested_basis(store, actor, t)) for t in found],
        "roles": list(SubjectRole), "kinds": list(ContentKind), "bases": list(LegalBasis),
        "statuses": [s for s in TakedownStatus if s is not TakedownStatus.DRAFT],
        "notice": request.query_params.get("notice", "")})


@router.post("/incidents/{incident_id}/people")
def add_person(request: Request, incident_id: int, session: LoggedIn, csrf_token: Field = "",
               name: Field = "", role: Field = "subject", dob: Field = "", postcode: Field = "",
               handle: Field = "") -> Response:
    check_csrf(session, csrf_token)
    _, result = records.add_subject(store_of(request), session.actor, incident_id,
                                    IncidentSubject(
        role=records.parse_role(role), name=name,
        date_of_birth=parse_date(dob, "dob") if dob.strip() else None,
        postcode=postcode or None, handles=[handle] if handle.strip() else []))
    from urllib.parse import quote

    return _redirect(f"/incidents/{incident_id}?notice="
                     + quote(" ".join(result.officer_lines())))


@router.post("/incidents/{incident_id}/events")
def add_event(request: Request, incident_id: int, session: LoggedIn, csrf_token: Field = "",
              kind: Field = "", note: Field = "") -> Response:
    from drachma.incidents.checks import event_kind

    check_csrf(session, csrf_token)
    records.record_event(store_of(request), session.actor, incident_id, event_kind(kind),
                         None, note or None)
    return _redirect(f"/incidents/{incident_id}")


@router.post("/tasks/{task_id}/done")
def task_done(request: Request, task_id: int, session: LoggedIn, csrf_token: Field = "",
              note: Field = "", back: Field = "/board") -> Response:
    check_csrf(session, csrf_token)
    tasks.complete_task(store_of(request), session.actor, task_id, note or None)
    return _redirect(back if back.startswith("/") and not back.startswith("//") else "/board")


@router.post("/incidents/{incident_id}/takedowns")
def draft_takedown(request: Request, incident_id: int, session: LoggedIn,
                   csrf_token: Field = "", url: Field = "", kind: Field = "live_stream",
                   basis: Field = "", platform: Field = "", exhibit: Field = "",
                   not_preserved: Field = "") -> Response:
    check_csrf(session, csrf_token)
    takedowns.draft_takedown(store_of(request), session.actor, incident_id, url,
                             takedowns.parse_kind(kind), takedowns.parse_basis(basis),
                             platform=platform or None, preserved_exhibit=exhibit or None,
                             not_preserved_reason=not_preserved or None)
    return _redirect(f"/incidents/{incident_id}#takedowns")


@router.post("/takedowns/{takedown_id}/preservation")
def takedown_preservation(request: Request, takedown_id: int, session: LoggedIn,
                          csrf_token: Field = "", exhibit: Field = "", reason: Field = ""
                          ) -> Response:
    check_csrf(session, csrf_token)
    changed = takedowns.record_preservation(store_of(request), session.actor, takedown_id,
                                            exhibit=exhibit or None, reason=reason or None)
    return _redirect(f"/incidents/{changed.incident_id}#takedowns")


@router.post("/takedowns/{takedown_id}/status")
def takedown_status(request: Request, takedown_id: int, session: LoggedIn,
                    csrf_token: Field = "", status: Field = "") -> Response:
    check_csrf(session, csrf_token)
    changed = takedowns.change_status(store_of(request), session.actor, takedown_id,
                                      takedowns.parse_status(status))
    return _redirect(f"/incidents/{changed.incident_id}#takedowns")


@router.get("/takedowns/{takedown_id}/text")
def takedown_text(request: Request, takedown_id: int, session: LoggedIn) -> Response:
    text = takedowns.request_text(store_of(request), session.actor, takedown_id)
    return Response(text, media_type="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="takedown-{takedown_id}.txt"'})


# --- THRIVE ----------------------------------------------------------------------------------


def _assess_form(request: Request, incident_id: int, values: dict[str, Any],
                 errors: dict[str, str], status_code: int = 200) -> Response:
    rules = risk_rules()
    return render(request, "incidents/assess.html", {
        "incident_id": incident_id, "values": values, "errors": errors,
        "factors": list(rules.factors.values()), "source": rules.source,
        "headings": THRIVE_HEADINGS, "focuses": list(AssessmentFocus)}, status_code)


@router.get("/incidents/{incident_id}/assess")
def assess_form(request: Request, incident_id: int, session: LoggedIn,
                focus: str = "subject") -> Response:
    return _assess_form(request, incident_id, {"focus": focus, "factors": []}, {})


@router.post("/incidents/{incident_id}/assess")
async def assess_submit(request: Request, incident_id: int, session: LoggedIn) -> Response:
    form = await request.form()
    check_csrf(session, str(form.get("csrf_token", "")))
    factors = [str(f) for f in form.getlist("factor")][:50]
    notes = {h: str(form.get(f"note_{h}", ""))[:4000] for h in THRIVE_HEADINGS}
    focus = str(form.get("focus", "subject"))
    override = str(form.get("override", ""))
    reason = str(form.get("override_reason", ""))[:4000]
    values = {"focus": focus, "factors": factors, "notes": notes, "override": override,
              "override_reason": reason}
    try:
        thrive.assess(store_of(request), session.actor, incident_id, thrive.parse_focus(focus),
                      factors, notes, override=thrive.parse_level(override) if override else None,
                      override_reason=reason or None)
    except DrachmaError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        return _assess_form(request, incident_id, values, _errors(exc), exc.http_status)
    return _redirect(f"/incidents/{incident_id}#safeguarding")


# --- the board and the inbox -----------------------------------------------------------------


@router.get("/board")
def board_page(request: Request, session: LoggedIn, page: int = 1) -> Response:
    page = max(1, page)
    found, total = tasks.supervisors_board(store_of(request), session.actor, limit=PER_PAGE,
                                           offset=(page - 1) * PER_PAGE)
    return render(request, "incidents/board.html", {
        "tasks": found, "total": total, "page": page, "has_next": page * PER_PAGE < total})


@router.get("/alerts")
def alerts_page(request: Request, session: LoggedIn, page: int = 1) -> Response:
    page = max(1, page)
    found, total = alerts.inbox(store_of(request), session.actor, limit=PER_PAGE,
                                offset=(page - 1) * PER_PAGE)
    return render(request, "incidents/alerts.html", {
        "alerts": found, "total": total, "page": page, "has_next": page * PER_PAGE < total,
        "unread": alerts.unread_count(store_of(request), session.actor)})


@router.post("/alerts/{alert_id}/read")
def alert_read(request: Request, alert_id: int, session: LoggedIn,
               csrf_token: Field = "") -> Response:
    check_csrf(session, csrf_token)
    alerts.read_alert(store_of(request), session.actor, alert_id)
    return _redirect("/alerts")
