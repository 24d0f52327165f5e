"""Records kept only as long as the law allows (MoPI review, retention and disposal).

Every report, incident and investigation subject gets a retention group and a review date from
the rules in ``drachma/records/data/retention.toml`` (a force's own copy through
``DRACHMA_RETENTION_RULES``). When the date comes, the record is in the records officer's review
queue. They either retain it, with a reason and a new review date, or dispose of it: the record
and every copy of its personal data are removed in one transaction, through the store's one
delete function for that kind of record (a report: mentions, search index entries, analytics
facts, access and incident links, attachment rows, and the attachment files and blobs nothing
else uses; an incident: its people, timeline, assessments, tasks, takedowns, report links,
deconfliction alerts and facts, and the links exhibits had to it; an investigation subject: its
blocking keys and alerts, and its place in its investigation's list). What remains is the review
row (group, who, when, why), the SHA-256 of the content that was removed, and an audit entry
saying the same. The audit log and the evidence locker's exhibits and custody log are not
touched, so every proof they give still verifies: an exhibit is evidence, destroyed (if ever)
by its own custody decision, not by a record's review.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import (
    IncidentDisposed,
    IncidentRetained,
    RecordDisposed,
    RecordRetained,
    RecordsDueRead,
    SubjectDisposed,
    SubjectRetained,
)
from drachma.access.permissions import Permission
from drachma.analytics import upkeep
from drachma.errors import ConflictError, DrachmaError, NotFoundError, ValidationError
from drachma.evidence.blobs import BlobStore
from drachma.model.dates import uk_today
from drachma.model.report import SourceKind
from drachma.store import records as records_store
from drachma.store import search_index  # --- search (issue 10) ---
from drachma.store.db import Connection, Store
from drachma.store.records import INCIDENT, RECORD_KINDS, REPORT, SUBJECT, ReviewRow

MAX_REASON = 1000
MAX_PAGE = 200
MAX_YEARS = 100
SCHEDULE_BATCH = 1000


class RetentionRulesError(DrachmaError):
    """The retention rules file is missing, malformed or leaves records without a group."""

    kind = "retention_rules"
    http_status = 500


KIND_LABELS = {REPORT: "report", INCIDENT: "incident", SUBJECT: "investigation subject"}


@dataclass(frozen=True, slots=True)
class RetentionGroup:
    name: str
    label: str
    review_after_years: int
    source_kinds: frozenset[str] | None = None
    linked_to_incident: bool | None = None
    applies_to: str = REPORT

    def takes(self, source_kind: str, in_incident: bool) -> bool:
        return ((self.source_kinds is None or source_kind in self.source_kinds)
                and (self.linked_to_incident is None or self.linked_to_incident == in_incident))


@dataclass(frozen=True, slots=True)
class RetentionRules:
    source: str
    groups: tuple[RetentionGroup, ...]

    def group_for(self, source_kind: str, in_incident: bool,
                  kind: str = REPORT) -> RetentionGroup:
        for group in self.groups:
            if group.applies_to == kind and group.takes(source_kind, in_incident):
                return group
        # parse_rules makes each kind's last group take everything, so this is only a bad
        # hand-made rule set
        raise RetentionRulesError(f"no retention group takes a {source_kind or kind} record")


def _group(raw: object, where: str) -> RetentionGroup:
    if not isinstance(raw, dict):
        raise RetentionRulesError(f"{where} is not a table")
    allowed = {"name", "label", "applies_to", "review_after_years", "source_kinds",
               "linked_to_incident"}
    extra = set(raw) - allowed
    if extra:
        raise RetentionRulesError(f"{where} has unknown keys {sorted(extra)}")
    name, label, years = raw.get("name"), raw.get("label"), raw.get("review_after_years")
    if not isinstance(name, str) or not name or not isinstance(label, str) or not label:
        raise RetentionRulesError(f"{where} needs a name and a label")
    applies = raw.get("applies_to")
    if applies not in RECORD_KINDS:
        raise RetentionRulesError(f"{where} ({name}): applies_to must be one of "
                                  f"{', '.join(RECORD_KINDS)}")
    if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= MAX_YEARS:
        raise RetentionRulesError(f"{where} ({name}): review_after_years must be a whole "
                                  f"number from 1 to {MAX_YEARS}")
    kinds = raw.get("source_kinds")
    if applies != REPORT and (kinds is not None or raw.get("linked_to_incident") is not None):
        raise RetentionRulesError(f"{where} ({name}): source_kinds and linked_to_incident "
                                  "apply to reports only")
    if kinds is not None:
        known = {k.value for k in SourceKind}
        if not isinstance(kinds, list) or not kinds or not set(kinds) <= known:
            raise RetentionRulesError(f"{where} ({name}): source_kinds must be a list of "
                                      f"{sorted(known)}")
    linked = raw.get("linked_to_incident")
    if linked is not None and not isinstance(linked, bool):
        raise RetentionRulesError(f"{where} ({name}): linked_to_incident must be true or false")
    return RetentionGroup(name, label, years, None if kinds is None else frozenset(kinds), linked,
                          str(applies))


def parse_rules(text: str, origin: str) -> RetentionRules:
    """Read and check a rules file; every problem is a :class:`RetentionRulesError` naming it."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RetentionRulesError(f"{origin} is not valid TOML: {exc}") from None
    source, raw_groups = data.get("source"), data.get("group")
    if not isinstance(source, str) or not source.strip():
        raise RetentionRulesError(f"{origin} must name the source of its periods (source = ...)")
    if not isinstance(raw_groups, list) or not raw_groups:
        raise RetentionRulesError(f"{origin} has no [[group]] tables")
    groups = tuple(_group(g, f"{origin} group {n}") for n, g in enumerate(raw_groups, 1))
    names = [g.name for g in groups]
    if len(set(names)) != len(names):
        raise RetentionRulesError(f"{origin} names a group twice")
    for kind in RECORD_KINDS:
        of_kind = [g for g in groups if g.applies_to == kind]
        if not of_kind:
            raise RetentionRulesError(f"{origin} has no group for {kind} records "
                                      f"(applies_to = \"{kind}\")")
        last = of_kind[-1]
        if last.source_kinds is not None or last.linked_to_incident is not None:
            raise RetentionRulesError(f"{origin}: the last {kind} group ({last.name}) must have "
                                      "no conditions, so that every record gets a group")
    return RetentionRules(source.strip(), groups)


