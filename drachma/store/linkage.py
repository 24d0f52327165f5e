"""Linkage: models, the records taking part with their blocking keys, candidate pairs, clusters
and the decisions analysts made (see :mod:`drachma.link.linkage`)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pandas as pd
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Text,
    and_,
    bindparam,
    create_engine,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url

from drachma.store.db import Store
from drachma.store.tables import (
    LINKAGE_INDEXED_COLUMNS,
    LINKAGE_KEY_BUCKETS,
    LINKAGE_KEY_COLUMNS,
    LINKAGE_KEY_SLOTS,
    group_aliases,
    groups,
    incident_subjects,
    incidents,
    investigation_subjects,
    investigations,
    linkage_clusters,
    linkage_decisions,
    linkage_models,
    linkage_pairs,
    linkage_records,
    mentions,
    persons,
    report_access,
    reports,
)

PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# ------------------------------------------------------------------------------------------
# Splink inside PostgreSQL: a schema of the job's own


@contextmanager
def splink_schema(store: Store, frame: pd.DataFrame) -> Iterator[tuple[Engine, str, str]]:
    """(engine, schema, input table) for a Splink job run inside PostgreSQL: the records are
    written to a new schema, searched first by the engine's connections (where Splink makes its
    tables and functions), and the schema is dropped when the job ends."""
    with store.engine.connect() as conn:
        home = str(conn.execute(text("SELECT current_schema()")).scalar_one())
    schema = f"splink_{uuid.uuid4().hex[:12]}"
    url = make_url(store.url).update_query_dict(
        {"options": f"-csearch_path={schema},{home},public"})
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS fuzzystrmatch SCHEMA public"))
        frame.to_sql("drachma_people", engine, schema=schema, index=False,
                     dtype={c: ARRAY(Text) for c in frame.columns
                            if c in ("handles", "formal_names", "address_words", "names_core",
                                     "pages", "years")},
                     chunksize=10_000)
        yield engine, schema, "drachma_people"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


# ------------------------------------------------------------------------------------------
# Source records: what takes part in linkage


def source_persons(conn: Connection, only: int | None = None) -> Iterator[Any]:
    # only what linkage reads (a million rows: no time stamps parsed for nothing)
    query = select(persons.c.id, persons.c.name, persons.c.date_of_birth,
                   persons.c.addresses).order_by(persons.c.id)
    if only is not None:
        query = query.where(persons.c.id == only)
    for rows in conn.execute(query).partitions(10_000):  # fetched many at a time
        yield from rows


def source_incident_subjects(conn: Connection, only: int | None = None) -> Iterator[Any]:
    query = select(incident_subjects).order_by(incident_subjects.c.id)
    if only is not None:
        query = query.where(incident_subjects.c.id == only)
    yield from conn.execute(query)


def source_investigation_subjects(conn: Connection, only: int | None = None) -> Iterator[Any]:
    query = select(investigation_subjects, investigations.c.reference).join(
        investigations, investigations.c.id == investigation_subjects.c.investigation_id
    ).order_by(investigation_subjects.c.id)
    if only is not None:
        query = query.where(investigation_subjects.c.id == only)
    yield from conn.execute(query)


def source_person_mentions(conn: Connection, only: int | None = None) -> Iterator[Any]:
    """PERSON mentions an analyst confirmed or corrected (the value as it now stands)."""
    kind = func.coalesce(mentions.c.corrected_type, mentions.c.type)
    query = select(mentions.c.id, mentions.c.report_id, mentions.c.value,
                   mentions.c.corrected_value, mentions.c.attributes).where(
        mentions.c.review.in_(("confirmed", "corrected")), kind == "PERSON"
    ).order_by(mentions.c.id)
    if only is not None:
        query = query.where(mentions.c.id == only)
    yield from conn.execute(query)


def source_groups(conn: Connection) -> list[Any]:
    return list(conn.execute(select(groups).where(groups.c.merged_into.is_(None))
                             .order_by(groups.c.id)))


def group_pages(conn: Connection, group_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    if group_ids:
        for row in conn.execute(select(group_aliases).where(
                group_aliases.c.group_id.in_(list(group_ids))).order_by(group_aliases.c.id)):
            found.setdefault(row.group_id, []).append((row.kind, row.alias))
    return found


def group_years(conn: Connection) -> dict[str, set[int]]:
    """The years each group name was seen at incidents (lower-cased name)."""
    from drachma.store.tables import incident_groups

    found: dict[str, set[int]] = {}
    query = select(incident_groups.c.group_name, incidents.c.occurred_at).join(
        incidents, incidents.c.id == incident_groups.c.incident_id)
    for name, at in conn.execute(query):
        found.setdefault(str(name).lower(), set()).add(at.year)
    return found


def source_rows(conn: Connection, source_kind: str, ids: Sequence[int]) -> list[Any]:
    """The source rows of records of one kind (for profiles)."""
    if not ids:
        return []
    wanted = list(ids)
    if source_kind == "person":
        query = select(persons).where(persons.c.id.in_(wanted))
    elif source_kind == "incident_subject":
        query = select(incident_subjects).where(incident_subjects.c.id.in_(wanted))
    elif source_kind == "investigation_subject":
        query = select(investigation_subjects, investigations.c.reference).join(
            investigations, investigations.c.id == investigation_subjects.c.investigation_id
        ).where(investigation_subjects.c.id.in_(wanted))
    elif source_kind == "mention":
        query = select(mentions).where(mentions.c.id.in_(wanted))
    elif source_kind == "group":
        query = select(groups).where(groups.c.id.in_(wanted))
    else:
        return []
    return list(conn.execute(query))


def first_person_names(conn: Connection, count: int) -> list[tuple[int, str]]:
    return [(int(r.id), str(r.name)) for r in conn.execute(
        select(persons.c.id, persons.c.name).order_by(persons.c.id).limit(count))]


def report_naming(conn: Connection, name: str) -> tuple[int, str] | None:
    """The first report (handling code P) whose text names ``name`` (the demo's use)."""
    row = conn.execute(select(reports.c.id, reports.c.body).where(
        reports.c.grading_handling == "P", reports.c.body.contains(name, autoescape=True)
    ).order_by(reports.c.id).limit(1)).first()
    return (int(row.id), str(row.body)) if row else None


def report_visibility(conn: Connection, report_ids: Sequence[int]
                      ) -> dict[int, tuple[str, list[str]]]:
    """Each report's handling code and the roles its conditions allow."""
    found: dict[int, tuple[str, list[str]]] = {}
    if not report_ids:
        return found
    for row in conn.execute(select(reports.c.id, reports.c.grading_handling).where(
            reports.c.id.in_(list(report_ids)))):
        found[row.id] = (row.grading_handling, [])
    for row in conn.execute(select(report_access).where(
            report_access.c.report_id.in_(list(report_ids)))):
        if row.report_id in found:
            found[row.report_id][1].append(row.role)
    return found


def mention_reports(conn: Connection, mention_ids: Sequence[int]) -> dict[int, int]:
    if not mention_ids:
        return {}
    return {r.id: r.report_id for r in conn.execute(
        select(mentions.c.id, mentions.c.report_id).where(mentions.c.id.in_(list(mention_ids))))}


def investigation_references(conn: Connection, subject_ids: Sequence[int]) -> dict[int, str]:
    if not subject_ids:
        return {}
    query = select(investigation_subjects.c.id, investigations.c.reference).join(
        investigations, investigations.c.id == investigation_subjects.c.investigation_id
    ).where(investigation_subjects.c.id.in_(list(subject_ids)))
    return {r.id: r.reference for r in conn.execute(query)}


# ------------------------------------------------------------------------------------------
# Linkage records and their keys


@dataclass(frozen=True, slots=True)
class LinkRecord:
    id: int
    kind: str
    source_kind: str
    source_id: int
    features: dict[str, Any]
    cluster_id: int | None


def _record(row: Any) -> LinkRecord:
    return LinkRecord(row.id, row.kind, row.source_kind, row.source_id,
                      json.loads(row.features), row.cluster_id)


_SLOTS = dict(LINKAGE_KEY_SLOTS)
_BUCKET_KINDS = frozenset(LINKAGE_KEY_BUCKETS.values())


def key_row(keys: Iterable[str]) -> tuple[str | None, ...]:
    """The blocking keys of a record as the values of its key columns (``LINKAGE_KEY_COLUMNS``,
    in order): each key goes to the column of its kind (what comes before the colon); where a
    kind has two columns, its keys fill them in sorted order. A key of no known kind, or more
    keys of one kind than it has columns, is a ValueError (the keys are made by code, not
    typed in)."""
    by_kind: dict[str, list[str]] = {}
    for key in sorted(set(keys)):
        kind = key.partition(":")[0]
        if kind not in _SLOTS:
            raise ValueError(f"a blocking key of no known kind: {key!r}")
        by_kind.setdefault(kind, []).append(key)
    values: list[str | None] = []
    for kind, columns in LINKAGE_KEY_SLOTS:
        found = by_kind.get(kind, [])
        if len(found) > len(columns):
            raise ValueError(f"{len(found)} blocking keys of kind {kind!r}; at most "
                             f"{len(columns)}")
        values.extend(found + [None] * (len(columns) - len(found)))
    return tuple(values)


def _keys_of(row: Any) -> set[str]:
    return {v for v in (getattr(row, c) for c in LINKAGE_KEY_COLUMNS) if v is not None}


def stored_keys(conn: Connection, record_ids: Iterable[int] | None = None
                ) -> dict[int, set[str]]:
    """The blocking keys stored for records (every record if ``record_ids`` is None)."""
    query = select(linkage_records.c.id, *(linkage_records.c[c] for c in LINKAGE_KEY_COLUMNS))
    if record_ids is None:
        return {int(r.id): _keys_of(r) for r in conn.execute(query)}
    wanted = list(dict.fromkeys(record_ids))
    found: dict[int, set[str]] = {}
    for start in range(0, len(wanted), 5000):
        for row in conn.execute(query.where(linkage_records.c.id.in_(
                wanted[start:start + 5000]))):
            found[int(row.id)] = _keys_of(row)
    return found


def upsert_records(conn: Connection, kind: str,
                   items: Sequence[tuple[str, int, dict[str, Any], set[str]]]) -> list[int]:
    """Insert new records (source kind, source id, features, keys) and refresh changed ones (their
    keys replaced); unchanged records are left alone. Returns their ids in order."""
    if not items:
        return []
    now = _now()
    existing: dict[tuple[str, int], tuple[int, str]] = {}
    by_kind: dict[str, list[int]] = {}
    for source_kind, source_id, _, _ in items:
        by_kind.setdefault(source_kind, []).append(source_id)

    def look_up() -> None:
        for source_kind, source_ids in by_kind.items():
            for start in range(0, len(source_ids), 5000):
                for row in conn.execute(
                        select(linkage_records.c.id, linkage_records.c.source_id,
                               linkage_records.c.features)
                        .where(linkage_records.c.source_kind == source_kind,
                               linkage_records.c.source_id.in_(
                                   source_ids[start:start + 5000]))):
                    existing[(source_kind, row.source_id)] = (row.id, row.features)

    look_up()
    texts = [json.dumps(f, sort_keys=True) for _, _, f, _ in items]
    key_values = [dict(zip(LINKAGE_KEY_COLUMNS, key_row(keys), strict=True))
                  for _, _, _, keys in items]
    new_rows = [{"kind": kind, "source_kind": s, "source_id": i, "features": t,
                 "updated_at": now, **k}
                for (s, i, _, _), t, k in zip(items, texts, key_values, strict=True)
                if (s, i) not in existing]
    for (source_kind, source_id, _, _), text_, keys in zip(items, texts, key_values,
                                                            strict=True):
        found = existing.get((source_kind, source_id))
        if found is not None and found[1] != text_:
            conn.execute(update(linkage_records).where(linkage_records.c.id == found[0])
                         .values(features=text_, updated_at=now, **keys))
    if new_rows:
        for start in range(0, len(new_rows), 5000):
            conn.execute(insert(linkage_records), new_rows[start:start + 5000])
        look_up()
    return [existing[(s, i)][0] for s, i, _, _ in items]


# The whole job's refresh: staged in a temporary table, written in one transaction.
#
# ``upsert_records`` above is for one record (or a few). The whole job brings every record up to
# date at once: its rows are first staged, chunk by chunk, in a temporary table private to one
# connection (no index, no lock on the real tables), one row a record with its key columns; then
# one transaction sets the real table from them in a handful of set-wise statements (no per-row
# work in Python). A job killed at any point leaves the previous records and keys exactly as
# they were. When most of the records are new or changed (the first run, or features recomputed
# throughout), the key indexes are dropped inside that transaction and built again after the
# load, which is much cheaper than keeping them up to date row by row.
#
# The keys are columns of the record (one a kind of key, ``LINKAGE_KEY_SLOTS``), not rows of a
# table of their own as before 0026: at 1,000,000 records that was 14 million rows and two
# indexes over them, most of what the job added to Splink's own work (``docs/linkage.md``).

_STAGE = "drachma_link_stage"
NEW, CHANGED, SAME = 2, 1, 0
SQLITE_JOB_CACHE_KIB = 262_144  # SQLite page cache of the job's connection (default 2 MiB)
_KEY_LIST = ", ".join(LINKAGE_KEY_COLUMNS)
STAGED_WIDTH = 4 + len(LINKAGE_KEY_COLUMNS)  # pos, source kind, source id, features, keys


@dataclass(slots=True)
class LoadResult:
    record_ids: list[int]  # in order of pos
    new: int
    changed: int
    removed: int
    rebuilt_indexes: bool


class RecordLoad:
    """Rows staged for :func:`load_records` (see the comment above)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._last = -1
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        marks = ", ".join([mark] * STAGED_WIDTH)
        self._record_sql = (f"INSERT INTO {_STAGE} (pos, source_kind, source_id, features, "
                            f"{_KEY_LIST}) VALUES ({marks})")

    def stage(self, rows: Sequence[Sequence[Any]]) -> None:
        """Stage rows of (pos, source kind, source id, features as the JSON text
        ``json.dumps(features, sort_keys=True)`` makes, then the values of the key columns in
        order: :func:`key_row`), ``pos`` rising (the records' order)."""
        if any(len(row) != STAGED_WIDTH for row in rows):
            raise ValueError(f"a staged row is (pos, source kind, source id, features, then "
                             f"{len(LINKAGE_KEY_COLUMNS)} key values)")
        if rows and (rows[0][0] <= self._last or any(
                a[0] >= b[0] for a, b in pairwise(rows))):
            raise ValueError("staged rows must come in rising order of pos")
        self._conn.exec_driver_sql(self._record_sql, list(rows))
        if rows:
            self._last = rows[-1][0]


def _stage_tables(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_STAGE}")
    keys = ", ".join(f"{c} VARCHAR(120)" for c in LINKAGE_KEY_COLUMNS)
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {_STAGE} (pos INTEGER PRIMARY KEY, source_kind VARCHAR(32) "
        f"NOT NULL, source_id INTEGER NOT NULL, features TEXT NOT NULL, {keys}, "
        f"record_id INTEGER, state INTEGER NOT NULL DEFAULT {NEW})")


def rebuild_key_indexes(written: int, stored: int) -> bool:
    """Whether to drop the key indexes for a load and build them again after it: when the
    records whose keys are written are many and most of those stored (the first run, say)."""
    return written >= 1000 and written * 2 > stored


def _key_indexes() -> list[Any]:
    return sorted((i for i in linkage_records.indexes
                   if any(c.name in LINKAGE_INDEXED_COLUMNS for c in i.columns)),
                  key=lambda i: str(i.name))


def _write_staged(conn: Connection, kind: str) -> LoadResult:
    """The one transaction of :func:`load_records`: records with their keys, removals, from the
    stage."""
    now = _now()
    stamp = {"now": now, "kind": kind}

    def run(sql: str, **params: Any) -> Any:
        statement = text(sql)
        if "now" in params:  # bound as the column's type, as SQLAlchemy stores it
            statement = statement.bindparams(bindparam("now", type_=DateTime(timezone=True)))
        return conn.execute(statement, params)

    # which staged rows are stored already, and which of those changed
    run(f"UPDATE {_STAGE} SET record_id = r.id, state = CASE WHEN r.features = "
        f"{_STAGE}.features THEN {SAME} ELSE {CHANGED} END FROM linkage_records r "
        f"WHERE r.source_kind = {_STAGE}.source_kind AND r.source_id = {_STAGE}.source_id")
    counts = dict(conn.execute(text(f"SELECT state, count(*) FROM {_STAGE} GROUP BY state"))
                  .tuples().all())
    new, changed = int(counts.get(NEW, 0)), int(counts.get(CHANGED, 0))
    stored = int(conn.execute(select(func.count()).select_from(linkage_records)).scalar_one())
    rebuild = rebuild_key_indexes(new + changed, stored)
    if rebuild:
        for index in _key_indexes():
            index.drop(conn)
    keys_set = ", ".join(f"{c} = s.{c}" for c in LINKAGE_KEY_COLUMNS)
    run(f"UPDATE linkage_records SET features = s.features, updated_at = :now, {keys_set} "
        f"FROM {_STAGE} s WHERE s.state = {CHANGED} AND linkage_records.id = s.record_id",
        now=now)
    def largest() -> int:
        return int(conn.execute(select(func.coalesce(func.max(linkage_records.c.id), 0)))
                   .scalar_one())

    # SQLite gives the rows of one INSERT ... SELECT the largest id plus one, one after the
    # other: when the new ids are exactly the next ``new`` numbers, the k-th new record in order
    # of pos has the k-th of them, and they need not be looked up (a million-row join); anything
    # else (PostgreSQL's sequence) is looked up
    before = largest() if conn.dialect.name == "sqlite" else None
    run(f"INSERT INTO linkage_records (kind, source_kind, source_id, features, updated_at, "
        f"{_KEY_LIST}) SELECT :kind, source_kind, source_id, features, :now, {_KEY_LIST} "
        f"FROM {_STAGE} WHERE state = {NEW} ORDER BY pos", **stamp)
    counted = before is not None and largest() == before + new
    if not counted:
        run(f"UPDATE {_STAGE} SET record_id = r.id FROM linkage_records r WHERE "
            f"{_STAGE}.state = {NEW} AND r.source_kind = {_STAGE}.source_kind AND "
            f"r.source_id = {_STAGE}.source_id")
    if rebuild:
        for index in _key_indexes():
            index.create(conn)
    ids: list[int] = []
    following = before or 0
    for record_id, state in conn.execute(text(
            f"SELECT record_id, state FROM {_STAGE} ORDER BY pos")).tuples():
        if counted and state == NEW:
            following += 1
            ids.append(following)
        else:
            ids.append(int(record_id))
    removed = remove_other_records(conn, kind, set(ids))
    return LoadResult(ids, new, changed, removed, rebuild)


def load_records(store: Store, kind: str, chunks: Iterable[Sequence[Sequence[Any]]]
                 ) -> LoadResult:
    """Bring every record of ``kind`` up to date from ``chunks`` of rows (pos, source kind,
    source id, features, key values; see :meth:`RecordLoad.stage`): new records inserted with
    their keys, changed ones refreshed (keys replaced), unchanged ones left alone, and records
    of ``kind`` not in ``chunks`` removed (their source is gone), all in one transaction. The
    record ids returned are in order of ``pos``."""
    with store.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # this connection only, closed after the load
            conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_JOB_CACHE_KIB}")
            conn.commit()
        try:
            with conn.begin():
                _stage_tables(conn)
            load = RecordLoad(conn)
            with conn.begin():  # temporary tables only: nothing real is locked
                for chunk in chunks:
                    if chunk:
                        load.stage(chunk)
            with conn.begin():
                return _write_staged(conn, kind)
        finally:
            if conn.in_transaction():
                conn.rollback()
            if sqlite:
                # closed rather than given back to the pool: its temporary tables go with their
                # file at once (a DROP TABLE frees the stage's pages one by one), and so does
                # its page cache
                conn.invalidate()
            else:
                with conn.begin():
                    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_STAGE}")


