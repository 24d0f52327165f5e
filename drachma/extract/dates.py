"""DATE mentions: absolute dates ("6th September 2019", "April 13", "05/01/19", "2012-13", "2017")
and relative ones ("last week", "on Wednesday evening", "in September last year"), resolved against
the report's own date. ``attributes["calendar"]`` holds the calendar part as written (absent for
purely relative expressions); ``attributes["original"]`` the full expression."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from drachma.extract.common import Context, digit_runs, matches_at, register_triggers
from drachma.extract.rules import RuleDataError, pattern, word_tuple
from drachma.model.mention import MentionType

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
# the month, year, ordinal, weekday and preposition parts of the date patterns are macros of
# data/patterns.toml

ABSOLUTE_RE = pattern("dates.absolute")
STATUTE_BEFORE_RE = pattern("dates.statute_before")
COUNT_AFTER_RE = pattern("dates.count_after")
RELATIVE_RE = pattern("dates.relative")
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
REL_TRIGGERS = word_tuple("dates.rel_triggers")
REL_TRIGGER_SET = frozenset(REL_TRIGGERS)
register_triggers(REL_TRIGGERS)
MONTH_INITIALS = frozenset("JFMASOND")
MONTHWORD_RE = pattern("dates.monthword")
MONTH_WORDS = frozenset(
    [n for n in calendar.month_name if n] + [n for n in calendar.month_abbr if n] + ["Sept"]
)
# the first three letters of every month word ("Jan" ... "Dec"; "Sept" starts with "Sep")
MONTH_ABBRS = tuple(sorted({w[:3] for w in MONTH_WORDS}))


def _prev_word_starts(text: str, p: int, n: int = 2) -> list[int]:
    starts: list[int] = []
    q = p
    for _ in range(n):
        k = q
        while k > 0 and text[k - 1] in " \u00a0\t":
            k -= 1
        if k == 0:
            break
        while k > 0 and not text[k - 1].isspace():
            k -= 1
        if k >= q:
            break
        starts.append(k)
        q = k
    return starts


def relative_matches(ctx: Context) -> list[re.Match[str]]:
    """RELATIVE_RE matches that contain a trigger word ("week", "Tuesday", "ago"...), each tried
    only at the starts of the few words before the trigger."""
    low, trig = ctx.low, ctx.triggers
    if trig.keys().isdisjoint(REL_TRIGGERS):
        return []
    hits = sorted([p for w in REL_TRIGGER_SET.intersection(trig) for p in trig[w]])
    out: list[re.Match[str]] = []
    last_end = -1
    for p in hits:
        if p < last_end:
            continue
        best: re.Match[str] | None = None
        for q in sorted([p, *_prev_word_starts(low, p, 3)]):
            if q < last_end:
                continue
            m = RELATIVE_RE.match(low, q)
            if m and m.end() > p:
                best = m
                break
        if best is not None:
            out.append(best)
            last_end = best.end()
    return out


def month_word_starts(text: str) -> list[int]:
    """Where the MONTHWORD_RE matches that are month words start, in order.

    A match starts at a capital and takes only lower-case letters after it, so no match runs
    over another's start, and every month word begins with its three-letter abbreviation: the
    matches are tried only where one is written (C-speed ``str.find``), not at every capital."""
    at: list[int] = []
    for abbr in MONTH_ABBRS:
        i = text.find(abbr)
        while i != -1:
            at.append(i)
            i = text.find(abbr, i + 1)
    at.sort()
    out: list[int] = []
    for i in at:
        m = MONTHWORD_RE.match(text, i)
        if m is not None and m.group() in MONTH_WORDS:
            out.append(i)
    return out


_digit_runs = digit_runs


def absolute_matches(
    text: str, digit_runs: list[tuple[int, int]] | None = None
) -> list[re.Match[str]]:
    """ABSOLUTE_RE matches, tried only where a date can start (fast on long texts).
    ``digit_runs``: the text's runs of digits when already found (``Context.digit_runs``)."""
    cands: list[int] = []
    if digit_runs is None:
        digit_runs = _digit_runs(text)
    for s, e in digit_runs:
        if e - s == 4:
            if text[s : s + 2] in ("19", "20"):
                cands.append(s)
        elif e - s <= 2:
            # a day or a numeric date: "6 August", "6th of August", "05/01/19"
            nxt = text[e : e + 8].lstrip("stndrh").lstrip()
            if (
                nxt[:1] == "/"
                or text[e : e + 1] == "/"
                or nxt[:1] in MONTH_INITIALS
                or (nxt[:3] == "of " and nxt[3:4] in MONTH_INITIALS)
            ):
                cands.append(s)
    for i in month_word_starts(text):
        cands.append(i)
        cands.extend(_prev_word_starts(text, i, 2))
    cands.sort()
    return matches_at(ABSOLUTE_RE, text, cands)


