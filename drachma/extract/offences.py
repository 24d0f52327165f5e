"""OFFENCE mentions: named offences and statute sections ("meeting a child following sexual
grooming", "s.15A", "section 10 of the Sexual Offences Act 2003")."""

from __future__ import annotations

import re

from drachma.extract.common import (
    Context,
    RuleIndex,
    finditer_windows,
    matches_at,
    register_triggers,
    word_windows,
)
from drachma.extract.rules import PatternRule, pattern, pattern_rules
from drachma.model.mention import MentionType

RULES_FILE = "offences.rules.toml"
LABELS = frozenset(
    {
        "meeting a child following sexual grooming",
        "sexual communication with a child",
        "causing or inciting a child to engage in sexual activity",
        "causing a child to watch a sexual act",
        "arranging or facilitating a child sex offence",
        "grooming",
        "indecent images of children",
        "child solicitation",
        "communicating with intent to procure a child",
        "exposure",
        "public violence",
    }
)
DEFAULT_WINDOW = (60, 60)


def rules() -> tuple[PatternRule, ...]:
    """The offence rules of ``data/offences.rules.toml`` (checked; see drachma.extract.rules)."""
    return pattern_rules(RULES_FILE, LABELS)


register_triggers(*(r.triggers for r in rules()))
_INDEX = RuleIndex()
SECTION_RE = pattern("offences.section")


def extract_offences(ctx: Context) -> None:
    text, low = ctx.text, ctx.low
    found: list[tuple[int, int]] = []
    for rule in _INDEX.triggered(rules(), ctx.triggers):
        before, after = rule.window or DEFAULT_WINDOW
        windows = word_windows(ctx, rule.triggers, before, after)
        if not windows:
            continue
        for m in finditer_windows(rule.regex, low, windows):
            if any(m.start() < e and s < m.end() for s, e in found):
                continue
            found.append((m.start(), m.end()))
            attrs = {"attempt": "true"} if m.group().startswith("attempt") else {}
            ctx.add(MentionType.OFFENCE, m.start(), m.end(), rule.label, 0.8, attrs, claim=False)
    for m in _section_matches(text):
        value = f"s.{m.group('sec')}"
        attrs = {"act": m.group("act")} if m.group("act") else {}
        ctx.add(MentionType.OFFENCE, m.start(), m.end(), value, 0.85, attrs, claim=False)


def _section_matches(text: str) -> list[re.Match[str]]:
    """``SECTION_RE.finditer(text)``, tried only where "s." or "section" is written (both of
    its branches start with one of them), so that a report without either costs two substring
    searches instead of a regex scan."""
    starts: list[int] = []
    for lead in ("s.", "section"):
        i = text.find(lead)
        while i != -1:
            starts.append(i)
            i = text.find(lead, i + 1)
    if not starts:
        return []
    starts.sort()
    return matches_at(SECTION_RE, text, starts)
