"""GROUP mentions: vigilante / "paedophile hunter" groups (OCAGs).

Known groups (confirmed names and aliases from the store) are matched anywhere. New ones are read
from how text introduces them: "the group X", "a group called X", "members of X", "a spokesman for
X", "paedophile hunters X", "X, a paedophile hunter group", "the X Facebook page", "X (ACRONYM)",
and names built the way such groups name themselves ("... Hunters", "... Catchers", "...
Predator ..."). Every surface form found is then matched across the text; a full name's
abbreviation or shorter form used on its own is a surface form too."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from drachma.extract import gaz, lexicon
from drachma.extract.common import (
    FUNCTION_WORDS,
    Chunk,
    Context,
    norm_key,
    register_triggers,
)
from drachma.extract.rules import RuleDataError, pattern, words
from drachma.model.mention import MentionType

# cues after a name, with the confidence each gives (patterns in data/patterns.toml): "X, a
# paedophile hunter group", "X is one of the groups", "X, who describe themselves as hunters",
# "the X Facebook page", "X members said" / "X's founder", "the X group said"
FACEBOOK_PAGE_RE = pattern("groups.cue_after_facebook_page")
CUE_AFTER = [
    (pattern("groups.cue_after_described_as_group"), 0.85),
    (pattern("groups.cue_after_one_of_the_groups"), 0.75),
    (pattern("groups.cue_after_describe_themselves"), 0.8),
    (FACEBOOK_PAGE_RE, 0.75),
    (pattern("groups.cue_after_members_of"), 0.6),
    (pattern("groups.cue_after_social_page"), 0.8),
    (pattern("groups.cue_after_group_word"), 0.6),
    (pattern("groups.cue_after_a_group_of"), 0.8),
    (pattern("groups.cue_after_another_group"), 0.8),
]
# all the cues after a name as one pattern: where it does not match, none of them does, so the
# loop over CUE_AFTER (which keeps the highest confidence of those that match) is skipped
if len({rx.flags for rx, _ in CUE_AFTER}) != 1:  # pragma: no cover - data check
    raise RuleDataError("the groups.cue_after_* patterns must share their flags",
                        field="groups.cue_after")
CUE_AFTER_ANY_RE = re.compile(
    "|".join(f"(?:{rx.pattern})" for rx, _ in CUE_AFTER), CUE_AFTER[0][0].flags
)
GROUP_NOUNS = words("groups.group_nouns")
# "a channel called X": outlets a group runs, a cue only after a naming word
NAMING_NOUNS = words("groups.naming_nouns")
# words whose presence in a text window makes the group cues worth running
CUE_TRIGGERS = (
    *sorted(GROUP_NOUNS),
    *sorted(NAMING_NOUNS),
    "hunter",
    "hunters",
    "hunting",
    "vigilante",
    "vigilantes",
    "activist",
    "activists",
    "member",
    "members",
    "founder",
    "founders",
    "leader",
    "leaders",
    "admin",
    "admins",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "president",
    "boss",
    "volunteer",
    "volunteers",
    "owner",
    "decoy",
    "decoys",
    "administrator",
    "organiser",
    "organizer",
    "behind",
    "themselves",
    "known",
    "itself",
)
register_triggers(CUE_TRIGGERS)
AFTER_FIRST_CHARS = frozenset(",\"'‘’“”")
AFTER_FIRST_WORDS = words("groups.after_first_words")
GROUP_HEADS = words("groups.group_heads")
GROUP_WORDS_ANYWHERE = words("groups.group_words_anywhere")
# words that make a capitalised run a group's name wherever they stand in it ("hunters" and
# "catchers" only count at the end: "Heron Lane Hunters", not "Hunters Confront Man")
GROUP_WORDS = GROUP_WORDS_ANYWHERE | GROUP_HEADS
GENERIC = words("groups.generic")
VENUE_HEADS = words("places.venue_heads")
DIRECTIONS = words("places.directions")
ADJECTIVE_SUFFIXES = ("-based", "-born", "-run", "-led", "-area")
# a number inside or after a name: "Guardians 4 Kids", "Predator Patrol 247", "Watch 24/7"
DIGIT_GAP_RE = pattern("groups.digit_gap")
DIGIT_TAIL_RE = pattern("groups.digit_tail")
ACRONYM_RE = pattern("groups.acronym")
GROUPISH_SENTENCE_RE = pattern("groups.groupish_sentence")
HANDLE_RE = pattern("groups.handle")
NUMBER_TAIL_RE = pattern("groups.number_tail")
POLICE_UNIT_WORDS = words("groups.police_unit_words")
UNIT_HEADS = words("groups.unit_heads")
# people naming themselves collectively: "the men called themselves X", "who call themselves X"
SELF_NAMING_PAIRS = frozenset(
    (pair.split()[1], pair.split()[0]) for pair in words("groups.self_naming")
)  # (reflexive, verb): the words in the order cue_before reads them, last first


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if (w and w[0].isupper()) or w.isupper())


HUNTER_WORDS = words("groups.hunter_words")
NAMING_WORDS = frozenset({"called", "named", "dubbed"})
NAMING_OR_REFLEXIVE = NAMING_WORDS | {"itself", "themselves"}  # "calling itself X"
# leading words dropped from a name ("The" is kept: "The Hunters")
FUNCTION_WORDS_BUT_THE = FUNCTION_WORDS - {"the"}
# words that introduce a list of names after a group noun: "groups such as A, B and C",
# "hunter groups, including A", "other groups in the area include A and B", "groups like A"
LIST_WORDS = words("groups.list_words")
# verbs that introduce a group's name in a sentence about the groups: "founded X", "set up X"
FOUNDING = words("groups.founding")
AGENT_VERBS = words("groups.agent_verbs")
# "a sting by X", "a livestream by X": the agent of a noun of what groups do
AGENT_NOUNS = words("groups.agent_nouns")
# stems that make one capitalised word a group's name: "Paedohunters", "StingSquadUK"
STEM_RE = pattern("groups.stem")
INFLECTIONS = words("groups.inflections")
NEXT_CAP_RE = pattern("groups.next_cap")
CAMEL_RE = pattern("groups.camel")
# "X, which confronts suspected paedophiles", "X posted a video": the verbs of what groups do
ACTION_AFTER_RE = pattern("groups.action_after")
ROLE_CUE_WORDS = words("groups.role_cue_words")
SKIPPABLE = words("groups.skippable")
BEHIND_WORDS = words("groups.behind_words")
NOT_FIRST_WORDS = words("groups.not_first_words")
STRIP = "\"'‘’“”,:;"
CUE_END_WORDS = (
    GROUP_NOUNS
    | HUNTER_WORDS
    | NAMING_WORDS
    | LIST_WORDS
    | FOUNDING
    | frozenset({"up"})
    | frozenset(
        {"as", "itself", "themselves", "by", "from", "of", "with", "at", "for", "including", "name",
         "behind", "under"}
    )
)


def cue_before(prev: list[str]) -> float:
    """Confidence that the words before a capitalised run introduce a group's name:
    "the group X", "a group called X", "paedophile hunters X", "members of X",
    "a spokesman for the Facebook page X"."""
    if prev and prev[-1].endswith(":"):
        return 0.0  # "Hunters: Inside the Sting Squads": a title
    w = [x.strip(STRIP) for x in prev[-8:]]
    w = [x for x in w if x]
    i = len(w) - 1
    if i >= 0 and w[i] == "the":
        i -= 1
    if i < 0:
        return 0.0
    last = w[i]
    if last in GROUP_NOUNS:
        return 0.85
    if last in HUNTER_WORDS:
        return 0.8
    two = w[i - 1] if i > 0 else ""
    if (last, two) in SELF_NAMING_PAIRS:
        return 0.85  # "the men called themselves X": a name a group gives itself
    if last == "as" and "known" in w[max(0, i - 4) : i]:
        # "known to its followers as the X", "known by its members as X": something with
        # members or followers is a group
        if any(x in ("members", "followers", "supporters") for x in w[max(0, i - 3) : i]):
            return 0.8
        for k in range(i - 1, max(-1, i - 12), -1):
            if w[k] in GROUP_NOUNS or w[k] in HUNTER_WORDS:
                return 0.8
    if last == "name" and two in ("the", "its", "their") and i >= 2 and w[i - 2] in (
        "under", "by"
    ):
        # "The group, which operates under the name X": the name a group goes by
        for k in range(i - 3, max(-1, i - 10), -1):
            if w[k] in GROUP_NOUNS or w[k] in HUNTER_WORDS:
                return 0.85
    naming = (
        last in NAMING_WORDS
        or (last, two)
        in {
            ("as", "known"),
            ("itself", "calling"),
            ("themselves", "calling"),
            ("itself", "calls"),
            ("themselves", "call"),
            ("itself", "called"),
            ("themselves", "called"),
            ("by", "going"),
            ("as", "such"),
            ("as", "operating"),
            ("as", "operates"),
            ("as", "operate"),
            ("under", "operating"),
        }
        or last in LIST_WORDS
    )
    if naming:
        listing = last in LIST_WORDS or (last, two) == ("as", "such")
        j = i - (1 if last in NAMING_WORDS or last in LIST_WORDS else 2)
        # a list may come a few words after its group noun: "hunter groups in the north, such as"
        for k in range(j, max(-1, j - (6 if listing else 3)), -1):
            if w[k] in GROUP_NOUNS or (last in NAMING_WORDS and w[k] in NAMING_NOUNS):
                return 0.85
            if w[k] in HUNTER_WORDS:
                return 0.8
        return 0.0
    if last == "behind" and two in BEHIND_WORDS:
        return 0.75  # "the men behind X"
    if last == "by" and (two in AGENT_VERBS or two in AGENT_NOUNS):
        # "streamed by X", "confronted by X", "a sting by X": the agent of what groups do, in
        # a sentence about hunters or groups (checked by the caller)
        return 0.6
    if last in FOUNDING or (last == "up" and two == "set"):
        for k in range(i - 1, max(-1, i - 8), -1):
            if w[k] in HUNTER_WORDS or w[k] in GROUP_NOUNS:
                return 0.75
        return 0.0
    if last in ("from", "of", "with", "at", "for"):
        j = i - 1
        while j >= 0 and w[j] in SKIPPABLE:
            j -= 1
        if j >= 0 and w[j] in ROLE_CUE_WORDS:
            return 0.75
        if j >= 0 and w[j] in HUNTER_WORDS and last in ("from", "of", "with"):
            return 0.8
    return 0.0


SMALL_WORDS = words("groups.small_words")


# the longest single word read as a coined or run-together name: real ones are far shorter
# ("ChildProtectionNetworkUK"), and a longer "word" (a hostile or broken text of up to
# MAX_CHARS) is neither tested nor kept in the caches below, whose keys would otherwise hold it
MAX_NAME_WORD = 48


def _run_together(word: str) -> bool:
    """See :func:`_run_together_word`; a word longer than ``MAX_NAME_WORD`` is not one."""
    return len(word) <= MAX_NAME_WORD and _run_together_word(word)


@lru_cache(maxsize=4096)
def _run_together_word(word: str) -> bool:
    """One capitalised word built the way groups name themselves: a run-together name with a
    hunting stem ("Paedohunters", "Creepcatchers") or camel case with a group word
    ("StingSquadUK", "PredatorWatch")."""
    if word.lower() in GENERIC or not word[:1].isupper():
        return False
    inner_caps = any(ch.isupper() or ch.isdigit() for ch in word[1:])
    m = STEM_RE.search(word)
    if m is None and not inner_caps:
        return False
    parts = [p.lower() for p in CAMEL_RE.findall(word)]
    if len(parts) >= 2 and any(p in GROUP_WORDS or STEM_RE.fullmatch(p) for p in parts):
        return True
    if m is None:
        return False
    # another word run into the stem, not just an ending: "Paedohunterz", not "Vigilantism"
    rest = (word[: m.start()] + word[m.end() :]).lower()
    return len(rest) >= 3 and rest not in INFLECTIONS


def _coined(word: str) -> bool:
    """One word coined as a name, the way groups and brands name themselves and people and places
    are not named: letters on both sides of a digit ("Justice4Kids"), a digit run before a
    capitalised word ("4TheChildren"), or two or more capitals inside it after lower-case
    letters ("ProtectOurKidz", "SafeKidsUK"). A single inner capital is a person's or a place's
    name too ("McAllister", "MacLeod", "DeShawn"), so it is not enough. One pass over the word,
    and none over a word longer than ``MAX_NAME_WORD``."""
    return len(word) <= MAX_NAME_WORD and _coined_word(word)


@lru_cache(maxsize=4096)
def _coined_word(word: str) -> bool:
    if len(word) < 4 or not word.isalnum():
        return False
    if word[0].isdigit():
        k = 0
        while k < len(word) and word[k].isdigit():
            k += 1
        return k < len(word) - 2 and word[k].isupper() and any(c.islower() for c in word[k + 1 :])
    if not word[0].isupper() or not any(c.islower() for c in word):
        return False
    # a letter, then a digit, then (after the digits) a letter: the first such digit leaves the
    # longest rest, so it alone is tested
    first = next(
        (k for k in range(1, len(word)) if word[k].isdigit() and word[k - 1].isalpha()), None
    )
    if first is not None and any(c.isalpha() for c in word[first:]):
        return True
    inner = [k for k in range(1, len(word)) if word[k].isupper() and word[k - 1].islower()]
    return len(inner) >= 2


def _title_case_run(ctx: Context, end: int) -> int:
    """After a naming cue ("a page called X"), a name in title case runs on over the words a
    headline split would stop at ("Expose Them All"): the end of the last capitalised word
    separated only by single spaces on the same line."""
    text = ctx.text
    while True:
        m = NEXT_CAP_RE.match(text, end)
        if m is None:
            return end
        end = m.end()


def _distinctive(word: str, finder: GroupFinder) -> bool:
    """A capitalised word that can stand for a group on its own: not a common group word, given
    name, place or function word."""
    lw = word.lower()
    return (
        word[:1].isupper()
        and lw not in GENERIC
        and lw not in FUNCTION_WORDS
        and lw not in finder.given
        and lw not in finder.places
        and lw not in GROUP_WORDS
        and lw not in DIRECTIONS
        and not lw.endswith(("ern", "ish", "ian", "ese"))  # "Northern", "British": adjectives
    )


def _name_shaped(surface: str) -> bool:
    """A name that does not look like a person's "Given Surname": three or more words, a group
    word, a number, an acronym or a run-together word."""
    ws = surface.split()
    return (
        len(ws) >= 3
        or any(w.lower() in GROUP_WORDS for w in ws)
        or any(any(ch.isdigit() for ch in w) or (w.isupper() and len(w) >= 2) for w in ws)
        or any(_run_together(w) or _coined(w) for w in ws)
    )


def _about_groups(ctx: Context, pos: int) -> bool:
    """Whether the sentence at ``pos`` (or one of the two before) speaks of hunters or groups."""
    s, e = ctx.sentence(pos)
    prev_s = s
    for _ in range(2):
        if prev_s > 1:
            prev_s = ctx.sentence(prev_s - 2)[0]
    return GROUPISH_SENTENCE_RE.search(ctx.text, prev_s, e) is not None


def _with_numbers(ctx: Context) -> list[Chunk]:
    """The capitalised runs, with a number inside or after a group-like name joined to it:
    "Guardians 4 Kids", "Predator Patrol 247"."""
    chunks = ctx.chunks
    text = ctx.text
    out: list[Chunk] = []
    i = 0
    while i < len(chunks):
        c = chunks[i]
        if not text[c.end + 1 : c.end + 2].isdigit():
            out.append(c)  # no number right after the run: nothing to join
            i += 1
            continue
        nxt = chunks[i + 1] if i + 1 < len(chunks) else None
        if nxt is not None and nxt.start - c.end <= 8 and DIGIT_GAP_RE.match(
            text[c.end : nxt.start] + " "
        ):
            g = DIGIT_TAIL_RE.match(text, c.end)
            assert g is not None
            gs, ge = g.end() - len(g.group().strip()), g.end()
            toks = [*c.tokens, (gs, ge, text[gs:ge]), *nxt.tokens]
            words_ = [*c.words, text[gs:ge], *nxt.words]
            out.append(Chunk(c.start, nxt.end, text[c.start : nxt.end], toks, words_))
            i += 2
            continue
        m = DIGIT_TAIL_RE.match(text, c.end)
        if m is not None and not any(w in GROUP_WORDS for w in c.words):
            # "the group Wachtrupp 030": a short number after a one-word name, not a year
            m = NUMBER_TAIL_RE.match(text, c.end) if len(c.words) == 1 else None
        if m is not None:
            gap = m.group().strip()
            out.append(Chunk(c.start, m.end(), text[c.start : m.end()],
                             [*c.tokens, (m.end() - len(gap), m.end(), gap)], [*c.words, gap]))
        else:
            out.append(c)
        i += 1
    led = _digit_led(ctx)
    if led:
        out = sorted([*out, *led], key=lambda c: c.start)
    return out


def _digit_led(ctx: Context) -> list[Chunk]:
    """Words coined with a number in front ("4TheChildren", "2Protect"): capitalised runs start
    at a capital letter, so these are found from the text's runs of digits."""
    text = ctx.text
    out: list[Chunk] = []
    for s, e in ctx.digit_runs():
        if e >= len(text) or not text[e].isupper() or (s and not text[s - 1].isspace()):
            continue
        w = e
        while w < len(text) and text[w].isalnum():
            w += 1
        word = text[s:w]
        if _coined(word):
            out.append(Chunk(s, w, word, [(s, w, word)], [word.lower()]))
    return out


