"""PLATFORM mentions: online platforms named in the text (Facebook, Facebook Live, WhatsApp, ...).

Names come from ``data/platforms.tsv`` and are matched with spaCy's PhraseMatcher: in any case
for distinctive names, exactly as written for names that are also English words ("Messenger",
"Telegram", "Hinge"). "Facebook Live" is only reported where the text says it."""

from __future__ import annotations

import re
from functools import lru_cache

from drachma.extract import lexicon
from drachma.extract.common import Context
from drachma.extract.rules import pattern
from drachma.model.mention import MentionType

X_RE = pattern("platforms.x")


@lru_cache(maxsize=1)
def canonical() -> dict[str, str]:
    return {re.sub(r"\s+", " ", s.lower()): c for s, c, _ in lexicon.platforms()}


def insensitive_surfaces() -> list[str]:
    return [s for s, _, i in lexicon.platforms() if i]


def sensitive_surfaces() -> list[str]:
    return [s for s, _, i in lexicon.platforms() if not i]


def extract_platforms(ctx: Context) -> None:
    text, low = ctx.text, ctx.low
    canon = canonical()
    hits = sorted(
        set(ctx.matches.get("PLATFORM_I", ())) | set(ctx.matches.get("PLATFORM_S", ())),
        key=lambda x: (x[0], -(x[1] - x[0])),
    )
    last_end = -1
    for s, e in hits:
        if s < last_end:
            continue
        # "facebook.com" and "@facebook" are addresses, not mentions of use
        if s > 0 and (
            (text[e : e + 1] == "." and text[e + 1 : e + 2].isalpha()) or text[s - 1] in "@#/"
        ):
            continue
        last_end = e
        key = re.sub(r"\s+", " ", low[s:e])
        ctx.add(MentionType.PLATFORM, s, e, canon.get(key, text[s:e]), 0.95)
    if "Twitter" in text:
        for m in X_RE.finditer(text):
            ctx.add(MentionType.PLATFORM, m.start(), m.end(), "X", 0.9)
