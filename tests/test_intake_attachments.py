"""E-mail attachments kept the old way (plain files under the home, before revision 0014) move
onto the evidence blob store on upgrade, on SQLite and PostgreSQL, losing nothing: every one reads
back byte-identical; a missing or changed file, or a missing key, stops the upgrade before
anything changes."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from drachma.cli.app import app
from drachma.config import EvidenceSettings, load_evidence_settings
from drachma.evidence.blobs import BlobIntegrityError, BlobStore, StoredBlob
from drachma.evidence.keys import KeyFileError, ensure_evidence_keys
from drachma.evidence.locker import open_blob_store
from drachma.evidence.segments import Readable
from drachma.intake.attachments import (
    LegacyAttachmentError,
    attachment_chunks,
    move_legacy_attachments,
    upgrade_keeping_attachments,
)
from drachma.store import intake as intake_store
from drachma.store.db import Store
from drachma.store.migrate import current_revision, head_revision, upgrade
from drachma.store.tables import report_attachments

BEFORE = "0011"  # an old database: attachments were plain files until revision 0014
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class OldAttachment:
    filename: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def stored_path(self) -> str:  # where intake kept it before revision 0014
        return f"attachments/{self.sha256[:2]}/{self.sha256}"


OLD = [
    OldAttachment("notes.txt", b"Meeting arranged at the retail park, 7pm.\n"),
    OldAttachment("screen shot.png", b"\x89PNG\r\n\x1a\n" + os.urandom(3 * 1024 * 1024 + 17)),
    OldAttachment("copy of notes.txt", b"Meeting arranged at the retail park, 7pm.\n"),  # same file
]


def _old_style_database(store: Store, home: Path) -> list[int]:
    """A database at revision 0011 with a report whose attachments are plain files."""
    upgrade(store, BEFORE)
    with store.begin() as conn:
        conn.execute(text(
            "INSERT INTO reports (title, body, received_at, source_kind, grading_source, "
            "grading_intelligence, grading_handling, created_at) VALUES "
            "('Tip-off by e-mail', 'See the attached notes.', :now, 'officer', '2', 'B', 'P', "
            ":now)"), {"now": NOW})
        report_id = conn.execute(text("SELECT max(id) FROM reports")).scalar_one()
        for old in OLD:
            conn.execute(text(
                "INSERT INTO report_attachments (report_id, filename, media_type, size, sha256, "
                "stored_path, created_at) VALUES (:r, :f, 'application/octet-stream', :size, "
                ":sha, :path, :now)"),
                {"r": report_id, "f": old.filename, "size": len(old.data), "sha": old.sha256,
                 "path": old.stored_path, "now": NOW})
        ids = [row.id for row in conn.execute(
            select(report_attachments.c.id).order_by(report_attachments.c.id))]
    for old in OLD:
        path = home / old.stored_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(old.data)
        path.chmod(0o440)
    return ids


def _settings(home: Path) -> EvidenceSettings:
    return load_evidence_settings(home)


def _blob_files(home: Path) -> list[Path]:
    return [p for p in (home / "evidence" / "objects").rglob("*") if p.is_file()]


def test_upgrade_moves_every_old_attachment_into_the_blob_store_byte_identical(
    empty_store: Store, tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    _old_style_database(empty_store, home)
    ensure_evidence_keys(_settings(home))

    outcome = upgrade_keeping_attachments(empty_store, home, _settings(home))

    assert (outcome.before, outcome.after) == (BEFORE, head_revision())
    assert outcome.moved == 3
    assert outcome.moved_bytes == sum(len(o.data) for o in OLD)
    blobs = open_blob_store(_settings(home))
    with empty_store.begin() as conn:
        rows = conn.execute(select(report_attachments).order_by(report_attachments.c.id)).all()
        kept = intake_store.attachments_for_report(conn, rows[0].report_id)
    assert [r.stored_path for r in rows] == [None, None, None]
    assert [b"".join(attachment_chunks(blobs, a)) for a in kept] == [o.data for o in OLD]
    assert not (home / "attachments").exists()  # the plain files are gone
    assert len(_blob_files(home)) == 2  # the two identical files are one blob
    # Encrypted at rest: the plaintext is nowhere in the blob files.
    assert all(OLD[0].data not in p.read_bytes() for p in _blob_files(home))

    again = upgrade_keeping_attachments(empty_store, home, _settings(home))
    assert (again.before, again.after, again.moved) == (head_revision(), head_revision(), 0)


def _unchanged(store: Store, home: Path) -> None:
    assert current_revision(store) == BEFORE
    for old in OLD:
        assert (home / old.stored_path).exists()
    with store.begin() as conn:
        assert all(r.stored_path for r in conn.execute(select(report_attachments)))


def test_a_changed_file_stops_the_upgrade_naming_it_and_nothing_changes(
    empty_store: Store, tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    ids = _old_style_database(empty_store, home)
    ensure_evidence_keys(_settings(home))
    changed = home / OLD[1].stored_path
    changed.chmod(0o640)
    data = bytearray(changed.read_bytes())
    data[1000] ^= 0x01
    changed.write_bytes(bytes(data))

    with pytest.raises(LegacyAttachmentError,
                       match=rf"attachment {ids[1]} \('screen shot.png'\).*SHA-256"):
        upgrade_keeping_attachments(empty_store, home, _settings(home))
    _unchanged(empty_store, home)
    assert _blob_files(home) == []


def test_a_missing_file_stops_the_upgrade_naming_it_and_nothing_changes(
    empty_store: Store, tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    ids = _old_style_database(empty_store, home)
    ensure_evidence_keys(_settings(home))
    (home / OLD[1].stored_path).unlink()

    with pytest.raises(LegacyAttachmentError, match=rf"attachment {ids[1]} .* is missing"):
        upgrade_keeping_attachments(empty_store, home, _settings(home))
    assert current_revision(empty_store) == BEFORE
    assert (home / OLD[0].stored_path).exists()
    assert _blob_files(home) == []


def test_a_missing_master_key_stops_the_upgrade_and_nothing_changes(
    empty_store: Store, tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    _old_style_database(empty_store, home)

    with pytest.raises(KeyFileError, match="no evidence master key"):
        upgrade_keeping_attachments(empty_store, home, _settings(home))
    _unchanged(empty_store, home)


class FailsOnReadBack:
    """A blob store whose read-back of the second blob fails (a bad disk, say)."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner
        self.verified = 0

    def put(self, source: Readable, *, max_bytes: int | None = None) -> StoredBlob:
        return self.inner.put(source, max_bytes=max_bytes)

    def verify(self, sha256: str) -> int:
        self.verified += 1
        if self.verified == 2:
            raise BlobIntegrityError(f"blob {sha256}: segment 3 fails authentication")
        return self.inner.verify(sha256)

    def discard(self, sha256: str) -> None:
        self.inner.discard(sha256)


