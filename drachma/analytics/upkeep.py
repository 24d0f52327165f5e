"""Counts kept in step with every write: facts and rollups changed in the writer's transaction.

Every write that changes what a record is about or where it is counted (a report stored, its
mentions read or reviewed, an incident opened or changed or linked to reports, a report
disposed of) calls :func:`settle` (or :func:`forget_reports` before a deletion) on its own
connection, inside its own transaction; a write that changes which group a name counts as (a
group added, aliases added or removed, groups merged or taken apart) runs inside
:func:`groups_changing`, which settles every record counted under a name that moved. ``settle``

1. subtracts what each touched record added to the rollups when it was last counted (its row
   in ``counted_records`` and its facts as stored),
2. derives its facts again (:mod:`drachma.analytics.facts`: a report's from its mentions that
   are not rejected and the incidents it is linked to; an incident's from its own columns) -
   an incident's change touches the reports linked to it,
3. adds what it contributes now.

So the rollups are always equal to a ``GROUP BY`` over the base tables, which is what
:func:`rebuild` (``drachma analytics rebuild``) recomputes from scratch and
:func:`expected_rollups` computes for the consistency test.

A record contributes, under its key (UK month of its date, force, source kind, grading, who may
read it):

* to ``fact_counts``: one for itself (dimension ""), one per fact, one per "has a value for"
  (dimension "+district" ...);
* to ``fact_pair_counts`` (without source kind and grading): one for each ordered pair
  (a, b) with a itself or one of its facts and b itself, another fact or a "has a value for".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import AnalyticsRebuilt
from drachma.access.permissions import Permission
from drachma.analytics.facts import DERIVED, incident_facts, mention_facts
from drachma.model.dates import local
from drachma.store import rollups
from drachma.store.db import Connection, Store
from drachma.store.rollups import CountedKey, Fact, PairKey, StarKey, Subject

MENTION_TYPES = ("GROUP", "PLACE", "PLATFORM", "OUTCOME")
REBUILD_CHUNK = 2000
FLUSH_EVERY = 200_000  # records between writes of a rebuild's sums
ANALYZE_EVERY = 20_000  # records between a rebuild's ANALYZEs (PostgreSQL)
NOBODY = ""  # the key's stand-in for "none" (a record with no force; incidents' grading)


def uk_month(at: object) -> str:
    """The UK month (Europe/London) of a stored moment: 23:30 UTC on 31 May 2026 is June."""
    moment = local(rollups.aware(at))
    return f"{moment.year:04d}-{moment.month:02d}"


def access_key(handling: str, roles: Iterable[str]) -> str:
    """"P" for a report anyone may read; ",analyst,officer," for the roles a C report is open to
    (","  if none: only those who see every restricted report)."""
    if handling == "P":
        return "P"
    return "," + "".join(f"{role}," for role in sorted(roles))


def _report_keys(conn: Connection, ids: Sequence[int]) -> dict[int, CountedKey]:
    return {rid: (uk_month(at), force or NOBODY, kind, gs, gi, gh, access_key(gh, roles))
            for rid, (at, force, kind, gs, gi, gh, roles)
            in rollups.report_columns(conn, ids).items()}


def contribute(star: Counter[StarKey], pairs: Counter[PairKey], subject: Subject,
               key: CountedKey, facts: Iterable[Fact], sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) what one record counts for."""
    known = sorted(set(facts))
    month, force, _kind, _gs, _gi, _gh, access = key
    entries: list[Fact] = [("", ""), *known,
                           *(("+" + d, "") for d in sorted({d for d, _ in known}))]
    for dimension, value in entries:
        star[(subject, dimension, value, *key)] += sign
    for a in (("", ""), *known):
        for b in entries:
            if b != a or a == ("", ""):
                pairs[(subject, a[0], a[1], b[0], b[1], month, force, access)] += sign


def _stored_facts(conn: Connection, subject: Subject, ids: Sequence[int]) -> dict[int, list[Fact]]:
    return {rid: [(d, v) for d, v, _ in rows]
            for rid, rows in rollups.facts_of(conn, subject, ids).items()}


def _group_names(conn: Connection) -> dict[str, str]:
    return rollups.group_names(conn)


def _derive_incidents(conn: Connection, ids: Sequence[int],
                      groups: dict[str, str]) -> dict[int, CountedKey]:
    """Write the incidents' facts again (their groups under the name they are counted under);
    their keys now."""
    rows = rollups.incident_columns(conn, ids)
    rollups.replace_facts(conn, "incidents", ids, DERIVED, (
        (iid, dim, value, "incident") for iid, row in rows.items()
        for dim, value in incident_facts(
            row.place, [groups.get(g.lower(), g) for g in rollups.groups_of(row)],
            row.platform, row.outcome, row.district)))
    return {iid: (uk_month(row.occurred_at), row.force or NOBODY, NOBODY, NOBODY, NOBODY,
                  NOBODY, "P") for iid, row in rows.items()}


