"""Analytics results as JSON-ready dicts: one shape for the CLI's ``--json`` and the API."""

from __future__ import annotations

from typing import Any

from drachma.analytics.counts import Breakdown, HotspotRow, TrendPoint
from drachma.analytics.profiles import GroupProfile
from drachma.store.analytics import RecordRow


def breakdown_json(counted: Breakdown) -> dict[str, Any]:
    return {
        "subject": counted.subject, "by": counted.by, "description": counted.description,
        "note": counted.note, "total": counted.total, "unrecorded": counted.unrecorded,
        "filters": counted.filters.as_params(),
        "figures": [{"key": f.key, "label": f.label, "count": f.count,
                     "records": f.filters.as_params()} for f in counted.figures],
    }


def trend_json(counted: Breakdown, points: list[TrendPoint]) -> dict[str, Any]:
    return {"description": counted.description, "by": counted.by, "points": [
        {"period": p.period, "label": p.label, "count": p.count, "previous": p.previous,
         "change": p.change, "change_percent": p.change_percent,
         "records": p.filters.as_params()} for p in points]}


def hotspots_json(counted: Breakdown, rows: list[HotspotRow]) -> dict[str, Any]:
    return {"description": counted.description, "by": counted.by, "rows": [
        {"rank": r.rank, "key": r.key, "label": r.label, "count": r.count,
         "previous": r.previous, "change": r.change, "records": r.filters.as_params()}
        for r in rows]}


def records_json(rows: list[RecordRow], total: int) -> dict[str, Any]:
    return {"total": total, "records": [
        {"id": r.id, "at": r.at.isoformat(), "title": r.title, "force": r.force,
         "grading": r.grading} for r in rows]}


def profile_json(p: GroupProfile) -> dict[str, Any]:
    """A group profile as JSON (the CLI's --json and the API)."""
    counted, points = p.activity
    return {
        "group": {"id": p.group.id, "name": p.group.name, "aliases": p.group.aliases,
                  "pages": p.group.pages, "status": p.group.status.value,
                  "area_force": p.group.area_force},
        "note": p.note,
        "first_seen": p.first_seen.isoformat() if p.first_seen else None,
        "last_seen": p.last_seen.isoformat() if p.last_seen else None,
        "reports": p.reports, "incidents": p.incidents,
        "districts": breakdown_json(p.districts), "forces": breakdown_json(p.forces),
        "platforms": breakdown_json(p.platforms), "outcomes": breakdown_json(p.outcomes),
        "co_occurring_groups": breakdown_json(p.co_occurring),
        "activity": [{"period": t.period, "count": t.count, "change": t.change,
                      "records": t.filters.as_params()} for t in points],
        "evidence": [{"id": r.id, "received_at": r.at.isoformat(), "grading": r.grading,
                      "title": r.title} for r in p.evidence],
        "incident_records": [{"id": r.id, "occurred_at": r.at.isoformat(), "place": r.title}
                             for r in p.incident_records],
        "description": counted.description,
    }
