"""Sharing on the web: exports under ``/api/export/...``, STIX bundles taken in at
``/api/import/stix``, and the pages ``/sharing/export`` and ``/sharing/import``. Only HTTP in and
out; every route calls the same functions as ``drachma export`` and ``drachma import``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from drachma.access.permissions import CONDITION_ROLES, Permission
from drachma.errors import DrachmaError, ValidationError
from drachma.model.incident import IncidentStatus
from drachma.model.report import SourceKind
from drachma.sharing import (
    DEFAULT_GRADING,
    DEFAULT_SENDER,
    MAX_BYTES,
    ExportFile,
    ExportFormat,
    ExportKind,
    ImportResult,
    export,
    import_stix,
    parse_format,
    parse_selection,
)
from drachma.web.auth import Session, api_session, check_csrf, page_session, store_of
from drachma.web.forms import Fields, date_value
from drachma.web.render import render

router = APIRouter(tags=["sharing"])
Authenticated = Annotated[Session, Depends(api_session)]
Filter = Annotated[str | None, Query(max_length=200)]
Sender = Annotated[str, Query(max_length=200, description="Your force's name, as the sender.")]
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
SINGLE = ("person", "group", "incident")
SETS = ("reports", "incidents")


def download(made: ExportFile) -> Response:
    return Response(made.content, media_type=made.media_type, headers={
        "Content-Disposition": f'attachment; filename="{made.filename}"',
        "X-Drachma-Records": str(made.records)})


def _single(kind: str) -> str:
    if kind not in SINGLE:
        raise ValidationError(f"{kind!r} is exported by number only for: {', '.join(SINGLE)}",
                              field="kind")
    return kind


@router.get("/api/export/{fmt}/{kind}/{record_id}", response_class=Response, responses={
    200: {"description": "The export as a file (STIX JSON, FollowTheMoney lines or CSV).",
          "content": {"application/octet-stream": {}}}})
def api_export_one(session: Authenticated, request: Request, fmt: str, kind: str,
                   record_id: RecordId, sender: Sender = DEFAULT_SENDER) -> Response:
    """One person, group or incident as ``stix``, ``ftm`` or ``csv``: only what you may see, no
    source identity; audited."""
    selection = parse_selection(_single(kind), record_id)
    return download(export(store_of(request), session.actor, selection, parse_format(fmt),
                           sender=sender))


@router.get("/api/export/{fmt}/{kind}", response_class=Response, responses={
    200: {"description": "The export as a file (STIX JSON, FollowTheMoney lines or CSV).",
          "content": {"application/octet-stream": {}}}})
def api_export_set(
    session: Authenticated, request: Request, fmt: str, kind: str,
    sender: Sender = DEFAULT_SENDER,
    grading: Filter = None, source_kind: Filter = None, force: Filter = None,
    received_from: Filter = None, received_to: Filter = None,
    since: Filter = None, until: Filter = None, area: Filter = None, group: Filter = None,
    status: Filter = None, risk: Filter = None,
) -> Response:
    """Every report (filters: grading, source_kind, force, received_from, received_to) or every
    incident (since, until, area, force, group, status, risk) that matches, up to 2,000."""
    if kind not in SETS:
        raise ValidationError(f"{kind!r} needs a number: /api/export/{fmt}/{kind}/<number>; "
                              f"without one: {', '.join(SETS)}", field="kind")
    selection = parse_selection(
        kind,
        report_filters={"grading": grading, "source_kind": source_kind, "force": force,
                        "received_from": received_from, "received_to": received_to},
        incident_filters={"since": since, "until": until, "area": area, "force": force,
                          "group": group, "status": status, "risk": risk})
    return download(export(store_of(request), session.actor, selection, parse_format(fmt),
                           sender=sender))


class ImportedReportOut(BaseModel):
    id: int
    title: str
    grading: str


class ImportOut(BaseModel):
    bundle: str
    sender: str
    objects: int
    reports: list[ImportedReportOut]

    @classmethod
    def of(cls, result: ImportResult) -> ImportOut:
        return cls(bundle=result.bundle_id, sender=result.sender, objects=result.objects,
                   reports=[ImportedReportOut(id=r.id or 0, title=r.title,
                                              grading=r.grading.code) for r in result.reports])


async def read_upload(file: UploadFile) -> bytes:
    """At most one byte over the limit is read, so an over-large file is refused by name."""
    return await file.read(MAX_BYTES + 1)


@router.post("/api/import/stix", response_model=ImportOut, status_code=201)
async def api_import_stix(
    session: Authenticated, request: Request,
    file: Annotated[UploadFile, File(description="The STIX 2.1 bundle (JSON).")],
    grading: Annotated[str, Form(max_length=10, description="For objects the sender did not "
                                 "grade; handling P.")] = DEFAULT_GRADING,
    visible_to: Annotated[list[str] | None, Form(description="Roles that may read what comes "
                                                  "in with handling code C.")] = None,
) -> ImportOut:
    """Take in a STIX bundle from another force as graded reports for review (never groups,
    persons or incidents). A malformed bundle is refused naming what was wrong; nothing changes."""
    data = await read_upload(file)
    result = await run_in_threadpool(import_stix, store_of(request), session.actor, data,
                                     grading=grading, visible_to=visible_to or None)
    return ImportOut.of(result)


# --- pages ---------------------------------------------------------------------------------------

page_router = APIRouter(include_in_schema=False)
LoggedIn = Annotated[Session, Depends(page_session)]
FormText = Annotated[str, Form(max_length=300)]
#: The page's field for each error's ``field``.
_FIELDS = {"record_id": "number", "filters": "kind", "file": "file", "bundle": "file",
           "role": "visible_to", "handling_conditions": "grading"}
EXPORT_LABELS = {"kind": "What to export", "number": "Number", "format": "Format",
                 "sender": "Your force", "grading": "Grading", "source_kind": "Source",
                 "force": "Force", "received_from": "Received from", "received_to": "Received to",
                 "since": "Incidents from", "until": "Incidents to", "area": "Area",
                 "group": "Group", "status": "Status"}


def _field(error: DrachmaError, known: dict[str, str]) -> str:
    name = (error.field or "").split(".")[0].split("[")[0]
    name = _FIELDS.get(name, name)
    return name if name in known else next(iter(known))


def _export_page(request: Request, values: dict[str, str], errors: dict[str, str],
                 status_code: int = 200) -> Response:
    return render(request, "sharing/export.html", {
        "values": values, "errors": errors, "labels": EXPORT_LABELS,
        "kinds": list(ExportKind), "formats": list(ExportFormat),
        "source_kinds": list(SourceKind), "statuses": list(IncidentStatus),
    }, status_code)


@page_router.get("/sharing/export")
def export_form(request: Request, session: LoggedIn) -> Response:
    session.actor.require(Permission.READ_REPORTS)
    return _export_page(request, {"kind": "incident", "format": "stix",
                                  "sender": DEFAULT_SENDER}, {})


@page_router.post("/sharing/export")
def export_submit(request: Request, session: LoggedIn, fields: Fields,
                  csrf_token: FormText = "", kind: FormText = "", number: FormText = "",
                  format: FormText = "", sender: FormText = "", grading: FormText = "",
                  source_kind: FormText = "", force: FormText = "", area: FormText = "",
                  group: FormText = "", status: FormText = "") -> Response:
    check_csrf(session, csrf_token)
    values = {"kind": kind, "number": number, "format": format, "sender": sender,
              "grading": grading, "source_kind": source_kind, "force": force, "area": area,
              "group": group, "status": status}
    for name in ("received_from", "received_to", "since", "until"):
        values[name] = date_value(fields, name)
    try:
        record_id = None
        if kind in SINGLE:
            if not number.strip().isdigit() or not 0 < int(number) < 2**31:
                raise ValidationError(f"enter the {kind}'s number", field="number")
            record_id = int(number)
        chosen = {k: (values[k] or None) for k in values}
        selection = parse_selection(
            kind or "", record_id,
            report_filters={k: chosen[k] for k in ("grading", "source_kind", "force",
                                                    "received_from", "received_to")},
            incident_filters={k: chosen[k] for k in ("since", "until", "area", "force",
                                                      "group", "status")})
        made = export(store_of(request), session.actor, selection, parse_format(format or ""),
                      sender=sender or DEFAULT_SENDER)
    except DrachmaError as exc:
        if exc.http_status == 403:
            raise
        return _export_page(request, values, {_field(exc, EXPORT_LABELS): exc.message},
                            exc.http_status)
    return download(made)


IMPORT_LABELS = {"file": "STIX bundle", "grading": "Grading", "visible_to": "Roles"}


def _import_page(request: Request, values: dict[str, Any], errors: dict[str, str],
                 result: ImportResult | None = None, status_code: int = 200) -> Response:
    return render(request, "sharing/import.html", {
        "values": values, "errors": errors, "labels": IMPORT_LABELS, "result": result,
        "condition_roles": list(CONDITION_ROLES),
        "limit": f"{MAX_BYTES // (1024 * 1024)} MB"}, status_code)


@page_router.get("/sharing/import")
def import_form(request: Request, session: LoggedIn) -> Response:
    session.actor.require(Permission.CREATE_REPORTS)
    return _import_page(request, {"grading": DEFAULT_GRADING, "visible_to": ["analyst"]}, {})


@page_router.post("/sharing/import")
async def import_submit(
    request: Request, session: LoggedIn, csrf_token: FormText = "",
    file: Annotated[UploadFile | str, File()] = "",
    grading: FormText = DEFAULT_GRADING,
    visible_to: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    check_csrf(session, csrf_token)
    values = {"grading": grading, "visible_to": list(visible_to)}
    try:
        if isinstance(file, str) or not file.filename:
            raise ValidationError("choose the STIX bundle to take in", field="file")
        data = await read_upload(file)
        result = await run_in_threadpool(import_stix, store_of(request), session.actor, data,
                                         grading=grading, visible_to=list(visible_to) or None)
    except DrachmaError as exc:
        if exc.http_status == 403:
            raise
        return _import_page(request, values, {_field(exc, IMPORT_LABELS): exc.message},
                            status_code=exc.http_status)
    return _import_page(request, values, {}, result)
