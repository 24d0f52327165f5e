"""THRIVE assessments: one for the subject and one for the household of an incident.

The risk level is computed from the factors by the rules in ``data/thrive_rules.yaml`` and shown
with the factors that drove it; an officer may override it with a recorded reason. A
reassessment is a new version and the history stays: an assessment is never edited in place.
The assessment's level and factors then create the playbook's tasks (``data/playbooks.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import SafeguardingTaskSet, ThriveAssessed, ThriveHistoryRead
from drachma.access.permissions import Permission
from drachma.errors import ConflictError, ConstraintError, NotFoundError, ValidationError
from drachma.model.incident import (
    THRIVE_HEADINGS,
    AssessmentFocus,
    EventKind,
    RiskLevel,
    Task,
    TaskStatus,
    ThriveAssessment,
    TimelineEvent,
)
from drachma.safeguarding.rules import Playbook, playbook, risk_rules
from drachma.store import incidents as incident_store
from drachma.store import safeguarding as sg_store
from drachma.store.db import Connection, Store

MAX_NOTE = 4_000


@dataclass(frozen=True, slots=True)
class AssessmentResult:
    assessment: ThriveAssessment
    why: tuple[str, ...]
    tasks: list[Task]


def parse_focus(text: str) -> AssessmentFocus:
    try:
        return AssessmentFocus(text.strip().lower())
    except ValueError:
        raise ValidationError(f"an assessment is for the subject or the household, not {text!r}",
                              field="focus") from None


def parse_level(text: str) -> RiskLevel:
    try:
        return RiskLevel(text.strip().lower())
    except ValueError:
        raise ValidationError(f"risk level {text!r} is not standard, medium or high",
                              field="level") from None


def compute(focus: AssessmentFocus, factors: list[str]
            ) -> tuple[RiskLevel, tuple[str, ...], tuple[str, ...]]:
    """(level, driving factors, why) under the current rules; unknown factors are refused."""
    rules = risk_rules()
    for factor in factors:
        spec = rules.factors.get(factor)
        if spec is None:
            names = ", ".join(sorted(rules.factors))
            raise ValidationError(f"unknown factor {factor!r}; factors are: {names}",
                                  field="factors")
        if focus not in spec.focuses:
            raise ValidationError(f"factor {factor!r} is not recorded for the {focus.value}",
                                  field="factors")
    return rules.level(frozenset(factors))


def assess(store: Store, actor: Actor, incident_id: int, focus: AssessmentFocus,
           factors: list[str], notes: Mapping[str, str] | None = None, *,
           override: RiskLevel | None = None, override_reason: str | None = None
           ) -> AssessmentResult:
    """Record a new version of the assessment, set the incident's risk level (the higher of the
    latest subject and household levels) and create the playbook's tasks not already open."""
    actor.require(Permission.MANAGE_INCIDENTS)
    factors = sorted(dict.fromkeys(f.strip() for f in factors if f.strip()))
    computed, drivers, why = compute(focus, factors)
    cleaned_notes: dict[str, str] = {}
    for heading, text in (notes or {}).items():
        if heading not in THRIVE_HEADINGS:
            raise ValidationError(f"{heading!r} is not a THRIVE heading", field="notes")
        if len(text) > MAX_NOTE:
            raise ValidationError(f"the {heading} note is longer than {MAX_NOTE} characters",
                                  field=heading)
        if text.strip():
            cleaned_notes[heading] = text.strip()
    reason = (override_reason or "").strip() or None
    level = computed
    if override is not None and override is not computed:
        if not reason:
            raise ValidationError(
                f"overriding the computed level ({computed.value}) needs a recorded reason",
                field="override_reason")
        if len(reason) > MAX_NOTE:
            raise ValidationError("the override reason is too long", field="override_reason")
        level = override
    else:
        reason = None
    now = datetime.now(UTC)
    rules = risk_rules()
    book = playbook()
    try:
        with store.begin() as conn:
            detail = incident_store.get_incident(conn, incident_id, for_update=True)
            if detail is None:
                raise NotFoundError(f"no incident {incident_id}", field="incident_id")
            version = sg_store.latest_version(conn, incident_id, focus) + 1
            assessment = ThriveAssessment(
                incident_id=incident_id, focus=focus, version=version, factors=tuple(factors),
                notes=cleaned_notes, computed_level=computed, level=level, drivers=drivers,
                rules_source=f"thrive_rules.yaml v{rules.version}: {rules.source}",
                assessed_by=actor.name, assessed_at=now, override_reason=reason)
            assessment_id = sg_store.insert_assessment(conn, assessment)
            latest = {a.focus: a.level for a in sg_store.assessments_of(conn, incident_id)}
            incident_level = max(latest.values(), key=lambda lv: lv.rank)
            incident_store.update_incident(conn, incident_id,
                                           {"risk_level": incident_level.value})
            incident_store.add_event(conn, TimelineEvent(
                incident_id=incident_id, kind=EventKind.ASSESSED, at=now, actor_name=actor.name,
                detail={"for": focus.value, "version": str(version), "level": level.value,
                        **({"overridden": "yes"} if reason else {})}))
            audit.record(conn, actor, ThriveAssessed(assessment_id=assessment_id,
                                                     incident=incident_id, level=level))
            tasks = _create_tasks(conn, actor, incident_id, assessment_id, level,
                                  frozenset(factors), now, book)
    except ConstraintError:  # the store's error for a refused write
        raise ConflictError("someone else assessed this incident at the same moment; "
                            "read the latest version and reassess", field="version") from None
    return AssessmentResult(replace(assessment, id=assessment_id), why, tasks)


