"""The evidence locker's JSON API under ``/api/evidence/``: the same plain functions as the
``drachma evidence`` commands. No answer ever carries an exhibit's content except ``POST
/api/evidence/open``, which needs a stated reason and is recorded as a custody event first; it
is sent as an attachment of type ``application/octet-stream`` so that no browser renders it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from drachma.access.permissions import Permission
from drachma.errors import DrachmaError, PermissionDenied, ValidationError
from drachma.evidence import custody, disclosure, exhibits
from drachma.evidence.locker import Locker, open_locker
from drachma.evidence.receipt import gap_text
from drachma.model.evidence import CustodyAction, DisclosureCategory, DisclosureItem, Exhibit
from drachma.web.auth import Session, api_session, check_csrf, page_session, settings_of, store_of
from drachma.web.pages import page_number
from drachma.web.render import render

MAX_FILES = 50


def _session(request: Request) -> Session:
    return api_session(request)


Authenticated = Annotated[Session, Depends(_session)]
router = APIRouter(prefix="/api/evidence", tags=["evidence"])


def _locker(request: Request) -> Locker:
    return open_locker(settings_of(request).evidence_settings())


class ExhibitOut(BaseModel):
    reference: str
    description: str
    producer: str
    received_at: datetime
    received_from: str
    received_place: str
    original_name: str
    media_type: str
    size: int
    sha256: str
    disclosure_category: DisclosureCategory
    parent_reference: str | None
    redaction_of: str | None
    newest_inner_at: datetime | None
    links: list[tuple[str, int]]

    @classmethod
    def of(cls, item: Exhibit) -> ExhibitOut:
        return cls(reference=item.reference, description=item.description,
                   producer=item.producer, received_at=item.received_at,
                   received_from=item.received_from, received_place=item.received_place,
                   original_name=item.original_name, media_type=item.media_type, size=item.size,
                   sha256=item.sha256, disclosure_category=item.disclosure_category,
                   parent_reference=item.parent_reference, redaction_of=item.redaction_of,
                   newest_inner_at=item.newest_inner_at, links=item.links)


class ExhibitListOut(BaseModel):
    exhibits: list[ExhibitOut]
    total: int


class CustodyEventOut(BaseModel):
    seq: int
    action: CustodyAction
    at: datetime
    actor: str | None
    reason: str | None
    redacted: bool


class ExhibitDetailOut(BaseModel):
    exhibit: ExhibitOut
    custody: list[CustodyEventOut]


class ReceiptLineOut(BaseModel):
    reference: str
    name: str
    size: int
    sha256: str
    media_type: str


class ReceiptOut(BaseModel):
    received_at: datetime
    received_from: str
    lines: list[ReceiptLineOut]
    not_taken: list[tuple[str, str]]
    newest_inner_at: datetime | None
    gap_days: int | None


class OpenExhibitIn(BaseModel):
    reference: str = Field(max_length=32)
    reason: str = Field(max_length=2000)
    action: Literal["viewed", "downloaded", "copied", "exported"] = "viewed"


class CustodyIn(BaseModel):
    reference: str = Field(max_length=32)
    action: CustodyAction
    reason: str = Field(max_length=2000)


class DisclosureItemIn(BaseModel):
    schedule: Literal["MG6C", "MG6D"]
    description: str = Field(max_length=2000)
    sensitivity: str | None = Field(default=None, max_length=2000)
    exhibit: str | None = Field(default=None, max_length=32)


class DisclosureItemRevisionIn(BaseModel):
    description: str | None = Field(default=None, max_length=2000)
    schedule: Literal["MG6C", "MG6D"] | None = None
    sensitivity: str | None = Field(default=None, max_length=2000)


class DisclosureItemOut(BaseModel):
    number: int
    schedule: str
    description: str
    sensitivity: str | None
    exhibit: str | None

    @classmethod
    def of(cls, item: DisclosureItem) -> DisclosureItemOut:
        return cls(number=item.number, schedule=item.schedule, description=item.description,
                   sensitivity=item.sensitivity, exhibit=item.exhibit_reference)


class OfficerReportIn(BaseModel):
    text: str = Field(max_length=20000)
    items: list[int] = Field(default_factory=list, max_length=10000)


def _take_in(request: Request, session: Session, files: list[UploadFile],
             handover: exhibits.Handover) -> exhibits.Receipt:
    """Uploaded files are spooled to a private temporary folder (under their own names, never a
    path the client chose), taken in, and the folder removed whatever happens."""
    if not files or len(files) > MAX_FILES:
        raise ValidationError(f"upload 1 to {MAX_FILES} files", field="files")
    folder = Path(tempfile.mkdtemp(prefix="drachma-handover-"))
    try:
        paths = []
        for number, upload in enumerate(files, 1):
            name = Path(upload.filename or f"upload-{number}").name or f"upload-{number}"
            path = folder / f"{number:03d}" / name
            path.parent.mkdir()
            with open(path, "xb") as out:
                shutil.copyfileobj(upload.file, out, 1024 * 1024)
            paths.append(path)
        return exhibits.add_exhibits(store_of(request), session.actor, _locker(request), paths,
                                     handover)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@router.get("/exhibits", response_model=ExhibitListOut)
def api_list_exhibits(
    session: Authenticated, request: Request,
    parent: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ExhibitListOut:
    """Exhibits' details, never their content."""
    found, total = exhibits.list_exhibits(store_of(request), session.actor, limit=limit,
                                          offset=offset, parent=parent)
    return ExhibitListOut(exhibits=[ExhibitOut.of(e) for e in found], total=total)


