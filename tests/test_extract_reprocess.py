"""``drachma extract --reprocess``: stored reports read by older rules are read again; what
analysts confirmed, corrected or rejected is never touched. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from drachma.access.permissions import Permission
from drachma.errors import PermissionDenied
from drachma.extract.version import pipeline_version
from drachma.link.mentions import mentions_of, review_mention
from drachma.link.reprocess import out_of_date, reprocess
from drachma.model.mention import Mention, MentionType, Review
from drachma.model.roles import Role
from drachma.reports import ReportDraft, add_report, get_report
from drachma.store import audit as audit_store
from drachma.store import mentions as mention_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from drachma.store.tables import mentions, report_readings
from tests.conftest import ActorFactory

TEXT = (
    "A group called Hollowmere Sentinels confronted a 47-year-old man at a retail park in "
    "Doncaster on Saturday. South Yorkshire Police arrested him and he was later charged."
)
OLD = "0.0.9+rules.000000000000"


def _read(store: Store, make_actor: ActorFactory, text: str = TEXT, **draft: object
          ) -> tuple[int, list[Mention]]:
    analyst = make_actor(Role.ANALYST)
    report = add_report(store, analyst, ReportDraft(title="T", body=text, grading="2BP"))
    opened = get_report(store, analyst, int(report.id or 0))
    return int(report.id or 0), mentions_of(store, analyst, opened)


def _age(store: Store, report_id: int, version: str | None = OLD) -> None:
    """Make the report look read by an older pipeline (``None``: before versions existed)."""
    with store.begin() as conn:
        conn.execute(
            update(mentions)
            .where(mentions.c.report_id == report_id, mentions.c.review == "pending")
            .values(pipeline_version=version)
        )
        if version is None:
            conn.execute(delete(report_readings).where(report_readings.c.report_id == report_id))
        else:
            conn.execute(
                update(report_readings)
                .where(report_readings.c.report_id == report_id)
                .values(pipeline_version=version)
            )


def _rows(store: Store, report_id: int) -> list[dict[str, object]]:
    with store.begin() as conn:
        rows = conn.execute(
            select(mentions).where(mentions.c.report_id == report_id).order_by(mentions.c.id)
        ).mappings().all()
    return [dict(r) for r in rows]


def test_every_stored_mention_records_the_pipeline_version(
    store: Store, make_actor: ActorFactory
) -> None:
    _, found = _read(store, make_actor)
    assert found and {m.pipeline_version for m in found} == {pipeline_version()}
    with store.begin() as conn:
        assert mention_store.stale_report_ids(conn, pipeline_version()) == []
    assert out_of_date(store, make_actor(Role.ANALYST)) == (pipeline_version(), 0)


def test_reprocess_replaces_machine_mentions_and_keeps_every_analyst_decision(
    store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report_id, found = _read(store, make_actor)
    by_type = {m.type: m for m in found}
    review_mention(store, analyst, int(by_type[MentionType.GROUP].id or 0), Review.CONFIRMED)
    review_mention(store, analyst, int(by_type[MentionType.PLACE].id or 0), Review.CORRECTED,
                   new_value="Doncaster town centre")
    review_mention(store, analyst, int(by_type[MentionType.FORCE].id or 0), Review.REJECTED)
    reviewed_before = [r for r in _rows(store, report_id) if r["review"] != "pending"]
    # the older rules read the report differently: they missed the age and made up an outcome
    age = by_type[MentionType.AGE_SUBJECT]
    with store.begin() as conn:
        conn.execute(delete(mentions).where(mentions.c.id == age.id))
        conn.execute(insert(mentions).values(
            report_id=report_id, type="OUTCOME", start_char=0, end_char=7, text="A group",
            value="jailed", confidence=0.5, attributes="{}", review="pending",
            extracted_at=reviewed_before[0]["extracted_at"], pipeline_version=OLD))
    _age(store, report_id)
    assert out_of_date(store, analyst) == (pipeline_version(), 1)

    result = reprocess(store, analyst)

    assert (result.reports, result.skipped) == (1, 0)
    assert result.kept == 3
    after = _rows(store, report_id)
    # analysts' decisions: the same rows, unchanged in every column
    assert [r for r in after if r["review"] != "pending"] == reviewed_before
    pending = [r for r in after if r["review"] == "pending"]
    assert {r["pipeline_version"] for r in pending} == {pipeline_version()}
    assert ("AGE_SUBJECT", "47") in {(r["type"], r["value"]) for r in pending}
    assert ("OUTCOME", "jailed") not in {(r["type"], r["value"]) for r in pending}
    # the rejected force reading and the reviewed spans are not added again
    assert not [r for r in pending if r["type"] in ("FORCE", "GROUP", "PLACE")
                and r["start_char"] in {b["start_char"] for b in reviewed_before}]
    assert out_of_date(store, analyst) == (pipeline_version(), 0)
    assert reprocess(store, analyst).reports == 0  # up to date: nothing read twice
    with store.begin() as conn:  # one "mention" event (the spelling of issue 7) per report read
        reread = audit_store.query(conn, AuditFilters(record_kind="mention", action="change"))
    assert (str(report_id), pipeline_version()) in [
        (e.detail.get("report_id"), e.detail.get("reprocessed")) for e in reread]


def test_reports_read_before_versions_were_recorded_are_out_of_date(
    store: Store, make_actor: ActorFactory
) -> None:
    first, _ = _read(store, make_actor)
    second, _ = _read(store, make_actor, TEXT.replace("Doncaster", "Rotherham"))
    third, _ = _read(store, make_actor, TEXT.replace("Doncaster", "Barnsley"))
    _age(store, first, None)
    _age(store, third)
    analyst = make_actor(Role.ANALYST)
    with store.begin() as conn:
        assert mention_store.stale_report_ids(conn, pipeline_version()) == [first, third]
        assert mention_store.stale_report_ids(conn, pipeline_version(), after_id=first) == [third]
    result = reprocess(store, analyst, limit=1)
    assert result.report_ids == [first]
    assert out_of_date(store, analyst)[1] == 1
    assert reprocess(store, analyst).report_ids == [third]
    assert second not in reprocess(store, analyst).report_ids


def test_reports_the_actor_may_not_read_are_skipped(
    store: Store, make_actor: ActorFactory
) -> None:
    supervisor = make_actor(Role.SUPERVISOR)
    report = add_report(store, supervisor, ReportDraft(
        title="T", body=TEXT, grading="2BC", handling_conditions="Investigators only",
        visible_to=["investigator"]))
    report_id = int(report.id or 0)
    mentions_of(store, supervisor, get_report(store, supervisor, report_id))
    _age(store, report_id)

    refused = reprocess(store, make_actor(Role.ANALYST))
    assert (refused.reports, refused.skipped) == (0, 1)
    assert {r["pipeline_version"] for r in _rows(store, report_id)} == {OLD}
    assert reprocess(store, supervisor).report_ids == [report_id]


def test_only_those_who_review_mentions_may_reprocess(
    store: Store, make_actor: ActorFactory
) -> None:
    officer = make_actor(Role.OFFICER)
    assert not officer.can(Permission.REVIEW_MENTIONS)
    with pytest.raises(PermissionDenied):
        reprocess(store, officer)
    with pytest.raises(PermissionDenied):
        out_of_date(store, officer)


def test_the_cli_reprocesses_stored_reports(tmp_path: Path) -> None:
    from drachma.access.actor import system_actor
    from drachma.cli.app import app

    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["--database", url, "init"]).exit_code == 0
    store = Store(url)
    actor = system_actor("cli:test")
    report = add_report(store, actor, ReportDraft(title="T", body=TEXT, grading="2BP"))
    mentions_of(store, actor, get_report(store, actor, int(report.id or 0)))
    _age(store, int(report.id or 0))
    store.dispose()

    result = runner.invoke(app, ["--database", url, "extract", "--reprocess", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["reports"] == 1 and summary["version"] == pipeline_version()
    again = runner.invoke(app, ["--database", url, "extract", "--reprocess"])
    assert again.exit_code == 0 and "0 report(s) read again" in again.output
    refused = runner.invoke(app, ["--database", url, "extract", "--reprocess", "x.txt"])
    assert refused.exit_code == 1 and "give no files" in refused.output