def test_a_blob_that_does_not_read_back_leaves_every_row_on_its_file_and_no_blob(
    empty_store: Store, tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    _old_style_database(empty_store, home)
    upgrade(empty_store)  # the schema step alone
    ensure_evidence_keys(_settings(home))
    failing = FailsOnReadBack(open_blob_store(_settings(home)))

    with pytest.raises(BlobIntegrityError, match="segment 3"):
        move_legacy_attachments(empty_store, home, failing)  # type: ignore[arg-type]
    for old in OLD:
        assert (home / old.stored_path).read_bytes() == old.data
    with empty_store.begin() as conn:
        assert len(intake_store.legacy_attachments(conn)) == 3
    assert _blob_files(home) == []


def _old_database_for_the_cli(tmp_path: Path, home: Path,
                              monkeypatch: pytest.MonkeyPatch) -> Store:
    """An old-style SQLite database that the ``drachma`` commands use (through the settings)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Store(url)
    _old_style_database(old, home)
    monkeypatch.setenv("DRACHMA_DATABASE_URL", url)
    monkeypatch.setenv("DRACHMA_HOME", str(home))
    return old


def test_drachma_db_upgrade_moves_the_attachments_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    _old_database_for_the_cli(tmp_path, home, monkeypatch).dispose()
    runner = CliRunner()

    missing_key = runner.invoke(app, ["db", "upgrade"])
    assert missing_key.exit_code == 1
    assert "Error: no evidence master key" in missing_key.output

    ensure_evidence_keys(_settings(home))
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"upgraded from {BEFORE} to {head_revision()}" in result.output
    assert "Moved 3 e-mail attachments" in result.output
    assert not (home / "attachments").exists()


def test_drachma_init_on_an_old_database_makes_the_keys_and_moves_the_attachments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / "home"
    old = _old_database_for_the_cli(tmp_path, home, monkeypatch)

    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert "Created the evidence master key" in result.output
    assert "Moved 3 e-mail attachments" in result.output
    blobs = open_blob_store(_settings(home))
    with old.begin() as conn:
        rows = conn.execute(select(report_attachments).order_by(report_attachments.c.id)).all()
    assert [r.stored_path for r in rows] == [None, None, None]
    assert [b"".join(blobs.chunks(r.sha256)) for r in rows] == [o.data for o in OLD]
    old.dispose()