def remove_other_records(conn: Connection, kind: str, keep: set[int]) -> int:
    """Delete the records of ``kind`` not in ``keep`` (ids of records of ``kind``: those whose
    source is still there), with their keys and pairs (their source is gone: disposed of under
    the retention rules, or no longer usable); returns how many."""
    stored = int(conn.execute(select(func.count()).select_from(linkage_records).where(
        linkage_records.c.kind == kind)).scalar_one())
    if stored == len(keep):  # ``keep`` are records of ``kind``: every one is kept
        return 0
    gone = [int(i) for i in conn.execute(select(linkage_records.c.id).where(
        linkage_records.c.kind == kind)).scalars() if int(i) not in keep]
    for start in range(0, len(gone), 5000):
        chunk = gone[start:start + 5000]
        pair_ids = select(linkage_pairs.c.id).where(or_(
            linkage_pairs.c.left_id.in_(chunk), linkage_pairs.c.right_id.in_(chunk)))
        conn.execute(delete(linkage_decisions).where(linkage_decisions.c.pair_id.in_(pair_ids)))
        conn.execute(delete(linkage_pairs).where(or_(
            linkage_pairs.c.left_id.in_(chunk), linkage_pairs.c.right_id.in_(chunk))))
        conn.execute(delete(linkage_records).where(linkage_records.c.id.in_(chunk)))
    return len(gone)


