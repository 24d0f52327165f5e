"""Subject access requests (Data Protection Act 2018 Part 3, section 45).

:func:`gather` finds everything Drachma holds that names a person - reports, incident timelines,
incident and investigation subjects, exhibits' descriptions, audit entries - and marks on each
item the exemption a person must consider before it is disclosed (``data/sar_exemptions.toml``).
It never decides what is disclosed: every item is marked ``decision: "to decide"``. The request
is audited by its case reference (never by the name, which belongs in the case file).

Names are matched loosely, because records spell people differently:

* the name asked for, the variants the requester gives (maiden names, other spellings), and for
  each the other forms of the given name (Robert, Rob, Bob: ``safeguarding/data/nicknames.csv``);
* a person's record (incident or investigation subject) matches when a name or alias is close:
  the given names are the same name or similar (Jaro-Winkler), the surnames similar
  (``rapidfuzz``) or sounding the same (metaphone, ``jellyfish``). If a date of birth is given,
  a record with a different one is left out; the same one, or day and month swapped, is noted;
* in free text the surname (of the name or a variant) must appear as written; the word before
  it must be a matching given name, an initial, or a title (Mr, Mrs, Ms, Miss, Dr).

Each item carries its score and why it matched, so the person deciding can discard a wrong one.
The search is bounded: at most ``MAX_PER_KIND`` candidate rows of each kind are read (the kinds
cut short are named in the result, to narrow the request and run again).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jellyfish
from rapidfuzz import fuzz

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import SubjectAccessGathered
from drachma.access.permissions import Permission
from drachma.errors import DrachmaError, ValidationError
from drachma.safeguarding.names import fold, formal_names, nicknames_of, phonetic, split_name
from drachma.store import records as records_store
from drachma.store.db import Store
from drachma.store.records import HeldItem

MAX_PER_KIND = 1000
MAX_VARIANTS = 10
MATCH = 0.85  # the least name score that counts as naming the person
KINDS = ("report", "incident", "incident_subject", "investigation_subject", "exhibit", "audit")
TITLES = frozenset({"mr", "mrs", "ms", "miss", "dr", "mx"})


class ExemptionsFileError(DrachmaError):
    kind = "sar_exemptions"
    http_status = 500


@dataclass(frozen=True, slots=True)
class SubjectAccessRequest:
    name: str
    reference: str
    date_of_birth: date | None = None
    variants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SubjectAccessResult:
    path: Path
    items: int
    by_kind: dict[str, int]
    truncated: list[str]


@dataclass(slots=True)
class Gathered:
    """What was found: the document to export, and counts for the person asking."""

    document: dict[str, Any]
    by_kind: dict[str, int] = field(default_factory=dict)
    truncated: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        return len(self.document["items"])


def load_exemptions() -> tuple[str, dict[str, str]]:
    """The source named in the file and the exemption note for each kind of record."""
    text = resources.files("drachma.records").joinpath("data/sar_exemptions.toml").read_text(
        encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExemptionsFileError(f"sar_exemptions.toml is not valid TOML: {exc}") from None
    source, kinds = data.get("source"), data.get("kinds")
    if not isinstance(source, str) or not isinstance(kinds, dict):
        raise ExemptionsFileError("sar_exemptions.toml needs a source and a [kinds] table")
    missing = [k for k in KINDS if not isinstance(kinds.get(k), str) or not kinds[k].strip()]
    if missing:
        raise ExemptionsFileError(f"sar_exemptions.toml has no exemption note for {missing}")
    return source, {k: str(kinds[k]) for k in KINDS}


def _check_name(name: str, field_name: str = "name") -> str:
    text = " ".join((name or "").split())
    if len(text) < 3 or not fold(text):
        raise ValidationError("give the person's name (at least 3 letters)", field=field_name)
    if len(text) > 200:
        raise ValidationError("the name is longer than 200 characters", field=field_name)
    return text


def check_request(request: SubjectAccessRequest) -> SubjectAccessRequest:
    """The request tidied, or a ValidationError naming the field that is wrong."""
    who = _check_name(request.name)
    case = " ".join((request.reference or "").split())
    if not case or len(case) > 64:
        raise ValidationError("give the request's case reference (at most 64 characters)",
                              field="reference")
    variants = [v for v in (" ".join(v.split()) for v in request.variants) if v]
    if len(variants) > MAX_VARIANTS:
        raise ValidationError(f"give at most {MAX_VARIANTS} other names", field="variants")
    variants = [_check_name(v, "variants") for v in variants]
    if request.date_of_birth is not None and not (
            date(1900, 1, 1) <= request.date_of_birth <= date.today()):
        raise ValidationError("the date of birth must be after 1900 and not in the future",
                              field="date_of_birth")
    return SubjectAccessRequest(who, case, request.date_of_birth, tuple(variants))


# --- matching ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Wanted:
    """One name asked for, folded: given name (with its other forms) and surname."""

    given: str
    surname: str
    given_forms: frozenset[str]


def wanted_names(request: SubjectAccessRequest) -> list[Wanted]:
    out: list[Wanted] = []
    for name in (request.name, *request.variants):
        given, surname = split_name(name)
        if not surname:  # one word: take it as the surname
            given, surname = "", given
        forms = set(formal_names(given)) if given else set()
        for formal in list(forms):
            forms.update(nicknames_of(formal))
        if given:
            forms.add(given)
        out.append(Wanted(given, surname, frozenset(forms)))
    return out


def _given_score(wanted: Wanted, given: str) -> tuple[float, str]:
    if not wanted.given:
        return 1.0, "surname asked for alone"
    if given in wanted.given_forms or formal_names(given) & formal_names(wanted.given):
        return 1.0, "same given name" if given == wanted.given else \
            f"{given!r} is a form of {wanted.given!r}"
    if len(given) == 1 and wanted.given.startswith(given):
        return 0.9, "initial of the given name"
    similar = jellyfish.jaro_winkler_similarity(given, wanted.given)
    # Only a close spelling counts (Jon, John): any two words share some letters.
    return (similar, "similar given name") if similar >= 0.85 else (0.0, "other given name")


def _surname_score(wanted: Wanted, surname: str) -> tuple[float, str]:
    if surname == wanted.surname:
        return 1.0, "same surname"
    score = fuzz.ratio(surname, wanted.surname) / 100
    if phonetic(surname) == phonetic(wanted.surname):
        return max(score, 0.92), "surname sounds the same"
    return score, "similar surname"


def name_score(wanted: list[Wanted], name: str) -> tuple[float, str]:
    """How closely ``name`` (a person's recorded name or alias) matches any name asked for."""
    given, surname = split_name(name)
    if not surname:
        given, surname = "", given
    best, why = 0.0, ""
    for w in wanted:
        if not surname or not w.surname:
            continue
        if given and w.given:
            g, g_why = _given_score(w, given)
        else:  # one of the two is a surname alone: only the surname can be compared
            g, g_why = (0.8, "surname alone") if not given else (1.0, "surname asked for alone")
        s, s_why = _surname_score(w, surname)
        score = 0.4 * g + 0.6 * s
        if score > best:
            best, why = score, f"{g_why}; {s_why}"
    return best, why


def _dob_note(asked: date | None, held: date | None) -> str | None:
    """None: leave the record out (a different date of birth); else a note ("" for nothing)."""
    if asked is None or held is None:
        return ""
    if asked == held:
        return "same date of birth"
    if asked.year == held.year and asked.day == held.month and asked.month == held.day:
        return "date of birth with day and month swapped"
    return None


def _dob_texts(value: date) -> list[str]:
    return [f"{value:%d/%m/%Y}", value.isoformat(), f"{value.day}/{value.month}/{value.year}"]


def text_match(wanted: list[Wanted], text: str) -> tuple[float, str, str] | None:
    """(score, why, the words that matched) for the best naming of the person in free text."""
    words = fold(text).split()
    best: tuple[float, str, str] | None = None
    surnames = {w.surname for w in wanted}
    for index, word in enumerate(words):
        if word not in surnames:
            continue
        before = words[index - 1] if index else ""
        two_before = words[index - 2] if index > 1 else ""
        for w in wanted:
            if w.surname != word:
                continue
            candidates = [(before, " ".join((before, word)))]
            if two_before:  # a middle name between
                candidates.append((two_before, " ".join((two_before, before, word))))
            for given, shown in candidates:
                if not w.given:
                    found = (0.9, "surname asked for alone", word)
                elif given in TITLES:
                    found = (0.85, "title and surname", shown)
                elif given:
                    g, g_why = _given_score(w, given)
                    found = (0.4 * g + 0.6, f"{g_why}; same surname", shown)
                else:
                    continue
                if found[0] >= MATCH and (best is None or found[0] > best[0]):
                    best = found
    return best


def _match(item: HeldItem, wanted: list[Wanted], dob: date | None
           ) -> tuple[float, str, str] | None:
    if item.names:
        scored = [(name_score(wanted, n), n) for n in item.names]
        (score, why), name = max(scored, key=lambda s: s[0][0])
        if score < MATCH:
            return None
        note = _dob_note(dob, item.date_of_birth)
        if note is None:
            return None
        return score, "; ".join(x for x in (why, note) if x), name
    found = text_match(wanted, item.text)
    if found is None:
        return None
    if dob is not None and any(t in item.text for t in _dob_texts(dob)):
        found = (found[0], f"{found[1]}; the date of birth appears too", found[2])
    return found


# --- the request ---------------------------------------------------------------------------------


def gather(store: Store, actor: Actor, request: SubjectAccessRequest) -> Gathered:
    """Everything held that names the person, each item with its match and the exemption to
    consider; the request is audited by its case reference."""
    actor.require(Permission.MANAGE_RECORDS)
    asked = check_request(request)
    source, notes = load_exemptions()
    wanted = wanted_names(asked)
    text_words = sorted({w.surname for w in wanted})
    name_parts = sorted({w.surname[:3] for w in wanted} | {w.surname for w in wanted})
    with store.begin() as conn:
        held = records_store.held_candidates(conn, text_words, name_parts, MAX_PER_KIND)
        read = {k: sum(1 for h in held if h.kind == k) for k in KINDS}
        items = []
        for h in held:
            found = _match(h, wanted, asked.date_of_birth)
            if found is not None:
                items.append((h, found))
        audit.record(conn, actor, SubjectAccessGathered(reference=asked.reference,
                                                        items=len(items)))
    by_kind = {k: sum(1 for h, _ in items if h.kind == k) for k in KINDS}
    truncated = [k for k, n in read.items() if n >= MAX_PER_KIND]
    document = {
        "subject_access_request": asked.reference,
        "name_searched": asked.name,
        "other_names_searched": list(asked.variants),
        "date_of_birth_searched": asked.date_of_birth.isoformat() if asked.date_of_birth
        else None,
        "gathered_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "gathered_by": actor.name,
        "exemptions_source": source,
        "notice": "Everything below may name the person; each item says why it matched, and a "
                  "wrong match is to be left out. Nothing is disclosed until a person has "
                  "decided each item's exemption. Reports are allegations, not proven facts.",
        "truncated_kinds": truncated,
        "items": [{"kind": h.kind, "record": h.record_id, "text": h.text,
                   "source_kind": h.source_kind,
                   "match": {"score": round(score, 2), "why": why, "matched": matched},
                   "exemption_to_consider": notes[h.kind], "decision": "to decide"}
                  for h, (score, why, matched) in items],
    }
    return Gathered(document, by_kind, truncated)


def export_name(reference: str) -> str:
    """A file name for the export, from the case reference (letters, digits, - and _ only)."""
    return "subject-access-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", reference).strip("-")[:64]
                                or "request") + ".json"


def to_json(gathered: Gathered) -> str:
    return json.dumps(gathered.document, indent=2, ensure_ascii=False) + "\n"


def subject_access(store: Store, actor: Actor, name: str, out: Path, *, reference: str,
                   date_of_birth: date | None = None, variants: tuple[str, ...] = ()
                   ) -> SubjectAccessResult:
    """Gather everything held that names the person into the new JSON file ``out`` (readable
    by its owner only); audited with the request's ``reference`` (the force's SAR case number)."""
    if out.exists():
        raise ValidationError(f"{out} exists already; name a new file", field="out")
    gathered = gather(store, actor, SubjectAccessRequest(name, reference, date_of_birth,
                                                         variants))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(to_json(gathered))
    return SubjectAccessResult(out, gathered.items, gathered.by_kind, gathered.truncated)
