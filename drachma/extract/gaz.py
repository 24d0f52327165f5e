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
    """Read the package gazetteers once; an empty view when they are missing or broken."""
    view = GazetteerView()
    try:
        from drachma import gazetteers
    except Exception:  # pragma: no cover - depends on the checkout
        return view
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
        view.available = True
    except Exception:  # pragma: no cover - a half-written gazetteer must not break extraction
        return GazetteerView()
    return view
