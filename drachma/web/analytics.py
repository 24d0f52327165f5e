"""The analytics JSON API under ``/api/analytics/``: counts, the records behind a figure, trends,
hotspots, FOI answers, charts and maps as SVG, and group profiles.

Only HTTP in and out: every route calls the same function as ``drachma counts`` and friends.
Every figure's ``records`` is the query string of ``/api/analytics/records`` that lists the
records behind it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from markupsafe import Markup

from drachma.access.permissions import Permission
from drachma.analytics import charts, export, foi, params, profiles
from drachma.analytics import counts as A
from drachma.analytics.catalogue import outcome_categories
from drachma.errors import DrachmaError, PermissionDenied, ValidationError
from drachma.store.analytics import CountFilters
from drachma.web.auth import Session, api_session, page_session, store_of
from drachma.web.forms import date_value
from drachma.web.render import render

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


# --- pages ------------------------------------------------------------------------------------
# Server-rendered, GOV.UK Frontend, no JavaScript: every chart is inline SVG with its text
# alternative and its data table, every figure links to the records behind it. Forms are GET.

pages_router = APIRouter(include_in_schema=False)
LoggedIn = Annotated[Session, Depends(page_session)]
FILTER_FIELDS = ("date_from", "date_to", "force", "district", "town", "group", "platform",
                 "outcome", "source_kind", "grading")
ANALYTICS_PAGES = (("/analytics", "Dashboard"), ("/analytics/hotspots", "Hotspots"),
                   ("/analytics/maps", "Maps"), ("/analytics/trends", "Trends"),
                   ("/analytics/foi", "FOI answer"))


def _page_values(request: Request) -> dict[str, str]:
    params = request.query_params
    values = {name: str(params.get(name, "") or "")[:200] for name in FILTER_FIELDS}
    values["date_from"] = date_value(params, "date_from")[:20]
    values["date_to"] = date_value(params, "date_to")[:20]
    values["subject"] = "incidents" if params.get("subject") == "incidents" else "reports"
    return values


def _page_filters(values: dict[str, str]) -> CountFilters:
    return params.parse_filters(**{name: values[name] or None for name in FILTER_FIELDS})


def records_url(subject: str, filters: CountFilters) -> str:
    return "/analytics/records?" + urlencode({"subject": subject, **filters.as_params()})


def figure_link(subject: str, filters: CountFilters, text: str, hidden: str = "") -> Markup:
    """A link from a figure to the records behind it; ``hidden`` names it for screen readers."""
    extra = (Markup('<span class="govuk-visually-hidden"> {}</span>').format(hidden)
             if hidden else "")
    return Markup('<a class="govuk-link" href="{}">{}{}</a>').format(
        records_url(subject, filters), text, extra)


def report_title_link(report_id: int, title: str) -> Markup:
    return Markup('<a class="govuk-link" href="/reports/{}">{}</a>').format(report_id, title)


def _page(request: Request, template: str, context: dict[str, Any],
          values: dict[str, str]) -> Response:
    context.setdefault("errors", {})
    context.update(values=values, analytics_pages=ANALYTICS_PAGES,
                   figure_link=figure_link, report_title_link=report_title_link,
                   records_url=records_url, dimensions=A.DIMENSIONS,
                   outcome_choices=list(outcome_categories().values()))
    return render(request, template, context,
                  422 if context["errors"] else 200)


def _failed(request: Request, template: str, values: dict[str, str],
            exc: DrachmaError, context: dict[str, Any] | None = None) -> Response:
    field = exc.field if exc.field in (*FILTER_FIELDS, "threshold", "reference") else "date_from"
    return _page(request, template, {**(context or {}), "errors": {field: exc.message},
                                     "failed": True}, values)


@pages_router.get("/analytics")
def dashboard_page(request: Request, session: LoggedIn) -> Response:
    values = _page_values(request)
    store, actor = store_of(request), session.actor
    actor.require(Permission.READ_REPORTS)
    try:
        filters = _page_filters(values)
        d = A.dashboard(store, actor, values["subject"], filters)
    except DrachmaError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        return _failed(request, "analytics/dashboard.html", values, exc)
    counted, points = d.activity
    return _page(request, "analytics/dashboard.html", {
        "total": d.by_force.total, "description": d.by_force.description,
        "charts": [
            (d.by_district, charts.choropleth(d.by_district)),
            (counted, charts.trend_chart(counted, points)),
            (d.by_force, charts.bar_chart(d.by_force)),
            (d.by_group, charts.bar_chart(d.by_group)),
            (d.outcomes, charts.bar_chart(d.outcomes)),
        ],
    }, values)


@pages_router.get("/analytics/hotspots")
def hotspots_page(request: Request, session: LoggedIn,
                  by: Literal["district", "town", "force"] = "district") -> Response:
    values = _page_values(request)
    values["by"] = by
    try:
        counted, rows = A.hotspots(store_of(request), session.actor, values["subject"], by,
                                   _page_filters(values), limit=50)
    except DrachmaError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        return _failed(request, "analytics/hotspots.html", values, exc)
    return _page(request, "analytics/hotspots.html", {"counted": counted, "hotspot_rows": rows},
                 values)


@pages_router.get("/analytics/maps")
def maps_page(request: Request, session: LoggedIn,
              by: Literal["district", "force", "town"] = "district") -> Response:
    values = _page_values(request)
    values["by"] = by
    try:
        counted = A.breakdown(store_of(request), session.actor, values["subject"], by,
                              _page_filters(values))
        drawn = charts.town_points(counted) if by == "town" else charts.choropleth(counted)
    except DrachmaError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        return _failed(request, "analytics/chart_page.html", values, exc,
                       {"heading": "Maps"})
    return _page(request, "analytics/chart_page.html",
                 {"heading": "Maps", "charts": [(counted, drawn)], "choices": (
                     ("district", "Districts"), ("force", "Police force areas"),
                     ("town", "Towns (points)"))}, values)


@pages_router.get("/analytics/trends")
def trends_page(request: Request, session: LoggedIn,
                by: Literal["month", "quarter", "year"] = "month") -> Response:
    values = _page_values(request)
    values["by"] = by
    try:
        counted, points = A.trend(store_of(request), session.actor, values["subject"], by,
                                  _page_filters(values))
        drawn = charts.trend_chart(counted, points)
    except DrachmaError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        return _failed(request, "analytics/chart_page.html", values, exc,
                       {"heading": "Trends"})
    return _page(request, "analytics/chart_page.html",
                 {"heading": "Trends", "charts": [(counted, drawn)], "points": points,
                  "choices": (("month", "Months"), ("quarter", "Quarters"),
                              ("year", "Years"))}, values)


@pages_router.get("/analytics/records")
def records_page(request: Request, session: LoggedIn,
                 page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    values = _page_values(request)
    try:
        filters = _page_filters(values)
        rows, total = A.records(store_of(request), session.actor, values["subject"], filters,
                                limit=50, offset=(page - 1) * 50)
    except DrachmaError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        return _failed(request, "analytics/records.html", values, exc)
    return _page(request, "analytics/records.html", {
        "records": rows, "total": total, "page": page, "has_next": page * 50 < total,
        "description": A.describe(A.check_filters(values["subject"], None, filters), filters)},
        values)


@pages_router.get("/analytics/foi")
def foi_page(request: Request, session: LoggedIn,
             by: Annotated[str, Query(max_length=20)] = "district",
             threshold: Annotated[str, Query(max_length=3)] = "",
             reference: Annotated[str, Query(max_length=100)] = "",
             ask: Annotated[str, Query(max_length=3)] = "") -> Response:
    values = _page_values(request)
    values.update(by=by, threshold=threshold, reference=reference)
    if not ask:
        return _page(request, "analytics/foi.html", {"answer": None}, values)
    try:
        if threshold and not threshold.isdigit():
            raise ValidationError("the threshold is a whole number", field="threshold")
        answer = foi.answer(store_of(request), session.actor, foi.FoiQuestion(
            subject=values["subject"], by=by, filters=_page_filters(values),
            reference=reference, threshold=int(threshold) if threshold else None))
    except DrachmaError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        return _failed(request, "analytics/foi.html", values, exc, {"answer": None})
    query = urlencode({k: v for k, v in request.query_params.items() if k != "ask"})
    return _page(request, "analytics/foi.html", {"answer": answer, "chart": answer.chart(),
                                                 "csv_url": f"/api/analytics/foi.csv?{query}"},
                 values)


@pages_router.get("/analytics/groups/{name}")
def group_page(request: Request, session: LoggedIn, name: str) -> Response:
    values = _page_values(request)
    profile = profiles.group_profile(store_of(request), session.actor, name[:200],
                                     _page_filters(values))
    counted, points = profile.activity
    return _page(request, "analytics/group.html", {
        "p": profile, "activity": charts.trend_chart(counted, points, "Reports per quarter"),
        "map": charts.choropleth(profile.districts, "Reports naming the group, by district"),
    }, values)
