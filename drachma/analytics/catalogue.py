"""The analytics data files: outcome categories and FOI settings, loaded and checked once.

``data/outcomes.csv`` maps every outcome label the demo and the extractor write to a category;
``data/categories.csv`` names and explains each category; ``data/foi.toml`` holds the small-number
suppression threshold and the caveats of FOI answers. A broken file raises
:class:`AnalyticsDataError` naming it: never a silent gap.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from drachma.errors import DrachmaError


class AnalyticsDataError(DrachmaError):
    """A shipped analytics data file is missing or malformed."""

    kind = "analytics_data"
    http_status = 500


@dataclass(frozen=True, slots=True)
class OutcomeCategory:
    code: str
    label: str
    meaning: str


@dataclass(frozen=True, slots=True)
class FoiSettings:
    suppression_threshold: int
    caveats: tuple[str, ...]


def _text(name: str) -> str:
    try:
        return resources.files("drachma.analytics").joinpath("data", name).read_text("utf-8")
    except OSError as exc:
        raise AnalyticsDataError(f"analytics data file {name} cannot be read: {exc}",
                                 field=name) from None


def _rows(name: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(_text(name))))
    for number, row in enumerate(rows, start=2):
        if any(not (row.get(c) or "").strip() for c in columns):
            raise AnalyticsDataError(f"{name} line {number}: every row needs {', '.join(columns)}",
                                     field=name)
    return rows


@cache
def outcome_categories() -> dict[str, OutcomeCategory]:
    """Category code -> category, in the file's order (the order tables show them in)."""
    rows = _rows("categories.csv", ("category", "label", "meaning"))
    return {r["category"]: OutcomeCategory(r["category"], r["label"], r["meaning"]) for r in rows}


@cache
def outcome_labels() -> dict[str, str]:
    """Outcome label (as the demo or the extractor writes it) -> category code."""
    categories = outcome_categories()
    out: dict[str, str] = {}
    for row in _rows("outcomes.csv", ("label", "category")):
        if row["category"] not in categories:
            raise AnalyticsDataError(
                f"outcomes.csv: {row['label']!r} has category {row['category']!r}, which "
                "categories.csv does not define", field="outcomes.csv")
        out[row["label"].strip().lower()] = row["category"]
    return out


def outcome_category(label: str | None) -> str | None:
    """The category of an outcome label, or None for labels that are not outcomes."""
    if not label:
        return None
    return outcome_labels().get(label.strip().lower())


@cache
def foi_settings() -> FoiSettings:
    try:
        data = tomllib.loads(_text("foi.toml"))
    except tomllib.TOMLDecodeError as exc:
        raise AnalyticsDataError(f"foi.toml is not valid TOML: {exc}", field="foi.toml") from None
    threshold = data.get("suppression_threshold")
    caveats = data.get("caveats")
    if not isinstance(threshold, int) or threshold < 1:
        raise AnalyticsDataError("foi.toml: suppression_threshold must be a whole number >= 1",
                                 field="foi.toml")
    if not isinstance(caveats, list) or not all(isinstance(c, str) and c for c in caveats):
        raise AnalyticsDataError("foi.toml: caveats must be a list of sentences",
                                 field="foi.toml")
    return FoiSettings(threshold, tuple(caveats))
