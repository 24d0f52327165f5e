"""Names, dates of birth, postcodes and handles put into comparable forms for deconfliction.

The nicknames come from ``data/nicknames.csv`` (its source is named in the file); phonetic codes
from ``jellyfish`` (Double-Metaphone-like ``metaphone`` and NYSIIS). The *blocking keys* made here
are what the database indexes: a candidate must share at least one with the person checked, so
the check reads a handful of rows at any size of the subject list.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date
from functools import cache, lru_cache
from importlib import resources

import jellyfish

from drachma.errors import ValidationError

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


class NicknameFileError(ValidationError):
    kind = "broken_data_file"


@cache
def _nicknames() -> dict[str, frozenset[str]]:
    """Every written form -> the formal names it may stand for (a formal name stands for itself)."""
    text = resources.files(__package__).joinpath("data", "nicknames.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    table: dict[str, set[str]] = {}
    for number, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines))), start=1):
        formal = (row.get("name") or "").strip().lower()
        variants = [v.strip().lower() for v in (row.get("variants") or "").split(";")]
        if not formal.isalpha() or not all(v.isalpha() for v in variants):
            raise NicknameFileError(f"nicknames.csv row {number} is not 'name,variant;variant'",
                                    field="nicknames.csv")
        table.setdefault(formal, set()).add(formal)
        for variant in variants:
            table.setdefault(variant, set()).add(formal)
    return {k: frozenset(v) for k, v in table.items()}


def nicknames_of(formal: str) -> list[str]:
    """The other written forms of a formal name: ``robert`` -> bob, rob, ..."""
    key = formal.lower()
    return sorted(n for n, formals in _nicknames().items() if key in formals and n != key)


def formal_names(given: str) -> frozenset[str]:
    """The formal names a given name may stand for: ``bob`` -> {robert}; unknown -> itself."""
    key = given.lower()
    return _nicknames().get(key, frozenset({key}))


def fold(text: str) -> str:
    """Lower case, accents and punctuation gone, single spaces."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z ]+", " ", plain.lower().replace("'", "")).split())


def split_name(name: str) -> tuple[str, str]:
    """(given, surname) of a folded name: first and last words."""
    words = fold(name).split()
    if not words:
        return "", ""
    return words[0], words[-1] if len(words) > 1 else ""


@lru_cache(maxsize=200_000)
def phonetic(word: str) -> str:
    """The metaphone code of a word (cached: the same surnames come back again and again)."""
    return jellyfish.metaphone(word) if word else ""


def normalise_postcode(text: str | None) -> str | None:
    """``m11aa`` -> ``M1 1AA``; refuses what is not a UK postcode."""
    if not text or not text.strip():
        return None
    compact = re.sub(r"\s+", "", text.upper())
    match = _POSTCODE.match(compact)
    if not match:
        raise ValidationError(f"postcode {text!r} is not a UK postcode", field="postcode")
    return f"{match.group(1)} {match.group(2)}"


def normalise_handle(text: str) -> str:
    """An online handle without '@', case, punctuation or digits (people add and change those)."""
    return re.sub(r"[^a-z]", "", text.lower())


def dob_key(value: date) -> str:
    """Year plus day and month in either order, so a swapped day and month meet."""
    low, high = sorted((value.day, value.month))
    return f"{value.year}{low:02d}{high:02d}"


def blocking_keys(names: list[str], date_of_birth: date | None, postcodes: list[str],
                  handles: list[str]) -> set[str]:
    """The keys a person is indexed under. A match needs one in common:

    - ``n:`` surname sound + formal given name (catches nicknames and spelling of the surname
      that sounds the same);
    - ``d:`` date of birth (either order of day and month) + surname sound, and ``g:`` date of
      birth + formal given name (catches a misspelt surname);
    - ``p:`` postcode + surname sound; ``h:`` handle without digits and punctuation.
    """
    keys: set[str] = set()
    for name in names:
        given, surname = split_name(name)
        if not given:
            continue
        sound = phonetic(surname or given)
        formals = formal_names(given)
        for formal in formals:
            keys.add(f"n:{sound}:{formal}")
        if date_of_birth is not None:
            keys.add(f"d:{dob_key(date_of_birth)}:{sound}")
            for formal in formals:
                keys.add(f"g:{dob_key(date_of_birth)}:{formal}")
        for postcode in postcodes:
            keys.add(f"p:{postcode.replace(' ', '')}:{sound}")
    for handle in handles:
        plain = normalise_handle(handle)
        if len(plain) >= 4:
            keys.add(f"h:{plain}")
    return {key[:120] for key in keys}
