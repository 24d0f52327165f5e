"""THRIVE assessments computed from factors by the rules file, overridden only with a reason,
versioned (never edited); playbook tasks with owners and due times; overdue tasks escalated
exactly once, even by two worker processes at once on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from drachma.errors import ConflictError, PermissionDenied, ValidationError
from drachma.incidents import records
from drachma.model.incident import AssessmentFocus, EventKind, RiskLevel, TaskStatus
from drachma.model.roles import Role
from drachma.safeguarding import rules, tasks, thrive
from drachma.safeguarding.worker import run_once, worker_actor
from drachma.store.db import Store
from drachma.store.tables import incident_events, safeguarding_tasks
from tests.conftest import ActorFactory
from tests.test_incidents_support import live_incident, row_counts

SUBJECT, HOUSEHOLD = AssessmentFocus.SUBJECT, AssessmentFocus.HOUSEHOLD


def test_the_rules_file_names_its_source_and_every_factor_has_a_heading() -> None:
    loaded = rules.risk_rules()
    assert "THRIVE" in loaded.source
    assert {"self_harm_risk", "children_in_household", "live_audience_converging",
            "mistaken_identity_suspected", "family_harassment"} <= set(loaded.factors)
    assert "welfare" in rules.playbook().source
    rules.check_data_files()


@pytest.mark.parametrize(("broken", "message"), [
    ({"factors": {"x": {"label": "X", "heading": "risk", "for": ["subject"]}}}, "source"),
    ({"source": "s", "factors": {"x": {"label": "X", "heading": "mood", "for": ["subject"]}}},
     "heading"),
    ({"source": "s", "factors": {"x": {"label": "X", "heading": "risk", "for": ["subject"]}},
      "rules": [{"level": "severe", "any": ["x"], "why": "w"}]}, "level"),
    ({"source": "s", "factors": {"x": {"label": "X", "heading": "risk", "for": ["subject"]}},
      "rules": [{"level": "high", "any": ["y"], "why": "w"}]}, "unknown factor"),
])
def test_a_broken_rules_file_is_a_loud_error(broken: dict[str, object], message: str) -> None:
    with pytest.raises(rules.RulesFileError, match=message):
        rules.parse_rules(broken)


def test_a_playbook_naming_an_unknown_role_or_due_time_is_a_loud_error() -> None:
    task = {"key": "k", "title": "T", "owner_role": "sheriff", "due": "1h",
            "when": {"any": ["self_harm_risk"]}}
    with pytest.raises(rules.RulesFileError, match="not a role"):
        rules.parse_playbook({"source": "s", "tasks": [task]}, rules.risk_rules())
    task |= {"owner_role": "officer", "due": "soon"}
    with pytest.raises(rules.RulesFileError, match="not like 15m"):
        rules.parse_playbook({"source": "s", "tasks": [task]}, rules.risk_rules())


@pytest.mark.parametrize(("factors", "level", "drivers"), [
    ([], RiskLevel.STANDARD, ()),
    (["partner_or_carer"], RiskLevel.MEDIUM, ("partner_or_carer",)),
    (["children_in_household", "partner_or_carer"], RiskLevel.MEDIUM,
     ("children_in_household", "partner_or_carer")),
    (["children_in_household", "address_published"], RiskLevel.HIGH,
     ("address_published", "children_in_household")),
    (["live_audience_converging", "partner_or_carer"], RiskLevel.HIGH,
     ("live_audience_converging",)),
])
def test_the_level_is_computed_from_the_factors_and_shown_with_what_drove_it(
        factors: list[str], level: RiskLevel, drivers: tuple[str, ...]) -> None:
    got, driving, why = thrive.compute(HOUSEHOLD, factors)
    assert (got, driving) == (level, drivers)
    assert bool(why) == bool(drivers)


def test_an_assessment_creates_the_playbook_tasks_with_owners_and_due_times(
        store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    detail = live_incident(store, officer)
    before = datetime.now(UTC)
    result = thrive.assess(store, officer, detail.id or 0, SUBJECT,
                           ["self_harm_risk", "mental_health"],
                           {"vulnerability": "Said he would end it all on the stream."})
    assert result.assessment.level is RiskLevel.HIGH
    assert result.assessment.drivers == ("self_harm_risk",)
    assert "thrive_rules.yaml" in result.assessment.rules_source
    by_key = {t.key: t for t in result.tasks}
    assert {"welfare_check", "mental_health_referral", "post_release_check",
            "supervisor_review"} <= set(by_key)
    welfare = by_key["welfare_check"]
    assert welfare.owner_role == "officer"
    assert timedelta(minutes=59) < welfare.due_at - before < timedelta(minutes=61)
    assert by_key["supervisor_review"].owner_role == "supervisor"
    view_kinds = [e.kind for e in records.get_incident(store, officer, detail.id or 0).timeline]
    assert EventKind.ASSESSED in view_kinds and EventKind.TASK_CREATED in view_kinds


def test_a_household_with_children_gets_a_referral_within_a_day(
        store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    detail = live_incident(store, officer)
    result = thrive.assess(store, officer, detail.id or 0, HOUSEHOLD,
                           ["children_in_household"])
    referral = next(t for t in result.tasks if t.key == "childrens_services_referral")
    assert timedelta(hours=23) < referral.due_at - referral.created_at <= timedelta(hours=24)


def test_override_needs_a_reason_and_both_levels_are_kept(store: Store,
                                                          make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    detail = live_incident(store, officer)
    before = row_counts(store, "thrive_assessments", "safeguarding_tasks")
    with pytest.raises(ValidationError, match="needs a recorded reason"):
        thrive.assess(store, officer, detail.id or 0, SUBJECT, [], override=RiskLevel.HIGH)
    assert row_counts(store, "thrive_assessments", "safeguarding_tasks") == before
    result = thrive.assess(store, officer, detail.id or 0, SUBJECT, [], override=RiskLevel.HIGH,
                           override_reason="Neighbours gathering with weapons per caller")
    assert result.assessment.computed_level is RiskLevel.STANDARD
    assert result.assessment.level is RiskLevel.HIGH
    assert result.assessment.override_reason
    with pytest.raises(ValidationError, match="unknown factor"):
        thrive.assess(store, officer, detail.id or 0, SUBJECT, ["bad_vibes"])
    with pytest.raises(ValidationError, match="not recorded for the subject"):
        thrive.assess(store, officer, detail.id or 0, SUBJECT, ["children_in_household"])


def test_reassessment_is_a_new_version_history_kept_and_edits_refused(
        store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    detail = live_incident(store, officer)
    first = thrive.assess(store, officer, detail.id or 0, SUBJECT, ["self_harm_risk"])
    second = thrive.assess(store, officer, detail.id or 0, SUBJECT, [])
    thrive.assess(store, officer, detail.id or 0, HOUSEHOLD, ["partner_or_carer"])
    history = thrive.history(store, officer, detail.id or 0)
    assert [(a.focus, a.version, a.level) for a in history] == [
        (HOUSEHOLD, 1, RiskLevel.MEDIUM), (SUBJECT, 1, RiskLevel.HIGH),
        (SUBJECT, 2, RiskLevel.STANDARD)]
    # The incident's level is the higher of the latest subject and household levels.
    assert records.get_incident(store, officer, detail.id or 0).detail.risk_level == "medium"
    # The welfare check from version 1 stays open: nothing due is dropped by a reassessment.
    assert not second.tasks
    with pytest.raises(ConflictError, match="cannot be edited"):
        thrive.change_assessment(store, officer, first.assessment.id or 0)


def test_a_task_is_done_once_and_never_reopened(store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    detail = live_incident(store, officer)
    task = thrive.assess(store, officer, detail.id or 0, HOUSEHOLD,
                         ["children_in_household"]).tasks[0]
    done = tasks.complete_task(store, officer, task.id or 0, "Referral made, ref CS-1142")
    assert done.status is TaskStatus.DONE and done.done_by == officer.name
    with pytest.raises(ConflictError, match="already done"):
        tasks.complete_task(store, officer, task.id or 0)
    with pytest.raises(ConflictError, match="not reopened"):
        tasks.set_task_status(store, officer, task.id or 0, "open")


def test_overdue_tasks_escalate_to_the_board_once(store: Store,
                                                  make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    supervisor = make_actor(Role.SUPERVISOR)
    detail = live_incident(store, officer)
    made = thrive.assess(store, officer, detail.id or 0, SUBJECT, ["self_harm_risk"]).tasks
    welfare = next(t for t in made if t.key == "welfare_check")
    later = datetime.now(UTC) + timedelta(minutes=90)
    first = run_once(store, later)
    assert welfare.id in first.escalated
    assert run_once(store, later).escalated == []  # idempotent
    board, total = tasks.supervisors_board(store, supervisor)
    assert welfare.id in [t.id for t in board] and total == len(first.escalated)
    with pytest.raises(PermissionDenied):
        tasks.supervisors_board(store, officer)
    tasks.complete_task(store, officer, welfare.id or 0)
    assert welfare.id not in [t.id for t in tasks.supervisors_board(store, supervisor)[0]]


WORKER_SCRIPT = """
import sys
from datetime import UTC, datetime, timedelta
from drachma.store.db import Store
from drachma.safeguarding.tasks import escalate_overdue
from drachma.safeguarding.worker import worker_actor
store = Store(sys.argv[1])
sys.stdin.readline()  # both processes start together
mine = []
for _ in range(20):
    mine += escalate_overdue(store, worker_actor(), datetime.now(UTC) + timedelta(days=30),
                             limit=7)