ABS_TRIGGERS = (
    *(name for name in calendar.month_abbr if name),
    "Sept",
    "/",
    "19",
    "20",
)


YEAR_ANYWHERE_RE = pattern("dates.year_anywhere")
# ``find_report_date`` reads this pattern's test from the runs of digits (see there): a change
# to the pattern must come with a change to that reading
if YEAR_ANYWHERE_RE.pattern != r"\d\d\d\d|/\d\d":
    raise RuleDataError(
        "data/patterns.toml [dates.year_anywhere] changed: update dates.find_report_date",
        field="dates.year_anywhere",
    )


def _month(word: str) -> int:
    return MONTHS[word.rstrip(".").lower()]


def _year_for(month: int, day: int | None, ref: date) -> int:
    """Year of a date written without one: the latest such date not after the report (+30 days)."""
    y = ref.year
    try:
        d = date(y, month, day or 1)
    except ValueError:
        return y
    return y - 1 if d > ref + timedelta(days=30) else y


def _safe(y: int, m: int, d: int | None) -> str:
    if d is None:
        return f"{y:04d}-{m:02d}"
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return f"{y:04d}-{m:02d}"


def _shift_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    y = d.year + m // 12
    return date(y, m % 12 + 1, 1)


def resolve_absolute(m: re.Match[str], ref: date) -> tuple[str, str] | None:
    """(value, granularity) for an ABSOLUTE_RE match, or None when it is not a real date."""
    g = m.groupdict()
    if g["iy"]:
        return _safe(int(g["iy"]), int(g["im"]), int(g["id"])), "day"
    if g["nd"]:
        d, mo, y = int(g["nd"]), int(g["nm"]), int(g["ny"])
        if y < 100:
            y += 2000 if y < 50 else 1900
        if not 1 <= mo <= 12 or not 1 <= d <= 31:
            return None
        return _safe(y, mo, d), "day"
    if g["m1"]:
        mo, d = _month(g["m1"]), int(g["d1"])
        if not 1 <= d <= 31:
            return None
        y = int(g["y1"]) if g["y1"] else _year_for(mo, d, ref)
        return _safe(y, mo, d), "day"
    if g["m2"]:
        mo, d = _month(g["m2"]), int(g["d2"])
        if not 1 <= d <= 31:
            return None
        y = int(g["y2"]) if g["y2"] else _year_for(mo, d, ref)
        return _safe(y, mo, d), "day"
    if g["m3"]:
        return _safe(int(g["y3"]), _month(g["m3"]), None), "month"
    if g["ry"]:
        return g["ry"], "year"
    if g["y"]:
        return g["y"], "year"
    if g["m4"]:
        mo = _month(g["m4"])
        return _safe(_year_for(mo, None, ref), mo, None), "month"
    return None


def find_report_date(text: str, lines: int = 6) -> date | None:
    """A full date (day, month and year) in the first lines of a report, if any."""
    head = "\n".join(text[:400].splitlines()[:lines])
    # YEAR_ANYWHERE_RE ("\d\d\d\d|/\d\d") finds something exactly when a run of digits is
    # four long or more, or two or more right after a "/": read from the runs, found once
    runs = _digit_runs(head)
    if not any(e - s >= 4 or (e - s >= 2 and head[s - 1 : s] == "/") for s, e in runs):
        return None
    for m in absolute_matches(head, runs):
        r = resolve_absolute(m, date.today())
        if r and r[1] == "day":
            return date.fromisoformat(r[0])
    return None


# weekday names, Monday first (``calendar.day_name`` formats each name anew on every access)
WEEKDAY_NAMES = [w.lower() for w in calendar.day_name]


