"""Exhibits, their custody events and the custody log's checkpoints (plain typed classes)."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime

from drachma.errors import ValidationError

INITIALS = re.compile(r"^[A-Z]{2,4}$")
REFERENCE = re.compile(r"^([A-Z]{2,4})/([1-9][0-9]*)(?:/([1-9][0-9]*))?$")


class DisclosureCategory(str, enum.Enum):
    """CPIA: material the prosecution uses, or unused material (MG6C), sensitive (MG6D)."""

    UNDECIDED = "undecided"
    USED = "used"
    UNUSED = "unused"  # non-sensitive unused: listed on MG6C
    SENSITIVE = "sensitive"  # sensitive unused: listed on MG6D


class CustodyAction(str, enum.Enum):
    RECEIVED = "received"
    VIEWED = "viewed"
    DOWNLOADED = "downloaded"
    COPIED = "copied"
    EXPORTED = "exported"
    TRANSFERRED = "transferred"
    RETURNED = "returned"
    DESTROYED = "destroyed"


def check_initials(text: str) -> str:
    initials = text.strip().upper()
    if not INITIALS.match(initials):
        raise ValidationError(
            f"producer initials {text!r} must be 2 to 4 letters, e.g. JS", field="producer")
    return initials


def format_reference(producer: str, number: int, sub_number: int | None = None) -> str:
    return f"{producer}/{number}" + (f"/{sub_number}" if sub_number else "")


def parse_reference(text: str) -> tuple[str, int, int | None]:
    match = REFERENCE.match(text.strip().upper())
    if not match:
        raise ValidationError(
            f"{text!r} is not an exhibit reference such as JS/1 or JS/1/2", field="reference")
    sub = match.group(3)
    return match.group(1), int(match.group(2)), int(sub) if sub else None


@dataclass(frozen=True, slots=True)
class Producer:
    """An officer or staff member who produces exhibits, known by their initials."""

    initials: str
    name: str


@dataclass(slots=True)
class Exhibit:
    reference: str
    description: str
    producer: str  # initials
    received_at: datetime
    received_from: str  # the person or group who handed it over, or where it was seized
    received_place: str
    original_name: str
    media_type: str
    size: int
    sha256: str
    disclosure_category: DisclosureCategory = DisclosureCategory.UNDECIDED
    parent_reference: str | None = None
    redaction_of: str | None = None  # the original's reference, for a redacted copy
    newest_inner_at: datetime | None = None  # newest date found inside the material
    links: list[tuple[str, int]] = field(default_factory=list)  # (kind, id)
    created_at: datetime | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class CustodyEvent:
    """One append-only line of an exhibit's history. ``actor`` and ``reason`` are ``None`` once the
    row has been redacted at its retention review; its digest stays in the log."""

    seq: int  # the leaf index in the custody log
    exhibit_reference: str
    exhibit_sha256: str
    action: CustodyAction
    at: datetime
    actor: str | None
    reason: str | None
    redacted: bool = False
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    tree_size: int
    root_hash: bytes
    note: str  # the signed note, C2SP tlog-checkpoint format
    created_at: datetime
    timestamp_token: bytes | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class DisclosureItem:
    """One numbered item on an investigation's MG6C or MG6D schedule."""

    number: int
    schedule: str  # MG6C or MG6D
    description: str
    sensitivity: str | None  # MG6D: why the material is sensitive
    exhibit_reference: str | None
    updated_at: datetime
