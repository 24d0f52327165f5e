"""OUTCOME mentions: what the text says happened to people, with fixed labels.

Labels: arrested, in custody, released under investigation, released on bail, not charged,
charged, indicted, appeared in court, pleaded guilty, pleaded not guilty, convicted, acquitted,
awaiting sentence, jailed / jailed N months / jailed N years, suspended sentence, community order,
curfew, good behaviour bond, sexual harm prevention order, sex offenders register, remanded in
custody, charge dropped, evidence ruled inadmissible, fled, wrongly accused, assaulted, died,
suicide, lost job. ``attributes["months"]``/``["for_months"]`` carry sentence lengths and
``attributes["person"]`` the person it applies to where the text names them. Hypotheticals ("could
be arrested") and national statistics ("44 per cent of prosecutions") are not outcomes."""

from __future__ import annotations

import re

from drachma.extract.common import (
    Context,
    RuleIndex,
    finditer_windows,
    literal_starts,
    may_match,
    register_triggers,
    word_windows,
)
from drachma.extract.rules import PatternRule, pattern, pattern_rules
from drachma.model.mention import MentionType

NUMWORDS = {
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
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "eighteen": 18,
    "twenty": 20,
    "thirty": 30,
    "a": 1,
    "an": 1,
}
LABELS = frozenset(
    {
        "arrested", "in custody", "released under investigation", "released on bail",
        "not charged", "charged", "indicted", "appeared in court", "pleaded guilty",
        "pleaded not guilty", "convicted", "acquitted", "awaiting sentence", "jailed",
        "suspended sentence", "community order", "curfew", "good behaviour bond",
        "sexual harm prevention order", "sex offenders register", "remanded in custody",
        "charge dropped", "evidence ruled inadmissible", "fled", "wrongly accused", "assaulted",
        "died", "suicide", "lost job",
    }
)
RULES_FILE = "outcomes.rules.toml"


def rules() -> tuple[PatternRule, ...]:
    """The outcome rules of ``data/outcomes.rules.toml`` (checked; see drachma.extract.rules)."""
    return pattern_rules(RULES_FILE, LABELS)


register_triggers(*(r.triggers for r in rules()))
_INDEX = RuleIndex()
HYPOTHETICAL_RE = pattern("outcomes.hypothetical")
NEGATION_RE = pattern("outcomes.negation")
# General statements about what happens in such cases, not to this subject: a frequency adverb or
# a generic quantifier earlier in the sentence ("men caught this way are often charged", "in many
# cases the evidence is ruled inadmissible", "many of those exposed are never charged").
GENERIC_RE = pattern("outcomes.generic")
# after a matched term: "... and four months", "..., four months and ten days"
COMPOUND_TERM_RE = pattern("outcomes.compound_term")
STATISTIC_RE = pattern("outcomes.statistic")
STATISTIC_STARTS = literal_starts(STATISTIC_RE)  # "per", "%", "figure": a quick test first


def _term(m: re.Match[str]) -> str | None:
    gd = m.groupdict()
    num = next((v for k, v in gd.items() if k.startswith("num") and v), None)
    unit = next((v for k, v in gd.items() if k.startswith("unit") and v), None)
    if not num or not unit:
        return None
    n = int(num) if num.isdigit() else NUMWORDS.get(num.lower())
    if n is None:
        return None
    unit = unit.lower().rstrip("s")
    if "and a half" in m.group().lower():
        if unit == "year":
            return f"{n * 12 + 6} months"
        return None
    return f"{n} {unit}s" if n != 1 else f"{n} {unit}"


def extract_outcomes(ctx: Context) -> None:
    low = ctx.low
    people = sorted(ctx.of_type(MentionType.PERSON), key=lambda p: p.start)
    taken: list[tuple[int, int]] = []
    statistic_in: dict[int, bool] = {}  # sentence start -> whether it states a statistic
    found: list[tuple[int, str, tuple[str, ...], int]] = []  # sentence, label, yields, index
    for rule in _INDEX.triggered(rules(), ctx.triggers):
        label, rx = rule.label, rule.regex
        windows = word_windows(ctx, rule.triggers, 50, 70)
        if not windows:
            continue
        for m in finditer_windows(rx, low, windows):
            s, e = m.start(), m.end()
            if any(s < e2 and s2 < e for s2, e2 in taken):
                continue
            sent_s, _ = ctx.sentence(s)
            pre = low[max(sent_s, s - 40) : s]
            hyp = HYPOTHETICAL_RE.search(pre)
            if (
                hyp is not None
                and pre[hyp.start() : hyp.start() + 4] == "may "
                and ctx.text[max(sent_s, s - 40) + hyp.start()] == "M"
                and not ctx.is_sentence_start(max(sent_s, s - 40) + hyp.start())
            ):
                hyp = None  # "until May and released him on bail": the month, not the modal
            if label not in ("wrongly accused", "not charged", "died", "suicide") and hyp:
                continue
            if label in ("charged", "arrested", "convicted") and (
                NEGATION_RE.search(low, sent_s, s) or pre.rstrip().endswith(" not")
            ):
                continue
            if GENERIC_RE.search(low, sent_s, s) or GENERIC_RE.search(low, s, e):
                continue
            statistic = statistic_in.get(sent_s)
            if statistic is None:
                sent_e = ctx.sentence(s)[1]
                statistic = statistic_in[sent_s] = may_match(
                    STATISTIC_RE, STATISTIC_STARTS, low, sent_s, sent_e
                )
            if statistic and label not in ("wrongly accused",):
                continue
            value = label
            attrs: dict[str, str] = {}
            if label == "jailed":
                # "two years and four months": a compound term is given as plain "jailed"
                term = None if COMPOUND_TERM_RE.match(low, e) else _term(m)
                if term:
                    value = f"jailed {term}"
                    n, unit = term.split()
                    attrs["months"] = str(int(n) * 12 if unit.startswith("year") else int(n))
            elif label == "suspended sentence":
                term = _term(m)
                if term:
                    attrs["for_months"] = term
            subj = [p for p in people if sent_s <= p.start < s]
            if subj:
                attrs["person"] = subj[-1].value
            taken.append((s, e))
            found.append((sent_s, label, rule.yields_to, len(ctx.mentions)))
            ctx.add(MentionType.OUTCOME, s, e, value, 0.8, attrs, claim=False)
    # a label that yields to another found in the same sentence gives way to it
    labels_in = {(sent, label) for sent, label, _, _ in found}
    drop = {
        i
        for sent, _, yields_to, i in found
        if any((sent, other) in labels_in for other in yields_to)
    }
    if drop:
        ctx.mentions[:] = [m for i, m in enumerate(ctx.mentions) if i not in drop]