print(" ".join(str(i) for i in mine))
"""


@pytest.mark.postgres
def test_two_worker_processes_never_escalate_the_same_task_twice(
        store: Store, make_actor: ActorFactory) -> None:
    if store.is_sqlite:
        pytest.skip("the two-process race is a PostgreSQL deployment's")
    officer = make_actor(Role.OFFICER)
    for _ in range(12):
        detail = live_incident(store, officer)
        thrive.assess(store, officer, detail.id or 0, SUBJECT,
                      ["self_harm_risk", "mental_health", "mistaken_identity_suspected"])
    with store.begin() as conn:
        open_tasks = int(conn.execute(select(func.count()).select_from(safeguarding_tasks)
                                      .where(safeguarding_tasks.c.status == "open")).scalar_one())
    assert open_tasks >= 60
    workers = [subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT, store.url],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
               for _ in range(2)]
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    outputs = [w.communicate(timeout=120)[0].split() for w in workers]
    assert all(w.returncode == 0 for w in workers)
    escalated = [int(i) for out in outputs for i in out]
    assert len(escalated) == len(set(escalated)) == open_tasks
    with store.begin() as conn:
        events = int(conn.execute(select(func.count()).select_from(incident_events)
                                  .where(incident_events.c.kind == "task_escalated"))
                     .scalar_one())
    assert events == open_tasks


def test_a_done_task_is_not_escalated(store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    detail = live_incident(store, officer)
    made = thrive.assess(store, officer, detail.id or 0, HOUSEHOLD, ["children_in_household"])
    for task in made.tasks:
        tasks.complete_task(store, officer, task.id or 0)
    with store.begin() as conn:
        conn.execute(update(safeguarding_tasks).values(due_at=datetime.now(UTC)
                                                       - timedelta(days=1)))
    assert tasks.escalate_overdue(store, worker_actor()) == []


def test_the_background_worker_escalates_without_being_asked(store: Store,
                                                             make_actor: ActorFactory) -> None:
    import time

    from drachma.safeguarding.worker import start_background

    officer = make_actor(Role.OFFICER)
    detail = live_incident(store, officer)
    thrive.assess(store, officer, detail.id or 0, SUBJECT, ["self_harm_risk"])
    with store.begin() as conn:
        conn.execute(update(safeguarding_tasks).values(due_at=datetime.now(UTC)
                                                       - timedelta(minutes=5)))
    thread, stop = start_background(store, interval=0.05)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with store.begin() as conn:
                waiting = conn.execute(select(func.count()).select_from(safeguarding_tasks)
                                       .where(safeguarding_tasks.c.escalated_at.is_(None))
                                       ).scalar_one()
            if waiting == 0:
                break
            time.sleep(0.05)
        assert waiting == 0
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
