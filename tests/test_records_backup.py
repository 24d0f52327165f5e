"""``drachma backup`` / ``drachma restore`` on SQLite and PostgreSQL: a backup taken while reports
are being written restores elsewhere with the same reports and audit log and a locker that
verifies; a damaged, partial or cut-short backup, or a non-empty target, is refused with the
reason and changes nothing."""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from drachma.access.actor import Actor
from drachma.config import Settings
from drachma.evidence.custody import make_checkpoint
from drachma.evidence.exhibits import Handover, add_exhibits, add_producer
from drachma.evidence.locker import locker_in, open_locker
from drachma.evidence.verify import verify_locker
from drachma.intake.ingest import keep_attachment
from drachma.model.roles import Role
from drachma.records.backup import (
    MANIFEST,
    DamagedBackupError,
    NotEmptyError,
    backup,
    check_backup,
    restore,
)
from drachma.reports import ReportDraft, add_report
from drachma.store import backup as backup_store
from drachma.store.db import Store
from drachma.store.tables import audit_events, reports
from tests.conftest import POSTGRES_URL, ActorFactory

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17) + b"invented test image"


def settings(store: Store, home: Path) -> Settings:
    return Settings(database_url=store.url, home=home, secure_cookies=False, session_hours=10)


@pytest.fixture
def empty_target(store: Store, tmp_path: Path) -> Iterator[Store]:
    """An empty installation of the same kind: a new SQLite file, or a new PostgreSQL database
    holding only an empty schema of the same name as the source's."""
    if store.is_sqlite:
        target = Store(f"sqlite:///{tmp_path / 'restored' / 'drachma.db'}")
        yield target
        target.dispose()
        return
    schema = backup_store.current_schema(store)
    name = f"r_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name)
    made = create_engine(url)
    with made.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    made.dispose()
    target = Store(url.update_query_dict({"options": f"-csearch_path={schema}"})
                   .render_as_string(hide_password=False))
    try:
        yield target
    finally:
        target.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def rows(store: Store, table: Any) -> list[tuple[Any, ...]]:
    with store.begin() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]


def fill(store: Store, actor: Actor, home: Path) -> None:
    for n in range(3):
        add_report(store, actor, ReportDraft(title=f"Stream {n} in Leeds",
                                             body=f"Invented account number {n}.", grading="2BP"))
    locker = locker_in(home)
    add_producer(store, actor, "JS", "Jo Sands")
    path = home.parent / "in" / "screenshot.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PNG)
    add_exhibits(store, actor, locker, [path], Handover(
        producer="JS", received_from="Northfield Watch (group)", reason="handed over",
        received_place="Leeds Central"))
    make_checkpoint(store, locker)
    keep_attachment(home, b"an invented attachment")


