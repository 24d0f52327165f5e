"""PLACE mentions: named locations below country level.

UK towns, cities, districts and counties resolve to the package gazetteer (kind, district, force
area, coordinates). Elsewhere the text itself says a name is a place: datelines ("LEEDS —"),
"in/at/near/from <Name>", "<Name>, <state or province>", "Co <Name>", "<Name> County",
"a <Name> man", "<Name>-based", "provinces of A, B and C", street and venue words ("<Name> Street",
"<Name> Railway Station", "the <Name> shopping centre"). Streets and venues are kept as written,
with the town they are in when the text names it nearby. Names only inside an organisation's name
("<Town> Crown Court", "<County> Police") are not places; nor are countries and the UK nations."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from drachma.extract import gaz, lexicon
from drachma.extract.common import (
    FUNCTION_WORDS,
    MONTH_NAMES,
    WEEKDAYS,
    Chunk,
    Context,
    finditer_windows,
    line_starts,
    matches_at,
    prev_words,
    register_triggers,
    word_windows,
)
from drachma.extract.rules import pattern, word_tuple, words
from drachma.model.mention import MentionType

ORG_HEADS = words("places.org_heads")
VENUE_HEADS = words("places.venue_heads")
VENUE_LOWER_RE = pattern("places.venue_lower")
ADJECTIVES_BEFORE = words("places.adjectives_before")
AREA_OF_PLACE_RE = pattern("places.area_of_place")
TOWN_APPOSITIVE_RE = pattern("places.town_appositive")
# whole words (found once per report by the pipeline's PhraseMatcher) near which the county and
# region patterns are tried
COUNTY_TRIGGERS = ("co", "co.", "county")
NATION_TRIGGERS = ("england", "scotland", "wales", "ireland", "north", "south")
register_triggers(COUNTY_TRIGGERS, NATION_TRIGGERS)
GENERIC_DOMAIN = words("places.generic_domain")
PREPS = words("places.preps")
# "New Carson City": the last words of a settlement's name that "New" may lead
NEW_PLACE_ENDS = words("places.new_place_ends")
PREPS_AFTER_VERB = words("places.preps_after_verb")
APPOSITIVE_OF_RE = pattern("places.appositive_of")
DATELINE_RE = pattern("places.dateline")
# DATELINE_RE at every line start at once (the pattern never crosses a line break)
DATELINE_LINES_RE = pattern("places.dateline_lines")
COUNTY_RE = pattern("places.county")
DIRECTIONS = words("places.directions")
REGION_NATION_RE = pattern("places.region_nation")
PERSON_NOUNS = words("places.person_nouns")
LIST_KEYS = word_tuple("places.list_keys")
# the first words of the list keys ("provinces" of "provinces of"), found once per report by the
# pipeline's PhraseMatcher: the keys are searched for only when one of them is there
LIST_HEADS = tuple(sorted({k.split()[0] for k in LIST_KEYS}))
register_triggers(LIST_HEADS)
DEMONYM_RE = pattern("places.demonym")
AMBIGUOUS = words("places.ambiguous")
INSTITUTION_VENUES = words("places.institution_venues")
NATIONALITIES = words("places.nationalities")
AFTER_COUNTY_ORG = words("places.after_county_org")
# a town's name joined by "-on-", "-upon-", "-le-" ...: its first part alone is a short form
COMPOUND_TOWN_RE = pattern("places.compound_town")
# "(Sexual Offences) Act" after a name: the name is the start of a statute's title
STATUTE_TAIL_RE = pattern("places.statute_tail")
# a run-together brand name ("SkyLine", "MetroLink"): capitals inside one word
BRAND_RE = pattern("places.brand")
# "N-year-old" before "<Town> woman": the town is an adjective of the person
AGE_ADJECTIVE_RE = pattern("places.age_adjective")
# "in A, B and C": the list goes on after this name
LIST_GOES_ON_RE = pattern("places.list_goes_on")
# "NEWS RELEASE:", "OUR VIEW:": a heading label in capitals at a line start
HEADING_LABEL_RE = pattern("places.heading_label")
# "(CPS) North East", "CPS North East": a name right after an organisation's acronym is part of
# the organisation's name
AFTER_ACRONYM_RE = pattern("places.after_acronym")


ARTICLES = frozenset({"a", "an", "the"})
POSSESSIVE_TOKEN_RE = pattern("places.possessive_token")


def _common_word(text: str, chunk: Chunk) -> bool:
    """Whether every word of a capitalised run also stands in the text in lower case: a common
    or abstract word capitalised by a heading or a sentence start ("in Exploitation")."""
    for _, _, w in chunk.tokens:
        lw = w.lower().strip(".,;:'’")
        if not lw.isalpha() or not _has_word(text, lw):
            return False
    return True


def _has_word(text: str, word: str) -> bool:
    """Whether ``word`` stands in ``text`` as a whole word, exactly as written (str.find, fast)."""
    i = text.find(word)
    n = len(word)
    while i != -1:
        before = text[i - 1] if i else " "
        after = text[i + n] if i + n < len(text) else " "
        if not (before.isalnum() or before in "-_") and not (after.isalnum() or after in "-_"):
            return True
        i = text.find(word, i + 1)
    return False


def _in_heading(text: str, pos: int) -> bool:
    """Whether ``pos`` is in a title-case line (a heading): four or more words, most of them
    capitalised, and no sentence punctuation at the end."""
    ls = text.rfind("\n", 0, pos) + 1
    le = text.find("\n", pos)
    line = text[ls : le if le != -1 else len(text)].strip()
    if not line or line[-1] in ".!?\"”'’:":
        return False
    words = line.split()
    if len(words) < 4:
        return False
    caps = sum(1 for w in words if w[:1].isupper())
    return caps / len(words) >= 0.7


def _after_prep(low: str, pos: int) -> bool:
    return _prep_words(prev_words(low, pos, 3, 40))


def _prep_words(words: list[str]) -> bool:
    if words and words[-1] in ADJECTIVES_BEFORE:
        words = words[:-1]  # "in nearby X", "in downtown X"
    if words and words[-1] == "the":
        words = words[:-1]
    if not words:
        return False
    w = words[-1]
    if w in PREPS:
        return True
    return w == "of" and len(words) >= 2 and words[-2] in PREPS_AFTER_VERB


@lru_cache(maxsize=1)
def _stop_chunks() -> frozenset[str]:
    return frozenset(w.lower() for w in (*WEEKDAYS, *MONTH_NAMES)) | FUNCTION_WORDS


# the next word after a line break inside a sentence (hard-wrapped text): "Paisley Sheriff\nCourt"
NEXT_LINE_WORD_RE = pattern("places.next_line_word")


def _org_chunk(chunk: Chunk, text: str = "") -> bool:
    """A run that is (part of) an organisation's name: an organisation head inside it, or on the
    next line of hard-wrapped text."""
    if any(t[2].lower().strip(".,") in ORG_HEADS for t in chunk.tokens):
        return True
    if text and text[chunk.end : chunk.end + 1] in (" ", "\n"):
        m = NEXT_LINE_WORD_RE.match(text, chunk.end)
        return m is not None and m.group(1).lower() in ORG_HEADS
    return False


# PlaceInfo -> its mention attributes (a gazetteer entry's are the same in every report)
_ATTRS: dict[gaz.PlaceInfo, dict[str, str]] = {}


def _place_attrs(info: gaz.PlaceInfo | None) -> dict[str, str]:
    """A gazetteer entry's mention attributes (a new dict each call: mentions own theirs)."""
    if info is None:
        return {}
    found = _ATTRS.get(info)
    if found is None:
        found = _ATTRS[info] = _attrs_of(info)
    return dict(found)


