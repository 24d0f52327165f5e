"""Takedown requests: asking a platform to remove a stream, video, post or page.

The status machine (draft -> sent -> acknowledged -> removed / refused / expired) is enforced
here, whatever calls it. A request is not sent until a preserved copy is linked as an exhibit or
a reason why none could be kept is recorded. After an arrest or charge on the incident's
timeline, open requests suggest the contempt-of-court basis. The request text comes from the
template ``data/takedown_request.txt``; unanswered requests get a reminder after the time set in
``data/takedown_bases.yaml`` (the worker sends them).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import (
    TakedownBasisChanged,
    TakedownPreserved,
    TakedownRequested,
    TakedownStatusChanged,
    TakedownTextRead,
    TakedownUnanswered,
)
from drachma.access.permissions import Permission
from drachma.errors import NotFoundError, ValidationError
from drachma.incidents import checks
from drachma.incidents.errors import InvalidTransitionError, NotPreservedError
from drachma.incidents.preservation import EXHIBIT_REFERENCE, preserved_copy_exists
from drachma.model.incident import (
    OPEN_TAKEDOWN_STATUSES,
    TAKEDOWN_TRANSITIONS,
    ContentKind,
    EventKind,
    LegalBasis,
    Takedown,
    TakedownStatus,
    TimelineEvent,
)
from drachma.store import incidents as incident_store
from drachma.store.db import Store


class TakedownDataError(ValidationError):
    kind = "broken_data_file"


@dataclass(frozen=True, slots=True)
class TakedownSettings:
    source: str
    reminder_after: timedelta
    labels: dict[LegalBasis, str]
    texts: dict[LegalBasis, str]
    template: string.Template


@cache
def settings() -> TakedownSettings:
    """The bases file and the template, checked (a broken file is a loud error)."""
    root = resources.files(__package__).joinpath("data")
    try:
        data = yaml.safe_load(root.joinpath("takedown_bases.yaml").read_text("utf-8"))
        template_text = root.joinpath("takedown_request.txt").read_text("utf-8")
    except (OSError, yaml.YAMLError) as exc:
        raise TakedownDataError(f"takedown data cannot be read: {exc}",
                                field="takedown_bases.yaml") from None
    if not isinstance(data, dict) or not str(data.get("source") or "").strip():
        raise TakedownDataError("takedown_bases.yaml must name its source",
                                field="takedown_bases.yaml")
    bases = data.get("bases") or {}
    missing = [b.value for b in LegalBasis if b.value not in bases]
    if missing:
        raise TakedownDataError(f"takedown_bases.yaml has no entry for {missing[0]!r}",
                                field="takedown_bases.yaml")
    hours = data.get("reminder_after_hours")
    if not isinstance(hours, int | float) or hours <= 0:
        raise TakedownDataError("reminder_after_hours must be a positive number",
                                field="takedown_bases.yaml")
    body = "\n".join(line for line in template_text.splitlines() if not line.startswith("#"))
    template = string.Template(body.strip() + "\n")
    known = {"reference", "platform", "url", "kind", "basis", "basis_text", "force", "officer",
             "date", "preserved"}
    unknown = set(template.get_identifiers()) - known
    if unknown or not template.is_valid():
        raise TakedownDataError(f"takedown_request.txt has unknown placeholders {sorted(unknown)}",
                                field="takedown_request.txt")
    return TakedownSettings(
        source=str(data["source"]).strip(), reminder_after=timedelta(hours=float(hours)),
        labels={b: str(bases[b.value]["label"]) for b in LegalBasis},
        texts={b: " ".join(str(bases[b.value]["text"]).split()) for b in LegalBasis},
        template=template)


def parse_kind(text: str) -> ContentKind:
    try:
        return ContentKind(text.strip().lower().replace(" ", "_"))
    except ValueError:
        names = ", ".join(k.value for k in ContentKind)
        raise ValidationError(f"content kind {text!r} is not one of: {names}",
                              field="kind") from None


def parse_basis(text: str) -> LegalBasis:
    try:
        return LegalBasis(text.strip().lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        names = ", ".join(b.value for b in LegalBasis)
        raise ValidationError(f"legal basis {text!r} is not one of: {names}",
                              field="legal_basis") from None


def parse_status(text: str) -> TakedownStatus:
    try:
        return TakedownStatus(text.strip().lower())
    except ValueError:
        names = ", ".join(s.value for s in TakedownStatus)
        raise ValidationError(f"takedown status {text!r} is not one of: {names}",
                              field="status") from None


def _reference(value: str | None) -> str | None:
    cleaned = (value or "").strip().upper() or None
    if cleaned and not EXHIBIT_REFERENCE.match(cleaned):
        raise ValidationError(f"{value!r} is not an exhibit reference like JS/1",
                              field="preserved_exhibit")
    return cleaned


def _load(conn: Any, takedown_id: int, *, for_update: bool = False) -> Takedown:
    found = incident_store.get_takedown(conn, takedown_id, for_update=for_update)
    if found is None:
        raise NotFoundError(f"no takedown request {takedown_id}", field="takedown_id")
    return found


def draft_takedown(store: Store, actor: Actor, incident_id: int, url: str, kind: ContentKind,
                   legal_basis: LegalBasis, *, platform: str | None = None,
                   preserved_exhibit: str | None = None,
                   not_preserved_reason: str | None = None) -> Takedown:
    """Draft a request for one piece of content (it is sent later, by :func:`send`)."""
    actor.require(Permission.MANAGE_INCIDENTS)
    takedown = Takedown(
        incident_id=incident_id, url=checks.url(url, "url"),
        platform=checks.text(platform, "platform", limit=64), kind=kind,
        legal_basis=legal_basis, status=TakedownStatus.DRAFT, created_by=actor.name,
        created_at=checks.now(), preserved_exhibit=_reference(preserved_exhibit),
        not_preserved_reason=checks.text(not_preserved_reason, "not_preserved_reason"))
    with store.begin() as conn:
        if incident_store.get_incident(conn, incident_id) is None:
            raise NotFoundError(f"no incident {incident_id}", field="incident_id")
        takedown_id = incident_store.insert_takedown(conn, takedown)
        incident_store.add_event(conn, TimelineEvent(
            incident_id=incident_id, kind=EventKind.TAKEDOWN_DRAFTED, at=takedown.created_at,
            actor_name=actor.name, detail={"takedown": str(takedown_id), "url": takedown.url}))
        audit.record(conn, actor, TakedownRequested(takedown_id=takedown_id, incident=incident_id))
        return _load(conn, takedown_id)


def record_preservation(store: Store, actor: Actor, takedown_id: int, *,
                        exhibit: str | None = None, reason: str | None = None) -> Takedown:
    """Link the preserved copy (an exhibit reference) or record why none could be kept."""
    actor.require(Permission.MANAGE_INCIDENTS)
    reference = _reference(exhibit)
    cleaned = checks.text(reason, "not_preserved_reason")
    if not reference and not cleaned:
        raise ValidationError("give the exhibit reference of the preserved copy, or the reason "
                              "none could be kept", field="preserved_exhibit")
    with store.begin() as conn:
        _load(conn, takedown_id)
        values: dict[str, Any] = {}
        if reference:
            values["preserved_exhibit"] = reference
        if cleaned:
            values["not_preserved_reason"] = cleaned
        incident_store.update_takedown(conn, takedown_id, values)
        audit.record(conn, actor, TakedownPreserved(
            takedown_id=takedown_id, preserved=reference or "no: reason recorded"))
        return _load(conn, takedown_id)


def change_status(store: Store, actor: Actor, takedown_id: int, status: TakedownStatus,
                  at: datetime | None = None) -> Takedown:
    """Move a request along the status machine; an invalid change is refused and changes
    nothing. Sending needs a preserved copy (that exists) or a recorded reason."""
    actor.require(Permission.MANAGE_INCIDENTS)
    when = checks.utc(at, "at") if at else checks.now()
    with store.begin() as conn:
        current = _load(conn, takedown_id, for_update=True)
        if status not in TAKEDOWN_TRANSITIONS[current.status]:
            allowed = ", ".join(sorted(s.value for s in TAKEDOWN_TRANSITIONS[current.status]))
            raise InvalidTransitionError(
                f"takedown {takedown_id} is {current.status.value}; it cannot become "
                f"{status.value} (from {current.status.value}: {allowed or 'nothing'})",
                field="status")
    if status is TakedownStatus.SENT:
        _check_preserved(store, current)
    values: dict[str, Any] = {"status": status.value}
    if status is TakedownStatus.SENT:
        values["requested_at"] = when
        kind = EventKind.TAKEDOWN_SENT
    else:
        if current.answered_at is None:
            values["answered_at"] = when
        kind = EventKind.TAKEDOWN_ANSWERED
    with store.begin() as conn:
        if not incident_store.update_takedown(conn, takedown_id, values,
                                              expect_status=current.status):
            raise InvalidTransitionError(f"takedown {takedown_id} was changed by someone else "
                                         "at the same moment; look again", field="status")
        incident_store.add_event(conn, TimelineEvent(
            incident_id=current.incident_id, kind=kind, at=when, actor_name=actor.name,
            detail={"takedown": str(takedown_id), "status": status.value}))
        audit.record(conn, actor, TakedownStatusChanged(takedown_id=takedown_id, status=status))
        return _load(conn, takedown_id)


def _check_preserved(store: Store, takedown: Takedown) -> None:
    if takedown.preserved_exhibit:
        if preserved_copy_exists(store, takedown.preserved_exhibit):
            return
        if not takedown.not_preserved_reason:
            raise NotPreservedError(
                f"exhibit {takedown.preserved_exhibit} is not in the evidence locker; preserve "
                "the content first", field="preserved_exhibit")
    if not takedown.not_preserved_reason:
        raise NotPreservedError(
            "a takedown is not sent until a preserved copy is linked as an exhibit or the "
            "reason none could be kept is recorded: streams vanish", field="preserved_exhibit")


def takedowns_of(store: Store, actor: Actor, incident_id: int) -> list[Takedown]:
    actor.require(Permission.MANAGE_INCIDENTS)
    with store.begin() as conn:
        return incident_store.takedowns_of(conn, incident_id)


def suggested_basis(store: Store, actor: Actor, takedown: Takedown) -> LegalBasis | None:
    """Contempt of court for an open request once an arrest or charge is on the timeline."""
    if takedown.status not in OPEN_TAKEDOWN_STATUSES \
            or takedown.legal_basis is LegalBasis.CONTEMPT_OF_COURT:
        return None
    with store.begin() as conn:
        arrested = incident_store.has_event(conn, takedown.incident_id,
                                            {EventKind.ARREST, EventKind.CHARGE})
    return LegalBasis.CONTEMPT_OF_COURT if arrested else None


def change_basis(store: Store, actor: Actor, takedown_id: int, basis: LegalBasis) -> Takedown:
    """Change the legal basis of an open request (e.g. to contempt of court after an arrest)."""
    actor.require(Permission.MANAGE_INCIDENTS)
    with store.begin() as conn:
        current = _load(conn, takedown_id, for_update=True)
        if current.status not in OPEN_TAKEDOWN_STATUSES:
            raise InvalidTransitionError(f"takedown {takedown_id} is {current.status.value}; "
                                         "its basis no longer changes", field="legal_basis")
        incident_store.update_takedown(conn, takedown_id, {"legal_basis": basis.value})
        audit.record(conn, actor, TakedownBasisChanged(takedown_id=takedown_id, legal_basis=basis))
        return _load(conn, takedown_id)


def request_text(store: Store, actor: Actor, takedown_id: int) -> str:
    """The request for the platform's law-enforcement channel, from the template."""
    from drachma.incidents.records import force_name

    actor.require(Permission.MANAGE_INCIDENTS)
    config = settings()
    with store.begin() as conn:
        takedown = _load(conn, takedown_id)
        detail = incident_store.get_incident(conn, takedown.incident_id)
        audit.record(conn, actor, TakedownTextRead(takedown_id=takedown_id))
    assert detail is not None
    preserved = (f"exhibit {takedown.preserved_exhibit}" if takedown.preserved_exhibit
                 else f"no copy could be kept: {takedown.not_preserved_reason or 'not recorded'}")
    return config.template.substitute(
        reference=f"DRACHMA-INC-{takedown.incident_id}-TD-{takedown.id}",
        platform=takedown.platform or detail.incident.platform or "the platform",
        url=takedown.url, kind=takedown.kind.value.replace("_", " "),
        basis=config.labels[takedown.legal_basis], basis_text=config.texts[takedown.legal_basis],
        force=force_name(detail.incident.force) or "the police", officer=actor.user.display_name,
        date=checks.uk_time(checks.now())[:10], preserved=preserved)


def send_reminders(store: Store, actor: Actor, now: datetime | None = None, *,
                   limit: int = 200) -> list[int]:
    """Put a reminder on the timeline for each sent request unanswered past the configured
    time; once per request, whatever number of workers run."""
    moment = now or datetime.now(UTC)
    reminded: list[int] = []
    with store.begin() as conn:
        due = incident_store.unanswered_takedowns(conn, moment - settings().reminder_after,
                                                  limit=limit)
        for takedown in due:
            assert takedown.id is not None
            if not incident_store.claim_reminder(conn, takedown.id, moment):
                continue
            reminded.append(takedown.id)
            incident_store.add_event(conn, TimelineEvent(
                incident_id=takedown.incident_id, kind=EventKind.TAKEDOWN_REMINDER, at=moment,
                actor_name=actor.name,
                detail={"takedown": str(takedown.id), "url": takedown.url,
                        "platform": takedown.platform or ""}))
            audit.record(conn, actor, TakedownUnanswered(takedown_id=takedown.id))
    return reminded
