"""Person profiles: what the records of one cluster say, each value with the record that said it.

In the manner of FollowTheMoney's statements, a profile is a list of :class:`Statement`s
(property, value, and the source record's kind, id and a plain description of it). Nothing is
merged into a single "true" value: two records giving two dates of birth show both, each with its
source. Records are described by where the person was named ("named in report 12", "recorded at
incident 5 as subject"), never by what they are alleged to have done: an allegation is not a
finding, and a profile is not a verdict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import PersonProfileRead
from drachma.access.permissions import Permission
from drachma.errors import NotFoundError, PermissionDenied
from drachma.link.review import visible_records
from drachma.store import linkage as link_store
from drachma.store.db import Connection, Store
from drachma.store.linkage import LinkRecord

NOTICE = ("A profile gathers what separate records say about someone. It is not a finding: "
          "being named in a report or at an incident is not proof of any offence.")


@dataclass(frozen=True, slots=True)
class Statement:
    property: str  # name, alias, date of birth, address, postcode, handle
    value: str
    source_kind: str
    source_id: int
    source: str  # "named in report 12"


@dataclass(slots=True)
class PersonProfile:
    cluster_id: int
    records: list[LinkRecord]
    statements: list[Statement] = field(default_factory=list)
    hidden: int = 0  # records of the cluster the actor may not see
    notice: str = NOTICE

    def values(self, prop: str) -> list[str]:
        return list(dict.fromkeys(s.value for s in self.statements if s.property == prop))


def _list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def describe(record: LinkRecord, row: Any) -> str:
    """Where a record comes from, in words that state no more than the record does."""
    if record.source_kind == "mention":
        return f"named in report {row.report_id}"
    if record.source_kind == "incident_subject":
        return f"recorded at incident {row.incident_id} ({str(row.role).replace('_', ' ')})"
    if record.source_kind == "investigation_subject":
        return f"subject of investigation {row.reference}"
    if record.source_kind == "person":
        return f"person record {row.id}"
    return f"{record.source_kind} {record.source_id}"


def _statements(record: LinkRecord, row: Any) -> list[Statement]:
    source = describe(record, row)
    out: list[tuple[str, str]] = []
    if record.source_kind == "mention":
        out.append(("name", str(row.corrected_value or row.value)))
    else:
        out.append(("name", str(row.name)))
        out += [("alias", a) for a in _list(getattr(row, "aliases", None))]
        if row.date_of_birth is not None:
            out.append(("date of birth", row.date_of_birth.isoformat()))
        if record.source_kind == "incident_subject":
            if row.address:
                out.append(("address", str(row.address)))
            if row.postcode:
                out.append(("postcode", str(row.postcode)))
        else:
            out += [("address", a) for a in _list(row.addresses)]
        if record.source_kind == "investigation_subject":
            out += [("postcode", p) for p in _list(row.postcodes)]
        out += [("handle", h) for h in _list(getattr(row, "handles", None))]
    return [Statement(p, v, record.source_kind, record.source_id, source) for p, v in out if v]


def _profile(conn: Connection, actor: Actor, cluster_id: int) -> PersonProfile:
    """A person profile read in ``conn``: its records ``actor`` may see and their statements."""
    members = link_store.cluster_members(conn, cluster_id)
    if not members or members[0].kind != "person":
        raise NotFoundError(f"no person profile {cluster_id}", field="cluster_id")
    seen = visible_records(conn, actor, members)
    shown = [m for m in members if m.id in seen]
    profile = PersonProfile(cluster_id, shown, hidden=len(members) - len(shown))
    by_kind: dict[str, list[int]] = {}
    for record in shown:
        by_kind.setdefault(record.source_kind, []).append(record.source_id)
    rows = {(kind, row.id): row for kind, ids in by_kind.items()
            for row in link_store.source_rows(conn, kind, ids)}
    for record in shown:
        row = rows.get((record.source_kind, record.source_id))
        if row is not None:
            profile.statements += _statements(record, row)
    return profile


def person_profile(store: Store, actor: Actor, cluster_id: int) -> PersonProfile:
    """One person profile: its records the actor may see and their statements (audited)."""
    if not actor.can(Permission.READ_PERSONS):
        raise PermissionDenied(f"the {actor.role.label} role may not read persons", field="role")
    with store.begin() as conn:
        profile = _profile(conn, actor, cluster_id)
        audit.record(conn, actor, PersonProfileRead(cluster_id=cluster_id,
                                                    records=len(profile.records)))
    return profile


#: What a profile may carry out of the force (``docs/sharing.md``): no street address, postcode
#: or online handle of a person leaves in an export.
SHARED_PROPERTIES = ("name", "alias", "date of birth")


def shared_source(statement: Statement) -> str:
    """A statement's source as an export names it: the kind of record and Drachma's number for
    it, never who gave the information; an investigation is not named (its operation name stays
    in the force)."""
    if statement.source_kind == "investigation_subject":
        return "subject of an investigation"
    return statement.source


def profile_for_export(conn: Connection, actor: Actor, source_kind: str, source_id: int
                       ) -> PersonProfile | None:
    """The confirmed profile a record belongs to, as ``actor`` may see it, with only the
    statements an export may carry; None when the record is in no profile. Not audited here:
    the export records what it carried (``PersonProfileExported``)."""
    record = link_store.record_by_source(conn, source_kind, source_id)
    if record is None or record.kind != "person" or record.cluster_id is None:
        return None
    profile = _profile(conn, actor, record.cluster_id)
    profile.statements = [s for s in profile.statements if s.property in SHARED_PROPERTIES]
    return profile


def record_statements(store: Store, records: list[LinkRecord]) -> dict[int, list[Statement]]:
    """Statements of records already checked as visible (the review page's two sides)."""
    out: dict[int, list[Statement]] = {}
    with store.begin() as conn:
        for record in records:
            rows = link_store.source_rows(conn, record.source_kind, [record.source_id])
            if rows and record.source_kind != "group":
                out[record.id] = _statements(record, rows[0])
    return out


@dataclass(frozen=True, slots=True)
class ProfileSummary:
    cluster_id: int
    records: int
    names: list[str]


def list_profiles(store: Store, actor: Actor, *, limit: int = 50, offset: int = 0
                  ) -> tuple[list[ProfileSummary], int]:
    """Person profiles (clusters), newest first, with the names their visible records give."""
    if not actor.can(Permission.READ_PERSONS):
        raise PermissionDenied(f"the {actor.role.label} role may not read persons", field="role")
    with store.begin() as conn:
        clusters, total = link_store.list_clusters(conn, "person", limit=min(limit, 100),
                                                   offset=max(offset, 0))
        out = []
        for cluster_id, count in clusters:
            members = link_store.cluster_members(conn, cluster_id)
            seen = visible_records(conn, actor, members)
            names = [f"{m.features.get('first_name') or ''} {m.features.get('surname') or ''}"
                     .strip().title() for m in members if m.id in seen]
            out.append(ProfileSummary(cluster_id, count, list(dict.fromkeys(names))))
    return out, total
