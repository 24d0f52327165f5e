"""THRIVE assessments, safeguarding tasks and deconfliction: the SQL behind
:mod:`drachma.safeguarding`.

Assessments are only ever inserted (a reassessment is a new version). Escalating a task and
claiming an alert's e-mail are conditional UPDATEs (``... WHERE escalated_at IS NULL``), so two
workers at once can never both do it; on PostgreSQL the candidates are also read with
``FOR UPDATE SKIP LOCKED`` so a second worker passes over rows the first holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from drachma.model.incident import (
    AssessmentFocus,
    DeconflictionAlert,
    Investigation,
    InvestigationStatus,
    InvestigationSubject,
    RiskLevel,
    Task,
    TaskStatus,
    ThriveAssessment,
)
from drachma.store.incidents import aware
from drachma.store.tables import (
    deconfliction_alerts,
    deconfliction_keys,
    investigation_subjects,
    investigations,
    safeguarding_tasks,
    thrive_assessments,
)


def _must(value: datetime | None) -> datetime:
    result = aware(value)
    assert result is not None
    return result


# --------------------------------------------------------------------------------------------
# THRIVE assessments


def latest_version(conn: Connection, incident_id: int, focus: AssessmentFocus) -> int:
    return int(conn.execute(select(func.coalesce(func.max(thrive_assessments.c.version), 0))
                            .where(and_(thrive_assessments.c.incident_id == incident_id,
                                        thrive_assessments.c.focus == focus.value)))
               .scalar_one())


def insert_assessment(conn: Connection, a: ThriveAssessment) -> int:
    return int(conn.execute(insert(thrive_assessments).values(
        incident_id=a.incident_id, focus=a.focus.value, version=a.version,
        factors=json.dumps(list(a.factors)), notes=json.dumps(a.notes, sort_keys=True),
        computed_level=a.computed_level.value, level=a.level.value,
        override_reason=a.override_reason, drivers=json.dumps(list(a.drivers)),
        rules_source=a.rules_source, assessed_by=a.assessed_by, assessed_at=a.assessed_at,
    ).returning(thrive_assessments.c.id)).scalar_one())


def _assessment(row: Any) -> ThriveAssessment:
    return ThriveAssessment(
        id=row.id, incident_id=row.incident_id, focus=AssessmentFocus(row.focus),
        version=row.version, factors=tuple(json.loads(row.factors)),
        notes=dict(json.loads(row.notes)), computed_level=RiskLevel(row.computed_level),
        level=RiskLevel(row.level), override_reason=row.override_reason,
        drivers=tuple(json.loads(row.drivers)), rules_source=row.rules_source,
        assessed_by=row.assessed_by, assessed_at=_must(row.assessed_at),
    )


def assessments_of(conn: Connection, incident_id: int) -> list[ThriveAssessment]:
    """Every version, oldest first."""
    return [_assessment(r) for r in conn.execute(
        select(thrive_assessments).where(thrive_assessments.c.incident_id == incident_id)
        .order_by(thrive_assessments.c.focus, thrive_assessments.c.version))]


def get_assessment(conn: Connection, assessment_id: int) -> ThriveAssessment | None:
    row = conn.execute(select(thrive_assessments)
                       .where(thrive_assessments.c.id == assessment_id)).first()
    return None if row is None else _assessment(row)


# --------------------------------------------------------------------------------------------
# Tasks


def open_task_keys(conn: Connection, incident_id: int) -> set[str]:
    return set(conn.execute(select(safeguarding_tasks.c.key).where(and_(
        safeguarding_tasks.c.incident_id == incident_id,
        safeguarding_tasks.c.status == TaskStatus.OPEN.value))).scalars())


def insert_task(conn: Connection, task: Task) -> int:
    return int(conn.execute(insert(safeguarding_tasks).values(
        incident_id=task.incident_id, assessment_id=task.assessment_id, key=task.key,
        title=task.title, owner_role=task.owner_role, due_at=task.due_at,
        status=task.status.value, created_at=task.created_at,
    ).returning(safeguarding_tasks.c.id)).scalar_one())


def _task(row: Any) -> Task:
    return Task(
        id=row.id, incident_id=row.incident_id, assessment_id=row.assessment_id, key=row.key,
        title=row.title, owner_role=row.owner_role, due_at=_must(row.due_at),
        status=TaskStatus(row.status), created_at=_must(row.created_at),
        done_at=aware(row.done_at), done_by=row.done_by, note=row.note,
        escalated_at=aware(row.escalated_at),
    )


def get_task(conn: Connection, task_id: int) -> Task | None:
    row = conn.execute(select(safeguarding_tasks).where(safeguarding_tasks.c.id == task_id)).first()
    return None if row is None else _task(row)


def tasks_of(conn: Connection, incident_id: int) -> list[Task]:
    return [_task(r) for r in conn.execute(
        select(safeguarding_tasks).where(safeguarding_tasks.c.incident_id == incident_id)
        .order_by(safeguarding_tasks.c.due_at, safeguarding_tasks.c.id))]


def finish_task(conn: Connection, task_id: int, by: str, at: datetime, note: str | None) -> bool:
    """Mark an open task done; False if it was not open (someone else finished it)."""
    return conn.execute(update(safeguarding_tasks).where(and_(
        safeguarding_tasks.c.id == task_id,
        safeguarding_tasks.c.status == TaskStatus.OPEN.value,
    )).values(status=TaskStatus.DONE.value, done_at=at, done_by=by, note=note)).rowcount == 1


def overdue_candidates(conn: Connection, now: datetime, *, limit: int) -> list[Task]:
    """Open, not yet escalated tasks past their due time (rows another worker holds skipped)."""
    query = (select(safeguarding_tasks).where(and_(
        safeguarding_tasks.c.status == TaskStatus.OPEN.value,
        safeguarding_tasks.c.escalated_at.is_(None),
        safeguarding_tasks.c.due_at < now,
    )).order_by(safeguarding_tasks.c.due_at, safeguarding_tasks.c.id).limit(limit))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [_task(r) for r in conn.execute(query)]


def claim_escalation(conn: Connection, task_id: int, now: datetime) -> bool:
    """Escalate one task; True only for the one caller that changed it."""
    return conn.execute(update(safeguarding_tasks).where(and_(
        safeguarding_tasks.c.id == task_id,
        safeguarding_tasks.c.escalated_at.is_(None),
        safeguarding_tasks.c.status == TaskStatus.OPEN.value,
    )).values(escalated_at=now)).rowcount == 1


def board(conn: Connection, *, limit: int, offset: int) -> tuple[list[Task], int]:
    """The supervisors' board: escalated tasks still open, most overdue first."""
    where = and_(safeguarding_tasks.c.status == TaskStatus.OPEN.value,
                 safeguarding_tasks.c.escalated_at.is_not(None))
    rows = conn.execute(select(safeguarding_tasks).where(where)
                        .order_by(safeguarding_tasks.c.due_at, safeguarding_tasks.c.id)
                        .limit(limit).offset(offset))
    total = int(conn.execute(select(func.count()).select_from(safeguarding_tasks)
                             .where(where)).scalar_one())
    return [_task(r) for r in rows], total


