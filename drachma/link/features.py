"""What a person record is compared on: names, date of birth, address, postcode, handles.

Every record taking part in linkage (a person, a confirmed PERSON mention, an incident subject, an
investigation subject) is put into one flat, normalised shape, :class:`PersonFeatures`. Splink
compares these columns; the blocking keys made here are the same pairs of columns the Splink
job blocks on, and are stored indexed (a column a kind of key of ``linkage_records``) so that
one new record finds its candidates by an indexed lookup.

Names use the nickname table and phonetic codes of :mod:`drachma.safeguarding.names` (the same
ones deconfliction uses): ``formal_first`` is the formal given name a nickname stands for (Bob ->
robert), ``surname_sound`` the metaphone code of the surname. ``dob_key`` is the year with day and
month in either order, so a transposed day and month still meet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from drachma.errors import ValidationError
from drachma.safeguarding.names import (
    dob_key,
    formal_names,
    normalise_handle,
    phonetic,
    split_name,
)

MAX_NAME = 200
MAX_HANDLES = 10
MIN_HANDLE = 4
MAX_ADDRESS_WORDS = 20


class UnusableRecordError(ValidationError):
    """A record with nothing to link on: no full name and no handle."""

    kind = "unusable_record"


@dataclass(slots=True)
class PersonFeatures:
    """The normalised values of one person record, as Splink compares them."""

    first_name: str | None = None
    formal_first: str | None = None  # one formal name (for blocking)
    formal_names: list[str] = field(default_factory=list)  # every formal name it may stand for
    surname: str | None = None
    surname_sound: str | None = None
    dob: str | None = None  # ISO date
    dob_key: str | None = None
    address: str | None = None
    postcode: str | None = None  # without the space
    postcode_district: str | None = None  # the outward code
    handles: list[str] = field(default_factory=list)
    handle: str | None = None  # the first handle, for blocking
    name_pair: str | None = None  # given name and surname in either order, for blocking
    address_start: str | None = None  # postcode + the address's first 4 characters, for blocking
    address_words: list[str] = field(default_factory=list)  # the address's distinct words
    street: str | None = None  # house number + the street's first word ("12 judkins"), blocking

    def as_dict(self) -> dict[str, Any]:
        # a shallow copy (lists copied): dataclasses.asdict's deep copy was a quarter of the
        # time a million records took to refresh
        return {name: (list(value) if isinstance(value, list) else value)
                for name in self.__dataclass_fields__
                for value in (getattr(self, name),)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PersonFeatures:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def usable(self) -> bool:
        return bool((self.first_name and self.surname) or self.handles)


def _postcode(text: str | None) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    compact = "".join(text.upper().split())
    if not (5 <= len(compact) <= 7 and compact[:1].isalpha() and compact[-3:-2].isdigit()):
        return None, None  # not a UK postcode: not compared rather than compared wrongly
    return compact, compact[:-3]


_STREET_WORDS = {"rd": "road", "st": "street", "ave": "avenue", "ln": "lane", "cl": "close",
                 "dr": "drive", "ct": "court", "cres": "crescent", "pl": "place", "sq": "square"}


def _address(address: str | None, postcode: str | None) -> str:
    """An address as words and house numbers: lower case, common street abbreviations written
    out, and the postcode (compared on its own) taken off."""
    text = (address or "").lower()
    if postcode:
        text = text.replace(postcode.lower(), " ")
    words = re.sub(r"[^a-z0-9 ]+", " ", text).split()
    return " ".join(_STREET_WORDS.get(w, w) for w in words)


def _words(address: str | None) -> list[str]:
    """The distinct words of a folded address, in order (a word moved or a word left out still
    leaves the others in common)."""
    return list(dict.fromkeys((address or "").split()))[:MAX_ADDRESS_WORDS]


def _street(address: str | None) -> str | None:
    """The first house number followed by a word: "flat 2 12 judkins street" -> "12 judkins"."""
    words = (address or "").split()
    for number, word in pairwise(words):
        if number.isdigit() and word.isalpha():
            return f"{number} {word}"
    return None


def person_features(name: str | None, *, date_of_birth: date | None = None,
                    address: str | None = None, postcode: str | None = None,
                    handles: list[str] | None = None) -> PersonFeatures:
    """The features of one record; refuses a record with no full name and no handle."""
    given, surname = split_name((name or "")[:MAX_NAME])
    plain_handles = [h for h in dict.fromkeys(normalise_handle(h) for h in (handles or [])[
        :MAX_HANDLES]) if len(h) >= MIN_HANDLE]
    if not postcode and address:
        # an address often ends with its postcode
        tail = " ".join(address.replace(",", " ").split()[-2:])
        if _postcode(tail)[0]:
            postcode = tail
    code, district = _postcode(postcode)
    folded_address = _address(address, postcode) or None
    features = PersonFeatures(
        first_name=given or None,
        formal_first=(min(formal_names(given)) if given else None),
        formal_names=sorted(formal_names(given)) if given else [],
        surname=surname or None,
        surname_sound=(phonetic(surname) or None) if surname else None,
        dob=date_of_birth.isoformat() if date_of_birth else None,
        dob_key=dob_key(date_of_birth) if date_of_birth else None,
        address=folded_address[:200] if folded_address else None,
        postcode=code,
        postcode_district=district,
        handles=plain_handles,
        handle=plain_handles[0] if plain_handles else None,
        name_pair=" ".join(sorted((given, surname))) if given and surname else None,
        address_start=(f"{code} {folded_address[:4]}" if code and folded_address else None),
        address_words=_words(folded_address),
        street=_street(folded_address),
    )
    if not features.usable():
        raise UnusableRecordError(
            "the record has no usable identifiers: it needs a given name and a surname, or an "
            "online handle", field="name")
    return features


def person_keys(features: PersonFeatures) -> set[str]:
    """The blocking keys of a record: one per blocking rule of the Splink job.

    ``n:`` surname sound + formal given name; ``w:`` given name and surname in either order;
    ``d:`` date of birth (either order of day and month) + first letter of the given name;
    ``s:`` date of birth (either order) + surname sound; ``b:`` date of birth + postcode
    district; ``p:`` postcode + formal given name; ``q:`` postcode + surname sound; ``a:``
    postcode + start of the address; ``r:`` the whole address; ``t:`` postcode district + house
    number + street;
    ``x:`` postcode + either name and ``y:`` date of birth + either name (so a given name written
    as the surname still meets: the job's rules pair one record's given name with the other's
    surname, and these keys find those pairs and same-place pairs too); ``h:`` handle.
    """
    f = features
    keys: set[str] = set()
    if f.surname_sound and f.formal_first:
        keys.add(f"n:{f.surname_sound}:{f.formal_first}")
    if f.dob_key and f.first_name:
        keys.add(f"d:{f.dob_key}:{f.first_name[0]}")
    if f.dob_key and f.surname_sound:
        keys.add(f"s:{f.dob_key}:{f.surname_sound}")
    if f.postcode and f.formal_first:
        keys.add(f"p:{f.postcode}:{f.formal_first}")
    if f.postcode and f.surname_sound:
        keys.add(f"q:{f.postcode}:{f.surname_sound}")
    if f.name_pair:
        keys.add(f"w:{f.name_pair}")
    if f.dob and f.postcode_district:
        keys.add(f"b:{f.dob}:{f.postcode_district}")
    if f.address_start:
        keys.add(f"a:{f.address_start}")
    if f.address:
        keys.add(f"r:{f.address}")
    if f.street and f.postcode_district:
        keys.add(f"t:{f.postcode_district}:{f.street}")
    for name in {f.first_name, f.surname} - {None}:
        if f.postcode:
            keys.add(f"x:{f.postcode}:{name}")
        if f.dob:
            keys.add(f"y:{f.dob}:{name}")
    if f.handle:
        keys.add(f"h:{f.handle}")
    return {k[:120] for k in keys}


def person_key_buckets(features: PersonFeatures) -> set[str]:
    """The coarser keys the store finds most kinds of blocking key through (its indexes are
    on these, see ``drachma.store.tables.LINKAGE_KEY_BUCKETS``): ``pc:`` the postcode, which
    every ``p:``, ``q:``, ``a:`` and ``x:`` key holds, and ``born:`` the date of birth with day
    and month in either order, which every ``d:``, ``s:``, ``b:`` and ``y:`` key implies. Two
    records that share one of those keys share its bucket."""
    buckets = set()
    if features.postcode:
        buckets.add(f"pc:{features.postcode}"[:120])
    if features.dob_key:
        buckets.add(f"born:{features.dob_key}"[:120])
    return buckets


# Blocking rules of the Splink job, as SQL over the columns above. Each is the SQL form of one
# kind of key of :func:`person_keys`, so the whole job and the one-record lookup propose the same
# candidates.
BLOCKING_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("surname_sound", "formal_first"),
    ("dob_key", "substr(first_name, 1, 1)"),
    ("dob_key", "surname_sound"),
    ("postcode", "formal_first"),
    ("postcode", "surname_sound"),
    ("name_pair",),
    ("dob", "postcode_district"),
    ("address_start",),
    ("address",),
    ("street", "postcode_district"),
    ("handle",),
)
# The given name of one record against the surname of the other, at one postcode or date of
# birth (either way round: Splink pairs each two records once, left before right).
CROSSED_NAME_RULES: tuple[str, ...] = tuple(
    f"l.{place} = r.{place} AND l.{left} = r.{right}"
    for place in ("postcode", "dob")
    for left, right in (("first_name", "surname"), ("surname", "first_name")))
