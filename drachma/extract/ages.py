"""AGE_SUBJECT and AGE_DECOY mentions.

Subject: "a 42-year-old man", "The 48-year-old was arrested", "Name Surname, 38, from ...",
"Name, aged 20, of ...". Decoy: the child age a decoy or fake profile claimed: "a 14-year-old
girl", "posing as a 14-year-old", "a girl he thought was 13", "girls aged 11 to 15" (both ends),
"as young as 13", "I'm 15" in a chat. Ages of hunters and ranges of adults are left out."""

from __future__ import annotations

import re

from drachma.extract.common import (
    FUNCTION_WORDS,
    Context,
    appositive_number_starts,
    finditer_windows,
    matches_at,
    quoted_name_number_starts,
    register_triggers,
    requires_digit,
    trigger_windows,
    word_windows,
)
from drachma.extract.rules import pattern, word_tuple, words
from drachma.model.mention import Mention, MentionType, PersonRole

WORD_NUM = {
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "ten": 10,
    "nine": 9,
    "eight": 8,
    "seventeen": 17,
}
NUM = r"(?P<n>\d{1,2}|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|ten|nine|eight)"
YEAR_OLD_RE = pattern("ages.year_old")
AGED_RE = pattern("ages.aged")
APPOSITIVE_RE = pattern("ages.appositive")
CLAIM_RE = pattern("ages.claim")
SHE_WAS_RE = pattern("ages.she_was")
YOUNG_AS_RE = pattern("ages.young_as")
IM_RE = pattern("ages.im")
RANGE_BEFORE_RE = pattern("ages.range_before")
CHILD_NOUNS = words("ages.child_nouns")
ADULT_NOUNS = words("ages.adult_nouns")
# "a man, 52, from Leeds", "the teacher, aged 41, was": any adult noun of the word list before
# ", N,". The scan starts at the comma (a character class, fast); the noun is checked behind it.
NOUN_AGE_RE = pattern("ages.noun_age")
NOUN_BEFORE_RE = pattern("ages.noun_before")
CLAIM_TRIGGERS = word_tuple("ages.claim_triggers")
register_triggers(CLAIM_TRIGGERS, ("year", "years", "she", "he", "young", "aged"))
# A capitalised name followed by its age as an appositive, "Surname, 45, of Town", "Name (45)",
# whether or not the name itself was recognised as a person: the age after a name, then what
# introduces a subject (home town, or a verb of the court report).
# ", 45," or "(45)" then what introduces a subject; starts with a character class so the regex
# engine scans for the comma or bracket quickly
AGE_APPOS_RE = pattern("ages.age_appos")
NAME_END_RE = pattern("ages.name_end")
# a hunter's role word right before the name: "group founder Name Surname, 34,"
HUNTER_NAME_RE = pattern("ages.hunter_name")
# "a man aged 45", "a father aged 38 was": an adult noun just before "aged N"
ADULT_BEFORE_RE = pattern("ages.adult_before")
DECOY_CONTEXT_RE = pattern("ages.decoy_context")
HUNTER_CONTEXT_RE = pattern("ages.hunter_context")
# what follows "a 30-year-old man" when he is a hunter: "who runs ...", ", a vigilante", "who is a
# paedophile hunter" (not a hunter merely named later in the sentence: "... was arrested after a
# hunter group confronted him")
HUNTER_TAIL_RE = pattern("ages.hunter_tail")
# "Name, 25, who leads the group": what a hunter does, right after the appositive age
HUNTER_WHO_RE = pattern("ages.hunter_who")
AFTER_NOMINAL_AGE = words("ages.after_nominal_age")
# "hunters filmed the 24-year-old": the object of what hunters do to a subject
TARGET_VERB_BEFORE_RE = pattern("ages.target_verb_before")
# "his 70-year-old father", "the man's 40-year-old wife": a possessive right before the age
RELATIVE_BEFORE_RE = pattern("ages.relative_before")
# "The accused, who is 58, was", "Brandt, now 63, was": the age in a relative clause or with
# "now" between commas after a name or an adult noun
WHO_IS_AGE_RE = pattern("ages.who_is_age")
SUBJECT_CONTEXT_RE = pattern("ages.subject_context")
# Whose age is it (third round): a member of the group, a group naming itself, a hunter's
# "who runs the page" after a home town, people prosecuted for attacking or exposing the man
# they confronted, relatives and victims of someone.
MEMBER_TAIL_RE = pattern("ages.member_tail")
SELF_NAMING_RE = pattern("ages.self_naming")
HOME_SEGMENT_RE = pattern("ages.home_segment")
ATTACKER_OFFENCE_RE = pattern("ages.attacker_offence")
CHILD_OFFENCE_RE = pattern("ages.child_offence")
RELATION_BEFORE_RE = pattern("ages.relation_before")
NOUN_OF_AGE_RE = pattern("ages.noun_of_age")
CHILD_OF_AGE_RE = pattern("ages.child_of_age")
REAL_CHILD_TAIL_RE = pattern("ages.real_child_tail")
OF_NUMBER_RE = pattern("ages.of_number")
LAST_IN_LIST_RE = pattern("ages.last_in_list")
AGED_LIST_RE = pattern("ages.aged_list")
AGED_LIST_CONTINUES_RE = pattern("ages.aged_list_continues")
RUN_BY_BEFORE_RE = pattern("ages.run_by_before")
OTHER_ROLE_NAME_RE = pattern("ages.other_role_name")
# what the ages between the age and an attacker's offence may not be: talk of the group
_GROUP_TALK_RE = pattern("ages.group_talk")
# "posing as a", "pretending to be": a decoy's claimed age follows
POSE_BEFORE_RE = pattern("ages.pose_before")
# a sentence that counts charges ("charged with three counts"): child ages in it are victims'
CHARGE_SENTENCE_RE = pattern("ages.charge_sentence")
# fourth round: what is done only to real children; someone's own child; a quoted persona's age
REAL_CHILD_BEFORE_RE = pattern("ages.real_child_before")
OFFSPRING_NOUNS = words("ages.offspring_nouns")
PERSONA_AGE_RE = pattern("ages.persona_age")
OCCUPATION_THEN_VERB_RE = pattern("ages.occupation_then_verb")


