"""Boundary files for choropleths: local authority districts (2023) and police force areas.

The GeoJSON files in ``data/`` come from ``build.py`` in the shared geography folder (sources,
licences and the attribution in ``data/SOURCES.md``). They are shipped *simplified*: every
coordinate rounded to :data:`DECIMALS` decimal places (0.001 degrees, about 110 m north-south and
70 m east-west, finer than the 200 m generalisation of the ONS base geometry) and repeated points
dropped. Rounding the same vertex always gives the same point, so borders that two areas share
stay shared: no gaps or overlaps appear between neighbours.

Run ``python -m drachma.gazetteers.boundaries SOURCE_DIR`` to rebuild the shipped files from the
originals.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from drachma.errors import DrachmaError

DECIMALS = 3
FILES = {"district": "lad.geojson", "force": "pfa.geojson"}
Level = Literal["district", "force"]

#: The attribution every map drawn from these files carries (from ``data/SOURCES.md``).
ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2016 (boundaries) and 2023 (lookups). "
    "Contains LPS Intellectual Property © Crown copyright and database right 2016."
)


class BoundaryDataError(DrachmaError):
    """A shipped boundary or lookup file is missing or malformed."""

    kind = "boundary_data"
    status = 500


@dataclass(frozen=True, slots=True)
class DistrictForce:
    """One row of ``lad_to_pfa.csv``: a 2023 district and the police force area holding it."""

    lad_code: str
    lad_name: str
    pfa_code: str
    pfa_name: str


def _text(name: str) -> str:
    return resources.files("drachma.gazetteers").joinpath("data", name).read_text("utf-8")


@cache
def district_force_lookup() -> dict[str, DistrictForce]:
    """``lad_to_pfa.csv`` by district code (361 rows, one force each)."""
    rows = list(csv.DictReader(io.StringIO(_text("lad_to_pfa.csv"))))
    out: dict[str, DistrictForce] = {}
    for number, row in enumerate(rows, start=2):
        try:
            item = DistrictForce(row["lad_code"], row["lad_name"], row["pfa_code"],
                                 row["pfa_name"])
        except KeyError as exc:
            raise BoundaryDataError(f"lad_to_pfa.csv line {number}: no column {exc}",
                                    field="lad_to_pfa.csv") from None
        if not all((item.lad_code, item.pfa_code)) or item.lad_code in out:
            raise BoundaryDataError(f"lad_to_pfa.csv line {number}: empty or repeated code",
                                    field="lad_to_pfa.csv")
        out[item.lad_code] = item
    return out


@cache
def boundaries(level: Level) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of districts or force areas (properties ``code``, ``name``)."""
    if level not in FILES:
        raise BoundaryDataError(f"no boundaries for {level!r}: use 'district' or 'force'",
                                field="level")
    try:
        data: dict[str, Any] = json.loads(_text(FILES[level]))
    except (OSError, ValueError) as exc:
        raise BoundaryDataError(f"{FILES[level]} cannot be read: {exc}",
                                field=FILES[level]) from None
    features = data.get("features")
    if data.get("type") != "FeatureCollection" or not isinstance(features, list) or not features:
        raise BoundaryDataError(f"{FILES[level]} is not a GeoJSON FeatureCollection",
                                field=FILES[level])
    for feature in features:
        props = feature.get("properties") or {}
        if not props.get("code") or not props.get("name") or not feature.get("geometry"):
            raise BoundaryDataError(f"{FILES[level]} has a feature without code, name or shape",
                                    field=FILES[level])
    return data


def _signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def _clockwise_outside(rings: list[list[list[float]]]) -> list[list[list[float]]]:
    """d3-geo (which Vega draws maps with) reads a counter-clockwise outer ring, the GeoJSON
    standard's order, as everything *but* the area: outer rings clockwise, holes anticlockwise."""
    out = []
    for index, ring in enumerate(rings):
        clockwise = _signed_area(ring) < 0
        out.append(ring if clockwise == (index == 0) else ring[::-1])
    return out


@cache
def map_features(level: Level) -> tuple[dict[str, Any], ...]:
    """The features ready for a UK-wide Vega map: coordinates rounded to 0.01 degrees (about a
    kilometre, under a pixel at 420 pixels for the UK; shared borders stay shared) and rings
    wound the way d3-geo expects."""
    features = simplify(boundaries(level), decimals=2)["features"]
    for feature in features:
        geometry = feature["geometry"]
        if geometry["type"] == "Polygon":
            geometry["coordinates"] = _clockwise_outside(geometry["coordinates"])
        else:
            geometry["coordinates"] = [_clockwise_outside(p) for p in geometry["coordinates"]]
    return tuple(features)


# --- building the shipped files --------------------------------------------------------------


def _ring(points: list[list[float]], decimals: int) -> list[list[float]] | None:
    out: list[list[float]] = []
    for x, y in points:
        point = [round(x, decimals), round(y, decimals)]
        if not out or out[-1] != point:
            out.append(point)
    if out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None  # a ring that shrank below a triangle is dropped


def _polygon(rings: list[list[list[float]]], decimals: int) -> list[list[list[float]]] | None:
    outer = _ring(rings[0], decimals)
    if outer is None:
        return None
    holes = [ring for ring in (_ring(r, decimals) for r in rings[1:]) if ring is not None]
    return [outer, *holes]


def simplify(data: dict[str, Any], decimals: int = DECIMALS) -> dict[str, Any]:
    """A copy of a FeatureCollection of (Multi)Polygons with coordinates rounded (see above).

    A feature whose every polygon shrinks away keeps its largest polygon at full precision, so
    no area ever vanishes from a map.
    """
    features = []
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = (geometry["coordinates"] if geometry["type"] == "MultiPolygon"
                    else [geometry["coordinates"]])
        kept = [p for p in (_polygon(rings, decimals) for rings in polygons) if p is not None]
        if not kept:
            kept = [max(polygons, key=lambda rings: len(rings[0]))]
        shape: dict[str, Any] = (
            {"type": "Polygon", "coordinates": kept[0]} if len(kept) == 1
            else {"type": "MultiPolygon", "coordinates": kept}
        )
        features.append({"type": "Feature", "properties": dict(feature["properties"]),
                         "geometry": shape})
    return {"type": "FeatureCollection", "features": features}


def build(source: Path, target: Path) -> None:
    """Write simplified copies of the source folder's GeoJSON files and its lookup to ``target``."""
    for name in FILES.values():
        data = json.loads((source / name).read_text("utf-8"))
        text = json.dumps(simplify(data), separators=(",", ":"))
        (target / name).write_text(text + "\n", "utf-8")
    (target / "lad_to_pfa.csv").write_text((source / "lad_to_pfa.csv").read_text("utf-8"),
                                           "utf-8")


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    build(Path(sys.argv[1]), Path(__file__).parent / "data")
