"""Deconfliction: is the person in this incident the subject of another team's open
investigation?

Investigation subjects are indexed by blocking keys (see ``names.blocking_keys``), so the
candidate search is an indexed lookup at any scale; each candidate is then scored with
``rapidfuzz`` and ``jellyfish`` (name variants and nicknames, sound-alike surnames, a date of birth
with day and month swapped, changed handles, postcodes) and the reasons are kept. A match raises
an alert in the owning investigator's inbox (and an e-mail when SMTP is configured). The officer
who added the person learns only that a match exists and whom to call. Every check and every
alert is audited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import jellyfish
from rapidfuzz import fuzz

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import (
    DeconflictionAlertRaised,
    DeconflictionChecked,
    InvestigationClosed,
    InvestigationOpened,
    InvestigationSubjectAdded,
)
from drachma.access.permissions import Permission
from drachma.errors import ConflictError, NotFoundError, ValidationError
from drachma.model.incident import (
    DeconflictionAlert,
    EventKind,
    IncidentSubject,
    Investigation,
    InvestigationStatus,
    InvestigationSubject,
    SubjectRole,
    TimelineEvent,
)
from drachma.safeguarding.names import (
    blocking_keys,
    fold,
    formal_names,
    normalise_handle,
    normalise_postcode,
    phonetic,
    split_name,
)
from drachma.store import incidents as incident_store
from drachma.store import safeguarding as sg_store
from drachma.store.db import Connection, Store

#: A candidate scoring at least this (out of 100) is a match.
MATCH_THRESHOLD = 75.0
MAX_LIST = 20


@dataclass(frozen=True, slots=True)
class Match:
    investigation_id: int
    investigation_subject_id: int
    reference: str
    owner: str
    owner_username: str | None
    contact: str | None
    score: float
    reasons: tuple[str, ...]


@dataclass(slots=True)
class CheckResult:
    """The outcome of one check. ``matches`` is for the system and the owners; the officer who
    made the check is shown only :meth:`officer_lines`."""

    incident_subject_id: int
    candidates: int
    matches: list[Match] = field(default_factory=list)
    alert_ids: list[int] = field(default_factory=list)

    def whom_to_call(self) -> list[str]:
        return list(dict.fromkeys(
            f"{m.owner}" + (f" ({m.contact})" if m.contact else "") for m in self.matches))

    def officer_lines(self) -> list[str]:
        if not self.matches:
            return ["No match with an open investigation."]
        return ["This person may be the subject of another open investigation. Before acting, "
                "call: " + "; ".join(self.whom_to_call())]


# --------------------------------------------------------------------------------------------
# Scoring


def _name_score(names_a: Sequence[str], names_b: Sequence[str]) -> tuple[float, str]:
    best, why = 0.0, ""
    for a in names_a:
        given_a, surname_a = split_name(a)
        for b in names_b:
            given_b, surname_b = split_name(b)
            if not given_a or not given_b:
                continue
            if formal_names(given_a) & formal_names(given_b):
                given, given_why = 1.0, ("same given name" if given_a == given_b
                                         else f"{given_a!r} and {given_b!r} are the same name")
            else:
                given = jellyfish.jaro_winkler_similarity(given_a, given_b)
                given_why = "similar given name"
            sa, sb = surname_a or given_a, surname_b or given_b
            surname = fuzz.ratio(sa, sb) / 100
            surname_why = "same surname" if sa == sb else "similar surname"
            if sa != sb and phonetic(sa) == phonetic(sb):
                surname, surname_why = max(surname, 0.92), "surname sounds the same"
            score = 0.4 * given + 0.6 * surname
            if score > best:
                best, why = score, f"{given_why}; {surname_why}"
    return best, why


def _dob_score(a: date | None, b: date | None) -> tuple[float, str]:
    if a is None or b is None:
        return 0.0, ""
    if a == b:
        return 30.0, "same date of birth"
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return 27.0, "date of birth with day and month swapped"
    if a.year == b.year and a.month == b.month and abs(a.day - b.day) <= 1:
        return 20.0, "date of birth one day apart"
    return -20.0, ""


def _plain(handle: str) -> str:
    return re.sub(r"[^a-z0-9]", "", handle.lower())


def _handle_score(a: Sequence[str], b: Sequence[str]) -> tuple[float, str]:
    """The same handle (case and punctuation aside) 25; letters a character or two apart (the
    digits the same) 15; the same letters where one side has no digits 12. Handles that differ
    only in their digits (``rob79``, ``rob85``) are different people's: 0."""
    best, why = 0.0, ""
    for x in map(_plain, a):
        for y in map(_plain, b):
            if not x or not y:
                continue
            if x == y:
                return 25.0, "same online handle"
            same_letters = normalise_handle(x) == normalise_handle(y)
            if not same_letters and fuzz.ratio(x, y) >= 90 and best < 15:
                best, why = 15.0, "similar online handle"
            if same_letters and (x.isalpha() or y.isalpha()) and best < 12:
                best, why = 12.0, "same handle apart from digits"
    return best, why


