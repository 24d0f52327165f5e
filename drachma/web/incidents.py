"""The JSON API for incidents and safeguarding under ``/api/``: incidents, people, timeline,
THRIVE assessments, tasks and the supervisors' board, deconfliction alerts, investigations and
takedown requests. Each route turns HTTP into arguments for one library function and its result
into JSON; errors are the library's, answered as 4xx JSON by the app.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from drachma.errors import ConflictError
from drachma.incidents import records, takedowns
from drachma.incidents.checks import uk_time
from drachma.incidents.export import event_json, incident_json, subject_json
from drachma.model.incident import (
    DeconflictionAlert,
    IncidentSubject,
    InvestigationSubject,
    Takedown,
    Task,
    ThriveAssessment,
)
from drachma.safeguarding import alerts, deconfliction, tasks, thrive
from drachma.safeguarding.deconfliction import CheckResult
from drachma.web.auth import Session, api_session, store_of
from drachma.web.schemas import ErrorOut

Authenticated = Annotated[Session, Depends(api_session)]
Json = dict[str, Any]
Name = Annotated[str, Field(max_length=200)]
Url = Annotated[str, Field(max_length=2000)]
Text = Annotated[str, Field(max_length=4000)]

router = APIRouter(prefix="/api", tags=["incidents"], responses={
    401: {"model": ErrorOut, "description": "Not logged in."},
    403: {"model": ErrorOut, "description": "Your role may not do this."},
    404: {"model": ErrorOut, "description": "No such record."},
    409: {"model": ErrorOut, "description": "Not allowed in its present state."},
    422: {"model": ErrorOut, "description": "Bad input; `field` names it."},
})


# --------------------------------------------------------------------------------------------
# Bodies


class IncidentIn(BaseModel):
    """A live incident: only place and group are needed; the rest can follow."""

    place: Name
    groups: list[Name] = Field(min_length=1, max_length=20)
    stream_urls: list[Url] = Field(default_factory=list, max_length=20)
    occurred_at: datetime | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    force: Name | None = None
    platform: Annotated[str, Field(max_length=64)] | None = None
    decoy_age_claimed: int | None = None
    viewers: int | None = None
    police_called_at: datetime | None = None
    police_arrived_at: datetime | None = None
    new_place: bool = False
    new_groups: bool = False


class IncidentChangesIn(BaseModel):
    stream_urls: list[Url] | None = Field(default=None, max_length=20)
    platform: Annotated[str, Field(max_length=64)] | None = None
    decoy_age_claimed: int | None = None
    viewers: int | None = None
    police_called_at: datetime | None = None
    police_arrived_at: datetime | None = None
    outcome: Annotated[str, Field(max_length=64)] | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    report_ids: list[int] | None = Field(default=None, max_length=50)
    confirm: list[Annotated[str, Field(max_length=32)]] = Field(default_factory=list,
                                                                max_length=10)


class PersonIn(BaseModel):
    role: Annotated[str, Field(max_length=32)] = "subject"
    name: Name
    aliases: list[Name] = Field(default_factory=list, max_length=20)
    date_of_birth: date | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    postcode: Annotated[str, Field(max_length=16)] | None = None
    handles: list[Name] = Field(default_factory=list, max_length=20)

    def subject(self) -> IncidentSubject:
        return IncidentSubject(role=records.parse_role(self.role), name=self.name,
                               aliases=self.aliases, date_of_birth=self.date_of_birth,
                               address=self.address, postcode=self.postcode,
                               handles=self.handles)


class EventIn(BaseModel):
    kind: Annotated[str, Field(max_length=32)]
    at: datetime | None = None
    note: Text | None = None


class CloseIn(BaseModel):
    reason: Text


class AssessmentIn(BaseModel):
    focus: Annotated[str, Field(max_length=16)] = "subject"
    factors: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list,
                                                                max_length=50)
    notes: dict[str, Text] = Field(default_factory=dict, max_length=6)
    override: Annotated[str, Field(max_length=16)] | None = None
    override_reason: Text | None = None


class TaskDoneIn(BaseModel):
    note: Text | None = None


class TaskStatusIn(BaseModel):
    status: Annotated[str, Field(max_length=16)]


class InvestigationSubjectIn(BaseModel):
    name: Name
    aliases: list[Name] = Field(default_factory=list, max_length=20)
    date_of_birth: date | None = None
    addresses: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list,
                                                                   max_length=20)
    postcodes: list[Annotated[str, Field(max_length=16)]] = Field(default_factory=list,
                                                                  max_length=20)
    handles: list[Name] = Field(default_factory=list, max_length=20)

    def subject(self) -> InvestigationSubject:
        return InvestigationSubject(name=self.name, aliases=self.aliases,
                                    date_of_birth=self.date_of_birth, addresses=self.addresses,
                                    postcodes=self.postcodes, handles=self.handles)


class InvestigationIn(BaseModel):
    reference: Annotated[str, Field(max_length=64)]
    owner: Name
    owner_username: Annotated[str, Field(max_length=64)] | None = None
    contact: Name | None = None
    force: Name | None = None
    subjects: list[InvestigationSubjectIn] = Field(default_factory=list, max_length=100)


class TakedownIn(BaseModel):
    url: Url
    kind: Annotated[str, Field(max_length=16)] = "live_stream"
    legal_basis: Annotated[str, Field(max_length=32)]
    platform: Annotated[str, Field(max_length=64)] | None = None
    preserved_exhibit: Annotated[str, Field(max_length=64)] | None = None
    not_preserved_reason: Text | None = None


class TakedownStatusIn(BaseModel):
    status: Annotated[str, Field(max_length=16)]
    at: datetime | None = None


class PreservationIn(BaseModel):
    exhibit: Annotated[str, Field(max_length=64)] | None = None
    reason: Text | None = None


class BasisIn(BaseModel):
    legal_basis: Annotated[str, Field(max_length=32)]


# --------------------------------------------------------------------------------------------
# JSON of results


def check_json(result: CheckResult) -> Json:
    """What the officer who added a person may see: whether a match exists and whom to call."""
    return {"match": bool(result.matches), "call": result.whom_to_call(),
            "message": " ".join(result.officer_lines())}


def assessment_json(a: ThriveAssessment, why: tuple[str, ...] = ()) -> Json:
    labels = thrive.factor_labels()
    return {"id": a.id, "incident_id": a.incident_id, "focus": a.focus.value,
            "version": a.version, "factors": list(a.factors), "notes": a.notes,
            "computed_level": a.computed_level.value, "level": a.level.value,
            "override_reason": a.override_reason, "drivers": list(a.drivers),
            "driver_labels": [labels.get(d, d) for d in a.drivers], "why": list(why),
            "rules_source": a.rules_source, "assessed_by": a.assessed_by,
            "assessed_at": a.assessed_at.isoformat(), "assessed_uk": uk_time(a.assessed_at)}


def task_json(t: Task) -> Json:
    return {"id": t.id, "incident_id": t.incident_id, "key": t.key, "title": t.title,
            "owner_role": t.owner_role, "due_at": t.due_at.isoformat(),
            "due_uk": uk_time(t.due_at), "status": t.status.value,
            "done_at": t.done_at.isoformat() if t.done_at else None, "done_by": t.done_by,
            "escalated_at": t.escalated_at.isoformat() if t.escalated_at else None}


def alert_json(a: DeconflictionAlert) -> Json:
    return {"id": a.id, "incident_id": a.incident_id,
            "incident_person_id": a.incident_subject_id,
            "investigation_id": a.investigation_id,
            "investigation_subject_id": a.investigation_subject_id, "score": a.score,
            "reasons": list(a.reasons), "created_at": a.created_at.isoformat(),
            "created_uk": uk_time(a.created_at), "read": a.read_at is not None}


def takedown_json(t: Takedown, suggestion: str | None = None) -> Json:
    return {"id": t.id, "incident_id": t.incident_id, "url": t.url, "platform": t.platform,
            "kind": t.kind.value, "legal_basis": t.legal_basis.value, "status": t.status.value,
            "preserved_exhibit": t.preserved_exhibit,
            "not_preserved_reason": t.not_preserved_reason,
            "requested_at": t.requested_at.isoformat() if t.requested_at else None,
            "answered_at": t.answered_at.isoformat() if t.answered_at else None,
            "reminded_at": t.reminded_at.isoformat() if t.reminded_at else None,
            "suggested_basis": suggestion}


# --------------------------------------------------------------------------------------------
# Incidents


@router.post("/incidents", status_code=status.HTTP_201_CREATED)
def api_new_incident(body: IncidentIn, session: Authenticated, request: Request) -> Json:
    """Open a live incident (place, group, stream are enough)."""
    detail = records.new_incident(store_of(request), session.actor, records.IncidentDraft(
        place=body.place, groups=body.groups, stream_urls=body.stream_urls,
        occurred_at=body.occurred_at, address=body.address, force=body.force,
        platform=body.platform, decoy_age_claimed=body.decoy_age_claimed, viewers=body.viewers,
        police_called_at=body.police_called_at, police_arrived_at=body.police_arrived_at,
        new_place=body.new_place, new_groups=body.new_groups))
    return incident_json(detail)


@router.post("/incidents/from-report/{report_id}", status_code=status.HTTP_201_CREATED)
def api_incident_from_report(report_id: int, session: Authenticated, request: Request) -> Json:
    """Open an incident pre-filled from a report; unconfirmed values are in `read_by_machine`."""
    return incident_json(records.open_from_report(store_of(request), session.actor, report_id))


@router.get("/incidents")
def api_list_incidents(
    session: Authenticated, request: Request,
    since: Annotated[str | None, Query(max_length=20)] = None,
    until: Annotated[str | None, Query(max_length=20)] = None,
    area: Annotated[str | None, Query(max_length=200)] = None,
    force: Annotated[str | None, Query(max_length=200)] = None,
    group: Annotated[str | None, Query(max_length=200)] = None,
    status_: Annotated[str | None, Query(alias="status", max_length=16)] = None,
    risk: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Json:
    """Incidents newest first, filtered and paged (no personal data)."""
    filters = records.parse_filters(since, until, area, force, group, status_, risk)
    found, total = records.list_incidents(store_of(request), session.actor, filters,
                                          limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset,
            "incidents": [incident_json(d) for d in found]}


@router.get("/incidents/{incident_id}")
def api_get_incident(incident_id: int, session: Authenticated, request: Request,
                     limit: Annotated[int, Query(ge=1, le=200)] = 100,
                     offset: Annotated[int, Query(ge=0)] = 0) -> Json:
    """The incident, its people (an audited read) and a page of its timeline."""
    view = records.get_incident(store_of(request), session.actor, incident_id,
                                timeline_limit=limit, timeline_offset=offset)
    return {"incident": incident_json(view.detail),
            "people": [subject_json(s) for s in view.subjects],
            "timeline": [event_json(e) for e in view.timeline],
            "timeline_total": view.timeline_total}


@router.patch("/incidents/{incident_id}")
def api_change_incident(incident_id: int, body: IncidentChangesIn, session: Authenticated,
                        request: Request) -> Json:
    """Add what became known, or confirm values read by machine (`confirm`)."""
    return incident_json(records.change_incident(
        store_of(request), session.actor, incident_id, records.IncidentChanges(
            stream_urls=body.stream_urls, platform=body.platform,
            decoy_age_claimed=body.decoy_age_claimed, viewers=body.viewers,
            police_called_at=body.police_called_at, police_arrived_at=body.police_arrived_at,
            outcome=body.outcome, address=body.address, report_ids=body.report_ids,
            confirm=body.confirm)))


@router.post("/incidents/{incident_id}/people", status_code=status.HTTP_201_CREATED)
def api_add_person(incident_id: int, body: PersonIn, session: Authenticated,
                   request: Request) -> Json:
    """Add a person with their role; the answer says only whether a deconfliction match
    exists and whom to call."""
    person, result = records.add_subject(store_of(request), session.actor, incident_id,
                                         body.subject())
    return {"person": subject_json(person), "deconfliction": check_json(result)}


@router.put("/incidents/people/{person_id}")
def api_change_person(person_id: int, body: PersonIn, session: Authenticated,
                      request: Request) -> Json:
    """Replace a person's details; the person is checked again."""
    person, result = records.change_subject(store_of(request), session.actor, person_id,
                                            body.subject())
    return {"person": subject_json(person), "deconfliction": check_json(result)}