def records_by_ids(conn: Connection, ids: Iterable[int]) -> dict[int, LinkRecord]:
    wanted = list(dict.fromkeys(ids))
    found: dict[int, LinkRecord] = {}
    for start in range(0, len(wanted), 5000):
        for row in conn.execute(select(linkage_records).where(
                linkage_records.c.id.in_(wanted[start:start + 5000]))):
            found[row.id] = _record(row)
    return found


def record_by_source(conn: Connection, source_kind: str, source_id: int) -> LinkRecord | None:
    row = conn.execute(select(linkage_records).where(
        linkage_records.c.source_kind == source_kind,
        linkage_records.c.source_id == source_id)).first()
    return _record(row) if row else None


def iter_records(conn: Connection, kind: str, *, page: int = 20_000) -> Iterator[LinkRecord]:
    after = 0
    while True:
        rows = list(conn.execute(select(linkage_records).where(
            linkage_records.c.kind == kind, linkage_records.c.id > after
        ).order_by(linkage_records.c.id).limit(page)))
        if not rows:
            return
        for row in rows:
            yield _record(row)
        after = rows[-1].id


def count_records(conn: Connection, kind: str) -> int:
    return int(conn.execute(select(func.count()).select_from(linkage_records).where(
        linkage_records.c.kind == kind)).scalar_one())


