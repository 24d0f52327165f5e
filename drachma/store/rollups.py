"""The count rollups (``fact_counts``, ``fact_pair_counts`` and its sums by year,
``fact_pair_year_counts``) and what each record was counted under (``counted_records``):
reading the rows a record's contribution is made of, and adding deltas. What a contribution
*is* (UK months, which facts) is decided in ``drachma/analytics/upkeep.py``; this module only
moves rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import psycopg
from sqlalchemy import Connection, Select, Table, delete, func, insert, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from drachma.store.tables import (
    counted_records,
    fact_counts,
    fact_pair_counts,
    fact_pair_year_counts,
    group_aliases,
    groups,
    incident_facts,
    incident_reports,
    incidents,
    mentions,
    report_access,
    report_facts,
    report_list_counts,
    reports,
)

Subject = Literal["reports", "incidents"]
#: month, force, source kind, grading source, intelligence, handling, access
CountedKey = tuple[str, str, str, str, str, str, str]
Fact = tuple[str, str]  # (dimension, value)
# subject, dimension, value, then a CountedKey
StarKey = tuple[str, str, str, str, str, str, str, str, str, str]
# subject, dimension a, value a, dimension b, value b, month, force, access
PairKey = tuple[str, str, str, str, str, str, str, str]
CHUNK = 500  # ids per IN (...) list

STAR_COLUMNS = ("subject", "dimension", "value", "month", "force", "source_kind",
                "grading_source", "grading_intelligence", "grading_handling", "access")
PAIR_COLUMNS = ("subject", "dimension_a", "value_a", "dimension_b", "value_b", "month", "force",
                "access")  # the order of PairKey, not of the table's key
_Key = TypeVar("_Key", bound=tuple[str, ...])
_Coarse = TypeVar("_Coarse", bound=tuple[str, ...])
YEAR_PAIR_COLUMNS = ("subject", "dimension_a", "value_a", "dimension_b", "value_b", "year",
                     "force", "access")  # PAIR_COLUMNS with the year for the month
COUNTED_COLUMNS = ("month", "force", "source_kind", "grading_source", "grading_intelligence",
                   "grading_handling", "access")


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start:start + CHUNK])


def _facts_table(subject: Subject) -> tuple[Table, Any]:
    if subject == "reports":
        return report_facts, report_facts.c.report_id
    return incident_facts, incident_facts.c.incident_id


def aware(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite may hand back text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- reading what records are now ---------------------------------------------------------------


def report_columns(conn: Connection, ids: Sequence[int]
                   ) -> dict[int, tuple[datetime, str | None, str, str, str, str, frozenset[str]]]:
    """id -> (received at, force, source kind, grading x3, roles a C report is open to)."""
    out: dict[int, tuple[datetime, str | None, str, str, str, str, frozenset[str]]] = {}
    for chunk in _chunks(ids):
        roles: dict[int, set[str]] = {}
        for rid, role in conn.execute(select(report_access.c.report_id, report_access.c.role)
                                      .where(report_access.c.report_id.in_(chunk))):
            roles.setdefault(int(rid), set()).add(role)
        for r in conn.execute(select(reports.c.id, reports.c.received_at, reports.c.force,
                                     reports.c.source_kind, reports.c.grading_source,
                                     reports.c.grading_intelligence, reports.c.grading_handling)
                              .where(reports.c.id.in_(chunk))):
            out[int(r.id)] = (aware(r.received_at), r.force, r.source_kind, r.grading_source,
                              r.grading_intelligence, r.grading_handling,
                              frozenset(roles.get(int(r.id), ())))
    return out


def incident_columns(conn: Connection, ids: Sequence[int]) -> dict[int, Any]:
    """id -> row of (id, occurred_at, force, place, district, groups (JSON), platform, outcome)."""
    out: dict[int, Any] = {}
    for chunk in _chunks(ids):
        for r in conn.execute(select(incidents.c.id, incidents.c.occurred_at, incidents.c.force,
                                     incidents.c.place, incidents.c.district, incidents.c.groups,
                                     incidents.c.platform, incidents.c.outcome)
                              .where(incidents.c.id.in_(chunk))):
            out[int(r.id)] = r
    return out


def groups_of(row: Any) -> list[str]:
    return [str(g) for g in json.loads(row.groups or "[]")]


def facts_of(conn: Connection, subject: Subject, ids: Sequence[int]
             ) -> dict[int, list[tuple[str, str, str]]]:
    """id -> [(dimension, value, origin)] as stored."""
    table, record = _facts_table(subject)
    out: dict[int, list[tuple[str, str, str]]] = {}
    for chunk in _chunks(ids):
        for rid, dim, value, origin in conn.execute(
                select(record, table.c.dimension, table.c.value, table.c.origin)
                .where(record.in_(chunk))):
            out.setdefault(int(rid), []).append((dim, value, origin))
    return out


def counted(conn: Connection, subject: Subject, ids: Sequence[int]) -> dict[int, CountedKey]:
    """id -> the key a record was last counted under (absent: not counted).

    The rows are locked (``FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time) until
    the transaction ends: a second writer settling the same record waits, then reads what the
    first wrote, so a contribution is never taken away twice."""
    c = counted_records.c
    out: dict[int, CountedKey] = {}
    for chunk in _chunks(ids):
        for r in conn.execute(select(c.record_id, *(c[name] for name in COUNTED_COLUMNS))
                              .where(c.subject == subject, c.record_id.in_(chunk))
                              .order_by(c.record_id).with_for_update()):
            out[int(r[0])] = tuple(r[1:])  # type: ignore[assignment]
    return out


def reports_of_incidents(conn: Connection, incident_ids: Sequence[int]) -> set[int]:
    out: set[int] = set()
    for chunk in _chunks(incident_ids):
        out.update(int(r) for r in conn.execute(select(incident_reports.c.report_id).where(
            incident_reports.c.incident_id.in_(chunk))).scalars())
    return out


def incidents_of_reports(conn: Connection, report_ids: Sequence[int]) -> dict[int, set[int]]:
    """report id -> the incidents it is linked to."""
    out: dict[int, set[int]] = {}
    for chunk in _chunks(report_ids):
        for iid, rid in conn.execute(select(incident_reports.c.incident_id,
                                            incident_reports.c.report_id)
                                     .where(incident_reports.c.report_id.in_(chunk))):
            out.setdefault(int(rid), set()).add(int(iid))
    return out


def mentions_of(conn: Connection, report_ids: Sequence[int], types: Sequence[str]
                ) -> list[tuple[int, str, str]]:
    """(report id, type, value) of the reports' mentions of ``types`` that are not rejected,
    corrections applied."""
    kind = func.coalesce(mentions.c.corrected_type, mentions.c.type)
    value = func.coalesce(mentions.c.corrected_value, mentions.c.value)
    out: list[tuple[int, str, str]] = []
    for chunk in _chunks(report_ids):
        out += [(int(r[0]), r[1], r[2]) for r in conn.execute(
            select(mentions.c.report_id, kind, value).where(
                mentions.c.report_id.in_(chunk), mentions.c.review != "rejected",
                kind.in_(types)))]
    return out


def group_names(conn: Connection) -> dict[str, str]:
    """Lower-cased name or alias -> the name of the group it is counted under. A group merged
    into another (``groups.merged_into``, migration 0015) is counted under the group kept, so its
    own name and aliases lead there (only columns migration 0018 knew, as the migration rebuilds
    with this)."""
    rows = {int(gid): (str(name), None if into is None else int(into))
            for gid, name, into in conn.execute(
                select(groups.c.id, groups.c.name, groups.c.merged_into).order_by(groups.c.name))}

    def kept(gid: int) -> str:
        seen = {gid}
        while (into := rows[gid][1]) is not None and into in rows and into not in seen:
            seen.add(into)
            gid = into
        return rows[gid][0]

    by_id = {gid: kept(gid) for gid in rows}
    names: dict[str, str] = {}
    for gid, (name, _) in rows.items():
        names.setdefault(name.lower(), by_id[gid])
    for gid, alias in conn.execute(select(group_aliases.c.group_id, group_aliases.c.alias)
                                   .order_by(group_aliases.c.id)):
        if gid in by_id:
            names.setdefault(alias.lower(), by_id[gid])
    return names


def records_counted_under_groups(conn: Connection, wanted: Callable[[str], bool]
                                 ) -> tuple[list[int], list[int]]:
    """The reports and incidents with a derived group fact (from a mention or an incident, not
    one the demo loader wrote) whose value ``wanted`` accepts. The values are taken from the
    rollups (a few rows per group), then the facts are read through their index."""
    values = sorted(v for v in conn.execute(
        select(fact_counts.c.value).where(fact_counts.c.dimension == "group").distinct()
    ).scalars() if wanted(str(v)))
    found: dict[Subject, list[int]] = {"reports": [], "incidents": []}
    subject: Subject
    for subject in ("reports", "incidents"):
        table, record = _facts_table(subject)
        ids: set[int] = set()
        for start in range(0, len(values), CHUNK):
            ids.update(int(i) for i in conn.execute(
                select(record).where(table.c.dimension == "group",
                                     table.c.value.in_(values[start:start + CHUNK]),
                                     table.c.origin.in_(("mention", "incident")))).scalars())
        found[subject] = sorted(ids)
    return found["reports"], found["incidents"]


def record_ids(conn: Connection, subject: Subject, after: int, limit: int) -> list[int]:
    """The next ``limit`` record ids above ``after`` (for going through every record)."""
    table = reports if subject == "reports" else incidents
    return [int(i) for i in conn.execute(select(table.c.id).where(table.c.id > after)
                                         .order_by(table.c.id).limit(limit)).scalars()]


def record_count(conn: Connection, subject: Subject) -> int:
    table = reports if subject == "reports" else incidents
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# --- writing ------------------------------------------------------------------------------------


def replace_facts(conn: Connection, subject: Subject, ids: Sequence[int], origins: Sequence[str],
                  rows: Iterable[tuple[int, str, str, str]]) -> None:
    """Delete the facts of ``ids`` from ``origins`` and insert ``rows`` (id, dimension, value,
    origin), skipping any a kept origin (the demo's) already holds."""
    table, record = _facts_table(subject)
    kept: set[tuple[int, str, str]] = set()
    for chunk in _chunks(ids):
        conn.execute(delete(table).where(record.in_(chunk), table.c.origin.in_(origins)))
        kept.update((int(r[0]), r[1], r[2]) for r in conn.execute(
            select(record, table.c.dimension, table.c.value).where(record.in_(chunk))))
    name = "report_id" if subject == "reports" else "incident_id"
    unique: dict[tuple[int, str, str], str] = {}
    for rid, dim, value, origin in rows:
        key = (rid, dim, value[:200])
        if value and key not in kept:
            unique.setdefault(key, origin)
    if unique:
        conn.execute(insert(table), [{name: rid, "dimension": dim, "value": value,
                                      "origin": origin}
                                     for (rid, dim, value), origin in unique.items()])


def replace_counted(conn: Connection, subject: Subject, ids: Sequence[int],
                    now: Mapping[int, CountedKey]) -> None:
    """Record the keys ``ids`` are counted under now (absent from ``now``: no longer counted).

    A row that stays is updated in place, not deleted and inserted again: a second writer
    waiting on its lock (:func:`counted`) then reads the new row rather than none."""
    c = counted_records.c
    gone = [rid for rid in ids if rid not in now]
    for chunk in _chunks(gone):
        conn.execute(delete(counted_records).where(c.subject == subject,
                                                   c.record_id.in_(chunk)))
    rows = [{"subject": subject, "record_id": rid, **dict(zip(COUNTED_COLUMNS, key, strict=True))}
            for rid, key in sorted(now.items())]
    if not rows:
        return
    maker = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    statement = maker(counted_records)
    statement = statement.on_conflict_do_update(
        index_elements=["subject", "record_id"],
        set_={name: statement.excluded[name] for name in COUNTED_COLUMNS})
    for start in range(0, len(rows), 5000):
        conn.execute(statement, rows[start:start + 5000])


def _copy_upsert(conn: Connection, table: Table, columns: tuple[str, ...],
                 deltas: Mapping[Any, int]) -> None:
    """PostgreSQL, many rows (a rebuild): COPY the deltas into a temporary table, then one
    ``INSERT ... SELECT ... ON CONFLICT`` - several times faster than multi-row INSERTs of
    millions of rows. Keys are taken in the same order as :func:`_upsert`'s (code point order:
    ``COLLATE "C"`` on UTF-8), so writers still lock rows in one order."""
    work = f"drachma_delta_{table.name}"
    names = ", ".join(f'"{c}"' for c in columns)
    ordered = ", ".join(f'"{c}" COLLATE "C"' for c in columns)
    raw = conn.connection.dbapi_connection
    assert isinstance(raw, psycopg.Connection)
    with raw.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {work} "
                       f"(LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {work}")
        with cursor.copy(f"COPY {work} ({names}, n) FROM STDIN") as copy:
            for key, n in deltas.items():
                if n:
                    copy.write_row((*key, n))
        cursor.execute(
            f"INSERT INTO {table.name} ({names}, n) SELECT {names}, n FROM {work} "
            f"ORDER BY {ordered} ON CONFLICT ({names}) DO UPDATE SET n = {table.name}.n + "
            "EXCLUDED.n")
        cursor.execute(f"TRUNCATE {work}")


