"""The extraction's speed-ups skip work only where the skipped regex could not have matched: each
quick test here gives the same answer as running the regex, on texts built to sit on the edges
(the literals a pattern starts with, written in other cases, run into words, cut by the range)."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from drachma.extract import ages, dates, groups, offences, outcomes, people, places, statistics
from drachma.extract.common import (
    BMP_DIGITS_RE,
    DIGITS_RE,
    Context,
    RuleIndex,
    appositive_number_starts,
    digit_runs,
    is_wide,
    line_starts,
    literal_starts,
    matches_at,
    may_match,
    quoted_name_number_starts,
    requires_digit,
)
from drachma.extract.rules import PatternRule

PIECES = [
    "per",
    "cent",
    "per cent",
    "percent",
    "Per cent",
    "%",
    "proportion",
    "figure",
    "figures",
    "statistics",
    "s.",
    "section",
    "Section",
    "15A",
    "(2)",
    " of the Sexual Offences Act 2003",
    "as.",
    "x",
    "configures",
    " ",
    "  ",
    ",",
    ".",
    "\n",
    "a",
    "the",
    "12",
]
texts = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)


def test_literal_starts_of_the_statistic_pattern() -> None:
    assert literal_starts(outcomes.STATISTIC_RE) == (
        "per",
        "%",
        "proportion",
        "figure",
        "statistics",
    )


def test_no_literal_starts_where_a_branch_has_none() -> None:
    assert literal_starts(re.compile(r"\bfoo|[ab]ar")) is None
    assert literal_starts(re.compile(r"(many|most)\s+of")) is None  # a group first
    assert literal_starts(re.compile("foo", re.IGNORECASE)) is None
    # a prefix every branch shares is pulled out of the alternation by the parser: still needed
    assert literal_starts(re.compile(r"figure|figures")) == ("figure",)
    assert literal_starts(re.compile(r"(?:many|most)\s+of")) == ("m",)


@settings(max_examples=400, deadline=None)
@given(texts, st.integers(0, 40), st.integers(0, 60))
def test_may_match_is_search(text: str, pos: int, endpos: int) -> None:
    low = text.lower()
    rx = outcomes.STATISTIC_RE
    assert may_match(rx, outcomes.STATISTIC_STARTS, low, pos, endpos) == (
        rx.search(low, pos, endpos) is not None
    )


@settings(max_examples=400, deadline=None)
@given(texts)
def test_section_matches_are_finditer(text: str) -> None:
    want = [(m.span(), m.groupdict()) for m in offences.SECTION_RE.finditer(text)]
    got = [(m.span(), m.groupdict()) for m in offences._section_matches(text)]
    assert got == want


def test_matches_at_skips_starts_inside_a_match() -> None:
    rx = re.compile(r"ab+")
    assert [m.span() for m in matches_at(rx, "abbb ab", [0, 1, 2, 5])] == [(0, 4), (5, 7)]


def test_rule_index_keeps_rule_order() -> None:
    def rule(label: str, *triggers: str) -> PatternRule:
        return PatternRule(label, triggers, re.compile(label), (label,), (), "")

    rules = (rule("a", "x", "y"), rule("b", "z"), rule("c", "y"), rule("d", "w"))
    index = RuleIndex()
    assert [r.label for r in index.triggered(rules, {"y": [3], "z": [9]})] == ["a", "b", "c"]
    assert index.triggered(rules, {"q": [1]}) == []


# --- scans replaced by candidates: the same matches as the whole-text ``finditer`` -------------
NUMBER_PIECES = [
    "1",
    "12",
    "123",
    "2019",
    "45",
    "7",
    "٣",
    "١٢",
    ",",
    ".",
    "(",
    ")",
    " ",
    "  ",
    "\u00a0",
    "aged",
    "Aged",
    "aged ",
    "x",
    "A",
    "£",
    "$",
    "-",
    "/",
    "%",
    "per cent",
    "reports",
    "\n",
    "'",
    "’",
    "'Kay'",
    "of",
    "who",
    "was",
    "Smith",
]
# "Surname, aged 45, of": an opener, spaces, maybe "aged", a number, a closer, a word
appositive_shapes = st.tuples(
    st.sampled_from(
        ["", "x", "Smith", "'Kay'", "'Jo'", "“Kay-Lee”", "'K'", "'K_9'", "'kay'", "'Él'"]
    ),
    st.sampled_from(["", " ", "\u00a0"]),
    st.sampled_from(["", ",", "(", "x"]),
    st.sampled_from(["", " ", "  ", "\u00a0"]),
    st.sampled_from(["", "aged", "aged ", "Aged ", "aged\u00a0 "]),
    st.sampled_from(["4", "45", "145", "٤٥", "4 5"]),
    st.sampled_from(["", " ", "\u00a0"]),
    st.sampled_from([",", ")", ".", "", ", ,"]),
    st.sampled_from(["", " "]),
    st.sampled_from(["of", "who", "was", "x", ""]),
).map("".join)
number_texts = st.lists(
    st.one_of(st.sampled_from(NUMBER_PIECES), appositive_shapes), max_size=12
).map("".join)
MONTH_PIECES = [
    "Jan",
    "January",
    "Janu",
    "JAN",
    "jan",
    "May",
    "Mayor",
    "Mayfield",
    "Sept",
    "September",
    "Sep",
    "Sepx",
    "March",
    "Mar",
    "Marc",
    "Xmarch",
    "MarMay",
    "Dec",
    "Decembers",
    "A",
    "J",
    "Monday",
    " ",
    ".",
    "\n",
    "6",
    "2019",
    "x",
    "É",
    "Maybe",
    "Augustine",
    "Octobery",
]
month_texts = st.lists(st.sampled_from(MONTH_PIECES), max_size=14).map("".join)
LINE_PIECES = [
    "LEEDS",
    " — ",
    "LEEDS, Ohio",
    ", ",
    "Ohio",
    " -- ",
    ": ",
    "\n",
    "\n\n",
    " ",
    "\t",
    "(AP)",
    "A",
    "Man",
    "held",
    "O'NEILL",
    "ST. ALBANS",
    ".",
    "–",
    "-",
    " x",
]
line_texts = st.lists(st.sampled_from(LINE_PIECES), max_size=14).map("".join)


def _runs(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\d+", text)]


def test_digit_runs_are_the_runs_of_digits() -> None:
    ctx = Context(
        text="In 2019, 1,250 reports; ١٢ x", report_date=date(2020, 1, 1), sent_starts=[0]
    )
    assert ctx.digit_runs() == [(3, 7), (9, 10), (11, 14), (24, 26)]
    assert ctx.digit_runs() is ctx.digit_runs()  # found once


@settings(max_examples=500, deadline=None)
@given(number_texts)
def test_number_starts_are_the_filtered_finditer(text: str) -> None:
    want = [
        (d.span(), d.group())
        for d in statistics.DIGIT_START_RE.finditer(text)
        if not (
            d.start() > 0 and (text[d.start() - 1].isalnum() or text[d.start() - 1] in ".,/£$-")
        )
    ]
    assert [(d.span(), d.group()) for d in statistics.number_starts(text, _runs(text))] == want


@settings(max_examples=500, deadline=None)
@given(number_texts)
def test_appositive_number_starts_give_finditer(text: str) -> None:
    for rx in (ages.AGE_APPOS_RE, ages.NOUN_AGE_RE):
        want = [(m.span(), m.group("n")) for m in rx.finditer(text)]
        got = matches_at(rx, text, appositive_number_starts(text, _runs(text)))
        assert [(m.span(), m.group("n")) for m in got] == want
    rx = ages.PERSONA_AGE_RE
    want = [(m.span(), m.group("n")) for m in rx.finditer(text)]
    got = matches_at(rx, text, quoted_name_number_starts(text, _runs(text)))
    assert [(m.span(), m.group("n")) for m in got] == want


@settings(max_examples=500, deadline=None)
@given(month_texts)
def test_month_word_starts_are_the_month_word_matches(text: str) -> None:
    want = [m.start() for m in dates.MONTHWORD_RE.finditer(text) if m.group() in dates.MONTH_WORDS]
    assert dates.month_word_starts(text) == want


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(MONTH_PIECES + NUMBER_PIECES), max_size=16).map("".join))
def test_absolute_matches_with_runs_are_the_same(text: str) -> None:
    want = [(m.span(), m.groupdict()) for m in dates.absolute_matches(text)]
    got = [(m.span(), m.groupdict()) for m in dates.absolute_matches(text, _runs(text))]
    assert got == want


@settings(max_examples=500, deadline=None)
@given(line_texts)
def test_dateline_at_line_starts_is_finditer(text: str) -> None:
    rx = places.DATELINE_LINES_RE
    want = [(m.span(), m.groupdict()) for m in rx.finditer(text)]
    got = [(m.span(), m.groupdict()) for m in matches_at(rx, text, line_starts(text))]
    assert got == want
    assert line_starts("a\nb\n") == [0, 2, 4]


# role cue words, written in other cases, run into words, after hyphens, apostrophes and digits
ROLE_PIECES = [
    "judge",
    "Judge",
    "JUDGE",
    "sheriff principal",
    "Sheriff\u00a0Principal",
    "QC",
    "qc",
    "spokeswoman",
    "Spokesperson",
    "co-founder",
    "founder",
    "decoy",
    "messaging",
    "groomed",
    "victims",
    "court",
    "police",
    "x",
    "_",
    "9",
    "-",
    "'",
    "’",
    "é",
    " ",
    ".",
    ",",
    "\n",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(ROLE_PIECES), max_size=14).map("".join))
def test_role_cue_matches_are_finditer(text: str) -> None:
    assert people.ROLE_CUES_AT_WORDS  # the shortcut is in use for the shipped patterns
    want = [(m.span(), m.lastgroup) for m in people.ROLE_ANY_RE.finditer(text)]
    assert [(m.span(), m.lastgroup) for m in people.role_cue_matches(text)] == want


def test_starts_at_word_only_where_a_letter_must_come_first() -> None:
    assert people.starts_at_word(r"\bvictims?\b")
    assert people.starts_at_word(r"\b(?:judge|sheriff[ \u00a0]+principal|justice)\b")
    assert people.starts_at_word(r"\b(?:a[|-]b|c)x")
    for source in (
        r"\b-x",  # a boundary before a non-word character: the end of a word
        r"\b(?:a|-b)",
        r"\ba?-",  # an optional letter
        r"\b(?:a?-|b)",
        r"\b(?:ab)?-",  # an optional group
        r"(?:\ba)",
        r"\b(?:a|b",  # unclosed: not understood, so not assumed
    ):
        assert not people.starts_at_word(source), source


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789١٢٣०a ,./-\n’", max_size=30))
def test_digit_pattern_finds_the_runs_of_digits(text: str) -> None:
    # the pattern written to start with a character class finds what r"\d+" finds (any script)
    assert [m.span() for m in DIGITS_RE.finditer(text)] == _runs(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789١٢٣०𝟘𝟙\U000104a3a ,./-\n’é😀", max_size=30))
def test_digit_runs_of_any_text_are_the_runs_of_digits(text: str) -> None:
    # the BMP class for texts without wide characters, "\d" for the others: the same runs
    assert digit_runs(text) == _runs(text)
    assert is_wide(text) == any(ord(c) > 0xFFFF for c in text)
    assert is_wide(text[1:]) == any(ord(c) > 0xFFFF for c in text[1:])


def test_the_bmp_digit_class_is_every_decimal_digit_below_u10000() -> None:
    for c in range(0x10000):
        assert (BMP_DIGITS_RE.fullmatch(chr(c)) is not None) == chr(c).isdecimal(), hex(c)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789١٢/ a\n,", max_size=30))
def test_report_date_precheck_is_the_year_anywhere_pattern(text: str) -> None:
    # find_report_date reads "\d\d\d\d|/\d\d" from the runs of digits
    runs = digit_runs(text)
    quick = any(e - s >= 4 or (e - s >= 2 and text[s - 1 : s] == "/") for s, e in runs)
    assert quick == (dates.YEAR_ANYWHERE_RE.search(text) is not None)


CUE_PIECES = [
    "X", " ", ",", "'", "’s", "\u00a0", "a", "the", "is", "one of the", "group", "page",
    "members", "facebook", "who", "describe", "themselves", "as", "hunters", "-", "of",
    "network", "team", "online", "was", "paedophile", "hunter", "founder",
]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(CUE_PIECES), max_size=12).map("".join))
def test_group_cue_precheck_matches_where_one_cue_does(text: str) -> None:
    any_cue = any(rx.match(text) is not None for rx, _ in groups.CUE_AFTER)
    assert (groups.CUE_AFTER_ANY_RE.match(text) is not None) == any_cue


def _prev_word_starts_by_regex(text: str, p: int, n: int) -> list[int]:
    # the reading dates._prev_word_starts does with slices, written as two searches from the end
    starts: list[int] = []
    q = p
    for _ in range(n):
        spaces = re.search(r"[ \u00a0\t]*\Z", text[:q])
        assert spaces is not None
        if spaces.start() == 0:
            break
        word = re.search(r"\S*\Z", text[: spaces.start()])
        assert word is not None
        if word.start() >= q:
            break
        starts.append(word.start())
        q = word.start()
    return starts


WORD_PIECES = ["a", "bb", "x" * 60, " ", "  ", "\t", "\u00a0", "\n", "\u2003", "\r", " " * 70,
               "word", "é", "’", "12"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(WORD_PIECES), max_size=12).map("".join), st.integers(0, 400),
       st.integers(1, 3))
def test_previous_word_starts_read_with_slices(text: str, at: int, n: int) -> None:
    p = min(at, len(text))
    assert dates._prev_word_starts(text, p, n) == _prev_word_starts_by_regex(text, p, n)


def test_requires_digit_reads_the_pattern() -> None:
    for source in (r"\d", r"x?\d", r"(?:1|2)x", r"[0-9]+", r"\d{1,2}", r"(?P<n>1[0-7]|[89])",
                   r"[٣]", r"a(?:\d|[0-9])b"):
        assert requires_digit(re.compile(source)), source
    for source in (r"a|\d", r"(?:\d)?", r"[^a]", r"(?=\d)a", r"\d{0,2}", r"[0-9a]", r"\D",
                   r"(?i)\d|x", r"\w"):
        assert not requires_digit(re.compile(source)), source
    for rx in (ages.CLAIM_RE, ages.SHE_WAS_RE, ages.YOUNG_AS_RE, ages.IM_RE, ages.AGED_RE):
        assert rx in ages._WITH_DIGIT  # the shipped patterns it is used for


AGE_PIECES = ["posing as a ", "she was ", "13", "1", "x", " ", "said ", "aged ", "I'm ",
              "as young as ", "٣", "\n", ", ", "thought he was "]


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(AGE_PIECES), max_size=12).map("".join),
       st.lists(st.tuples(st.integers(0, 80), st.integers(1, 40)), max_size=5))
def test_windows_with_digits_leave_out_only_windows_without_a_match(
    text: str, raw: list[tuple[int, int]]
) -> None:
    # sorted, non-overlapping windows as word_windows gives them
    windows: list[tuple[int, int]] = []
    for s, w in sorted(raw):
        s = min(s, len(text))
        e = min(len(text), s + w)
        if s >= e or (windows and s <= windows[-1][1]):  # word_windows gives no empty ones
            continue
        windows.append((s, e))
    ctx = Context(text=text, report_date=date(2020, 1, 1), sent_starts=[0])
    kept = ctx.windows_with_digits(windows)
    for s, e in windows:
        has_digit = any(c.isdecimal() for c in text[s:e])
        assert ((s, e) in kept) == has_digit
        if not has_digit:
            for rx in ages._WITH_DIGIT:
                assert rx.search(text, s, e) is None