# --------------------------------------------------------------------------------------------
# Investigations and their subjects


def insert_investigation(conn: Connection, investigation: Investigation,
                         owner_username: str | None, contact: str | None) -> int:
    from drachma.store import entities as entity_store

    investigation_id = entity_store.insert_investigation(conn, investigation)
    conn.execute(update(investigations).where(investigations.c.id == investigation_id)
                 .values(owner_username=owner_username, contact=contact))
    return investigation_id


def get_investigation(conn: Connection, investigation_id: int) -> Any:
    return conn.execute(select(investigations)
                        .where(investigations.c.id == investigation_id)).first()


def find_investigation(conn: Connection, reference: str) -> Any:
    return conn.execute(select(investigations).where(
        func.lower(investigations.c.reference) == reference.strip().lower())).first()


def list_investigations(conn: Connection, *, limit: int, offset: int) -> tuple[list[Any], int]:
    rows = list(conn.execute(select(investigations).order_by(investigations.c.reference)
                             .limit(limit).offset(offset)))
    total = int(conn.execute(select(func.count()).select_from(investigations)).scalar_one())
    return rows, total


def set_investigation_status(conn: Connection, investigation_id: int,
                             status: InvestigationStatus) -> None:
    conn.execute(update(investigations).where(investigations.c.id == investigation_id)
                 .values(status=status.value))


BULK = 1_000


