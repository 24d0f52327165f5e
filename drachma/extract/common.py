"""Shared pieces: the per-report context, capitalised-chunk finder and small text helpers."""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import cast

from drachma.extract import rules
from drachma.model.mention import Mention, MentionType

UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
# A capitalised token: "Leeds", "O'Hara", "McAllister", "Stoke-on-Trent", "B.C", "PSNI".
CAP_TOKEN = rf"[{UPPER}][\w'’\-]*(?:\.[{UPPER}][\w'’\-]*)*"
SEP = r"[ \u00a0]+"
CONNECTORS = rules.word_tuple("common.connectors")
_CONNECT = "|".join(re.escape(c) for c in CONNECTORS)
# Starts with a character class (so the regex engine can skip ahead fast); the look-behinds after
# the first letter check the character before it: not inside a word, nor after "O'" / "d'".
CHUNK_RE = re.compile(
    rf"[{UPPER}](?<![\w.\-].)(?<!\w['’].)[\w'’\-]*(?:\.[{UPPER}][\w'’\-]*)*"
    rf"(?:{SEP}(?:(?:{_CONNECT}){SEP})*{CAP_TOKEN})*"
)
TOKEN_RE = re.compile(r"[^\s]+")
# the runs of digits: r"\d+" written so that the pattern starts with a character class, which the
# regex engine skips ahead to (r"\d+" starts with a repeat, so it is tried at every character:
# less than half the instructions over a report, the same matches)
DIGITS_RE = re.compile(r"\d\d*")
# the same runs for a text with no character beyond the Basic Multilingual Plane: "\d" (a
# decimal digit of any script) written out as the class of the BMP's decimal digits, which the
# regex engine compiles to a bitmap (one lookup a character, not a call into the Unicode
# database); a wide text (one with a character past U+FFFF) keeps "\d"
_BMP_DIGITS = "".join(re.escape(chr(c)) for c in range(0x10000) if chr(c).isdecimal())
BMP_DIGITS_RE = re.compile(f"[{_BMP_DIGITS}][{_BMP_DIGITS}]*")
# a str's size in memory is a fixed header plus (length + 1) code units of 1, 2 or 4 bytes, the
# smallest that holds its widest character: the header, from a one-character wide string
_WIDE_HEADER = sys.getsizeof("\U00010000") - 8


def is_wide(text: str) -> bool:
    """Whether ``text`` may hold a character past U+FFFF (read from its storage size, so O(1);
    a string stored in an older layout counts as wide, which only costs the slower scan)."""
    return not text.isascii() and sys.getsizeof(text) >= _WIDE_HEADER + 4 * (len(text) + 1)


def digit_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every maximal run of digits (``\\d+``) in ``text``, in order."""
    rx = DIGITS_RE if is_wide(text) else BMP_DIGITS_RE
    return [m.span() for m in rx.finditer(text)]
POSSESSIVE_RE = re.compile(r"(?:['’]s|['’])$")

# Words that start sentences or headlines but never begin a name.
FUNCTION_WORDS = rules.words("common.function_words")

# Capitalised words that end a name inside a title-case headline.
HEADLINE_BREAKS = rules.words("common.headline_breaks")

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(slots=True)
class Chunk:
    """A run of capitalised tokens (with lower-case connectors such as "of the")."""

    start: int
    end: int
    text: str
    tokens: list[tuple[int, int, str]]
    words: list[str] = field(default_factory=list)  # lower-cased token texts
    # a piece of a title-case run split at its headline words ("Stop It Now" gives "Stop")
    split: bool = False


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def lower_same_length(text: str) -> str:
    """``text.lower()`` when that keeps every offset, else ASCII-only lower-casing."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


# a run of claimed bytes to slice from (``Context.claim``): the same bytes as
# ``bytes([1]) * n``, without building a list and a bytes object per claim
_ONES_LEN = 4096
_ONES = b"\x01" * _ONES_LEN


