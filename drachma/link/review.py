"""The review queue of candidate matches: confirm (a cluster, one profile), reject (remembered,
never proposed again), undo. Every decision is audited with who and when.

A decision needs sight of both records: a person record needs ``read_persons``; an incident
subject ``read_persons`` or ``manage_incidents``; an investigation subject ``manage_evidence``
(those who run investigations) or oversight; a mention needs its report to be readable by the
role (handling code C). A decision on a pair the actor may not see is refused, the refusal is
audited, and nothing else changes. The queue shows only pairs whose two records the actor may
see, and says how many it left out.

The same queue serves groups (kind ``group``): confirming a group pair makes the other group's
name, aliases and pages aliases of the group kept ("X UK" becomes an alias of "X").
"""

from __future__ import annotations

from dataclasses import dataclass

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import (
    LinkageDecided,
    LinkagePairRead,
    LinkageQueueRead,
    LinkageRefused,
)
from drachma.access.permissions import Permission, allowed, can_read_restricted
from drachma.analytics import upkeep
from drachma.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from drachma.model.roles import Role
from drachma.store import linkage as link_store
from drachma.store.db import Connection, Store
from drachma.store.linkage import CONFIRMED, PENDING, REJECTED, LinkRecord, Pair

KINDS = ("person", "group")
MAX_PAGE = 100


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValidationError(f"unknown kind {kind!r}: person or group", field="kind")
    return kind


def visible_records(conn: Connection, actor: Actor, records: list[LinkRecord]) -> set[int]:
    """The ids of the records the actor may see."""
    role = actor.role
    mention_ids = [r.source_id for r in records if r.source_kind == "mention"]
    report_of = link_store.mention_reports(conn, mention_ids)
    reports = link_store.report_visibility(conn, list(set(report_of.values())))
    seen: set[int] = set()
    for record in records:
        ok = False
        if record.source_kind == "group":
            ok = allowed(role, Permission.READ_REPORTS)
        elif record.source_kind == "person":
            ok = allowed(role, Permission.READ_PERSONS)
        elif record.source_kind == "incident_subject":
            ok = (allowed(role, Permission.READ_PERSONS)
                  or allowed(role, Permission.MANAGE_INCIDENTS))
        elif record.source_kind == "investigation_subject":
            ok = (allowed(role, Permission.MANAGE_EVIDENCE)
                  or allowed(role, Permission.READ_ALL_RESTRICTED))
        elif record.source_kind == "mention":
            report = reports.get(report_of.get(record.source_id, -1))
            if report is not None and allowed(role, Permission.READ_PERSONS):
                handling, roles = report
                ok = handling != "C" or can_read_restricted(
                    role, frozenset(Role(r) for r in roles if r in Role._value2member_map_))
        if ok:
            seen.add(record.id)
    return seen


@dataclass(frozen=True, slots=True)
class QueuePage:
    kind: str
    pairs: list[Pair]
    records: dict[int, LinkRecord]
    total: int
    hidden: int  # pairs on this page left out: the actor may not see one of their records
    threshold: float
    order: str = "uncertain"


#: How the queue is ordered: ``uncertain`` (the default) puts first the pairs the model is least
#: sure of, match weight nearest 0 (even odds), where an analyst's judgement adds most; exact
#: copies (the strongest) come last. ``strongest`` is the other way, for clearing the obvious.
QUEUE_ORDERS = ("uncertain", "strongest")


def _check_order(order: str) -> str:
    if order not in QUEUE_ORDERS:
        raise ValidationError(f"unknown queue order {order!r}: {' or '.join(QUEUE_ORDERS)}",
                              field="order")
    return order


def review_queue(store: Store, actor: Actor, kind: str = "person", *, threshold: float = 0.0,
                 limit: int = 20, offset: int = 0, order: str = "uncertain") -> QueuePage:
    """Pending candidate pairs at or above ``threshold``, the least certain first (or the
    strongest first: ``order``)."""
    actor.require(Permission.LINK_RECORDS)
    _check_kind(kind)
    _check_order(order)
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ValidationError(f"a page holds 1 to {MAX_PAGE} pairs", field="limit")
    with store.begin() as conn:
        pairs, total = link_store.queue(conn, kind, threshold=threshold, limit=limit,
                                        offset=offset, order=order)
        records = link_store.records_by_ids(
            conn, [i for p in pairs for i in (p.left_id, p.right_id)])
        seen = visible_records(conn, actor, list(records.values()))
        shown = [p for p in pairs if p.left_id in seen and p.right_id in seen]
        audit.record(conn, actor, LinkageQueueRead(
            kind_=kind, listed=",".join(str(p.id) for p in shown),
            hidden=len(pairs) - len(shown)))
    return QueuePage(kind, shown, {i: r for i, r in records.items() if i in seen}, total,
                     len(pairs) - len(shown), threshold, order)