def candidates(conn: Connection, record_id: int, keys: Iterable[str], *, limit: int = 500
               ) -> list[LinkRecord]:
    """Records sharing a blocking key with the record (indexed lookups), itself excluded. A
    kind of key with a bucket (``LINKAGE_KEY_BUCKETS``) is looked up among the records of the
    record's bucket; so every key of such a kind must come with its bucket's key (ValueError
    otherwise)."""
    by_kind: dict[str, list[str]] = {}
    for key in set(keys):
        by_kind.setdefault(key.partition(":")[0], []).append(key)
    columns = _SLOTS
    direct: list[Any] = []
    within: dict[str, list[Any]] = {}
    for kind, found in by_kind.items():
        if kind not in columns:
            raise ValueError(f"a blocking key of no known kind: {found[0]!r}")
        if kind in _BUCKET_KINDS:
            continue
        terms = [linkage_records.c[c].in_(sorted(found)) for c in columns[kind]]
        bucket = LINKAGE_KEY_BUCKETS.get(kind)
        if bucket is None:
            direct.extend(terms)
        else:
            within.setdefault(bucket, []).extend(terms)
    lookups = [select(linkage_records.c.id).where(term) for term in direct]
    for bucket, terms in within.items():
        if bucket not in by_kind:
            raise ValueError(f"keys of kinds found through {bucket!r} but no {bucket!r} key")
        lookups.append(select(linkage_records.c.id).where(
            linkage_records.c[columns[bucket][0]].in_(sorted(by_kind[bucket])), or_(*terms)))
    if not lookups:
        return []
    matched = union(*lookups).subquery()
    ids = select(matched.c.id).where(matched.c.id != record_id).limit(limit)
    return [_record(r) for r in conn.execute(
        select(linkage_records).where(linkage_records.c.id.in_(ids)))]


