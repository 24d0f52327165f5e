"""What each record is about (district, town, group, platform, outcome), as rows SQL can count.

A report's facts come from its mentions that analysts have not rejected (corrections applied)
and from the incidents it is linked to; an incident's from its own place, groups, platform and
outcome. Places are resolved through the gazetteer to a town and a **2023** district (older
districts are mapped to their successor). :func:`refresh_facts` rebuilds every derived fact from
the database in one transaction; facts the demo loader wrote (origin ``demo``) are kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from drachma import gazetteers
from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import AnalyticsFactsRefreshed
from drachma.access.permissions import Permission
from drachma.analytics.catalogue import outcome_category
from drachma.model.entities import Place, PlaceKind
from drachma.store import analytics as analytics_store
from drachma.store import groups as group_store
from drachma.store.db import Store

DERIVED = ("mention", "incident")
FactRow = tuple[int, str, str, str]  # record id, dimension, value, origin


def place_facts(name: str | None) -> list[tuple[str, str]]:
    """(dimension, value) for a place name: its town and 2023 district code, as far as known.

    "Rochdale" gives the town Rochdale and district E08000005; "South Lakeland" (a district
    abolished in 2023) gives district E06000064; a county or an unknown name gives nothing.
    """
    if not name or not name.strip():
        return []
    found = gazetteers.find_places(name)
    if not found:
        district = gazetteers.current_district(name)
        return [("district", district.code)] if district else []
    place = found[0]
    out: list[tuple[str, str]] = []
    if place.kind in (PlaceKind.CITY, PlaceKind.TOWN):
        out.append(("town", place.name))
    if place.kind in (PlaceKind.CITY, PlaceKind.TOWN, PlaceKind.DISTRICT) and place.district:
        district = gazetteers.current_district(place.district)
        if district is not None:
            out.append(("district", district.code))
    return out


def incident_facts(place: str | None, groups: Iterable[str], platform: str | None,
                   outcome: str | None, district: str | None = None) -> list[tuple[str, str]]:
    out = place_facts(place)
    if district and not any(dimension == "district" for dimension, _ in out):
        found = gazetteers.current_district(district)  # the incident's recorded district
        if found is not None:
            out.append(("district", found.code))
    out += [("group", g) for g in groups if g]
    if platform:
        out.append(("platform", platform))
    category = outcome_category(outcome)
    if category:
        out.append(("outcome", category))
    return out


@dataclass(frozen=True, slots=True)
class RefreshSummary:
    report_facts: int
    incident_facts: int


def _group_names(store: Store) -> dict[str, str]:
    """Lower-cased name or alias -> the group's name, for reading GROUP mentions."""
    with store.begin() as conn:
        groups = group_store.all_groups(conn)
    names: dict[str, str] = {}
    for group in groups:
        for form in (group.name, *group.aliases):
            names.setdefault(form.lower(), group.name)
    return names


def _mention_facts(rows: Iterable[tuple[int, str, str]],
                   groups: dict[str, str]) -> Iterator[FactRow]:
    for report_id, kind, value in rows:
        if kind == "GROUP":
            yield report_id, "group", groups.get(value.lower(), value), "mention"
        elif kind == "PLACE":
            for dimension, fact in place_facts(value):
                yield report_id, dimension, fact, "mention"
        elif kind == "PLATFORM":
            yield report_id, "platform", value, "mention"
        elif kind == "OUTCOME":
            category = outcome_category(value)
            if category:
                yield report_id, "outcome", category, "mention"


def refresh_facts(store: Store, actor: Actor,
                  progress: Callable[[str], None] | None = None) -> RefreshSummary:
    """Rebuild the derived facts of every report and incident (one transaction; audited)."""
    actor.require(Permission.INGEST)
    groups = _group_names(store)
    with store.begin() as conn:
        if progress:
            progress("reading incidents")
        by_incident: dict[int, list[tuple[str, str]]] = {}
        for row in analytics_store.incident_rows(conn):
            by_incident[int(row.id)] = incident_facts(
                row.place, json.loads(row.groups or "[]"), row.platform, row.outcome,
                row.district)
        links = analytics_store.incident_report_links(conn)
        if progress:
            progress("reading mentions")
        mentions = analytics_store.reviewed_mentions(conn, ("GROUP", "PLACE", "PLATFORM",
                                                            "OUTCOME"))
        analytics_store.delete_facts(conn, "incidents", DERIVED)
        analytics_store.delete_facts(conn, "reports", DERIVED)
        kept_reports = analytics_store.existing_fact_keys(conn, "reports")
        kept_incidents = analytics_store.existing_fact_keys(conn, "incidents")
        incident_rows = [(iid, dim, value, "incident") for iid, facts in by_incident.items()
                         for dim, value in facts if (iid, dim, value) not in kept_incidents]
        report_rows: dict[tuple[int, str, str], str] = {}
        for incident_id, report_id in links:
            for dim, value in by_incident.get(incident_id, []):
                report_rows.setdefault((report_id, dim, value), "incident")
        for report_id, dim, value, origin in _mention_facts(mentions, groups):
            report_rows.setdefault((report_id, dim, value), origin)
        if progress:
            progress("writing facts")
        written_incidents = analytics_store.insert_facts(conn, "incidents", incident_rows)
        written_reports = analytics_store.insert_facts(
            conn, "reports", ((rid, dim, value, origin)
                              for (rid, dim, value), origin in report_rows.items()
                              if (rid, dim, value) not in kept_reports))
        audit.record(conn, actor, AnalyticsFactsRefreshed(report_facts=written_reports,
                                                          incident_facts=written_incidents))
    return RefreshSummary(written_reports, written_incidents)


def demo_facts(items: Iterable[tuple[int, Place | None, str]]) -> Iterator[FactRow]:
    """Facts of invented demo reports from (report id, town, group name): what an analyst would
    have confirmed in their text. Origin ``demo``, so :func:`refresh_facts` keeps them."""
    for report_id, town, group in items:
        yield report_id, "group", group, "demo"
        if town is not None:
            yield report_id, "town", town.name, "demo"
            district = gazetteers.current_district(town.district or "")
            if district is not None:
                yield report_id, "district", district.code, "demo"