def _refuse(store: Store, actor: Actor, pair_id: int | None, reason: str) -> PermissionDenied:
    with store.begin() as conn:
        audit.record(conn, actor, LinkageRefused(pair_id=pair_id, reason=reason))
    return PermissionDenied(reason, field="pair_id")


@dataclass(frozen=True, slots=True)
class PairDetail:
    pair: Pair
    left: LinkRecord
    right: LinkRecord
    decisions: list[link_store.Decision]
    model_version: int


def _visible_pair(store: Store, actor: Actor, conn: Connection, pair_id: int,
                  *, for_update: bool = False) -> tuple[Pair, LinkRecord, LinkRecord] | str:
    pair = link_store.get_pair(conn, pair_id, for_update=for_update)
    if pair is None:
        raise NotFoundError(f"no candidate pair {pair_id}", field="pair_id")
    records = link_store.records_by_ids(conn, [pair.left_id, pair.right_id])
    seen = visible_records(conn, actor, list(records.values()))
    if {pair.left_id, pair.right_id} - seen:
        return (f"the {actor.role.label} role may not see both records of pair {pair_id}; "
                "nothing was changed")
    return pair, records[pair.left_id], records[pair.right_id]


def get_pair(store: Store, actor: Actor, pair_id: int) -> PairDetail:
    """One candidate pair with both records, its waterfall and its decisions (audited)."""
    actor.require(Permission.LINK_RECORDS)
    with store.begin() as conn:
        found = _visible_pair(store, actor, conn, pair_id)
        if not isinstance(found, str):
            pair, left, right = found
            decisions = link_store.decisions_of(conn, [pair.id])
            model = link_store.get_model(conn, pair.model_id)
            audit.record(conn, actor, LinkagePairRead(pair_id=pair_id))
    if isinstance(found, str):
        raise _refuse(store, actor, pair_id, found)
    return PairDetail(pair, left, right, decisions, model.version if model else 0)


def _merge_groups(conn: Connection, keep: LinkRecord, other: LinkRecord) -> dict[str, object]:
    """Make ``other``'s names and pages aliases of ``keep``; returns what to take back."""
    kept = link_store.group_row(conn, keep.source_id)
    gone = link_store.group_row(conn, other.source_id)
    if kept is None or gone is None:
        raise NotFoundError("one of the two groups no longer exists", field="pair_id")
    if gone.merged_into is not None:
        raise ConflictError(f"group {gone.name!r} is already merged into another group",
                            field="pair_id")
    names = [("alias", gone.name)]
    names += [(kind, alias) for kind, alias in link_store.group_pages(conn, [gone.id]).get(
        gone.id, [])]
    added = link_store.add_group_aliases(conn, kept.id, names)
    link_store.set_merged_into(conn, gone.id, kept.id)
    return {"group_kept": kept.id, "group_merged": gone.id, "aliases_added": added}


def confirm(store: Store, actor: Actor, pair_id: int, *, keep: int | None = None
            ) -> link_store.Decision:
    """Confirm a candidate pair: its records join one cluster (one profile). For a group pair,
    ``keep`` is the record id of the group that keeps its name (by default the shorter name)."""
    actor.require(Permission.LINK_RECORDS)
    with store.begin() as conn:
        found = _visible_pair(store, actor, conn, pair_id, for_update=True)
        if not isinstance(found, str):
            pair, left, right = found
            if pair.status != PENDING:
                raise ConflictError(f"pair {pair_id} is already {pair.status}; undo that first",
                                    field="pair_id")
            changes: dict[str, object] = {}
            if pair.kind == "group":
                chosen = _group_to_keep(conn, left, right, keep)
                other = right if chosen.id == left.id else left
                with upkeep.groups_changing(conn):  # counts by group in step (analytics)
                    changes.update(_merge_groups(conn, chosen, other))
            cluster, moved = _join(conn, pair.kind, left, right, actor.name)
            changes.update({"cluster": cluster, "moved": moved})
            link_store.set_pair_status(conn, pair.id, CONFIRMED, actor.name)
            decision_id = link_store.add_decision(conn, pair.id, "confirm", changes, actor.name)
            audit.record(conn, actor, LinkageDecided(pair_id=pair.id, decision="confirm",
                                                     decision_id=decision_id,
                                                     cluster_id=cluster))
            decision = link_store.get_decision(conn, decision_id)
    if isinstance(found, str):
        raise _refuse(store, actor, pair_id, found)
    assert decision is not None
    return decision


def _group_to_keep(conn: Connection, left: LinkRecord, right: LinkRecord,
                   keep: int | None) -> LinkRecord:
    if keep is not None:
        if keep not in (left.id, right.id):
            raise ValidationError("keep must be one of the pair's two records", field="keep")
        return left if keep == left.id else right
    names = {r.id: str(r.features.get("name") or "") for r in (left, right)}
    return min((left, right), key=lambda r: (len(names[r.id]), r.id))


