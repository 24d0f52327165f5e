"""The public reporting triage queue: submissions from ``/public/report`` and their screenshots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from drachma.store.tables import public_report_files, public_reports

UNGRADED = "ungraded"
GRADED = "graded"


@dataclass(frozen=True, slots=True)
class PublicFile:
    filename: str
    media_type: str
    size: int
    sha256: str
    stored_path: str


@dataclass(slots=True)
class PublicSubmission:
    """One submission as stored. Contact fields are None unless the person consented."""

    reference: str
    concern: str
    what_happened: str
    when_text: str
    where_text: str
    platform: str
    links: str
    consent: bool
    received_at: datetime
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    status: str = UNGRADED
    report_id: int | None = None
    graded_at: datetime | None = None
    files: list[PublicFile] = field(default_factory=list)
    id: int | None = None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _submission(row: Any) -> PublicSubmission:
    return PublicSubmission(
        id=row.id, reference=row.reference, concern=row.concern,
        what_happened=row.what_happened, when_text=row.when_text, where_text=row.where_text,
        platform=row.platform, links=row.links, consent=bool(row.consent),
        received_at=_aware(row.received_at) or datetime.now(UTC),
        contact_name=row.contact_name, contact_email=row.contact_email,
        contact_phone=row.contact_phone, status=row.status, report_id=row.report_id,
        graded_at=_aware(row.graded_at),
    )


def reference_taken(conn: Connection, reference: str) -> bool:
    found = conn.execute(
        select(public_reports.c.id).where(public_reports.c.reference == reference)).first()
    return found is not None


def insert_submission(conn: Connection, submission: PublicSubmission) -> int:
    result = conn.execute(
        insert(public_reports).values(
            reference=submission.reference, concern=submission.concern,
            what_happened=submission.what_happened, when_text=submission.when_text,
            where_text=submission.where_text, platform=submission.platform,
            links=submission.links, contact_name=submission.contact_name,
            contact_email=submission.contact_email, contact_phone=submission.contact_phone,
            consent=submission.consent, received_at=submission.received_at,
            status=submission.status,
        ).returning(public_reports.c.id)
    )
    submission.id = int(result.scalar_one())
    if submission.files:
        now = datetime.now(UTC)
        conn.execute(insert(public_report_files), [
            {"public_report_id": submission.id, "filename": f.filename,
             "media_type": f.media_type, "size": f.size, "sha256": f.sha256,
             "stored_path": f.stored_path, "created_at": now}
            for f in submission.files
        ])
    return submission.id


def _files(conn: Connection, ids: Sequence[int]) -> dict[int, list[PublicFile]]:
    out: dict[int, list[PublicFile]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = conn.execute(
        select(public_report_files)
        .where(public_report_files.c.public_report_id.in_(list(ids)))
        .order_by(public_report_files.c.id))
    for r in rows:
        out[r.public_report_id].append(
            PublicFile(r.filename, r.media_type, r.size, r.sha256, r.stored_path))
    return out


def get_submission(conn: Connection, reference: str) -> PublicSubmission | None:
    row = conn.execute(
        select(public_reports).where(public_reports.c.reference == reference)).first()
    if row is None:
        return None
    submission = _submission(row)
    submission.files = _files(conn, [row.id])[row.id]
    return submission


def list_submissions(conn: Connection, status: str | None, *, limit: int, offset: int
                     ) -> list[PublicSubmission]:
    query = select(public_reports)
    if status:
        query = query.where(public_reports.c.status == status)
    rows = conn.execute(query.order_by(public_reports.c.id).limit(limit).offset(offset)).all()
    found = [_submission(r) for r in rows]
    files = _files(conn, [s.id for s in found if s.id is not None])
    for submission in found:
        assert submission.id is not None
        submission.files = files[submission.id]
    return found


def count_submissions(conn: Connection, status: str | None) -> int:
    query = select(func.count()).select_from(public_reports)
    if status:
        query = query.where(public_reports.c.status == status)
    return int(conn.execute(query).scalar_one())


def mark_graded(conn: Connection, submission_id: int, report_id: int, user_id: int | None,
                at: datetime) -> bool:
    """Mark an ungraded submission graded; False when someone else graded it first."""
    result = conn.execute(
        update(public_reports)
        .where(public_reports.c.id == submission_id, public_reports.c.status == UNGRADED)
        .values(status=GRADED, report_id=report_id, graded_by=user_id, graded_at=at))
    return result.rowcount == 1


def unused_kept_files(conn: Connection, stored_paths: Sequence[str]) -> list[str]:
    """Of these plain files (paths relative to the home), those no waiting submission and no
    report attachment points at any more: safe to remove."""
    from drachma.store.tables import report_attachments

    wanted = sorted(set(stored_paths))
    if not wanted:
        return []
    waiting = set(conn.execute(
        select(public_report_files.c.stored_path)
        .join(public_reports, public_reports.c.id == public_report_files.c.public_report_id)
        .where(public_reports.c.status == UNGRADED,
               public_report_files.c.stored_path.in_(wanted))).scalars())
    attached = set(conn.execute(select(report_attachments.c.stored_path).where(
        report_attachments.c.stored_path.in_(wanted))).scalars())
    return [p for p in wanted if p not in waiting and p not in attached]


def delete_for_report(conn: Connection, report_id: int) -> list[str]:
    """Delete the submissions a report was graded from (their text, contact details and file
    rows); returns their files' stored paths (retention disposal removes those no longer used)."""
    from sqlalchemy import delete

    ids = list(conn.execute(select(public_reports.c.id)
                            .where(public_reports.c.report_id == report_id)).scalars())
    if not ids:
        return []
    paths = list(conn.execute(select(public_report_files.c.stored_path).where(
        public_report_files.c.public_report_id.in_(ids))).scalars())
    conn.execute(delete(public_report_files).where(public_report_files.c.public_report_id.in_(ids)))
    conn.execute(delete(public_reports).where(public_reports.c.id.in_(ids)))
    return paths
