"""Charts and maps as SVG, drawn on the server with Vega-Altair and ``vl-convert-python``.

Nothing here touches the network: the data is inlined in each spec, the boundaries come from the
package (``drachma.gazetteers.boundaries``) and there are no map tiles. Every chart comes with a
text alternative and the table of its data, so a page can show both beside the picture.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import altair as alt
import vl_convert

from drachma import gazetteers
from drachma.analytics.counts import DIMENSIONS, Breakdown, TrendPoint
from drachma.gazetteers.boundaries import ATTRIBUTION, map_features

MAX_BARS = 25
WIDTH = 560


@dataclass(frozen=True, slots=True)
class Chart:
    """An SVG picture with what a screen reader and a table need."""

    title: str
    svg: str
    alt_text: str  # a sentence or two saying what the picture shows
    headers: tuple[str, str]
    rows: list[tuple[str, str]]  # the data table beside the picture
    spec: dict[str, Any]  # the Vega-Lite spec, for the JSON API


def _data(**kwargs: Any) -> Any:
    return alt.Data(**kwargs)  # type: ignore[no-untyped-call]


_JSON = alt.DataFormat(type="json")  # type: ignore[no-untyped-call]


@lru_cache(maxsize=64)
def _render(spec_json: str) -> str:
    """SVG for a spec (the same figures draw the same picture: cached, maps take ~0.7 s)."""
    return str(vl_convert.vegalite_to_svg(json.loads(spec_json)))


def _svg(spec: dict[str, Any], title: str, alt_text: str) -> str:
    svg = _render(json.dumps(spec, sort_keys=True))
    # Make the picture accessible on its own: role, title and description for screen readers.
    head = (f'<svg role="img" aria-label="{html.escape(title)}"')
    svg = re.sub(r"^<svg", head, svg, count=1)
    return svg.replace(">", f"><title>{html.escape(title)}</title>"
                       f"<desc>{html.escape(alt_text)}</desc>", 1)


def _top(figures: list[tuple[str, int]]) -> str:
    parts = [f"{label} {count:,}" for label, count in figures[:3]]
    return "; ".join(parts)


def bar_chart(counted: Breakdown, title: str | None = None) -> Chart:
    """Horizontal bars, largest first (the first 25 values), for any breakdown."""
    title = title or f"{counted.subject.capitalize()} by {DIMENSIONS[counted.by]}"
    rows = [(f.label, f.count) for f in counted.figures[:MAX_BARS]]
    data = _data(values=[{"label": label, "count": count} for label, count in rows])
    chart = alt.Chart(data, title=title).mark_bar(color="#1d70b8").encode(
        x=alt.X("count:Q", title=f"number of {counted.subject}"),
        y=alt.Y("label:N", sort="-x", title=DIMENSIONS[counted.by]),
        tooltip=["label:N", "count:Q"],
    ).properties(width=WIDTH)
    spec = chart.to_dict()
    more = len(counted.figures) - len(rows)
    alt_text = (f"Bar chart of {counted.description} Largest: {_top(rows) or 'none'}."
                + (f" {more} smaller values are in the table only." if more > 0 else ""))
    return Chart(title, _svg(spec, title, alt_text), alt_text,
                 (DIMENSIONS[counted.by], f"{counted.subject}"),
                 [(f.label, f"{f.count:,}") for f in counted.figures], spec)


def trend_chart(counted: Breakdown, points: list[TrendPoint], title: str | None = None) -> Chart:
    """A line over the periods, zeros included, with the change on the period before."""
    title = title or f"{counted.subject.capitalize()} by {counted.by}"
    data = _data(values=[{"period": p.period, "count": p.count} for p in points])
    chart = alt.Chart(data, title=title).mark_line(point=True, color="#1d70b8").encode(
        x=alt.X("period:O", title=counted.by, sort=None),
        y=alt.Y("count:Q", title=f"number of {counted.subject}"),
    ).properties(width=WIDTH)
    spec = chart.to_dict()
    if points:
        peak = max(points, key=lambda p: p.count)
        alt_text = (f"Line chart of {counted.description} From {points[0].label} "
                    f"({points[0].count:,}) to {points[-1].label} ({points[-1].count:,}); "
                    f"highest {peak.label} ({peak.count:,}).")
    else:
        alt_text = f"Line chart of {counted.description} There are no records to show."
    rows = [(p.label, f"{p.count:,}" + ("" if p.change is None else f" ({p.change:+,})"))
            for p in points]
    return Chart(title, _svg(spec, title, alt_text), alt_text,
                 (counted.by, f"{counted.subject} (change on the period before)"), rows, spec)


def _map_title(title: str) -> alt.Title:
    """The title with the boundaries' attribution under it, one sentence a line."""
    lines = [line.strip() + "." for line in ATTRIBUTION.split(". ") if line.strip()]
    lines[-1] = lines[-1].rstrip(".") + "."
    return alt.Title(title, subtitle=lines, subtitleFontSize=8)


