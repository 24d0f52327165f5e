"""Rules about the language of the field, each shown by invented examples (issue 12).

Every name, group and phrase here is invented; none comes from the evaluation corpus. Each test
states the rule it checks in its name."""

from __future__ import annotations

import pytest

from drachma.extract import Extractor, to_corpus_annotation


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _field(extractor: Extractor, text: str, field: str) -> list[object]:
    return to_corpus_annotation(extractor.extract(text), text)[field]


# --- subject ages -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("A man aged 45 was arrested after the sting in Barnsley.", [45]),
        ("A father aged 38 from Rugby admitted the offence.", [38]),
        ("Quennell, 56, of Hexham, appeared before magistrates on Monday.", [56]),
        ("Brannagh (61) was jailed for two years at Omagh.", [61]),
        ("A 52-year-old grandfather-of-three was confronted outside a supermarket.", [52]),
        ("The court heard that a 40-year-old married teacher had sent the messages.", [40]),
        ("Tavish Orrock, a 29-year-old chef, was arrested.", [29]),
        ("The 33-year-old Corvin Hale was arrested in Telford.", [33]),
        (
            "Two men were charged. Harlow Denn, 24, of Crewe, and Fenwick Stray, 67, of Nantwich, "
            "will appear at court next month.",
            [24, 67],
        ),
        ("The caretaker, 58, was suspended by the school.", [58]),
    ],
)
def test_subject_ages_written_other_than_n_year_old_man(
    extractor: Extractor, text: str, ages: list[int]
) -> None:
    assert sorted(_field(extractor, text, "subject_ages")) == ages  # type: ignore[type-var]


@pytest.mark.parametrize(
    "text",
    [
        "Group founder Marla Quint, 34, of Gateshead, said the decoys were adults.",
        "The hunters, aged between 19 and 36, filmed the meeting.",
        "A spokesman for the group, aged 41, who is a paedophile hunter, declined to comment.",
    ],
)
def test_hunters_ages_are_not_subject_ages(extractor: Extractor, text: str) -> None:
    assert _field(extractor, text, "subject_ages") == []


# --- groups -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "groups"),
    [
        (
            "Hunter groups such as Nightjar Justice, Lantern Hollow Watch and Greyfen Sentinels "
            "have filmed men across Yorkshire.",
            ["Nightjar Justice", "Lantern Hollow Watch", "Greyfen Sentinels"],
        ),
        (
            "Several vigilante groups operate in the region. Others include Tarnbeck Vigil and "
            "Copperhill Shield.",
            ["Tarnbeck Vigil", "Copperhill Shield"],
        ),
        ("The group Nightowlz streamed the encounter on Facebook.", ["Nightowlz"]),
        ("Members of Guardians 4 Kids said the man had messaged a decoy.", ["Guardians 4 Kids"]),
        ("Decoys from Predator Patrol 247 met him in Crewe.", ["Predator Patrol 247"]),
        ("Footage was posted by Paedohunterz, a page followed by thousands.", ["Paedohunterz"]),
        ("StingSquadUK said its decoy had posed as a girl of 13.", ["StingSquadUK"]),
        (
            "A group of hunters gathered outside. Brackmoor Shield confronted the man as he "
            "arrived.",
            ["Brackmoor Shield"],
        ),
        (
            "Vigilantes have become common: two men founded Ashgrove Truth Seekers in 2018.",
            ["Ashgrove Truth Seekers"],
        ),
        (
            "Dana Whitlock of the Heronsgate Predator Watch said the footage was shared widely.",
            ["Heronsgate Predator Watch"],
        ),
    ],
)
def test_group_names_introduced_by_the_language_around_them(
    extractor: Extractor, text: str, groups: list[str]
) -> None:
    assert sorted(_field(extractor, text, "groups")) == sorted(groups)  # type: ignore[type-var]


