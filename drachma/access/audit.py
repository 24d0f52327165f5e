"""Writing and reading the audit log. Every create, change and sensitive read passes here."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from drachma.access.actor import Actor
from drachma.access.permissions import Permission
from drachma.model.user import AuditAction, AuditEvent
from drachma.store import audit as audit_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store


def event(
    actor: Actor | None,
    action: AuditAction,
    record_kind: str,
    record_id: str | int | None = None,
    detail: dict[str, str] | None = None,
    *,
    actor_name: str | None = None,
    address: str | None = None,
) -> AuditEvent:
    return AuditEvent(
        action=action,
        record_kind=record_kind,
        record_id=None if record_id is None else str(record_id),
        actor_id=actor.user.id if actor else None,
        actor_name=actor.name if actor else (actor_name or "anonymous"),
        at=datetime.now(UTC),
        address=actor.address if actor else address,
        detail=detail or {},
    )


def record(
    conn: Connection,
    actor: Actor | None,
    action: AuditAction,
    record_kind: str,
    record_id: str | int | None = None,
    detail: dict[str, str] | None = None,
    **kwargs: str | None,
) -> None:
    audit_store.append(conn, event(actor, action, record_kind, record_id, detail, **kwargs))


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
