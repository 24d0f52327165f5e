"""Safeguarding tasks: done by their owners, escalated to the supervisors' board when overdue.

Nothing due is silently dropped: :func:`escalate_overdue` (run by ``drachma worker`` and inside
``drachma serve``) escalates every open task past its due time exactly once, even with two
workers running at once on PostgreSQL (see :mod:`drachma.store.safeguarding`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import SafeguardingTaskDone, SafeguardingTaskEscalated
from drachma.access.permissions import Permission
from drachma.errors import ConflictError, NotFoundError, ValidationError
from drachma.model.incident import EventKind, Task, TaskStatus, TimelineEvent
from drachma.store import incidents as incident_store
from drachma.store import safeguarding as sg_store
from drachma.store.db import Store

MAX_PAGE = 200


def tasks_of(store: Store, actor: Actor, incident_id: int) -> list[Task]:
    actor.require(Permission.MANAGE_INCIDENTS)
    with store.begin() as conn:
        return sg_store.tasks_of(conn, incident_id)


def complete_task(store: Store, actor: Actor, task_id: int, note: str | None = None) -> Task:
    """Mark a task done. A done task is never reopened or done twice."""
    actor.require(Permission.MANAGE_INCIDENTS)
    cleaned = (note or "").strip() or None
    if cleaned and len(cleaned) > 4_000:
        raise ValidationError("the note is longer than 4000 characters", field="note")
    now = datetime.now(UTC)
    with store.begin() as conn:
        task = sg_store.get_task(conn, task_id)
        if task is None:
            raise NotFoundError(f"no task {task_id}", field="task_id")
        if not sg_store.finish_task(conn, task_id, actor.name, now, cleaned):
            raise ConflictError(f"task {task_id} is already done (by {task.done_by}); a done "
                                "task is not done again or reopened", field="status")
        incident_store.add_event(conn, TimelineEvent(
            incident_id=task.incident_id, kind=EventKind.TASK_DONE, at=now, actor_name=actor.name,
            detail={"task": task.title}))
        audit.record(conn, actor, SafeguardingTaskDone(task_id=task_id))
        done = sg_store.get_task(conn, task_id)
    assert done is not None
    return done


def set_task_status(store: Store, actor: Actor, task_id: int, status: str) -> Task:
    """The one way to change a task's status: ``done``. Reopening a done task is refused."""
    try:
        wanted = TaskStatus(status.strip().lower())
    except ValueError:
        raise ValidationError(f"task status {status!r} is not open or done",
                              field="status") from None
    if wanted is TaskStatus.DONE:
        return complete_task(store, actor, task_id)
    actor.require(Permission.MANAGE_INCIDENTS)
    with store.begin() as conn:
        task = sg_store.get_task(conn, task_id)
    if task is None:
        raise NotFoundError(f"no task {task_id}", field="task_id")
    if task.status is TaskStatus.DONE:
        raise ConflictError(f"task {task_id} is done and is not reopened; if more is needed, "
                            "reassess so the playbook creates a new task", field="status")
    return task


def escalate_overdue(store: Store, actor: Actor, now: datetime | None = None, *,
                     limit: int = 500) -> list[int]:
    """Escalate every open task past its due time that is not escalated yet; returns the ids
    this call escalated (another worker's are not repeated)."""
    moment = now or datetime.now(UTC)
    escalated: list[int] = []
    with store.begin() as conn:
        for task in sg_store.overdue_candidates(conn, moment, limit=limit):
            assert task.id is not None
            if not sg_store.claim_escalation(conn, task.id, moment):
                continue
            escalated.append(task.id)
            incident_store.add_event(conn, TimelineEvent(
                incident_id=task.incident_id, kind=EventKind.TASK_ESCALATED, at=moment,
                actor_name=actor.name,
                detail={"task": task.title, "was_due": task.due_at.isoformat()}))
            audit.record(conn, actor, SafeguardingTaskEscalated(task_id=task.id))
    return escalated


def supervisors_board(store: Store, actor: Actor, *, limit: int = 50, offset: int = 0
                      ) -> tuple[list[Task], int]:
    """Escalated tasks still open, most overdue first (supervisors only)."""
    actor.require(Permission.READ_ALL_RESTRICTED)  # the oversight permission: supervisors
    if limit < 1 or limit > MAX_PAGE:
        raise ValidationError(f"a page holds 1 to {MAX_PAGE} rows", field="limit")
    with store.begin() as conn:
        return sg_store.board(conn, limit=limit, offset=max(0, offset))