@router.post("/incidents/{incident_id}/events", status_code=status.HTTP_201_CREATED)
def api_record_event(incident_id: int, body: EventIn, session: Authenticated,
                     request: Request) -> Json:
    """Record an arrest, charge, court result or note on the timeline."""
    from drachma.incidents.checks import event_kind

    return event_json(records.record_event(store_of(request), session.actor, incident_id,
                                           event_kind(body.kind), body.at, body.note))


@router.post("/incidents/{incident_id}/close")
def api_close_incident(incident_id: int, body: CloseIn, session: Authenticated,
                       request: Request) -> Json:
    return incident_json(records.close_incident(store_of(request), session.actor, incident_id,
                                                body.reason))


# --------------------------------------------------------------------------------------------
# THRIVE and tasks


@router.post("/incidents/{incident_id}/assessments", status_code=status.HTTP_201_CREATED)
def api_assess(incident_id: int, body: AssessmentIn, session: Authenticated,
               request: Request) -> Json:
    """A new version of the subject's or household's THRIVE assessment; creates tasks."""
    result = thrive.assess(store_of(request), session.actor, incident_id,
                           thrive.parse_focus(body.focus), body.factors, body.notes,
                           override=thrive.parse_level(body.override) if body.override else None,
                           override_reason=body.override_reason)
    return {"assessment": assessment_json(result.assessment, result.why),
            "tasks": [task_json(t) for t in result.tasks]}