def score(person: InvestigationSubject, candidate: InvestigationSubject
          ) -> tuple[float, tuple[str, ...]]:
    """0-100 and the reasons. Name carries up to 60, date of birth 30 (a different one takes 20
    off), a handle up to 25, the same postcode 15."""
    reasons: list[str] = []
    name, name_why = _name_score([person.name, *person.aliases],
                                 [candidate.name, *candidate.aliases])
    total = 60.0 * name
    if name >= 0.75:
        reasons.append(name_why)
    dob, dob_why = _dob_score(person.date_of_birth, candidate.date_of_birth)
    total += dob
    if dob_why:
        reasons.append(dob_why)
    handle, handle_why = _handle_score(person.handles, candidate.handles)
    total += handle
    if handle_why:
        reasons.append(handle_why)
    if set(person.postcodes) & set(candidate.postcodes):
        total += 15.0
        reasons.append("same postcode")
    return max(0.0, min(100.0, round(total, 1))), tuple(reasons)


def _as_probe(subject: IncidentSubject) -> InvestigationSubject:
    return InvestigationSubject(name=subject.name, aliases=list(subject.aliases),
                                date_of_birth=subject.date_of_birth,
                                postcodes=[subject.postcode] if subject.postcode else [],
                                handles=list(subject.handles))


def keys_for(subject: InvestigationSubject) -> set[str]:
    return blocking_keys([subject.name, *subject.aliases], subject.date_of_birth,
                         subject.postcodes, subject.handles)


def find_matches(conn: Connection, probe: InvestigationSubject) -> tuple[int, list[Match]]:
    """(number of candidates read, matches best first) for a person, against open
    investigations. Used by the check and by the benchmark."""
    found = sg_store.candidates(conn, keys_for(probe))
    matches = []
    for candidate, row in found:
        value, reasons = score(probe, candidate)
        if value >= MATCH_THRESHOLD:
            assert candidate.id is not None and candidate.investigation_id is not None
            matches.append(Match(candidate.investigation_id, candidate.id, row.reference,
                                 row.owner, row.owner_username, row.contact, value, reasons))
    matches.sort(key=lambda m: (-m.score, m.investigation_id))
    return len(found), matches


# --------------------------------------------------------------------------------------------
# The check, run when a person is added to or changed in an incident


def check_subject(store: Store, actor: Actor, subject: IncidentSubject) -> CheckResult:
    """Check an incident's person against open investigations; raise alerts for matches."""
    assert subject.id is not None and subject.incident_id is not None
    result = CheckResult(incident_subject_id=subject.id, candidates=0)
    if subject.role in (SubjectRole.WITNESS, SubjectRole.GROUP_MEMBER):
        return result
    now = datetime.now(UTC)
    with store.begin() as conn:
        result.candidates, result.matches = find_matches(conn, _as_probe(subject))
        audit.record(conn, actor, DeconflictionChecked(
            subject_id=subject.id, incident=subject.incident_id, candidates=result.candidates,
            matches=len(result.matches)))
        for match in result.matches:
            alert_id = sg_store.insert_alert(conn, DeconflictionAlert(
                incident_id=subject.incident_id, incident_subject_id=subject.id,
                investigation_id=match.investigation_id,
                investigation_subject_id=match.investigation_subject_id,
                owner_username=match.owner_username, score=match.score, reasons=match.reasons,
                created_at=now))
            if alert_id is None:
                continue  # this pair was alerted before
            result.alert_ids.append(alert_id)
            incident_store.add_event(conn, TimelineEvent(
                incident_id=subject.incident_id, kind=EventKind.ALERT_RAISED, at=now,
                actor_name=actor.name,
                detail={"call": match.owner + (f" ({match.contact})" if match.contact else "")}))
            audit.record(conn, actor, DeconflictionAlertRaised(
                alert_id=alert_id, investigation=match.investigation_id,
                owner=match.owner_username or ""))
    if result.alert_ids:
        from drachma.safeguarding.alerts import send_pending_mail

        send_pending_mail(store, actor, only=result.alert_ids)
    return result


