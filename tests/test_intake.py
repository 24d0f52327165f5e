"""Bulk intake into the store (SQLite and PostgreSQL): formats, duplicates, bad files, attachments,
audit, interruption and resume, uploads, and flat memory."""

from __future__ import annotations

import hashlib
import shutil
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select

from drachma.access.actor import Actor, system_actor
from drachma.config import load_evidence_settings
from drachma.errors import GradingError, PermissionDenied, ValidationError
from drachma.evidence.keys import KeyFileError, ensure_evidence_keys
from drachma.evidence.locker import open_blob_store
from drachma.intake.attachments import attachment_chunks
from drachma.intake.ingest import (
    IngestCounts,
    IngestListener,
    IngestOptions,
    ItemOutcome,
    ingest_paths,
    ingest_upload,
    options_from_cli,
    resume_run,
)
from drachma.intake.readers import Origin
from drachma.model.roles import Role
from drachma.store import intake as intake_store
from drachma.store.audit import AuditFilters, count
from drachma.store.db import Store
from drachma.store.reports import get_report
from drachma.store.tables import report_attachments, reports
from tests.conftest import ActorFactory

FIXTURES = Path(__file__).parent / "fixtures" / "intake"
ACTOR = system_actor("cli:tester")


def report_count(store: Store) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


def hashes_unique(store: Store) -> bool:
    with store.begin() as conn:
        total = conn.execute(select(func.count(reports.c.content_hash))).scalar_one()
        distinct = conn.execute(select(func.count(func.distinct(reports.c.content_hash))))
        return bool(total == distinct.scalar_one())


def bodies(store: Store) -> set[str]:
    with store.begin() as conn:
        return set(conn.execute(select(reports.c.body)).scalars())


def write_csv(path: Path, rows: int, start: int = 0) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("title,text,received\n")
        for n in range(start, start + rows):
            handle.write(f"Item {n},Invented report number {n} about a group stream,"
                         f"{1 + n % 28:02d}/01/2024\n")
    return path



@pytest.fixture(autouse=True)
def evidence_keys(tmp_path: Path) -> None:
    """E-mail attachments go into the evidence blob store: the homes these tests use have keys
    (``drachma init`` makes them)."""
    for home in (tmp_path, tmp_path / "home"):
        ensure_evidence_keys(load_evidence_settings(home))


def test_every_fixture_format_is_stored_with_grading_kind_and_dates(
    store: Store, tmp_path: Path,
) -> None:
    result = ingest_paths(store, ACTOR, [FIXTURES], IngestOptions(grading="2CP"),
                          home=tmp_path / "home")
    # article 1 + articles 2 + incidents 3 + note 1 + posts 3 (+1 bad line) + e-mail 1
    assert result.counts.as_dict() == {"stored": 11, "duplicates": 0, "failed": 1}
    assert [f.describe() for f in result.failures] == [
        f"{FIXTURES}/posts.jsonl line 3: invalid JSON at column 29: Unterminated string "
        "starting at"]
    with store.begin() as conn:
        rows = {r.title: r for r in conn.execute(select(reports))}
    article = rows["Man arrested after group confrontation in Rochdale"]
    assert article.source_kind == "news" and str(article.occurred_on) == "2024-03-14"
    assert (article.grading_source, article.grading_intelligence,
            article.grading_handling) == ("2", "C", "P")
    assert rows["Stream in Oldham"].grading_intelligence == "B"  # per-row grading column
    assert rows["Leaflet"].source_kind == "officer"  # per-row source kind column
    assert rows["Sting, Bury"].source_kind == "public"  # default for items with no hint
    restricted = rows["Appeal for calm"]
    assert restricted.grading_handling == "C"
    assert restricted.handling_conditions == "Not for onward sharing"
    with store.begin() as conn:
        report = get_report(conn, restricted.id)
    assert report is not None
    assert {r.value for r in report.visible_to} == {"analyst", "investigator", "supervisor"}
    email_row = rows["Live stream outside the Co-op on Yorkshire Street"]
    assert email_row.source_kind == "public"
    assert email_row.received_at.date().isoformat() == "2024-03-12"
    assert "Café owner said “they filmed him”" in rows[
        "Café owner said “they filmed him” – about 20 people."].body


