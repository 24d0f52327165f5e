"""What each record is about (district, town, group, platform, outcome), as rows SQL can count.

A report's facts come from its mentions that analysts have not rejected (corrections applied)
and from the incidents it is linked to; an incident's from its own place, groups, platform and
outcome. Places are resolved through the gazetteer to a town and a **2023** district (older
districts are mapped to their successor). :mod:`drachma.analytics.upkeep` writes them in the same
transaction as every write that changes them, and rebuilds them all (``drachma analytics
rebuild``); facts the demo loader wrote (origin ``demo``) are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from drachma import gazetteers
from drachma.analytics.catalogue import outcome_category
from drachma.model.entities import Place, PlaceKind

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


def mention_facts(rows: Iterable[tuple[int, str, str]],
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


def demo_facts(items: Iterable[tuple[int, Place | None, str]]) -> Iterator[FactRow]:
    """Facts of invented demo reports from (report id, town, group name): what an analyst would
    have confirmed in their text. Origin ``demo``, so a rebuild keeps them."""
    for report_id, town, group in items:
        yield report_id, "group", group, "demo"
        if town is not None:
            yield report_id, "town", town.name, "demo"
            district = gazetteers.current_district(town.district or "")
            if district is not None:
                yield report_id, "district", district.code, "demo"