def insert_investigation_subjects(
        conn: Connection, subjects: Sequence[InvestigationSubject],
        keys: Sequence[Iterable[str]]) -> list[int]:
    """Insert subjects and their blocking keys (``keys[i]`` for ``subjects[i]``)."""
    if not subjects:
        return []
    now = datetime.now(UTC)
    values = [{"investigation_id": s.investigation_id, "name": s.name,
               "aliases": json.dumps(s.aliases), "date_of_birth": s.date_of_birth,
               "addresses": json.dumps(s.addresses), "postcodes": json.dumps(s.postcodes),
               "handles": json.dumps(s.handles), "created_at": now} for s in subjects]
    if conn.dialect.name == "sqlite" and len(values) >= BULK:
        # Bulk loads on SQLite (the benchmark's million subjects): numbering the rows here and
        # a plain executemany is many times faster than RETURNING. A writer racing this would
        # hit the primary key and fail loudly, never mix rows up.
        start = int(conn.execute(select(func.coalesce(func.max(investigation_subjects.c.id), 0)))
                    .scalar_one()) + 1
        ids = list(range(start, start + len(values)))
        conn.execute(insert(investigation_subjects),
                     [{"id": i, **v} for i, v in zip(ids, values, strict=True)])
    else:
        ids = [int(i) for i in conn.execute(
            insert(investigation_subjects).returning(investigation_subjects.c.id,
                                                     sort_by_parameter_order=True),
            values).scalars()]
    rows = [{"subject_id": sid, "key": k} for sid, ks in zip(ids, keys, strict=True) for k in ks]
    if rows:
        conn.execute(insert(deconfliction_keys), rows)
    for subject, sid in zip(subjects, ids, strict=True):
        subject.id = sid
    return ids


def _investigation_subject(row: Any) -> InvestigationSubject:
    return InvestigationSubject(
        id=row.id, investigation_id=row.investigation_id, name=row.name,
        aliases=list(json.loads(row.aliases)), date_of_birth=row.date_of_birth,
        addresses=list(json.loads(row.addresses)), postcodes=list(json.loads(row.postcodes)),
        handles=list(json.loads(row.handles)))


def candidates(conn: Connection, keys: Iterable[str], *, limit: int = 200
               ) -> list[tuple[InvestigationSubject, Any]]:
    """Subjects of OPEN investigations sharing a blocking key, with their investigation row.
    An indexed lookup on ``deconfliction_keys.key``: no scan, whatever the number of subjects."""
    wanted = sorted(set(keys))
    if not wanted:
        return []
    matching = (select(deconfliction_keys.c.subject_id)
                .where(deconfliction_keys.c.key.in_(wanted)).distinct().limit(limit)
                .scalar_subquery())
    rows = conn.execute(
        select(investigation_subjects, investigations.c.reference, investigations.c.owner,
               investigations.c.owner_username, investigations.c.contact,
               investigations.c.status.label("investigation_status"))
        .join(investigations, investigations.c.id == investigation_subjects.c.investigation_id)
        .where(and_(investigation_subjects.c.id.in_(matching),
                    investigations.c.status == InvestigationStatus.OPEN.value)))
    return [(_investigation_subject(r), r) for r in rows]


def subjects_of_investigation(conn: Connection, investigation_id: int
                              ) -> list[InvestigationSubject]:
    return [_investigation_subject(r) for r in conn.execute(
        select(investigation_subjects)
        .where(investigation_subjects.c.investigation_id == investigation_id)
        .order_by(investigation_subjects.c.id))]


# --------------------------------------------------------------------------------------------
# Alerts


def insert_alert(conn: Connection, alert: DeconflictionAlert) -> int | None:
    """Insert an alert unless this pair (incident person, investigation subject) already has one;
    returns the new id or None."""
    exists = conn.execute(select(deconfliction_alerts.c.id).where(and_(
        deconfliction_alerts.c.incident_subject_id == alert.incident_subject_id,
        deconfliction_alerts.c.investigation_subject_id == alert.investigation_subject_id,
    ))).first()
    if exists is not None:
        return None
    return int(conn.execute(insert(deconfliction_alerts).values(
        incident_id=alert.incident_id, incident_subject_id=alert.incident_subject_id,
        investigation_id=alert.investigation_id,
        investigation_subject_id=alert.investigation_subject_id,
        owner_username=alert.owner_username, score=alert.score,
        reasons=json.dumps(list(alert.reasons)), created_at=alert.created_at,
    ).returning(deconfliction_alerts.c.id)).scalar_one())


