"""Sources and reports: what comes in, graded and sanitised."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from drachma.model.grading import Grading, HandlingCode, LegacyGrading
from drachma.model.roles import Role


class SourceKind(str, enum.Enum):
    OFFICER = "officer"
    PUBLIC = "public"
    GROUP = "group"
    NEWS = "news"
    PLATFORM = "platform"
    FOI = "foi"
    PARTNER = "partner"

    @property
    def label(self) -> str:
        return {
            "officer": "officer's report",
            "public": "member of the public",
            "group": "activist group",
            "news": "news / open source",
            "platform": "platform",
            "foi": "FOI / statistics",
            "partner": "partner agency",
        }[self.value]


@dataclass(slots=True)
class Source:
    """Who or what supplied information. ``identity`` of a human source is restricted."""

    kind: SourceKind
    reference: str
    identity: str | None = None
    id: int | None = None


@dataclass(slots=True)
class Report:
    """A graded intelligence report.

    ``body`` is the raw text; ``sanitised_text`` is what may be disseminated. For handling code C,
    ``visible_to`` lists the roles the handling conditions allow (supervisors always see).
    """

    title: str
    body: str
    received_at: datetime
    source_kind: SourceKind
    grading: Grading
    legacy_grading: LegacyGrading | None = None
    visible_to: frozenset[Role] = field(default_factory=frozenset)
    sanitised_text: str | None = None
    review_date: date | None = None
    force: str | None = None
    occurred_on: date | None = None
    source_id: int | None = None
    created_by: int | None = None
    content_hash: str | None = None
    id: int | None = None

    @property
    def restricted(self) -> bool:
        return self.grading.handling is HandlingCode.CONDITIONS


def review_date_after(received: date, years: int) -> date:
    """MoPI review date: ``years`` after receipt (28 February when received on 29 February)."""
    try:
        return received.replace(year=received.year + years)
    except ValueError:
        return received.replace(year=received.year + years, day=28)
