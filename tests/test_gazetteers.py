"""The UK gazetteers shipped in ``drachma/gazetteers/data``: forces, districts, towns, counties.

These tests double as documentation of what the data holds and how to look things up.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from importlib import resources

import pytest

from drachma import gazetteers as gz
from drachma.errors import UnknownForceError, ValidationError
from drachma.model.entities import Place, PlaceKind, PoliceForce

# Mainland UK plus Scilly, the Channel-side coast, Shetland and Fermanagh.
LAT_MIN, LAT_MAX = 49.8, 60.9
LON_MIN, LON_MAX = -8.7, 1.8


def csv_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("drachma.gazetteers").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


FORCE_CODES = {force.code for force in gz.police_forces()}


# ---------------------------------------------------------------------------------------------
# Police forces
# ---------------------------------------------------------------------------------------------


def test_every_territorial_force_is_there() -> None:
    territorial = gz.territorial_forces()
    england_and_wales = [f for f in territorial if f.country in {"England", "Wales"}]
    assert len(england_and_wales) == 43
    assert len([f for f in england_and_wales if f.country == "Wales"]) == 4
    assert {f.code for f in territorial} - {f.code for f in england_and_wales} == {
        "police-scotland",
        "psni",
    }
    assert len(territorial) == 45


def test_british_transport_police_and_the_other_special_forces() -> None:
    assert gz.force_by_code("btp").name == "British Transport Police"
    assert gz.force_category("btp") == "special"
    assert gz.force_category("cnc") == "special"
    assert gz.force_category("mdp") == "special"
    assert gz.force_category("kent") == "territorial"
    assert len(gz.police_forces()) == 48


def test_forces_are_police_force_records_with_unique_codes() -> None:
    forces = gz.police_forces()
    assert all(isinstance(f, PoliceForce) for f in forces)
    assert len(FORCE_CODES) == len(forces)
    assert all(code == code.lower() and " " not in code for code in FORCE_CODES)
    assert gz.force_by_code("metropolitan").name == "Metropolitan Police Service"
    assert gz.force_by_code("greater-manchester").country == "England"
    assert gz.force_by_code("south-wales").country == "Wales"
    assert gz.force_by_code("police-scotland").country == "Scotland"
    assert gz.force_by_code("psni").country == "Northern Ireland"


def test_force_by_code_rejects_unknown_codes() -> None:
    with pytest.raises(UnknownForceError) as caught:
        gz.force_by_code("narnia")
    assert "narnia" in caught.value.message
    assert caught.value.field == "force"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("GMP", "greater-manchester"),
        ("Greater Manchester Police", "greater-manchester"),
        ("Manchester police", "greater-manchester"),
        ("greater-manchester", "greater-manchester"),
        ("the Met", "metropolitan"),
        ("Met Police", "metropolitan"),
        ("The Met's", "metropolitan"),
        ("Metropolitan Police", "metropolitan"),
        ("Scotland Yard", "metropolitan"),
        ("PSNI", "psni"),
        ("Police Service of Northern Ireland", "psni"),
        ("Police Scotland", "police-scotland"),
        ("BTP", "btp"),
        ("West Mids Police", "west-midlands"),
        ("WMP", "west-midlands"),
        ("Avon and Somerset", "avon-and-somerset"),
        ("Avon & Somerset Police", "avon-and-somerset"),
        ("Thames Valley", "thames-valley"),
        ("TVP", "thames-valley"),
        ("Dyfed-Powys", "dyfed-powys"),
        ("Dyfed Powys Police", "dyfed-powys"),
        ("North Wales Police", "north-wales"),
        ("Heddlu Gwent", "gwent"),
        ("Devon & Cornwall Police", "devon-and-cornwall"),
        ("Devon and Cornwall Constabulary", "devon-and-cornwall"),
        # "Police" and "Constabulary" are interchangeable, whatever the official word is.
        ("Lancashire Police", "lancashire"),
        ("Lancashire Constabulary", "lancashire"),
        ("Kent Constabulary", "kent"),
        ("West Yorkshire Constabulary", "west-yorkshire"),
        ("  gmp's ", "greater-manchester"),
        ("Hampshire Constabulary", "hampshire"),
    ],
)
def test_short_forms_resolve(text: str, code: str) -> None:
    assert gz.resolve_force(text).code == code
    force = gz.find_force(text)
    assert force is not None and force.code == code


@pytest.mark.parametrize("text", ["Narnia Police", "", "Manchester", "Greater Manchester", "Fife"])
def test_find_force_returns_none_for_what_is_not_a_force(text: str) -> None:
    assert gz.find_force(text) is None


def test_a_bare_code_is_accepted_even_when_it_is_a_county_name() -> None:
    # Codes are exact keys for user input: "kent" is the Kent Police code. Text matchers should
    # use force_names(), which leaves codes out.
    kent = gz.find_force("Kent")
    assert kent is not None and kent.code == "kent"
    assert "kent" not in gz.force_names()


def test_resolve_force_names_the_text_it_could_not_resolve() -> None:
    with pytest.raises(UnknownForceError) as caught:
        gz.resolve_force("Narnia Police")
    assert "Narnia Police" in caught.value.message
    assert caught.value.field == "force"
    assert caught.value.kind == "unknown_force"


def test_force_names_map_every_written_form_to_one_force() -> None:
    names = gz.force_names()
    assert names["gmp"] == "greater-manchester"
    assert names["the met"] == "metropolitan"
    assert names["avon & somerset police"] == "avon-and-somerset"
    assert names["police service of northern ireland"] == "psni"
    assert all(key == key.lower() for key in names)
    assert set(names.values()) == FORCE_CODES
    # Every listed form normalises to its own force: no form is claimed by two forces.
    for form, code in names.items():
        found = gz.find_force(form)
        assert found is not None and found.code == code, form


# ---------------------------------------------------------------------------------------------
# Districts
# ---------------------------------------------------------------------------------------------


def test_districts_cover_the_uk_as_of_2023() -> None:
    ds = gz.districts()
    by_region = Counter(
        "Scotland" if d.kind == "council area" else
        "Wales" if d.kind == "principal area" else
        "Northern Ireland" if d.county_or_region == "Northern Ireland" else "England"
        for d in ds
    )  # fmt: skip
    assert by_region == {"England": 296, "Wales": 22, "Scotland": 32, "Northern Ireland": 11}
    assert Counter(d.kind for d in ds)["london borough"] == 32
    assert Counter(d.kind for d in ds)["metropolitan borough"] == 36
    assert len({d.name for d in ds}) == len(ds)


def test_every_district_names_a_force_that_exists() -> None:
    assert {d.force for d in gz.districts()} <= FORCE_CODES
    # Every territorial force area is made of districts (BTP, CNC and MDP have none).
    assert {d.force for d in gz.districts()} == {f.code for f in gz.territorial_forces()}


@pytest.mark.parametrize(
    ("district", "force"),
    [
        ("Rochdale", "greater-manchester"),
        ("Stockport", "greater-manchester"),
        ("Wirral", "merseyside"),
        ("Milton Keynes", "thames-valley"),
        ("Torbay", "devon-and-cornwall"),
        ("North Somerset", "avon-and-somerset"),
        ("Darlington", "durham"),
        ("Hartlepool", "cleveland"),
        ("Stockton-on-Tees", "cleveland"),
        ("Middlesbrough", "cleveland"),
        ("Redcar and Cleveland", "cleveland"),
        ("Peterborough", "cambridgeshire"),
        ("City of London", "city-of-london"),
        ("Westminster", "metropolitan"),
        ("Halton", "cheshire"),
        ("Warrington", "cheshire"),
        ("North Lincolnshire", "humberside"),
        ("Rutland", "leicestershire"),
        ("South Gloucestershire", "avon-and-somerset"),
        ("Isle of Wight", "hampshire"),
        ("Herefordshire", "west-mercia"),
        ("Solihull", "west-midlands"),
        ("Cardiff", "south-wales"),
        ("Newport", "gwent"),
        ("Wrexham", "north-wales"),
        ("Powys", "dyfed-powys"),
        ("Glasgow City", "police-scotland"),
        ("Belfast", "psni"),
    ],
)
def test_district_force_areas(district: str, force: str) -> None:
    found = gz.district_by_name(district)
    assert found is not None
    assert found.force == force


def test_district_rows_in_the_csv_are_unique_and_complete() -> None:
    rows = csv_rows("districts.csv")
    assert len(rows) == len(gz.districts())
    assert all(row["name"] and row["kind"] and row["county_or_region"] for row in rows)


# ---------------------------------------------------------------------------------------------
# Towns
# ---------------------------------------------------------------------------------------------


def test_there_are_at_least_900_towns_and_cities() -> None:
    places = gz.towns()
    assert len(places) >= 900
    assert all(p.kind in {PlaceKind.CITY, PlaceKind.TOWN} for p in places)
    assert sum(p.kind is PlaceKind.CITY for p in places) >= 70


def test_every_town_names_a_known_district_and_that_districts_force() -> None:
    by_name = {d.name: d for d in gz.districts()}
    for town in gz.towns():
        assert town.district in by_name, town
        assert town.force in FORCE_CODES, town
        assert town.force == by_name[town.district].force, town
        assert town.within == by_name[town.district].county_or_region


def test_every_district_has_a_main_town_in_the_gazetteer() -> None:
    located = {(t.name, t.district) for t in gz.towns()}
    for district in gz.districts():
        assert (district.main_town, district.name) in located, district


def test_coordinates_are_inside_the_uk() -> None:
    for town in gz.towns():
        assert town.latitude is not None and town.longitude is not None
        assert LAT_MIN < town.latitude < LAT_MAX, town
        assert LON_MIN < town.longitude < LON_MAX, town


def test_no_duplicate_name_and_district_rows() -> None:
    keys = Counter((row["name"].lower(), row["district"]) for row in csv_rows("towns.csv"))
    assert [key for key, n in keys.items() if n > 1] == []


def test_towns_csv_kinds_and_no_hand_typed_forces() -> None:
    rows = csv_rows("towns.csv")
    assert {row["kind"] for row in rows} == {"city", "town", "area"}
    # A town's force is its district's, from the ONS-derived lookup: never typed by hand.
    assert "force" not in rows[0]
    assert "force" not in csv_rows("districts.csv")[0]


@pytest.mark.parametrize(
    ("name", "force", "district"),
    [
        ("Rochdale", "greater-manchester", "Rochdale"),
        ("Salford", "greater-manchester", "Salford"),
        ("Moss Side", "greater-manchester", "Manchester"),
        ("Toxteth", "merseyside", "Liverpool"),
        ("Handsworth", "west-midlands", "Birmingham"),
        ("Croydon", "metropolitan", "Croydon"),
        ("Cardiff", "south-wales", "Cardiff"),
        ("Belfast", "psni", "Belfast"),
        ("Glasgow", "police-scotland", "Glasgow City"),
        ("Milton Keynes", "thames-valley", "Milton Keynes"),
        ("Torquay", "devon-and-cornwall", "Torbay"),
        ("Weston-super-Mare", "avon-and-somerset", "North Somerset"),
        ("Middlesbrough", "cleveland", "Middlesbrough"),
        ("Darlington", "durham", "Darlington"),
        ("Swansea", "south-wales", "Swansea"),
        ("Wrexham", "north-wales", "Wrexham"),
        ("Aberystwyth", "dyfed-powys", "Ceredigion"),
        ("Inverness", "police-scotland", "Highland"),
        ("Derry", "psni", "Derry City and Strabane"),
    ],
)
def test_spot_checks(name: str, force: str, district: str) -> None:
    place = gz.find_places(name)[0]
    assert (place.name, place.force, place.district) == (name, force, district)


# ---------------------------------------------------------------------------------------------
# Counties and place lookup
# ---------------------------------------------------------------------------------------------


def test_counties_and_regions() -> None:
    cs = gz.counties()
    ceremonial = [row for row in csv_rows("counties.csv") if row["kind"] == "ceremonial county"]
    assert len(ceremonial) == 48
    assert {c.kind for c in cs} == {PlaceKind.COUNTY, PlaceKind.REGION}
    assert {c.force for c in cs if c.force} <= FORCE_CODES
    lancashire = next(c for c in cs if c.name == "Lancashire")
    assert (lancashire.force, lancashire.within) == ("lancashire", "England")
    # A county split between forces has no single force.
    assert next(c for c in cs if c.name == "County Durham").force is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Newcastle", ("Newcastle upon Tyne", PlaceKind.CITY)),
        ("Hull", ("Kingston upon Hull", PlaceKind.CITY)),
        ("Stoke", ("Stoke-on-Trent", PlaceKind.CITY)),
        ("stoke on trent", ("Stoke-on-Trent", PlaceKind.CITY)),
        ("Londonderry", ("Derry", PlaceKind.CITY)),
        ("Lancashire", ("Lancashire", PlaceKind.COUNTY)),
        ("County Durham", ("County Durham", PlaceKind.DISTRICT)),
        ("Merseyside", ("Merseyside", PlaceKind.COUNTY)),
        ("West Yorkshire", ("West Yorkshire", PlaceKind.COUNTY)),
        ("Fife", ("Fife", PlaceKind.DISTRICT)),
        ("the Wirral", ("Wirral", PlaceKind.DISTRICT)),
    ],
)
def test_find_places_by_name_or_alias(text: str, expected: tuple[str, PlaceKind]) -> None:
    first = gz.find_places(text)[0]
    assert (first.name, first.kind) == expected


def test_find_places_puts_the_most_specific_place_first() -> None:
    kinds = [p.kind for p in gz.find_places("Rochdale")]
    assert kinds == [PlaceKind.TOWN, PlaceKind.DISTRICT]
    district = gz.find_places("Rochdale")[1]
    assert district.force == "greater-manchester"
    assert (district.latitude, district.longitude) == (53.62, -2.16)  # its main town
    assert [p.kind for p in gz.find_places("Durham")] == [PlaceKind.CITY, PlaceKind.COUNTY]


def test_find_places_returns_every_place_sharing_a_name() -> None:
    newports = gz.find_places("Newport")
    assert newports[0] == Place(
        name="Newport",
        kind=PlaceKind.CITY,
        district="Newport",
        force="gwent",
        latitude=51.58,
        longitude=-3.0,
        within="Gwent",
    )
    assert {p.force for p in newports} == {"gwent", "west-mercia", "hampshire"}
    assert gz.find_places("Atlantis") == []


def test_place_names_for_building_matchers() -> None:
    names = gz.place_names()
    assert all(key == key.lower() for key in names)
    assert {p.name for p in names["newcastle"]} == {"Newcastle upon Tyne", "Newcastle"}
    assert names["rochdale"][0].kind is PlaceKind.TOWN
    # Names that are everyday words are flagged so matchers can be careful with them.
    assert set(names) >= gz.COMMON_WORD_NAMES
    assert "march" in gz.COMMON_WORD_NAMES


def test_nearest_town() -> None:
    assert gz.nearest_town(53.48, -2.24).name == "Manchester"
    assert gz.nearest_town(55.95, -3.19).name == "Edinburgh"
    assert gz.nearest_town(53.46, -2.23, include_areas=True).name == "Moss Side"
    with pytest.raises(ValidationError):
        gz.nearest_town(123.0, 0.0)


def test_sources_are_shipped_with_the_data() -> None:
    assert "Home Office" in gz.SOURCES
    assert "ONS" in gz.SOURCES
    assert "WGS84" in gz.SOURCES


# ---------------------------------------------------------------------------------------------
# 2023 districts, their codes, the force lookup and older districts
# ---------------------------------------------------------------------------------------------


def test_every_district_has_its_gss_code_and_the_lookup_force() -> None:
    lookup = {row["lad_code"]: row for row in csv_rows("lad_to_pfa.csv")}
    assert len(lookup) == len(gz.districts()) == 361
    for district in gz.districts():
        row = lookup[district.code]
        # ONS writes "Bristol, City of" and "St. Helens"; the gazetteer "Bristol", "St Helens".
        ons_name = row["lad_name"].replace(", City of", "").replace(", County of", "")
        assert ons_name.replace("St.", "St") == district.name, district
        assert gz.force_by_ons_code(row["pfa_code"]).code == district.force
    assert gz.district_by_code("E08000025") == gz.district_by_name("Birmingham")
    assert gz.force_by_ons_code("E23000005").code == "greater-manchester"


def test_greater_manchester_is_its_ten_boroughs() -> None:
    gm = sorted(d.name for d in gz.districts() if d.force == "greater-manchester")
    assert gm == ["Bolton", "Bury", "Manchester", "Oldham", "Rochdale", "Salford", "Stockport",
                  "Tameside", "Trafford", "Wigan"]


@pytest.mark.parametrize(
    ("older", "current", "force"),
    [
        ("South Lakeland", "Westmorland and Furness", "cumbria"),
        ("E07000031", "Westmorland and Furness", "cumbria"),
        ("Allerdale", "Cumberland", "cumbria"),
        ("Harrogate", "North Yorkshire", "north-yorkshire"),
        ("Mendip", "Somerset", "avon-and-somerset"),
        ("Taunton Deane", "Somerset", "avon-and-somerset"),
        ("Aylesbury Vale", "Buckinghamshire", "thames-valley"),
        ("Poole", "Bournemouth, Christchurch and Poole", "dorset"),
        ("S12000046", "Glasgow City", "police-scotland"),
        ("Rochdale", "Rochdale", "greater-manchester"),
    ],
)
def test_older_districts_map_to_their_2023_successor(older: str, current: str,
                                                     force: str) -> None:
    found = gz.current_district(older)
    assert found is not None and (found.name, found.force) == (current, force)
    assert gz.current_district("Narnia") is None


def test_towns_of_merged_districts_are_in_the_2023_district() -> None:
    kendal = gz.find_places("Kendal")[0]
    assert (kendal.district, kendal.force) == ("Westmorland and Furness", "cumbria")
    assert gz.find_places("Taunton")[0].district == "Somerset"


def test_boundary_files_match_the_lookup() -> None:
    from drachma.gazetteers.boundaries import ATTRIBUTION, boundaries

    districts = boundaries("district")["features"]
    forces = boundaries("force")["features"]
    assert {f["properties"]["code"] for f in districts} == {d.code for d in gz.districts()}
    assert len(forces) == 45
    for feature in forces:
        assert gz.force_by_ons_code(feature["properties"]["code"]).code in FORCE_CODES
    assert "Open Government Licence" in ATTRIBUTION
