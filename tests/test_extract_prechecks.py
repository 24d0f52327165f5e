"""The extraction's speed-ups skip work only where the skipped regex could not have matched: each
quick test here gives the same answer as running the regex, on texts built to sit on the edges
(the literals a pattern starts with, written in other cases, run into words, cut by the range)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from drachma.extract import offences, outcomes
from drachma.extract.common import RuleIndex, literal_starts, matches_at, may_match
from drachma.extract.rules import PatternRule

PIECES = [
    "per", "cent", "per cent", "percent", "Per cent", "%", "proportion", "figure", "figures",
    "statistics", "s.", "section", "Section", "15A", "(2)", " of the Sexual Offences Act 2003",
    "as.", "x", "configures", " ", "  ", ",", ".", "\n", "a", "the", "12",
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