COPY_FROM_ROWS = 20_000  # deltas at which PostgreSQL's upsert goes through COPY


def _upsert(conn: Connection, table: Table, columns: tuple[str, ...],
            deltas: Mapping[Any, int]) -> None:
    if len(deltas) >= COPY_FROM_ROWS and isinstance(conn.connection.dbapi_connection,
                                                    psycopg.Connection):
        _copy_upsert(conn, table, columns, deltas)
        return
    # In key order, so that two writers settling at once lock rows in the same order (no
    # deadlock on PostgreSQL).
    rows = [{**dict(zip(columns, key, strict=True)), "n": n}
            for key, n in sorted(deltas.items()) if n]
    if not rows:
        return
    maker = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
    statement = maker(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(columns), set_={"n": table.c.n + statement.excluded.n})
    for start in range(0, len(rows), 5000):
        conn.execute(statement, rows[start:start + 5000])


def add_deltas(conn: Connection, star: Mapping[StarKey, int], pairs: Mapping[PairKey, int],
               *, later_tables: bool = True) -> None:
    """Add each delta to its rollup row (creating it). Rows that fall to 0 stay until the next
    rebuild: they add nothing to a sum, and a key whose sum is 0 is not shown. ``later_tables``
    false: only the rollups of migration 0018 (which runs before ``report_list_counts``, 0020,
    and ``fact_pair_year_counts``, 0022, exist)."""
    _upsert(conn, fact_counts, STAR_COLUMNS, star)
    _upsert(conn, fact_pair_counts, PAIR_COLUMNS, pairs)
    if later_tables:
        _upsert(conn, report_list_counts, ("month", "access"), list_deltas(star))
        _upsert(conn, fact_pair_year_counts, YEAR_PAIR_COLUMNS, year_deltas(pairs))