@router.get("/exhibit", response_model=ExhibitDetailOut)
def api_exhibit(session: Authenticated, request: Request,
                reference: Annotated[str, Query(max_length=32)]) -> ExhibitDetailOut:
    """One exhibit's details and custody history."""
    store = store_of(request)
    item = exhibits.get_exhibit(store, session.actor, reference)
    events = custody.history(store, session.actor, item.reference, limit=1000)
    return ExhibitDetailOut(exhibit=ExhibitOut.of(item), custody=[
        CustodyEventOut(seq=e.seq, action=e.action, at=e.at, actor=e.actor, reason=e.reason,
                        redacted=e.redacted) for e in events])


@router.post("/exhibits", response_model=ReceiptOut, status_code=201)
def api_add_exhibits(
    session: Authenticated, request: Request,
    files: Annotated[list[UploadFile], File(description="Files or zip archives.")],
    producer: Annotated[str, Form(max_length=4)],
    received_from: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=2000)],
    place: Annotated[str, Form(max_length=200)] = "",
) -> ReceiptOut:
    """Take uploaded files (a zip archive is unpacked safely) in as exhibits; the receipt.
    Larger handovers go through ``drachma evidence add``: the API's request size limit holds."""
    receipt = _take_in(request, session, files,
                       exhibits.Handover(producer, received_from, reason, place))
    return ReceiptOut(
        received_at=receipt.received_at, received_from=receipt.handover.received_from,
        lines=[ReceiptLineOut(reference=line.reference, name=line.name, size=line.size,
                              sha256=line.sha256, media_type=line.media_type)
               for line in receipt.lines],
        not_taken=receipt.not_taken, newest_inner_at=receipt.newest_inner_at,
        gap_days=None if receipt.gap is None else receipt.gap.days)


@router.post("/open", response_class=StreamingResponse,
             responses={200: {"content": {"application/octet-stream": {}}}})
def api_open(session: Authenticated, request: Request, body: OpenExhibitIn) -> Response:
    """An exhibit's content, as an attachment, after its custody event (with the reason)."""
    item, chunks = exhibits.open_exhibit(store_of(request), session.actor, _locker(request),
                                         body.reference, body.reason, CustodyAction(body.action))
    first = next(chunks, b"")  # integrity or key problems surface before the answer starts

    def stream() -> Iterator[bytes]:
        yield first
        yield from chunks

    name = item.reference.replace("/", "-")
    return StreamingResponse(stream(), media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "X-Content-SHA256": item.sha256})


@router.post("/custody", response_model=ExhibitOut)
def api_custody(session: Authenticated, request: Request, body: CustodyIn) -> ExhibitOut:
    """Record an action on an exhibit (transferred, returned, destroyed, ...) with its reason."""
    return ExhibitOut.of(exhibits.record_custody(store_of(request), session.actor,
                                                 body.reference, body.action, body.reason))