def _join(conn: Connection, kind: str, left: LinkRecord, right: LinkRecord,
          actor_name: str) -> tuple[int, list[list[int | None]]]:
    """Put two records in one cluster; returns the cluster and [record, cluster before] moved."""
    if left.cluster_id is None and right.cluster_id is None:
        cluster = link_store.new_cluster(conn, kind, actor_name)
        movers = [left, right]
    elif left.cluster_id is None or right.cluster_id is None:
        cluster = left.cluster_id or right.cluster_id  # type: ignore[assignment]
        movers = [left if left.cluster_id is None else right]
    else:
        cluster = min(left.cluster_id, right.cluster_id)
        movers = link_store.cluster_members(conn, max(left.cluster_id, right.cluster_id))
    assert cluster is not None
    link_store.set_cluster(conn, [r.id for r in movers], cluster)
    return cluster, [[r.id, r.cluster_id] for r in movers]


def reject(store: Store, actor: Actor, pair_id: int) -> link_store.Decision:
    """Reject a candidate pair: remembered, never proposed again (until the rejection is
    undone)."""
    actor.require(Permission.LINK_RECORDS)
    with store.begin() as conn:
        found = _visible_pair(store, actor, conn, pair_id, for_update=True)
        if not isinstance(found, str):
            pair = found[0]
            if pair.status != PENDING:
                raise ConflictError(f"pair {pair_id} is already {pair.status}; undo that first",
                                    field="pair_id")
            link_store.set_pair_status(conn, pair.id, REJECTED, actor.name)
            decision_id = link_store.add_decision(conn, pair.id, "reject", {}, actor.name)
            audit.record(conn, actor, LinkageDecided(pair_id=pair.id, decision="reject",
                                                     decision_id=decision_id))
            decision = link_store.get_decision(conn, decision_id)
    if isinstance(found, str):
        raise _refuse(store, actor, pair_id, found)
    assert decision is not None
    return decision


def undo(store: Store, actor: Actor, pair_id: int) -> link_store.Decision:
    """Undo the last decision on a pair: a merge is taken apart exactly as it was made (and a
    group merge's aliases removed); a rejection is lifted. The pair is pending again. A merge
    that a later merge built on is refused until that one is undone."""
    actor.require(Permission.LINK_RECORDS)
    with store.begin() as conn:
        found = _visible_pair(store, actor, conn, pair_id, for_update=True)
        if not isinstance(found, str):
            pair = found[0]
            last = next((d for d in reversed(link_store.decisions_of(conn, [pair.id]))
                         if d.decision != "undo" and d.undone_by is None), None)
            if last is None or pair.status == PENDING:
                raise ConflictError(f"pair {pair_id} has no decision to undo", field="pair_id")
            if last.decision == "confirm":
                _take_apart(conn, pair, last)
            link_store.set_pair_status(conn, pair.id, PENDING, None)
            decision_id = link_store.add_decision(conn, pair.id, "undo", {"undid": last.id},
                                                  actor.name)
            link_store.mark_undone(conn, last.id, decision_id)
            audit.record(conn, actor, LinkageDecided(pair_id=pair.id, decision="undo",
                                                     decision_id=decision_id, undid=last.id))
            decision = link_store.get_decision(conn, decision_id)
    if isinstance(found, str):
        raise _refuse(store, actor, pair_id, found)
    assert decision is not None
    return decision


def _take_apart(conn: Connection, pair: Pair, last: link_store.Decision) -> None:
    cluster = last.changes.get("cluster")
    later = [d for d in link_store.recent_decisions(conn, pair.kind, limit=10_000)
             if d.id > last.id and d.decision == "confirm" and d.undone_by is None
             and (d.changes.get("cluster") == cluster
                  or any(m[1] == cluster for m in d.changes.get("moved", [])))]
    if later:
        raise ConflictError(
            f"a later merge (decision {later[-1].id}, pair {later[-1].pair_id}) built on this "
            "one: undo it first", field="pair_id")
    moved = [(int(m[0]), m[1]) for m in last.changes.get("moved", [])]
    now = link_store.records_by_ids(conn, [m[0] for m in moved])
    if any(now[r].cluster_id != cluster for r, _ in moved if r in now):
        raise ConflictError("the records have been moved since this merge: undo the later "
                            "decision first", field="pair_id")
    by_before: dict[int | None, list[int]] = {}
    for record_id, before in moved:
        by_before.setdefault(before, []).append(record_id)
    for before, ids in by_before.items():
        link_store.set_cluster(conn, ids, before)
    if "group_merged" in last.changes:
        with upkeep.groups_changing(conn):  # counts by group in step (analytics)
            link_store.remove_group_aliases(conn,
                                            [int(a) for a in last.changes["aliases_added"]])
            link_store.set_merged_into(conn, int(last.changes["group_merged"]), None)
