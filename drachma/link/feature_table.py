"""The features and blocking keys of many records at once, computed in DuckDB (in process).

:func:`drachma.link.features.person_features` and :func:`~drachma.link.features.person_keys`
are the reference: one record, in Python. The whole linkage job needs them for every record
(a million, say), and doing that row by row in Python was most of what Drachma added to the
Splink job. :class:`FeatureTable` computes the same values column-wise in DuckDB SQL:

- names folded, split into given name and surname, the nickname table joined in (``formal_names``,
  ``formal_first``); dates of birth written out; postcodes (given, or found at the end of the
  address) checked and split; addresses folded with street abbreviations written out; their
  distinct words and their first house number and street; the blocking keys; the stored JSON
  text of the features, byte for byte what ``json.dumps(..., sort_keys=True)`` writes;
- the metaphone code of each *distinct* surname in Python (jellyfish), joined back in: surnames
  repeat, so this is a small share;
- a record the SQL cannot be trusted to treat exactly as the reference (text that is not plain
  ASCII, where Unicode folding, case and white space differ between Python and DuckDB; online
  handles; a postcode with characters that JSON escapes) is computed with the Python reference
  instead and put in the same table. The results are identical either way
  (``tests/test_linkage_features_sql.py`` checks it on generated records).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from drachma.link.features import (
    _STREET_WORDS,
    MAX_ADDRESS_WORDS,
    MAX_NAME,
    PersonFeatures,
    UnusableRecordError,
    person_features,
    person_key_buckets,
    person_keys,
)
from drachma.safeguarding.names import _nicknames, phonetic
from drachma.store.linkage import key_row
from drachma.store.tables import LINKAGE_KEY_COLUMNS

INPUT_COLUMNS = ("pos", "name", "dob", "address", "postcode", "handles")
# the fields of PersonFeatures in the order json.dumps(sort_keys=True) writes them
_JSON_FIELDS = tuple(sorted(PersonFeatures.__dataclass_fields__))
_LIST_FIELDS = ("address_words", "formal_names", "handles")
# what Python's str.split() takes as white space among ASCII characters
_WS = r"[\t-\r\x1c-\x1f ]"
CHUNK = 20_000


def _words_sql(text: str) -> str:
    return f"list_filter(string_split({text}, ' '), lambda w: w <> '')"


def _json_value(column: str) -> str:
    """A column as json.dumps writes it (the values here need no escaping: see _FAST)."""
    if column in _LIST_FIELDS:
        return (f"CASE WHEN len({column}) = 0 THEN '[]' ELSE '[\"' || "
                f"array_to_string({column}, '\", \"') || '\"]' END")
    return f"coalesce('\"' || {column} || '\"', 'null')"


_JSON_SQL = "'{' || " + " || ', ' || ".join(
    f"'\"{name}\": ' || {_json_value(name)}" for name in _JSON_FIELDS) + " || '}'"

_STREET_SQL = "CASE w " + " ".join(
    f"WHEN '{short}' THEN '{long}'" for short, long in _STREET_WORDS.items()) + " ELSE w END"

def _key_sql(text: str) -> str:
    return f"left({text}, 120)"


def _either(place: str, kind: str) -> tuple[str, str]:
    """The two keys of a kind that takes either name (given name, surname) at a place: their
    columns hold them in sorted order, the second empty when the two are the same."""
    first = _key_sql(f"'{kind}:' || {place} || ':' || first_name")
    last = _key_sql(f"'{kind}:' || {place} || ':' || surname")
    return (f"least({first}, {last})",
            f"CASE WHEN {first} <> {last} THEN greatest({first}, {last}) END")


# The blocking keys as the store's key columns (``key_row`` of the Python reference's keys).
_KEY_COLUMN_SQL: dict[str, str] = {
    "key_n": _key_sql("'n:' || surname_sound || ':' || formal_first"),
    "key_d": _key_sql("'d:' || dob_key || ':' || left(first_name, 1)"),
    "key_s": _key_sql("'s:' || dob_key || ':' || surname_sound"),
    "key_p": _key_sql("'p:' || postcode || ':' || formal_first"),
    "key_q": _key_sql("'q:' || postcode || ':' || surname_sound"),
    "key_w": _key_sql("'w:' || name_pair"),
    "key_b": _key_sql("'b:' || dob || ':' || postcode_district"),
    "key_a": _key_sql("'a:' || address_start"),
    "key_r": _key_sql("'r:' || address"),
    "key_t": _key_sql("'t:' || postcode_district || ':' || street"),
    **dict(zip(("key_x1", "key_x2"), _either("postcode", "x"), strict=True)),
    **dict(zip(("key_y1", "key_y2"), _either("dob", "y"), strict=True)),
    "key_h": _key_sql("'h:' || handle"),
    "key_g": "NULL::VARCHAR",
    "key_pc": _key_sql("'pc:' || postcode"),  # the buckets (person_key_buckets)
    "key_born": _key_sql("'born:' || dob_key"),
}
if tuple(_KEY_COLUMN_SQL) != LINKAGE_KEY_COLUMNS:  # pragma: no cover - caught by any test
    raise RuntimeError("the DuckDB key columns are not the store's key columns")
# a row the Python reference computed has its key values (``key_row``) instead
_KEYS_SQL = ", ".join(
    f"CASE WHEN key_values IS NULL THEN {sql} ELSE key_values[{n}] END"
    for n, sql in enumerate(_KEY_COLUMN_SQL.values(), start=1))

# Step by step, each a view over the one before (DuckDB folds them into one query).
_STEPS = (
    # the records the SQL below treats exactly as the Python reference does
    r"""CREATE OR REPLACE TEMP VIEW f_in AS SELECT pos, name, dob, address, postcode,
        coalesce(len(handles), 0) = 0
        AND regexp_full_match(coalesce(name, '') || coalesce(address, '')
                              || coalesce(postcode, ''), '[\x01-\x7f]*') AS fast
        FROM inputs""",
    # the postcode given, or else the last two words of the address
    rf"""CREATE OR REPLACE TEMP VIEW f_tail AS SELECT *, CASE
        WHEN coalesce(postcode, '') = '' AND coalesce(address, '') <> ''
        THEN array_to_string(list_slice(string_split_regex(trim(regexp_replace(
            replace(address, ',', ' '), '{_WS}+', ' ', 'g')), ' '), -2, -1), ' ') END AS tail
        FROM f_in WHERE fast""",
    rf"""CREATE OR REPLACE TEMP VIEW f_code AS SELECT *,
        regexp_replace(upper(tail), '{_WS}', '', 'g') AS tail_compact FROM f_tail""",
    r"""CREATE OR REPLACE TEMP VIEW f_pc AS SELECT *, CASE
        WHEN length(tail_compact) BETWEEN 5 AND 7 AND regexp_full_match(
            tail_compact[1:1] || tail_compact[-3:-3], '[A-Z][0-9]') THEN tail ELSE postcode
        END AS pc FROM f_code""",
    rf"""CREATE OR REPLACE TEMP VIEW f_pc2 AS SELECT *,
        CASE WHEN coalesce(pc, '') <> '' THEN regexp_replace(upper(pc), '{_WS}', '', 'g') END
            AS compact,
        regexp_replace(replace(lower(substr(coalesce(name, ''), 1, {MAX_NAME})), '''', ''),
                       '[^a-z ]+', ' ', 'g') AS folded_name,
        regexp_replace(CASE WHEN coalesce(pc, '') <> ''
                            THEN replace(lower(coalesce(address, '')), lower(pc), ' ')
                            ELSE lower(coalesce(address, '')) END,
                       '[^a-z0-9 ]+', ' ', 'g') AS folded_address
        FROM f_pc""",
    f"""CREATE OR REPLACE TEMP VIEW f_words AS SELECT pos, dob,
        CASE WHEN length(compact) BETWEEN 5 AND 7 AND regexp_full_match(
            compact[1:1] || compact[-3:-3], '[A-Z][0-9]') THEN compact END AS code,
        {_words_sql('folded_name')} AS name_words,
        list_transform({_words_sql('folded_address')}, lambda w: {_STREET_SQL}) AS address_list
        FROM f_pc2""",
    """CREATE OR REPLACE TEMP VIEW f_base AS SELECT pos, dob, code, address_list,
        name_words[1] AS first_name,
        CASE WHEN len(name_words) > 1 THEN name_words[-1] END AS surname,
        nullif(array_to_string(address_list, ' '), '') AS folded
        FROM f_words""",
    f"""CREATE OR REPLACE TEMP VIEW f_feat AS SELECT b.pos,
        b.first_name,
        CASE WHEN b.first_name IS NULL THEN NULL
             ELSE coalesce(n.formal_first, b.first_name) END AS formal_first,
        CASE WHEN b.first_name IS NULL THEN []::VARCHAR[]
             ELSE coalesce(n.formals, [b.first_name]) END AS formal_names,
        b.surname,
        nullif(s.sound, '') AS surname_sound,
        lpad(year(b.dob)::VARCHAR, 4, '0') || '-' || lpad(month(b.dob)::VARCHAR, 2, '0')
            || '-' || lpad(day(b.dob)::VARCHAR, 2, '0') AS dob,
        year(b.dob)::VARCHAR || lpad(least(day(b.dob), month(b.dob))::VARCHAR, 2, '0')
            || lpad(greatest(day(b.dob), month(b.dob))::VARCHAR, 2, '0') AS dob_key,
        substr(b.folded, 1, 200) AS address,
        b.code AS postcode,
        b.code[1:-4] AS postcode_district,
        []::VARCHAR[] AS handles,
        NULL::VARCHAR AS handle,
        CASE WHEN b.first_name IS NOT NULL AND b.surname IS NOT NULL
             THEN least(b.first_name, b.surname) || ' ' || greatest(b.first_name, b.surname)
             END AS name_pair,
        CASE WHEN b.code IS NOT NULL AND b.folded IS NOT NULL
             THEN b.code || ' ' || substr(b.folded, 1, 4) END AS address_start,
        list_filter(b.address_list, lambda w, i: list_position(b.address_list, w) = i
                    )[1:{MAX_ADDRESS_WORDS}] AS address_words,
        list_transform(list_filter(range(1, len(b.address_list)), lambda i:
                regexp_full_match(b.address_list[i], '[0-9]+')
                AND regexp_full_match(b.address_list[i + 1], '[a-z]+'))[1:1],
            lambda i: b.address_list[i] || ' ' || b.address_list[i + 1])[1] AS street
        FROM f_base b
        LEFT JOIN nicknames n ON n.written = b.first_name
        LEFT JOIN sounds s ON s.surname = b.surname""",
)


class FeatureTable:
    """The features and keys of many records in an in-process DuckDB database.

    ``inputs`` holds one row per record: ``pos`` (its place, 0, 1, 2, ...), ``name``, ``dob``
    (a date or None), ``address``, ``postcode`` and ``handles`` (a list), as
    :func:`~drachma.link.features.person_features` takes them. Records with no usable identifiers
    are left out and counted (:attr:`unusable`)."""

    def __init__(self, inputs: Mapping[str, Sequence[Any]]) -> None:
        import duckdb

        self.con = duckdb.connect()
        frame = pd.DataFrame({c: inputs[c] for c in INPUT_COLUMNS})
        frame["dob"] = frame["dob"].astype(object)
        frame["handles"] = frame["handles"].astype(object)
        self._inputs: pd.DataFrame | None = frame
        self.con.register("inputs_frame", frame)
        self.con.execute("CREATE TEMP TABLE inputs AS SELECT pos::BIGINT AS pos, "
                         "name::VARCHAR AS name, dob::DATE AS dob, address::VARCHAR AS address, "
                         "postcode::VARCHAR AS postcode, handles::VARCHAR[] AS handles "
                         "FROM inputs_frame")
        self.con.unregister("inputs_frame")
        self._nickname_table()
        for step in _STEPS[:-1]:
            self.con.execute(step)
        self._sound_table()
        self.con.execute(_STEPS[-1])
        self.con.execute(
            # keys and JSON text are made when staged (the Python reference's rows have theirs);
            # not TEMP: staged() reads it through a connection of its own
            "CREATE TABLE features AS SELECT *, NULL::VARCHAR[] AS key_values, NULL::VARCHAR AS "
            "json FROM f_feat WHERE first_name IS NOT NULL AND surname IS NOT NULL "
            # a postcode with characters JSON escapes: the Python reference does those
            "AND regexp_full_match(coalesce(postcode, ''), '[A-Z0-9]*')")
        self.unusable = int(self.con.execute(
            "SELECT count(*) FROM f_feat WHERE first_name IS NULL OR surname IS NULL"
        ).fetchone()[0])  # type: ignore[index]
        self._slow_rows()
        self.records = int(self.con.execute("SELECT count(*) FROM features")
                           .fetchone()[0])  # type: ignore[index]
        # only the features are read from here on (the table may live on while Splink trains)
        self._inputs = None
        self.con.execute("DROP VIEW f_feat; DROP VIEW f_base; DROP VIEW f_words; DROP VIEW f_pc2; "
                         "DROP VIEW f_pc; DROP VIEW f_code; DROP VIEW f_tail; DROP VIEW f_in; "
                         "DROP TABLE inputs; DROP TABLE sounds; DROP TABLE nicknames")

    def _nickname_table(self) -> None:
        table = _nicknames()
        written = list(table)
        formals = [sorted(table[w]) for w in written]
        frame = pd.DataFrame({"written": written, "formals": formals,
                              "formal_first": [f[0] for f in formals]})
        self.con.register("nickname_frame", frame)
        self.con.execute("CREATE TEMP TABLE nicknames AS SELECT written::VARCHAR AS written, "
                         "formals::VARCHAR[] AS formals, formal_first::VARCHAR AS formal_first "
                         "FROM nickname_frame")
        self.con.unregister("nickname_frame")

    def _sound_table(self) -> None:
        surnames = [s for (s,) in self.con.execute(
            "SELECT DISTINCT surname FROM f_base WHERE surname IS NOT NULL").fetchall()]
        frame = pd.DataFrame({"surname": surnames, "sound": [phonetic(s) for s in surnames]},
                             dtype=object)
        self.con.register("sound_frame", frame)
        self.con.execute("CREATE TEMP TABLE sounds AS SELECT surname::VARCHAR AS surname, "
                         "sound::VARCHAR AS sound FROM sound_frame")
        self.con.unregister("sound_frame")

    def _slow_rows(self) -> None:
        """The records left to the Python reference, computed with it and added to the table."""
        positions = [int(p) for (p,) in self.con.execute(
            "SELECT pos FROM f_in WHERE NOT fast UNION ALL SELECT pos FROM f_feat WHERE "
            "first_name IS NOT NULL AND surname IS NOT NULL AND NOT regexp_full_match("
            "coalesce(postcode, ''), '[A-Z0-9]*') ORDER BY pos").fetchall()]
        if not positions:
            return
        rows: list[dict[str, Any]] = []
        inputs = self._inputs
        assert inputs is not None
        for pos in positions:
            row = inputs.iloc[pos]
            handles = row["handles"]
            dob = row["dob"]
            try:
                features = person_features(
                    _none(row["name"]), date_of_birth=dob if isinstance(dob, date) else None,
                    address=_none(row["address"]), postcode=_none(row["postcode"]),
                    handles=list(handles) if handles is not None else None)
            except UnusableRecordError:
                self.unusable += 1
                continue
            values = features.as_dict()
            rows.append({"pos": pos, **values,
                         "key_values": list(key_row(
                             person_keys(features) | person_key_buckets(features))),
                         "json": json.dumps(values, sort_keys=True)})
        if not rows:
            return
        frame = pd.DataFrame(rows, columns=["pos", *PersonFeatures.__dataclass_fields__,
                                            "key_values", "json"])
        self.con.register("slow_frame", frame)
        columns = ", ".join(frame.columns)
        self.con.execute(f"INSERT INTO features BY NAME SELECT {columns} "
                         "FROM slow_frame")
        self.con.unregister("slow_frame")

    def staged(self, kinds: Sequence[str], ids: Sequence[int]
               ) -> Iterator[list[tuple[Any, ...]]]:
        """Rows as the store stages them (:meth:`drachma.store.linkage.RecordLoad.stage`):
        (pos, source kind, source id, features as JSON text, then the values of the store's key
        columns), in chunks, in order of ``pos`` (``kinds`` and ``ids`` name each input row's
        source). Read through a connection of its own, so that another thread may run it while
        this one makes the frame."""
        cursor = self.con.cursor()
        try:
            cursor.execute(f"SELECT pos, coalesce(json, {_JSON_SQL}), {_KEYS_SQL} "
                           "FROM features ORDER BY pos")
            while chunk := cursor.fetchmany(CHUNK):
                yield [(row[0], kinds[row[0]], ids[row[0]], *row[1:]) for row in chunk]
        finally:
            cursor.close()

    def positions(self) -> list[int]:
        """The places (``pos``) of the usable records, in order."""
        return [int(p) for (p,) in self.con.execute("SELECT pos FROM features ORDER BY pos")
                .fetchall()]

    def frame(self, record_ids: Sequence[int] | None = None) -> pd.DataFrame:
        """The records as Splink reads them, in order of ``pos`` (an empty list is NULL);
        ``unique_id`` is ``record_ids`` (one per usable record, in that order) if given, else
        each record's ``pos``."""
        from drachma.link.splink_job import FEATURE_COLUMNS

        columns = ", ".join(
            f"CASE WHEN len({c}) > 0 THEN {c} END AS {c}" if c in _LIST_FIELDS else c
            for c in FEATURE_COLUMNS)
        if record_ids is None:
            frame = self.con.execute("SELECT pos AS unique_id, " + columns
                                     + " FROM features ORDER BY pos").df()
        else:
            ids = pd.DataFrame({"unique_id": pd.Series(record_ids, dtype="int64")})
            self.con.register("record_ids", ids)
            frame = self.con.execute(
                "SELECT i.unique_id, " + columns + " FROM (SELECT *, row_number() OVER "
                "(ORDER BY pos) - 1 AS n FROM features) f JOIN (SELECT unique_id, row_number() "
                "OVER () - 1 AS n FROM record_ids) i ON i.n = f.n ORDER BY f.n").df()
            self.con.unregister("record_ids")
        for column in _LIST_FIELDS:  # lists, as the Python reference gives them
            frame[column] = frame[column].apply(
                lambda v: None if v is None or v is pd.NA else list(v))
        return frame

    def close(self) -> None:
        self.con.close()


def _none(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value