def _create_tasks(conn: Connection, actor: Actor, incident_id: int, assessment_id: int,
                  level: RiskLevel, factors: frozenset[str], now: datetime,
                  book: Playbook) -> list[Task]:
    have = sg_store.open_task_keys(conn, incident_id)
    made = []
    for spec in book.tasks_for(level, factors):
        if spec.key in have:
            continue
        task = Task(incident_id=incident_id, assessment_id=assessment_id, key=spec.key,
                    title=spec.title, owner_role=spec.owner_role.value, due_at=now + spec.due,
                    status=TaskStatus.OPEN, created_at=now)
        task_id = sg_store.insert_task(conn, task)
        incident_store.add_event(conn, TimelineEvent(
            incident_id=incident_id, kind=EventKind.TASK_CREATED, at=now, actor_name=actor.name,
            detail={"task": spec.title, "owner": spec.owner_role.label}))
        audit.record(conn, actor, SafeguardingTaskSet(task_id=task_id, incident=incident_id,
                                                      key=spec.key))
        made.append(replace(task, id=task_id))
    return made


def history(store: Store, actor: Actor, incident_id: int) -> list[ThriveAssessment]:
    """Every version of both assessments, oldest first."""
    actor.require(Permission.MANAGE_INCIDENTS)
    with store.begin() as conn:
        found = sg_store.assessments_of(conn, incident_id)
        audit.record(conn, actor, ThriveHistoryRead(incident=incident_id))
    return found


def change_assessment(store: Store, actor: Actor, assessment_id: int) -> None:
    """An assessment is never changed in place: this always refuses; reassess instead."""
    actor.require(Permission.MANAGE_INCIDENTS)
    with store.begin() as conn:
        found = sg_store.get_assessment(conn, assessment_id)
    if found is None:
        raise NotFoundError(f"no assessment {assessment_id}", field="assessment_id")
    raise ConflictError(
        f"assessment {assessment_id} (version {found.version}) cannot be edited; record a "
        "reassessment, which becomes a new version and keeps this one", field="assessment_id")


def factor_labels() -> dict[str, str]:
    return {key: f.label for key, f in risk_rules().factors.items()}
