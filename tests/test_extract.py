"""Tests of the extraction pipeline on invented report texts (never the shared corpus)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from drachma.cli.extract import register
from drachma.extract import CORPUS_FIELDS, Extractor, find_report_date, to_corpus_annotation
from drachma.model.mention import Mention, MentionType
from tests.test_extract_fixtures import (
    CANADA_REPORT,
    COURT_REPORT,
    NEWS_DATELINE,
    RELATIVE_DATES,
)

REPORT_DATE = date(2019, 6, 12)  # a Wednesday


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(known_groups=[("Oakfield Shield", ["OFS", "Oakfield Shield Team"])])


def of(mentions: list[Mention], type_: MentionType) -> list[Mention]:
    return [m for m in mentions if m.type is type_]


def texts(mentions: list[Mention], type_: MentionType) -> list[str]:
    return [m.text for m in of(mentions, type_)]


def values(mentions: list[Mention], type_: MentionType) -> list[str]:
    return [m.value for m in of(mentions, type_)]


@pytest.fixture(scope="module")
def court(extractor: Extractor) -> list[Mention]:
    return extractor.extract(COURT_REPORT, REPORT_DATE)


def test_spans_index_the_text(court: list[Mention]) -> None:
    for m in court:
        assert COURT_REPORT[m.start : m.end] == m.text
        assert 0.0 < m.confidence <= 1.0


def test_groups_from_cues(court: list[Mention], extractor: Extractor) -> None:
    assert "Kestrel Child Guardians" in texts(court, MentionType.GROUP)
    ms = extractor.extract(NEWS_DATELINE, REPORT_DATE)
    assert "Silent Harbour Watch" in texts(ms, MentionType.GROUP)
    ms = extractor.extract(CANADA_REPORT, REPORT_DATE)
    assert "Bow River Predator Patrol" in texts(ms, MentionType.GROUP)


@pytest.mark.parametrize(
    "text,name",
    [
        ("A man was confronted by a group called Amber Lantern Justice.", "Amber Lantern Justice"),
        ("Members of Teesside Night Watchers said they filmed him.", "Teesside Night Watchers"),
        (
            "Grey Heron Hunters, a paedophile hunter group, said it had passed on its evidence.",
            "Grey Heron Hunters",
        ),
        (
            "A spokeswoman for Copper Gate Predator Alert said the man was arrested.",
            "Copper Gate Predator Alert",
        ),
        (
            "The man was snared by the Facebook page Safe Streets Decoy Unit.",
            "Safe Streets Decoy Unit",
        ),
    ],
)
def test_group_cue_phrases(extractor: Extractor, text: str, name: str) -> None:
    assert name in texts(extractor.extract(text, REPORT_DATE), MentionType.GROUP)


def test_known_groups_and_aliases(extractor: Extractor) -> None:
    ms = extractor.extract(
        "Volunteers from OFS met officers. Oakfield Shield later posted a video.", REPORT_DATE
    )
    groups = of(ms, MentionType.GROUP)
    assert {m.text for m in groups} == {"OFS", "Oakfield Shield"}
    assert {m.value for m in groups} == {"Oakfield Shield"}


def test_acronym_defined_in_brackets(extractor: Extractor) -> None:
    ms = extractor.extract(
        "He set up SKiP (Shielding Kids in Public) last year, a hunting group.", REPORT_DATE
    )
    assert set(texts(ms, MentionType.GROUP)) >= {"Shielding Kids in Public"}


def test_not_groups(extractor: Extractor) -> None:
    ms = extractor.extract(
        "The NSPCC and the Crown Prosecution Service criticised paedophile "
        "hunters. Members of the public were warned.",
        REPORT_DATE,
    )
    assert texts(ms, MentionType.GROUP) == []


def test_people_with_roles(court: list[Mention]) -> None:
    people = {m.value: m.attributes["role"] for m in of(court, MentionType.PERSON)}
    assert people["Darren Holloway"] == "subject"
    assert people["Rowena Pike"] == "judge"
    assert people["Alan Brierley"] == "officer"
    assert "Gareth" in people
    # titles are dropped from the value and the span
    assert "Det Sgt Alan Brierley" not in texts(court, MentionType.PERSON)


def test_places_resolved_to_gazetteer(court: list[Mention]) -> None:
    swindon = [m for m in of(court, MentionType.PLACE) if m.text == "Swindon"]
    assert swindon
    attrs = swindon[0].attributes
    if attrs:  # the gazetteer ships with the package; resolved places carry its facts
        assert attrs.get("force") == "wiltshire"
        assert "latitude" in attrs and "longitude" in attrs
    street = [m for m in of(court, MentionType.PLACE) if m.text == "Marlow Road"]
    assert street and street[0].attributes.get("town") == "Swindon"
    # a surname that is also a place name is not a place; nor the town in a court's name
    place_spans = [(m.start, m.end) for m in of(court, MentionType.PLACE)]
    court_pos = COURT_REPORT.index("Swindon Crown Court")
    assert (court_pos, court_pos + len("Swindon")) not in place_spans
    assert "Holloway" not in texts(court, MentionType.PLACE)


def test_places_outside_the_uk(extractor: Extractor) -> None:
    ms = extractor.extract(CANADA_REPORT, REPORT_DATE)
    places = texts(ms, MentionType.PLACE)
    assert ("CALGARY" in places and "Alta." in places) or "Alta" in places
    ms = extractor.extract(
        "The man, from Springvale, was found at Tullamore Park in Victoria.", REPORT_DATE
    )
    assert {"Springvale", "Tullamore Park"} <= set(texts(ms, MentionType.PLACE))


def test_forces_normalised(extractor: Extractor) -> None:
    ms = extractor.extract(
        "GMP said Greater Manchester Police and Manchester police had the "
        "file; the RCMP and Toronto police were not involved.",
        REPORT_DATE,
    )
    forces = of(ms, MentionType.FORCE)
    assert {m.text for m in forces} >= {
        "GMP",
        "Greater Manchester Police",
        "Manchester police",
        "RCMP",
        "Toronto police",
    }
    manchester = {m.value for m in forces if "anchester" in m.text or m.text == "GMP"}
    assert len(manchester) == 1  # one canonical force
    # the bare word "police" is not a force
    ms = extractor.extract("Police said the man was known to police.", REPORT_DATE)
    assert of(ms, MentionType.FORCE) == []


def test_platforms(court: list[Mention], extractor: Extractor) -> None:
    assert set(values(court, MentionType.PLATFORM)) == {"Facebook", "Snapchat", "WhatsApp"}
    ms = extractor.extract(NEWS_DATELINE, REPORT_DATE)
    assert "Facebook Live" in values(ms, MentionType.PLATFORM)
    ms = extractor.extract("He used Grindr and kik, then Telegram.", REPORT_DATE)
    assert {"Grindr", "Kik", "Telegram"} <= set(values(ms, MentionType.PLATFORM))


def test_ages(court: list[Mention], extractor: Extractor) -> None:
    assert values(court, MentionType.AGE_SUBJECT) == ["47"] * len(
        of(court, MentionType.AGE_SUBJECT)
    )
    assert "13" in values(court, MentionType.AGE_DECOY)
    cases = {
        "A 42-year-old man was arrested.": ("AGE_SUBJECT", "42"),
        "He spoke to a girl he thought was 13.": ("AGE_DECOY", "13"),
        "Volunteers posing as a 14-year-old confronted him.": ("AGE_DECOY", "14"),
        "Decoys posed as children aged 11 to 15 online.": ("AGE_DECOY", "11"),
    }
    for text, (kind, value) in cases.items():
        ms = extractor.extract(text, REPORT_DATE)
        assert value in values(ms, MentionType(kind)), text
    ms = extractor.extract("Decoys posed as children aged 11 to 15 online.", REPORT_DATE)
    assert set(values(ms, MentionType.AGE_DECOY)) == {"11", "15"}
    ms = extractor.extract("The man, in his 50s, met hunters aged between 19 and 36.", REPORT_DATE)
    assert of(ms, MentionType.AGE_SUBJECT) == []


def test_outcomes(court: list[Mention], extractor: Extractor) -> None:
    labels = set(values(court, MentionType.OUTCOME))
    assert {
        "arrested",
        "charged",
        "pleaded guilty",
        "jailed 18 months",
        "sex offenders register",
    } <= labels
    jailed = [m for m in of(court, MentionType.OUTCOME) if m.value == "jailed 18 months"]
    assert jailed[0].attributes["months"] == "18"
    cases = {
        "Kyle Benton, 33, was given a suspended sentence of six months, suspended for two "
        "years.": "suspended sentence",
        "He was acquitted by a jury.": "acquitted",
        "Police confirmed no further action would be taken.": "not charged",
        "He was remanded in custody.": "remanded in custody",
        "A father was wrongly accused by the group.": "wrongly accused",
        "He was sentenced to two years in prison.": "jailed 2 years",
        "She was handed a community order.": "community order",
    }
    for text, label in cases.items():
        assert label in values(extractor.extract(text, REPORT_DATE), MentionType.OUTCOME), text
    # hypotheticals and statistics are not outcomes
    ms = extractor.extract(
        "Hunters could be arrested. 44 per cent of suspects were charged.", REPORT_DATE
    )
    assert of(ms, MentionType.OUTCOME) == []


def test_outcome_names_person(extractor: Extractor) -> None:
    ms = extractor.extract("Simon Ashcombe was jailed for 14 months.", REPORT_DATE)
    out = of(ms, MentionType.OUTCOME)
    assert out[0].value == "jailed 14 months" and out[0].attributes["person"] == "Simon Ashcombe"


def test_offences(court: list[Mention]) -> None:
    offences = set(values(court, MentionType.OFFENCE))
    assert "meeting a child following sexual grooming" in offences
    assert "s.15A" in offences


def test_statistics(extractor: Extractor) -> None:
    ms = extractor.extract(NEWS_DATELINE, REPORT_DATE)
    stats = {m.value: m.attributes for m in of(ms, MentionType.STATISTIC)}
    assert stats["146"]["counts"] == "reports" and stats["146"]["period"] == "2017 and 2018"
    assert stats["44%"]["counts"] == "prosecutions"


def test_absolute_dates(court: list[Mention], extractor: Extractor) -> None:
    dates = {m.text: m.value for m in of(court, MentionType.DATE)}
    assert dates["14 March 2019"] == "2019-03-14"
    ms = extractor.extract(
        "It happened on April 13, then on 05/01/19 and in 2012-13. The "
        "Sexual Offences Act 2003 applies.",
        REPORT_DATE,
    )
    got = {m.attributes.get("calendar"): m.value for m in of(ms, MentionType.DATE)}
    assert got["April 13"] == "2019-04-13"
    assert got["05/01/19"] == "2019-01-05"
    assert "2012-13" in got
    assert "2003" not in got  # a year inside a statute name is not a date


def test_relative_dates_resolved(extractor: Extractor) -> None:
    ms = extractor.extract(RELATIVE_DATES, REPORT_DATE)
    by_text = {m.text: m for m in of(ms, MentionType.DATE)}
    assert by_text["last week"].value == "2019-06-03"
    assert by_text["on Tuesday night"].value == "2019-06-11"
    assert by_text["two months ago"].value == "2019-04"
    september = by_text["September"]
    assert september.value == "2018-09"
    assert september.attributes["original"] == "September last year"
    assert september.attributes["calendar"] == "September"
    ms = extractor.extract(
        "The sting was on Wednesday evening, yesterday he was charged.", REPORT_DATE
    )
    values_by_text = {m.text: m.value for m in of(ms, MentionType.DATE)}
    assert values_by_text["on Wednesday evening"] == "2019-06-12"
    assert values_by_text["yesterday"] == "2019-06-11"


def test_report_date_from_first_lines() -> None:
    assert find_report_date("Headline\nFriday, 6th September 2019, 11:21 am\nBody") == date(
        2019, 9, 6
    )
    assert find_report_date("No date here at all.") is None


def test_corpus_annotation_shape(court: list[Mention]) -> None:
    ann = to_corpus_annotation(court, COURT_REPORT)
    assert list(ann) == list(CORPUS_FIELDS)
    assert all(isinstance(a, int) for a in ann["subject_ages"] + ann["decoy_ages"])
    assert ann["subject_ages"] == [47] and ann["decoy_ages"] == [13]
    assert "jailed 18 months" in ann["outcomes"]
    assert ann["people"].count("Darren Holloway") == 1
    assert "Holloway" not in ann["people"]  # each person once, in the fullest form
    assert "14 March 2019" in ann["dates"] and "August" in ann["dates"]
    assert ann["police_forces"] == ["Wiltshire Police"]
    json.dumps(ann)


def test_pipe_matches_extract(extractor: Extractor) -> None:
    reports = [COURT_REPORT, NEWS_DATELINE, CANADA_REPORT]
    piped = list(extractor.pipe(reports, [REPORT_DATE] * 3))
    for text, ms in zip(reports, piped, strict=True):
        assert [(m.type, m.start, m.end, m.value) for m in ms] == [
            (m.type, m.start, m.end, m.value) for m in extractor.extract(text, REPORT_DATE)
        ]


def test_empty_and_odd_text(extractor: Extractor) -> None:
    assert extractor.extract("", REPORT_DATE) == []
    assert extractor.extract("   \n\n  ", REPORT_DATE) == []
    extractor.extract("İSTANBUL — ß ﬁ Ⅻ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 O'Brien's 13-year-old", REPORT_DATE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_never_crashes_and_spans_index_text(text: str) -> None:
    ex = _shared()
    for m in ex.extract(text, REPORT_DATE):
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.text
    to_corpus_annotation(ex.extract(text, REPORT_DATE), text)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Darren Holloway, 47,",
                "was jailed for",
                "18 months",
                "in Swindon",
                "on 3 May 2018",
                "a 13-year-old girl",
                "the group",
                "Kestrel Hunters",
                "Kent Police",
                "on Facebook",
                ".",
                ",",
                "\n",
                "said",
                "Sgt",
                "İ",
                "’s",
            ]
        ),
        max_size=30,
    ).map(" ".join)
)
def test_never_crashes_on_report_like_text(text: str) -> None:
    for m in _shared().extract(text, REPORT_DATE):
        assert text[m.start : m.end] == m.text


_EXTRACTOR: list[Extractor] = []


def _shared() -> Extractor:
    if not _EXTRACTOR:
        _EXTRACTOR.append(Extractor())
    return _EXTRACTOR[0]


# -- CLI -------------------------------------------------------------------------------------


@pytest.fixture()
def app() -> typer.Typer:
    a = typer.Typer()
    register(a)

    @a.command("noop")
    def _noop() -> None:  # a second command so "extract" stays a named subcommand
        pass

    return a


def test_cli_table(app: typer.Typer, tmp_path: Path) -> None:
    f = tmp_path / "001.txt"
    f.write_text(COURT_REPORT, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["extract", str(f), "--date", "2019-06-12"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Kestrel Child Guardians" in result.output and "PERSON" in result.output


def test_cli_json(app: typer.Typer, tmp_path: Path) -> None:
    f = tmp_path / "001.txt"
    f.write_text(RELATIVE_DATES, encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(f), "--json", "--date", "2019-06-12"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    last_week = [d for d in data if d["text"] == "last week"]
    assert last_week and last_week[0]["value"] == "2019-06-03"
    from drachma.extract.version import pipeline_version

    assert {d["pipeline_version"] for d in data} == {pipeline_version()}


def test_cli_corpus_json(app: typer.Typer, tmp_path: Path) -> None:
    files = []
    for i, text in enumerate([COURT_REPORT, NEWS_DATELINE], start=1):
        f = tmp_path / f"{i:03d}.txt"
        f.write_text(text, encoding="utf-8")
        files.append(str(f))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", "--corpus-json", str(out), *files])
    assert result.exit_code == 0, result.output
    ann = json.loads((out / "001.json").read_text())
    assert list(ann) == list(CORPUS_FIELDS)
    assert ann["groups"] == ["Kestrel Child Guardians"]
    assert json.loads((out / "002.json").read_text())["platforms"] == ["Facebook Live"]


def test_cli_bad_date_and_missing_file(app: typer.Typer, tmp_path: Path) -> None:
    f = tmp_path / "001.txt"
    f.write_text("text", encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(f), "--date", "12/06/2019"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2


def test_cli_help_for_every_option(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["extract", "--help"])
    assert result.exit_code == 0
    for opt in (
        "--json",
        "--date",
        "--corpus-json",
        "--model",
        "--min-confidence",
        "--known-groups",
    ):
        assert opt in result.output


def test_a_role_cue_in_the_previous_sentence_does_not_give_the_next_name_its_role() -> None:
    text = (
        "A man was confronted by members of the group Brindlecombe Watch. Gareth Pennock, of "
        "Bangor, had been messaging what he believed was a 13-year-old girl."
    )
    people = [m for m in Extractor().extract(text, date(2019, 1, 1))
              if m.type is MentionType.PERSON]
    assert [(m.text, m.attributes["role"]) for m in people] == [("Gareth Pennock", "subject")]


@pytest.mark.parametrize(
    "text",
    [
        "Idris Pennock, of Bangor, was arrested on Friday.",
        "The court heard that Idris Pennock, of Upper Ford Lane, Wrexham, sent the messages.",
    ],
)
def test_a_name_introduced_by_its_home_town_is_a_person_whatever_the_given_name(text: str) -> None:
    people = [m.value for m in Extractor().extract(text, date(2019, 1, 1))
              if m.type is MentionType.PERSON]
    assert people == ["Idris Pennock"]