def _alert(row: Any) -> DeconflictionAlert:
    return DeconflictionAlert(
        id=row.id, incident_id=row.incident_id, incident_subject_id=row.incident_subject_id,
        investigation_id=row.investigation_id,
        investigation_subject_id=row.investigation_subject_id,
        owner_username=row.owner_username, score=float(row.score),
        reasons=tuple(json.loads(row.reasons)), created_at=_must(row.created_at),
        read_at=aware(row.read_at), emailed_at=aware(row.emailed_at))


def alerts_for(conn: Connection, username: str, *, unread_only: bool, limit: int, offset: int
               ) -> tuple[list[DeconflictionAlert], int]:
    where = deconfliction_alerts.c.owner_username == username
    if unread_only:
        where = and_(where, deconfliction_alerts.c.read_at.is_(None))
    rows = conn.execute(select(deconfliction_alerts).where(where)
                        .order_by(deconfliction_alerts.c.created_at.desc(),
                                  deconfliction_alerts.c.id.desc())
                        .limit(limit).offset(offset))
    total = int(conn.execute(select(func.count()).select_from(deconfliction_alerts)
                             .where(where)).scalar_one())
    return [_alert(r) for r in rows], total


def unread_count(conn: Connection, username: str) -> int:
    return int(conn.execute(select(func.count()).select_from(deconfliction_alerts).where(and_(
        deconfliction_alerts.c.owner_username == username,
        deconfliction_alerts.c.read_at.is_(None)))).scalar_one())


def get_alert(conn: Connection, alert_id: int) -> DeconflictionAlert | None:
    row = conn.execute(select(deconfliction_alerts)
                       .where(deconfliction_alerts.c.id == alert_id)).first()
    return None if row is None else _alert(row)


def mark_read(conn: Connection, alert_id: int, at: datetime) -> None:
    conn.execute(update(deconfliction_alerts).where(and_(
        deconfliction_alerts.c.id == alert_id, deconfliction_alerts.c.read_at.is_(None)))
        .values(read_at=at))


def unmailed_alerts(conn: Connection, *, limit: int) -> list[DeconflictionAlert]:
    return [_alert(r) for r in conn.execute(
        select(deconfliction_alerts).where(and_(
            deconfliction_alerts.c.emailed_at.is_(None),
            deconfliction_alerts.c.owner_username.is_not(None)))
        .order_by(deconfliction_alerts.c.id).limit(limit))]


def claim_mail(conn: Connection, alert_id: int, at: datetime) -> bool:
    return conn.execute(update(deconfliction_alerts).where(and_(
        deconfliction_alerts.c.id == alert_id, deconfliction_alerts.c.emailed_at.is_(None)))
        .values(emailed_at=at)).rowcount == 1


def unmark_mail(conn: Connection, alert_id: int) -> None:
    conn.execute(update(deconfliction_alerts).where(deconfliction_alerts.c.id == alert_id)
                 .values(emailed_at=None))


def set_investigation_owner(conn: Connection, investigation_id: int, owner_username: str | None,
                            contact: str | None) -> None:
    conn.execute(update(investigations).where(investigations.c.id == investigation_id)
                 .values(owner_username=owner_username, contact=contact))


def has_investigation_subjects(conn: Connection, investigation_id: int) -> bool:
    return conn.execute(select(investigation_subjects.c.id).where(
        investigation_subjects.c.investigation_id == investigation_id).limit(1)).first() \
        is not None


def delete_investigation_subject(conn: Connection, subject_id: int) -> None:
    """Delete an investigation subject with its blocking keys and alerts (by cascade), and take
    its id out of its investigation's list. The one place a subject is deleted (retention
    disposal calls it)."""
    from sqlalchemy import delete

    from drachma.store.tables import investigations

    row = conn.execute(select(investigation_subjects.c.investigation_id)
                       .where(investigation_subjects.c.id == subject_id)).first()
    if row is None:
        return
    listed = conn.execute(select(investigations.c.subject_ids)
                          .where(investigations.c.id == row.investigation_id)).scalar()
    try:
        ids = [i for i in json.loads(listed or "[]") if i != subject_id]
    except ValueError:
        ids = None
    if ids is not None:
        conn.execute(update(investigations).where(investigations.c.id == row.investigation_id)
                     .values(subject_ids=json.dumps(ids)))
    conn.execute(delete(investigation_subjects).where(investigation_subjects.c.id == subject_id))
