"""The append-only audit log (the database refuses updates and deletes on it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date

from sqlalchemy import ColumnElement, Connection, func, insert, select

from drachma.model.dates import uk_day_end, uk_day_start
from drachma.model.user import AuditAction, AuditEvent
from drachma.store.tables import audit_events

# Record kinds stored under another spelling before issue 7, read as today's. The audit table is
# append-only (a trigger refuses updates), so old rows are never rewritten: they are mapped here,
# on every read and in every filter. "mentions" rows named the report in record_id.
OLD_KINDS: dict[str, str] = {"mentions": "mention"}


def _as_today(kind: str, record_id: str | None, detail: dict[str, str]
              ) -> tuple[str, str | None, dict[str, str]]:
    if kind == "mentions":
        return "mention", None, {"report_id": record_id or "", **detail}
    return kind, record_id, detail


_APPEND = insert(audit_events)  # built once: nearly every request appends a line


def append(conn: Connection, event: AuditEvent) -> None:
    conn.execute(_APPEND, {
        "at": event.at,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action.value,
        "record_kind": event.record_kind,
        "record_id": event.record_id,
        "address": event.address,
        "detail": json.dumps(event.detail, sort_keys=True),
    })


def append_many(conn: Connection, events: list[AuditEvent]) -> None:
    if not events:
        return
    conn.execute(
        insert(audit_events),
        [
            {
                "at": e.at,
                "actor_id": e.actor_id,
                "actor_name": e.actor_name,
                "action": e.action.value,
                "record_kind": e.record_kind,
                "record_id": e.record_id,
                "address": e.address,
                "detail": json.dumps(e.detail, sort_keys=True),
            }
            for e in events
        ],
    )


@dataclass(frozen=True, slots=True)
class AuditFilters:
    actor: str | None = None
    action: str | None = None
    record_kind: str | None = None
    record_id: str | None = None
    since: date | None = None
    until: date | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.actor:
            out.append(audit_events.c.actor_name == self.actor)
        if self.action:
            out.append(audit_events.c.action == self.action)
        if self.record_kind:
            spellings = [self.record_kind, *(old for old, today in OLD_KINDS.items()
                                             if today == self.record_kind)]
            out.append(audit_events.c.record_kind.in_(spellings))
        if self.record_id:
            out.append(audit_events.c.record_id == self.record_id)
            out.append(audit_events.c.record_kind.not_in(list(OLD_KINDS)))
        if self.since:  # UK days (see drachma.model.dates)
            out.append(audit_events.c.at >= uk_day_start(self.since))
        if self.until:
            out.append(audit_events.c.at < uk_day_end(self.until))
        return out


def query(
    conn: Connection, filters: AuditFilters = AuditFilters(), *, limit: int = 100, offset: int = 0
) -> list[AuditEvent]:
    rows = conn.execute(
        select(audit_events)
        .where(*filters.clauses())
        .order_by(audit_events.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    events = []
    for r in rows:
        kind, record_id, detail = _as_today(r.record_kind, r.record_id,
                                            json.loads(r.detail or "{}"))
        events.append(AuditEvent(
            id=r.id,
            at=r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC),
            actor_id=r.actor_id,
            actor_name=r.actor_name,
            action=AuditAction(r.action),
            record_kind=kind,
            record_id=record_id,
            address=r.address,
            detail=detail,
        ))
    return events


def count(conn: Connection, filters: AuditFilters = AuditFilters()) -> int:
    return int(
        conn.execute(select(func.count()).select_from(audit_events).where(*filters.clauses()))
        .scalar_one()
    )