def load_rules(path: Path | None = None) -> RetentionRules:
    """The rules from ``path``, else ``DRACHMA_RETENTION_RULES``, else the shipped defaults."""
    chosen = path or (Path(p) if (p := os.environ.get("DRACHMA_RETENTION_RULES")) else None)
    if chosen is None:
        text = resources.files("drachma.records").joinpath("data/retention.toml").read_text(
            encoding="utf-8")
        return parse_rules(text, "retention.toml")
    try:
        text = chosen.read_text(encoding="utf-8")
    except OSError as exc:
        raise RetentionRulesError(f"cannot read retention rules {chosen}: {exc}") from None
    return parse_rules(text, str(chosen))


def years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def schedule(store: Store, rules: RetentionRules) -> int:
    """Give every report, incident and investigation subject without one a group and a review
    date (counted from when it was received, happened or was recorded); returns how many."""
    given = 0
    for kind in RECORD_KINDS:
        while True:
            with store.begin() as conn:
                batch = records_store.unscheduled(conn, kind, SCHEDULE_BATCH)
                rows = []
                for record in batch:
                    group = rules.group_for(record.source_kind, record.in_incident, kind)
                    start = record.received_at.astimezone(UTC).date()
                    rows.append((record.report_id, group.name,
                                 years_after(start, group.review_after_years)))
                records_store.add_reviews(conn, rows, kind)
            given += len(batch)
            if len(batch) < SCHEDULE_BATCH:
                break
    return given


def parse_kind(value: str) -> str:
    """A record kind as typed (report, incident, investigation_subject or subject)."""
    text = (value or "").strip().lower().replace("-", "_").replace(" ", "_")
    text = SUBJECT if text in ("subject", "investigation_subject") else text
    if text not in RECORD_KINDS:
        raise ValidationError(f"kind {value[:40]!r} is not report, incident or "
                              "investigation_subject", field="kind")
    return text


def review_queue(store: Store, actor: Actor, *, rules: RetentionRules | None = None,
                 today: date | None = None, limit: int = 50, offset: int = 0
                 ) -> list[ReviewRow]:
    """The records due for review (oldest date first), after scheduling any new ones."""
    actor.require(Permission.MANAGE_RECORDS)
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValidationError(f"limit must be 1 to {MAX_PAGE} and offset 0 or more",
                              field="limit")
    schedule(store, rules or load_rules())
    with store.begin() as conn:
        rows = records_store.due(conn, today or uk_today(), limit, offset)
        audit.record(conn, actor, RecordsDueRead(shown=len(rows)))
    return rows


def review_of(store: Store, actor: Actor, report_id: int, *, kind: str = REPORT) -> ReviewRow:
    """One record's review row (title included while it exists), for the decision page."""
    actor.require(Permission.MANAGE_RECORDS)
    with store.begin() as conn:
        row = records_store.review_of(conn, kind, report_id)
        if row is None:
            raise NotFoundError(f"{KIND_LABELS[kind]} {report_id} has no review date",
                                field="record_id")
        audit.record(conn, actor, RecordsDueRead(shown=1))
    return row


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError("a reason is required for every retention decision",
                              field="reason")
    if len(text) > MAX_REASON:
        raise ValidationError(f"the reason is longer than {MAX_REASON} characters",
                              field="reason")
    return text


