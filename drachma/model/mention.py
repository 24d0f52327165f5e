"""Mentions: spans of a report's text that name something, with a type and a normalised value."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class MentionType(str, enum.Enum):
    GROUP = "GROUP"
    PERSON = "PERSON"
    PLACE = "PLACE"
    FORCE = "FORCE"
    PLATFORM = "PLATFORM"
    DATE = "DATE"
    AGE_SUBJECT = "AGE_SUBJECT"
    AGE_DECOY = "AGE_DECOY"
    OUTCOME = "OUTCOME"
    OFFENCE = "OFFENCE"
    STATISTIC = "STATISTIC"


class PersonRole(str, enum.Enum):
    SUBJECT = "subject"
    OFFICER = "officer"
    GROUP_MEMBER = "group_member"
    SPOKESPERSON = "spokesperson"
    JUDGE = "judge"
    LAWYER = "lawyer"
    VICTIM = "victim"
    OTHER = "other"


class Review(str, enum.Enum):
    """An analyst's decision on an extracted mention."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    CORRECTED = "corrected"
    REJECTED = "rejected"


@dataclass(slots=True)
class Mention:
    """A span ``text[start:end]`` of a report with what it was read as.

    ``value`` is the normalised value (canonical force code, ISO date, outcome label, age...);
    ``attributes`` carries the rest (role, the person an outcome applies to, the original text of a
    relative date, coordinates of a place, months of a sentence...). ``pipeline_version`` says which
version of the extraction rules read it.
    """

    type: MentionType
    start: int
    end: int
    text: str
    value: str
    confidence: float
    attributes: dict[str, str] = field(default_factory=dict)
    review: Review = Review.PENDING
    reviewed_by: int | None = None
    reviewed_at: datetime | None = None
    report_id: int | None = None
    id: int | None = None
    # the extraction pipeline that read it (``drachma.extract.version``); None for mentions an
    # analyst added by hand or stored before versions were recorded
    pipeline_version: str | None = None
