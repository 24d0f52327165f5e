"""PERSON mentions with a role where the text says it.

A capitalised run is a person's name when it follows a title or rank ("Sgt", "Det Insp",
"Judge", "Mr"), when it starts with a common given name, or when the text around it is how
people are introduced: an age in commas ("X Y, 45,"), an apposition ("X Y, a father of two"),
a role noun before it ("filmmaker X Y"), or a speech verb ("X Y said", "said X Y"). Titles are
dropped from the value. Roles come from the title, then from words near the name (officer,
judge, lawyer, spokesperson, group member, subject of a sting or prosecution, victim), else
"other". Decoy personas in quotes ("a girl called 'Amy'") are not people."""

from __future__ import annotations

import re
from functools import lru_cache

from drachma.extract import lexicon
from drachma.extract.common import (
    FUNCTION_WORDS,
    MONTH_NAMES,
    WEEKDAYS,
    Chunk,
    Context,
    matches_at,
)
from drachma.extract.rules import macro, pattern, word_tuple, words
from drachma.model.mention import MentionType, PersonRole

PERSON_AFTER_RE = pattern("people.person_after")
# "a girl called 'Amy'": an invented decoy persona's name, not a person
PERSONA_NAMING_RE = pattern("people.persona_naming")
PERSONA_WORDS_RE = pattern("people.persona_words")
PERSON_BEFORE_RE = pattern("people.person_before")
SINGLE_AFTER_RE = pattern("people.single_after")
SURNAME_ALONE_AFTER_RE = pattern("people.surname_alone_after")
SINGLE_BEFORE_RE = pattern("people.single_before")
SPEECH_BEFORE = words("people.speech_before")
# the role nouns of the person patterns (macro ROLE_NOUNS of data/patterns.toml) as words
ROLE_WORDS = frozenset(
    macro("ROLE_NOUNS").strip("(?:)").replace("s(?:man|woman|person)", "sman").split("|")
)
ROLE_WORDS = ROLE_WORDS | {"spokesman", "spokeswoman", "spokesperson"}
SINGLE_BEFORE_WORDS = words("people.single_before_words")
AGE_AFTER_RE = pattern("people.age_after")
GIVEN_AND_RE = pattern("people.given_and")
ROLE_HOLDER_RE = pattern("people.role_holder")
SAID_RE = pattern("people.said")
PSEUDONYM_CUES = word_tuple("people.pseudonym_cues")
QUOTE_OPEN = "\"'‘“"
# words near a name that give the person's role, in priority order (data/patterns.toml)
ROLE_CUES: list[tuple[PersonRole, re.Pattern[str]]] = [
    (role, pattern(f"people.role_{role.value}"))
    for role in (
        PersonRole.JUDGE,
        PersonRole.LAWYER,
        PersonRole.SPOKESPERSON,
        PersonRole.OFFICER,
        PersonRole.GROUP_MEMBER,
        PersonRole.SUBJECT,
        PersonRole.VICTIM,
    )
]


# all the cue words in one pattern, each alternative a named group for its role (the word lists
# do not share words, so the set of roles found equals those whose own pattern would match)
ROLE_ORDER = {role: i for i, (role, _) in enumerate(ROLE_CUES)}
ROLE_ANY_RE = re.compile(
    "|".join(f"(?P<r{i}>{rx.pattern})" for i, (_, rx) in enumerate(ROLE_CUES)), re.I
)


def starts_at_word(source: str) -> bool:
    """Whether a pattern ``source`` can only match where a run of word characters starts: it
    begins with ``\\b`` and then a letter, or a group whose every alternative begins with one
    (a letter that is not optional: no "?", "*" or "{" right after it, nor after the group)."""
    if not source.startswith("\\b"):
        return False
    rest = source[2:]
    if rest[:1].isalpha():
        return rest[1:2] not in ("?", "*", "{")
    if not rest.startswith("(?:"):
        return False
    alternatives, depth, square, start, i = [], 0, False, 3, 3
    while i < len(rest):
        c = rest[i]
        if c == "\\":
            i += 2
            continue
        if square:
            square = c != "]"
        elif c == "[":
            square = True
        elif c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                alternatives.append(rest[start:i])
                return rest[i + 1 : i + 2] not in ("?", "*", "{") and all(
                    a[:1].isalpha() and a[1:2] not in ("?", "*", "{") for a in alternatives
                )
            depth -= 1
        elif c == "|" and depth == 0:
            alternatives.append(rest[start:i])
            start = i + 1
        i += 1
    return False


