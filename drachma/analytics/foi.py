"""Answers to Freedom of Information requests: the table, a CSV, a chart and a draft reply.

From a question's parameters (what is counted, which dates, which force area, broken down by
what) :func:`answer` produces the figures with small numbers suppressed: any count from 1 to
``threshold - 1`` is shown as "fewer than 5" (the threshold is in ``data/foi.toml`` and can be
given per answer). When exactly one figure of a table whose rows add up to its total is
suppressed, the next smallest is suppressed too, so the hidden one cannot be worked out by
subtraction. The reply says that numbers were suppressed and why.

An FOI answer is a disclosure: making one is recorded in the audit log.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from drachma import gazetteers
from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import FoiAnswered
from drachma.analytics.catalogue import foi_settings
from drachma.analytics.charts import Chart, bar_chart
from drachma.analytics.counts import DIMENSIONS, Breakdown, breakdown, dates_phrase
from drachma.errors import ValidationError
from drachma.store.analytics import FACT_DIMENSIONS, CountFilters
from drachma.store.db import Store

LONDON = ZoneInfo("Europe/London")
MAX_THRESHOLD = 100


@dataclass(frozen=True, slots=True)
class FoiQuestion:
    """What the requester asked, as parameters."""

    subject: str = "reports"  # "reports" or "incidents"
    by: str = "district"
    filters: CountFilters = field(default_factory=CountFilters)
    request_text: str = ""  # the request as the requester wrote it, if given
    reference: str = ""  # the force's FOI reference number
    threshold: int | None = None  # None: the threshold in foi.toml


@dataclass(frozen=True, slots=True)
class FoiRow:
    label: str
    count: int  # the true figure: for the analyst, never for the reply
    shown: str  # what the reply shows: the figure or "fewer than 5"
    suppressed: bool


@dataclass(frozen=True, slots=True)
class FoiAnswer:
    question: FoiQuestion
    counted: Breakdown
    threshold: int
    rows: list[FoiRow]  # includes "not recorded" when some records name no value
    total_shown: str
    suppressed: int  # how many figures are suppressed
    restated: str
    caveats: tuple[str, ...]
    reply: str
    generated_at: datetime

    def csv_text(self) -> str:
        """The table as the reply shows it (suppressed figures as words), with a total row."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([DIMENSIONS[self.question.by], f"number of {self.question.subject}"])
        for row in self.rows:
            writer.writerow([row.label, row.shown])
        writer.writerow(["Total", self.total_shown])
        return out.getvalue()

    def chart(self) -> Chart:
        """A bar chart of the figures as shown: suppressed figures are left out of the picture,
        and the text alternative says so."""
        shown = [f for f in self.counted.figures
                 if not any(r.label == f.label and r.suppressed for r in self.rows)]
        visible = Breakdown(self.counted.subject, self.counted.by, self.counted.filters,
                            self.counted.description, shown, self.counted.total, 0)
        chart = bar_chart(visible, title=f"{self.question.subject.capitalize()} by "
                                         f"{DIMENSIONS[self.question.by]}")
        if self.suppressed:
            note = (f" {self.suppressed} figures below {self.threshold} are suppressed and "
                    "not drawn.")
            return Chart(chart.title, chart.svg, chart.alt_text + note, chart.headers,
                         [(r.label, r.shown) for r in self.rows], chart.spec)
        return chart


def _shown(count: int, threshold: int) -> str:
    return f"fewer than {threshold}" if 0 < count < threshold else f"{count:,}"


def _restate(question: FoiQuestion) -> str:
    f = question.filters
    what = ("reports of online child abuse activist groups (so-called paedophile hunters)"
            if question.subject == "reports" else
            "incidents in which online child abuse activist groups confronted a person")
    when = " " + dates_phrase(f) if f.date_from or f.date_to else ""
    where = ""
    if f.force:
        where = f" recorded for the {gazetteers.force_by_code(f.force).name} area"
    if f.district:
        district = gazetteers.district_by_code(f.district)
        where += f" in {district.name if district else f.district}"
    return (f"the number of {what}{when}{where}, broken down by {DIMENSIONS[question.by]}")


