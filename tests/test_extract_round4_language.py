"""Fourth round of the language of reporting (issue 12): group names in lists and in shapes with
no group noun, decoy ages against subject ages, places that are not places, people, outcomes in
court and police language. Every sentence and every name here is invented (none comes from the
evaluation corpus or the invented yardsticks) and was written before the rules it checks were
changed."""

from __future__ import annotations

from typing import Any

import pytest

from drachma.extract import Extractor, to_corpus_annotation


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _field(extractor: Extractor, text: str, field: str) -> list[Any]:
    return sorted(to_corpus_annotation(extractor.extract(text), text)[field])


# --- groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        # a coordinated list after a group noun, with names of no usual group shape
        (
            "Vigilante outfits such as Brightwater Vigil, Nightjar and Kestrel Alert have "
            "grown in number.",
            ["Brightwater Vigil", "Kestrel Alert", "Nightjar"],
        ),
        (
            "Other pages, including Ember Line and Silent Lantern, streamed similar meetings.",
            ["Ember Line", "Silent Lantern"],
        ),
        # a name with no group noun at all, introduced by what such groups do
        (
            "Members of Tidemark confronted the 44-year-old outside his flat in Bolton.",
            ["Tidemark"],
        ),
        # a page named in quotes after "page" or "channel"
        (
            "The confrontation was broadcast on a channel called Dusk Sentries to 2,000 viewers.",
            ["Dusk Sentries"],
        ),
        # an online group that "confronted" or "exposed" a man, named first in the sentence
        (
            "ParkWatch414 said it had handed its chat logs to officers.",
            ["ParkWatch414"],
        ),
    ],
)
def test_group_names_round4(extractor: Extractor, text: str, groups: list[str]) -> None:
    assert _field(extractor, text, "groups") == groups


@pytest.mark.parametrize(
    "text",
    [
        # a person "of the group": the person is not a group name
        "Lorna Gatt of the group said they would keep going.",
        # a station or a venue after a cue is not a group
        "The man was confronted by the group at Wexcombe Station on Friday.",
        # charities and public bodies named near group words
        "Charities such as the Lucy Faithfull Foundation and Barnardo's warned against the groups.",
    ],
)
def test_not_groups_round4(extractor: Extractor, text: str) -> None:
    assert "Wexcombe Station" not in _field(extractor, text, "groups")
    assert "Lorna Gatt" not in _field(extractor, text, "groups")
    assert "Barnardo's" not in _field(extractor, text, "groups")


# --- decoy ages against subject ages -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "subject", "decoy"),
    [
        # the decoy: the pretend child the group posed as; the subject is the adult
        (
            "Wendell Orme, 47, sent messages to a profile he believed belonged to a "
            "13-year-old girl.",
            [47],
            [13],
        ),
        (
            "The 52-year-old thought he was talking to a boy of 14, but the account was run by "
            "adult volunteers.",
            [52],
            [14],
        ),
        (
            "Posing online as a schoolgirl aged 12, the group arranged to meet a man, 33.",
            [33],
            [12],
        ),
        # "(N)" after a name, "N, of Town" and an occupation noun after "N-year-old"
        (
            "Aldric Penhale (58), of Marsden Close, was remanded after the hearing.",
            [58],
            [],
        ),
        ("A 61-year-old grandfather was arrested after a decoy posed as a 15-year-old boy.",
         [61], [15]),
        ("Driving instructor Cass Harrow, aged 39, admitted the charge.", [39], []),
    ],
)
def test_decoy_and_subject_ages_round4(
    extractor: Extractor, text: str, subject: list[int], decoy: list[int]
) -> None:
    assert _field(extractor, text, "subject_ages") == subject
    assert _field(extractor, text, "decoy_ages") == decoy


@pytest.mark.parametrize(
    "text",
    [
        # the age of a hunter or of a decoy volunteer is neither a subject nor a decoy age
        "The decoy, a 24-year-old mother of two, said she had run the profile for a year.",
        "The group's founder, 36, said adult decoys pose as children aged 12 to 14.",
    ],
)
def test_adult_decoy_volunteer_is_not_a_subject(extractor: Extractor, text: str) -> None:
    assert _field(extractor, text, "subject_ages") == []


# --- places ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "places"),
    [
        # non-UK cities and venues such as stations
        ("He was arrested at Union Station in Toronto after a group confronted him.",
         ["Toronto", "Union Station"]),
        ("The man was met outside a Walgreens in Tucson, Arizona.", ["Arizona", "Tucson"]),
        ("The group confronted him at Flinders Street station in Melbourne.",
         ["Flinders Street station", "Melbourne"]),
    ],
)
def test_places_round4(extractor: Extractor, text: str, places: list[str]) -> None:
    found = _field(extractor, text, "places")
    for place in places:
        assert place in found


