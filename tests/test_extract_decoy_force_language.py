"""Decoy ages and national police forces in the language of reporting (issue 12, third round).

Every sentence is invented (names too) and was written before the rules it checks were changed."""

from __future__ import annotations

import pytest

from drachma.extract import Extractor, to_corpus_annotation


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _field(extractor: Extractor, text: str, field: str) -> list[object]:
    return sorted(to_corpus_annotation(extractor.extract(text), text)[field])  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("The group said the account he messaged belonged to a girl aged 14.", [14]),
        ("He had been talking to a decoy account claiming to be a girl of 13.", [13]),
        ("The profile, run by an adult, claimed to be a boy of 12.", [12]),
    ],
)
def test_decoy_ages_of_accounts_and_of_n(extractor: Extractor, text: str, ages: list[int]) -> None:
    assert _field(extractor, text, "decoy_ages") == ages


@pytest.mark.parametrize(
    "text",
    [
        "A 16-year-old girl who gave evidence about separate messages cannot be named.",
        "A 15-year-old boy, who was one of his victims, testified by video link.",
    ],
)
def test_real_children_are_not_decoys(extractor: Extractor, text: str) -> None:
    assert _field(extractor, text, "decoy_ages") == []


@pytest.mark.parametrize(
    ("text", "forces"),
    [
        ("Dutch police arrested four men after the lure.", ["Dutch police"]),
        ("Danish police said the group had been warned.", ["Danish police"]),
    ],
)
def test_a_single_national_police_by_its_nationality(
    extractor: Extractor, text: str, forces: list[str]
) -> None:
    assert _field(extractor, text, "police_forces") == forces


@pytest.mark.parametrize(
    "text",
    ["British police have no single policy on such groups.", "Canadian police forces differ."],
)
def test_a_nationality_with_many_forces_is_not_a_force(extractor: Extractor, text: str) -> None:
    assert _field(extractor, text, "police_forces") == []
