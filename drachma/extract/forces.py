"""FORCE mentions: police forces and services as written, normalised to a canonical force.

Sources: the package gazetteer of UK forces and their short forms ("GMP", "Greater Manchester
Police", "Manchester police"), matched with spaCy's PhraseMatcher; a short list of non-UK forces
usually written as fixed names ("RCMP"); general patterns over capitalised runs: "<Capitalised
words> Police|Constabulary|Police Department", "<Name> police", "Police Service of <Place>",
"<X>PD" acronyms, and acronyms the text defines in brackets right after a force name."""

from __future__ import annotations

import re
from functools import lru_cache

from drachma.extract import gaz, lexicon
from drachma.extract.common import (
    FUNCTION_WORDS,
    MONTH_NAMES,
    WEEKDAYS,
    Chunk,
    Context,
    register_triggers,
)
from drachma.extract.rules import pattern, words
from drachma.model.mention import MentionType

POLICE_WORDS = words("forces.police_words")
register_triggers(tuple(POLICE_WORDS))
HEAD_EXTRA = words("forces.head_extra")
HEAD_PREFIX = words("forces.head_prefix")
NOT_FORCE_AFTER = words("forces.not_force_after")
# "LAPD", "Phoenix PD", "Salt Lake PD"
PD_RE = pattern("forces.pd")
# US sheriffs: "the Maricopa County Sheriff's Office", "Pima County Sheriff's Department"
SHERIFF_RE = pattern("forces.sheriff")
SKIP_PRE = (
    frozenset(w.lower() for w in (*WEEKDAYS, *MONTH_NAMES))
    | FUNCTION_WORDS
    | frozenset(
        [
            "local",
            "armed",
            "specialist",
            "senior",
            "detective",
            "traffic",
            "secret",
            "riot",
            "former",
            "undercover",
            "off-duty",
            "plainclothes",
            "plain-clothes",
            "uniformed",
            "neighbourhood",
            "community",
            "some",
            "other",
            "many",
        ]
    )
)
DEMONYM_RE = pattern("forces.demonym")
NATIONAL_POLICE = words("forces.national_police")
ACRONYM_AFTER_RE = pattern("forces.acronym_after")
BARE_AREA = words("forces.bare_area")


@lru_cache(maxsize=1)
def surfaces() -> dict[str, str]:
    """Lower-cased surface -> canonical code/name, for the phrase matchers."""
    out: dict[str, str] = {}
    for k, v in gaz.load().force_names.items():
        if k in BARE_AREA:
            continue
        out[k] = v
    for s, canon in lexicon.police_extra().items():
        out.setdefault(s.lower(), canon)
    return out


def acronym_surfaces() -> list[str]:
    return sorted(s.upper() for s in surfaces() if " " not in s and len(s) <= 5 and s.isalpha())


def name_surfaces() -> list[str]:
    acr = {a.lower() for a in acronym_surfaces()}
    return sorted(s for s in surfaces() if s not in acr)


def _label(code: str) -> str:
    return gaz.load().force_labels.get(code, code)


def _value_for(pre: str, head: str) -> str:
    """Canonical force for "<pre> <head>" via the gazetteers, else the phrase title-cased."""
    view = gaz.load()
    key = re.sub(r"\s+", " ", f"{pre} {head}".lower()).strip()
    table = surfaces()
    if key in table:
        return table[key]
    for alt_head in ("police", "constabulary", "police service"):
        k = f"{pre.lower()} {alt_head}"
        if k in table:
            return table[k]
    places = view.places.get(pre.lower())
    if places:
        forces = {p.force for p in places if p.force}
        if len(forces) == 1:
            return forces.pop()
    return " ".join(w if w.isupper() else w[:1].upper() + w[1:] for w in f"{pre} {head}".split())


MET_RE = pattern("forces.the_met")


