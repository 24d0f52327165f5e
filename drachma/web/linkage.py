"""Who is who on the web: the JSON API under ``/api/linkage/`` and the pages under ``/linkage``
(review queue, a pair with its waterfall, person profiles, group merges). Only HTTP in and out;
every route calls the same function as ``drachma link ...``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from drachma.errors import DrachmaError
from drachma.link import linkage, profiles, review
from drachma.link.groups import run_groups
from drachma.link.waterfall import waterfall_chart
from drachma.store.linkage import Decision, LinkRecord, Pair
from drachma.web.auth import Session, api_session, check_csrf, page_session, store_of
from drachma.web.pages import page_number
from drachma.web.render import render

router = APIRouter(prefix="/api/linkage", tags=["linkage"])
Authenticated = Annotated[Session, Depends(api_session)]
PairId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ProfileId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Kind = Literal["person", "group"]
Order = Literal["uncertain", "strongest"]  # review.QUEUE_ORDERS
Threshold = Annotated[float, Query(ge=linkage.MIN_THRESHOLD, le=linkage.MAX_THRESHOLD)]
PER_PAGE = 20


class RecordOut(BaseModel):
    id: int
    source_kind: str
    source_id: int
    profile_id: int | None
    features: dict[str, Any]

    @classmethod
    def of(cls, record: LinkRecord) -> RecordOut:
        return cls(id=record.id, source_kind=record.source_kind, source_id=record.source_id,
                   profile_id=record.cluster_id, features=record.features)


class StepOut(BaseModel):
    comparison: str
    level: str
    weight: float
    left: str
    right: str


class PairOut(BaseModel):
    id: int
    kind: str
    status: str
    match_weight: float
    match_probability: float
    model_id: int
    left: RecordOut
    right: RecordOut
    waterfall: list[StepOut]
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, pair: Pair, left: LinkRecord, right: LinkRecord) -> PairOut:
        return cls(id=pair.id, kind=pair.kind, status=pair.status,
                   match_weight=pair.match_weight, match_probability=pair.match_probability,
                   model_id=pair.model_id, left=RecordOut.of(left), right=RecordOut.of(right),
                   waterfall=[StepOut(**s) for s in pair.waterfall],
                   decided_by=pair.decided_by, decided_at=pair.decided_at)


class QueueOut(BaseModel):
    total: int
    hidden: int
    pairs: list[PairOut]


class DecisionOut(BaseModel):
    id: int
    pair_id: int
    decision: str
    changes: dict[str, Any]
    actor_name: str
    at: datetime

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(id=decision.id, pair_id=decision.pair_id, decision=decision.decision,
                   changes=decision.changes, actor_name=decision.actor_name, at=decision.at)


class ConfirmIn(BaseModel):
    keep: int | None = Field(default=None, ge=1, le=2**31 - 1)


class TrainIn(BaseModel):
    # Spark is for the command line and Python (a Spark session is not started from the web)
    backend: Literal["duckdb", "postgres"] | None = None


class RunIn(BaseModel):
    kind: Kind = "person"
    threshold: float = Field(default=linkage.REVIEW_THRESHOLD, ge=linkage.MIN_THRESHOLD,
                             le=linkage.MAX_THRESHOLD)


class RecordIn(BaseModel):
    record: str = Field(max_length=64, description="kind:id, e.g. incident_subject:12")
    threshold: float = Field(default=linkage.REVIEW_THRESHOLD, ge=linkage.MIN_THRESHOLD,
                             le=linkage.MAX_THRESHOLD)


class StatementOut(BaseModel):
    property: str
    value: str
    source_kind: str
    source_id: int
    source: str


class ProfileOut(BaseModel):
    id: int
    notice: str
    records: list[RecordOut]
    statements: list[StatementOut]
    hidden: int


@router.post("/train")
async def api_train(session: Authenticated, request: Request, body: TrainIn) -> dict[str, Any]:
    """Train the person model on every person record and store it as a new version."""
    result = await run_in_threadpool(linkage.train, store_of(request), session.actor,
                                     backend=body.backend)
    return {"model_id": result.model_id, "version": result.version, "backend": result.backend,
            "records": result.records, "not_learnt": result.not_learnt,
            "iterations": result.iterations}


@router.post("/run")
async def api_run(session: Authenticated, request: Request, body: RunIn) -> dict[str, Any]:
    """Score pairs with the newest model (people) or the group model; likely pairs go to review."""
    store = store_of(request)
    if body.kind == "group":
        found = await run_in_threadpool(run_groups, store, session.actor,
                                        threshold=body.threshold)
        return {"model_id": found.model_id, "version": found.version, "scored": found.scored,
                "new_pairs": found.new_pairs}
    result = await run_in_threadpool(linkage.run, store, session.actor,
                                     threshold=body.threshold)
    return {"model_id": result.model_id, "version": result.version, "scored": result.scored,
            "new_pairs": result.new_pairs}


@router.post("/records")
def api_link_record(session: Authenticated, request: Request, body: RecordIn) -> dict[str, Any]:
    """Link one new record against the rest with the stored model (no retraining)."""
    kind, source_id = linkage.parse_source(body.record)
    result = linkage.link_record(store_of(request), session.actor, kind, source_id,
                                 threshold=body.threshold)
    return {"record_id": result.record_id, "model_id": result.model_id,
            "candidates": result.candidates, "new_pairs": result.new_pairs,
            "matches": [{"record_id": r, "match_weight": w} for r, w in result.pairs]}


@router.get("/queue")
def api_queue(session: Authenticated, request: Request, kind: Kind = "person",
              threshold: Threshold = linkage.REVIEW_THRESHOLD,
              limit: Annotated[int, Query(ge=1, le=review.MAX_PAGE)] = PER_PAGE,
              offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
              order: Order = "uncertain") -> QueueOut:
    """Candidate pairs waiting for review, the least certain first (match weight nearest 0) or
    ``order=strongest``; pairs with a record the user may not see are left out and counted."""
    page = review.review_queue(store_of(request), session.actor, kind, threshold=threshold,
                               limit=limit, offset=offset, order=order)
    return QueueOut(total=page.total, hidden=page.hidden, pairs=[
        PairOut.of(p, page.records[p.left_id], page.records[p.right_id]) for p in page.pairs])


@router.get("/pairs/{pair_id}")
def api_pair(session: Authenticated, request: Request, pair_id: PairId) -> PairOut:
    """One candidate pair with both records and the waterfall of comparison weights."""
    detail = review.get_pair(store_of(request), session.actor, pair_id)
    return PairOut.of(detail.pair, detail.left, detail.right)


@router.post("/pairs/{pair_id}/confirm")
def api_confirm(session: Authenticated, request: Request, pair_id: PairId,
                body: ConfirmIn) -> DecisionOut:
    """Confirm a pair: one profile (groups: one group, the other's names its aliases)."""
    return DecisionOut.of(review.confirm(store_of(request), session.actor, pair_id,
                                         keep=body.keep))


@router.post("/pairs/{pair_id}/reject")
def api_reject(session: Authenticated, request: Request, pair_id: PairId) -> DecisionOut:
    """Reject a pair: remembered and never proposed again."""
    return DecisionOut.of(review.reject(store_of(request), session.actor, pair_id))


@router.post("/pairs/{pair_id}/undo")
def api_undo(session: Authenticated, request: Request, pair_id: PairId) -> DecisionOut:
    """Undo the last decision on a pair."""
    return DecisionOut.of(review.undo(store_of(request), session.actor, pair_id))


@router.get("/profiles/{profile_id}")
def api_profile(session: Authenticated, request: Request, profile_id: ProfileId) -> ProfileOut:
    """A person profile: each value with the record that said it."""
    found = profiles.person_profile(store_of(request), session.actor, profile_id)
    return ProfileOut(id=found.cluster_id, notice=found.notice,
                      records=[RecordOut.of(r) for r in found.records],
                      statements=[StatementOut(property=s.property, value=s.value,
                                               source_kind=s.source_kind,
                                               source_id=s.source_id, source=s.source)
                                  for s in found.statements], hidden=found.hidden)


# --- pages ---------------------------------------------------------------------------------------

page_router = APIRouter(include_in_schema=False)
LoggedIn = Annotated[Session, Depends(page_session)]
FormText = Annotated[str, Form(max_length=200)]


@page_router.get("/linkage")
def queue_page(request: Request, session: LoggedIn, kind: Kind = "person",
               page: str | None = None, done: str | None = None,
               pair: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
               order: Order = "uncertain") -> Response:
    number = page_number(page)
    shown = review.review_queue(store_of(request), session.actor, kind, limit=PER_PAGE,
                                offset=(number - 1) * PER_PAGE, order=order)
    return render(request, "linkage/queue.html", {
        "queue": shown, "kind": kind, "page": number, "order": order,
        "has_next": number * PER_PAGE < shown.total, "done": done, "done_pair": pair,
        "page_url": lambda n: f"/linkage?kind={kind}&order={order}&page={n}"})


def _pair_page(request: Request, session: Session, pair_id: int,
               error: str | None = None, status_code: int = 200) -> Response:
    store = store_of(request)
    detail = review.get_pair(store, session.actor, pair_id)
    statements = profiles.record_statements(store, [detail.left, detail.right])
    return render(request, "linkage/pair.html", {
        "detail": detail, "chart": waterfall_chart(detail.pair.waterfall),
        "statements": statements, "error": error,
        "describe": {r.id: _describe(store, r) for r in (detail.left, detail.right)}},
        status_code)


def _describe(store: Any, record: LinkRecord) -> str:
    if record.source_kind == "group":
        return f"group {record.features.get('name', '')}"
    return record.source_kind.replace("_", " ") + f" {record.source_id}"


@page_router.get("/linkage/pairs/{pair_id}")
def pair_page(request: Request, session: LoggedIn, pair_id: PairId) -> Response:
    return _pair_page(request, session, pair_id)


@page_router.post("/linkage/pairs/{pair_id}/{decision}")
def decide_page(request: Request, session: LoggedIn, pair_id: PairId,
                decision: Literal["confirm", "reject", "undo"],
                csrf_token: FormText = "", keep: FormText = "") -> Response:
    check_csrf(session, csrf_token)
    store = store_of(request)
    try:
        if decision == "confirm":
            review.confirm(store, session.actor, pair_id,
                           keep=int(keep) if keep.isdigit() else None)
        elif decision == "reject":
            review.reject(store, session.actor, pair_id)
        else:
            review.undo(store, session.actor, pair_id)
    except DrachmaError as exc:
        if exc.http_status == 403:
            raise
        return _pair_page(request, session, pair_id, exc.message, exc.http_status)
    return Response(status_code=303, headers={"Location": f"/linkage/pairs/{pair_id}"})


@page_router.get("/linkage/people")
def profiles_page(request: Request, session: LoggedIn, page: str | None = None) -> Response:
    number = page_number(page)
    rows, total = profiles.list_profiles(store_of(request), session.actor, limit=50,
                                         offset=(number - 1) * 50)
    return render(request, "linkage/people.html", {
        "rows": rows, "total": total, "page": number, "has_next": number * 50 < total,
        "page_url": lambda n: f"/linkage/people?page={n}"})


@page_router.get("/linkage/people/{profile_id}")
def profile_page(request: Request, session: LoggedIn, profile_id: ProfileId) -> Response:
    found = profiles.person_profile(store_of(request), session.actor, profile_id)
    return render(request, "linkage/person.html", {"profile": found})
