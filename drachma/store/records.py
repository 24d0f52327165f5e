"""Review dates and decisions for records management (MoPI), and disposal of a record: a
report, an incident or an investigation subject."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    and_,
    bindparam,
    exists,
    insert,
    select,
    update,
)

from drachma.store import incidents as incidents_store
from drachma.store import reports as reports_store
from drachma.store import safeguarding as safeguarding_store
from drachma.store.tables import (
    incident_events,
    incident_reports,
    incident_subjects,
    incidents,
    investigation_subjects,
    record_reviews,
    report_attachments,
    reports,
    safeguarding_tasks,
    takedowns,
    thrive_assessments,
)

SCHEDULED, RETAINED, DISPOSED = "scheduled", "retained", "disposed"
REPORT, INCIDENT, SUBJECT = "report", "incident", "investigation_subject"
RECORD_KINDS = (REPORT, INCIDENT, SUBJECT)


@dataclass(frozen=True, slots=True)
class Unscheduled:
    """A record with no review row yet: what the rules need to give it a group (for an incident
    or a subject, ``source_kind`` is "" and ``received_at`` is when it happened or was made)."""

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


def _not_reviewed(kind: str, id_column: Any) -> Any:
    return ~exists().where(and_(record_reviews.c.record_kind == kind,
                                record_reviews.c.record_id == id_column))


def unscheduled(conn: Connection, kind: str, limit: int) -> list[Unscheduled]:
    if kind == INCIDENT:
        rows = conn.execute(select(incidents.c.id, incidents.c.occurred_at)
                            .where(_not_reviewed(INCIDENT, incidents.c.id))
                            .order_by(incidents.c.id).limit(limit))
        return [Unscheduled(r.id, "", r.occurred_at, True) for r in rows]
    if kind == SUBJECT:
        rows = conn.execute(select(investigation_subjects.c.id, investigation_subjects.c.created_at)
                            .where(_not_reviewed(SUBJECT, investigation_subjects.c.id))
                            .order_by(investigation_subjects.c.id).limit(limit))
        return [Unscheduled(r.id, "", r.created_at, True) for r in rows]
    return unscheduled_reports(conn, limit)


def unscheduled_reports(conn: Connection, limit: int) -> list[Unscheduled]:
    linked = exists().where(incident_reports.c.report_id == reports.c.id)
    rows = conn.execute(
        select(reports.c.id, reports.c.source_kind, reports.c.received_at, linked.label("linked"))
        .where(_not_reviewed(REPORT, reports.c.id)).order_by(reports.c.id).limit(limit))
    return [Unscheduled(r.id, r.source_kind, r.received_at, bool(r.linked)) for r in rows]


def add_reviews(conn: Connection, rows: list[tuple[int, str, date]], kind: str = REPORT) -> None:
    """Schedule records: (record id, retention group, review date)."""
    if rows:
        conn.execute(insert(record_reviews), [
            {"record_kind": kind, "record_id": rid, "retention_group": group,
             "review_on": on, "status": SCHEDULED} for rid, group, on in rows])
        if kind == REPORT:
            conn.execute(update(reports).where(reports.c.id == bindparam("rid"))
                         .values(review_date=bindparam("on")),
                         [{"rid": rid, "on": on} for rid, _group, on in rows])


def _select() -> Select[Any]:
    """Review rows with what names each record while it exists: a report's title, an
    incident's place and date, a subject's name (the records officer decides on it)."""
    kind, rid = record_reviews.c.record_kind, record_reviews.c.record_id
    return (select(record_reviews, reports.c.title, incidents.c.place, incidents.c.occurred_at,
                   investigation_subjects.c.name)
            .join(reports, and_(kind == REPORT, reports.c.id == rid), isouter=True)
            .join(incidents, and_(kind == INCIDENT, incidents.c.id == rid), isouter=True)
            .join(investigation_subjects,
                  and_(kind == SUBJECT, investigation_subjects.c.id == rid), isouter=True))


def _title(m: Any) -> str | None:
    if m["record_kind"] == INCIDENT and m["occurred_at"] is not None:
        return f"Incident at {m['place'] or 'an unknown place'} on {m['occurred_at']:%d/%m/%Y}"
    if m["record_kind"] == SUBJECT:
        return None if m["name"] is None else str(m["name"])
    return None if m["title"] is None else str(m["title"])


def _row(r: Row[Any]) -> ReviewRow:
    m = r._mapping
    return ReviewRow(m["id"], m["record_kind"], m["record_id"], m["retention_group"],
                     m["review_on"], m["status"], m["reason"], m["decided_by"], m["decided_at"],
                     m["content_sha256"], _title(m))


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
                 who: str, at: datetime, kind: str = REPORT) -> None:
    """Record the decision, and show a report's new date on the report itself (its MoPI review
    date)."""
    conn.execute(update(record_reviews).where(record_reviews.c.id == review_id).values(
        review_on=review_on, status=RETAINED, reason=reason, decided_by=who, decided_at=at))
    if kind == REPORT:
        conn.execute(update(reports).where(reports.c.id == report_id)
                     .values(review_date=review_on))


def report_content(conn: Connection, report_id: int) -> tuple[str, str, str | None] | None:
    """(title, body, sanitised text) of a report, for the hash kept after disposal."""
    row = conn.execute(select(reports.c.title, reports.c.body, reports.c.sanitised_text)
                       .where(reports.c.id == report_id)).first()
    return None if row is None else (row.title, row.body, row.sanitised_text)


def _rows_json(conn: Connection, query: Select[Any]) -> list[dict[str, Any]]:
    return [{k: (v if isinstance(v, (int, float, bool, type(None))) else str(v))
             for k, v in r._mapping.items()} for r in conn.execute(query)]


def record_content(conn: Connection, kind: str, record_id: int) -> str | None:
    """Everything an incident or investigation subject holds, as canonical JSON: what its hash
    kept after disposal is taken over (None if it does not exist)."""
    if kind == INCIDENT:
        main = _rows_json(conn, select(incidents).where(incidents.c.id == record_id))
        if not main:
            return None
        parts: dict[str, Any] = {"incident": main}
        for name, table in (("subjects", incident_subjects), ("timeline", incident_events),
                            ("assessments", thrive_assessments), ("tasks", safeguarding_tasks),
                            ("takedowns", takedowns)):
            parts[name] = _rows_json(conn, select(table).where(table.c.incident_id == record_id)
                                     .order_by(table.c.id))
    else:
        main = _rows_json(conn, select(investigation_subjects)
                          .where(investigation_subjects.c.id == record_id))
        if not main:
            return None
        parts = {"investigation_subject": main}
    return json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _mark_disposed(conn: Connection, review_id: int, content_sha256: str, reason: str, who: str,
                   at: datetime) -> None:
    conn.execute(update(record_reviews).where(record_reviews.c.id == review_id).values(
        status=DISPOSED, reason=reason, decided_by=who, decided_at=at,
        content_sha256=content_sha256))


def dispose_report(conn: Connection, review_id: int, report_id: int, content_sha256: str,
                   reason: str, who: str, at: datetime) -> tuple[list[str], list[str]]:
    """Delete the report through :func:`drachma.store.reports.delete_report` (mentions, search
    index, facts, access, incident links and attachment rows go with it); mark the review
    disposed. Returns what of its attachments nothing else uses any more: (plain files' stored
    paths, SHA-256s of blobs in the evidence blob store that no exhibit holds either)."""
    from drachma.store import public as public_store
    from drachma.store.evidence import sha256_referenced

    kept = list(conn.execute(select(report_attachments.c.stored_path, report_attachments.c.sha256)
                             .where(report_attachments.c.report_id == report_id)))
    submitted = public_store.delete_for_report(conn, report_id)  # a public report's submission
    reports_store.delete_report(conn, report_id)
    still_used = set(conn.execute(select(report_attachments.c.sha256).where(
        report_attachments.c.sha256.in_([k.sha256 for k in kept])).distinct()).scalars())
    _mark_disposed(conn, review_id, content_sha256, reason, who, at)
    unused = [k for k in kept if k.sha256 not in still_used]
    plain = {k.stored_path for k in unused if k.stored_path is not None}
    plain.update(public_store.unused_kept_files(conn, submitted))
    return (sorted(plain),
            sorted({k.sha256 for k in unused if k.stored_path is None
                    and not sha256_referenced(conn, k.sha256)}))


def dispose_record(conn: Connection, review_id: int, kind: str, record_id: int,
                   content_sha256: str, reason: str, who: str, at: datetime) -> None:
    """Delete an incident (:func:`drachma.store.incidents.delete_incident`) or an investigation
    subject (:func:`drachma.store.safeguarding.delete_investigation_subject`) with every row
    that copies from it; mark the review disposed."""
    if kind == INCIDENT:
        incidents_store.delete_incident(conn, record_id)
    else:
        safeguarding_store.delete_investigation_subject(conn, record_id)
    _mark_disposed(conn, review_id, content_sha256, reason, who, at)


# --- subject access requests: candidates for everything held that may name a person ---


@dataclass(frozen=True, slots=True)
class HeldItem:
    """One record that may name the person: where it is, its id, its text, and for a person's
    record (incident or investigation subject) their names and date of birth."""

    kind: str  # report, incident, incident_subject, investigation_subject, exhibit, audit
    record_id: str
    text: str
    source_kind: str | None = None
    names: tuple[str, ...] = ()
    date_of_birth: date | None = None


def _like(name: str) -> str:
    escaped = name.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _names(name: str, aliases: str | None) -> tuple[str, ...]:
    try:
        extra = json.loads(aliases or "[]")
    except ValueError:
        extra = []
    return (name, *[str(a) for a in extra if isinstance(a, str)])


def held_candidates(conn: Connection, text_words: list[str], name_parts: list[str],
                    limit: int) -> list[HeldItem]:
    """Rows that may name the person, at most ``limit`` of each kind in id order: free text
    (reports, incident timelines, exhibit descriptions, the audit log) containing one of
    ``text_words``; people's records whose names or aliases contain one of ``name_parts``. The
    caller decides which of them really name the person."""
    from sqlalchemy import func, or_

    from drachma.store.tables import audit_events, exhibits

    def any_of(words: list[str], *columns: Any) -> Any:
        return or_(*[func.lower(c).like(_like(w), escape="\\") for w in words for c in columns])

    found: list[HeldItem] = []
    if text_words:
        for r in conn.execute(select(reports.c.id, reports.c.title, reports.c.body,
                                     reports.c.source_kind)
                              .where(any_of(text_words, reports.c.title, reports.c.body))
                              .order_by(reports.c.id).limit(limit)):
            found.append(HeldItem("report", str(r.id), f"{r.title}\n{r.body}", r.source_kind))
        for r in conn.execute(select(incident_events.c.incident_id, incident_events.c.detail)
                              .where(any_of(text_words, incident_events.c.detail))
                              .order_by(incident_events.c.id).limit(limit)):
            found.append(HeldItem("incident", str(r.incident_id), r.detail))
        for r in conn.execute(select(exhibits.c.reference, exhibits.c.description)
                              .where(any_of(text_words, exhibits.c.description))
                              .order_by(exhibits.c.id).limit(limit)):
            found.append(HeldItem("exhibit", r.reference, r.description))
        for r in conn.execute(select(audit_events)
                              .where(any_of(text_words, audit_events.c.detail,
                                            audit_events.c.actor_name))
                              .order_by(audit_events.c.id).limit(limit)):
            found.append(HeldItem("audit", str(r.id), f"{r.at.isoformat()} {r.actor_name} "
                                  f"{r.action} {r.record_kind} {r.record_id or ''} {r.detail}"))
    people = (("incident_subject", incident_subjects, "incident_id"),
              ("investigation_subject", investigation_subjects, "investigation_id"))
    for kind, table, parent in people if name_parts else ():
        for r in conn.execute(select(table).where(any_of(name_parts, table.c.name,
                                                         table.c.aliases))
                              .order_by(table.c.id).limit(limit)):
            role = f"{r.role}: " if kind == "incident_subject" else ""
            found.append(HeldItem(
                kind, str(getattr(r, parent)),
                f"{role}{r.name} (aliases {r.aliases}, handles {r.handles})",
                names=_names(r.name, r.aliases), date_of_birth=r.date_of_birth))
    return found
