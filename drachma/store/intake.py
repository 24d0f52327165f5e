"""Ingest runs, their files and failures, and the attachments kept with reports."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, inspect, select, update

from drachma.errors import NotFoundError
from drachma.store.tables import (
    ingest_failures,
    ingest_run_files,
    ingest_runs,
    public_report_files,
    report_attachments,
    reports,
)

RUNNING = "running"
INTERRUPTED = "interrupted"
FINISHED = "finished"


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class IngestRunRecord:
    id: int
    actor_name: str
    paths: list[str]
    options: dict[str, Any]
    status: str
    stored: int
    duplicates: int
    failed: int
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class FileProgress:
    """How far a run got through one file: ``position`` items committed; ``done`` when read."""

    path: str
    position: int
    done: bool
    encoding: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class FailureRecord:
    path: str
    location: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class AttachmentRecord:
    report_id: int
    filename: str
    media_type: str
    size: int
    sha256: str  # the blob store's key for the content
    stored_path: str | None = None  # only for a file kept the old way (before revision 0014)
    id: int | None = None


def create_run(conn: Connection, *, actor_id: int | None, actor_name: str, paths: Sequence[str],
               options: dict[str, Any], now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    result = conn.execute(
        insert(ingest_runs)
        .values(actor_id=actor_id, actor_name=actor_name[:64], paths=json.dumps(list(paths)),
                options=json.dumps(options, sort_keys=True), status=RUNNING, stored=0,
                duplicates=0, failed=0, started_at=now, updated_at=now)
        .returning(ingest_runs.c.id)
    )
    return int(result.scalar_one())


def get_run(conn: Connection, run_id: int) -> IngestRunRecord | None:
    row = conn.execute(select(ingest_runs).where(ingest_runs.c.id == run_id)).first()
    if row is None:
        return None
    started = _aware(row.started_at)
    assert started is not None
    return IngestRunRecord(
        id=row.id, actor_name=row.actor_name, paths=json.loads(row.paths),
        options=json.loads(row.options), status=row.status, stored=row.stored,
        duplicates=row.duplicates, failed=row.failed, started_at=started,
        finished_at=_aware(row.finished_at),
    )


def set_status(conn: Connection, run_id: int, status: str, *, finished: bool = False) -> None:
    now = datetime.now(UTC)
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if finished:
        values["finished_at"] = now
    conn.execute(update(ingest_runs).where(ingest_runs.c.id == run_id).values(**values))


def add_counts(conn: Connection, run_id: int, *, stored: int, duplicates: int, failed: int) -> None:
    conn.execute(
        update(ingest_runs)
        .where(ingest_runs.c.id == run_id)
        .values(stored=ingest_runs.c.stored + stored,
                duplicates=ingest_runs.c.duplicates + duplicates,
                failed=ingest_runs.c.failed + failed, updated_at=datetime.now(UTC))
    )


def file_progress(conn: Connection, run_id: int, path: str) -> FileProgress | None:
    row = conn.execute(
        select(ingest_run_files).where(ingest_run_files.c.run_id == run_id,
                                       ingest_run_files.c.path == path)
    ).first()
    if row is None:
        return None
    return FileProgress(row.path, row.position, bool(row.done), row.encoding, row.error)


def has_files(conn: Connection, run_id: int) -> bool:
    return conn.execute(
        select(ingest_run_files.c.id).where(ingest_run_files.c.run_id == run_id).limit(1)
    ).first() is not None


def save_file_progress(conn: Connection, run_id: int, progress: Iterable[FileProgress]) -> None:
    for item in progress:
        values = {"position": item.position, "done": item.done, "encoding": item.encoding,
                  "error": item.error}
        changed = conn.execute(
            update(ingest_run_files)
            .where(ingest_run_files.c.run_id == run_id, ingest_run_files.c.path == item.path)
            .values(**values)
        ).rowcount
        if not changed:
            conn.execute(insert(ingest_run_files).values(run_id=run_id, path=item.path, **values))


def insert_failures(conn: Connection, run_id: int, failures: Sequence[FailureRecord]) -> None:
    if not failures:
        return
    now = datetime.now(UTC)
    conn.execute(
        insert(ingest_failures),
        [{"run_id": run_id, "path": f.path, "location": (f.location or None) and f.location[:64],
          "reason": f.reason, "at": now} for f in failures],
    )


def failures_for_run(conn: Connection, run_id: int, *, limit: int = 1000) -> list[FailureRecord]:
    rows = conn.execute(
        select(ingest_failures.c.path, ingest_failures.c.location, ingest_failures.c.reason)
        .where(ingest_failures.c.run_id == run_id)
        .order_by(ingest_failures.c.id)
        .limit(limit)
    )
    return [FailureRecord(r.path, r.location, r.reason) for r in rows]


def ids_for_hashes(conn: Connection, hashes: Sequence[str]) -> dict[str, int]:
    """Stored reports among these content hashes: hash -> report id."""
    found: dict[str, int] = {}
    for start in range(0, len(hashes), 500):
        chunk = list(hashes[start:start + 500])
        rows = conn.execute(
            select(reports.c.content_hash, reports.c.id).where(reports.c.content_hash.in_(chunk))
        )
        found.update({str(h): int(i) for h, i in rows})
    return found


def insert_attachments(conn: Connection, records: Sequence[AttachmentRecord]) -> None:
    if not records:
        return
    now = datetime.now(UTC)
    conn.execute(
        insert(report_attachments),
        [{"report_id": a.report_id, "filename": a.filename, "media_type": a.media_type[:255],
          "size": a.size, "sha256": a.sha256, "stored_path": a.stored_path, "created_at": now}
         for a in records],
    )


def attachments_for_report(conn: Connection, report_id: int) -> list[AttachmentRecord]:
    rows = conn.execute(
        select(report_attachments)
        .where(report_attachments.c.report_id == report_id)
        .order_by(report_attachments.c.id)
    )
    return [_attachment(r) for r in rows]


# --- attachments in the blob store (revision 0014) ----------------------------------------------


def legacy_attachments(conn: Connection) -> list[AttachmentRecord]:
    """Attachments still kept as plain files under the home (none on a fresh database)."""
    if not inspect(conn).has_table("report_attachments"):
        return []
    rows = conn.execute(
        select(report_attachments)
        .where(report_attachments.c.stored_path.is_not(None))
        .order_by(report_attachments.c.id)
    )
    return [_attachment(r) for r in rows]


def mark_attachments_in_blobs(conn: Connection, ids: Sequence[int]) -> None:
    """These attachments' content is now in the blob store under their SHA-256."""
    for start in range(0, len(ids), 500):
        conn.execute(
            update(report_attachments)
            .where(report_attachments.c.id.in_(ids[start:start + 500]))
            .values(stored_path=None)
        )


def attachment(conn: Connection, attachment_id: int) -> AttachmentRecord:
    row = conn.execute(
        select(report_attachments).where(report_attachments.c.id == attachment_id)).first()
    if row is None:
        raise NotFoundError(f"no attachment {attachment_id}", field="attachment_id")
    return _attachment(row)


def _attachment(row: Row[Any]) -> AttachmentRecord:
    return AttachmentRecord(row.report_id, row.filename, row.media_type, row.size, row.sha256,
                            row.stored_path, row.id)


def plain_files_in_use(conn: Connection, paths: Sequence[str]) -> set[str]:
    """Which of these plain-file paths (relative to the home) another table still points at:
    public reports' screenshots share the same content-addressed folder."""
    if not paths or not inspect(conn).has_table("public_report_files"):
        return set()
    used: set[str] = set()
    for start in range(0, len(paths), 500):
        used.update(conn.execute(
            select(public_report_files.c.stored_path)
            .where(public_report_files.c.stored_path.in_(paths[start:start + 500]))).scalars())
    return used