@router.get("/incidents/{incident_id}/assessments")
def api_assessments(incident_id: int, session: Authenticated, request: Request) -> Json:
    """Every version of both assessments, oldest first."""
    return {"assessments": [assessment_json(a) for a in
                            thrive.history(store_of(request), session.actor, incident_id)]}


@router.api_route("/assessments/{assessment_id}", methods=["PUT", "PATCH", "DELETE"],
                  responses={409: {"model": ErrorOut, "description": "Never edited in place."}})
def api_edit_assessment(assessment_id: int, session: Authenticated, request: Request) -> Json:
    """Refused: an assessment is never edited in place; post a reassessment instead."""
    thrive.change_assessment(store_of(request), session.actor, assessment_id)
    raise ConflictError("an assessment is never edited", field="assessment_id")


@router.get("/incidents/{incident_id}/tasks")
def api_tasks(incident_id: int, session: Authenticated, request: Request) -> Json:
    return {"tasks": [task_json(t) for t in
                      tasks.tasks_of(store_of(request), session.actor, incident_id)]}


@router.post("/tasks/{task_id}/done")
def api_task_done(task_id: int, body: TaskDoneIn, session: Authenticated,
                  request: Request) -> Json:
    """Mark a task done (once; never reopened)."""
    return task_json(tasks.complete_task(store_of(request), session.actor, task_id, body.note))