def year_deltas(pairs: Mapping[PairKey, int]) -> dict[PairKey, int]:
    """The pair deltas summed by year (the month "2018-05" becomes "2018"): the rows of
    ``fact_pair_year_counts`` they change."""
    return _summed(pairs, lambda k: (*k[:5], k[5][:4], k[6], k[7]))


def list_deltas(star: Mapping[StarKey, int]) -> dict[tuple[str, str], int]:
    """The report list's counts (month, access) in the same deltas: each report's own row."""
    return _summed(star, lambda k: (k[3], k[-1]) if k[:3] == ("reports", "", "") else None)


def _summed(deltas: Mapping[_Key, int], coarser: Callable[[_Key], _Coarse | None]
            ) -> dict[_Coarse, int]:
    """``deltas`` added up under a coarser key (``coarser`` gives it, or None to leave a delta
    out); zero deltas are left out."""
    out: dict[_Coarse, int] = {}
    for key, n in deltas.items():
        if n and (to := coarser(key)) is not None:
            out[to] = out.get(to, 0) + n
    return out


def refresh_statistics(conn: Connection) -> None:
    """PostgreSQL: ANALYZE the tables a rebuild reads by record id. After a bulk load the
    planner, knowing nothing of a table, reads a whole table per chunk of ids (a million
    reports' facts: 400 ms a chunk, measured) instead of its index."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE report_facts, incident_facts, incident_reports, mentions, "
                          "report_access"))


def clear(conn: Connection, *, later_tables: bool = True) -> None:
    """Empty the rollups and the counted keys (before a rebuild)."""
    for table in (fact_counts, fact_pair_counts, counted_records,
                  *((report_list_counts, fact_pair_year_counts) if later_tables else ())):
        conn.execute(delete(table))


def rollup_rows(conn: Connection) -> tuple[dict[StarKey, int], dict[PairKey, int]]:
    """Every non-zero rollup row (for checks: compare with a rebuild)."""
    star = {tuple(r[:-1]): int(r[-1]) for r in conn.execute(
        select(*(fact_counts.c[name] for name in STAR_COLUMNS), fact_counts.c.n)
        .where(fact_counts.c.n != 0))}
    pairs = {tuple(r[:-1]): int(r[-1]) for r in conn.execute(
        select(*(fact_pair_counts.c[name] for name in PAIR_COLUMNS), fact_pair_counts.c.n)
        .where(fact_pair_counts.c.n != 0))}
    return star, pairs  # type: ignore[return-value]


def year_rollup_rows(conn: Connection) -> dict[PairKey, int]:
    """Every non-zero row of ``fact_pair_year_counts``, keyed as :func:`year_deltas` (for
    checks)."""
    c = fact_pair_year_counts.c
    return {tuple(r[:-1]): int(r[-1]) for r in conn.execute(  # type: ignore[misc]
        select(*(c[name] for name in YEAR_PAIR_COLUMNS), c.n).where(c.n != 0))}


def row_count(conn: Connection, *, later_tables: bool = True) -> int:
    return sum(int(conn.execute(select(func.count()).select_from(table)).scalar_one())
               for table in (fact_counts, fact_pair_counts,
                             *((fact_pair_year_counts,) if later_tables else ())))


def has_rollups(conn: Connection) -> bool:
    return conn.execute(select(counted_records.c.record_id).limit(1)).first() is not None



def count_listed(conn: Connection, *, role: str | None, months: tuple[str | None, str | None],
                 source_evaluation: str | None = None, intelligence: str | None = None,
                 handling: str | None = None, source_kind: str | None = None,
                 force: str | None = None) -> int:
    """Reports counted in ``fact_counts`` (each report once, under dimension "") that ``role``
    may see - every P report, and the C reports whose access key names the role; ``None`` for a
    role that sees every restricted report - in the UK months ``months`` (first, last; ``None``
    for open), with the list's filters. Without filters of grading, source or force, a sum over
    ``report_list_counts`` (a few hundred rows); with them, over one range of ``fact_counts``'
    key (rows per distinct key, not per report)."""
    if not (source_evaluation or intelligence or source_kind or force):
        return _count_by_month(conn, role=role, months=months, handling=handling)
    c = fact_counts.c
    query = _months_and_role(select(func.coalesce(func.sum(c.n), 0)).where(
        c.subject == "reports", c.dimension == "", c.value == ""), fact_counts, role, months)
    for column, wanted in ((c.grading_source, source_evaluation),
                           (c.grading_intelligence, intelligence), (c.grading_handling, handling),
                           (c.source_kind, source_kind), (c.force, force)):
        if wanted:
            query = query.where(column == wanted)
    return int(conn.execute(query).scalar_one())


def _count_by_month(conn: Connection, *, role: str | None,
                    months: tuple[str | None, str | None], handling: str | None) -> int:
    c = report_list_counts.c
    query = _months_and_role(select(func.coalesce(func.sum(c.n), 0)), report_list_counts, role,
                             months)
    if handling:  # the access key is "P" exactly for handling code P
        query = query.where(c.access == "P" if handling == "P" else c.access != "P")
    return int(conn.execute(query).scalar_one())


def list_count_rows(conn: Connection) -> dict[tuple[str, str], int]:
    """Every non-zero row of ``report_list_counts`` (for checks)."""
    c = report_list_counts.c
    return {(r.month, r.access): int(r.n)
            for r in conn.execute(select(c.month, c.access, c.n).where(c.n != 0))}


def _months_and_role(query: Select[Any], table: Table, role: str | None,
                     months: tuple[str | None, str | None]) -> Select[Any]:
    """Rows of these UK months (first, last; ``None`` open) that ``role`` may see: access "P",
    or an access key naming the role (``None``: every row, for who sees every C report)."""
    c = table.c
    first, last = months
    if first is not None:
        query = query.where(c.month >= first)
    if last is not None:
        query = query.where(c.month <= last)
    if role is not None:
        query = query.where(or_(c.access == "P", c.access.contains(f",{role},", autoescape=True)))
    return query
