"""Places in the language of reporting (issue 12, third round): lists after a preposition,
venues such as hospitals, jails and shopping centres, roads with a direction, "City, St."
datelines, a place before a person noun after an age; and what is not a place: a region in an
organisation's name, words of a statute's title, heading labels, a county in a court's or a
sheriff's name, a brand before a lower-case venue word. Every sentence is invented (all names
too) and was written before the rules it checks were changed."""

from __future__ import annotations

import pytest

from drachma.extract import Extractor, to_corpus_annotation


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _places(extractor: Extractor, text: str) -> list[str]:
    return sorted(str(v) for v in to_corpus_annotation(extractor.extract(text), text)["places"])


@pytest.mark.parametrize(
    ("text", "places"),
    [
        # every place of a list introduced by a preposition
        (
            "The page has filmed men in Tarrowby, Ellmoor and Quenby since 2020.",
            ["Ellmoor", "Quenby", "Tarrowby"],
        ),
        (
            "Men were lured to car parks in Haldenberg, Vossum and Kettrich.",
            ["Haldenberg", "Kettrich", "Vossum"],
        ),
        # venues: hospitals, jails, prisons, shopping centres, roads with a direction, trails
        ("The man was treated at Hallam General Hospital.", ["Hallam General Hospital"]),
        ("He was booked into the Sandmoor County Jail.", ["Sandmoor County Jail"]),
        ("He is being held at Dunmere Prison.", ["Dunmere Prison"]),
        ("He was confronted at Union Square shopping centre.", ["Union Square shopping centre"]),
        ("He was confronted on Quarrywood Road West.", ["Quarrywood Road West"]),
        ("The meeting took place on Fennick Trail.", ["Fennick Trail"]),
        ("Hunters filmed him on the Esplanade.", ["Esplanade"]),
        # a town between an age and a person noun
        ("A 29-year-old Tarrowby woman was charged.", ["Tarrowby"]),
        # "City, St." after a preposition
        ("He was arrested at his home in Quenby, Ind., on Monday.", ["Ind", "Quenby"]),
    ],
)
def test_places_in_more_shapes(extractor: Extractor, text: str, places: list[str]) -> None:
    assert _places(extractor, text) == places


@pytest.mark.parametrize(
    "text",
    [
        "The Crown Prosecution Service (CPS) North East welcomed the verdict.",
        "He was charged under the Criminal Law (Sexual Offences) Act 2019.",
        "NEWS RELEASE: Man charged after an incident\nA man has been charged.",
        "OUR VIEW: Stings are not the answer\nThe groups mean well.",
        "Tarrowby County Common Pleas Judge Mara Tilde sentenced him.",
        "Tarrowby County sheriff's deputies arrested him.",
        "He was confronted outside a SkyLine station in 2022.",
    ],
)
def test_not_places(extractor: Extractor, text: str) -> None:
    assert _places(extractor, text) == []


def test_a_short_form_of_a_place_takes_its_long_form(extractor: Extractor) -> None:
    text = "Fenwick father wrongly named\nA father from Fenwick-on-Tarne says he lost his job."
    assert _places(extractor, text) == ["Fenwick-on-Tarne"]


@pytest.mark.parametrize(
    "text",
    [
        "Corwin Ashby, 40, was convicted. Jurors saw messages from Ashby to a decoy.",
        "Thomas Wexcombe was held. The group said it had talked to Wexcombe for a month.",
        "Halden Marsh was jailed. The case of Marsh was heard in May.",
    ],
)
def test_a_persons_surname_after_from_to_or_of_is_the_person(
    extractor: Extractor, text: str
) -> None:
    assert _places(extractor, text) == []


@pytest.mark.parametrize(
    ("text", "places"),
    [
        (
            "He was charged contrary to the Sexual Conduct (Children) Act 2021 in Quenby.",
            ["Quenby"],
        ),
        ("He was confronted at Castle Court shopping centre.", ["Castle Court shopping centre"]),
        ("He was confronted at The Square shopping centre.", ["Square shopping centre"]),
        ("He was arrested at his home in Lawrence, Ind., on Monday.", ["Ind", "Lawrence"]),
    ],
)
def test_statute_titles_venues_with_organisation_words_and_given_name_towns(
    extractor: Extractor, text: str, places: list[str]
) -> None:
    assert _places(extractor, text) == places
