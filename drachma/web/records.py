"""Records management (MoPI) on the web: the JSON API under ``/api/records/`` and the records
officer's pages under ``/records``. Only HTTP in and out; every route calls the same function as
``drachma records review|retain|dispose``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from drachma.access.permissions import Permission
from drachma.errors import ValidationError
from drachma.model.dates import parse_date
from drachma.records import backup, retention, subject_access
from drachma.store.records import ReviewRow
from drachma.web.auth import Session, api_session, check_csrf, page_session, settings_of, store_of
from drachma.web.forms import Fields, date_value
from drachma.web.pages import page_number
from drachma.web.render import render

router = APIRouter(prefix="/api/records", tags=["records"])
Authenticated = Annotated[Session, Depends(api_session)]
PER_PAGE = 50
ReportId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RecordId = ReportId
Kind = Literal["report", "incident", "investigation_subject"]


class ReviewOut(BaseModel):
    kind: str
    record_id: int
    report_id: int | None  # the record's id when it is a report (as before kinds came)
    group: str
    review_on: date
    status: str
    reason: str | None
    decided_by: str | None
    content_sha256: str | None
    title: str | None

    @classmethod
    def of(cls, row: ReviewRow) -> ReviewOut:
        return cls(kind=row.record_kind, record_id=row.record_id,
                   report_id=row.record_id if row.record_kind == "report" else None,
                   group=row.group, review_on=row.review_on,
                   status=row.status, reason=row.reason, decided_by=row.decided_by,
                   content_sha256=row.content_sha256, title=row.title)


class RetainIn(BaseModel):
    reason: str = Field(max_length=retention.MAX_REASON)
    review_on: date


class DisposeIn(BaseModel):
    reason: str = Field(max_length=retention.MAX_REASON)


@router.get("/due")
def api_due(session: Authenticated, request: Request,
            limit: Annotated[int, Query(ge=1, le=retention.MAX_PAGE)] = PER_PAGE,
            offset: Annotated[int, Query(ge=0, le=10**9)] = 0) -> list[ReviewOut]:
    """The records due for review, oldest first (new reports are scheduled first)."""
    rows = retention.review_queue(store_of(request), session.actor, limit=limit, offset=offset)
    return [ReviewOut.of(r) for r in rows]


@router.post("/{report_id}/retain")
def api_retain(session: Authenticated, request: Request, report_id: ReportId,
               body: RetainIn) -> ReviewOut:
    """Keep a report, with the reason, until a new review date."""
    return api_retain_kind(session, request, "report", report_id, body)


@router.post("/{report_id}/dispose")
def api_dispose(session: Authenticated, request: Request,
                report_id: ReportId, body: DisposeIn) -> ReviewOut:
    """Dispose of a due report: its personal data goes; its hash, who and why stay."""
    return api_dispose_kind(session, request, "report", report_id, body)


@router.post("/{kind}/{record_id}/retain")
def api_retain_kind(session: Authenticated, request: Request, kind: Kind, record_id: RecordId,
                    body: RetainIn) -> ReviewOut:
    """Keep a report, incident or investigation subject, with the reason, until a new date."""
    return ReviewOut.of(retention.retain(store_of(request), session.actor, record_id,
                                         body.reason, body.review_on, kind=kind))


@router.post("/{kind}/{record_id}/dispose")
def api_dispose_kind(session: Authenticated, request: Request, kind: Kind,
                     record_id: RecordId, body: DisposeIn) -> ReviewOut:
    """Dispose of a due report, incident or investigation subject: its personal data goes
    everywhere it was copied; its hash, who and why stay."""
    return ReviewOut.of(retention.dispose(store_of(request), session.actor, record_id,
                                          body.reason, home=settings_of(request).home,
                                          kind=kind))


# --- subject access requests ---


class SubjectAccessIn(BaseModel):
    name: str = Field(max_length=200, description="The person's name as the request gives it.")
    reference: str = Field(max_length=64, description="The request's case reference.")
    date_of_birth: date | None = Field(None, description="If the request gives it: a person's "
                                       "record with another date of birth is left out.")
    variants: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=subject_access.MAX_VARIANTS,
        description="Other names the person has been known by (maiden names, spellings).")


def _export(gathered: subject_access.Gathered) -> Response:
    name = subject_access.export_name(gathered.document["subject_access_request"])
    return Response(subject_access.to_json(gathered), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@router.post("/subject-access", response_class=Response, responses={200: {
    "description": "The export: a JSON file of every item held that names the person, each "
                   "with why it matched and the exemption to decide.",
    "content": {"application/json": {}}}})
def api_subject_access(session: Authenticated, request: Request,
                       body: SubjectAccessIn) -> Response:
    """Subject access request (DPA 2018 Part 3): everything held that names a person, as a file
    to download; records officers only; audited by the case reference. Nothing is kept on the
    server."""
    return _export(subject_access.gather(store_of(request), session.actor,
                                         subject_access.SubjectAccessRequest(
                                             body.name, body.reference, body.date_of_birth,
                                             tuple(body.variants))))


# --- backups: into the configured folder only (restore stays on the command line) ---


class BackupOut(BaseModel):
    name: str
    dialect: str
    revision: str | None
    files: int
    bytes: int


class BackupEntryOut(BaseModel):
    name: str
    finished: str | None
    dialect: str | None
    revision: str | None
    files: int | None


class BackupCheckOut(BaseModel):
    name: str
    verdict: str


BackupName = Annotated[str, Path(max_length=40, pattern=r"^drachma-[0-9TZ-]+$")]


@router.post("/backups", status_code=201)
def api_backup(session: Authenticated, request: Request) -> BackupOut:
    """Take a backup, while the server runs, into a new folder of ``DRACHMA_BACKUP_DIR`` named
    for the time (no path is taken from the caller); administrators and records officers."""
    made = backup.backup_to_folder(store_of(request), session.actor, settings_of(request))
    return BackupOut(name=made.path.name, dialect=made.dialect, revision=made.revision,
                     files=made.files, bytes=made.bytes)


@router.get("/backups")
def api_backups(session: Authenticated, request: Request) -> list[BackupEntryOut]:
    """The backups in the backup folder, newest first (an unfinished one has no ``finished``)."""
    return [BackupEntryOut(name=e.name, finished=e.finished, dialect=e.dialect,
                           revision=e.revision, files=e.files)
            for e in backup.list_backups(store_of(request), session.actor, settings_of(request))]


@router.post("/backups/{name}/check")
def api_backup_check(session: Authenticated, request: Request,
                     name: BackupName) -> BackupCheckOut:
    """Check one backup against its SHA-256 manifest: "ok", or the first thing wrong."""
    return BackupCheckOut(name=name, verdict=backup.check_named_backup(
        store_of(request), session.actor, settings_of(request), name))


# --- pages ---------------------------------------------------------------------------------------

page_router = APIRouter(include_in_schema=False)
LoggedIn = Annotated[Session, Depends(page_session)]
FormText = Annotated[str, Form(max_length=retention.MAX_REASON + 100)]
SarText = Annotated[str, Form(max_length=300)]
VariantsText = Annotated[str, Form(max_length=(subject_access.MAX_VARIANTS + 1) * 202)]


def _page_url(page: int) -> str:
    return f"/records?page={page}"


@page_router.get("/records")
def queue_page(request: Request, session: LoggedIn, page: str | None = None,
               done: Literal["retained", "disposed"] | None = None,
               report: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
               kind: Kind = "report") -> Response:
    number = page_number(page)
    rows = retention.review_queue(store_of(request), session.actor, limit=PER_PAGE + 1,
                                  offset=(number - 1) * PER_PAGE)
    return render(request, "records/queue.html", {
        "rows": rows[:PER_PAGE], "page": number, "has_next": len(rows) > PER_PAGE,
        "done": done, "report": report, "page_url": _page_url,
        "done_label": retention.KIND_LABELS[kind].capitalize(),
        "kind_labels": retention.KIND_LABELS})


SAR_FIELDS = {"name": "Name", "variants": "Other names", "date_of_birth": "Date of birth",
              "reference": "Case reference"}


def _sar_page(request: Request, values: dict[str, str], errors: dict[str, str],
              status_code: int = 200) -> Response:
    return render(request, "records/subject_access.html", {
        "values": values, "errors": errors, "labels": SAR_FIELDS,
        "max_variants": subject_access.MAX_VARIANTS}, status_code)


@page_router.get("/records/subject-access")
def sar_page(request: Request, session: LoggedIn) -> Response:
    session.actor.require(Permission.MANAGE_RECORDS)
    return _sar_page(request, {}, {})


@page_router.post("/records/subject-access")
def sar_submit(request: Request, session: LoggedIn, fields: Fields,
               name: SarText = "", reference: SarText = "", variants: VariantsText = "",
               csrf_token: SarText = "") -> Response:
    check_csrf(session, csrf_token)
    born = date_value(fields, "date_of_birth")
    values = {"name": name, "reference": reference, "variants": variants, "date_of_birth": born}
    try:
        gathered = subject_access.gather(store_of(request), session.actor,
                                         subject_access.SubjectAccessRequest(
                                             name, reference,
                                             parse_date(born, "date_of_birth") if born else None,
                                             tuple(variants.splitlines())))
    except ValidationError as exc:
        return _sar_page(request, values, {exc.field or "name": exc.message}, exc.http_status)
    return _export(gathered)


def _record_page(request: Request, session: Session, kind: str, record_id: int,
                 errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    row = retention.review_of(store_of(request), session.actor, record_id, kind=kind)
    return render(request, "records/record.html", {
        "row": row, "errors": errors or {}, "values": values or {},
        "kind_label": retention.KIND_LABELS[kind]}, status_code)


@page_router.get("/records/{report_id}")
def record_page(request: Request, session: LoggedIn, report_id: ReportId) -> Response:
    return _record_page(request, session, "report", report_id)


@page_router.get("/records/{kind}/{record_id}")
def record_kind_page(request: Request, session: LoggedIn, kind: Kind,
                     record_id: RecordId) -> Response:
    return _record_page(request, session, kind, record_id)


@page_router.post("/records/{report_id}/retain")
def retain_page(request: Request, session: LoggedIn, report_id: ReportId, fields: Fields,
                reason: FormText = "", csrf_token: FormText = "") -> Response:
    return retain_kind_page(request, session, "report", report_id, fields, reason, csrf_token)


@page_router.post("/records/{kind}/{record_id}/retain")
def retain_kind_page(request: Request, session: LoggedIn, kind: Kind, record_id: RecordId,
                     fields: Fields, reason: FormText = "", csrf_token: FormText = ""
                     ) -> Response:
    check_csrf(session, csrf_token)
    until = date_value(fields, "review_on")
    values = {"retain_reason": reason, "review_on": until}
    try:
        if not until:
            raise ValidationError("enter the next review date", field="review_on")
        retention.retain(store_of(request), session.actor, record_id, reason,
                         parse_date(until, "review_on"), kind=kind)
    except ValidationError as exc:
        field = "retain_reason" if exc.field == "reason" else exc.field or "review_on"
        return _record_page(request, session, kind, record_id, {field: exc.message}, values,
                            exc.http_status)
    return Response(status_code=303, headers={
        "Location": f"/records?done=retained&kind={kind}&report={record_id}"})


@page_router.post("/records/{report_id}/dispose")
def dispose_page(request: Request, session: LoggedIn, report_id: ReportId,
                 reason: FormText = "", csrf_token: FormText = "") -> Response:
    return dispose_kind_page(request, session, "report", report_id, reason, csrf_token)


@page_router.post("/records/{kind}/{record_id}/dispose")
def dispose_kind_page(request: Request, session: LoggedIn, kind: Kind, record_id: RecordId,
                      reason: FormText = "", csrf_token: FormText = "") -> Response:
    check_csrf(session, csrf_token)
    try:
        retention.dispose(store_of(request), session.actor, record_id, reason,
                          home=settings_of(request).home, kind=kind)
    except ValidationError as exc:
        return _record_page(request, session, kind, record_id, {"dispose_reason": exc.message},
                            {"dispose_reason": reason}, exc.http_status)
    return Response(status_code=303, headers={
        "Location": f"/records?done=disposed&kind={kind}&report={record_id}"})
