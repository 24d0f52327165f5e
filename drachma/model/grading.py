"""3x5x2 intelligence grading, and the legacy 5x5x5 grading kept beside it.

3x5x2 is written ``2BP``; ``2-B-P`` and ``2/B/P`` are accepted too. Handling code ``C`` (lawful
sharing permitted with conditions) is only valid with the conditions written down.
Legacy 5x5x5 (``B35``: source A-E, intelligence 1-5, handling 1-5) is never converted to 3x5x2.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from drachma.errors import GradingError


class SourceEvaluation(str, enum.Enum):
    RELIABLE = "1"
    UNTESTED = "2"
    NOT_RELIABLE = "3"


class IntelligenceAssessment(str, enum.Enum):
    KNOWN_DIRECTLY = "A"
    KNOWN_INDIRECTLY_CORROBORATED = "B"
    KNOWN_INDIRECTLY = "C"
    NOT_KNOWN = "D"
    SUSPECTED_FALSE = "E"


class HandlingCode(str, enum.Enum):
    PERMITTED = "P"
    CONDITIONS = "C"


SOURCE_MEANINGS = {
    SourceEvaluation.RELIABLE: "reliable",
    SourceEvaluation.UNTESTED: "untested",
    SourceEvaluation.NOT_RELIABLE: "not reliable",
}
INTELLIGENCE_MEANINGS = {
    IntelligenceAssessment.KNOWN_DIRECTLY: "known directly to the source",
    IntelligenceAssessment.KNOWN_INDIRECTLY_CORROBORATED: "known indirectly, corroborated",
    IntelligenceAssessment.KNOWN_INDIRECTLY: "known indirectly",
    IntelligenceAssessment.NOT_KNOWN: "not known",
    IntelligenceAssessment.SUSPECTED_FALSE: "suspected to be false",
}
HANDLING_MEANINGS = {
    HandlingCode.PERMITTED: "lawful sharing permitted",
    HandlingCode.CONDITIONS: "lawful sharing permitted with conditions",
}

_SEPARATED = re.compile(r"^\s*(\S+?)\s*[-/]\s*(\S+?)\s*[-/]\s*(\S+?)\s*$")


@dataclass(frozen=True, slots=True)
class Grading:
    """A 3x5x2 grading. ``conditions`` is required exactly when handling is ``C``."""

    source: SourceEvaluation
    intelligence: IntelligenceAssessment
    handling: HandlingCode
    conditions: str | None = None

    def __post_init__(self) -> None:
        if self.handling is HandlingCode.CONDITIONS and not (self.conditions or "").strip():
            raise GradingError(
                "handling code 'C' needs the handling conditions written down",
                field="handling_conditions",
            )
        if self.handling is HandlingCode.PERMITTED and self.conditions:
            raise GradingError(
                "handling conditions are only recorded with handling code 'C'",
                field="handling_conditions",
            )

    @property
    def code(self) -> str:
        return f"{self.source.value}{self.intelligence.value}{self.handling.value}"

    def __str__(self) -> str:
        return self.code

    def describe(self) -> str:
        return (
            f"{self.code}: source {SOURCE_MEANINGS[self.source]}; "
            f"intelligence {INTELLIGENCE_MEANINGS[self.intelligence]}; "
            f"{HANDLING_MEANINGS[self.handling]}"
        )


def _split(text: str) -> tuple[str, str, str]:
    stripped = text.strip()
    if not stripped:
        raise GradingError("grading is empty; write it like '2BP'", field="grading")
    separated = _SEPARATED.match(stripped)
    if separated:
        first, second, third = separated.groups()
        return first, second, third
    compact = re.sub(r"\s+", "", stripped)
    if len(compact) != 3:
        raise GradingError(
            f"grading {text!r} must have three parts (source, intelligence, handling), like '2BP'",
            field="grading",
        )
    return compact[0], compact[1], compact[2]


def parse_grading(text: str, conditions: str | None = None) -> Grading:
    """Parse ``2BP`` / ``2-B-P`` / ``2/B/P``; raise :class:`GradingError` naming the bad part."""
    source, intelligence, handling = _split(text)
    try:
        source_value = SourceEvaluation(source)
    except ValueError:
        raise GradingError(
            f"grading {text!r}: source evaluation {source!r} must be 1, 2 or 3",
            field="grading.source",
        ) from None
    try:
        intelligence_value = IntelligenceAssessment(intelligence.upper())
    except ValueError:
        raise GradingError(
            f"grading {text!r}: intelligence assessment {intelligence!r} must be A, B, C, D or E",
            field="grading.intelligence",
        ) from None
    try:
        handling_value = HandlingCode(handling.upper())
    except ValueError:
        raise GradingError(
            f"grading {text!r}: handling code {handling!r} must be P or C",
            field="grading.handling",
        ) from None
    cleaned = conditions.strip() if conditions and conditions.strip() else None
    if handling_value is HandlingCode.CONDITIONS and cleaned is None:
        raise GradingError(
            f"grading {text!r}: handling code 'C' needs the handling conditions written down",
            field="handling_conditions",
        )
    if handling_value is HandlingCode.PERMITTED:
        cleaned = None
    return Grading(source_value, intelligence_value, handling_value, cleaned)


@dataclass(frozen=True, slots=True)
class LegacyGrading:
    """A 5x5x5 grading (source A-E, intelligence 1-5, handling 1-5), kept as recorded."""

    source: str
    intelligence: str
    handling: str

    @property
    def code(self) -> str:
        return f"{self.source}{self.intelligence}{self.handling}"

    def __str__(self) -> str:
        return self.code


def parse_legacy_grading(text: str) -> LegacyGrading:
    """Parse a 5x5x5 grading such as ``B35``; it is never converted to 3x5x2."""
    source, intelligence, handling = _split(text)
    if source.upper() not in "ABCDE" or len(source) != 1:
        raise GradingError(
            f"legacy 5x5x5 grading {text!r}: source {source!r} must be A to E",
            field="legacy_grading.source",
        )
    for part, name in ((intelligence, "intelligence"), (handling, "handling")):
        if part not in {"1", "2", "3", "4", "5"}:
            raise GradingError(
                f"legacy 5x5x5 grading {text!r}: {name} {part!r} must be 1 to 5",
                field=f"legacy_grading.{name}",
            )
    return LegacyGrading(source.upper(), intelligence, handling)
