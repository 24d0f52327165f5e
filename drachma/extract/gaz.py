"""Adapter over :mod:`drachma.gazetteers` so the extractor degrades gracefully without it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any


@dataclass(frozen=True, slots=True)
class PlaceInfo:
    name: str
    kind: str
    district: str
    force: str
    latitude: float | None
    longitude: float | None
    within: str


@dataclass(slots=True)
class GazetteerView:
    force_names: dict[str, str] = field(default_factory=dict)  # lower surface -> force code
    force_labels: dict[str, str] = field(default_factory=dict)  # force code -> canonical name
    places: dict[str, list[PlaceInfo]] = field(default_factory=dict)  # lower surface -> places
    available: bool = False


def _place(p: Any) -> PlaceInfo:
    def s(attr: str) -> str:
        v = getattr(p, attr, None)
        if v is None:
            return ""
        return str(getattr(v, "name", v)) if not isinstance(v, str) else v

    lat = getattr(p, "latitude", None)
    lon = getattr(p, "longitude", None)
    return PlaceInfo(
        name=s("name"),
        kind=str(getattr(getattr(p, "kind", ""), "value", getattr(p, "kind", ""))),
        district=s("district"),
        force=s("force"),
        latitude=float(lat) if isinstance(lat, (int, float)) else None,
        longitude=float(lon) if isinstance(lon, (int, float)) else None,
        within=s("within"),
    )


@lru_cache(maxsize=1)
def load() -> GazetteerView:
    """Read the package gazetteers once. Missing or broken gazetteers are an error
    (:class:`RuleDataError`), never an extractor that silently finds no places or forces."""
    from drachma import gazetteers
    from drachma.extract.rules import RuleDataError

    view = GazetteerView()
    try:
        view.force_names = {k.lower(): str(v) for k, v in gazetteers.force_names().items()}
        for force in gazetteers.police_forces():
            code = str(getattr(force, "code", "") or "")
            name = str(getattr(force, "name", "") or code)
            if code:
                view.force_labels[code] = name
        view.places = {
            k.lower(): [_place(p) for p in v] for k, v in gazetteers.place_names().items()
        }
    except Exception as exc:
        raise RuleDataError(f"the gazetteers cannot be read: {exc}", field="gazetteers") from exc
    if not view.places or not view.force_names:
        raise RuleDataError("the gazetteers have no places or no police forces",
                            field="gazetteers")
    view.available = True
    return view
