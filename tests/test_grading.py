"""3x5x2 grading: what is accepted, what is refused and how the refusal names the bad part."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drachma.errors import GradingError
from drachma.model.grading import (
    HandlingCode,
    IntelligenceAssessment,
    SourceEvaluation,
    parse_grading,
    parse_legacy_grading,
)


@pytest.mark.parametrize("text", ["2BP", "2-B-P", "2/B/P", " 2bp ", "2 / b / p"])
def test_the_three_written_forms_are_accepted(text: str) -> None:
    grading = parse_grading(text)
    assert grading.code == "2BP"
    assert grading.source is SourceEvaluation.UNTESTED
    assert grading.intelligence is IntelligenceAssessment.KNOWN_INDIRECTLY_CORROBORATED
    assert grading.handling is HandlingCode.PERMITTED


def test_handling_code_c_is_accepted_with_its_conditions() -> None:
    grading = parse_grading("1-A-C", "share only with the OIC")
    assert grading.code == "1AC"
    assert grading.conditions == "share only with the OIC"
    assert parse_grading("1/A/C", "x").code == "1AC"


@pytest.mark.parametrize(
    ("text", "field", "named"),
    [
        ("4AP", "grading.source", "'4'"),
        ("2FP", "grading.intelligence", "'F'"),
        ("2BX", "grading.handling", "'X'"),
        ("2BC", "handling_conditions", "conditions"),
        ("2B", "grading", "three parts"),
        ("", "grading", "empty"),
        ("22BP", "grading", "three parts"),
    ],
)
def test_bad_gradings_are_refused_naming_the_bad_part(text: str, field: str, named: str) -> None:
    with pytest.raises(GradingError) as caught:
        parse_grading(text)
    assert caught.value.field == field
    assert named in caught.value.message


def test_conditions_are_dropped_for_handling_code_p() -> None:
    assert parse_grading("2BP", "ignored").conditions is None


def test_legacy_5x5x5_is_kept_as_written_not_converted() -> None:
    legacy = parse_legacy_grading("B35")
    assert legacy.code == "B35"
    with pytest.raises(GradingError, match="source 'F'"):
        parse_legacy_grading("F35")
    with pytest.raises(GradingError, match="intelligence '6'"):
        parse_legacy_grading("B65")


sources = st.sampled_from("123")
intelligences = st.sampled_from("ABCDEabcde")
separators = st.sampled_from(["", "-", "/", " - ", " / "])


@given(sources, intelligences, separators)
def test_every_valid_p_grading_parses_in_every_form(s: str, i: str, sep: str) -> None:
    grading = parse_grading(f"{s}{sep}{i}{sep}P")
    assert grading.code == f"{s}{i.upper()}P"


@given(st.text(max_size=12))
def test_anything_else_parses_or_raises_a_grading_error(text: str) -> None:
    try:
        grading = parse_grading(text, "conditions")
    except GradingError as exc:
        assert exc.field is not None and exc.field.startswith(("grading", "handling"))
    else:
        assert grading.source.value in "123"
        assert grading.intelligence.value in "ABCDE"


@given(st.sampled_from("456789FGHXYZ0"))
def test_out_of_range_parts_are_always_refused(bad: str) -> None:
    with pytest.raises(GradingError):
        parse_grading(f"{bad}{bad}P")