def _derive_reports(conn: Connection, ids: Sequence[int],
                    groups: dict[str, str]) -> dict[int, CountedKey]:
    """Write the reports' facts again (from mentions and linked incidents); their keys now."""
    keys = _report_keys(conn, ids)
    present = sorted(keys)
    links = rollups.incidents_of_reports(conn, present)
    linked = _stored_facts(conn, "incidents", sorted(set().union(*links.values()))
                           if links else [])
    derived: list[tuple[int, str, str, str]] = [
        (rid, dim, value, "incident")
        for rid, incident_ids in links.items() for iid in sorted(incident_ids)
        for dim, value in linked.get(iid, [])]
    derived += mention_facts(rollups.mentions_of(conn, present, MENTION_TYPES), groups)
    rollups.replace_facts(conn, "reports", present, DERIVED, derived)
    return keys


def _take_away(conn: Connection, subject: Subject, ids: Sequence[int],
               star: Counter[StarKey], pairs: Counter[PairKey]) -> None:
    old = rollups.counted(conn, subject, ids)
    facts = _stored_facts(conn, subject, sorted(old))
    for rid, key in old.items():
        contribute(star, pairs, subject, key, facts.get(rid, []), -1)


def _add(conn: Connection, subject: Subject, keys: dict[int, CountedKey],
         star: Counter[StarKey], pairs: Counter[PairKey]) -> None:
    facts = _stored_facts(conn, subject, sorted(keys))
    for rid, key in keys.items():
        contribute(star, pairs, subject, key, facts.get(rid, []), 1)


def settle(conn: Connection, *, reports: Iterable[int] = (),
           incidents: Iterable[int] = ()) -> None:
    """Bring the facts and rollups of these records (and of the reports linked to these
    incidents) in step with what is stored now. Call it inside the writing transaction, after
    the write."""
    incident_ids = sorted(set(incidents))
    report_ids = sorted(set(reports) | rollups.reports_of_incidents(conn, incident_ids))
    if not incident_ids and not report_ids:
        return
    star: Counter[StarKey] = Counter()
    pairs: Counter[PairKey] = Counter()
    _take_away(conn, "incidents", incident_ids, star, pairs)
    _take_away(conn, "reports", report_ids, star, pairs)
    groups = _group_names(conn)
    incident_keys = _derive_incidents(conn, incident_ids, groups)
    report_keys = _derive_reports(conn, report_ids, groups)
    _add(conn, "incidents", incident_keys, star, pairs)
    _add(conn, "reports", report_keys, star, pairs)
    rollups.replace_counted(conn, "incidents", incident_ids, incident_keys)
    rollups.replace_counted(conn, "reports", report_ids, report_keys)
    rollups.add_deltas(conn, star, pairs)


def regroup(conn: Connection, before: dict[str, str]) -> int:
    """After a change of who a name counts as (a group added, an alias added or removed, a group
    merged into another or taken apart again), in the same transaction: :func:`settle` every
    report and incident counted under a name that now leads to another group. ``before`` is
    :func:`drachma.store.rollups.group_names` read before the change. Returns how many records
    were settled."""
    after = _group_names(conn)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    if not changed:
        return 0
    # A fact's value is the name its mention or incident led to then, or the name as written
    # when it led to no group.
    old = {before[k] for k in changed if k in before}
    report_ids, incident_ids = rollups.records_counted_under_groups(
        conn, lambda value: value in old or value.lower() in changed)
    settle(conn, reports=report_ids, incidents=incident_ids)
    return len(report_ids) + len(incident_ids)


@contextmanager
def groups_changing(conn: Connection) -> Iterator[None]:
    """``with groups_changing(conn): <change groups' names, aliases or merges>`` keeps the
    counts by group in step (:func:`regroup`) in the writer's transaction."""
    before = _group_names(conn)
    yield
    regroup(conn, before)


def forget_reports(conn: Connection, ids: Iterable[int]) -> None:
    """Take reports out of the counts: call before deleting them, in the same transaction."""
    report_ids = sorted(set(ids))
    star: Counter[StarKey] = Counter()
    pairs: Counter[PairKey] = Counter()
    _take_away(conn, "reports", report_ids, star, pairs)
    rollups.replace_counted(conn, "reports", report_ids, {})
    rollups.add_deltas(conn, star, pairs)