def cluster_members(conn: Connection, cluster_id: int) -> list[LinkRecord]:
    return [_record(r) for r in conn.execute(select(linkage_records).where(
        linkage_records.c.cluster_id == cluster_id).order_by(linkage_records.c.id))]


def new_cluster(conn: Connection, kind: str, actor_name: str) -> int:
    return int(conn.execute(insert(linkage_clusters).values(
        kind=kind, created_by=actor_name, created_at=_now()).returning(
        linkage_clusters.c.id)).scalar_one())


def set_cluster(conn: Connection, record_ids: Sequence[int], cluster_id: int | None) -> None:
    if record_ids:
        conn.execute(update(linkage_records).where(linkage_records.c.id.in_(list(record_ids)))
                     .values(cluster_id=cluster_id))


def list_clusters(conn: Connection, kind: str, *, limit: int, offset: int
                  ) -> tuple[list[tuple[int, int]], int]:
    """(cluster id, number of records) of clusters with records, newest first."""
    counted = select(linkage_records.c.cluster_id, func.count().label("n")).where(
        linkage_records.c.kind == kind, linkage_records.c.cluster_id.is_not(None)
    ).group_by(linkage_records.c.cluster_id)
    total = int(conn.execute(select(func.count()).select_from(counted.subquery())).scalar_one())
    rows = conn.execute(counted.order_by(linkage_records.c.cluster_id.desc())
                        .limit(limit).offset(offset))
    return [(int(r.cluster_id), int(r.n)) for r in rows], total