@router.patch("/tasks/{task_id}")
def api_task_status(task_id: int, body: TaskStatusIn, session: Authenticated,
                    request: Request) -> Json:
    """Set a task's status: `done`; reopening a done task is refused (409)."""
    return task_json(tasks.set_task_status(store_of(request), session.actor, task_id,
                                           body.status))


@router.get("/board")
def api_board(session: Authenticated, request: Request,
              limit: Annotated[int, Query(ge=1, le=200)] = 50,
              offset: Annotated[int, Query(ge=0)] = 0) -> Json:
    """The supervisors' board: escalated tasks still open."""
    found, total = tasks.supervisors_board(store_of(request), session.actor, limit=limit,
                                           offset=offset)
    return {"total": total, "tasks": [task_json(t) for t in found]}


# --------------------------------------------------------------------------------------------
# Alerts and investigations


@router.get("/alerts")
def api_alerts(session: Authenticated, request: Request, unread: bool = False,
               limit: Annotated[int, Query(ge=1, le=200)] = 50,
               offset: Annotated[int, Query(ge=0)] = 0) -> Json:
    """Your deconfliction alerts, newest first."""
    found, total = alerts.inbox(store_of(request), session.actor, unread_only=unread,
                                limit=limit, offset=offset)
    return {"total": total, "unread": alerts.unread_count(store_of(request), session.actor),
            "alerts": [alert_json(a) for a in found]}


@router.get("/alerts/unread")
def api_unread(session: Authenticated, request: Request) -> Json:
    """How many unread alerts you have (for a badge on every page)."""
    return {"unread": alerts.unread_count(store_of(request), session.actor)}