def _open_review(conn: Connection, report_id: int, kind: str = REPORT) -> ReviewRow:
    review = records_store.review_of(conn, kind, report_id)
    what = f"{KIND_LABELS[kind]} {report_id}"
    if review is None:
        raise NotFoundError(f"{what} has no review date; run 'drachma records review' to "
                            "schedule it", field="record_id")
    if review.status == records_store.DISPOSED:
        raise ConflictError(f"{what} was already disposed of", field="record_id")
    return review


def retain(store: Store, actor: Actor, report_id: int, reason: str, review_on: date,
           *, today: date | None = None, kind: str = REPORT) -> ReviewRow:
    """Keep a report, with the reason, until a new review date (after today, within 100 years)."""
    actor.require(Permission.MANAGE_RECORDS)
    why = _reason(reason)
    now = today or uk_today()
    if not now < review_on <= years_after(now, MAX_YEARS):
        raise ValidationError(f"the new review date must be after today and within "
                              f"{MAX_YEARS} years", field="review_on")
    with store.begin() as conn:
        review = _open_review(conn, report_id, kind)
        records_store.set_retained(conn, review.id, report_id, review_on, why, actor.name,
                                   datetime.now(UTC), kind)
        until = review_on.isoformat()
        if kind == INCIDENT:
            audit.record(conn, actor, IncidentRetained(incident_id=report_id, review_on=until,
                                                       reason=why))
        elif kind == SUBJECT:
            audit.record(conn, actor, SubjectRetained(subject_id=report_id, review_on=until,
                                                      reason=why))
        else:
            audit.record(conn, actor, RecordRetained(report_id=report_id, review_on=until,
                                                     reason=why))
        updated = records_store.review_of(conn, kind, report_id)
    assert updated is not None
    return updated


def content_sha256(title: str, body: str, sanitised: str | None) -> str:
    """The hash kept after disposal: proves later what was removed, without keeping it."""
    digest = hashlib.sha256()
    for part in (title, body, sanitised or ""):
        data = part.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def dispose(store: Store, actor: Actor, report_id: int, reason: str, *, home: Path,
            today: date | None = None, kind: str = REPORT,
            blobs: BlobStore | None = None) -> ReviewRow:
    """Dispose of a record that is due for review: remove its personal data everywhere it was
    copied and keep only the hash, the fact, who and why (see the module's text). ``blobs``: the
    evidence blob store, where a report's e-mail attachments may be kept."""
    actor.require(Permission.MANAGE_RECORDS)
    why = _reason(reason)
    now = today or uk_today()
    paths: list[str] = []
    shas: list[str] = []
    with store.begin() as conn:
        review = _open_review(conn, report_id, kind)
        what = f"{KIND_LABELS[kind]} {report_id}"
        if review.review_on > now:
            raise ConflictError(f"{what} is not due for review until "
                                f"{review.review_on:%d/%m/%Y}", field="record_id")
        at = datetime.now(UTC)
        if kind == REPORT:
            content = records_store.report_content(conn, report_id)
            if content is None:
                raise NotFoundError(f"{what} does not exist", field="record_id")
            digest = content_sha256(*content)
            upkeep.forget_reports(conn, [report_id])  # out of the counts (analytics)
            paths, shas = records_store.dispose_report(conn, review.id, report_id, digest, why,
                                                       actor.name, at)
            audit.record(conn, actor, RecordDisposed(
                report_id=report_id, retention_group=review.group, reason=why,
                content_sha256=digest))
        else:
            text = records_store.record_content(conn, kind, report_id)
            if text is None:
                raise NotFoundError(f"{what} does not exist", field="record_id")
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            linked = upkeep.forget_incidents(conn, [report_id]) if kind == INCIDENT else set()
            records_store.dispose_record(conn, review.id, kind, report_id, digest, why,
                                         actor.name, at)
            upkeep.settle(conn, reports=linked)  # their incident facts are gone (analytics)
            if kind == INCIDENT:
                audit.record(conn, actor, IncidentDisposed(
                    incident_id=report_id, retention_group=review.group, reason=why,
                    content_sha256=digest))
            else:
                audit.record(conn, actor, SubjectDisposed(
                    subject_id=report_id, retention_group=review.group, reason=why,
                    content_sha256=digest))
        done = records_store.review_of(conn, kind, report_id)
    search_index.sync(store.engine)  # --- search (issue 10): out of the search index now
    root = home.resolve()
    for stored in paths:  # after the commit: a failed delete above keeps the files
        path = (root / stored).resolve()
        if root in path.parents:
            path.unlink(missing_ok=True)
    if shas:
        if blobs is None:  # the e-mail attachments intake keeps in the evidence blob store
            from drachma.config import load_evidence_settings
            from drachma.evidence.locker import open_blob_store

            blobs = open_blob_store(load_evidence_settings(home))
        for sha256 in shas:
            blobs.discard(sha256)
    assert done is not None
    return done
