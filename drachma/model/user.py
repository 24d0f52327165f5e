"""Users of Drachma and what happened when they used it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from drachma.model.roles import Role


@dataclass(slots=True)
class User:
    username: str
    display_name: str
    role: Role
    active: bool = True
    id: int | None = None


class AuditAction(str, enum.Enum):
    CREATE = "create"
    CHANGE = "change"
    READ = "read"
    SEARCH = "search"
    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One line of the append-only audit log: who did what to which record, when, from where."""

    action: AuditAction
    record_kind: str
    record_id: str | None
    actor_id: int | None
    actor_name: str
    at: datetime
    address: str | None = None
    detail: dict[str, str] = field(default_factory=dict)
    id: int | None = None