@pytest.mark.parametrize(
    "text",
    [
        "Hunters met the man at Carlow Street Station before police arrived.",
        "Members of the group waited at Millbrook Park.",
        "Like many people, Orla Penhaligon confronted the man herself.",
        "Vigilantism is on the rise, and hunter groups say Predators are everywhere.",
    ],
)
def test_venues_and_people_are_not_groups(extractor: Extractor, text: str) -> None:
    assert _field(extractor, text, "groups") == []


# --- places -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("The man was confronted at Darlington's Cornmill Centre on Friday.",
         ["Darlington", "Cornmill Centre"]),
        # a venue's name keeps its lower-case venue words (third round: "X shopping centre")
        ("Hunters met him outside Leicester's Haymarket bus station.",
         ["Leicester", "Haymarket bus station"]),
        ("He had travelled to Eindhoven, Netherlands, before the sting.", ["Eindhoven"]),
        ("The group is based in the town of Kelso.", ["Kelso"]),
        ("Officers met the hunters at Crewe railway station.", ["Crewe"]),
        ("Phoenix man arrested after online sting\nA man was held on Tuesday.", ["Phoenix"]),
        ("A Houston-area man was charged on Monday.", ["Houston"]),
        ("The Leeds-based group said it had passed the footage on.", ["Leeds"]),
        ("Hunters in Sunderland and Tyneside have filmed several men.", ["Sunderland", "Tyneside"]),
        ("He was confronted in Queensland's Gold Coast.", ["Queensland", "Gold Coast"]),
        ("Hunters met in Carlisle and Orla Penhaligon said they filmed the man.", ["Carlisle"]),
    ],
)
def test_places_below_country_level(
    extractor: Extractor, text: str, places: list[str]
) -> None:
    assert sorted(_field(extractor, text, "places")) == sorted(places)  # type: ignore[type-var]


@pytest.mark.parametrize(
    "text",
    [
        "Concerns about exploitation grew. The case was referred to the Child Exploitation "
        "Unit.",
        "The hunters gathered evidence online. The judge said they had no training in Evidence.",
        "Life After The Sting In Focus\nThe documentary follows three groups.",
        "The decoy worked with the Online Safeguarding Team.",
    ],
)
def test_common_words_units_and_headings_are_not_places(
    extractor: Extractor, text: str
) -> None:
    assert _field(extractor, text, "places") == []


# --- police forces ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "forces"),
    [
        ("The Coconino County Sheriff's Office said the man was booked.",
         ["Coconino County Sheriff's Office"]),
        ("The Met said the footage had been handed over.", ["Met"]),
        ("The New York Police Department said it was aware of the video.",
         ["New York Police Department"]),
        ("Tucson PD said officers attended.", ["Tucson PD"]),
    ],
)
def test_police_forces_as_written(extractor: Extractor, text: str, forces: list[str]) -> None:
    assert _field(extractor, text, "police_forces") == forces


@pytest.mark.parametrize(
    "text", ["The Met Office warned of snow.", "The PD said nothing.", "The sheriff said so."]
)
def test_not_police_forces(extractor: Extractor, text: str) -> None:
    assert _field(extractor, text, "police_forces") == []


