"""The features and keys the whole linkage job computes in DuckDB
(:class:`drachma.link.feature_table.FeatureTable`) are exactly those of the Python reference
(:func:`drachma.link.features.person_features`, :func:`~drachma.link.features.person_keys`):
the stored JSON text byte for byte, the same keys in the same key columns, the same records left
out as unusable, and the same frame handed to Splink."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drachma.link import splink_job
from drachma.link.feature_table import FeatureTable
from drachma.link.features import (
    UnusableRecordError,
    person_features,
    person_key_buckets,
    person_keys,
)
from drachma.safeguarding.names import nicknames_of
from drachma.store.linkage import key_row

Inputs = tuple[str | None, date | None, str | None, str | None, list[str]]

GIVEN = ["Robert", "bob", "ROB", "Daniel", "danny", "Siân", "José", "Zoë", "mary-jane", "O'Neil",
         "d'Arcy", "Łukasz", "Ａnn", "ǅemal", "İsmail", "ﬁona", "elizabeth", "beth", "x"]
SURNAMES = ["Smith", "smyth", "O'Brien", "Pellingham", "Ffoulkes-Jones", "Nguyễn", "MÜLLER",
            "straße", "van der Berg", "Th", "a", "Æsir", "Ø"]
STREETS = ["12 Judkins Rd", "Flat 2, 12 Judkins Street", "1 High St, OL1 2AB", "Rose Cottage",
           "12 12 st st st", "221b baker st", "7 Ävenue Crés", "  ", "", "ol12ab", "x\ty\x1cz",
           "3 church ln 3 church ln", "10 Downing St SW1A 2AA", "9 Main Rd, BD7  1AA"]
POSTCODES = ["OL1 2AB", "ol12ab", "M1 1AA", "SW1A 2AA", "bd7\t1aa", "A\"1 2BC", "ZZ9 9ZZ9", "12345",
             "", " ", "ÖL1 2AB", "M1\u00a01AA", "A\\12BC", "Q1 2B\x7f", "abc"]
HANDLES = ["@night_watch77", "Night.Watch", "ab", "Ñandú_99", "", "@@@", "x1y2z3w4"]

_text_bits = st.sampled_from(GIVEN + SURNAMES + STREETS + POSTCODES + ["-", "'", " ", ",", "  "])
odd_text = st.lists(st.one_of(_text_bits, st.text(max_size=6)), max_size=5).map("".join)
names = st.one_of(
    st.none(),
    st.builds(lambda g, s, sep: f"{g}{sep}{s}", st.sampled_from(GIVEN), st.sampled_from(SURNAMES),
              st.sampled_from([" ", "  ", "-", " '", "\t", ", "])),
    st.sampled_from(GIVEN + SURNAMES),
    odd_text,
)
dobs = st.one_of(st.none(), st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
                 st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31)))
addresses = st.one_of(st.none(), st.sampled_from(STREETS),
                      st.builds(lambda s, p: f"{s} {p}", st.sampled_from(STREETS),
                                st.sampled_from(POSTCODES)),
                      odd_text)
postcodes = st.one_of(st.none(), st.sampled_from(POSTCODES), odd_text)
handle_lists: st.SearchStrategy[list[str]] = st.one_of(
    st.just([]), st.lists(st.one_of(st.sampled_from(HANDLES), odd_text), max_size=3))
records = st.tuples(names, dobs, addresses, postcodes, handle_lists)


def reference(record: Inputs) -> tuple[str, tuple[str | None, ...], dict[str, Any]] | None:
    name, born, address, postcode, handles = record
    try:
        features = person_features(name, date_of_birth=born, address=address,
                                   postcode=postcode, handles=handles)
    except UnusableRecordError:
        return None
    values = features.as_dict()
    return (json.dumps(values, sort_keys=True),
            key_row(person_keys(features) | person_key_buckets(features)), values)


def computed(rows: list[Inputs]
             ) -> tuple[FeatureTable, dict[int, tuple[str, tuple[str | None, ...]]]]:
    columns = ("name", "dob", "address", "postcode", "handles")
    inputs: dict[str, list[Any]] = {"pos": list(range(len(rows)))}
    inputs.update({c: [r[n] for r in rows] for n, c in enumerate(columns)})
    table = FeatureTable(inputs)
    staged = {row[0]: (row[3], tuple(row[4:]))
              for chunk in table.staged(["person"] * len(rows), list(range(len(rows))))
              for row in chunk}
    return table, staged


def check_same(rows: list[Inputs]) -> None:
    table, staged = computed(rows)
    want = {pos: reference(row) for pos, row in enumerate(rows)}
    usable = {pos: w for pos, w in want.items() if w is not None}
    assert table.unusable == len(rows) - len(usable)
    assert set(staged) == set(usable)
    for pos, (text, keys, _) in usable.items():
        assert staged[pos] == (text, keys), rows[pos]
    # the frame Splink reads: the reference's, record ids as unique_id
    ids = [1000 + n for n in range(len(usable))]
    frame = table.frame(ids)
    expected = splink_job.frame_of([{"unique_id": i, **usable[pos][2]}
                                    for i, pos in zip(ids, sorted(usable), strict=True)])
    assert frame.astype(object).where(frame.notna(), None).to_dict("records") == \
        expected.astype(object).where(expected.notna(), None).to_dict("records")
    table.close()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, min_size=1, max_size=25))
def test_sql_features_are_the_python_reference(rows: list[Inputs]) -> None:
    check_same(rows)


def test_chosen_cases_are_the_python_reference() -> None:
    """Named cases, so each path is taken whatever hypothesis draws: nicknames, a postcode found
    at the end of the address, abbreviations, a repeated word, a house number and street,
    apostrophes and hyphens, accents (left to the Python reference), a year before 1000, a
    postcode JSON escapes, handles, nothing usable."""
    bob = nicknames_of("robert")[0]
    rows: list[Inputs] = [
        (f"{bob.title()} O'Neil-Smith", date(1984, 3, 7), "Flat 2, 12 Judkins Rd, OL1 2AB", None,
         []),
        ("Daniel  Pellingham", date(999, 12, 1), "12 12 st st st", "m1 1aa", []),
        ("José Álvarez", date(2001, 11, 30), "7 Ävenue Crés", "ÖL1 2AB", []),
        ("Sam Lee", None, "1 High St", 'A"1 2BC', []),
        ("Sam", None, None, None, []),
        (None, None, None, None, ["@night_watch77", "Night.Watch"]),
        ("", None, "x\ty\x1cz OL1\x1c2AB", "", []),
        ("anne d'arcy", date(1970, 1, 1), "10 Downing St SW1A 2AA", " ", []),
    ]
    check_same(rows)
