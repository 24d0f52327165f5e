"""MoPI review, retention and disposal, on SQLite and PostgreSQL: each report gets a group and a
review date from the rules file; a records officer retains (reason, new date) or disposes; disposal
removes the personal data everywhere it was copied and keeps only the hash, the fact, who and why,
and every proof still verifies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from drachma.access.actor import Actor
from drachma.errors import ConflictError, PermissionDenied, ValidationError
from drachma.evidence.custody import make_checkpoint
from drachma.evidence.exhibits import Handover, add_exhibits, add_producer
from drachma.evidence.locker import locker_in
from drachma.evidence.verify import verify_locker
from drachma.intake.ingest import keep_attachment
from drachma.model.roles import Role
from drachma.records.retention import (
    RetentionRulesError,
    content_sha256,
    dispose,
    load_rules,
    parse_rules,
    retain,
    review_queue,
)
from drachma.reports import ReportDraft, add_report, get_report, search_reports
from drachma.reports.mentions import extract_report
from drachma.store import audit as audit_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from drachma.store.intake import AttachmentRecord, insert_attachments
from drachma.store.tables import mentions, record_reviews, report_attachments, report_facts, reports
from tests.conftest import ActorFactory

LATER = date(2040, 1, 1)  # every default period has passed by then for a report made today


def new_report(store: Store, actor: Actor, title: str, body: str, kind: str = "officer",
               received: datetime | None = None) -> int:
    report = add_report(store, actor, ReportDraft(
        title=title, body=body, grading="2BP", source_kind=kind,
        received_at=received or datetime(2019, 5, 4, 10, 0, tzinfo=UTC)))
    return int(report.id or 0)


def count(store: Store, table: object, *where: object) -> int:
    with store.begin() as conn:
        query = select(func.count()).select_from(table)  # type: ignore[arg-type]
        return int(conn.execute(query.where(*where)).scalar_one())  # type: ignore[arg-type]


# --- the rules file ---


def test_the_shipped_rules_name_their_source_and_give_every_report_a_group() -> None:
    rules = load_rules()
    assert "MoPI" in rules.source and "College of Policing" in rules.source
    assert rules.group_for("public", False).name == "public-nfa"
    assert rules.group_for("public", True).name == "investigation"
    assert rules.group_for("officer", False).name == "intelligence"
    assert rules.group_for("public", True).review_after_years == 10


@pytest.mark.parametrize(("text", "says"), [
    ("source = 'x'\n[[group]]\nname='a'\n", "needs a name and a label"),
    ("[[group]]\nname='a'\nlabel='A'\napplies_to='report'\nreview_after_years=6\n", "source"),
    ("source='x'\n[[group]]\nname='a'\nlabel='A'\napplies_to='report'\nreview_after_years=0\n",
     "review_after_years"),
    ("source='x'\n[[group]]\nname='a'\nlabel='A'\napplies_to='report'\nreview_after_years=6\n"
     "source_kinds=['pigeon']\n", "source_kinds"),
    ("source='x'\n[[group]]\nname='a'\nlabel='A'\napplies_to='report'\nreview_after_years=6\n"
     "source_kinds=['public']\n", "must have no conditions"),
    ("source='x'\n[[group]]\nname='a'\nlabel='A'\napplies_to='report'\nreview_after_years=6\n"
     "keep_forever=true\n", "unknown keys"),
    ("source = [", "not valid TOML"),
])
def test_a_broken_rules_file_is_a_loud_error_naming_the_problem(text: str, says: str) -> None:
    with pytest.raises(RetentionRulesError, match=says):
        parse_rules(text, "force.toml")


def test_a_force_can_set_its_own_periods(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "force.toml"
    own.write_text("source='Force policy 12'\n[[group]]\nname='all'\nlabel='All'\n"
                   "applies_to='report'\nreview_after_years=3\n"
                   "[[group]]\nname='inc'\nlabel='Incidents'\napplies_to='incident'\n"
                   "review_after_years=7\n"
                   "[[group]]\nname='sub'\nlabel='Subjects'\n"
                   "applies_to='investigation_subject'\nreview_after_years=8\n")
    monkeypatch.setenv("DRACHMA_RETENTION_RULES", str(own))
    assert load_rules().group_for("public", False).review_after_years == 3
    assert load_rules().group_for("", True, "incident").review_after_years == 7


# --- the queue ---


def test_reports_get_review_dates_by_group_and_only_due_ones_are_queued(
        store: Store, make_actor: ActorFactory) -> None:
    analyst, officer = make_actor(Role.ANALYST), make_actor(Role.RECORDS_OFFICER)
    public = new_report(store, analyst, "Call from a parent", "Invented text one.", "public")
    intel = new_report(store, analyst, "Group plans a meet", "Invented text two.")
    recent = new_report(store, analyst, "New report", "Invented text three.", "public",
                        received=datetime.now(UTC))
    queue = review_queue(store, officer, today=date(2026, 1, 1))
    assert {(r.record_id, r.group, r.review_on) for r in queue} == {
        (public, "public-nfa", date(2025, 5, 4)), (intel, "intelligence", date(2025, 5, 4))}
    assert recent not in {r.record_id for r in queue}
    assert all(r.title for r in queue)
    assert get_report(store, analyst, public).review_date == date(2025, 5, 4)  # the page agrees
    assert review_queue(store, officer, today=date(2026, 1, 1), limit=1, offset=1)[0].record_id \
        == intel


@pytest.mark.parametrize("role", [Role.ANALYST, Role.SUPERVISOR, Role.ADMIN])
def test_only_the_records_officer_works_the_queue(store: Store, make_actor: ActorFactory,
                                                  role: Role, tmp_path: Path) -> None:
    report = new_report(store, make_actor(Role.ANALYST), "A", "Invented words here.")
    with pytest.raises(PermissionDenied):
        review_queue(store, make_actor(role), today=LATER)
    with pytest.raises(PermissionDenied):
        dispose(store, make_actor(role), report, "no longer needed", home=tmp_path, today=LATER)
    assert count(store, reports) == 1


def test_retain_needs_a_reason_and_a_later_date_and_takes_the_record_off_the_queue(
        store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.RECORDS_OFFICER)
    report = new_report(store, make_actor(Role.ANALYST), "Kept", "Invented text to keep.")
    today = date(2026, 1, 1)
    review_queue(store, officer, today=today)
    for reason, on in [("", date(2030, 1, 1)), ("still needed", today), ("x" * 1001, LATER)]:
        with pytest.raises(ValidationError):
            retain(store, officer, report, reason, on, today=today)
    kept = retain(store, officer, report, "linked to a live investigation", date(2030, 1, 1),
                  today=today)
    assert (kept.status, kept.review_on, kept.decided_by) == ("retained", date(2030, 1, 1),
                                                              officer.name)
    assert review_queue(store, officer, today=today) == []
    with store.begin() as conn:
        [entry] = audit_store.query(conn, AuditFilters(record_kind="report",
                                                       record_id=str(report)), limit=1)
    assert entry.detail["decision"] == "retain"
    assert entry.detail["reason"] == "linked to a live investigation"
    assert get_report(store, make_actor(Role.ANALYST), report).review_date == date(2030, 1, 1)


# --- disposal ---


def test_disposal_removes_the_personal_data_everywhere_and_every_proof_still_verifies(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    analyst, officer = make_actor(Role.ANALYST), make_actor(Role.RECORDS_OFFICER)
    investigator = make_actor(Role.INVESTIGATOR)
    home = tmp_path / "home"
    title, body = "Stream outside Wakefield station", "Invented account of Northfield Watch."
    gone = new_report(store, analyst, title, body, "public")
    kept = new_report(store, analyst, "Unrelated", "Invented account of another Wakefield day.")
    extract_report(store, analyst, get_report(store, analyst, gone))
    assert count(store, mentions, mentions.c.report_id == gone)
    digest, stored = keep_attachment(home, b"invented screenshot bytes")
    with store.begin() as conn:
        insert_attachments(conn, [AttachmentRecord(gone, "shot.png", "image/png", 25, digest,
                                                   stored)])
        conn.execute(insert(report_facts).values(report_id=gone, dimension="town",
                                                 value="Wakefield", origin="mention"))
    locker = locker_in(home)
    add_producer(store, investigator, "JS", "Jo Sands")
    exhibit = tmp_path / "in.txt"
    exhibit.write_bytes(b"invented exhibit")
    add_exhibits(store, investigator, locker, [exhibit], Handover(
        producer="JS", received_from="Northfield Watch (group)", reason="handed over",
        received_place="Wakefield"))
    make_checkpoint(store, locker)
    assert verify_locker(store, locker).ok
    with store.begin() as conn:
        audit_before = audit_store.count(conn)

    review_queue(store, officer, today=LATER)
    done = dispose(store, officer, gone, "review: no further policing purpose", home=home,
                   today=LATER)

    assert done.status == "disposed" and done.title is None
    assert done.content_sha256 == content_sha256(title, body, None)
    assert count(store, reports, reports.c.id == gone) == 0
    assert count(store, mentions, mentions.c.report_id == gone) == 0
    assert count(store, report_facts, report_facts.c.report_id == gone) == 0
    assert count(store, report_attachments, report_attachments.c.report_id == gone) == 0
    assert not (home / stored).exists()
    hits = search_reports(store, analyst, "Wakefield").hits
    assert [h.report.id for h in hits] == [kept]
    assert count(store, reports) == 1
    with store.begin() as conn:
        assert audit_store.count(conn) > audit_before  # nothing removed from the audit log
        [entry] = audit_store.query(conn, AuditFilters(record_kind="report",
                                                       record_id=str(gone)), limit=1)
    assert entry.detail["decision"] == "dispose"
    assert entry.detail["content_sha256"] == done.content_sha256
    assert verify_locker(store, locker).ok
    with pytest.raises(ConflictError, match="already disposed"):
        dispose(store, officer, gone, "again", home=home, today=LATER)


def test_a_record_not_yet_due_is_not_disposed_and_nothing_changes(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    officer = make_actor(Role.RECORDS_OFFICER)
    report = new_report(store, make_actor(Role.ANALYST), "Early", "Invented early text.")
    review_queue(store, officer, today=date(2020, 1, 1))
    with pytest.raises(ConflictError, match="not due for review until 04/05/2025"):
        dispose(store, officer, report, "tidy up", home=tmp_path, today=date(2020, 1, 1))
    assert count(store, reports) == 1
    with store.begin() as conn:
        status = conn.execute(select(record_reviews.c.status)).scalar_one()
    assert status == "scheduled"


# --- the command line ---


def test_the_commands_list_retain_and_dispose_as_a_named_records_officer(
        store: Store, make_actor: ActorFactory, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from drachma.cli.app import app

    analyst, officer = make_actor(Role.ANALYST), make_actor(Role.RECORDS_OFFICER)
    first = new_report(store, analyst, "Old one", "Invented old words.")
    second = new_report(store, analyst, "Old two", "Invented other words.")
    monkeypatch.setenv("DRACHMA_HOME", str(tmp_path))
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        done = runner.invoke(app, ["--database", store.url, "records", *args])
        return done.exit_code, " ".join(done.output.split())

    code, said = run("review", "--as", officer.name)
    assert code == 0 and "Old one" in said and "04/05/2025" in said
    code, said = run("retain", str(first), "--reason", "still needed", "--until", "01/01/2099",
                     "--as", officer.name)
    assert code == 0 and "next review 01/01/2099" in said
    code, said = run("dispose", str(second), "--reason", "not needed", "--as", officer.name)
    assert code == 0 and "disposed of" in said
    code, said = run("dispose", str(second), "--reason", "again", "--as", analyst.name)
    assert code == 1 and said.startswith("Error:")
    assert count(store, reports) == 1
