"""A group's profile: who it is, where and when it is active, what followed, and the reports
behind every statement.

Everything a profile says about activity is a count of records the reader may see, and each
figure carries the filters that list those records (with their grading). Outcomes are *reported*
outcomes: a profile says what the reports say ("3 reports say the person was charged"), never
that anyone did anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import GroupProfileRead
from drachma.analytics.counts import Breakdown, TrendPoint, breakdown, reading, records, trend
from drachma.errors import NotFoundError, ValidationError
from drachma.incidents import records as incident_records_rule
from drachma.model.entities import Group
from drachma.store import analytics as analytics_store
from drachma.store import groups as group_store
from drachma.store import rollups
from drachma.store.analytics import CountFilters, RecordRow
from drachma.store.db import Connection, Store

EVIDENCE_PAGE = 20

#: Said on every profile, in every face (CLI, API, page).
STANDING_NOTE = (
    "Everything below is what reports and incident records say, counted over the records you may "
    "read. Outcomes are those reported; an allegation against anyone is unproven unless a court "
    "has decided it. Follow any figure to the reports behind it and their grading."
)


@dataclass(frozen=True, slots=True)
class GroupProfile:
    group: Group
    first_seen: datetime | None  # the earliest report naming the group that the reader may see
    last_seen: datetime | None
    reports: int
    incidents: int
    districts: Breakdown  # reports by district
    forces: Breakdown  # reports by force
    platforms: Breakdown  # reports by platform
    outcomes: Breakdown  # incidents by reported outcome
    co_occurring: Breakdown  # other groups named in the same reports
    activity: tuple[Breakdown, list[TrendPoint]]  # reports by quarter
    evidence: list[RecordRow]  # the newest reports naming the group, with their grading
    incident_records: list[RecordRow]
    note: str = STANDING_NOTE


def group_profile(store: Store, actor: Actor, name: str,
                  filters: CountFilters = CountFilters()) -> GroupProfile:
    """The profile of the group called ``name`` (or with it as an alias); a group merged into
    another gives the profile of the group kept, under which its records are counted."""
    if not name.strip() or len(name) > 200:
        raise ValidationError("give a group's name (at most 200 characters)", field="group")
    # Every figure from one read-only transaction (one snapshot, one connection): the figures
    # agree with each other, and the profile waits for the pool and BEGIN once, not per figure.
    with reading(store) as conn:
        profile = _read_profile(conn, actor, name, filters)
    with store.begin() as conn:
        audit.record(conn, actor, GroupProfileRead(
            group_id=profile.group.id, group=profile.group.name,
            filters=urlencode(filters.as_params()),
            reports_listed=",".join(str(r.id) for r in profile.evidence)))
    return profile


def _read_profile(conn: Connection, actor: Actor, name: str, filters: CountFilters
                  ) -> GroupProfile:
    counted_as = rollups.group_names(conn).get(name.strip().lower())
    group = group_store.find_group(conn, counted_as or name)
    if group is None:
        raise NotFoundError(f"no group is called {name!r}", field="group")
    about = filters.replace(group=group.name)
    # Incidents have no source or grading: those filters narrow the reports only.
    about_incidents = about.replace(source_kind=None, source_evaluation=None, intelligence=None,
                                    handling=None)
    reports_by_district = breakdown(conn, actor, "reports", "district", about)
    visibility = actor.visibility
    may_read_incidents = incident_records_rule.may_read(actor)
    first, last = analytics_store.first_and_last(conn, "reports", about, visibility)
    incident_count = (analytics_store.count_total(conn, "incidents", about_incidents, None)
                      if may_read_incidents else 0)
    co = breakdown(conn, actor, "reports", "group", about)
    co = Breakdown(co.subject, co.by, co.filters, co.description,
                   [f for f in co.figures if f.key != group.name], co.total, co.unrecorded,
                   co.note)
    evidence, _ = records(conn, actor, "reports", about, limit=EVIDENCE_PAGE, audited=False)
    incident_records: list[RecordRow] = []
    outcomes = Breakdown("incidents", "outcome", about_incidents,
                         "Incidents are not shown: your role may not read incidents.", [], 0, 0)
    if may_read_incidents:
        incident_records, _ = records(conn, actor, "incidents", about_incidents,
                                      limit=EVIDENCE_PAGE, audited=False)
        outcomes = breakdown(conn, actor, "incidents", "outcome", about_incidents)
    return GroupProfile(
        group=group,
        first_seen=first,
        last_seen=last,
        reports=reports_by_district.total,
        incidents=incident_count,
        districts=reports_by_district,
        forces=breakdown(conn, actor, "reports", "force", about),
        platforms=breakdown(conn, actor, "reports", "platform", about),
        outcomes=outcomes,
        co_occurring=co,
        activity=trend(conn, actor, "reports", "quarter", about),
        evidence=evidence,
        incident_records=incident_records,
    )