def _attrs_of(info: gaz.PlaceInfo) -> dict[str, str]:
    attrs = {
        "kind": info.kind,
        "district": info.district,
        "force": info.force,
        "within": info.within,
    }
    if info.latitude is not None and info.longitude is not None:
        attrs["latitude"] = f"{info.latitude:.5f}"
        attrs["longitude"] = f"{info.longitude:.5f}"
    return {k: v for k, v in attrs.items() if v}


def _best(places: list[gaz.PlaceInfo]) -> gaz.PlaceInfo | None:
    if not places:
        return None
    order = {"city": 0, "town": 1, "district": 2, "county": 3, "region": 4}
    return sorted(places, key=lambda p: order.get(p.kind.lower(), 5))[0]


class PlaceFinder:
    """Place rules; gazetteer names are matched by the pipeline's spaCy PhraseMatcher."""

    def __init__(self) -> None:
        self._text = ""
        self.view = gaz.load()
        # lower-cased name -> the entry ``_best`` picks among the places of that name, chosen
        # once here instead of sorting the candidates at every lookup
        self._best_by_name = {k: _best(v) for k, v in self.view.places.items()}
        self.regions = lexicon.regions()
        self.countries = lexicon.countries()
        self.given = lexicon.given_names()
        self.titles = lexicon.titles()
        self.region_abbrev = {
            r: c for r, c in self.regions.items() if r.endswith(".") or r.isupper()
        }
        try:
            from drachma.gazetteers import COMMON_WORD_NAMES

            self.ambiguous = AMBIGUOUS | frozenset(COMMON_WORD_NAMES)
        except ImportError:  # pragma: no cover
            self.ambiguous = AMBIGUOUS

    def names(self) -> list[str]:
        """Lower-cased names for the PhraseMatcher: gazetteer places and non-UK regions."""
        names = set(self.view.places) | {r.lower() for r in self.regions if not r.endswith(".")}
        return sorted(n for n in names - self.countries if n)

    def _stands_alone(self, chunk: Chunk, s: int, e: int) -> bool:
        """A gazetteer name inside a longer capitalised run ("Tilly Preston", "North Derby
        Rovers", "Manchester United") is part of another name, unless the other words are leading
        function words, directions or place words."""
        for ts, te, w in chunk.tokens:
            if ts < e and s < te:
                continue
            lw = w.lower()
            if ts < s and (lw in FUNCTION_WORDS or lw in DIRECTIONS or lw in ("greater", "co")):
                continue
            if ts >= e and lw in VENUE_HEADS:
                return False  # "Marlow Road": the street rule keeps the whole name
            if lw in VENUE_HEADS or lw in self.view.places or lw in ("and", "&"):
                continue
            return False
        return True

    def _lookup(self, surface: str) -> gaz.PlaceInfo | None:
        return self._best_by_name.get(surface.lower())

    def extract(self, ctx: Context, doc: Any = None) -> None:
        text, low = ctx.text, ctx.low
        self._text = text
        found: list[tuple[int, int, str, float, dict[str, str]]] = []
        stop = _stop_chunks()
        given = self.given

        taken = bytearray(len(text))

        def free(s: int, e: int) -> bool:
            if ctx.is_claimed(s, e):
                return False
            return taken.find(1, s, e) == -1

        def add(
            s: int, e: int, conf: float, info: gaz.PlaceInfo | None = None, value: str | None = None
        ) -> None:
            # a direction word written before the name belongs to it: "east Bristol"
            pw = prev_words(low, s, 1, 16)
            if pw and pw[0] in DIRECTIONS and text[s - len(pw[0]) - 1 : s - 1] == pw[0]:
                s = s - len(pw[0]) - 1
            surface = text[s:e]
            if surface.lower() in self.countries or not free(s, e):
                return
            if AFTER_ACRONYM_RE.search(text, max(0, s - 12), s):
                return  # "(CPS) North East": part of the organisation's name
            if (s == 0 or text[s - 1] == "\n") and HEADING_LABEL_RE.match(text, s):
                return  # "NEWS RELEASE:": a heading label
            if STATUTE_TAIL_RE.match(text, e):
                return  # "the Criminal Law (Sexual Offences) Act": a statute's title
            val = value or (info.name if info else surface)
            found.append((s, e, val, conf, _place_attrs(info)))
            taken[s:e] = b"\x01" * (e - s)

        # 1. datelines, at the start of the text or of a paragraph
        # the pattern starts with "^" (MULTILINE): it is tried at the line starts only
        head = text[:5200]
        for m in matches_at(DATELINE_LINES_RE, head, line_starts(head)):
            if m.start() > 5000:
                break
            a = m.group("a")
            if a.lower() in stop or len(a) < 3 or a.lower() in self.countries:
                continue
            add(m.start("a"), m.end("a"), 0.85, self._lookup(a))
            if m.group("b"):
                b = m.group("b").strip()
                add(m.start("b"), m.start("b") + len(b), 0.85, None, self.regions.get(b, b))
        # 2. counties and nations' regions
        county_windows = word_windows(ctx, COUNTY_TRIGGERS, 30, 40)
        if county_windows:
            for m in finditer_windows(COUNTY_RE, text, county_windows):
                last_word = m.group().split()[-1].lower()
                if last_word in ORG_HEADS or last_word in ("jail", "sheriff", "attorney"):
                    continue
                next_word = text[m.end() : m.end() + 24].split(None, 1)[:1]
                if next_word and next_word[0].lower().strip(",.") in AFTER_COUNTY_ORG:
                    continue  # "<Name> County Common Pleas Judge", "... County sheriff's"
                before_word = text[max(0, m.start() - 20) : m.start()].split()[-1:]
                if (
                    m.group().startswith(("Co", "County"))
                    and before_word
                    and before_word[0][:1].isupper()
                    and before_word[0].lower() not in FUNCTION_WORDS
                ):
                    continue  # "Greene County Jail": part of a longer name
                add(m.start(), m.end(), 0.85, self._lookup(m.group()))
        nation_windows = word_windows(ctx, NATION_TRIGGERS, 30, 34)
        if nation_windows:
            for m in finditer_windows(REGION_NATION_RE, text, nation_windows):
                s = m.start()
                if text[s : s + 4].lower() == "the ":
                    if not _after_prep(low, s):
                        continue
                    s += 4
                add(s, m.end(), 0.8)
        # 3. gazetteer and region names (spaCy PhraseMatcher hits)
        hits = sorted(ctx.matches.get("PLACE", ()), key=lambda x: (x[0], -(x[1] - x[0])))
        last_end = -1
        for s, e in hits:
            if s < last_end:
                continue
            surface = text[s:e]
            if not surface[:1].isupper():
                continue
            lsurf = surface.lower()
            chunk = ctx.chunk_at(s)
            if chunk is not None:
                if _org_chunk(chunk):
                    continue
                first = chunk.tokens[0][2]
                if chunk.start < s and (first.lower() in given or first in self.titles):
                    continue
                if chunk.start == s and e < chunk.end and lsurf in given:
                    continue
                if not self._stands_alone(chunk, s, e):
                    continue
            if text[e : e + 5] == "-born":
                continue
            if (lsurf in self.ambiguous or lsurf in given) and (
                ctx.is_sentence_start(s) or not _after_prep(low, s)
            ):
                continue
            info = self._lookup(surface)
            region = self.regions.get(surface) or self.regions.get(surface.title())
            last_end = e
            add(s, e, 0.9 if info else 0.85, info, None if info else region)
        # 4. "<Name>, <region>" / "<Name>, <abbrev.>" and lists "provinces of A, B and C"
        for c in ctx.chunks:
            if text[c.end : c.end + 2] != ", ":
                continue
            nxt = ctx.chunk_by_start.get(c.end + 2)
            if nxt is None:
                continue
            abbrev = nxt.text + "." if text[nxt.end : nxt.end + 1] == "." else nxt.text
            first = c.tokens[0][2].lower()
            if first in stop or len(c.tokens) > 3:
                continue
            if first in given and not (abbrev in self.region_abbrev and _after_prep(low, c.start)):
                continue  # but "in Lawrence, Ind.": a town named like a person
            if abbrev in self.region_abbrev:
                add(c.start, c.end, 0.8, self._lookup(c.text))
                add(nxt.start, nxt.start + len(abbrev), 0.85, None, self.region_abbrev[abbrev])
            elif (
                len(nxt.tokens) == 1
                and nxt.words[0].endswith(("shire", "shire."))
                and free(c.start, c.end)
                and not _org_chunk(c)
                and _prep_words(prev_words(low, c.start, 3, 40))
            ):
                # "in Pellworth, Quarnbyshire": a town and its county
                add(c.start, c.end, 0.75, self._lookup(c.text))
                add(nxt.start, nxt.end, 0.75, self._lookup(nxt.text))
            elif nxt.text in self.regions and not _org_chunk(c):
                add(c.start, c.end, 0.75, self._lookup(c.text))
            elif (
                nxt.text.lower() in self.countries
                and not _org_chunk(c)
                and text[nxt.end : nxt.end + 2] != "'s"
            ):
                # "Utrecht, Netherlands": a place named with its country
                add(c.start, c.end, 0.75, self._lookup(c.text))
        if not ctx.triggers.keys().isdisjoint(LIST_HEADS):
            for key in LIST_KEYS:
                pos = low.find(key)
                while pos != -1:
                    p = pos + len(key) + 1
                    for _ in range(8):
                        lc = ctx.chunk_starting_near(p) if p < len(text) else None
                        if lc is None:
                            break
                        c = lc
                        if c.tokens[0][2].lower() == "the" and len(c.tokens) > 1:
                            add(
                                c.tokens[1][0],
                                c.end,
                                0.75,
                                self._lookup(text[c.tokens[1][0] : c.end]),
                            )
                        else:
                            add(c.start, c.end, 0.75, self._lookup(c.text))
                        rest = re.match(
                            r"(?:,[ \u00a0]*(?:and[ \u00a0]+|or[ \u00a0]+)?|[ \u00a0]+(?:and|or)["
                            r" \u00a0]+)",
                            text[c.end : c.end + 8],
                        )
                        if not rest:
                            break
                        p = c.end + rest.end()
                    pos = low.find(key, pos + 1)
        # 5. chunk rules: "<Name>-based", "a <Name> man", venues, after a preposition
        claimed = ctx.claimed
        for c in ctx.chunks:
            if (claimed[c.start] and claimed[c.end - 1]) or (taken[c.start] and taken[c.end - 1]):
                continue
            toks = c.tokens
            words = c.words
            last = words[-1].strip(".")
            suffixed: list[tuple[int, int, str]] = []
            if "-" in c.text:
                # "Leeds-based", "A Houston-area": the first word that is not a function word
                lead = next(
                    (t for t, w in zip(toks, words, strict=True) if w not in stop), toks[-1]
                )
                if lead[2].lower().endswith(("-based", "-area")):
                    suffixed = [lead]
            if suffixed:
                ts, _, tw = suffixed[0]
                head = tw[: tw.rindex("-")]
                if (
                    head
                    and head.lower() not in stop
                    and not DEMONYM_RE.search(head)
                    and "-" not in head
                ):
                    add(ts, ts + len(head), 0.75, self._lookup(head))
                continue
            if not free(c.start, c.end):
                continue
            pw = prev_words(low, c.start, 3, 40)
            prev1 = pw[-1] if pw else ""
            nwords = low[c.end : c.end + 24].split(None, 1)
            line_start = c.start == 0 or text[c.start - 1] == "\n"
            # "A Brisbane man" at a sentence start: the article is inside the capitalised run
            art = 1 if len(toks) > 1 and words[0] in ARTICLES else 0
            if (
                nwords
                and nwords[0].strip(".,;:") in PERSON_NOUNS
                and (
                    prev1 in ARTICLES
                    or line_start
                    or art
                    or (AGE_ADJECTIVE_RE.match(prev1) and words[-1] not in NATIONALITIES)
                )
                and len(toks) - art <= 2
                and not (
                    words[art] in stop
                    or DEMONYM_RE.search(words[-1])
                    or words[art] in given
                    or words[art] in GENERIC_DOMAIN
                    or _org_chunk(c)
                )
            ):
                ps = toks[art][0]
                add(ps, c.end, 0.7, self._lookup(text[ps : c.end]))
                continue
            road_dir = (
                len(toks) >= 3 and last in DIRECTIONS and words[-2].strip(".") in VENUE_HEADS
            )  # "Quarrywood Road West"
            if (last in VENUE_HEADS or road_dir) and len(toks) >= 2:
                i = 0
                while i < len(toks) - 1 and words[i] in stop:
                    i += 1
                i = self._possessive_place(toks, i, add)
                # an organisation head as the first word is a street's name ("Union Square",
                # "School Lane"); anywhere else it makes an organisation ("Police Station"),
                # unless a lower-case venue word follows ("Castle Court shopping centre")
                lower = None if road_dir else VENUE_LOWER_RE.match(text, toks[-1][1])
                if (
                    i < len(toks)
                    and (lower is not None or i < len(toks) - 1)
                    and (lower is not None or not any(w in ORG_HEADS for w in words[i + 1 :]))
                ):
                    end = lower.end() if lower is not None else toks[-1][1]
                    add(toks[i][0], end, 0.75)  # "Union Square shopping centre"
                continue
            if (
                last in INSTITUTION_VENUES
                and len(toks) >= 2
                and words[0] not in stop
                and not any(w in ORG_HEADS for w in words[:-1] if w != "county")
                and (
                    _after_prep(low, c.start)
                    or (prev1 == "the" and len(pw) >= 2 and pw[-2] in PREPS)
                )
            ):
                add(c.start, c.end, 0.7)  # "taken to Hallam General Hospital": a venue
                continue
            if (
                len(toks) == 1
                and last in VENUE_HEADS
                and prev1 == "the"
                and len(pw) >= 2
                and (pw[-2] in PREPS or pw[-2] in ("on", "along"))
                and not ctx.is_sentence_start(c.start)
            ):
                add(c.start, c.end, 0.65)  # "on the Esplanade"
                continue
            if toks[0][2] == "Park" and len(toks) == 2:
                add(c.start, c.end, 0.7)
                continue
            venue_lower = VENUE_LOWER_RE.match(text, c.end)
            if (
                venue_lower is not None
                and (not _org_chunk(c) or " " in venue_lower.group().strip())
                and not (prev1 in ("a", "an") and len(toks) == 1 and BRAND_RE.match(toks[0][2]))
            ):  # not "a SkyLine station": a brand of station, not a named one
                i = 0
                while i < len(toks) and words[i] in stop:
                    i += 1
                if i < len(toks) - 1:
                    i = self._possessive_place(toks, i, add)
                if i < len(toks) and words[i] not in GENERIC_DOMAIN:
                    info = self._lookup(text[toks[i][0] : c.end])
                    # "Castle Court shopping centre": the venue's name with its venue words
                    # (a town before them stays the town: "the Leeds railway station")
                    # ("a Dayton park": a town before a kind of venue, not its name)
                    end = c.end if info is not None or prev1 in ("a", "an") else venue_lower.end()
                    add(toks[i][0], end, 0.7, info)
                continue
            # "Quarnby's east end", "Quarnby, a small town in Ohio": what only places have
            if (
                (len(toks) == 1 or TOWN_APPOSITIVE_RE.match(text, c.end))
                and len(toks) <= 3
                and words[0] not in stop
                and words[0] not in given
                and not _org_chunk(c)
                and (AREA_OF_PLACE_RE.match(text, c.end) or TOWN_APPOSITIVE_RE.match(text, c.end))
            ):
                add(c.start, c.end, 0.7, self._lookup(c.text))
                continue
            # "in A and B": a run coordinated with a place just found is a place too
            coordinated = (
                prev1 in ("and", "or")
                and len(pw) >= 2
                and (len(toks) == 1 or self._lookup(c.text) is not None)
                and c.start >= 2
                and any(
                    e2 == c.start - len(prev1) - 2 or e2 == c.start - len(prev1) - 3
                    for _, e2, *_ in found
                )
            ) or (
                # "in A, B and C": a middle name of a list that goes on
                text[c.start - 2 : c.start] == ", "
                and len(toks) <= 2
                and words[0] not in given
                and LIST_GOES_ON_RE.match(text, c.end) is not None
                and any(e2 == c.start - 2 for _, e2, *_ in found)
            )
            # after a preposition, or in an appositive ", of <Name>"
            if not (
                coordinated
                or _prep_words(pw)
                or (
                    prev1 in ("of", "from")
                    and APPOSITIVE_OF_RE.search(low, max(0, c.start - 20), c.start)
                )
            ):
                continue
            if words[0] == "the" or len(toks) > 4 or _org_chunk(c, text):
                continue
            if (words[0] in stop and not self._new_place(words)) or words[0] in given:
                continue
            if all(w in GENERIC_DOMAIN for w in words):
                continue
            if c.text.isupper() and len(c.text) <= 5:
                continue
            info = self._lookup(c.text)
            if info is None and (_common_word(text, c) or _in_heading(text, c.start) or c.split):
                continue  # a heading's word, or a piece of a title ("the Stop It Now line")
            if len(toks) >= 2 and POSSESSIVE_TOKEN_RE.match(toks[0][2]):
                # "in Queensland's Gold Coast": two places
                i = self._possessive_place(toks, 0, add)
                add(toks[i][0], c.end, 0.6, self._lookup(text[toks[i][0] : c.end]))
                continue
            if c.text in self.titles or toks[0][2] in self.titles:
                continue
            if (
                len(toks) == 1
                and words[0].endswith(("ian", "ish", "ese"))
                and not self._lookup(c.text)
            ):
                continue
            add(c.start, c.end, 0.6, self._lookup(c.text))
        self._emit(ctx, found)

    def _new_place(self, words: list[str]) -> bool:
        """ "in New York City", "in New Carson City": "New" leads a place's name when the rest
        holds a known place or ends in a settlement word (not "in New Year celebrations")."""
        return (
            words[0] == "new"
            and len(words) >= 2
            and (
                words[-1] in NEW_PLACE_ENDS
                or any(w in self.view.places or w.title() in self.regions for w in words[1:])
            )
        )

    def _possessive_place(self, toks: list[tuple[int, int, str]], i: int, add: Any) -> int:
        """ "Derby's Westfield Centre": the possessive place before a venue is a place of its own
        and the venue starts after it. Returns the index of the venue's first token."""
        for k in range(i, len(toks) - 1):
            m = POSSESSIVE_TOKEN_RE.match(toks[k][2])
            if m is None:
                continue
            cut = toks[k][1] - (2 if toks[k][2][-2:] in ("'s", "’s") else 1)
            add(toks[i][0], cut, 0.75, self._lookup(self._text[toks[i][0] : cut]))
            return k + 1
        return i

    @staticmethod
    def _dateline_like(text: str, s: int) -> bool:
        return s == 0 or text[s - 1] == "\n"

    def _emit(self, ctx: Context, found: list[tuple[int, int, str, float, dict[str, str]]]) -> None:
        found.sort()
        # "Fenwick" where the text also writes "Fenwick-on-Tarne": the long form only (not
        # "Rotterdam" beside "Rotterdam-Zuid": a district is a place of its own)
        longs = {v.lower() for _, _, v, _, _ in found if COMPOUND_TOWN_RE.search(v)}
        if longs:
            found = [f for f in found if not any(lv.startswith(f[2].lower() + "-") for lv in longs)]
        towns = [(s, v) for s, _, v, _, a in found if a.get("kind")]
        for s, e, value, conf, attrs in found:
            words = ctx.text[s:e].lower().split()
            if words and words[-1].strip(".") in VENUE_HEADS and not attrs:
                # a street or venue: name the town written next to it, if any
                sent_s, sent_e = ctx.sentence(s)
                near = [v for ts, v in towns if sent_s <= ts < sent_e and ts != s]
                if near:
                    attrs = {**attrs, "town": near[0], "kind": "street_or_venue"}
                else:
                    attrs = {**attrs, "kind": "street_or_venue"}
            ctx.add(MentionType.PLACE, s, e, value, conf, attrs)
