"""Records kept only as long as the law allows (MoPI review, retention and disposal).

Every report gets a retention group and a review date from the rules in
``drachma/records/data/retention.toml`` (a force's own copy through ``DRACHMA_RETENTION_RULES``).
When the date comes, the report is in the records officer's review queue. They either retain it,
with a reason and a new review date, or dispose of it: the report and every copy of its personal
data (mentions, search index entries, analytics facts, access and incident links, attachment rows
and the attachment files no other report uses) are removed in one transaction; what remains is
the review row (group, who, when, why) and the SHA-256 of the content that was removed, and an
audit entry saying the same. The audit log and the evidence locker's custody log are not
touched, so every proof they give still verifies.
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
from drachma.access.events import RecordDisposed, RecordRetained, RecordsDueRead
from drachma.access.permissions import Permission
from drachma.analytics import upkeep
from drachma.errors import ConflictError, DrachmaError, NotFoundError, ValidationError
from drachma.model.dates import uk_today
from drachma.model.report import SourceKind
from drachma.store import records as records_store
from drachma.store.db import Connection, Store
from drachma.store.records import ReviewRow

MAX_REASON = 1000
MAX_PAGE = 200
MAX_YEARS = 100
SCHEDULE_BATCH = 1000


class RetentionRulesError(DrachmaError):
    """The retention rules file is missing, malformed or leaves records without a group."""

    kind = "retention_rules"
    http_status = 500


@dataclass(frozen=True, slots=True)
class RetentionGroup:
    name: str
    label: str
    review_after_years: int
    source_kinds: frozenset[str] | None = None
    linked_to_incident: bool | None = None

    def takes(self, source_kind: str, in_incident: bool) -> bool:
        return ((self.source_kinds is None or source_kind in self.source_kinds)
                and (self.linked_to_incident is None or self.linked_to_incident == in_incident))


@dataclass(frozen=True, slots=True)
class RetentionRules:
    source: str
    groups: tuple[RetentionGroup, ...]

    def group_for(self, source_kind: str, in_incident: bool) -> RetentionGroup:
        for group in self.groups:
            if group.takes(source_kind, in_incident):
                return group
        # parse_rules makes the last group take everything, so this is only a bad hand-made rule set
        raise RetentionRulesError(f"no retention group takes a {source_kind} report")


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
    if raw.get("applies_to") != "report":
        raise RetentionRulesError(f"{where} ({name}): applies_to must be \"report\"")
    if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= MAX_YEARS:
        raise RetentionRulesError(f"{where} ({name}): review_after_years must be a whole "
                                  f"number from 1 to {MAX_YEARS}")
    kinds = raw.get("source_kinds")
    if kinds is not None:
        known = {k.value for k in SourceKind}
        if not isinstance(kinds, list) or not kinds or not set(kinds) <= known:
            raise RetentionRulesError(f"{where} ({name}): source_kinds must be a list of "
                                      f"{sorted(known)}")
    linked = raw.get("linked_to_incident")
    if linked is not None and not isinstance(linked, bool):
        raise RetentionRulesError(f"{where} ({name}): linked_to_incident must be true or false")
    return RetentionGroup(name, label, years, None if kinds is None else frozenset(kinds), linked)


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
    last = groups[-1]
    if last.source_kinds is not None or last.linked_to_incident is not None:
        raise RetentionRulesError(f"{origin}: the last group ({last.name}) must have no "
                                  "conditions, so that every record gets a group")
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
    """Give every report without one a group and a review date; returns how many were given."""
    given = 0
    while True:
        with store.begin() as conn:
            batch = records_store.unscheduled_reports(conn, SCHEDULE_BATCH)
            rows = []
            for report in batch:
                group = rules.group_for(report.source_kind, report.in_incident)
                start = report.received_at.astimezone(UTC).date()
                rows.append((report.report_id, group.name,
                             years_after(start, group.review_after_years)))
            records_store.add_reviews(conn, rows)
        given += len(batch)
        if len(batch) < SCHEDULE_BATCH:
            return given


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


def review_of(store: Store, actor: Actor, report_id: int) -> ReviewRow:
    """One record's review row (title included while it exists), for the decision page."""
    actor.require(Permission.MANAGE_RECORDS)
    with store.begin() as conn:
        row = records_store.review_of(conn, "report", report_id)
        if row is None:
            raise NotFoundError(f"report {report_id} has no review date", field="report_id")
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


def _open_review(conn: Connection, report_id: int) -> ReviewRow:
    review = records_store.review_of(conn, "report", report_id)
    if review is None:
        raise NotFoundError(f"report {report_id} has no review date; run 'drachma records "
                            "review' to schedule it", field="report_id")
    if review.status == records_store.DISPOSED:
        raise ConflictError(f"report {report_id} was already disposed of", field="report_id")
    return review


def retain(store: Store, actor: Actor, report_id: int, reason: str, review_on: date,
           *, today: date | None = None) -> ReviewRow:
    """Keep a report, with the reason, until a new review date (after today, within 100 years)."""
    actor.require(Permission.MANAGE_RECORDS)
    why = _reason(reason)
    now = today or uk_today()
    if not now < review_on <= years_after(now, MAX_YEARS):
        raise ValidationError(f"the new review date must be after today and within "
                              f"{MAX_YEARS} years", field="review_on")
    with store.begin() as conn:
        review = _open_review(conn, report_id)
        records_store.set_retained(conn, review.id, report_id, review_on, why, actor.name,
                                   datetime.now(UTC))
        audit.record(conn, actor, RecordRetained(report_id=report_id,
                                                 review_on=review_on.isoformat(), reason=why))
        updated = records_store.review_of(conn, "report", report_id)
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
            today: date | None = None) -> ReviewRow:
    """Dispose of a report that is due for review: remove its personal data everywhere it was
    copied and keep only the hash, the fact, who and why (see the module's text)."""
    actor.require(Permission.MANAGE_RECORDS)
    why = _reason(reason)
    now = today or uk_today()
    with store.begin() as conn:
        review = _open_review(conn, report_id)
        if review.review_on > now:
            raise ConflictError(f"report {report_id} is not due for review until "
                                f"{review.review_on:%d/%m/%Y}", field="report_id")
        content = records_store.report_content(conn, report_id)
        if content is None:
            raise NotFoundError(f"report {report_id} does not exist", field="report_id")
        digest = content_sha256(*content)
        upkeep.forget_reports(conn, [report_id])  # out of the counts (analytics)
        orphans = records_store.dispose_report(conn, review.id, report_id, digest, why,
                                               actor.name, datetime.now(UTC))
        audit.record(conn, actor, RecordDisposed(
            report_id=report_id, retention_group=review.group, reason=why,
            content_sha256=digest))
        done = records_store.review_of(conn, "report", report_id)
    root = home.resolve()
    for stored in orphans:  # after the commit: a failed delete above keeps the files
        path = (root / stored).resolve()
        if root in path.parents:
            path.unlink(missing_ok=True)
    assert done is not None
    return done