def forget_incidents(conn: Connection, ids: Iterable[int]) -> set[int]:
    """Take incidents out of the counts: call before deleting them, in the same transaction.
    Returns the reports linked to them, whose facts to :func:`settle` after the delete."""
    incident_ids = sorted(set(ids))
    linked = rollups.reports_of_incidents(conn, incident_ids)
    star: Counter[StarKey] = Counter()
    pairs: Counter[PairKey] = Counter()
    _take_away(conn, "incidents", incident_ids, star, pairs)
    rollups.replace_counted(conn, "incidents", incident_ids, {})
    rollups.add_deltas(conn, star, pairs)
    return set(linked)


# --- rebuilding from the base tables -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RebuildSummary:
    reports: int
    incidents: int
    rollup_rows: int


def rebuild_in(conn: Connection,
               progress: Callable[[str, int, int], None] | None = None, *,
               later_tables: bool = True) -> RebuildSummary:
    """Recompute every fact and rollup on an open connection (the demo loader, migration 0018).

    Contributions are added up in memory and written every ``FLUSH_EVERY`` records, so memory
    stays bounded at any size. ``later_tables`` false: not the report list's counts nor the
    pair rollup by year (migration 0018 runs before their tables exist; migrations 0020 and
    0022 fill them from the rollups)."""
    rollups.clear(conn, later_tables=later_tables)
    rollups.refresh_statistics(conn)
    star: Counter[StarKey] = Counter()
    pairs: Counter[PairKey] = Counter()
    groups = _group_names(conn)
    done = {"incidents": 0, "reports": 0}
    pending = 0
    subject: Subject
    for subject in ("incidents", "reports"):
        total = rollups.record_count(conn, subject)
        after = 0
        while ids := rollups.record_ids(conn, subject, after, REBUILD_CHUNK):
            after = ids[-1]
            keys = (_derive_incidents(conn, ids, groups) if subject == "incidents"
                    else _derive_reports(conn, ids, groups))
            _add(conn, subject, keys, star, pairs)
            rollups.replace_counted(conn, subject, ids, keys)
            done[subject] += len(ids)
            pending += len(ids)
            if (done["incidents"] + done["reports"]) % ANALYZE_EVERY < len(ids):
                # The facts rewritten so far, this transaction's own rows included, so that
                # PostgreSQL keeps reading them by id as they grow from nothing.
                rollups.refresh_statistics(conn)
            if pending >= FLUSH_EVERY:
                rollups.add_deltas(conn, star, pairs, later_tables=later_tables)
                star.clear()
                pairs.clear()
                pending = 0
            if progress:
                progress(subject, done[subject], total)
    rollups.add_deltas(conn, star, pairs, later_tables=later_tables)
    return RebuildSummary(done["reports"], done["incidents"],
                          rollups.row_count(conn, later_tables=later_tables))


def rebuild(store: Store, actor: Actor,
            progress: Callable[[str, int, int], None] | None = None) -> RebuildSummary:
    """``drachma analytics rebuild``: recompute every fact and every count from the base tables
    in one transaction (audited). Nothing is needed after ordinary writes, nor after a change
    of groups' names, aliases or merges (:func:`groups_changing`); this is for a database written
    before migration 0018, or after a change of the gazetteer."""
    actor.require(Permission.INGEST)
    with store.begin() as conn:
        summary = rebuild_in(conn, progress)
        audit.record(conn, actor, AnalyticsRebuilt(reports=summary.reports,
                                                   incidents=summary.incidents,
                                                   rollup_rows=summary.rollup_rows))
    return summary


def expected_rollups(conn: Connection) -> tuple[dict[StarKey, int], dict[PairKey, int]]:
    """What the rollups should hold, computed from the base tables and the stored facts
    without writing anything (for checks)."""
    star: Counter[StarKey] = Counter()
    pairs: Counter[PairKey] = Counter()
    subject: Subject
    for subject in ("incidents", "reports"):
        after = 0
        while ids := rollups.record_ids(conn, subject, after, REBUILD_CHUNK):
            after = ids[-1]
            if subject == "reports":
                keys = _report_keys(conn, ids)
            else:
                keys = {iid: (uk_month(row.occurred_at), row.force or NOBODY, NOBODY, NOBODY,
                              NOBODY, NOBODY, "P")
                        for iid, row in rollups.incident_columns(conn, ids).items()}
            _add(conn, subject, keys, star, pairs)
    return ({k: n for k, n in star.items() if n}, {k: n for k, n in pairs.items() if n})