@router.get("/checkpoint", response_class=PlainTextResponse)
def api_checkpoint(session: Authenticated, request: Request) -> PlainTextResponse:
    """The newest signed checkpoint of the custody log (signed-note text), made if needed."""
    session.actor.require(Permission.MANAGE_EVIDENCE)
    made = custody.make_checkpoint(store_of(request), _locker(request))
    return PlainTextResponse(made.note if made else "")


@router.get("/public-key", response_class=PlainTextResponse)
def api_public_key(session: Authenticated, request: Request) -> PlainTextResponse:
    """The checkpoint verifier key, in signed-note form."""
    return PlainTextResponse(_locker(request).verifier_key + "\n")


@router.get("/proof/{seq}")
def api_proof(session: Authenticated, request: Request, seq: int) -> dict[str, object]:
    """Inclusion proof of the custody event at log position ``seq`` in the newest checkpoint."""
    session.actor.require(Permission.MANAGE_EVIDENCE)
    return custody.inclusion(store_of(request), seq).as_dict()


@router.get("/investigations/{investigation}/schedules/{kind}")
def api_schedule(session: Authenticated, request: Request, investigation: int,
                 kind: Literal["MG6C", "MG6D", "MG6E"],
                 format: Literal["json", "csv", "pdf"] = "json") -> Response:
    """MG6C, MG6D or MG6E for an investigation, as JSON, CSV or PDF."""
    store, actor = store_of(request), session.actor
    if format == "csv":
        return Response(disclosure.schedule_csv(store, actor, investigation, kind),
                        media_type="text/csv; charset=utf-8")
    if format == "pdf":
        return Response(disclosure.schedule_pdf(store, actor, investigation, kind),
                        media_type="application/pdf")
    title, header, rows = disclosure.schedule_rows(store, actor, investigation, kind)
    return JSONResponse({"title": title, "header": header, "rows": rows})


@router.post("/investigations/{investigation}/items", response_model=DisclosureItemOut,
             status_code=201)
def api_add_item(session: Authenticated, request: Request, investigation: int,
                 body: DisclosureItemIn) -> DisclosureItemOut:
    """Schedule an item (disclosure officer only); it gets the next item number."""
    return DisclosureItemOut.of(disclosure.add_item(store_of(request), session.actor, investigation,
                                          body.schedule, body.description,
                                          sensitivity=body.sensitivity, exhibit=body.exhibit))


@router.patch("/investigations/{investigation}/items/{number}", response_model=DisclosureItemOut)
def api_revise_item(session: Authenticated, request: Request, investigation: int, number: int,
                    body: DisclosureItemRevisionIn) -> DisclosureItemOut:
    """Revise an item or move it between schedules; it keeps its number."""
    return DisclosureItemOut.of(disclosure.revise_item(
        store_of(request), session.actor, investigation, number, description=body.description,
        schedule=body.schedule, sensitivity=body.sensitivity))


@router.post("/investigations/{investigation}/report", status_code=201)
def api_report(session: Authenticated, request: Request, investigation: int,
               body: OfficerReportIn) -> dict[str, object]:
    """A new revision of the disclosure officer's report (MG6E)."""
    report = disclosure.write_report(store_of(request), session.actor, investigation,
                                     body.text, body.items)
    return {"revision": report.revision, "items": report.items}


# --- pages ---------------------------------------------------------------------------------------
# GOV.UK Frontend pages (base.html); every POST carries the CSRF token; no page ever shows content.

PAGE_UPLOAD_LIMIT = 200 * 1024 * 1024
PAGE_UPLOAD_TEXT = "200 MB"
PER_PAGE = 100
page_router = APIRouter(include_in_schema=False)
LoggedIn = Annotated[Session, Depends(page_session)]
FormText = Annotated[str, Form(max_length=2000)]