def test_run_option_source_kind_beats_reader_hint_but_not_a_row_column(
    store: Store, tmp_path: Path,
) -> None:
    ingest_paths(store, ACTOR, [FIXTURES / "article.html", FIXTURES / "incidents.csv"],
                 IngestOptions(source_kind="foi"), home=tmp_path)
    with store.begin() as conn:
        kinds = dict(conn.execute(select(reports.c.title, reports.c.source_kind)).all())
    assert kinds["Man arrested after group confrontation in Rochdale"] == "foi"
    assert kinds["Sting, Bury"] == "foi"
    assert kinds["Leaflet"] == "officer"


def test_email_attachments_are_kept_in_the_blob_store_under_their_hash(
    store: Store, tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    ingest_paths(store, ACTOR, [FIXTURES / "tip-off.eml"], home=home)
    with store.begin() as conn:
        rows = conn.execute(select(report_attachments).order_by(report_attachments.c.id)).all()
    assert [(r.filename, r.media_type) for r in rows] == [
        ("notes.txt", "text/plain"), ("screen shot.png", "image/png")]
    blobs = open_blob_store(load_evidence_settings(home))
    for row in rows:
        assert row.stored_path is None  # no plain file: the blob store holds it
        data = b"".join(blobs.chunks(row.sha256))
        assert hashlib.sha256(data).hexdigest() == row.sha256
        assert len(data) == row.size
    assert not (home / "attachments").exists()
    with store.begin() as conn:
        listed = intake_store.attachments_for_report(conn, rows[0].report_id)
    assert [a.filename for a in listed] == ["notes.txt", "screen shot.png"]
    assert b"".join(attachment_chunks(blobs, listed[0])) == b"".join(blobs.chunks(rows[0].sha256))


def test_email_attachments_without_the_master_key_are_a_clear_error_and_store_nothing(
    store: Store, tmp_path: Path,
) -> None:
    with pytest.raises(KeyFileError, match="master key"):
        ingest_paths(store, ACTOR, [FIXTURES / "tip-off.eml"], home=tmp_path / "keyless")
    with store.begin() as conn:
        assert conn.execute(select(func.count()).select_from(report_attachments)).scalar() == 0


def test_same_content_twice_is_counted_as_duplicate_not_stored(
    store: Store, tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Same text about a stream in Bolton.")
    (folder / "b.txt").write_text("  same TEXT about a stream\r\nin Bolton.  ")  # same content
    (folder / "c.txt").write_text("Different text.")
    first = ingest_paths(store, ACTOR, [folder], home=tmp_path)
    assert first.counts.as_dict() == {"stored": 2, "duplicates": 1, "failed": 0}
    again = ingest_paths(store, ACTOR, [folder], home=tmp_path)
    assert again.counts.as_dict() == {"stored": 0, "duplicates": 3, "failed": 0}
    assert report_count(store) == 2 and hashes_unique(store)


def test_a_force_column_is_stored_under_the_canonical_force_and_a_bad_one_fails_its_row(
    store: Store, tmp_path: Path,
) -> None:
    sheet = tmp_path / "forces.csv"
    sheet.write_text(
        "Report text,Police force\n"
        "A stream outside a Rochdale shop.,GMP\n"
        "A stream somewhere else.,Narnia Constabulary\n",
        encoding="utf-8",
    )
    result = ingest_paths(store, ACTOR, [sheet], home=tmp_path)
    assert result.counts.as_dict() == {"stored": 1, "duplicates": 0, "failed": 1}
    assert "Narnia Constabulary" in result.failures[0].reason
    with store.begin() as conn:
        forces = conn.execute(select(reports.c.force)).scalars().all()
    assert forces == ["greater-manchester"]


def test_bad_files_are_named_skipped_and_the_rest_stored(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("A readable report.")
    (folder / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (folder / "random.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "cut.json").write_bytes(b'[{"text": "kept before the cut"}, {"text": "lo')
    sparse = folder / "huge.dat"
    with sparse.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    started = time.perf_counter()
    result = ingest_paths(store, ACTOR, [folder], home=tmp_path)
    assert time.perf_counter() - started < 10  # the 200 MB file is not read to be refused
    reasons = {Path(f.file).name: f.reason for f in result.failures}
    assert set(reasons) == {"photo.txt", "random.bin", "empty.txt", "cut.json", "huge.dat"}
    assert "PNG" in reasons["photo.txt"]
    assert "NUL" in reasons["huge.dat"] and "NUL" in reasons["random.bin"]
    assert reasons["empty.txt"] == "empty file"
    assert "truncated JSON" in reasons["cut.json"]
    assert result.counts.as_dict() == {"stored": 2, "duplicates": 0, "failed": 5}
    assert bodies(store) == {"A readable report.", "kept before the cut"}
    with store.begin() as conn:
        stored = intake_store.failures_for_run(conn, result.run_id)
    assert len(stored) == 5


def test_bad_options_fail_before_anything_is_stored(store: Store, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("text")
    with pytest.raises(GradingError, match="source evaluation '9'"):
        ingest_paths(store, ACTOR, [tmp_path / "a.txt"], IngestOptions(grading="9ZP"))
    with pytest.raises(GradingError, match="conditions"):
        ingest_paths(store, ACTOR, [tmp_path / "a.txt"], IngestOptions(grading="2BC"))
    with pytest.raises(ValidationError, match="--visible-to"):
        ingest_paths(store, ACTOR, [tmp_path / "a.txt"],
                     IngestOptions(grading="2BC", conditions="no sharing"))
    with pytest.raises(ValidationError, match="no such file or folder"):
        ingest_paths(store, ACTOR, [tmp_path / "missing.txt"])
    with pytest.raises(ValidationError, match="unknown source kind"):
        options_from_cli(source_kind="tabloid")
    with pytest.raises(ValidationError, match="unknown format"):
        options_from_cli(fmt="docx")
    assert report_count(store) == 0


def test_roles_without_ingest_permission_are_refused(
    store: Store, make_actor: ActorFactory, tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text("text")
    with pytest.raises(PermissionDenied):
        ingest_paths(store, make_actor(Role.OFFICER), [tmp_path / "a.txt"])
    analyst = make_actor(Role.ANALYST)
    result = ingest_paths(store, analyst, [tmp_path / "a.txt"], home=tmp_path)
    assert result.counts.stored == 1
    with store.begin() as conn:
        row = conn.execute(select(reports.c.created_by)).one()
    assert row.created_by == analyst.user.id


def test_each_stored_report_is_audited_with_its_run_and_origin(
    store: Store, tmp_path: Path,
) -> None:
    result = ingest_paths(store, ACTOR, [FIXTURES / "incidents.csv"], home=tmp_path)
    with store.begin() as conn:
        from drachma.store.audit import query

        created = query(conn, AuditFilters(action="create", record_kind="report"))
        runs = count(conn, AuditFilters(record_kind="ingest_run"))
    assert len(created) == 3
    assert {e.actor_name for e in created} == {"cli:tester"}
    assert {e.detail["ingest_run"] for e in created} == {str(result.run_id)}
    assert sorted(e.detail["origin"].rsplit(" ", 1)[-1] for e in created) == ["2", "4", "5"]
    assert runs == 2  # created, then finished


class Crash(Exception):
    """Stands for the process dying half way through."""


class CrashAfter(IngestListener):
    def __init__(self, items: int) -> None:
        self.left = items
        self.run_id: int | None = None

    def started(self, run_id: int, total_bytes: int | None) -> None:
        self.run_id = run_id

    def item_read(self, origin: Origin) -> None:
        self.left -= 1
        if self.left < 0:
            raise Crash(origin.describe())


def test_interrupted_run_resumes_without_duplicates_or_losses(
    store: Store, tmp_path: Path,
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "big.csv", 1000)
    for n in range(25):
        (folder / f"note-{n:02d}.txt").write_text(f"Separate note {n}")
    (folder / "zz-bad.txt").write_bytes(b"\x00\x01")
    options = IngestOptions(batch_size=100)
    crash = CrashAfter(450)
    with pytest.raises(Crash):
        ingest_paths(store, ACTOR, [folder], options, listener=crash, home=tmp_path)
    assert crash.run_id is not None
    with store.begin() as conn:
        run = intake_store.get_run(conn, crash.run_id)
    assert run is not None and run.status == "interrupted"
    # Whole batches only (the folder is read in the file system's order, so the bad file may be
    # among them); the half batch was rolled back.
    assert run.stored + run.failed == 400
    assert report_count(store) == run.stored

    # A second crash while resuming, then a resume that finishes.
    with pytest.raises(Crash):
        resume_run(store, ACTOR, crash.run_id, listener=CrashAfter(320), home=tmp_path)
    with store.begin() as conn:
        run = intake_store.get_run(conn, crash.run_id)
    assert run is not None and run.stored + run.failed == 700
    assert report_count(store) == run.stored
    result = resume_run(store, ACTOR, crash.run_id, home=tmp_path)
    assert result.finished and result.resumed
    assert result.totals.as_dict() == {"stored": 1025, "duplicates": 0, "failed": 1}
    assert report_count(store) == 1025 and hashes_unique(store)
    expected = {f"Invented report number {n} about a group stream" for n in range(1000)}
    expected |= {f"Separate note {n}" for n in range(25)}
    assert bodies(store) == expected
    # Resuming a finished run does nothing.
    assert resume_run(store, ACTOR, crash.run_id).counts.read == 0


def test_rerunning_the_same_command_after_a_crash_skips_what_was_stored(
    store: Store, tmp_path: Path,
) -> None:
    source = write_csv(tmp_path / "rows.csv", 500)
    with pytest.raises(Crash):
        ingest_paths(store, ACTOR, [source], IngestOptions(batch_size=64),
                     listener=CrashAfter(300), home=tmp_path)
    committed = report_count(store)
    assert committed == 256
    result = ingest_paths(store, ACTOR, [source], IngestOptions(batch_size=64), home=tmp_path)
    assert result.counts.as_dict() == {"stored": 500 - committed, "duplicates": committed,
                                       "failed": 0}
    assert report_count(store) == 500 and hashes_unique(store)


def test_resume_of_an_unknown_run_is_a_clear_error(store: Store) -> None:
    from drachma.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no ingest run 999"):
        resume_run(store, ACTOR, 999)


class Outcomes(IngestListener):
    def __init__(self) -> None:
        self.seen: list[ItemOutcome] = []

    def committed(self, outcomes: Sequence[ItemOutcome], totals: IngestCounts) -> None:
        self.seen.extend(outcomes)


def test_upload_of_one_file_returns_the_reports_and_duplicates(
    store: Store, make_actor: ActorFactory, tmp_path: Path,
) -> None:
    analyst: Actor = make_actor(Role.ANALYST)
    data = (FIXTURES / "incidents.csv").read_bytes()
    first = ingest_upload(store, analyst, "../../incidents.csv", data,
                          IngestOptions(grading="3DP"), home=tmp_path)
    assert first.filename == "incidents.csv"
    assert len(first.stored) == 3 and first.duplicates == [] and first.failures == []
    again = ingest_upload(store, analyst, "incidents.csv", data, home=tmp_path)
    assert again.stored == [] and sorted(again.duplicates) == sorted(first.stored)
    bad = ingest_upload(store, analyst, "x.pdf", b"%PDF-1.4 ...", home=tmp_path)
    assert bad.stored == [] and "PDF" in bad.failures[0].reason
    email = ingest_upload(store, analyst, "tip.eml", (FIXTURES / "tip-off.eml").read_bytes(),
                          home=tmp_path)
    with store.begin() as conn:
        kept = intake_store.attachments_for_report(conn, email.stored[0])
    assert len(kept) == 2
    with pytest.raises(ValidationError, match="upload"):
        with store.begin() as conn:
            intake_store.set_status(conn, bad.run_id, "interrupted")
        resume_run(store, analyst, bad.run_id)


def test_folder_of_files_streams_in_batches_and_reports_outcomes(
    store: Store, tmp_path: Path,
) -> None:
    folder = tmp_path / "deep"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "secret.txt").write_text("not read")
    for n in range(12):
        sub = folder / ("a" if n % 2 else "a/b")
        (sub / f"{n}.txt").write_text(f"nested report {n}")
    shutil.copy(FIXTURES / "article.html", folder / "a" / "page.htm")
    listener = Outcomes()
    result = ingest_paths(store, ACTOR, [folder], IngestOptions(batch_size=5),
                          listener=listener, home=tmp_path)
    assert result.counts.stored == 13
    assert len(listener.seen) == 13 and {o.status for o in listener.seen} == {"stored"}
    assert "not read" not in bodies(store)


def _peak_for_rows(store: Store, tmp_path: Path, rows: int, start: int, batch: int) -> int:
    source = write_csv(tmp_path / f"rows-{rows}.csv", rows, start)
    tracemalloc.start()
    try:
        result = ingest_paths(store, ACTOR, [source], IngestOptions(batch_size=batch),
                              home=tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.counts.stored == rows
    return peak


def _assert_flat(store: Store, tmp_path: Path, rows: int, batch: int) -> None:
    small = _peak_for_rows(store, tmp_path, rows // 10, 0, batch)
    large = _peak_for_rows(store, tmp_path, rows, 10_000_000, batch)
    # Ten times the rows, about the same peak: only one batch is ever held.
    print(f"tracemalloc peak: {small / 2**20:.1f} MB at {rows // 10:,} rows, "
          f"{large / 2**20:.1f} MB at {rows:,} rows")
    assert large < small * 1.3 + 1024 * 1024, (small, large)


def test_memory_stays_flat_as_the_input_grows(sqlite_store: Store, tmp_path: Path) -> None:
    _assert_flat(sqlite_store, tmp_path, 3_000, batch=100)


@pytest.mark.slow
def test_memory_stays_flat_at_20000_rows(sqlite_store: Store, tmp_path: Path) -> None:
    _assert_flat(sqlite_store, tmp_path, 20_000, batch=500)


def test_the_encoding_used_is_recorded_with_the_report(store: Store, tmp_path: Path) -> None:
    result = ingest_paths(store, ACTOR, [FIXTURES / "note-cp1252.txt"], home=tmp_path)
    with store.begin() as conn:
        from drachma.store.audit import query

        [event] = query(conn, AuditFilters(action="create", record_kind="report"))
        runs = intake_store.get_run(conn, result.run_id)
    assert event.detail["encoding"] == "cp1252"
    assert runs is not None and runs.status == "finished" and runs.finished_at is not None
    assert runs.options["grading"] == "2CP"


def test_a_reader_that_trips_fails_only_its_file(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from drachma.intake.readers import html as html_reader

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("parser fell over")

    monkeypatch.setattr(html_reader.trafilatura, "bare_extraction", broken)
    (tmp_path / "ok.txt").write_text("Still stored.")
    shutil.copy(FIXTURES / "article.html", tmp_path / "page.html")
    result = ingest_paths(store, ACTOR, [tmp_path / "page.html", tmp_path / "ok.txt"],
                          home=tmp_path)
    assert result.counts.as_dict() == {"stored": 1, "duplicates": 0, "failed": 1}
    assert result.failures[0].reason == "cannot be read (RuntimeError: parser fell over)"