@dataclass(slots=True)
class Context:
    text: str
    report_date: date
    sent_starts: list[int]
    chunks: list[Chunk] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    claimed: bytearray = field(default_factory=bytearray)
    low: str = ""
    # phrase-matcher hits by label: label -> [(start_char, end_char), ...]
    matches: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    chunk_starts: list[int] = field(default_factory=list)
    chunk_by_start: dict[int, Chunk] = field(default_factory=dict)
    chunk_by_end: dict[int, Chunk] = field(default_factory=dict)
    # trigger word (lower-cased) -> character offsets, from the pipeline's PhraseMatcher
    triggers: dict[str, list[int]] = field(default_factory=dict)
    # (start, end) of every run of digits in ``text``, found on first use (``digit_runs``)
    _digit_runs: list[tuple[int, int]] | None = None
    # the ends of those runs, in order (``windows_with_digits``)
    _digit_ends: list[int] | None = None

    def __post_init__(self) -> None:
        if not self.low:
            self.low = lower_same_length(self.text)
        if not self.claimed:
            self.claimed = bytearray(len(self.text))
        self.chunk_starts = [c.start for c in self.chunks]
        self.chunk_by_start = {c.start: c for c in self.chunks}
        self.chunk_by_end = {c.end: c for c in self.chunks}

    def digit_runs(self) -> list[tuple[int, int]]:
        """(start, end) of every maximal run of digits (``\\d+``) in the text, in order: one scan
        shared by the rules that start at a number (dates, statistics, ages)."""
        runs = self._digit_runs
        if runs is None:
            runs = self._digit_runs = digit_runs(self.text)
        return runs

    def windows_with_digits(self, windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The windows (sorted, not overlapping) that hold a digit: a pattern every match of
        which holds one (:func:`requires_digit`) can match in no other."""
        if not windows:
            return windows
        runs = self.digit_runs()
        ends = self._digit_ends
        if ends is None:
            ends = self._digit_ends = [e for _, e in runs]
        out = []
        for w in windows:
            i = bisect_right(ends, w[0])  # the first run ending after the window's start
            if i < len(runs) and runs[i][0] < w[1]:
                out.append(w)
        return out

    def chunk_at(self, pos: int) -> Chunk | None:
        i = bisect_right(self.chunk_starts, pos) - 1
        if i >= 0 and self.chunks[i].start <= pos < self.chunks[i].end:
            return self.chunks[i]
        return None

    def chunk_starting_near(self, pos: int) -> Chunk | None:
        """The chunk starting at ``pos`` or after an opening quote/space right there."""
        for k in range(0, 3):
            c = self.chunk_by_start.get(pos + k)
            if c is not None:
                return c
            if pos + k >= len(self.text) or self.text[pos + k] not in " \u00a0\"'‘“":
                return None
        return None

    def sentence(self, pos: int) -> tuple[int, int]:
        i = bisect_right(self.sent_starts, pos) - 1
        start = self.sent_starts[i] if i >= 0 else 0
        end = self.sent_starts[i + 1] if i + 1 < len(self.sent_starts) else len(self.text)
        return start, end

    def sentence_text(self, pos: int) -> str:
        s, e = self.sentence(pos)
        return self.text[s:e]

    def is_sentence_start(self, pos: int) -> bool:
        s, _ = self.sentence(pos)
        return not self.text[s:pos].strip(" \t\n\"'“‘•-–—(*")

    def is_claimed(self, start: int, end: int) -> bool:
        return self.claimed.find(1, start, end) != -1

    def claim(self, start: int, end: int, code: int = 1) -> None:
        n = end - start
        if code == 1 and 0 <= n <= _ONES_LEN:
            self.claimed[start:end] = _ONES[:n]  # the same bytes, without building them
        else:
            self.claimed[start:end] = bytes([code]) * n

    def add(
        self,
        type_: MentionType,
        start: int,
        end: int,
        value: str,
        confidence: float,
        attributes: dict[str, str] | None = None,
        *,
        claim: bool = True,
    ) -> Mention:
        # positional: Mention's first seven fields, in their order (faster than keywords)
        m = Mention(type_, start, end, self.text[start:end], value, confidence, attributes or {})
        self.mentions.append(m)
        if claim:
            n = end - start
            if 0 <= n <= _ONES_LEN:
                self.claimed[start:end] = _ONES[:n]
            else:
                self.claim(start, end)
        return m

    def of_type(self, *types: MentionType) -> list[Mention]:
        return [m for m in self.mentions if m.type in types]


# capitalised run as matched -> its chunks as (offset, end offset, text, tokens, lower-cased
# words), offsets relative to the run: names and headline words recur, so most runs are looked up
_CHUNK_CACHE: dict[
    str, list[tuple[int, int, str, list[tuple[int, int, str]], list[str], bool]]
] = {}
_CHUNK_CACHE_MAX = 5_000


def find_chunks(text: str) -> list[Chunk]:
    chunks: list[Chunk] = []
    cache = _CHUNK_CACHE
    for m in CHUNK_RE.finditer(text):
        raw = m.group()
        parts = cache.get(raw)
        if parts is None:
            local: list[Chunk] = []
            _chunks_of_run(local, raw)
            parts = [(c.start, c.end, c.text, c.tokens, c.words, c.split) for c in local]
            if len(cache) >= _CHUNK_CACHE_MAX:
                cache.clear()
            cache[raw] = parts
        if not parts:
            continue
        start = m.start()
        for s, e, ctext, toks, words, split in parts:
            if len(toks) == 1:
                a, b, w = toks[0]
                abs_toks = [(start + a, start + b, w)]
            else:
                abs_toks = [(start + a, start + b, w) for a, b, w in toks]
            chunks.append(Chunk(start + s, start + e, ctext, abs_toks, words, split))
    return chunks


def _chunks_of_run(chunks: list[Chunk], raw: str) -> None:
    """The chunks of one capitalised run ``raw`` (offsets relative to it)."""
    if " " not in raw and "\u00a0" not in raw:
        if raw.lower() in FUNCTION_WORDS:
            return  # "The", "He", "But": sentence starts, never names
        toks = [(0, len(raw), raw)]
    else:
        toks = [(t.start(), t.end(), t.group()) for t in TOKEN_RE.finditer(raw)]
        if any(t[2].lower() in HEADLINE_BREAKS for t in toks[1:]):
            # a title-case headline ("Man Held After Group Films Him In Derby"):
            # names do not run across its prepositions, pronouns and verbs
            part: list[tuple[int, int, str]] = []
            for t in toks:
                if part and t[2].lower() in HEADLINE_BREAKS:
                    _add_chunk(chunks, raw, part, split=True)
                    part = []
                part.append(t)
            toks = part
            if len(toks) == 1 and toks[0][2].lower() in FUNCTION_WORDS:
                return
            _add_chunk(chunks, raw, toks, split=True)
            return
    _add_chunk(chunks, raw, toks)


def _add_chunk(
    chunks: list[Chunk], text: str, toks: list[tuple[int, int, str]], split: bool = False
) -> None:
    # strip a possessive from the last token: "Gareth's" -> "Gareth"
    s, _, w = toks[-1]
    if len(w) > 2 and (w[-2:] in ("'s", "’s") or w[-1] in "'’"):
        w = w[:-2] if w[-2:] in ("'s", "’s") else w[:-1]
        toks[-1] = (s, s + len(w), w)
    if len(toks) == 1 and toks[0][2].lower() in FUNCTION_WORDS:
        return
    chunks.append(
        Chunk(
            toks[0][0],
            toks[-1][1],
            text[toks[0][0] : toks[-1][1]],
            toks,
            [t[2].lower() for t in toks],
            split,
        )
    )


def strip_ends(text: str) -> str:
    return text.strip(" \t\n.,;:!?\"'“”‘’()[]")


def norm_key(text: str) -> str:
    t = re.sub(r"\s+", " ", text.replace("’", "'")).strip().lower()
    t = strip_ends(t)
    if t.startswith("the "):
        t = t[4:]
    return t


def prev_words(low: str, pos: int, n: int = 3, window: int = 40) -> list[str]:
    """The last ``n`` words before ``pos`` (lower-cased text in, punctuation kept on words)."""
    return low[max(0, pos - window) : pos].split()[-n:]


def before(text: str, pos: int, n: int = 40) -> str:
    return text[max(0, pos - n) : pos]


def after(text: str, pos: int, n: int = 40) -> str:
    return text[pos : pos + n]


def trigger_windows(
    low: str, triggers: tuple[str, ...], before: int = 60, after: int = 100
) -> list[tuple[int, int]]:
    """Merged windows of ``low`` around every occurrence of any trigger substring.

    Rules run their regexes only inside these windows: substring search is C-fast, and most
    rules have no trigger in most reports."""
    spans: list[tuple[int, int]] = []
    n = len(low)
    for t in triggers:
        i = low.find(t)
        while i != -1:
            spans.append((max(0, i - before), min(n, i + len(t) + after)))
            i = low.find(t, i + 1)
    if not spans:
        return spans
    spans.sort()
    merged = [spans[0]]
    for s, e in spans[1:]:
        ls, le = merged[-1]
        if s <= le:
            if e > le:
                merged[-1] = (ls, e)
        else:
            merged.append((s, e))
    return merged


# word tuple (by identity; the entry keeps it alive) -> the same words as a set
_WORD_SETS: dict[int, tuple[tuple[str, ...], frozenset[str]]] = {}


def _word_set(words: tuple[str, ...]) -> frozenset[str]:
    entry = _WORD_SETS.get(id(words))
    if entry is None or entry[0] is not words:
        if len(_WORD_SETS) >= 1_000:  # callers pass a few fixed tuples; bound it regardless
            _WORD_SETS.clear()
        entry = _WORD_SETS[id(words)] = (words, frozenset(words))
    return entry[1]


def word_windows(
    ctx: Context, words: tuple[str, ...], before: int = 60, after: int = 100
) -> list[tuple[int, int]]:
    """Like :func:`trigger_windows` but from whole-word trigger hits found by the PhraseMatcher."""
    trig = ctx.triggers
    # the rule's words the report has, found in C (a set intersection); the positions are
    # sorted below, so the order the words come in does not matter
    hit = _word_set(words).intersection(trig)
    if not hit:
        return []
    pos = [p for w in hit for p in trig[w]]
    pos.sort()
    n = len(ctx.text)
    merged: list[tuple[int, int]] = []
    cs, ce = pos[0] - before, pos[0] + after
    for p in pos[1:]:
        if p - before <= ce:
            ce = p + after
        else:
            merged.append((max(0, cs), min(ce, n)))
            cs, ce = p - before, p + after
    merged.append((max(0, cs), min(ce, n)))
    return merged


TRIGGER_WORDS: set[str] = set()


def register_triggers(*groups: tuple[str, ...]) -> None:
    """Declare whole words that rules need windows around (matched once per report)."""
    for g in groups:
        TRIGGER_WORDS.update(w.lower() for w in g)


def finditer_windows(
    rx: re.Pattern[str], text: str, windows: list[tuple[int, int]]
) -> list[re.Match[str]]:
    out: list[re.Match[str]] = []
    for s, e in windows:
        out.extend(rx.finditer(text, s, e))
    return out


def line_starts(text: str) -> list[int]:
    """0 and every offset right after a "\\n": where a MULTILINE "^" can match."""
    out = [0]
    i = text.find("\n")
    while i != -1:
        out.append(i + 1)
        i = text.find("\n", i + 1)
    return out


def appositive_number_starts(
    text: str, runs: list[tuple[int, int]], openers: str = ",(", sizes: tuple[int, ...] = (2,)
) -> list[int]:
    """Where a match of a pattern shaped ``[,(][ \\u00a0]*(?:aged[ \\u00a0]+)?\\d{2}...`` can
    start ("Surname, 45, of", "Name (aged 45)"): the opener before each run of ``sizes`` digits
    (``runs``: the text's runs of digits), past spaces and an "aged" as the pattern allows.
    Sorted; ``matches_at`` with these gives what ``finditer`` gives."""
    out: list[int] = []
    for s, e in runs:
        if e - s not in sizes:
            continue  # "\\d{2}" between an opener and a non-digit is a run of two
        k = s
        while k > 0 and text[k - 1] in " \u00a0":
            k -= 1
        if k > 0 and text[k - 1] in openers:
            out.append(k - 1)
        elif k < s and text[k - 4 : k] == "aged":
            k -= 4
            while k > 0 and text[k - 1] in " \u00a0":
                k -= 1
            if k > 0 and text[k - 1] in openers:
                out.append(k - 1)
    return out


def quoted_name_number_starts(text: str, runs: list[tuple[int, int]]) -> list[int]:
    """Where a match of a pattern shaped ``["'‘“][A-Z][\\w\\-]+["'’”][ \\u00a0]*`` followed by the
    appositive number of :func:`appositive_number_starts` with one or two digits can start
    ("the profile, 'Kayleigh', 13,"): the opening quote before the quoted word that ends, past
    spaces, right before such an appositive. Sorted; ``matches_at`` with these gives what
    ``finditer`` gives."""
    out: list[int] = []
    for o in appositive_number_starts(text, runs, sizes=(1, 2)):
        k = o
        while k > 0 and text[k - 1] in " \u00a0":
            k -= 1
        if k < 1 or text[k - 1] not in "\"'’”":
            continue
        b = k - 1  # the quoted word: the word characters ("\\w", "-") before the closing quote
        while b > 0 and (text[b - 1].isalnum() or text[b - 1] in "_-"):
            b -= 1
        if 0 < b <= k - 3 and text[b - 1] in "\"'‘“":
            out.append(b - 1)
    out.sort()
    return out


def matches_at(rx: re.Pattern[str], text: str, starts: list[int]) -> list[re.Match[str]]:
    """``rx.finditer(text)`` for a pattern that can only start at one of ``starts`` (sorted):
    ``rx.match`` at each start not inside the previous match."""
    out: list[re.Match[str]] = []
    last_end = -1
    for p in starts:
        if p < last_end:
            continue
        m = rx.match(text, p)
        if m is not None:
            out.append(m)
            last_end = m.end()
    return out


class RuleIndex:
    """Which pattern rules have one of their trigger words in a report, found from the report's
    trigger words (a handful) instead of testing every rule's list."""

    def __init__(self) -> None:
        self._rules: tuple[rules.PatternRule, ...] | None = None
        self._by_word: dict[str, list[int]] = {}

    def triggered(
        self, all_rules: tuple[rules.PatternRule, ...], present: dict[str, list[int]]
    ) -> list[rules.PatternRule]:
        """The rules of ``all_rules`` with a trigger word in ``present``, in their order."""
        if all_rules is not self._rules:  # built on first use (and if the rules are reloaded)
            by_word: dict[str, list[int]] = {}
            for i, rule in enumerate(all_rules):
                for w in rule.triggers:
                    by_word.setdefault(w, []).append(i)
            self._rules, self._by_word = all_rules, by_word
        by_word = self._by_word
        hit = {i for w in by_word.keys() & present.keys() for i in by_word[w]}
        return [all_rules[i] for i in sorted(hit)]


def literal_starts(rx: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings one of which every match of ``rx`` starts with (after zero-width ``\\b``/``^``
    checks), read from the compiled pattern's parse: ``\\bper cent|%|\\bfigures?`` gives
    ("per ", "%", "figure"). None when a branch does not start with a literal (or the pattern
    ignores case): then no such test is possible.

    A rule that only needs to know whether ``rx`` matches between two offsets can first look
    for these with ``str.find`` (C speed) and skip the regex when none is there."""
    if rx.flags & re.IGNORECASE:
        return None
    items = list(sre_parser.parse(rx.pattern, rx.flags))
    branches = (
        items[0][1][1] if len(items) == 1 and items[0][0] is sre_constants.BRANCH else [items]
    )
    out: list[str] = []
    for branch in branches:
        seq = list(branch)
        i = 0
        while i < len(seq) and seq[i][0] is sre_constants.AT:
            i += 1
        lead = ""
        while i < len(seq) and seq[i][0] is sre_constants.LITERAL:
            lead += chr(seq[i][1])
            i += 1
        if not lead:
            return None
        out.append(lead)
    return tuple(out)


def may_match(
    rx: re.Pattern[str], starts: tuple[str, ...] | None, text: str, pos: int, endpos: int
) -> bool:
    """``rx.search(text, pos, endpos) is not None``, skipping the regex when none of its
    :func:`literal_starts` ``starts`` is written there."""
    if starts is not None and all(text.find(lead, pos, endpos) == -1 for lead in starts):
        return False
    return rx.search(text, pos, endpos) is not None


_DIGIT_CATEGORIES = frozenset({sre_constants.CATEGORY_DIGIT, sre_constants.CATEGORY_UNI_DIGIT})


def _set_is_digits(items: list[tuple[object, object]]) -> bool:
    """A character set (``[...]``, ``\\d``) every member of which is a decimal digit."""
    if not items:
        return False
    for op, av in items:
        if op is sre_constants.CATEGORY:
            if av not in _DIGIT_CATEGORIES:
                return False
        elif op is sre_constants.LITERAL:
            if not (isinstance(av, int) and chr(av).isdecimal()):
                return False
        elif op is sre_constants.RANGE:
            lo, hi = cast(tuple[int, int], av)
            if not all(chr(c).isdecimal() for c in range(lo, hi + 1)):
                return False
        else:  # a negated set, or anything not understood: not assumed
            return False
    return True


def _seq_requires_digit(seq: list[tuple[object, object]]) -> bool:
    """Whether every match of the parsed sequence ``seq`` consumes a decimal digit."""
    for op, av in seq:
        if op is sre_constants.LITERAL:
            if isinstance(av, int) and chr(av).isdecimal():
                return True
        elif op is sre_constants.IN:
            if _set_is_digits(av):  # type: ignore[arg-type]
                return True
        elif op is sre_constants.SUBPATTERN:
            if _seq_requires_digit(list(av[-1])):  # type: ignore[index]
                return True
        elif op is sre_constants.BRANCH:
            if all(_seq_requires_digit(list(b)) for b in av[1]):  # type: ignore[index]
                return True
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            least, _, body = cast(tuple[int, int, list[tuple[object, object]]], av)
            if least >= 1 and _seq_requires_digit(list(body)):
                return True
    return False


def requires_digit(rx: re.Pattern[str]) -> bool:
    """Whether every match of ``rx`` holds a decimal digit (read from the compiled pattern's
    parse; look-arounds, back-references and anything not understood count for nothing, so a
    False is always safe). A rule may then skip the windows :meth:`Context.windows_with_digits`
    leaves out."""
    if rx.flags & re.IGNORECASE:
        return False  # a case-folded set is not read here
    return _seq_requires_digit(list(sre_parser.parse(rx.pattern, rx.flags)))
