"""STATISTIC mentions: a number with what it counts and, where given, its period
("146 reports of vigilante groups in 2017 and 2018", "44 per cent of prosecutions")."""

from __future__ import annotations

import re

from drachma.extract.common import Context
from drachma.extract.rules import pattern, words
from drachma.model.mention import MentionType

W = r"[ \u00a0]+"
NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
STAT_RE = pattern("statistics.stat")
COUNTED = words("statistics.counted")
DIGIT_START_RE = pattern("statistics.digit_start")
PERIOD_RE = pattern("statistics.period")


def number_starts(text: str, digit_runs: list[tuple[int, int]]) -> list[re.Match[str]]:
    """The DIGIT_START_RE matches (numbers such as "1,250" or "3.5") that do not follow a letter,
    digit or one of ``.,/£$-``, found from the text's runs of digits (``Context.digit_runs``)
    instead of a scan: every match starts a run, and a run that starts none follows a "," or "."
    of the match before it, which the same test leaves out."""
    out: list[re.Match[str]] = []
    for p, _ in digit_runs:
        if p > 0 and (text[p - 1].isalnum() or text[p - 1] in ".,/£$-"):
            continue
        d = DIGIT_START_RE.match(text, p)
        if d is not None:  # always: a run of digits starts a match
            out.append(d)
    return out


def extract_statistics(ctx: Context) -> None:
    text = ctx.text
    dates = [(m.start, m.end) for m in ctx.of_type(MentionType.DATE)]
    for d in number_starts(text, ctx.digit_runs()):
        p = d.start()
        if any(s <= p < e for s, e in dates):
            continue  # "on 3 March 2023 after members of ...": a date, not a count
        # only numbers followed, within a few words, by something a statistic counts
        ahead = text[d.end() : d.end() + 48].lower().split()[:5]
        if not any(w.strip(".,;:") in COUNTED or w.startswith(("per", "%")) for w in ahead) and (
            d.group()[-1:] != "%"
        ):
            continue
        m = STAT_RE.match(text, p)
        if m is None:
            continue
        num = m.group("num").replace(",", "")
        if m.group("pct"):
            counts = m.group("what").strip()
            value = f"{num}%"
        else:
            counts = m.group("what").strip()
            value = num
        end = m.end()
        attrs = {"counts": re.sub(r"\s+", " ", counts)}
        tail = m.group("tail") or ""
        period = PERIOD_RE.search(tail)
        if period:
            attrs["period"] = period.group()
        elif m.group("pct"):
            # "44 per cent of prosecutions": period may be before, in the sentence
            s_s, _ = ctx.sentence(m.start())
            pm = PERIOD_RE.search(text, s_s, m.start())
            if pm:
                attrs["period"] = pm.group()
        ctx.add(MentionType.STATISTIC, m.start(), end, value, 0.7, attrs, claim=False)