def answer(store: Store, actor: Actor, question: FoiQuestion) -> FoiAnswer:
    """The figures, suppressed where small, and a draft reply in the usual FOI shape."""
    settings = foi_settings()
    threshold = settings.suppression_threshold if question.threshold is None else question.threshold
    if not 1 <= threshold <= MAX_THRESHOLD:
        raise ValidationError(f"the suppression threshold must be 1-{MAX_THRESHOLD}",
                              field="threshold")
    if len(question.request_text) > 10_000 or len(question.reference) > 100:
        raise ValidationError("the request text may be 10,000 characters and the reference 100",
                              field="request_text")
    counted = breakdown(store, actor, question.subject, question.by, question.filters)
    pairs = [(f.label, f.count) for f in counted.figures]
    if counted.unrecorded:
        pairs.append(("not recorded", counted.unrecorded))
    hidden = {i for i, (_, n) in enumerate(pairs) if 0 < n < threshold}
    adds_up = question.by not in FACT_DIMENSIONS or sum(n for _, n in pairs) == counted.total
    if len(hidden) == 1 and adds_up:
        others = sorted((n, i) for i, (_, n) in enumerate(pairs) if i not in hidden and n > 0)
        if others:
            hidden.add(others[0][1])  # secondary suppression: no working out by subtraction
    rows = [FoiRow(label, n, f"fewer than {threshold}" if i in hidden else f"{n:,}",
                   i in hidden) for i, (label, n) in enumerate(pairs)]
    total_shown = _shown(counted.total, threshold)
    now = datetime.now(UTC)
    restated = _restate(question)
    reply = _reply(question, restated, rows, total_shown, threshold, len(hidden), counted,
                   settings.caveats, now)
    with store.begin() as conn:
        audit.record(conn, actor, FoiAnswered(
            reference=question.reference or None, filters=urlencode(question.filters.as_params()),
            subject=question.subject, by=question.by, threshold=threshold))
    return FoiAnswer(question, counted, threshold, rows, total_shown, len(hidden), restated,
                     settings.caveats, reply, now)


def _reply(question: FoiQuestion, restated: str, rows: list[FoiRow], total_shown: str,
           threshold: int, suppressed: int, counted: Breakdown, caveats: tuple[str, ...],
           now: datetime) -> str:
    local = now.astimezone(LONDON)
    lines = ["DRAFT: for the FOI officer to check before it is sent.", ""]
    if question.reference:
        lines += [f"Freedom of Information request {question.reference}", ""]
    lines += ["Your request", ""]
    if question.request_text.strip():
        lines += ["You asked:", "", *("> " + line for line in question.request_text.strip()
                                      .splitlines()), ""]
    lines += [f"We have read your request as asking for {restated}.", "", "Our response", ""]
    noun = question.subject
    lines += ["The information is held. The figures are in the table below.", ""]
    width = max([len(r.label) for r in rows] + [len(DIMENSIONS[question.by]), 5])
    lines.append(f"{DIMENSIONS[question.by].capitalize():<{width}}  Number of {noun}")
    lines += [f"{r.label:<{width}}  {r.shown}" for r in rows]
    lines += [f"{'Total':<{width}}  {total_shown}", ""]
    if suppressed:
        lines += [f"Figures from 1 to {threshold - 1} are shown as \"fewer than {threshold}\" "
                  f"({suppressed} in this table), so that no individual can be identified from "
                  "them; where one small figure could be worked out from the total, a second "
                  "figure is also withheld. This is exempt information under section 40(2) "
                  "(personal information) of the Freedom of Information Act 2000.", ""]
    if counted.note:
        lines += [counted.note, ""]
    lines += ["Please note:", "", *(f"- {c}" for c in caveats), "",
              f"Figures were taken from the force's records on {local:%d/%m/%Y at %H:%M} "
              "(UK time)."]
    return "\n".join(lines) + "\n"
