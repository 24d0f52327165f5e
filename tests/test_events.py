"""Audit events are typed: one frozen class per kind fixes its action, its record kind and the
details it may carry, so a capability cannot misspell one."""

from __future__ import annotations

import ast
import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drachma.access import audit, events
from drachma.access.events import AuditedEvent, MentionsRead, RecordKind, ReportAdded, UserChanged
from drachma.model.incident import EventKind
from drachma.model.roles import Role
from drachma.model.user import AuditAction, AuditEvent
from drachma.store import audit as audit_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from tests.conftest import ActorFactory

PACKAGE = Path(__file__).resolve().parent.parent / "drachma"
EVENT_CLASSES = [
    value for value in vars(events).values()
    if isinstance(value, type) and issubclass(value, AuditedEvent) and value is not AuditedEvent
]


@pytest.mark.parametrize("cls", EVENT_CLASSES, ids=lambda c: c.__name__)
def test_each_event_class_is_frozen_and_names_its_action_and_kind(cls: type[AuditedEvent]) -> None:
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert isinstance(cls.action, AuditAction) and isinstance(cls.kind, RecordKind)
    names = {f.name for f in dataclasses.fields(cls)}
    assert cls.id_field is None or cls.id_field in names


def test_an_event_is_stored_with_its_id_and_its_details_as_text() -> None:
    event = ReportAdded(report_id=7, grading="2BP", ingest_run=3, origin="x" * 400,
                        attachments=None)
    assert (event.action, event.kind, event.record_id) == (AuditAction.CREATE, RecordKind.REPORT,
                                                           "7")
    assert event.detail() == {"grading": "2BP", "ingest_run": "3", "origin": "x" * 300}
    assert UserChanged(user_id=2, role=Role.SUPERVISOR).detail() == {"role": "supervisor"}
    assert UserChanged(user_id=2, active=False).detail() == {"active": "false"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.grading = "3CP"  # type: ignore[misc]


def _loose_calls() -> dict[str, list[int]]:
    """Calls of audit.record(...) / audit.entry(...) in Drachma whose event is not built from one
    of the classes of drachma.access.events, by file."""
    names = {cls.__name__ for cls in EVENT_CLASSES}
    loose: dict[str, list[int]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"
                    and node.func.attr in ("record", "entry")):
                arg = node.args[2] if node.func.attr == "record" else node.args[1]
                if not (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name)
                        and arg.func.id in names):
                    loose.setdefault(path.relative_to(PACKAGE).as_posix(), []).append(node.lineno)
    return loose


def test_every_audit_record_call_passes_an_event_class() -> None:
    """No loose strings: every audit.record(...) and audit.entry(...) call in Drachma builds one
    of the classes of drachma.access.events."""
    assert _loose_calls() == {}


def test_the_old_loose_form_is_refused(store: Store, make_actor: ActorFactory) -> None:
    """audit.record takes only an event class: the form of before issue 7 (an AuditAction, a kind
    as text, an id and a dict) is a type error, and a caller that gets past the type checker
    stores nothing."""
    analyst = make_actor(Role.ANALYST)
    with store.begin() as conn:
        before = audit_store.count(conn, AuditFilters(record_kind="report"))
        with pytest.raises(TypeError, match="positional"):
            audit.record(conn, analyst, AuditAction.READ, "report", 1)  # type: ignore[arg-type, misc]
        with pytest.raises(TypeError, match="event class"):
            audit.record(conn, analyst, AuditAction.READ)  # type: ignore[arg-type]
        assert audit_store.count(conn, AuditFilters(record_kind="report")) == before


def test_a_trailing_underscore_is_dropped_from_a_detail_name() -> None:
    """Fields named for a Python keyword or the base class's own names end in "_" in the class;
    the stored detail keeps the plain name."""
    received = events.ExhibitsReceived(reference="ABC/1", exhibits=2, from_="Sgt Invented",
                                       reason="handed in")
    assert received.detail() == {"exhibits": "2", "from": "Sgt Invented", "reason": "handed in"}
    step = events.IncidentEventRecorded(event_id=4, incident=9, kind_=EventKind.ARREST)
    assert (step.kind, step.record_id, step.detail()) == (RecordKind.INCIDENT_EVENT, "4",
                                                          {"incident": "9", "kind": "arrest"})


def test_mentions_read_is_one_kind_however_it_was_stored(
    store: Store, make_actor: ActorFactory
) -> None:
    """Before issue 7 the mentions read out of a report were stored as kind "mentions" with the
    report as the record; the append-only log keeps that row, and reads it as today's spelling."""
    analyst = make_actor(Role.ANALYST)
    with store.begin() as conn:
        audit_store.append(conn, AuditEvent(
            action=AuditAction.CREATE, record_kind="mentions", record_id="5",
            actor_id=analyst.user.id, actor_name=analyst.name, at=datetime.now(UTC),
            detail={"count": "3"}))
        audit.record(conn, analyst, MentionsRead(report_id=6, count=4))
    with store.begin() as conn:
        read = audit_store.query(conn, AuditFilters(record_kind="mention"))
        assert audit_store.count(conn, AuditFilters(record_kind="mention")) == 2
        assert audit_store.query(conn, AuditFilters(record_id="5")) == []
    assert [(e.record_kind, e.record_id, e.detail) for e in read] == [
        ("mention", None, {"report_id": "6", "count": "4"}),
        ("mention", None, {"report_id": "5", "count": "3"}),
    ]
