"""UK gazetteers shipped as package data: police forces, local authority districts, towns, counties.

The CSV files live in ``drachma/gazetteers/data/`` (see ``SOURCES.md`` there for where the facts
come from). Each file is read once, lazily, on first use.

>>> force_by_code("greater-manchester").name
'Greater Manchester Police'
>>> resolve_force("the Met").code
'metropolitan'
>>> find_places("Rochdale")[0].force
'greater-manchester'
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from drachma.errors import UnknownForceError, ValidationError
from drachma.gazetteers.boundaries import district_force_lookup
from drachma.model.entities import Place, PlaceKind, PoliceForce

__all__ = [
    "COMMON_WORD_NAMES",
    "SOURCES",
    "District",
    "DistrictChange",
    "counties",
    "current_district",
    "district_by_code",
    "district_by_name",
    "district_changes",
    "districts",
    "find_force",
    "find_places",
    "force_by_code",
    "force_by_ons_code",
    "force_category",
    "force_names",
    "nearest_town",
    "place_names",
    "police_forces",
    "resolve_force",
    "territorial_forces",
    "towns",
]


def _read_text(name: str) -> str:
    return resources.files(__name__).joinpath("data", name).read_text(encoding="utf-8")


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_read_text(name))))


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip())


#: The text of ``data/SOURCES.md``: where every data file comes from.
SOURCES: str = _read_text("SOURCES.md")

#: Lower-cased place names in the gazetteer that are also everyday English words or common
#: personal names ("March", "Deal", "Street", "Reading"...). A matcher that scans free text for
#: place names should demand extra context (a capital letter, "in"/"near", a county) for these.
COMMON_WORD_NAMES: frozenset[str] = frozenset(
    {
        "ash", "barry", "bath", "battle", "bentley", "bourne", "bow", "brandon", "bury",
        "carlton", "chard", "crook", "deal", "denny", "derby", "dingle", "diss", "eye", "fleet",
        "flint", "grove", "hamilton", "holt", "hook", "hull", "hyde", "keith", "kimberley",
        "lancing", "leek", "lees", "march", "mold", "nelson", "reading", "riverside",
        "rye", "sale", "sandy", "shaw", "shirley", "stanley", "stone", "street", "walker", "ware",
        "wells", "wick",
    }
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Police forces
# --------------------------------------------------------------------------------------------


@cache
def _force_rows() -> tuple[tuple[PoliceForce, str], ...]:
    return tuple(
        (
            PoliceForce(
                code=row["code"],
                name=row["name"],
                short_forms=_split(row["short_forms"]),
                country=row["country"],
            ),
            row["category"],
        )
        for row in _rows("forces.csv")
    )


@cache
def _forces_by_ons_code() -> dict[str, PoliceForce]:
    return {row["ons_code"]: _forces_by_code()[row["code"]]
            for row in _rows("forces.csv") if row["ons_code"]}


def force_by_ons_code(code: str) -> PoliceForce:
    """The force whose area has the ONS police force area code ``code`` (e.g. ``E23000005``).

    Police Scotland and the PSNI have no ONS code; the boundary files use ``police-scotland``
    and ``psni``, which are also their codes here.
    """
    found = _forces_by_ons_code().get(code) or _forces_by_code().get(code)
    if found is None:
        raise UnknownForceError(f"no police force area has the code {code!r}", field="force")
    return found


def police_forces() -> tuple[PoliceForce, ...]:
    """Every force in ``forces.csv``: the 45 territorial forces, then BTP, CNC and MDP."""
    return tuple(force for force, _ in _force_rows())


def territorial_forces() -> tuple[PoliceForce, ...]:
    """The 43 forces of England and Wales, Police Scotland and the PSNI."""
    return tuple(force for force, category in _force_rows() if category == "territorial")


def force_category(code: str) -> str:
    """``"territorial"`` or ``"special"`` (British Transport Police, CNC, MoD Police)."""
    force_by_code(code)
    return next(category for force, category in _force_rows() if force.code == code)


@cache
def _forces_by_code() -> dict[str, PoliceForce]:
    return {force.code: force for force in police_forces()}


def force_by_code(code: str) -> PoliceForce:
    """The force whose code is exactly ``code`` (e.g. ``"west-midlands"``)."""
    try:
        return _forces_by_code()[code]
    except KeyError:
        raise UnknownForceError(
            f"unknown police force {code!r}: expected a code such as 'greater-manchester'",
            field="force",
        ) from None


_FORCE_PUNCTUATION = re.compile(r"[.,;:!?\"()\[\]]")
_FORCE_WORDS = (
    (re.compile(r"\bconstabulary\b"), "police"),
    (re.compile(r"\bpolice (?:force|service)\b"), "police"),
)


def _force_key(text: str) -> str:
    """Normalise a way of writing a force name so that trivial variants compare equal.

    Lower case; curly quotes straightened; punctuation, hyphens and slashes become spaces;
    ``&`` becomes ``and``; a trailing possessive (``'s`` or ``'``) and a leading ``the`` go;
    ``Constabulary``, ``Police Force`` and ``Police Service`` all become ``police``.
    """
    key = text.lower().replace("\u2019", "'").replace("`", "'")
    key = _FORCE_PUNCTUATION.sub(" ", key)
    key = key.replace("&", " and ").replace("-", " ").replace("/", " ")
    key = " ".join(key.split())
    key = re.sub(r"(?:'s|')$", "", key)
    key = re.sub(r"^the ", "", key)
    for pattern, replacement in _FORCE_WORDS:
        key = pattern.sub(replacement, key)
    return key.replace("'", "").strip()


@cache
def _force_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for force in police_forces():
        for form in (force.name, *force.short_forms):
            index.setdefault(_force_key(form), force.code)
    return index


def find_force(text: str) -> PoliceForce | None:
    """The force ``text`` names (its code, official name or a short form), or ``None``.

    Case-insensitive and tolerant of a leading "the", "&" for "and", "Constabulary" for
    "Police" and a trailing "'s": ``"GMP"``, ``"the Met's"``, ``"Lancashire Police"``,
    ``"Avon & Somerset Constabulary"`` all resolve. A bare county ("Lancashire") is a place,
    not a force, and gives ``None`` unless it is also a force code (``"kent"``, ``"essex"``).
    """
    stripped = text.strip()
    if not stripped:
        return None
    by_code = _forces_by_code().get(stripped.lower())
    if by_code is not None:
        return by_code
    code = _force_index().get(_force_key(stripped))
    return None if code is None else _forces_by_code()[code]


def resolve_force(text: str) -> PoliceForce:
    """Like :func:`find_force` but raises :class:`UnknownForceError` naming ``text``."""
    force = find_force(text)
    if force is None:
        raise UnknownForceError(
            f"unknown police force {text!r}: give a force code (e.g. 'greater-manchester') "
            "or a name such as 'Greater Manchester Police' or 'GMP'",
            field="force",
        )
    return force


@cache
def _force_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for force in police_forces():
        for form in (force.name, *force.short_forms):
            names.setdefault(form.lower(), force.code)
    return names


def force_names() -> dict[str, str]:
    """Every written form of every force (lower-cased) -> force code, for building matchers.

    Holds official names and short forms as listed in ``forces.csv`` (which already carries the
    "&"/"and" and "Police"/"Constabulary" variants). Codes are not included: most are bare
    county names ("kent") that a text matcher must not read as a force.
    """
    return dict(_force_names())


# --------------------------------------------------------------------------------------------
# Districts, towns, counties
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class District:
    """A local authority district (2023 codes and names) and the police force area holding it.

    ``code`` is the ONS GSS code (``E08000025``). ``force`` comes from the ONS-derived lookup
    ``lad_to_pfa.csv`` shipped with the boundary files, never from a hand-typed column.
    ``kind`` is one of "district", "unitary", "metropolitan borough", "london borough",
    "sui generis" (City of London, Isles of Scilly), "principal area" (Wales), "council area"
    (Scotland). ``county_or_region`` is the ceremonial county in England, the preserved county
    in Wales, and "Scotland" / "Northern Ireland" there.
    """

    name: str
    kind: str
    county_or_region: str
    force: str
    main_town: str | None = None
    aliases: tuple[str, ...] = ()
    code: str = ""


@dataclass(frozen=True, slots=True)
class DistrictChange:
    """A district abolished or recoded since 2018, and the 2023 district that took it over."""

    old_code: str
    old_name: str
    new_code: str
    new_name: str
    effective: str  # ISO date


@cache
def districts() -> tuple[District, ...]:
    """The 361 districts of 2023, each with the force area from ``lad_to_pfa.csv``."""
    lookup = district_force_lookup()
    out = []
    for row in _rows("districts.csv"):
        entry = lookup.get(row["code"])
        if entry is None:
            raise ValidationError(
                f"districts.csv: {row['name']} ({row['code']}) is not in lad_to_pfa.csv",
                field="districts.csv",
            )
        out.append(
            District(
                name=row["name"],
                kind=row["kind"],
                county_or_region=row["county_or_region"],
                force=force_by_ons_code(entry.pfa_code).code,
                main_town=row["main_town"] or None,
                aliases=_split(row["aliases"]),
                code=row["code"],
            )
        )
    if {d.code for d in out} != set(lookup):
        raise ValidationError("districts.csv and lad_to_pfa.csv list different districts",
                              field="districts.csv")
    return tuple(out)


@cache
def _districts_by_name() -> dict[str, District]:
    return {district.name: district for district in districts()}


@cache
def _districts_by_code() -> dict[str, District]:
    return {district.code: district for district in districts()}


def district_by_name(name: str) -> District | None:
    """The 2023 district called exactly ``name`` (case-insensitive), or ``None``.

    Older names ("South Lakeland", "Aylesbury Vale") are not 2023 districts: use
    :func:`current_district`, which maps them.
    """
    return _districts_by_lower_name().get(name.strip().lower())


@cache
def _districts_by_lower_name() -> dict[str, District]:
    return {district.name.lower(): district for district in districts()}


def district_by_code(code: str) -> District | None:
    """The 2023 district with GSS code ``code``, or ``None``."""
    return _districts_by_code().get(code.strip().upper())


@cache
def district_changes() -> tuple[DistrictChange, ...]:
    """``district_changes.csv``: districts merged or recoded 2018-2023 and their successors."""
    out = []
    for row in _rows("district_changes.csv"):
        change = DistrictChange(row["old_code"], row["old_name"], row["new_code"],
                                row["new_name"], row["effective"])
        successor = _districts_by_code().get(change.new_code)
        if successor is None or successor.name != change.new_name:
            raise ValidationError(
                f"district_changes.csv: {change.old_name} maps to {change.new_code} "
                f"{change.new_name!r}, which is not a 2023 district",
                field="district_changes.csv",
            )
        out.append(change)
    return tuple(out)


def current_district(name_or_code: str) -> District | None:
    """The 2023 district for a district name or GSS code, current or older.

    ``current_district("South Lakeland")`` and ``current_district("E07000031")`` are both
    Westmorland and Furness; a 2023 name or code is itself. ``None`` when nothing matches.
    """
    text = name_or_code.strip()
    found = district_by_code(text) or district_by_name(text)
    if found is not None:
        return found
    wanted = text.lower()
    for change in district_changes():
        if wanted in {change.old_code.lower(), change.old_name.lower()}:
            return _districts_by_code()[change.new_code]
    return None


_TOWN_KINDS = {"city": PlaceKind.CITY, "town": PlaceKind.TOWN, "area": PlaceKind.TOWN}


@dataclass(frozen=True, slots=True)
class _Entry:
    place: Place
    label: str  # city / town / area / district / county kind
    aliases: tuple[str, ...]


@cache
def _town_entries() -> tuple[_Entry, ...]:
    by_name = _districts_by_name()
    entries = []
    for row in _rows("towns.csv"):
        place = Place(
            name=row["name"],
            kind=_TOWN_KINDS[row["kind"]],
            district=row["district"],
            force=by_name[row["district"]].force,
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            within=by_name[row["district"]].county_or_region,
        )
        entries.append(_Entry(place, row["kind"], _split(row["aliases"])))
    return tuple(entries)


def towns() -> tuple[Place, ...]:
    """Cities, towns and named areas of big cities, with district, force and coordinates.

    Areas ("Moss Side", "Toxteth", "Handsworth") are :attr:`PlaceKind.TOWN`; the ``kind``
    column of ``towns.csv`` keeps the finer city/town/area distinction.
    """
    return tuple(entry.place for entry in _town_entries())


@cache
def _district_entries() -> tuple[_Entry, ...]:
    located = {(e.place.name, e.place.district): e.place for e in _town_entries()}
    entries = []
    for district in districts():
        main = located.get((district.main_town or "", district.name))
        place = Place(
            name=district.name,
            kind=PlaceKind.DISTRICT,
            district=district.name,
            force=district.force,
            latitude=None if main is None else main.latitude,
            longitude=None if main is None else main.longitude,
            within=district.county_or_region,
        )
        entries.append(_Entry(place, district.kind, district.aliases))
    return tuple(entries)


_COUNTY_KINDS = {
    "ceremonial county": PlaceKind.COUNTY,
    "preserved county": PlaceKind.COUNTY,
    "historic county": PlaceKind.COUNTY,
    "county": PlaceKind.COUNTY,
    "region": PlaceKind.REGION,
    "country": PlaceKind.REGION,
}


@cache
def _county_entries() -> tuple[_Entry, ...]:
    return tuple(
        _Entry(
            Place(
                name=row["name"],
                kind=_COUNTY_KINDS[row["kind"]],
                force=row["force"] or None,
                within=row["country"],
            ),
            row["kind"],
            _split(row["aliases"]),
        )
        for row in _rows("counties.csv")
    )


def counties() -> tuple[Place, ...]:
    """Counties and regions reports name ("Lancashire", "County Durham", "Fife" is a district).

    :attr:`PlaceKind.COUNTY` for English ceremonial counties, Welsh preserved counties, the six
    counties of Northern Ireland and a few historic Scottish counties; :attr:`PlaceKind.REGION`
    for regions and the four nations. ``force`` is set only where a single force covers it.
    """
    return tuple(entry.place for entry in _county_entries())


def _place_key(text: str) -> str:
    key = text.lower().replace("\u2019", "'").replace(".", " ").replace("-", " ")
    key = " ".join(key.replace("&", " and ").split())
    return re.sub(r"^the ", "", key)


_LABEL_RANK = {"city": 0, "town": 1, "area": 2}


@cache
def _place_index() -> dict[str, list[Place]]:
    ranked: dict[str, list[tuple[tuple[int, int, int, int], Place]]] = {}
    levels = (_town_entries(), _district_entries(), _county_entries())
    order = 0
    for level, entries in enumerate(levels):
        for entry in entries:
            order += 1
            label_rank = _LABEL_RANK.get(entry.label, 0)
            for is_alias, form in enumerate((entry.place.name, *entry.aliases)):
                rank = (level, label_rank, min(is_alias, 1), order)
                bucket = ranked.setdefault(_place_key(form), [])
                if all(place != entry.place for _, place in bucket):
                    bucket.append((rank, entry.place))
    return {
        key: [place for _, place in sorted(bucket, key=lambda item: item[0])]
        for key, bucket in ranked.items()
    }


def find_places(name: str) -> list[Place]:
    """Places called ``name`` (or with it as an alias), most specific first.

    Towns and areas come first (cities before towns before areas), then districts, then
    counties and regions. Case-insensitive; hyphens, "&"/"and", full stops and a leading "the"
    do not matter: ``find_places("stoke on trent")``, ``find_places("Hull")``. An empty list
    when nothing matches.
    """
    return list(_place_index().get(_place_key(name), []))


@cache
def _place_names() -> dict[str, list[Place]]:
    names: dict[str, list[Place]] = {}
    for entries in (_town_entries(), _district_entries(), _county_entries()):
        for entry in entries:
            for form in (entry.place.name, *entry.aliases):
                bucket = names.setdefault(form.lower(), [])
                if entry.place not in bucket:
                    bucket.append(entry.place)
    return names


def place_names() -> dict[str, list[Place]]:
    """Every written form of every place (lower-cased) -> places, for building matchers.

    See :data:`COMMON_WORD_NAMES` for names that are also ordinary words.
    """
    return {form: list(places) for form, places in _place_names().items()}


def nearest_town(latitude: float, longitude: float, *, include_areas: bool = False) -> Place:
    """The city or town (optionally also city area) nearest to a WGS84 point.

    Distances are great-circle distances between the approximate town-centre coordinates in
    ``towns.csv``, so treat the answer as "the town this point is in or near".
    """
    if not (-90.0 <= latitude <= 90.0) or not (-180.0 <= longitude <= 180.0):
        raise ValidationError(
            f"not a WGS84 coordinate: latitude {latitude}, longitude {longitude}",
            field="coordinates",
        )
    candidates = [e.place for e in _town_entries() if include_areas or e.label != "area"]
    lat1, lon1 = math.radians(latitude), math.radians(longitude)

    def distance(place: Place) -> float:
        assert place.latitude is not None and place.longitude is not None
        lat2, lon2 = math.radians(place.latitude), math.radians(place.longitude)
        h = (
            math.sin((lat2 - lat1) / 2) ** 2
            + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        )
        return 2 * math.asin(math.sqrt(min(1.0, h)))

    return min(candidates, key=distance)
