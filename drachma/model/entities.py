"""Entities that reports talk about: groups, people, places, police forces, platforms.

A person's role (subject, officer, group member...) belongs to an incident or a mention, never to
the person.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date


class GroupStatus(str, enum.Enum):
    ACTIVE = "active"
    DORMANT = "dormant"
    DISBANDED = "disbanded"
    UNKNOWN = "unknown"


@dataclass(slots=True)
class Group:
    """An online child abuse activist group (OCAG), as police know it."""

    name: str
    aliases: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    area_force: str | None = None
    status: GroupStatus = GroupStatus.UNKNOWN
    confirmed: bool = False
    id: int | None = None

    def names(self) -> list[str]:
        return [self.name, *self.aliases]


@dataclass(slots=True)
class Person:
    """A person known to Drachma. Personal data is minimised: only what an investigation needs."""

    name: str
    aliases: list[str] = field(default_factory=list)
    date_of_birth: date | None = None
    addresses: list[str] = field(default_factory=list)
    id: int | None = None


class PlaceKind(str, enum.Enum):
    CITY = "city"
    TOWN = "town"
    VILLAGE = "village"
    DISTRICT = "district"
    COUNTY = "county"
    REGION = "region"
    STREET = "street"
    VENUE = "venue"


@dataclass(frozen=True, slots=True)
class Place:
    """A named place; gazetteer places carry their district, force area and coordinates."""

    name: str
    kind: PlaceKind
    district: str | None = None
    force: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    within: str | None = None


@dataclass(frozen=True, slots=True)
class PoliceForce:
    """A UK police force. ``code`` is the canonical short key (e.g. ``greater-manchester``)."""

    code: str
    name: str
    short_forms: tuple[str, ...] = ()
    country: str = "England"


@dataclass(frozen=True, slots=True)
class Platform:
    """An online platform (Facebook, WhatsApp, ...)."""

    name: str
    aliases: tuple[str, ...] = ()
    owner: str | None = None