# ------------------------------------------------------------------------------------------
# Models


@dataclass(frozen=True, slots=True)
class StoredModel:
    id: int
    kind: str
    version: int
    backend: str
    settings: dict[str, Any]
    record_count: int
    converged: bool
    trained_by: str
    trained_at: datetime


def _model(row: Any) -> StoredModel:
    at = _aware(row.trained_at)
    assert at is not None
    return StoredModel(row.id, row.kind, row.version, row.backend, json.loads(row.settings),
                       row.record_count, bool(row.converged), row.trained_by, at)


def insert_model(conn: Connection, kind: str, backend: str, settings: dict[str, Any],
                 record_count: int, converged: bool, trained_by: str) -> StoredModel:
    version = int(conn.execute(select(func.coalesce(func.max(linkage_models.c.version), 0))
                               .where(linkage_models.c.kind == kind)).scalar_one()) + 1
    model_id = int(conn.execute(insert(linkage_models).values(
        kind=kind, version=version, backend=backend, settings=json.dumps(settings),
        record_count=record_count, converged=converged, trained_by=trained_by,
        trained_at=_now()).returning(linkage_models.c.id)).scalar_one())
    row = conn.execute(select(linkage_models).where(linkage_models.c.id == model_id)).one()
    return _model(row)


def latest_model(conn: Connection, kind: str) -> StoredModel | None:
    row = conn.execute(select(linkage_models).where(linkage_models.c.kind == kind)
                       .order_by(linkage_models.c.version.desc()).limit(1)).first()
    return _model(row) if row else None