# every cue pattern starts with "\b" and a letter, so a match can only start where a run of word
# characters does: the combined pattern is tried there alone (what ``finditer`` finds, for a
# fraction of the work of trying it at every character, case-insensitively)
WORD_RUN_RE = re.compile(r"\w+")
ROLE_CUES_AT_WORDS = all(starts_at_word(rx.pattern) for _, rx in ROLE_CUES)


def role_cue_matches(text: str) -> list[re.Match[str]]:
    """``ROLE_ANY_RE.finditer(text)``, tried only at the starts of words when the cue patterns
    allow it (``ROLE_CUES_AT_WORDS``)."""
    if not ROLE_CUES_AT_WORDS:
        return list(ROLE_ANY_RE.finditer(text))
    return matches_at(ROLE_ANY_RE, text, [w.start() for w in WORD_RUN_RE.finditer(text)])


@lru_cache(maxsize=4096)
def _first_role(text: str) -> PersonRole | None:
    """The highest-priority role (``ROLE_CUES`` order) whose cue words occur in ``text``."""
    best: int | None = None
    for m in role_cue_matches(text):
        i = int(m.lastgroup[1:]) if m.lastgroup else len(ROLE_CUES)
        if best is None or i < best:
            best = i
            if i == 0:
                break
    return ROLE_CUES[best][0] if best is not None else None


@lru_cache(maxsize=1)
def _titles() -> tuple[re.Pattern[str], dict[str, str]]:
    t = lexicon.titles()
    alt = "|".join(
        re.escape(k).replace(r"\ ", r"\.?[ \u00a0]+") for k in sorted(t, key=len, reverse=True)
    )
    return re.compile(rf"(?<![\w])(?:{alt})\.?[ \u00a0]+$"), {k.lower(): v for k, v in t.items()}


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    return (
        FUNCTION_WORDS
        | frozenset(w.lower() for w in (*WEEKDAYS, *MONTH_NAMES))
        | frozenset(
            [
                "police",
                "officers",
                "officer",
                "court",
                "judge",
                "vigilante",
                "vigilantes",
                "paedophile",
                "paedophiles",
                "hunter",
                "hunters",
                "group",
                "members",
                "member",
                "online",
                "facebook",
                "government",
                "national",
                "crown",
                "state",
                "county",
                "city",
                "council",
                "chief",
                "detective",
                "sergeant",
                "inspector",
            ]
        )
    )


ORG_WORDS = words("people.org_words")


def _runs(chunk: Chunk) -> list[list[tuple[int, int, str]]]:
    """Split a chunk at lower-case connectors ("of", "the"...): people's names rarely span them."""
    runs: list[list[tuple[int, int, str]]] = [[]]
    for t in chunk.tokens:
        if t[2][:1].islower() or t[2] == "&":
            runs.append([])
        else:
            runs[-1].append(t)
    return [r for r in runs if r]


