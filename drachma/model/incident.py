"""Incidents (a sting or confrontation) and the investigations they must be deconflicted against."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class InvestigationStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(slots=True)
class Incident:
    """A confrontation by a group, often live-streamed."""

    occurred_at: datetime
    place: str | None
    force: str | None
    groups: list[str] = field(default_factory=list)
    decoy_age_claimed: int | None = None
    live_streamed: bool = False
    platform: str | None = None
    stream_urls: list[str] = field(default_factory=list)
    viewers: int | None = None
    police_attended: bool = False
    outcome: str | None = None
    report_ids: list[int] = field(default_factory=list)
    id: int | None = None


@dataclass(slots=True)
class Investigation:
    """An open police investigation, with its owner, for deconfliction."""

    reference: str
    owner: str
    force: str | None
    status: InvestigationStatus = InvestigationStatus.OPEN
    subject_ids: list[int] = field(default_factory=list)
    id: int | None = None
