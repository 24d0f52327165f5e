"""The analytics JSON API under ``/api/analytics/``: counts, the records behind a figure, trends,
hotspots, FOI answers, charts and maps as SVG, and group profiles.

Only HTTP in and out: every route calls the same function as ``drachma counts`` and friends.
Every figure's ``records`` is the query string of ``/api/analytics/records`` that lists the
records behind it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from drachma.analytics import charts, export, foi, params, profiles
from drachma.analytics import counts as A
from drachma.errors import ValidationError
from drachma.store.analytics import CountFilters
from drachma.web.auth import Session, api_session, store_of

router = APIRouter(prefix="/api/analytics", tags=["analytics"])

Authenticated = Annotated[Session, Depends(api_session)]
Text = Annotated[str | None, Query(max_length=200)]
SubjectQuery = Annotated[Literal["reports", "incidents"],
                         Query(description="What to count: reports or incidents.")]
SVG = "image/svg+xml"


def count_filters(
    date_from: Annotated[str | None, Query(max_length=20,
                                           description="First day: 2017-01-01 or 01/01/2017.")]
    = None,
    date_to: Annotated[str | None, Query(max_length=20, description="Last day (inclusive).")]
    = None,
    force: Annotated[str | None, Query(max_length=200, description="Force code or name (GMP).")]
    = None,
    district: Annotated[str | None, Query(max_length=200,
                                          description="2023 GSS code or any district name.")]
    = None,
    town: Text = None,
    group: Text = None,
    platform: Text = None,
    outcome: Annotated[str | None, Query(max_length=40, description="arrested, charged, "
                                         "convicted, acquitted, no_further_action, "
                                         "wrong_person.")] = None,
    source_kind: Annotated[str | None, Query(max_length=20, description="Reports only.")]
    = None,
    grading: Annotated[str | None, Query(max_length=5, description="Reports only: 2, 2B, 2BP.")]
    = None,
    source_evaluation: Annotated[str | None, Query(max_length=1)] = None,
    intelligence: Annotated[str | None, Query(max_length=1)] = None,
    handling: Annotated[str | None, Query(max_length=1)] = None,
) -> CountFilters:
    """The filters of every analytics route (a figure's ``records`` link uses the same names)."""
    if grading and (source_evaluation or intelligence or handling):
        raise ValidationError("give grading, or its three parts, not both", field="grading")
    parsed = params.parse_filters(
        date_from=date_from, date_to=date_to, force=force, district=district, town=town,
        group=group, platform=platform, outcome=outcome, source_kind=source_kind,
        grading=grading)
    if source_evaluation or intelligence or handling:
        parsed = parsed.replace(source_evaluation=source_evaluation, intelligence=intelligence,
                                handling=handling)
    return parsed


Filters = Annotated[CountFilters, Depends(count_filters)]


@router.get("/counts")
def api_counts(session: Authenticated, request: Request, filters: Filters,
               subject: SubjectQuery = "reports",
               by: Annotated[str, Query(max_length=20)] = "district") -> dict[str, Any]:
    """Counts by area, period, group, platform, outcome, source kind or grading."""
    counted = A.breakdown(store_of(request), session.actor, subject, by, filters)
    return export.breakdown_json(counted)


@router.get("/records")
def api_records(session: Authenticated, request: Request, filters: Filters,
                subject: SubjectQuery = "reports",
                limit: Annotated[int, Query(ge=1, le=A.MAX_LIST)] = 50,
                offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    """The records a figure counts, newest first (audited)."""
    rows, total = A.records(store_of(request), session.actor, subject, filters, limit=limit,
                            offset=offset)
    return export.records_json(rows, total)


@router.get("/trends")
def api_trends(session: Authenticated, request: Request, filters: Filters,
               subject: SubjectQuery = "reports",
               period: Literal["month", "quarter", "year"] = "month") -> dict[str, Any]:
    """Counts per period with the change on the period before."""
    counted, points = A.trend(store_of(request), session.actor, subject, period, filters)
    return export.trend_json(counted, points)


@router.get("/hotspots")
def api_hotspots(session: Authenticated, request: Request, filters: Filters,
                 subject: SubjectQuery = "reports",
                 by: Literal["district", "town", "force"] = "district",
                 limit: Annotated[int, Query(ge=1, le=400)] = 20) -> dict[str, Any]:
    """Areas ranked by count, with the previous period of the same length."""
    counted, rows = A.hotspots(store_of(request), session.actor, subject, by, filters,
                               limit=limit)
    return export.hotspots_json(counted, rows)


def _answer(session: Session, request: Request, filters: CountFilters, subject: str, by: str,
            threshold: int | None, reference: str) -> foi.FoiAnswer:
    return foi.answer(store_of(request), session.actor, foi.FoiQuestion(
        subject=subject, by=by, filters=filters, reference=reference, threshold=threshold))


Threshold = Annotated[int | None, Query(ge=1, le=foi.MAX_THRESHOLD,
                                        description="Default from foi.toml (5).")]
Reference = Annotated[str, Query(max_length=100)]


@router.get("/foi")
def api_foi(session: Authenticated, request: Request, filters: Filters,
            subject: SubjectQuery = "reports",
            by: Annotated[str, Query(max_length=20)] = "district",
            threshold: Threshold = None, reference: Reference = "") -> dict[str, Any]:
    """An FOI answer: the table as shown (small numbers suppressed), the draft reply, the CSV."""
    answer = _answer(session, request, filters, subject, by, threshold, reference)
    return {
        "restated": answer.restated, "threshold": answer.threshold,
        "suppressed": answer.suppressed, "total": answer.total_shown,
        "rows": [{"label": r.label, "shown": r.shown, "suppressed": r.suppressed}
                 for r in answer.rows],
        "caveats": list(answer.caveats), "reply": answer.reply, "csv": answer.csv_text(),
        "description": answer.counted.description,
    }


@router.get("/foi.csv", response_class=Response)
def api_foi_csv(session: Authenticated, request: Request, filters: Filters,
                subject: SubjectQuery = "reports",
                by: Annotated[str, Query(max_length=20)] = "district",
                threshold: Threshold = None, reference: Reference = "") -> Response:
    """The FOI table as CSV, as the reply shows it."""
    answer = _answer(session, request, filters, subject, by, threshold, reference)
    return Response(answer.csv_text(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="foi.csv"'})


@router.get("/charts/{kind}.svg", response_class=Response)
def api_chart(session: Authenticated, request: Request, filters: Filters,
              kind: Literal["bar", "trend", "map", "points"],
              subject: SubjectQuery = "reports",
              by: Annotated[str, Query(max_length=20)] = "district") -> Response:
    """A chart or map as SVG: ``bar`` (any breakdown), ``trend`` (by month, quarter or year),
    ``map`` (by district or force, shaded) or ``points`` (by town)."""
    store, actor = store_of(request), session.actor
    if kind == "trend":
        if by not in ("month", "quarter", "year"):
            raise ValidationError("a trend is by month, quarter or year", field="by")
        counted, points = A.trend(store, actor, subject, by, filters)  # type: ignore[arg-type]
        drawn = charts.trend_chart(counted, points)
    else:
        counted = A.breakdown(store, actor, subject, by, filters)
        if kind == "map" and by not in ("district", "force"):
            raise ValidationError("a map is by district or force", field="by")
        if kind == "points" and by != "town":
            raise ValidationError("points are by town", field="by")
        drawn = (charts.choropleth(counted) if kind == "map" else
                 charts.town_points(counted) if kind == "points" else charts.bar_chart(counted))
    return Response(drawn.svg, media_type=SVG)


@router.get("/groups/{name}")
def api_group_profile(session: Authenticated, request: Request, name: str,
                      filters: Filters) -> dict[str, Any]:
    """A group's profile (by name or alias), with the reports behind every figure."""
    profile = profiles.group_profile(store_of(request), session.actor, name, filters)
    return export.profile_json(profile)
