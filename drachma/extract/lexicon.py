"""Rule data shipped in ``drachma/extract/data`` (word lists; each file names its source)."""

from __future__ import annotations

from functools import lru_cache

from drachma.extract.rules import RuleDataError, data_text


def _lines(name: str) -> list[str]:
    """The entries of a one-per-line data file; a missing or empty file is an error."""
    lines = [
        line.rstrip("\n")
        for line in data_text(name).splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if not lines:
        raise RuleDataError(f"rule data file data/{name} has no entries", field=name)
    return lines


def _rows(name: str, columns: int = 2) -> list[list[str]]:
    """Tab-separated rows with at least ``columns`` non-empty columns, else an error."""
    rows = [line.split("\t") for line in _lines(name)]
    for n, row in enumerate(rows, 1):
        if len(row) < columns or not all(c.strip() for c in row[:columns]):
            raise RuleDataError(
                f"rule data file data/{name}: entry {n} needs {columns} tab-separated columns",
                field=name,
            )
    return rows


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Lower-cased common given names."""
    return frozenset(line.strip().lower() for line in _lines("given_names.txt"))


@lru_cache(maxsize=1)
def platforms() -> tuple[tuple[str, str, bool], ...]:
    """(surface, canonical, case_insensitive) rows, in file order."""
    return tuple((r[0], r[1], r[2].strip() == "i") for r in _rows("platforms.tsv", 3))


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
