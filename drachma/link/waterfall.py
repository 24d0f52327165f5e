"""The waterfall of a candidate pair as a chart drawn on the server (SVG), with its text
alternative and data table: how each comparison moved the match weight from the prior to the
total (after Splink's own waterfall chart)."""

from __future__ import annotations

from typing import Any

import altair as alt

from drachma.analytics.charts import Chart, _svg

WIDTH = 520
NAMES = {"prior": "prior", "first_name": "given name", "surname": "surname",
         "dob": "date of birth", "postcode": "postcode", "address": "address",
         "handles": "handles", "name_core": "name", "pages": "pages", "force": "area",
         "years": "period"}


def waterfall_chart(steps: list[dict[str, Any]], title: str = "Why this pair was proposed"
                    ) -> Chart:
    """Bars from the running total to the running total plus each comparison's weight."""
    values: list[dict[str, Any]] = []
    total = 0.0
    for order, step in enumerate(steps):
        weight = float(step["weight"])
        name = NAMES.get(str(step["comparison"]), str(step["comparison"]))
        values.append({"order": order, "bar": f"{order + 1}. {name}", "start": total,
                       "end": total + weight, "weight": weight, "level": str(step["level"]),
                       "sign": "for a match" if weight >= 0 else "against"})
        total += weight
    values.append({"order": len(steps), "bar": f"{len(steps) + 1}. total", "start": 0.0,
                   "end": total, "weight": total, "level": "match weight", "sign": "total"})
    data = alt.Data(values=values)  # type: ignore[no-untyped-call]
    chart = alt.Chart(data, title=title).mark_bar().encode(
        y=alt.Y("bar:N", sort=None, title=None),
        x=alt.X("start:Q", title="match weight (log2 of the odds)"),
        x2="end:Q",
        color=alt.Color("sign:N", title=None, scale=alt.Scale(
            domain=["for a match", "against", "total"],
            range=["#00703c", "#d4351c", "#1d70b8"])),
        tooltip=["bar:N", "level:N", "weight:Q"],
    ).properties(width=WIDTH)
    spec = chart.to_dict()
    helped = sorted((v for v in values[:-1] if v["weight"] > 0), key=lambda v: -v["weight"])
    against = [v for v in values[:-1] if v["weight"] < 0 and v["order"] > 0]
    alt_text = (f"Waterfall chart: match weight {total:.1f}. "
                + ("Most weight for a match: " + "; ".join(
                    f"{v['bar'][3:]} ({v['level']}, {v['weight']:+.1f})" for v in helped[:3])
                   + ". " if helped else "")
                + ("Against: " + "; ".join(f"{v['bar'][3:]} ({v['level']}, {v['weight']:+.1f})"
                                           for v in against) + "." if against else ""))
    svg = _svg(spec, title, alt_text)  # the analytics renderer: accessible title and desc
    rows = [(v["bar"][v["bar"].index(" ") + 1:], f"{v['level']}: {v['weight']:+.2f}")
            for v in values]
    return Chart(title, svg, alt_text, ("comparison", "level and weight"), rows, spec)