@router.get("/alerts/{alert_id}")
def api_alert(alert_id: int, session: Authenticated, request: Request) -> Json:
    """One alert (its owner or a supervisor), marked read."""
    return alert_json(alerts.read_alert(store_of(request), session.actor, alert_id))


@router.post("/investigations", status_code=status.HTTP_201_CREATED)
def api_new_investigation(body: InvestigationIn, session: Authenticated,
                          request: Request) -> Json:
    """Record an open investigation and its subjects (for deconfliction)."""
    from drachma.gazetteers import resolve_force

    number = deconfliction.open_investigation(
        store_of(request), session.actor, body.reference, body.owner, body.owner_username,
        body.contact, resolve_force(body.force).code if body.force else None,
        [s.subject() for s in body.subjects])
    return {"id": number, "reference": body.reference}


@router.post("/investigations/{investigation_id}/subjects", status_code=status.HTTP_201_CREATED)
def api_investigation_subject(investigation_id: int, body: InvestigationSubjectIn,
                              session: Authenticated, request: Request) -> Json:
    number = deconfliction.add_investigation_subject(store_of(request), session.actor,
                                                     investigation_id, body.subject())
    return {"id": number, "investigation_id": investigation_id}


@router.post("/investigations/{investigation_id}/close")
def api_close_investigation(investigation_id: int, session: Authenticated,
                            request: Request) -> Json:
    deconfliction.close_investigation(store_of(request), session.actor, investigation_id)
    return {"id": investigation_id, "status": "closed"}


# --------------------------------------------------------------------------------------------
# Takedowns


def _with_suggestion(request: Request, session: Session, t: Takedown) -> Json:
    suggestion = takedowns.suggested_basis(store_of(request), session.actor, t)
    return takedown_json(t, suggestion.value if suggestion else None)


@router.post("/incidents/{incident_id}/takedowns", status_code=status.HTTP_201_CREATED)
def api_draft_takedown(incident_id: int, body: TakedownIn, session: Authenticated,
                       request: Request) -> Json:
    made = takedowns.draft_takedown(
        store_of(request), session.actor, incident_id, body.url, takedowns.parse_kind(body.kind),
        takedowns.parse_basis(body.legal_basis), platform=body.platform,
        preserved_exhibit=body.preserved_exhibit, not_preserved_reason=body.not_preserved_reason)
    return _with_suggestion(request, session, made)


@router.get("/incidents/{incident_id}/takedowns")
def api_takedowns(incident_id: int, session: Authenticated, request: Request) -> Json:
    found = takedowns.takedowns_of(store_of(request), session.actor, incident_id)
    return {"takedowns": [_with_suggestion(request, session, t) for t in found]}


@router.post("/takedowns/{takedown_id}/status")
def api_takedown_status(takedown_id: int, body: TakedownStatusIn, session: Authenticated,
                        request: Request) -> Json:
    """Move a request on; invalid changes are refused (409); sending needs preservation."""
    changed = takedowns.change_status(store_of(request), session.actor, takedown_id,
                                      takedowns.parse_status(body.status), body.at)
    return _with_suggestion(request, session, changed)


@router.post("/takedowns/{takedown_id}/preservation")
def api_takedown_preservation(takedown_id: int, body: PreservationIn, session: Authenticated,
                              request: Request) -> Json:
    changed = takedowns.record_preservation(store_of(request), session.actor, takedown_id,
                                            exhibit=body.exhibit, reason=body.reason)
    return _with_suggestion(request, session, changed)


@router.post("/takedowns/{takedown_id}/basis")
def api_takedown_basis(takedown_id: int, body: BasisIn, session: Authenticated,
                       request: Request) -> Json:
    changed = takedowns.change_basis(store_of(request), session.actor, takedown_id,
                                     takedowns.parse_basis(body.legal_basis))
    return _with_suggestion(request, session, changed)


@router.get("/takedowns/{takedown_id}/text", response_class=PlainTextResponse)
def api_takedown_text(takedown_id: int, session: Authenticated, request: Request) -> str:
    """The request text for the platform, from the template (export)."""
    return takedowns.request_text(store_of(request), session.actor, takedown_id)