class PeopleFinder:
    def __init__(self) -> None:
        self.given = lexicon.given_names()
        self.title_re, self.title_roles = _titles()
        self.title_last = frozenset(t.split()[-1] for t in self.title_roles)
        self.title_first = frozenset(t.split()[0] for t in self.title_roles)
        self.countries = lexicon.countries()

    def extract(self, ctx: Context) -> None:
        text = ctx.text
        stop = _stop()
        people: list[tuple[int, int, str, float, PersonRole | None]] = []
        given = self.given
        title_first = self.title_first
        claimed = ctx.claimed
        for chunk in ctx.chunks:
            if claimed[chunk.start] and claimed[chunk.end - 1]:
                continue  # already a force, group, place, date or platform
            cw = chunk.words
            if len(cw) == 1:
                # a lone capitalised word is a name only if it is a given name or follows a title
                w0 = cw[0]
                if (
                    w0 not in given
                    and not (
                        text[chunk.start - 1 : chunk.start] == " "
                        and self._title_before(text, chunk.start)
                    )
                    and not self._pseudonym_cue(text[max(0, chunk.start - 40) : chunk.start])
                    and not self._lone_name(text, chunk)
                ):
                    continue
            runs = (
                [chunk.tokens] if not any(w[:1].islower() or w == "&" for w in cw) else _runs(chunk)
            )
            for run in runs:
                toks = list(run)
                title_role: str | None = None
                # titles inside the run: "Sgt Ewan Marsh", "Det Ch Supt X Y", "Chief Justice X"
                while len(toks) > 1 and toks[0][2].rstrip(".").lower() in title_first:
                    for n in (3, 2, 1):
                        head = " ".join(t[2].rstrip(".") for t in toks[:n])
                        if len(toks) > n and head.lower() in self.title_roles:
                            title_role = self.title_roles[head.lower()]
                            toks = toks[n:]
                            break
                    else:
                        break
                if title_role is None:
                    title_role = self._title_before(text, toks[0][0])
                # right after a title, or a role or speech word before the run ("defence
                # counsel Ifeoma Blake"), the name starts at once
                titled = title_role is not None or self._cue_before(
                    text[max(0, toks[0][0] - 40) : toks[0][0]]
                )
                # drop leading stop words and descriptors before a given name ("Filmmaker Ada
                # Ng"); right after a title the name starts at once ("Sgt Janelle Roy")
                while len(toks) > 1 and (
                    toks[0][2].lower() in stop
                    or (
                        not titled
                        and toks[0][2].lower() not in self.given
                        and toks[1][2].lower() in self.given
                    )
                ):
                    toks = toks[1:]
                role_led = False
                if (
                    len(toks) == 3
                    and not titled
                    and toks[0][2].lower() in ROLE_WORDS
                    and toks[1][2][:1].isupper()
                ):
                    # "Hunter Dax Moreau streamed ...": a role word, then the name
                    toks = toks[1:]
                    role_led = True
                if not toks or len(toks) > 4:
                    continue
                s, e = toks[0][0], toks[-1][1]
                while e > s and text[e - 1] in ".,":
                    e -= 1
                words = [t[2].lower().rstrip(".") for t in toks]
                if ctx.is_claimed(s, e):
                    continue
                if any(w in ORG_WORDS for w in words) or " ".join(words) in self.countries:
                    continue
                if words[0] in stop and len(words) == 1:
                    continue
                if any(not w[:1].isalpha() for w in words):
                    continue
                pre = text[max(0, s - 40) : s]
                post = text[e : e + 80]
                quoted = pre[-1:] in QUOTE_OPEN and post[:1] in "\"'’”"
                first_given = words[0] in self.given
                conf = 0.0
                if title_role is not None:
                    conf = 0.9
                elif len(words) >= 2 and first_given:
                    conf = 0.85
                elif len(words) >= 2 and (
                    role_led
                    or PERSON_AFTER_RE.match(post)
                    or self._cue_before(pre)
                    or self._surname_used_alone(ctx, text, toks[-1][2], e)
                ):
                    conf = 0.7
                elif len(words) == 1 and not first_given and self._pseudonym_cue(pre):
                    conf = 0.6
                elif (
                    len(words) == 1
                    and not first_given
                    and len(toks) == len(chunk.tokens)
                    and (self._lone_name(text, chunk))
                ):
                    conf = 0.55
                elif (
                    len(words) == 1
                    and first_given
                    and not quoted
                    and (SINGLE_AFTER_RE.match(post) or self._single_cue_before(pre))
                ):
                    conf = 0.65
                if conf == 0.0:
                    continue
                if quoted and PERSONA_NAMING_RE.search(pre) and PERSONA_WORDS_RE.search(pre):
                    continue  # an invented decoy persona
                role: PersonRole | None = None
                if (
                    title_role == "officer"
                    and text[max(0, s - 9) : s].strip().lower().endswith("sheriff")
                    and "sheriff court" in ctx.low
                ):
                    title_role = "judge"  # Scottish sheriffs sit in the sheriff court
                if title_role is not None and title_role != "other":
                    role = PersonRole(title_role)
                people.append((s, e, text[s:e], conf, role))
        self._emit(ctx, people)

    def _title_before(self, text: str, pos: int) -> str | None:
        """Role of a title written right before ``pos`` ("Capt. ", "Det Insp "), if any."""
        if pos < 2 or not text[pos - 1].isspace():
            return None
        k = max(text.rfind(" ", 0, pos - 1), text.rfind("\n", 0, pos - 1))
        if text[k + 1 : pos - 1].rstrip(".").lower() not in self.title_last:
            return None
        words = text[max(0, pos - 32) : pos].split()[-4:]
        for n in range(min(4, len(words)), 0, -1):
            cand = " ".join(w.rstrip(".") for w in words[-n:])
            if cand[:1].isupper() and cand.lower() in self.title_roles:
                return self.title_roles[cand.lower()]
        return None

    @staticmethod
    def _surname_used_alone(ctx: Context, text: str, surname: str, after: int) -> bool:
        """ "Zbigniew Kowalczyk had sent ... Kowalczyk denied the charge": a full name whose
        last word the report goes on to use on its own as the subject of what people do."""
        if len(surname) < 3 or not surname.isalpha() or not surname[1:].islower():
            return False
        pos = text.find(surname, after)
        while pos != -1:
            chunk = ctx.chunk_by_start.get(pos)
            if (
                chunk is not None
                and len(chunk.tokens) == 1
                and chunk.end == pos + len(surname)
                and SURNAME_ALONE_AFTER_RE.match(text, chunk.end)
            ):
                return True
            pos = text.find(surname, pos + 1)
        return False

    @staticmethod
    def _cue_before(pre: str) -> bool:
        words = pre.lower().split()[-3:]
        if not words:
            return False
        last = words[-1].rstrip(",")
        if last in SPEECH_BEFORE or last in ROLE_WORDS:
            return True
        return " ".join(words[-2:]) in ("according to", "known as")

    def _lone_name(self, text: str, chunk: Chunk) -> bool:
        """A single unusual capitalised word used as a name: coordinated with a given name
        ("Tobias and Quint"), introduced as a role holder ("Rook is the president of ..."), or
        attributing a quote ("...," Rook said)."""
        w = chunk.words[0]
        if w in _stop() or w in ORG_WORDS or len(w) < 3 or not chunk.text[1:].islower():
            return False
        pm = GIVEN_AND_RE.search(text, max(0, chunk.start - 25), chunk.start)
        if pm and pm.group(1).lower() in self.given:
            return True
        if ROLE_HOLDER_RE.match(text, chunk.end):
            return True
        before = text[max(0, chunk.start - 3) : chunk.start]
        return bool(before.strip()[-1:] in ("”", '"') and SAID_RE.match(text, chunk.end))

    @staticmethod
    def _pseudonym_cue(pre: str) -> bool:
        """ "calls himself X", "known only as X", "gave his name as X": a name even if unusual."""
        tail = " ".join(pre.lower().rstrip("‘'\"“ ").split()[-4:])
        return tail.endswith(PSEUDONYM_CUES)

    @staticmethod
    def _single_cue_before(pre: str) -> bool:
        words = pre.lower().rstrip("‘'\"“ ").split()[-3:]
        if not words:
            return False
        last = words[-1]
        if last in SINGLE_BEFORE_WORDS:
            return True
        two = " ".join(words[-2:])
        return (
            two in ("known as", "case of", "words of", "only as", "name as")
            or " ".join(words) == "known only as"
        )

    def _emit(
        self, ctx: Context, people: list[tuple[int, int, str, float, PersonRole | None]]
    ) -> None:
        # one value per person: the longest form sharing the last name (or the single name)
        full: dict[str, str] = {}
        for _, _, name, _, _ in people:
            last = name.split()[-1].lower()
            if len(name.split()) > len(full.get(last, "").split()):
                full[last] = name
        roles: dict[str, PersonRole] = {}
        for _, _, name, _, role in people:
            value = full.get(name.split()[-1].lower(), name)
            if role is not None:
                roles.setdefault(value, role)
        for s, e, name, conf, _ in people:
            value = full.get(name.split()[-1].lower(), name)
            r = roles.get(value) or self._role_from_context(ctx, s, e)
            roles.setdefault(value, r)
            ctx.add(MentionType.PERSON, s, e, value, conf, {"role": roles[value].value})

    @staticmethod
    def _role_from_context(ctx: Context, s: int, e: int) -> PersonRole:
        text = ctx.text
        am = AGE_AFTER_RE.match(text, e)
        if am:
            # "X Y, 47, of ...": how defendants and people confronted are introduced
            tail = text[am.end() : am.end() + 40].lower()
            if not re.match(
                r"[ \u00a0]*(?:(?:a|an|the|who[ \u00a0]+is|is)[ \u00a0]+)?(?:[\w\-]+[ \u00a0]+)?"
                r"(?:co-?)?(?:founder|leader|member|hunter|vigilante|officer|spokes|admin)",
                tail,
            ):
                return PersonRole.SUBJECT
        near = text[e : e + 70]
        cut = re.search(r"[.!?\n]", near)
        if cut:
            near = near[: cut.start()]
        before = text[max(0, s - 30) : s]
        # the words just before a name count only within its own sentence
        stop = max(before.rfind(mark) for mark in ".!?\n")
        if stop >= 0:
            before = before[stop + 1 :]
        r1, r2 = _first_role(near), _first_role(before)
        if r1 is not None or r2 is not None:
            if r1 is None or (r2 is not None and ROLE_ORDER[r2] < ROLE_ORDER[r1]):
                return r2  # type: ignore[return-value]
            return r1
        return _first_role(ctx.sentence_text(s)) or PersonRole.OTHER