def get_model(conn: Connection, model_id: int) -> StoredModel | None:
    row = conn.execute(select(linkage_models).where(linkage_models.c.id == model_id)).first()
    return _model(row) if row else None


def list_models(conn: Connection, kind: str) -> list[StoredModel]:
    return [_model(r) for r in conn.execute(select(linkage_models).where(
        linkage_models.c.kind == kind).order_by(linkage_models.c.version.desc()).limit(100))]


# ------------------------------------------------------------------------------------------
# Pairs and decisions


@dataclass(frozen=True, slots=True)
class Pair:
    id: int
    kind: str
    left_id: int
    right_id: int
    model_id: int
    match_weight: float
    match_probability: float
    waterfall: list[dict[str, Any]]
    status: str
    decided_by: str | None
    decided_at: datetime | None


def _pair(row: Any) -> Pair:
    return Pair(row.id, row.kind, row.left_id, row.right_id, row.model_id, row.match_weight,
                row.match_probability, json.loads(row.waterfall), row.status, row.decided_by,
                _aware(row.decided_at))


def save_pairs(conn: Connection, kind: str, model_id: int,
               scored: Sequence[tuple[int, int, float, float, list[dict[str, Any]] | str]]
               ) -> int:
    """Store scored pairs (left, right, weight, probability, waterfall: its steps as dicts, or
    already their JSON text): new ones pending; a pending one re-scored by this model; a decided
    pair (confirmed or rejected) is left as it is, so a rejection is never proposed again.
    Returns how many pairs are new."""
    if not scored:
        return 0
    existing: dict[tuple[int, int], tuple[int, str]] = {}
    lefts = sorted({s[0] for s in scored})
    for start in range(0, len(lefts), 5000):
        for row in conn.execute(select(linkage_pairs.c.id, linkage_pairs.c.left_id,
                                       linkage_pairs.c.right_id, linkage_pairs.c.status).where(
                linkage_pairs.c.left_id.in_(lefts[start:start + 5000]))):
            existing[(row.left_id, row.right_id)] = (row.id, row.status)
    now = _now()
    new = []
    for left, right, weight, probability, waterfall in scored:
        found = existing.get((left, right))
        if found is None:
            new.append({"kind": kind, "left_id": left, "right_id": right, "model_id": model_id,
                        "match_weight": weight, "match_probability": probability,
                        "waterfall": _json(waterfall), "status": PENDING,
                        "created_at": now})
            existing[(left, right)] = (0, PENDING)
        elif found[1] == PENDING and found[0]:
            conn.execute(update(linkage_pairs).where(linkage_pairs.c.id == found[0]).values(
                model_id=model_id, match_weight=weight, match_probability=probability,
                waterfall=_json(waterfall)))
    for start in range(0, len(new), 5000):
        conn.execute(insert(linkage_pairs), new[start:start + 5000])
    return len(new)


def _json(waterfall: list[dict[str, Any]] | str) -> str:
    return waterfall if isinstance(waterfall, str) else json.dumps(waterfall)


def get_pair(conn: Connection, pair_id: int, *, for_update: bool = False) -> Pair | None:
    query = select(linkage_pairs).where(linkage_pairs.c.id == pair_id)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _pair(row) if row else None


