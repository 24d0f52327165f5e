"""Review dates and decisions for records management (MoPI), and disposal of a report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    select,
    update,
)

from drachma.store.tables import incident_reports, record_reviews, report_attachments, reports

SCHEDULED, RETAINED, DISPOSED = "scheduled", "retained", "disposed"


@dataclass(frozen=True, slots=True)
class Unscheduled:
    """A report with no review row yet: what the rules need to give it a group."""

    report_id: int
    source_kind: str
    received_at: datetime
    in_incident: bool


@dataclass(frozen=True, slots=True)
class ReviewRow:
    id: int
    record_kind: str
    record_id: int
    group: str
    review_on: date
    status: str
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    content_sha256: str | None
    title: str | None  # None once disposed


def unscheduled_reports(conn: Connection, limit: int) -> list[Unscheduled]:
    linked = exists().where(incident_reports.c.report_id == reports.c.id)
    reviewed = exists().where(and_(record_reviews.c.record_kind == "report",
                                   record_reviews.c.record_id == reports.c.id))
    rows = conn.execute(
        select(reports.c.id, reports.c.source_kind, reports.c.received_at, linked.label("linked"))
        .where(~reviewed).order_by(reports.c.id).limit(limit))
    return [Unscheduled(r.id, r.source_kind, r.received_at, bool(r.linked)) for r in rows]


def add_reviews(conn: Connection, rows: list[tuple[int, str, date]]) -> None:
    """Schedule reports: (report id, retention group, review date)."""
    if rows:
        conn.execute(insert(record_reviews), [
            {"record_kind": "report", "record_id": rid, "retention_group": group,
             "review_on": on, "status": SCHEDULED} for rid, group, on in rows])
        conn.execute(update(reports).where(reports.c.id == bindparam("rid"))
                     .values(review_date=bindparam("on")),
                     [{"rid": rid, "on": on} for rid, _group, on in rows])


def _select() -> Select[Any]:
    return (select(record_reviews, reports.c.title)
            .join(reports, and_(record_reviews.c.record_kind == "report",
                                reports.c.id == record_reviews.c.record_id), isouter=True))


def _row(r: Row[Any]) -> ReviewRow:
    m = r._mapping
    return ReviewRow(m["id"], m["record_kind"], m["record_id"], m["retention_group"],
                     m["review_on"], m["status"], m["reason"], m["decided_by"], m["decided_at"],
                     m["content_sha256"], m["title"])


def due(conn: Connection, today: date, limit: int, offset: int) -> list[ReviewRow]:
    query = _select().where(
        record_reviews.c.status != DISPOSED, record_reviews.c.review_on <= today,
    ).order_by(record_reviews.c.review_on, record_reviews.c.id).limit(limit).offset(offset)
    return [_row(r) for r in conn.execute(query)]


def review_of(conn: Connection, record_kind: str, record_id: int) -> ReviewRow | None:
    query = _select().where(
        record_reviews.c.record_kind == record_kind, record_reviews.c.record_id == record_id)
    found = conn.execute(query).first()
    return None if found is None else _row(found)


def set_retained(conn: Connection, review_id: int, report_id: int, review_on: date, reason: str,
                 who: str, at: datetime) -> None:
    """Record the decision, and show the new date on the report itself (its MoPI review date)."""
    conn.execute(update(record_reviews).where(record_reviews.c.id == review_id).values(
        review_on=review_on, status=RETAINED, reason=reason, decided_by=who, decided_at=at))
    conn.execute(update(reports).where(reports.c.id == report_id).values(review_date=review_on))


def report_content(conn: Connection, report_id: int) -> tuple[str, str, str | None] | None:
    """(title, body, sanitised text) of a report, for the hash kept after disposal."""
    row = conn.execute(select(reports.c.title, reports.c.body, reports.c.sanitised_text)
                       .where(reports.c.id == report_id)).first()
    return None if row is None else (row.title, row.body, row.sanitised_text)


def dispose_report(conn: Connection, review_id: int, report_id: int, content_sha256: str,
                   reason: str, who: str, at: datetime) -> list[str]:
    """Delete the report and every row that copies from it (mentions, search index, facts,
    access, incident links and attachment rows all go with it by cascade or trigger); mark the
    review disposed. Returns the attachments' stored paths no other report still uses."""
    paths = list(conn.execute(select(report_attachments.c.stored_path, report_attachments.c.sha256)
                              .where(report_attachments.c.report_id == report_id)))
    conn.execute(delete(reports).where(reports.c.id == report_id))
    still_used = set(conn.execute(select(report_attachments.c.sha256).where(
        report_attachments.c.sha256.in_([p.sha256 for p in paths])).distinct()).scalars())
    conn.execute(update(record_reviews).where(record_reviews.c.id == review_id).values(
        status=DISPOSED, reason=reason, decided_by=who, decided_at=at,
        content_sha256=content_sha256))
    return [p.stored_path for p in paths if p.sha256 not in still_used]


# --- subject access requests: everything held that names a person ---


@dataclass(frozen=True, slots=True)
class HeldItem:
    """One record that names the person: where it is, its id, and the text that names them."""

    kind: str  # report, incident_subject, investigation_subject, exhibit, audit
    record_id: str
    text: str
    source_kind: str | None = None


def _like(name: str) -> str:
    escaped = name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def held_about(conn: Connection, name: str, limit: int) -> list[HeldItem]:
    """Every row of each kind whose text names ``name`` (case-insensitive), at most ``limit``
    of each kind, in id order."""
    from sqlalchemy import func, or_

    from drachma.store.tables import (
        audit_events,
        exhibits,
        incident_subjects,
        investigation_subjects,
    )

    pattern = _like(name)

    def has(column: Any) -> Any:
        return func.lower(column).like(pattern, escape="\\")

    found: list[HeldItem] = []
    for r in conn.execute(select(reports.c.id, reports.c.title, reports.c.body,
                                 reports.c.source_kind)
                          .where(or_(has(reports.c.title), has(reports.c.body),
                                     has(reports.c.sanitised_text)))
                          .order_by(reports.c.id).limit(limit)):
        found.append(HeldItem("report", str(r.id), f"{r.title}\n{r.body}", r.source_kind))
    for r in conn.execute(select(incident_subjects).where(or_(
            has(incident_subjects.c.name), has(incident_subjects.c.aliases)))
            .order_by(incident_subjects.c.id).limit(limit)):
        found.append(HeldItem("incident_subject", str(r.incident_id),
                              f"{r.role}: {r.name} (aliases {r.aliases}, handles {r.handles})"))
    for r in conn.execute(select(investigation_subjects).where(or_(
            has(investigation_subjects.c.name), has(investigation_subjects.c.aliases)))
            .order_by(investigation_subjects.c.id).limit(limit)):
        found.append(HeldItem("investigation_subject", str(r.investigation_id),
                              f"{r.name} (aliases {r.aliases}, handles {r.handles})"))
    for r in conn.execute(select(exhibits.c.reference, exhibits.c.description)
                          .where(has(exhibits.c.description))
                          .order_by(exhibits.c.id).limit(limit)):
        found.append(HeldItem("exhibit", r.reference, r.description))
    for r in conn.execute(select(audit_events).where(or_(
            has(audit_events.c.detail), has(audit_events.c.actor_name)))
            .order_by(audit_events.c.id).limit(limit)):
        found.append(HeldItem("audit", str(r.id), f"{r.at.isoformat()} {r.actor_name} "
                              f"{r.action} {r.record_kind} {r.record_id or ''} {r.detail}"))
    return found