# the window-scanned patterns every match of which holds a digit (read from the patterns, so a
# change to one that no longer needs a number drops it from here): tried only in windows that
# hold one
_WITH_DIGIT = frozenset(
    rx for rx in (CLAIM_RE, SHE_WAS_RE, YOUNG_AS_RE, IM_RE, AGED_RE) if requires_digit(rx)
)


def _n(s: str) -> int:
    return int(s) if s.isdigit() else WORD_NUM.get(s.lower(), 0)


def extract_ages(ctx: Context) -> None:
    text = ctx.text
    seen: set[tuple[int, int]] = set()
    person_ends = {m.end: m for m in ctx.of_type(MentionType.PERSON)}

    def add(kind: MentionType, s: int, e: int, n: int, conf: float) -> None:
        if (s, e) in seen:
            return
        if kind is MentionType.AGE_DECOY and (
            not 5 <= n <= 17
            or REAL_CHILD_TAIL_RE.search(ctx.low[e : ctx.sentence(s)[1]])
            or REAL_CHILD_BEFORE_RE.search(ctx.low, max(ctx.sentence(s)[0], s - 40), s)
        ):
            return  # "a 16-year-old girl who gave evidence": a real child, not a decoy
        if kind is MentionType.AGE_SUBJECT and (
            not 16 <= n <= 99 or _owned_by_someone_else(ctx, s, e)
        ):
            return
        seen.add((s, e))
        ctx.add(kind, s, e, str(n), conf, claim=False)

    low = ctx.low
    for m in finditer_windows(YEAR_OLD_RE, low, word_windows(ctx, ("year", "years"), 25, 40)):
        n = _n(m.group("n"))
        noun_words = (m.group("noun") or "").split()
        # "a 52-year-old grandfather-of-three": the noun before "-of-"
        noun = noun_words[0].lower().split("-of-")[0] if noun_words else ""
        named = bool(noun_words) and text[m.start("noun") :].lstrip()[:1].isupper()
        if noun in ("and", "or") and len(noun_words) > 1:
            noun = noun_words[1].lower()
        if noun not in CHILD_NOUNS and noun not in ADULT_NOUNS and not named:
            # "a 35-year-old Filipino man": the noun a word or two further on
            more = low[m.end("n") : m.end("n") + 50].split()[1:4]
            for w in more:
                w = w.strip(".,;:")
                if w in CHILD_NOUNS or w in ADULT_NOUNS:
                    noun = w
                    break
        sent = low[slice(*ctx.sentence(m.start()))]
        pre = low[max(ctx.sentence(m.start())[0], m.start() - 40) : m.start()]
        if RANGE_BEFORE_RE.search(pre):
            continue  # "aged between 19 and 36 years old": a range of adults
        end = m.end("n") + (m.end() - m.end("n") - len(m.group("noun") or ""))
        if noun in OFFSPRING_NOUNS and not DECOY_CONTEXT_RE.search(sent):
            continue  # "he has a 13-year-old daughter": his own child, not a decoy
        if noun in CHILD_NOUNS or noun.startswith(("girl", "boy")):
            if n <= 17:
                add(MentionType.AGE_DECOY, m.start(), end, n, 0.85)
            continue
        if POSE_BEFORE_RE.search(pre):
            if n <= 17:
                add(MentionType.AGE_DECOY, m.start(), end, n, 0.85)
            continue
        if n <= 15 and DECOY_CONTEXT_RE.search(sent):
            add(MentionType.AGE_DECOY, m.start(), end, n, 0.7)
            continue
        if n >= 16:
            if noun in ADULT_NOUNS or named:
                tail_at = m.start("noun") if m.group("noun") else m.end()
                tail = low[tail_at : tail_at + 60]
                if HUNTER_CONTEXT_RE.search(pre[-25:]) or HUNTER_TAIL_RE.match(tail):
                    continue
                if RELATIVE_BEFORE_RE.search(pre):
                    continue  # "her 44-year-old husband": a relative of someone, not a subject
                add(MentionType.AGE_SUBJECT, m.start(), end, n, 0.85)
            elif not noun or noun in AFTER_NOMINAL_AGE or noun in FUNCTION_WORDS:
                # "the 24-year-old outside his flat": the age is the noun phrase itself
                if (
                    HUNTER_CONTEXT_RE.search(sent)
                    and not SUBJECT_CONTEXT_RE.search(sent)
                    and not TARGET_VERB_BEFORE_RE.search(pre)
                ):
                    continue
                tail_at = m.start("noun") if m.group("noun") else m.end()
                if HUNTER_TAIL_RE.match(low, tail_at) or HUNTER_WHO_RE.match(low, tail_at):
                    continue
                add(MentionType.AGE_SUBJECT, m.start(), end, n, 0.7)
            else:
                # "the 70-year-old retired headteacher was bailed": an occupation the lists do
                # not name, then what follows a subject; not a hunter's, decoy's or officer's
                occ = OCCUPATION_THEN_VERB_RE.match(low, m.end("n"))
                if (
                    occ is not None
                    and not HUNTER_CONTEXT_RE.search(occ.group("words"))
                    and not HUNTER_CONTEXT_RE.search(pre[-25:])
                    and not HUNTER_TAIL_RE.match(low, occ.end("words"))
                    and not RELATIVE_BEFORE_RE.search(pre)
                ):
                    add(MentionType.AGE_SUBJECT, m.start(), end, n, 0.65)
    for rx, trig in (
        (CLAIM_RE, CLAIM_TRIGGERS),
        (SHE_WAS_RE, ("she", "he")),
        (YOUNG_AS_RE, ("young",)),
        (IM_RE, ()),
    ):
        if rx is IM_RE:
            source, windows = text, trigger_windows(text, ("I'm", "I’m"), 5, 40)
        else:
            source, windows = low, word_windows(ctx, trig, 5, 60)
        if rx in _WITH_DIGIT:
            windows = ctx.windows_with_digits(windows)  # no number there, no match
        for m in finditer_windows(rx, source, windows):
            n = _n(m.group("n"))
            if rx is SHE_WAS_RE and not DECOY_CONTEXT_RE.search(
                low, max(0, m.start() - 300), ctx.sentence(m.start())[1]
            ):
                continue
            if n <= 17:
                add(MentionType.AGE_DECOY, m.start("n"), m.end("n"), n, 0.7)
    aged_windows = word_windows(ctx, ("aged",), 5, 40)
    if AGED_RE in _WITH_DIGIT:
        aged_windows = ctx.windows_with_digits(aged_windows)
    for m in finditer_windows(AGED_RE, low, aged_windows):
        a = int(m.group("a"))
        b = int(m.group("b")) if m.group("b") else None
        if b is None and AGED_LIST_CONTINUES_RE.match(low, m.end()):
            continue  # "aged 19, 22 and 24": a list, read whole below (or not at all)
        pre = text[max(0, m.start() - 30) : m.start()].lower()
        sent = low[slice(*ctx.sentence(m.start()))]
        child = any(w in CHILD_NOUNS for w in re.findall(r"[a-z]+", pre))
        if child and a <= 17:
            if DECOY_CONTEXT_RE.search(sent) and not CHARGE_SENTENCE_RE.search(sent):
                add(MentionType.AGE_DECOY, m.start("a"), m.end("a"), a, 0.75)
                if b is not None:
                    add(MentionType.AGE_DECOY, m.start("b"), m.end("b"), b, 0.75)
            continue
        if b is None and a >= 16 and ADULT_BEFORE_RE.search(pre):
            if not HUNTER_CONTEXT_RE.search(pre[-25:]):
                add(MentionType.AGE_SUBJECT, m.start("a"), m.end("a"), a, 0.75)
            continue
        if (
            b is None
            and a >= 16
            and (text[m.start() - 2 : m.start()] in (", ", "(") or pre.endswith(", "))
        ):
            if (
                HUNTER_CONTEXT_RE.search(pre[-25:])
                or HUNTER_TAIL_RE.match(low, m.end())
                or HUNTER_WHO_RE.match(low, m.end())
            ):
                continue
            pm = _person_before(ctx, m.start(), person_ends)
            if pm is not None and pm.attributes.get("role") in (
                "group_member",
                "officer",
                "spokesperson",
                "judge",
            ):
                continue
            add(MentionType.AGE_SUBJECT, m.start("a"), m.end("a"), a, 0.75)
    # "the profile, 'Kayleigh', 13,": an invented persona's age, in a sentence about decoys
    if "'" in text or '"' in text or "‘" in text or "“" in text:
        for m in matches_at(
            PERSONA_AGE_RE, text, quoted_name_number_starts(text, ctx.digit_runs())
        ):
            n = int(m.group("n"))
            if n <= 17 and DECOY_CONTEXT_RE.search(low, *ctx.sentence(m.start())):
                add(MentionType.AGE_DECOY, m.start("n"), m.end("n"), n, 0.7)
    # "a man, 52, from Leeds"
    for m in NOUN_AGE_RE.finditer(low):
        if not NOUN_BEFORE_RE.search(low, max(0, m.start() - 25), m.start()):
            continue
        n = int(m.group("n"))
        if not HUNTER_CONTEXT_RE.search(low, m.end(), m.end() + 40):
            add(MentionType.AGE_SUBJECT, m.start("n"), m.end("n"), n, 0.75)
    # "Surname, 45, of Town", "Name (45) was jailed", for names the people rules did not know
    for m in matches_at(AGE_APPOS_RE, text, appositive_number_starts(text, ctx.digit_runs())):
        opener, closer = text[m.start()], text[m.end("n") :].lstrip(" \u00a0")[:1]
        if (opener == "(") != (closer == ")"):
            continue  # "(45," or ", 45)": not one appositive
        if not NAME_END_RE.search(text, max(0, m.start() - 30), m.start()):
            continue
        if HUNTER_NAME_RE.search(text, max(0, m.start() - 60), m.start()):
            continue
        n = int(m.group("n"))
        pm = _person_before(ctx, m.start(), person_ends)
        if pm is not None and pm.attributes.get("role") in _NOT_SUBJECT_ROLES:
            continue
        pre = low[max(0, m.start() - 40) : m.start()]
        if (
            HUNTER_CONTEXT_RE.search(pre[-25:])
            or HUNTER_TAIL_RE.match(low, m.end())
            or HUNTER_WHO_RE.match(low, m.end("n") + 1)
        ):
            continue
        add(MentionType.AGE_SUBJECT, m.start("n"), m.end("n"), n, 0.75)
    for pm in ctx.of_type(MentionType.PERSON):
        am = APPOSITIVE_RE.match(text, pm.end)
        if am is None:
            continue
        n = int(am.group("n"))
        if pm.attributes.get("role") in (
            PersonRole.GROUP_MEMBER.value,
            PersonRole.OFFICER.value,
            PersonRole.SPOKESPERSON.value,
            PersonRole.JUDGE.value,
        ):
            continue
        if not SUBJECT_CONTEXT_RE.search(low[am.end() : am.end() + 120].split(".")[0]):
            continue
        if HUNTER_NAME_RE.search(text, max(0, pm.end - 60), pm.end) or HUNTER_WHO_RE.match(
            low, am.end()
        ):
            continue
        add(MentionType.AGE_SUBJECT, am.start("n"), am.end("n"), n, 0.8)
    if "aged" in ctx.triggers:
        # "two men, aged 31 and 46", "three men, aged 24, 37 and 58": every age of the list
        for m in finditer_windows(AGED_LIST_RE, low, word_windows(ctx, ("aged",), 30, 40)):
            if HUNTER_CONTEXT_RE.search(low, max(0, m.start() - 30), m.start("list")):
                continue
            for d in re.finditer(r"\d{2}", m.group("list")):
                at = m.start("list") + d.start()
                add(MentionType.AGE_SUBJECT, at, at + 2, int(d.group()), 0.7)
    # "a man of 41 was arrested": "of NN" is rare, so it is found first (a literal scan) and
    # the noun phrase is checked behind it
    for o in OF_NUMBER_RE.finditer(low):
        if o.start() and low[o.start() - 1].isalnum():
            continue  # "...of" inside a word (the pattern starts with a literal: a fast scan)
        nm = NOUN_OF_AGE_RE.search(low, max(0, o.start() - 30), o.end() + 12)
        if nm is None or nm.start("n") != o.start("n"):
            cm = CHILD_OF_AGE_RE.search(low, max(0, o.start() - 20), o.end() + 1)
            if (
                cm is not None
                and cm.start("n") == o.start("n")
                and DECOY_CONTEXT_RE.search(low, *ctx.sentence(cm.start()))
            ):
                # "a decoy account claiming to be a girl of 13"
                n = int(cm.group("n"))
                add(MentionType.AGE_DECOY, cm.start("n"), cm.end("n"), n, 0.7)
            continue
        if HUNTER_CONTEXT_RE.search(
            low, max(ctx.sentence(nm.start())[0], nm.start() - 60), nm.start()
        ):
            continue
        add(MentionType.AGE_SUBJECT, nm.start("n"), nm.end("n"), int(nm.group("n")), 0.7)
    # "Name, 63, and Name, 27.": the last of a list of named ages whose first was a subject's
    for ss, se in sorted({ctx.sentence(a) for a, _ in seen}):
        for m in LAST_IN_LIST_RE.finditer(text, ss, se):
            if any(ss <= a < m.start() for a, _ in seen):
                add(MentionType.AGE_SUBJECT, m.start("n"), m.end("n"), int(m.group("n")), 0.7)
    for m in WHO_IS_AGE_RE.finditer(low):
        pre = text[max(0, m.start() - 30) : m.start()]
        if not (
            NAME_END_RE.search(pre) or NOUN_BEFORE_RE.search(low, max(0, m.start() - 25), m.start())
        ):
            continue
        if (
            HUNTER_NAME_RE.search(text, max(0, m.start() - 60), m.start())
            or HUNTER_WHO_RE.match(low, m.end())
            or HUNTER_CONTEXT_RE.search(low, max(0, m.start() - 25), m.start())
        ):
            continue
        pm = _person_before(ctx, m.start(), person_ends)
        if pm is not None and pm.attributes.get("role") in _NOT_SUBJECT_ROLES:
            continue
        add(MentionType.AGE_SUBJECT, m.start("n"), m.end("n"), int(m.group("n")), 0.7)