def queue(conn: Connection, kind: str, *, threshold: float, limit: int, offset: int,
          order: str = "uncertain") -> tuple[list[Pair], int]:
    """Pending pairs at or above ``threshold`` whose two records are not already in one cluster:
    ``uncertain`` first (match weight nearest 0, even odds) or ``strongest`` first."""
    left = linkage_records.alias("l")
    right = linkage_records.alias("r")
    same = and_(left.c.cluster_id.is_not(None), left.c.cluster_id == right.c.cluster_id)
    base = select(linkage_pairs).join(left, left.c.id == linkage_pairs.c.left_id).join(
        right, right.c.id == linkage_pairs.c.right_id).where(
        linkage_pairs.c.kind == kind, linkage_pairs.c.status == PENDING,
        linkage_pairs.c.match_weight >= threshold, ~same)
    total = int(conn.execute(select(func.count()).select_from(base.subquery())).scalar_one())
    weight = linkage_pairs.c.match_weight
    first = weight.desc() if order == "strongest" else func.abs(weight).asc()
    rows = conn.execute(base.order_by(first, linkage_pairs.c.id).limit(limit).offset(offset))
    return [_pair(r) for r in rows], total


def pairs_of(conn: Connection, record_ids: Sequence[int], *, limit: int = 200) -> list[Pair]:
    if not record_ids:
        return []
    ids = list(record_ids)
    return [_pair(r) for r in conn.execute(select(linkage_pairs).where(or_(
        linkage_pairs.c.left_id.in_(ids), linkage_pairs.c.right_id.in_(ids))
    ).order_by(linkage_pairs.c.id).limit(limit))]


def set_pair_status(conn: Connection, pair_id: int, status: str, by: str | None) -> None:
    conn.execute(update(linkage_pairs).where(linkage_pairs.c.id == pair_id).values(
        status=status, decided_by=by, decided_at=_now() if by else None))


@dataclass(frozen=True, slots=True)
class Decision:
    id: int
    pair_id: int
    decision: str
    changes: dict[str, Any]
    undone_by: int | None
    actor_name: str
    at: datetime


def _decision(row: Any) -> Decision:
    at = _aware(row.at)
    assert at is not None
    return Decision(row.id, row.pair_id, row.decision, json.loads(row.changes), row.undone_by,
                    row.actor_name, at)


def add_decision(conn: Connection, pair_id: int, decision: str, changes: dict[str, Any],
                 actor_name: str) -> int:
    return int(conn.execute(insert(linkage_decisions).values(
        pair_id=pair_id, decision=decision, changes=json.dumps(changes), actor_name=actor_name,
        at=_now()).returning(linkage_decisions.c.id)).scalar_one())


def get_decision(conn: Connection, decision_id: int) -> Decision | None:
    row = conn.execute(select(linkage_decisions).where(linkage_decisions.c.id == decision_id)
                       ).first()
    return _decision(row) if row else None


def mark_undone(conn: Connection, decision_id: int, by_decision: int) -> None:
    conn.execute(update(linkage_decisions).where(linkage_decisions.c.id == decision_id)
                 .values(undone_by=by_decision))


def decisions_of(conn: Connection, pair_ids: Sequence[int]) -> list[Decision]:
    if not pair_ids:
        return []
    return [_decision(r) for r in conn.execute(select(linkage_decisions).where(
        linkage_decisions.c.pair_id.in_(list(pair_ids))).order_by(linkage_decisions.c.id))]


def recent_decisions(conn: Connection, kind: str, *, limit: int) -> list[Decision]:
    query = select(linkage_decisions).join(
        linkage_pairs, linkage_pairs.c.id == linkage_decisions.c.pair_id).where(
        linkage_pairs.c.kind == kind).order_by(linkage_decisions.c.id.desc()).limit(limit)
    return [_decision(r) for r in conn.execute(query)]


# ------------------------------------------------------------------------------------------
# Groups: merging one into another as its alias


def group_row(conn: Connection, group_id: int) -> Any:
    return conn.execute(select(groups).where(groups.c.id == group_id)).first()


def add_group_aliases(conn: Connection, group_id: int, names: Sequence[tuple[str, str]]
                      ) -> list[int]:
    """Add (kind, alias) rows a group lacks; returns the ids added (so an undo removes only
    those)."""
    have = {(r.kind, r.alias.lower()) for r in conn.execute(select(group_aliases).where(
        group_aliases.c.group_id == group_id))}
    added: list[int] = []
    for kind, alias in names:
        if (kind, alias.lower()) in have:
            continue
        have.add((kind, alias.lower()))
        added.append(int(conn.execute(insert(group_aliases).values(
            group_id=group_id, alias=alias[:200], kind=kind).returning(group_aliases.c.id)
        ).scalar_one()))
    return added


def remove_group_aliases(conn: Connection, alias_ids: Sequence[int]) -> None:
    if alias_ids:
        conn.execute(delete(group_aliases).where(group_aliases.c.id.in_(list(alias_ids))))


def set_merged_into(conn: Connection, group_id: int, into: int | None) -> None:
    conn.execute(update(groups).where(groups.c.id == group_id).values(merged_into=into))