@page_router.get("/evidence")
def exhibits_page(request: Request, session: LoggedIn, page: str | None = None) -> Response:
    number = page_number(page)
    found, total = exhibits.list_exhibits(store_of(request), session.actor, limit=PER_PAGE,
                                          offset=(number - 1) * PER_PAGE)
    return render(request, "evidence/exhibits.html", {
        "exhibits": found, "total": total, "page": number, "per_page": PER_PAGE,
        "has_next": number * PER_PAGE < total})


def _exhibit_page(request: Request, session: Session, reference: str,
                  errors: dict[str, str] | None = None, reason: str = "",
                  status_code: int = 200) -> Response:
    store = store_of(request)
    item = exhibits.get_exhibit(store, session.actor, reference)
    subs, _ = exhibits.list_exhibits(store, session.actor, limit=1000,
                                     parent=item.reference) if not item.parent_reference \
        else ([], 0)
    events = custody.history(store, session.actor, item.reference, limit=1000)
    return render(request, "evidence/exhibit.html", {
        "exhibit": item, "subs": subs, "events": events, "errors": errors or {},
        "values": {"reason": reason}}, status_code)


@page_router.get("/evidence/exhibit")
def exhibit_page(request: Request, session: LoggedIn,
                 reference: Annotated[str, Query(max_length=32)]) -> Response:
    return _exhibit_page(request, session, reference)


@page_router.post("/evidence/open")
def open_page(request: Request, session: LoggedIn, reference: FormText, reason: FormText = "",
              csrf_token: FormText = "") -> Response:
    check_csrf(session, csrf_token)
    try:
        item, chunks = exhibits.open_exhibit(store_of(request), session.actor, _locker(request),
                                             reference, reason, CustodyAction.DOWNLOADED)
    except ValidationError as exc:
        return _exhibit_page(request, session, reference, {exc.field or "reason": exc.message},
                             reason, exc.http_status)
    first = next(chunks, b"")

    def stream() -> Iterator[bytes]:
        yield first
        yield from chunks

    return StreamingResponse(stream(), media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{item.reference.replace("/", "-")}"'})


def _handover_page(request: Request, values: dict[str, str], errors: dict[str, str],
                   receipt: exhibits.Receipt | None = None, status_code: int = 200) -> Response:
    return render(request, "evidence/handover.html", {
        "values": values, "errors": errors, "receipt": receipt, "limit": PAGE_UPLOAD_TEXT,
        "gap": gap_text(receipt.gap) if receipt else ""}, status_code)


@page_router.get("/evidence/handover")
def handover_form(request: Request, session: LoggedIn) -> Response:
    session.actor.require(Permission.MANAGE_EVIDENCE)
    return _handover_page(request, {"producer": "", "received_from": "", "place": "",
                                    "reason": ""}, {})


@page_router.post("/evidence/handover", max_body_size=PAGE_UPLOAD_LIMIT)
def handover_submit(
    request: Request, session: LoggedIn,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI reads it, never mutated
    producer: FormText = "", received_from: FormText = "", place: FormText = "",
    reason: FormText = "", csrf_token: FormText = "",
) -> Response:
    check_csrf(session, csrf_token)
    values = {"producer": producer, "received_from": received_from, "place": place,
              "reason": reason}
    chosen = [f for f in files if f.filename]
    if not chosen:
        return _handover_page(request, values, {"files": "Choose at least one file"}, None, 422)
    try:
        receipt = _take_in(request, session, chosen, exhibits.Handover(
            producer, received_from, reason, place))
    except PermissionDenied:
        raise
    except DrachmaError as exc:
        return _handover_page(request, values, {exc.field or "files": exc.message}, None,
                              exc.http_status)
    return _handover_page(request, {"producer": producer, "received_from": "", "place": "",
                                    "reason": ""}, {}, receipt)


@page_router.get("/evidence/investigations/{investigation}/schedules/{kind}")
def schedule_page(request: Request, session: LoggedIn, investigation: int,
                  kind: Literal["MG6C", "MG6D", "MG6E"]) -> Response:
    title, header, rows = disclosure.schedule_rows(store_of(request), session.actor,
                                                   investigation, kind)
    return render(request, "evidence/schedule.html", {
        "title": title, "header": header, "rows": rows, "investigation": investigation,
        "kind": kind})