@pytest.mark.parametrize(
    ("text", "not_places"),
    [
        # unit and programme names, headings, capitalised abstract words
        (
            "Officers from the Child Sexual Exploitation Team arrested him in Wigan.",
            ["Child Sexual Exploitation Team", "Exploitation"],
        ),
        (
            "Background\nThe man had been confronted in Stockport earlier that month.",
            ["Background"],
        ),
        (
            "Safeguarding Minister Ada Quill said vigilante action in Derby was dangerous.",
            ["Safeguarding"],
        ),
        (
            "The Operation Lantern review found that hunters in Leeds had hindered inquiries.",
            ["Operation Lantern", "Lantern"],
        ),
    ],
)
def test_not_places_round4(extractor: Extractor, text: str, not_places: list[str]) -> None:
    found = _field(extractor, text, "places")
    for word in not_places:
        assert word not in found


# --- outcomes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Crown prosecutors decided the 40-year-old would face no charges.", "not charged"),
        ("Magistrates committed the case to the crown court for sentence.", "awaiting sentence"),
        ("He was ordered to sign the sex offenders' register for ten years.",
         "sex offenders register"),
        ("The school dismissed him the day the video appeared.", "lost job"),
        ("The 39-year-old was found not guilty by the jury after a four-day trial.", "acquitted"),
        ("He was put behind bars for 18 months.", "jailed 18 months"),
        ("The judge handed him a 30-month prison sentence.", "jailed 30 months"),
        ("The man was punched in the face by one of the group.", "assaulted"),
    ],
)
def test_outcomes_round4(extractor: Extractor, text: str, label: str) -> None:
    assert label in _field(extractor, text, "outcomes")


@pytest.mark.parametrize(
    "text",
    [
        "Police say men exposed by such groups are rarely convicted.",
        "In cases like this, offenders are usually placed on the sex offenders register.",
        "Suspects who are confronted on camera typically go on to be charged.",
    ],
)
def test_general_statements_are_not_outcomes_round4(extractor: Extractor, text: str) -> None:
    assert _field(extractor, text, "outcomes") == []


# --- people ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("Prosecutor Imelda Vasquez-Roe told the court the messages were explicit.",
         ["Imelda Vasquez-Roe"]),
        ("Defending, Tobiah Marchetti said his client was of previous good character.",
         ["Tobiah Marchetti"]),
        ("Sentencing, Her Honour Judge Nkechi Obiora said the offences were serious.",
         ["Nkechi Obiora"]),
    ],
)
def test_people_round4(extractor: Extractor, text: str, people: list[str]) -> None:
    assert _field(extractor, text, "people") == people


# --- second batch: decoy ages in more shapes, real children, more group shapes -------------


@pytest.mark.parametrize(
    ("text", "decoy"),
    [
        ("He believed he was messaging a 14-year-old from Halifax.", [14]),
        ("The man, who thought he was speaking to a 13-year-old, drove to the car park.", [13]),
        ("The profile, 'Kayleigh', 13, was run by an adult volunteer.", [13]),
        ("He sent explicit images to a 14-year-old 'girl' who was in fact a decoy.", [14]),
        ("He chatted online with someone he believed to be 15.", [15]),
        ("The account claimed to belong to a boy aged 12.", [12]),
    ],
)
def test_decoy_ages_round4(extractor: Extractor, text: str, decoy: list[int]) -> None:
    assert _field(extractor, text, "decoy_ages") == decoy


@pytest.mark.parametrize(
    "text",
    [
        # real children, not decoys
        "The court heard he has a 13-year-old daughter who lives with her mother.",
        "In 2014 he was convicted of abusing a 12-year-old girl he had met at a youth club.",
    ],
)
def test_real_children_are_not_decoys_round4(extractor: Extractor, text: str) -> None:
    assert _field(extractor, text, "decoy_ages") == []


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("The vigilantes, known online as Cobalt Eye, filmed the meeting.", ["Cobalt Eye"]),
        ("A spokesman for Anchorline said the group had passed on its evidence.", ["Anchorline"]),
        ("Hunting group Blackthorn Sentry said it had confronted 40 men.", ["Blackthorn Sentry"]),
        (
            "The meeting was set up by a Facebook group named 'Safe Streets Sentinel'.",
            ["Safe Streets Sentinel"],
        ),
        pytest.param(
            "Groups like Harbourlight, Iron Gate Watch, and Stop Them Now Ohio post videos daily.",
            ["Harbourlight", "Iron Gate Watch", "Stop Them Now Ohio"],
            marks=pytest.mark.xfail(
                reason="a listed name over a pronoun and a state name is cut at 'Them'",
                strict=True,
            ),
        ),
    ],
)
def test_group_names_round4_second(extractor: Extractor, text: str, groups: list[str]) -> None:
    assert _field(extractor, text, "groups") == groups