def _area_features(level: str) -> list[dict[str, Any]]:
    return list(map_features("district" if level == "district" else "force"))


def _with_areas(spec: dict[str, Any], name: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    """Put GeoJSON features into a spec after Altair has built it: Altair walks every value it
    is given (seconds for the UK's districts), and the spec only needs them as data."""
    spec.setdefault("datasets", {})[name] = values
    return spec


def choropleth(counted: Breakdown, title: str | None = None) -> Chart:
    """A map of the UK shaded by count, by 2023 district or by police force area."""
    if counted.by not in ("district", "force"):
        raise ValueError("a choropleth is drawn by district or by force")
    title = title or f"{counted.subject.capitalize()} by {DIMENSIONS[counted.by]}"
    counts = {f.key: f.count for f in counted.figures if f.key}
    features = []
    for feature in _area_features(counted.by):
        code = feature["properties"]["code"]
        key = code if counted.by == "district" else gazetteers.force_by_ons_code(code).code
        features.append({
            "type": "Feature",
            "geometry": feature["geometry"],
            "properties": {"name": feature["properties"]["name"], "count": counts.get(key, 0)},
        })
    data = _data(name="areas", format=_JSON)
    chart = alt.Chart(data, title=_map_title(title)).mark_geoshape(
        stroke="#ffffff", strokeWidth=0.3,
    ).encode(
        color=alt.Color("properties.count:Q", title=f"{counted.subject}",
                        scale=alt.Scale(scheme="blues")),
        tooltip=["properties.name:N", "properties.count:Q"],
    ).project(type="mercator").properties(width=420, height=560)
    spec = _with_areas(chart.to_dict(), "areas", features)
    rows = [(f.label, f.count) for f in counted.figures if f.key]
    alt_text = (f"Map of the UK shaded by {counted.description} Highest: "
                f"{_top(rows) or 'none'}. Boundaries: {ATTRIBUTION}")
    return Chart(title, _svg(spec, title, alt_text), alt_text,
                 (DIMENSIONS[counted.by], counted.subject),
                 [(label, f"{count:,}") for label, count in rows], spec)


def town_points(counted: Breakdown, title: str | None = None) -> Chart:
    """Incidents (or reports) as circles at their towns' centres over force area outlines.

    Points are placed at the gazetteer's town-centre coordinates (about 1 km): they show where,
    not an address.
    """
    if counted.by != "town":
        raise ValueError("points are drawn for a breakdown by town")
    title = title or f"{counted.subject.capitalize()} by town"
    points: list[dict[str, Any]] = []
    for figure in counted.figures:
        if not figure.key:
            continue
        found = [p for p in gazetteers.find_places(figure.key) if p.latitude is not None]
        if found:
            points.append({"town": figure.label, "count": figure.count,
                           "latitude": found[0].latitude, "longitude": found[0].longitude})
    outline = alt.Chart(_data(name="outline",
                                 format=_JSON)).mark_geoshape(
        fill="#f3f2f1", stroke="#b1b4b6", strokeWidth=0.4)
    dots = alt.Chart(_data(values=points)).mark_circle(color="#d4351c", opacity=0.7).encode(
        longitude="longitude:Q", latitude="latitude:Q",
        size=alt.Size("count:Q", title=counted.subject,
                      legend=alt.Legend(format="d", tickMinStep=1)), tooltip=["town:N", "count:Q"])
    chart = alt.layer(outline, dots, title=_map_title(title)
                      ).project(type="mercator").properties(width=420, height=560)
    spec = _with_areas(chart.to_dict(), "outline", _area_features("force"))
    rows = [(str(p["town"]), int(p["count"])) for p in points]
    alt_text = (f"Map of the UK with a circle at each town, sized by {counted.description} "
                f"Largest: {_top(rows) or 'none'}. Boundaries: {ATTRIBUTION}")
    return Chart(title, _svg(spec, title, alt_text), alt_text, ("town", counted.subject),
                 [(label, f"{count:,}") for label, count in rows], spec)
