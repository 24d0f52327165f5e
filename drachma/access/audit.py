"""Writing and reading the audit log. Every create, change and sensitive read passes here."""

from __future__ import annotations

from datetime import UTC, datetime

from drachma.access.actor import Actor
from drachma.access.events import AuditedEvent
from drachma.access.permissions import Permission
from drachma.errors import ValidationError
from drachma.model.dates import parse_date
from drachma.model.user import AuditAction, AuditEvent
from drachma.store import audit as audit_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Connection, Store


def entry(
    actor: Actor | None,
    event: AuditedEvent,
    *,
    actor_name: str | None = None,
    address: str | None = None,
) -> AuditEvent:
    """The line of the audit log for ``event`` done by ``actor`` (None: the command line, or
    someone not logged in, named by ``actor_name``)."""
    return AuditEvent(
        action=event.action,
        record_kind=event.kind.value,
        record_id=event.record_id,
        actor_id=actor.user.id if actor else None,
        actor_name=actor.name if actor else (actor_name or "anonymous"),
        at=datetime.now(UTC),
        address=actor.address if actor else address,
        detail=event.detail(),
    )


def record(
    conn: Connection,
    actor: Actor | None,
    event: AuditedEvent,
    *,
    actor_name: str | None = None,
    address: str | None = None,
) -> None:
    """Append ``event`` (one of the classes of :mod:`drachma.access.events`) to the audit log, in
    the caller's transaction. There is no untyped form: a new kind of event is a new class."""
    if not isinstance(event, AuditedEvent):
        raise TypeError(f"audit.record takes an event class of drachma.access.events, "
                        f"not {type(event).__name__}")
    audit_store.append(conn, entry(actor, event, actor_name=actor_name, address=address))


def record_entries(conn: Connection, entries: list[AuditEvent]) -> None:
    """Append lines already made by :func:`entry` (each with the time it was made), in order, in
    the caller's transaction: several events written together in one statement."""
    audit_store.append_many(conn, entries)


def view_audit(
    store: Store, actor: Actor, filters: AuditFilters, *, limit: int = 100, offset: int = 0
) -> tuple[list[AuditEvent], int]:
    """Supervisors (and admins) read the audit log, filtered."""
    actor.require(Permission.VIEW_AUDIT)
    with store.begin() as conn:
        return (
            audit_store.query(conn, filters, limit=limit, offset=offset),
            audit_store.count(conn, filters),
        )


def parse_audit_filters(
    user: str | None = None, action: str | None = None, record_kind: str | None = None,
    record_id: str | None = None, since: str | None = None, until: str | None = None,
) -> AuditFilters:
    """Audit filters from text as people type them (page, API, CLI); a bad one names its field."""
    if action and action.strip():
        try:
            action = AuditAction(action.strip().lower()).value
        except ValueError:
            names = ", ".join(a.value for a in AuditAction)
            raise ValidationError(f"unknown action {action!r}; actions are: {names}",
                                  field="action") from None
    return AuditFilters(
        actor=(user or "").strip().lower() or None,
        action=action or None,
        record_kind=(record_kind or "").strip() or None,
        record_id=(record_id or "").strip() or None,
        since=parse_date(since, "since") if since and since.strip() else None,
        until=parse_date(until, "until") if until and until.strip() else None,
    )