def extract_forces(ctx: Context) -> None:
    text, low = ctx.text, ctx.low
    table = surfaces()
    spans: list[tuple[int, int, str, float]] = []

    def overlaps(s: int, e: int) -> bool:
        return any(s < e2 and s2 < e for s2, e2, _, _ in spans)

    for s, e in ctx.matches.get("FORCE", ()):
        if not text[s : s + 1].isupper() and text[s : s + 4].lower() != "the ":
            continue
        nxt = low[e : e + 14].split()[:1]
        if nxt and nxt[0].strip(".,;:'’") in NOT_FORCE_AFTER:
            continue
        if not overlaps(s, e):
            spans.append((s, e, table.get(re.sub(r"\s+", " ", low[s:e]), text[s:e]), 0.95))
    for s, e in ctx.matches.get("FORCE_ACR", ()):
        if not overlaps(s, e):
            spans.append((s, e, table.get(low[s:e], text[s:e]), 0.9))
    # "the Met" (the pattern needs the letters "Met": a substring test skips most reports)
    for m in MET_RE.finditer(text) if "Met" in text else ():
        if not overlaps(m.start(), m.end()):
            spans.append(
                (m.start() + 4, m.end(), table.get("metropolitan police", "metropolitan"), 0.8)
            )
    police_at = [p for w in POLICE_WORDS for p in ctx.triggers.get(w, ())]
    candidates: list[Chunk] = []
    for p in sorted(police_at):
        c = ctx.chunk_at(p)
        if c is None:
            k = p - 1
            while k > 0 and text[k - 1] in " \u00a0":
                k -= 1
            c = ctx.chunk_by_end.get(k)
        if c is not None and (not candidates or candidates[-1] is not c):
            candidates.append(c)
    if candidates:
        for c in candidates:
            toks = c.tokens
            words = [t[2].lower() for t in toks]
            head_i = next((i for i, w in enumerate(words) if w in POLICE_WORDS), -1)
            if head_i == -1:
                # "<Name> police" written with a small p
                nxt = low[c.end : c.end + 15].split()[:1]
                if (
                    not nxt
                    or nxt[0].rstrip(".,;:'’s") not in POLICE_WORDS
                    or text[c.end : c.end + 1] not in " \u00a0"
                ):
                    continue
                w = low[c.end :].split(None, 1)[0]
                head_end = c.end + low[c.end :].index(w) + len(w.rstrip(".,;:"))
                if w.endswith(("'s", "’s")):
                    head_end -= 2
                pre_toks = toks
                end = head_end
            else:
                pre_toks = toks[:head_i]
                end = toks[head_i][1]
                j = head_i + 1
                if j < len(toks) and words[j] in HEAD_EXTRA:
                    end = toks[j][1]
                    j += 1
                if j < len(toks) and words[j] == "of" and j + 1 < len(toks):
                    end = toks[-1][1]
                    j = len(toks)
                if j < len(toks) and words[j].strip("'’s") in NOT_FORCE_AFTER:
                    continue
                # strip "Police" prefix words like "State": keep them as part of the head
                while pre_toks and pre_toks[-1][2].lower() in HEAD_PREFIX and len(pre_toks) > 1:
                    pre_toks = pre_toks[:-1]
                    pre_toks = list(pre_toks)
                    break
                if head_i + 1 < len(toks) and words[head_i + 1] in NOT_FORCE_AFTER:
                    continue
            nxt = low[end : end + 20].split()[:1]
            if nxt and nxt[0].strip(".,;:'’") in NOT_FORCE_AFTER:
                continue
            # only the words after the last lower-case connector: "Sgt X of Kent Police" -> "Kent"
            for k in range(len(pre_toks) - 1, -1, -1):
                if pre_toks[k][2][:1].islower():
                    pre_toks = pre_toks[k + 1 :]
                    break
            i = 0
            while i < len(pre_toks) and (
                pre_toks[i][2].lower() in SKIP_PRE or pre_toks[i][2] in lexicon.titles()
            ):
                if pre_toks[i][2] == "New" and i + 1 < len(pre_toks):
                    break  # "New York", "New South Wales": part of the name
                i += 1
            pre_toks = pre_toks[i:]
            if head_i == 0 and words[1:2] in (["service"], ["department"]) and "of" in words:
                # "Police Service of Northern Ireland"
                start = toks[0][0]
                end = toks[-1][1]
                if not overlaps(start, end):
                    spans.append((start, end, _value_for(text[start:end], ""), 0.85))
                continue
            if (
                head_i == 0
                and len(toks) >= 2
                and toks[1][2][:1].isupper()
                and words[1] not in HEAD_EXTRA
            ):
                # "Police Scotland": only via the gazetteer (already matched)
                continue
            if not pre_toks:
                continue
            if (
                len(pre_toks) == 1
                and DEMONYM_RE.search(pre_toks[0][2])
                and pre_toks[0][2].lower() not in gaz.load().places
                and pre_toks[0][2].lower() not in NATIONAL_POLICE
            ):
                continue  # "Canadian police": many forces (but "Dutch police": one)
            start = pre_toks[0][0]
            if overlaps(start, end):
                inner = [sp for sp in spans if start <= sp[0] and sp[1] <= end]
                touching = [sp for sp in spans if start < sp[1] and sp[0] < end]
                if not inner or len(inner) != len(touching):
                    continue
                for sp in inner:
                    spans.remove(sp)
                spans.append((start, end, inner[0][2], 0.9))
                continue
            pre = " ".join(t[2] for t in pre_toks)
            head = text[pre_toks[-1][1] : end].strip()
            spans.append((start, end, _value_for(pre, head), 0.8))
    if "Sheriff" in text:
        for m in SHERIFF_RE.finditer(text):
            s = m.start()
            if text[s : s + 4] == "The ":
                s += 4
            if not overlaps(s, m.end()):
                spans.append((s, m.end(), m.group()[s - m.start() :], 0.8))
    if "PD" in text:
        for m in PD_RE.finditer(text):
            if not overlaps(m.start(), m.end()):
                spans.append((m.start(), m.end(), m.group(), 0.8))
    # acronyms defined right after a force name: "Police Service of Northern Ireland (PSNI)"
    for _, e, code, _ in list(spans):
        am = ACRONYM_AFTER_RE.match(text, e)
        if not am:
            continue
        acr = am.group("acr")
        pos = text.find(acr)
        while pos != -1:
            end = pos + len(acr)
            if (
                (pos == 0 or not text[pos - 1].isalnum())
                and (end >= len(text) or not text[end].isalnum())
                and not overlaps(pos, end)
            ):
                spans.append((pos, end, code, 0.85))
            pos = text.find(acr, end)
    for s, e, code, conf in sorted(spans):
        ctx.add(MentionType.FORCE, s, e, code, conf, {"name": _label(code)})