def _previous_weekday(ref: date, weekday: int) -> date:
    return ref - timedelta(days=(ref.weekday() - weekday) % 7)


def resolve_relative(m: re.Match[str], ref: date) -> tuple[str, str] | None:
    g = m.groupdict()
    if g["simple"]:
        s = g["simple"].lower()
        if s in ("yesterday", "last night"):
            return (ref - timedelta(days=1)).isoformat(), "day"
        return ref.isoformat(), "day"
    if g["unit"]:
        rel, unit = g["rel"].lower(), g["unit"].lower()
        step = (
            -1
            if rel in ("last", "the previous")
            else (1 if rel in ("next", "the following") else 0)
        )
        if unit in ("week", "weekend"):
            d = ref + timedelta(weeks=step)
            monday = d - timedelta(days=d.weekday())
            if unit == "weekend":
                return (monday + timedelta(days=5)).isoformat(), "day"
            return monday.isoformat(), "week"
        if unit == "month":
            return _shift_months(ref.replace(day=1), step).strftime("%Y-%m"), "month"
        return str(ref.year + step), "year"
    if g["mrel"]:
        w = g["mrelw"].lower()
        y = ref.year + (-1 if w == "last" else 1 if w == "next" else 0)
        return f"{y:04d}-{_month(g['mrel']):02d}", "month"
    if g["wd"]:
        wd = WEEKDAY_NAMES.index(g["wd"].lower())
        d = _previous_weekday(ref, wd)
        if g["wlast"] and d == ref:
            d -= timedelta(days=7)
        return d.isoformat(), "day"
    if g["n"]:
        n = int(g["n"]) if g["n"].isdigit() else NUMBER_WORDS.get(g["n"].lower(), 1)
        unit = g["nunit"].lower()
        if unit == "day":
            return (ref - timedelta(days=n)).isoformat(), "day"
        if unit == "week":
            return (ref - timedelta(weeks=n)).isoformat(), "week"
        if unit == "month":
            return _shift_months(ref.replace(day=1), -n).strftime("%Y-%m"), "month"
        return str(ref.year - n), "year"
    return None


def extract_dates(ctx: Context) -> None:
    text, ref = ctx.text, ctx.report_date
    absolute: list[tuple[int, int]] = []
    for m in absolute_matches(text, ctx.digit_runs()):
        if m.group("y"):
            if STATUTE_BEFORE_RE.search(text, max(0, m.start() - 20), m.start()):
                continue
            if COUNT_AFTER_RE.match(text, m.end()):
                continue
            # a bare year right after a clock time or a currency/number is not a date
            prev = text[max(0, m.start() - 2) : m.start()]
            if prev.endswith(("£", "$", "€", "#", "No ", "no ")):
                continue
        r = resolve_absolute(m, ref)
        if r is None:
            continue
        value, gran = r
        surface = m.group().rstrip(".") if m.group().endswith(".") and gran != "day" else m.group()
        start, end = m.start(), m.start() + len(surface)
        if m.group("m4"):
            start = m.start("m4")
            end = start + len(m.group("m4").rstrip("."))
        absolute.append((start, end))
        ctx.add(
            MentionType.DATE,
            start,
            end,
            value,
            0.9,
            {"calendar": text[start:end], "original": text[start:end], "granularity": gran},
        )
    for m in relative_matches(ctx):
        r = resolve_relative(m, ref)
        if r is None:
            continue
        value, gran = r
        overlapping = [a for a in absolute if a[0] < m.end() and m.start() < a[1]]
        original = text[m.start() : m.end()]
        attrs = {"original": original, "granularity": gran, "relative": "true"}
        if overlapping:
            # "September last year": the calendar part is already a DATE; refine its value
            for dm in ctx.of_type(MentionType.DATE):
                if (dm.start, dm.end) in overlapping:
                    dm.value = value
                    dm.attributes.update(
                        {"original": original, "granularity": gran, "relative": "true"}
                    )
            continue
        if m.group("wd") and text[m.end() : m.end() + 1] == ",":
            # "Friday, April 13": the weekday only introduces an absolute date
            nxt = ABSOLUTE_RE.match(text, m.end() + 2)
            if nxt:
                continue
        ctx.add(MentionType.DATE, m.start(), m.end(), value, 0.75, attrs, claim=False)
