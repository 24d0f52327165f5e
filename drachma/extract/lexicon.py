"""Rule data shipped in ``drachma/extract/data`` (word lists; each file names its source)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


def _lines(name: str) -> list[str]:
    text = resources.files("drachma.extract").joinpath("data", name).read_text(encoding="utf-8")
    return [
        line.rstrip("\n") for line in text.splitlines() if line.strip() and not line.startswith("#")
    ]


def _rows(name: str) -> list[list[str]]:
    return [line.split("\t") for line in _lines(name)]


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Lower-cased common given names."""
    return frozenset(line.strip().lower() for line in _lines("given_names.txt"))


@lru_cache(maxsize=1)
def platforms() -> tuple[tuple[str, str, bool], ...]:
    """(surface, canonical, case_insensitive) rows, in file order."""
    return tuple((r[0], r[1], r[2].strip() == "i") for r in _rows("platforms.tsv"))


@lru_cache(maxsize=1)
def regions() -> dict[str, str]:
    """Surface form -> canonical region (US states, Canadian provinces, Australian states)."""
    return {r[0]: r[1] for r in _rows("regions.tsv")}


@lru_cache(maxsize=1)
def police_extra() -> dict[str, str]:
    """Surface form -> canonical name of forces outside the UK usually written as fixed names."""
    return {r[0]: r[1] for r in _rows("police_extra.tsv")}


@lru_cache(maxsize=1)
def titles() -> dict[str, str]:
    """Title or rank -> role it implies."""
    return {r[0]: r[1].strip() for r in _rows("titles.tsv")}


@lru_cache(maxsize=1)
def not_groups() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _lines("not_groups.txt"))


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in _lines("countries.txt"))