# --------------------------------------------------------------------------------------------
# Investigations


def _clean_subject(subject: InvestigationSubject) -> InvestigationSubject:
    name = fold(subject.name)
    if not name or len(subject.name) > 200:
        raise ValidationError("a subject needs a name of at most 200 characters", field="name")
    for values, label in ((subject.aliases, "aliases"), (subject.handles, "handles"),
                          (subject.addresses, "addresses"), (subject.postcodes, "postcodes")):
        if len(values) > MAX_LIST or any(len(v) > 200 for v in values):
            raise ValidationError(f"at most {MAX_LIST} {label} of 200 characters", field=label)
    postcodes = [p for p in (normalise_postcode(p) for p in subject.postcodes) if p]
    return InvestigationSubject(
        name=subject.name.strip(), aliases=[a.strip() for a in subject.aliases if a.strip()],
        date_of_birth=subject.date_of_birth, addresses=[a.strip() for a in subject.addresses],
        postcodes=postcodes, handles=[h.strip() for h in subject.handles if h.strip()],
        investigation_id=subject.investigation_id)


def open_investigation(store: Store, actor: Actor, reference: str, owner: str,
                       owner_username: str | None, contact: str | None, force: str | None,
                       subjects: Sequence[InvestigationSubject]) -> int:
    """Record an open investigation and its subjects (investigators and supervisors)."""
    actor.require(Permission.MANAGE_EVIDENCE)
    ref = reference.strip()
    if not ref or len(ref) > 64:
        raise ValidationError("the reference must be 1 to 64 characters", field="reference")
    if not owner.strip() or len(owner) > 200:
        raise ValidationError("the owner must be named (at most 200 characters)", field="owner")
    cleaned = [_clean_subject(s) for s in subjects]
    with store.begin() as conn:
        if sg_store.find_investigation(conn, ref) is not None:
            raise ConflictError(f"investigation {ref} already exists", field="reference")
        investigation_id = sg_store.insert_investigation(
            conn, Investigation(reference=ref, owner=owner.strip(), force=force),
            owner_username, (contact or "").strip() or None)
        for s in cleaned:
            s.investigation_id = investigation_id
        sg_store.insert_investigation_subjects(conn, cleaned, [keys_for(s) for s in cleaned])
        audit.record(conn, actor, InvestigationOpened(investigation_id=investigation_id,
                                                      subjects=len(cleaned)))
    return investigation_id


def add_investigation_subject(store: Store, actor: Actor, investigation_id: int,
                              subject: InvestigationSubject) -> int:
    actor.require(Permission.MANAGE_EVIDENCE)
    cleaned = _clean_subject(subject)
    cleaned.investigation_id = investigation_id
    with store.begin() as conn:
        if sg_store.get_investigation(conn, investigation_id) is None:
            raise NotFoundError(f"no investigation {investigation_id}", field="investigation_id")
        (subject_id,) = sg_store.insert_investigation_subjects(conn, [cleaned],
                                                               [keys_for(cleaned)])
        audit.record(conn, actor, InvestigationSubjectAdded(subject_id=subject_id,
                                                            investigation=investigation_id))
    return subject_id


def close_investigation(store: Store, actor: Actor, investigation_id: int) -> None:
    actor.require(Permission.MANAGE_EVIDENCE)
    with store.begin() as conn:
        if sg_store.get_investigation(conn, investigation_id) is None:
            raise NotFoundError(f"no investigation {investigation_id}", field="investigation_id")
        sg_store.set_investigation_status(conn, investigation_id, InvestigationStatus.CLOSED)
        audit.record(conn, actor, InvestigationClosed(investigation_id=investigation_id))