def _initials_agree(words: list[str], acronym: str) -> bool:
    """ "Shielding Kids in Public" ~ "SKP" or "SKiP" (small words may or may not count)."""
    acr = acronym.replace("&", "").upper()
    caps = "".join(w[0] for w in words if w[:1].isupper()).upper()
    every = "".join(w[0] for w in words if w[:1].isalpha()).upper()
    return acr in (caps, every)


class GroupFinder:
    def __init__(self, known_groups: Iterable[tuple[str, Iterable[str]]] = ()) -> None:
        self.known: dict[str, str] = {}
        for name, aliases in known_groups:
            self.known[name.lower()] = name
            for a in aliases:
                if a.strip():
                    self.known[a.strip().lower()] = name
        self.known_re: re.Pattern[str] | None = None
        if self.known:
            alt = "|".join(
                re.escape(k).replace(r"\ ", r"[ \u00a0]+")
                for k in sorted(self.known, key=len, reverse=True)
            )
            self.known_re = re.compile(rf"(?<![\w])(?:{alt})(?![\w])", re.IGNORECASE)
        self.not_groups = lexicon.not_groups()
        self.given = lexicon.given_names()
        self.places = gaz.load().places

    @staticmethod
    def _acronym_pair(ctx: Context, pos: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
        """Spans of (long form, acronym) around the bracket at ``pos``, if the initials agree."""
        text = ctx.text
        close = text.find(")", pos, pos + 90)
        if close == -1:
            return None
        inside = text[pos + 1 : close]
        if ACRONYM_RE.fullmatch(inside):
            # "Long Name (ACR)": the chunk right before the bracket
            k = pos
            while k > 0 and text[k - 1] in " \u00a0":
                k -= 1
            chunk = ctx.chunk_by_end.get(k)
            if chunk is None:
                return None
            # the shortest run of the chunk's last words whose initials agree, small words
            # counted or not: "Keepers of the Lantern (KOTL)", "Shielding Kids in Public (SKP)"
            for k in range(1, len(chunk.tokens) + 1):
                long_toks = chunk.tokens[-k:]
                if not long_toks[0][2][:1].isupper():
                    continue
                if _initials_agree([t[2] for t in long_toks], inside):
                    return (long_toks[0][0], long_toks[-1][1]), (pos + 1, close)
            return None
        # "ACR (Long Name)": an acronym right before the bracket, initials inside
        words = inside.split()
        if not 2 <= len(words) <= 8 or not words[0][:1].isupper() or not words[-1][:1].isupper():
            return None
        if any(not (w[:1].isupper() or w in SMALL_WORDS) for w in words):
            return None
        k = pos
        while k > 0 and text[k - 1] in " \u00a0":
            k -= 1
        j = k
        while j > 0 and (text[j - 1].isalnum() or text[j - 1] == "&"):
            j -= 1
        acr = text[j:k]
        if not ACRONYM_RE.fullmatch(acr) or not _initials_agree(words, acr):
            return None
        return (pos + 1, close), (j, k)

    def _clean(self, ctx: Context, chunk: Chunk) -> tuple[int, int, float] | None:
        """The part of a capitalised run that could be a name, and the confidence a cue inside
        the run gives ("Members of X" at the start of a sentence)."""
        w0 = chunk.words[0]
        if (
            len(chunk.words) == 3
            and (w0 in HUNTER_WORDS or w0 in ROLE_CUE_WORDS)
            and not w0.endswith("s")
            and chunk.words[1] not in FUNCTION_WORDS
            and not any(w in GROUP_WORDS for w in chunk.words[1:])
            and not ctx.is_claimed(chunk.start, chunk.end)
        ):
            return None  # "Hunter Dax Moreau streamed it": a person named with their role
        if w0 in self.given and "of" in chunk.words[1:-1]:
            # "Dana Whitlock of the Night Owls Watch": a person, then the group
            k = chunk.words.index("of", 1) + 1
            if k < len(chunk.words) and chunk.words[k] == "the":
                k += 1
            if k < len(chunk.tokens):
                return chunk.tokens[k][0], chunk.end, 0.0
        if w0 not in FUNCTION_WORDS and "-" not in w0 and w0 not in ROLE_CUE_WORDS:
            return chunk.start, chunk.end, 0.0
        toks = list(chunk.tokens)
        if w0 in ROLE_CUE_WORDS and len(toks) > 2 and chunk.words[1] in ("of", "for", "from"):
            # "Members of the X Hunters": the name starts after the connector
            toks = toks[2:]
            if toks and toks[0][2] == "the" and len(toks) > 1:
                toks = toks[1:]
            return toks[0][0], toks[-1][1], 0.75
        # drop leading "-based" / "-born" adjectives and function words
        while toks and (
            toks[0][2].lower() in FUNCTION_WORDS_BUT_THE
            or (
                "-" in toks[0][2]
                and toks[0][2].lower().endswith(("-based", "-born", "-run", "-led"))
            )
        ):
            toks.pop(0)
        # "The Leeds-based group": a place adjective and what comes before it are not the name
        adj = (
            [k for k, t in enumerate(toks) if t[2].lower().endswith(ADJECTIVE_SUFFIXES)]
            if "-" in chunk.text
            else []
        )
        if adj:
            toks = toks[adj[-1] + 1 :]
        if not toks:
            return None
        return toks[0][0], toks[-1][1], 0.0

    def _acceptable(
        self,
        ctx: Context,
        s: int,
        e: int,
        strict: bool,
        single_ok: bool = False,
        venue_ok: bool = False,
    ) -> bool:
        surface = ctx.text[s:e]
        words = surface.split()
        key = norm_key(surface)
        if not key or key in self.not_groups or key in lexicon.countries():
            return False
        if ctx.is_claimed(s, e):
            return False
        low = [w.lower().strip("'’") for w in words]
        if all(w in GENERIC or w in FUNCTION_WORDS for w in low):
            return False
        if low[0] in self.given and len(words) <= 2 and not any(w in GROUP_WORDS for w in low):
            return False  # a person: "known as Tobias and Reece"
        if len(words) == 1 and low[0] in lexicon.titles():
            return False
        if low[0] in NOT_FIRST_WORDS or (low[0] == "the" and len(low) > 1 and low[1] in
                                         NOT_FIRST_WORDS):
            return False  # "the Operation Hydrant team": a police operation or programme
        if low[-1] in UNIT_HEADS and any(w in POLICE_UNIT_WORDS for w in low[:-1]):
            return False  # "the Sexual Crimes Squad": a police unit
        if (
            low[-1] in VENUE_HEADS
            and not single_ok
            and not venue_ok
            and not any(w in GROUP_WORDS for w in low)
        ):
            return False  # "Carlow Street Station": a venue, not a group
        if single_ok and len(words) == 1:
            return low[0] not in self.given and key not in self.places

        if strict and (key in self.places or surface in lexicon.regions()):
            return False  # "the Leeds group": a place, not a group's name
        return not (
            strict and len(words) == 1 and not words[0].isupper() and not HANDLE_RE.match(words[0])
        )

    def extract(self, ctx: Context) -> None:
        text = ctx.text
        names: dict[str, tuple[str, float]] = {}  # surface key -> (value, confidence)
        if self.known_re is not None:
            for m in self.known_re.finditer(text):
                names[norm_key(m.group())] = (
                    self.known[re.sub(r"\s+", " ", m.group().lower())],
                    0.95,
                )
        low = ctx.low
        has_cues = not ctx.triggers.keys().isdisjoint(CUE_TRIGGERS)
        prev_group: tuple[int, float] = (-10, 0.0)  # end of the last cued group name, its cue
        claimed = ctx.claimed
        for chunk in _with_numbers(ctx):
            if claimed[chunk.start] and claimed[chunk.end - 1]:
                continue  # already a force, date or platform
            span = self._clean(ctx, chunk)
            if span is None:
                continue
            s, e, conf = span
            if claimed[e - 1] and not claimed[s]:
                # "the Dark Harbour Facebook page": the platform ends the run, not the name
                k = len(chunk.tokens) - 1
                while k > 0 and claimed[chunk.tokens[k][0]] and chunk.tokens[k - 1][1] > s:
                    k -= 1
                e = chunk.tokens[k][1]
                if claimed[e - 1]:
                    continue
            if 0 < s - prev_group[0] <= 10 and text[prev_group[0] : s].strip(" ,") in (
                "and",
                "or",
                "",
                "and the",
                "or the",
            ):
                conf = prev_group[1]  # "groups such as X and Y": Y is listed like X
            if has_cues:
                # the word before the run (or before "the"), without quotes and commas
                b = chunk.start - 1
                while b > 0 and low[b] in " \u00a0\"'‘’“”,:;":
                    b -= 1
                k = max(low.rfind(" ", 0, b), low.rfind("\n", 0, b))
                last = low[k + 1 : b + 1].strip(STRIP)
                if last == "the":
                    k2 = max(low.rfind(" ", 0, k), low.rfind("\n", 0, k))
                    last = low[k2 + 1 : k].strip(STRIP)
                if last in CUE_END_WORDS:
                    cue = cue_before(low[max(0, chunk.start - 70) : chunk.start].split())
                    if cue == 0.6 and last == "by" and (
                        chunk.words[0] in self.given
                        or not _about_groups(ctx, chunk.start)
                        or not _name_shaped(text[s:e])
                        or chunk.words[0] in DIRECTIONS
                        or chunk.words[0] in self.places
                    ):
                        # a place-led name with only this weak cue is usually a regional
                        # branch of a larger body ("the East Fenmoor RDF"), not a hunter group
                        cue = 0.0
                    if (
                        cue == 0.75
                        and last in ("for", "of", "from", "with")
                        and s == chunk.start
                        and len(chunk.words) == 1
                        and GROUPISH_SENTENCE_RE.search(ctx.sentence_text(s))
                    ):
                        # "a spokesman for X said the group ...": a role in a sentence about
                        # groups names a one-word group as surely as a group noun does
                        cue = 0.8
                    conf = max(conf, cue)
                    if cue >= 0.85 and last in NAMING_OR_REFLEXIVE:
                        e = _title_case_run(ctx, e)
            nxt = low[e : e + 16]
            if (
                nxt[:1] in AFTER_FIRST_CHARS or nxt[1:].split(" ", 1)[0] in AFTER_FIRST_WORDS
            ) and CUE_AFTER_ANY_RE.match(low, e):
                for rx, c in CUE_AFTER:
                    if c > conf and rx.match(low, e):
                        conf = c
            low_words = (
                chunk.words
                if s == chunk.start
                else [t[2].lower() for t in chunk.tokens if t[0] >= s]
            )
            lexical = len(low_words) >= 2 and (
                low_words[-1] in GROUP_HEADS or any(w in GROUP_WORDS_ANYWHERE for w in low_words)
            )
            if lexical:
                conf = max(conf, 0.7)
            if not lexical and len(low_words) == 1 and _run_together(text[s:e]):
                lexical = True
                conf = max(conf, 0.7)
            if not lexical and len(low_words) == 1 and conf >= 0.6 and _coined(text[s:e]):
                # "confronted by ProtectOurKidz", "a group calling itself 4TheChildren": a coined
                # word with a cue is a name as surely as one with a group word
                lexical = True
            if 0.75 <= conf < 0.8 and ACTION_AFTER_RE.match(low, e):
                # "Members of X confronted him": a role cue and what groups do, a strong cue
                # even for a one-word name
                conf = 0.8
            if (
                conf < 0.6
                and low_words[0] not in self.given
                and ACTION_AFTER_RE.match(low, e)
                and _about_groups(ctx, s)
            ):
                conf = 0.6
            if conf == 0.0 or not self._acceptable(
                ctx,
                s,
                e,
                strict=not lexical,
                single_ok=conf >= 0.8,
                # "the Dark Harbour Facebook page": a page's name, not a venue
                venue_ok=FACEBOOK_PAGE_RE.match(low, e) is not None,
            ):
                continue
            surface = text[s:e]
            key = norm_key(surface)
            if key not in names:
                names[key] = (surface, conf)
            if conf >= 0.75 or lexical:
                # a name shaped like a group's ("... Squad") leads a list as a cue does:
                # "Creep Exposure Squad, X Y and Z W have all streamed stings"
                prev_group = (e, conf)
        # "ACRONYM (Long Name)" and "Long Name (ACRONYM)"
        pos = text.find("(")
        while pos != -1:
            pair = self._acronym_pair(ctx, pos)
            pos = text.find("(", pos + 1)
            if pair is None:
                continue
            (ls, le), (as_, ae) = pair
            long, acr = text[ls:le], text[as_:ae]
            if ctx.is_claimed(ls, le) or ctx.is_claimed(as_, ae):
                continue
            known = norm_key(long) in names or norm_key(acr) in names
            # in a sentence about groups, or doing what groups do: "X (ACR) confronted him"
            acts = ACTION_AFTER_RE.match(ctx.low, max(le, ae) + 1) is not None
            if known or acts or GROUPISH_SENTENCE_RE.search(ctx.sentence_text(ls)):
                if norm_key(long) in self.not_groups or norm_key(acr) in self.not_groups:
                    continue
                names.setdefault(norm_key(long), (long, 0.8))
                names.setdefault(norm_key(acr), (acr, 0.8))
        if not names:
            return
        # shorter forms of a multi-word name used on their own: "X ABC" -> "ABC", "X"
        for value, conf in list(names.values()):
            words = value.split()
            # "Lanternwood Hunters" ... "Lanternwood": the distinctive word of a two-word name
            # whose other word is a group noun, used on its own
            headed = len(words) == 2 and words[-1].lower() in GROUP_HEADS
            if len(words) < 3 and not (len(words) == 2 and words[-1].isupper()) and not headed:
                continue
            for i in range(1, len(words)):
                for sub in (words[:i], words[i:]):
                    if not sub or (len(sub) == 1 and not sub[0].isupper() and not (
                        headed and sub == words[:1] and _distinctive(sub[0], self)
                    )):
                        continue
                    sub_low = [w.lower() for w in sub]
                    if all(w in GENERIC or w in FUNCTION_WORDS for w in sub_low):
                        continue
                    sub_text = " ".join(sub)
                    sk = norm_key(sub_text)
                    if sk in names or sk in lexicon.countries() or sk in self.not_groups:
                        continue
                    ms = text.find(sub_text)
                    while ms != -1:
                        me = ms + len(sub_text)
                        # whole words only, and standalone: not inside the full name
                        if (ms > 0 and (text[ms - 1].isalnum() or text[ms - 1] in "_-")) or (
                            me < len(text) and (text[me].isalnum() or text[me] in "_-")
                        ):
                            ms = text.find(sub_text, ms + 1)
                            continue
                        full_here = text.rfind(value, max(0, ms - len(value)), me + len(value))
                        if (
                            full_here != -1 and full_here <= ms < full_here + len(value)
                        ) or ctx.is_claimed(ms, me):
                            ms = text.find(sub_text, ms + 1)
                            continue
                        names[sk] = (value, conf * 0.9)
                        break
        claimed_here: list[tuple[int, int]] = []
        for name_key in sorted(names, key=len, reverse=True):
            value, conf = names[name_key]
            for key in {name_key, name_key.replace("'", "’")}:
                self._mark(ctx, key, value, conf, claimed_here)

    @staticmethod
    def _mark(
        ctx: Context, key: str, value: str, conf: float, claimed_here: list[tuple[int, int]]
    ) -> None:
        text, low = ctx.text, ctx.low
        pos = low.find(key)
        if True:
            while pos != -1:
                end = pos + len(key)
                ok = (pos == 0 or not (low[pos - 1].isalnum() or low[pos - 1] == "-")) and (
                    end >= len(low) or not (low[end].isalnum() or low[end] == "-")
                )
                if (
                    ok
                    and not ctx.is_claimed(pos, end)
                    and not any(pos < e2 and s2 < end for s2, e2 in claimed_here)
                ):
                    s = pos
                    if low[max(0, pos - 4) : pos] == "the " and text[pos - 4 : pos - 3] == "T":
                        s = pos - 4  # "The Name" written with a capital The
                    claimed_here.append((s, end))
                    ctx.add(MentionType.GROUP, s, end, value, conf)
                pos = low.find(key, end)