def test_a_backup_taken_during_writes_restores_elsewhere_and_verifies(
        store: Store, empty_target: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    actor = make_actor(Role.INVESTIGATOR)
    home = tmp_path / "home"
    fill(store, actor, home)
    before = len(rows(store, reports))
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        while not stop.is_set():
            report = add_report(store, actor, ReportDraft(
                title=f"Written during backup {len(written)}",
                body=f"Invented text {len(written)}.", grading="2BP"))
            written.append(int(report.id or 0))
            first.set()

    first = threading.Event()
    thread = threading.Thread(target=writer)
    thread.start()
    assert first.wait(30)
    try:
        result = backup(store, settings(store, home), tmp_path / "backup")
    finally:
        stop.set()
        thread.join(timeout=60)
    assert result.files >= 5
    check_backup(tmp_path / "backup")

    target_home = tmp_path / "target-home"
    restore(empty_target, settings(empty_target, target_home), tmp_path / "backup")

    restored, source = rows(empty_target, reports), rows(store, reports)
    assert before <= len(restored) <= len(source)
    assert restored == source[:len(restored)]  # a consistent snapshot: a prefix, none half-done
    restored_audit, source_audit = rows(empty_target, audit_events), rows(store, audit_events)
    restored_event = dict(zip(audit_events.c.keys(), restored_audit.pop(), strict=True))
    assert restored_audit and restored_audit == source_audit[:len(restored_audit)]
    # Both are audited: the backup in the source's log, the restore in the restored log.
    assert (restored_event["action"], restored_event["record_kind"]) == ("change", "backup")
    made = [dict(zip(audit_events.c.keys(), r, strict=True)) for r in source_audit]
    assert [(m["action"], m["record_id"]) for m in made if m["record_kind"] == "backup"] == [
        ("create", "backup")]
    locker = open_locker(settings(empty_target, target_home).evidence_settings())
    report = verify_locker(empty_target, locker)
    assert report.ok and report.exhibits == 1 and report.checkpoints == 1
    assert list((target_home / "attachments").rglob("*"))


@pytest.fixture
def made_backup(store: Store, make_actor: ActorFactory, tmp_path: Path) -> Path:
    fill(store, make_actor(Role.INVESTIGATOR), tmp_path / "home")
    backup(store, settings(store, tmp_path / "home"), tmp_path / "backup")
    return tmp_path / "backup"


def _remove_a_blob(src: Path) -> str:
    victim = next(p for p in (src / "files" / "evidence").rglob("*") if p.is_file())
    victim.unlink()
    return "missing from the backup"


def _alter_the_database(src: Path) -> str:
    victim = next(p for p in src.glob("database.*"))
    with open(victim, "r+b") as handle:
        handle.seek(100)
        handle.write(b"X")
    return "does not match its SHA-256"


def _truncate_the_manifest(src: Path) -> str:
    lines = (src / MANIFEST).read_text().splitlines()
    (src / MANIFEST).write_text("\n".join(lines[:-1]) + "\n")
    return "truncated"


def _cut_the_last_line(src: Path) -> str:
    data = (src / MANIFEST).read_bytes()
    (src / MANIFEST).write_bytes(data[:-20])
    return "truncated"


def _no_manifest(src: Path) -> str:
    (src / MANIFEST).unlink()
    return "never finished"


def _an_extra_file(src: Path) -> str:
    (src / "files" / "planted.txt").write_text("not part of the backup")
    return "not in MANIFEST"


@pytest.mark.parametrize("damage", [_remove_a_blob, _alter_the_database, _truncate_the_manifest,
                                    _cut_the_last_line, _no_manifest, _an_extra_file])
def test_a_damaged_or_partial_backup_is_refused_with_the_reason_and_nothing_changes(
        made_backup: Path, empty_target: Store, tmp_path: Path, damage: Any) -> None:
    reason = damage(made_backup)
    target_home = tmp_path / "target-home"
    with pytest.raises(DamagedBackupError, match=reason):
        restore(empty_target, settings(empty_target, target_home), made_backup)
    assert backup_store.table_names(empty_target) == []
    assert not target_home.exists()


def test_restore_refuses_an_installation_that_already_holds_data(
        store: Store, made_backup: Path, tmp_path: Path) -> None:
    before = rows(store, reports)
    with pytest.raises(NotEmptyError, match="already has tables"):
        restore(store, settings(store, tmp_path / "other-home"), made_backup)
    assert rows(store, reports) == before


def test_restore_refuses_leftover_key_files(
        made_backup: Path, empty_target: Store, tmp_path: Path) -> None:
    target_home = tmp_path / "target-home"
    locker_in(target_home)  # keys made, as 'drachma init' would
    with pytest.raises(NotEmptyError, match="already exists"):
        restore(empty_target, settings(empty_target, target_home), made_backup)
    assert backup_store.table_names(empty_target) == []


def test_backup_refuses_a_folder_that_is_not_empty(store: Store, made_backup: Path,
                                                   tmp_path: Path) -> None:
    from drachma.records.backup import BackupError

    with pytest.raises(BackupError, match="not an empty folder"):
        backup(store, settings(store, tmp_path / "home"), made_backup)


def test_a_missing_pg_dump_is_a_clear_error(store: Store, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    if store.is_sqlite:
        pytest.skip("SQLite needs no outside tool")
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(backup_store.DatabaseCopyError, match="pg_dump is not on PATH"):
        backup(store, settings(store, tmp_path / "home"), tmp_path / "backup")


# --- the command line ---


def test_the_commands_back_up_restore_and_refuse_with_an_error_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from drachma.cli.app import app

    runner = CliRunner()
    for name in ("DRACHMA_EVIDENCE_DIR", "DRACHMA_EVIDENCE_MASTER_KEY",
                 "DRACHMA_EVIDENCE_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRACHMA_HOME", str(tmp_path / "home"))
    source = f"sqlite:///{tmp_path / 'home' / 'drachma.db'}"
    assert runner.invoke(app, ["--database", source, "init"]).exit_code == 0
    done = runner.invoke(app, ["--database", source, "backup", str(tmp_path / "b")])
    assert done.exit_code == 0, done.output
    assert "sha256sum -c MANIFEST.sha256" in " ".join(done.output.split())

    monkeypatch.setenv("DRACHMA_HOME", str(tmp_path / "new"))
    target = f"sqlite:///{tmp_path / 'new' / 'drachma.db'}"
    done = runner.invoke(app, ["--database", target, "restore", str(tmp_path / "b")])
    assert done.exit_code == 0, done.output
    assert "The search index was rebuilt (0 reports)" in " ".join(done.output.split())
    assert (tmp_path / "new" / "keys" / "evidence-master.key").stat().st_mode & 0o077 == 0
    again = runner.invoke(app, ["--database", target, "restore", str(tmp_path / "b")])
    assert again.exit_code == 1
    said = " ".join(again.output.split())
    assert "Error: restore needs an empty installation" in said


def test_a_restore_rebuilds_the_search_index_from_the_restored_reports(
        store: Store, empty_target: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    """The database is lost but its search index folder survives (it was not backed up): the
    restore rebuilds it, so a search finds the restored reports and none written after the
    backup, and says how many it ranked truly."""
    from drachma.store import search_index
    from drachma.store.reports import Visibility
    from drachma.store.search import search

    officer = make_actor(Role.OFFICER)
    for n in range(3):
        add_report(store, officer, ReportDraft(title=f"Stream {n} in Harrogate",
                                               body=f"Invented account {n}.", grading="2BP"))
    analyst = Visibility(Role.ANALYST, False)

    def found(where: Store, query: str) -> tuple[list[str], int]:
        with where.begin() as conn:
            result = search(conn, query, analyst)
        return sorted(h.report.title for h in result.hits), result.ranked

    assert found(store, "Harrogate")[1] == 3  # the index is built and current
    backup(store, settings(store, tmp_path / "home"), tmp_path / "backup")
    add_report(store, officer, ReportDraft(title="Stream after the backup in Harrogate",
                                           body="Invented quokka account.", grading="2BP"))
    assert found(store, "quokka")[1] == 1  # the surviving index holds it

    # The restored installation finds the index where the lost one kept it.
    search_index.pin_index_path(empty_target.engine, search_index.index_for(store.engine).path)
    info = restore(empty_target, settings(empty_target, tmp_path / "target-home"),
                   tmp_path / "backup")
    assert found(empty_target, "Harrogate") == (
        ["Stream 0 in Harrogate", "Stream 1 in Harrogate", "Stream 2 in Harrogate"], 3)
    assert found(empty_target, "quokka") == ([], 0)
    assert info["search_index"] == 3
