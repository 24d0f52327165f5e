"""The reads behind exports (:mod:`drachma.sharing`): reports an actor may see, by id or by
filter, and the links between incidents and reports. Visibility is applied in SQL, as for every
other listing, so a report the actor may not see is never loaded."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from drachma.model.entities import Group
from drachma.model.report import Report
from drachma.store.reports import ReportFilters, Visibility, reports_by_ids
from drachma.store.tables import groups, incident_reports, reports


def visible_report_ids(conn: Connection, visibility: Visibility, filters: ReportFilters, *,
                       limit: int) -> list[int]:
    """Ids of the reports matching ``filters`` that ``visibility`` allows, newest first; at most
    ``limit`` (the caller asks for one more than it allows, to refuse an over-large export)."""
    query = (select(reports.c.id).where(visibility.clause(), *filters.clauses())
             .order_by(reports.c.received_at.desc(), reports.c.id.desc()).limit(limit))
    return [int(i) for i in conn.execute(query).scalars()]


def visible_reports(conn: Connection, visibility: Visibility, ids: Sequence[int]
                    ) -> list[Report]:
    """The reports among ``ids`` that ``visibility`` allows, in the order of ``ids``."""
    if not ids:
        return []
    allowed = {int(i) for i in conn.execute(
        select(reports.c.id).where(reports.c.id.in_(list(ids)), visibility.clause())).scalars()}
    found = reports_by_ids(conn, [i for i in ids if i in allowed])
    return [found[i] for i in ids if i in found]


def incident_report_links(conn: Connection, ids: Sequence[int], *, by: str
                          ) -> dict[int, list[int]]:
    """Links between incidents and reports (whoever may see the reports; the caller filters):
    ``by="incident"`` gives each incident's report ids, ``by="report"`` each report's incident
    ids."""
    key, other = ((incident_reports.c.incident_id, incident_reports.c.report_id)
                  if by == "incident" else
                  (incident_reports.c.report_id, incident_reports.c.incident_id))
    out: dict[int, list[int]] = {}
    if not ids:
        return out
    rows = conn.execute(select(key, other).where(key.in_(list(ids))).order_by(key, other))
    for owner, linked in rows:
        out.setdefault(int(owner), []).append(int(linked))
    return out


def get_group(conn: Connection, group_id: int) -> Group | None:
    """One group with its aliases and pages."""
    from drachma.store.groups import _groups

    row = conn.execute(select(groups).where(groups.c.id == group_id)).first()
    return _groups(conn, [row])[0] if row else None