def _owned_by_someone_else(ctx: Context, s: int, e: int) -> bool:
    """Whether the language says this age is not the subject's: a member of the group ("a
    29-year-old woman from the group"), people who name themselves as a group, a hunter who runs
    the page after a home town ("Name, 41, of Town, who runs the page"), someone prosecuted for
    an attack or harassment rather than a child offence, a relative or victim of someone ("his
    daughter, aged 22"), or another case ("in an unrelated case")."""
    low, text = ctx.low, ctx.text
    ss, se = ctx.sentence(s)
    after = low[e : min(se, e + 80)]
    if MEMBER_TAIL_RE.search(after):
        return True
    rest = low[e:se]
    naming = SELF_NAMING_RE.search(rest)
    if naming is not None and not _GROUP_TALK_RE.search(rest, 0, naming.start()):
        return True  # "the men, aged 19 and 22, called themselves X" (not "a group calling ...")
    home = HOME_SEGMENT_RE.match(text, e)
    if home is not None and HUNTER_WHO_RE.match(low, home.end()):
        return True
    attack = ATTACKER_OFFENCE_RE.search(rest)
    if (
        attack is not None
        and not CHILD_OFFENCE_RE.search(low, ss, se)
        and not _GROUP_TALK_RE.search(rest, 0, attack.start())
    ):
        return True
    if RUN_BY_BEFORE_RE.search(low, max(ss, s - 30), s):
        return True  # "the page is run by a 33-year-old woman"
    if OTHER_ROLE_NAME_RE.search(text, max(ss, s - 60), max(ss, s - 2)):
        return True  # "Witness Dora Pell, 55,"
    return RELATION_BEFORE_RE.search(low, max(ss, s - 50), s) is not None


_NOT_SUBJECT_ROLES = frozenset(
    {
        PersonRole.GROUP_MEMBER.value,
        PersonRole.OFFICER.value,
        PersonRole.SPOKESPERSON.value,
        PersonRole.JUDGE.value,
        PersonRole.LAWYER.value,
    }
)


def _person_before(ctx: Context, pos: int, person_ends: dict[int, Mention]) -> Mention | None:
    for back in range(0, 4):
        m = person_ends.get(pos - back)
        if m is not None:
            return m
    return None