@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("Shelby Kranz, 29, of Lakewood, was arrested on Tuesday.", ["Shelby Kranz"]),
        ("Chief Constable Ruaridh Beaton said vigilantes put inquiries at risk.",
         ["Ruaridh Beaton"]),
        ("Defence counsel Ifeoma Blake said her client was deeply ashamed.", ["Ifeoma Blake"]),
        pytest.param(
            "Okonkwo, 46, told officers he had only wanted to talk.",
            ["Okonkwo"],
            marks=pytest.mark.xfail(
                reason="a surname alone is a person only after a title or a given name",
                strict=True,
            ),
        ),
    ],
)
def test_people_round4_second(extractor: Extractor, text: str, people: list[str]) -> None:
    assert _field(extractor, text, "people") == people


# --- third batch: groups in lists with no group noun, appositives, page names ---------------


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        # the last of a list whose first names are groups by their shape
        (
            "Creep Exposure Squad, Guardians of Innocence and Safe Net have all streamed stings.",
            ["Creep Exposure Squad", "Guardians of Innocence", "Safe Net"],
        ),
        # "X, a group of ...": an appositive that says what it is
        (
            "Sentinel Six, a group of three friends from Hull, said they had called police.",
            ["Sentinel Six"],
        ),
        # plural group nouns before a list
        (
            "Hunting teams like Nightwatch and Zero Tolerance have been criticised by police.",
            ["Nightwatch", "Zero Tolerance"],
        ),
        # a page's name written before the platform's name and "page"
        (
            "A post on the Dark Harbour Facebook page claimed the man had travelled 40 miles.",
            ["Dark Harbour"],
        ),
    ],
)
def test_group_names_round4_third(extractor: Extractor, text: str, groups: list[str]) -> None:
    assert _field(extractor, text, "groups") == groups


@pytest.mark.parametrize(
    "text",
    [
        # a person, a firm and a place coordinated with a group are not groups
        "Members of Iron Vigil and Dana Whitfield were at the meeting.",
        "Creep Exposure Squad and Tesco staff called the police.",
        "The Bolton Hunters and Greater Manchester Police both issued statements.",
    ],
)
def test_coordinated_non_groups_round4(extractor: Extractor, text: str) -> None:
    found = _field(extractor, text, "groups")
    assert "Dana Whitfield" not in found
    assert "Tesco" not in found
    assert not any("Police" in g for g in found)


# --- fourth batch: subject ages after an occupation, "father-of-two, 41," -------------------


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("The 70-year-old retired headteacher was bailed.", [70]),
        ("A 44-year-old IT consultant admitted attempting to meet a child.", [44]),
        ("A 29-year-old youth pastor from Ohio was charged on Friday.", [29]),
        ("A Coventry father-of-two, 41, admitted attempting to groom a child.", [41]),
        ("The mother-of-three, 35, was arrested at her home in Hove.", [35]),
    ],
)
def test_subject_ages_round4(extractor: Extractor, text: str, ages: list[int]) -> None:
    assert _field(extractor, text, "subject_ages") == ages


@pytest.mark.parametrize(
    "text",
    [
        "A 31-year-old paedophile hunter was charged with assault after the confrontation.",
        "The 26-year-old decoy volunteer said she had done 40 stings.",
        "A 38-year-old police officer was praised by the judge.",
    ],
)
def test_occupation_ages_that_are_not_subjects_round4(extractor: Extractor, text: str) -> None:
    assert _field(extractor, text, "subject_ages") == []


# --- fifth batch: place names led by "New" ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("The group met him at a diner in New York City.", "New York City"),
        ("He lives in New Carson City, the court heard.", "New Carson City"),
    ],
)
def test_places_led_by_new_round4(extractor: Extractor, text: str, place: str) -> None:
    assert place in _field(extractor, text, "places")


def test_new_year_is_not_a_place_round4(extractor: Extractor) -> None:
    assert _field(extractor, "He was arrested in New Year celebrations.", "places") == []


# --- sixth batch: court-report phrasings of sentences ----------------------------------------


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("He was handed a jail term of 30 months.", ["jailed 30 months"]),
        ("He will serve half of his 28-month term in custody.", ["jailed 28 months"]),
        ("Mr Justice Oyelaran said he would pass sentence on Friday.", ["awaiting sentence"]),
        ("He walked free from court with a suspended sentence.", ["suspended sentence"]),
        ("He was ordered to complete 150 hours of unpaid work.", ["community order"]),
    ],
)
def test_sentence_phrasings_round4(extractor: Extractor, text: str, labels: list[str]) -> None:
    assert _field(extractor, text, "outcomes") == labels


# --- seventh batch: a full name whose surname the report goes on to use; a role before a name


def test_full_name_then_surname_alone_round4(extractor: Extractor) -> None:
    text = (
        "The court heard that Zbigniew Kowalczyk had sent 200 messages. "
        "Kowalczyk denied the charge."
    )
    assert "Zbigniew Kowalczyk" in _field(extractor, text, "people")


def test_a_hunter_named_with_his_role_is_not_a_group_round4(extractor: Extractor) -> None:
    text = "Hunter Dax Moreau streamed the confrontation."
    assert _field(extractor, text, "groups") == []
    assert _field(extractor, text, "people") == ["Dax Moreau"]