# --- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("On Jan. 12 the man appeared in court.", ["Jan. 12"]),
        ("On Sept. 3, 2021, he was held.", ["Sept. 3, 2021"]),
        ("On 12-13 June the hearings took place.", ["12-13 June"]),
        ("The trial ran on June 12-13 in Leeds.", ["June 12-13"]),
    ],
)
def test_dates_with_abbreviated_months_and_day_ranges(
    extractor: Extractor, text: str, dates: list[str]
) -> None:
    assert _field(extractor, text, "dates") == dates


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        (
            "Hunter groups are active here. The footage was streamed by Silent Verdict UK.",
            ["Silent Verdict UK"],
        ),
        ("The footage was posted by a Facebook page called Expose Them All.",
         ["Expose Them All"]),
        ("A group calling itself Eyes On The Street said so.", ["Eyes On The Street"]),
        (
            "Lanternwood Hunters said the man had been reported. Lanternwood later posted the "
            "video.",
            ["Lanternwood Hunters", "Lanternwood"],
        ),
        ("Northern Watch said the man was arrested. Northern rail services were late.",
         ["Northern Watch"]),
        ("Hunters say the man was confronted by Tobias Smith outside.", []),
        ("Like the hunter groups, the family were targeted by the East Fenmoor RDF.", []),
    ],
)
def test_group_names_from_agents_naming_cues_and_short_forms(
    extractor: Extractor, text: str, groups: list[str]
) -> None:
    assert sorted(_field(extractor, text, "groups")) == sorted(groups)  # type: ignore[type-var]


# --- more subject-age phrasings, and people who are not subjects --------------------------------

@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("Police arrested two men, aged 31 and 46, at the retail park.", [31, 46]),
        ("The accused, who is 58, was remanded.", [58]),
        ("Brandt, now 63, was arrested in 2019.", [63]),
        ("Members of the page filmed the 24-year-old outside his flat.", [24]),
        ("A 67-year-old man was confronted; his 40-year-old son filmed it.", [67]),
    ],
)
def test_subject_ages_in_relative_clauses_lists_and_as_objects(
    extractor: Extractor, text: str, ages: list[int]
) -> None:
    assert sorted(_field(extractor, text, "subject_ages")) == ages  # type: ignore[type-var]


@pytest.mark.parametrize(
    "text",
    [
        "Her 44-year-old husband was not involved.",
        "A 26-year-old woman who runs the page said they had handed the logs over.",
        "Luke Hanley, 25, who leads the group, said it had 40 members.",
        "The 30-year-old, who founded the group, said so.",
    ],
)
def test_relatives_and_group_leaders_ages_are_not_subject_ages(
    extractor: Extractor, text: str
) -> None:
    assert _field(extractor, text, "subject_ages") == []


# --- people, places and forces ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("Sgt Janelle Roy said officers attended.", ["Janelle Roy"]),
        ("Cpl. Janelle Roy said officers attended.", ["Janelle Roy"]),
    ],
)
def test_a_name_right_after_a_title_starts_at_once(
    extractor: Extractor, text: str, people: list[str]
) -> None:
    assert _field(extractor, text, "people") == people


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("A Brisbane man was charged on Friday.", ["Brisbane"]),
        ("A Gold Coast man has been charged.", ["Gold Coast"]),
        ("The man had admitted the offence at Tarbury Sheriff\nCourt on Monday.", []),
    ],
)
def test_a_place_before_man_at_a_sentence_start_and_wrapped_court_names(
    extractor: Extractor, text: str, places: list[str]
) -> None:
    assert _field(extractor, text, "places") == places


def test_a_force_followed_by_officers_is_a_force(extractor: Extractor) -> None:
    assert _field(extractor, "He said Police Scotland officers arrested him.",
                  "police_forces") == ["Police Scotland"]


@pytest.mark.parametrize(
    ("text", "outcomes"),
    [
        ("He was jailed for two years and four months.", ["jailed"]),
        ("Man jailed after sting\nHe was jailed for two years on Friday.", ["jailed 2 years"]),
    ],
)
def test_compound_terms_and_headline_jailed(
    extractor: Extractor, text: str, outcomes: list[str]
) -> None:
    assert _field(extractor, text, "outcomes") == outcomes


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("He grew up in nearby Pellworth.", ["Pellworth"]),
        ("The man lives on the outskirts of Pellworth.", ["Pellworth"]),
        ("He was arrested in Pellworth, Quarnbyshire.", ["Pellworth", "Quarnbyshire"]),
    ],
)
def test_places_after_a_place_adjective_an_of_phrase_or_with_their_county(
    extractor: Extractor, text: str, places: list[str]
) -> None:
    assert sorted(_field(extractor, text, "places")) == sorted(places)  # type: ignore[type-var]


