"""Failed log-ins counted per account and per client address, and the locks they lead to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from drachma.store.tables import login_throttle

ACCOUNT = "account"
ADDRESS = "address"


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ThrottleState:
    kind: str
    key: str
    failures: int
    first_failure_at: datetime
    locked_until: datetime | None


def _state(row: Any) -> ThrottleState:
    first = _aware(row.first_failure_at)
    assert first is not None
    return ThrottleState(row.kind, row.key, row.failures, first, _aware(row.locked_until))


def get(conn: Connection, kind: str, key: str) -> ThrottleState | None:
    row = conn.execute(select(login_throttle).where(
        login_throttle.c.kind == kind, login_throttle.c.key == key)).first()
    return _state(row) if row else None


def record_failure(conn: Connection, kind: str, key: str, now: datetime, window: timedelta
                   ) -> ThrottleState:
    """Count one failure; a count older than ``window`` starts again from this one."""
    found = get(conn, kind, key)
    if found is None:
        # Two processes may count a first failure at the same moment: the second one's insert
        # does nothing, and it counts on the row the first one made.
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        result = conn.execute(dialect_insert(login_throttle).values(
            kind=kind, key=key, failures=1, first_failure_at=now, locked_until=None,
        ).on_conflict_do_nothing(index_elements=["kind", "key"]).returning(login_throttle.c.id))
        if result.first() is not None:
            return ThrottleState(kind, key, 1, now, None)
        found = get(conn, kind, key)
        assert found is not None
    where = (login_throttle.c.kind == kind, login_throttle.c.key == key)
    if found.first_failure_at + window < now:
        conn.execute(update(login_throttle).where(*where).values(
            failures=1, first_failure_at=now))
    else:
        conn.execute(update(login_throttle).where(*where).values(
            failures=login_throttle.c.failures + 1))
    state = get(conn, kind, key)
    assert state is not None
    return state


def lock(conn: Connection, kind: str, key: str, until: datetime) -> None:
    conn.execute(update(login_throttle).where(
        login_throttle.c.kind == kind, login_throttle.c.key == key).values(locked_until=until))


def clear(conn: Connection, kind: str, key: str) -> bool:
    result = conn.execute(delete(login_throttle).where(
        login_throttle.c.kind == kind, login_throttle.c.key == key))
    return result.rowcount > 0