def test_part_of_a_name_is_not_a_place(extractor: Extractor) -> None:
    assert _field(extractor, "It is part of Safer Streets, the scheme said.", "places") == []


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("The men behind Watchtower North said they had no regrets.", ["Watchtower North"]),
        ("The hunters, operating as Cobweb Collective, posed as a boy.", ["Cobweb Collective"]),
        ("Decoys working for Silver Owl posed as children.", ["Silver Owl"]),
        (
            "Hunters were out again. It was a long night. Footage shared by Silent Night Justice "
            "showed the man.",
            ["Silent Night Justice"],
        ),
        ("The man behind Tesco said so.", []),
    ],
)
def test_group_names_behind_operating_as_working_for_and_agents_near_group_talk(
    extractor: Extractor, text: str, groups: list[str]
) -> None:
    assert sorted(_field(extractor, text, "groups")) == sorted(groups)  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("Police said Quarnby's east end had seen several stings.", ["Quarnby"]),
        ("Quarnby, a small town in Ohio, has three groups.", ["Ohio", "Quarnby"]),
        ("He was driving through Quarnby when stopped.", ["Quarnby"]),
        ("Tobin Marsh's city centre flat was searched.", []),
    ],
)
def test_places_by_a_part_of_them_an_appositive_or_through(
    extractor: Extractor, text: str, places: list[str]
) -> None:
    assert sorted(_field(extractor, text, "places")) == sorted(places)  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("A 40-year-old woman who witnessed the confrontation said it was frightening.", []),
        ("The volunteer, aged 29, said decoys are adults.", []),
        ("A 52-year-old man who saw the video contacted police.", []),
        ("A 45-year-old man who was filmed by the group was arrested.", [45]),
    ],
)
def test_witnesses_and_volunteers_ages_are_not_subject_ages(
    extractor: Extractor, text: str, ages: list[int]
) -> None:
    assert _field(extractor, text, "subject_ages") == ages


@pytest.mark.parametrize(
    ("text", "outcomes"),
    [
        ("The case against him was discontinued.", ["charge dropped"]),
        ("He was kept in custody until his trial.", ["remanded in custody"]),
        ("Through his barrister he entered a not guilty plea.", ["pleaded not guilty"]),
        ("His employer dismissed him after the footage appeared.", ["lost job"]),
        ("He was bailed to appear before magistrates next month.", ["released on bail"]),
        ("Such stings can lead to men being charged with grooming offences.", []),
    ],
)
def test_court_report_outcomes_and_general_statements(
    extractor: Extractor, text: str, outcomes: list[str]
) -> None:
    assert _field(extractor, text, "outcomes") == outcomes


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("He was referred to the Stop It Now helpline.", "places"),
        ("The Operation Hydrant team reviewed the case.", "groups"),
    ],
)
def test_pieces_of_titles_are_not_places_and_operations_are_not_groups(
    extractor: Extractor, text: str, field: str
) -> None:
    assert _field(extractor, text, field) == []


def test_a_town_in_a_title_case_headline_is_still_found_by_the_gazetteer(
    extractor: Extractor,
) -> None:
    assert _field(extractor, "Man Held After Group Films Him In Derby", "places") == ["Derby"]


def test_the_year_of_a_date_is_not_a_statistic(extractor: Extractor) -> None:
    from drachma.model.mention import MentionType

    text = "He was jailed on 3 March 2023 after members of the group posed as a girl."
    assert not [m for m in extractor.extract(text) if m.type is MentionType.STATISTIC]
    text = "Police recorded 320 reports of vigilante activity in 2021."
    stats = [m for m in extractor.extract(text) if m.type is MentionType.STATISTIC]
    assert [(m.value, m.attributes["period"]) for m in stats] == [("320", "2021")]
