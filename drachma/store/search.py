"""Ranked full-text search over reports: FTS5 (SQLite) or tsvector (PostgreSQL).

Design: raw BM25 / ts_rank ordering scores every matching row, which at a million reports costs
over a second for a common term. Drachma ranks within a *recency window*: the newest
``window`` matches (by record id, which follows intake order) are found by walking the index in
id order (cheap, stops early), and only those are scored; the best ``limit`` are returned and only
they get highlighted snippets. When a query matches fewer rows than the window - every rare term -
the ranking is exact over all matches. For a common term, the answer is "the most relevant of the
newest N matches", which is what an analyst working a current picture wants; older material is
reached by narrowing the query or the date filter. ``SearchResult.exhaustive`` says which case
applied, so the interface can say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, literal_column, select, text
from sqlalchemy.sql import ColumnElement

from drachma.errors import ValidationError
from drachma.model.report import Report
from drachma.store.reports import ReportFilters, Visibility, reports_by_ids
from drachma.store.tables import reports

DEFAULT_WINDOW = 2000
MARK_START = "\x02"
MARK_END = "\x03"

_WORD = re.compile(r"[\w][\w'-]*\*?", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SearchHit:
    report: Report
    score: float
    snippet: str  # text with MARK_START / MARK_END around matched terms; the caller escapes


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[SearchHit]
    window: int
    exhaustive: bool  # True when every match was ranked (fewer matches than the window)


def query_terms(query: str) -> list[str]:
    """The words of a user's query; phrases in double quotes stay together."""
    terms: list[str] = []
    for phrase, bare in re.findall(r'"([^"]*)"|(\S+)', query):
        if phrase:
            words = _WORD.findall(phrase)
            if words:
                terms.append('"' + " ".join(w.rstrip("*") for w in words) + '"')
        else:
            terms.extend(_WORD.findall(bare))
    if not terms:
        raise ValidationError(f"search query {query!r} has no words to search for", field="query")
    return terms


def fts5_query(query: str) -> str:
    """A safe FTS5 MATCH expression: every term required, prefix search with a trailing *."""
    parts = []
    for term in query_terms(query):
        if term.startswith('"'):
            parts.append(term)
        elif term.endswith("*"):
            parts.append('"' + term[:-1].replace('"', "") + '"*')
        else:
            parts.append('"' + term.replace('"', "") + '"')
    return " ".join(parts)


def pg_query(query: str) -> str:
    """Text for ``websearch_to_tsquery``: the same terms, AND-ed."""
    return " ".join(t.rstrip("*") for t in query_terms(query))


def _where(
    visibility: Visibility, filters: ReportFilters
) -> tuple[list[ColumnElement[bool]], bool]:
    clauses = [visibility.clause(), *filters.clauses()]
    return clauses, not (visibility.sees_all_restricted and filters.empty)


def search(
    conn: Connection,
    query: str,
    visibility: Visibility,
    filters: ReportFilters = ReportFilters(),
    *,
    limit: int = 20,
    window: int = DEFAULT_WINDOW,
) -> SearchResult:
    if conn.dialect.name == "sqlite":
        ranked, exhaustive = _rank_sqlite(conn, fts5_query(query), visibility, filters, limit, window)
        snippets = _snippets_sqlite(conn, fts5_query(query), [i for i, _ in ranked])
    else:
        ranked, exhaustive = _rank_pg(conn, pg_query(query), visibility, filters, limit, window)
        snippets = _snippets_pg(conn, pg_query(query), [i for i, _ in ranked])
    found = reports_by_ids(conn, [i for i, _ in ranked])
    hits = [
        SearchHit(found[i], score, snippets.get(i, "")) for i, score in ranked if i in found
    ]
    return SearchResult(hits=hits, window=window, exhaustive=exhaustive)


# --- SQLite / FTS5 ---------------------------------------------------------------------------

def sqlite_rank_sql(conditions_sql: str) -> str:
    """The raw SQL the SQLite path runs (also used by the benchmark for the raw comparison)."""
    return f"""
    WITH recent AS (
        SELECT f.rowid AS id
        FROM reports_fts AS f JOIN reports ON reports.id = f.rowid
        WHERE reports_fts MATCH :q {conditions_sql}
        ORDER BY f.rowid DESC
        LIMIT :window
    )
    SELECT f.rowid AS id, bm25(reports_fts, 4.0, 1.0) AS score
    FROM reports_fts AS f
    WHERE reports_fts MATCH :q AND f.rowid IN (SELECT id FROM recent)
    ORDER BY score, f.rowid DESC
    LIMIT :limit
    """


def _compile(conn: Connection, clauses: list[ColumnElement[bool]]) -> tuple[str, dict[str, Any]]:
    if not clauses:
        return "", {}
    compiled = and_(*clauses).compile(
        dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
    )
    return " AND " + str(compiled), dict(compiled.params)


def _rank_sqlite(
    conn: Connection,
    match: str,
    visibility: Visibility,
    filters: ReportFilters,
    limit: int,
    window: int,
) -> tuple[list[tuple[int, float]], bool]:
    clauses, _ = _where(visibility, filters)
    condition_sql, params = _compile(conn, clauses)
    rows = conn.execute(
        text(sqlite_rank_sql(condition_sql)),
        {"q": match, "window": window + 1, "limit": limit, **params},
    ).all()
    # bm25() is lower-is-better; present higher-is-better.
    ranked = [(int(r.id), -float(r.score)) for r in rows]
    exhaustive = _count_upto_sqlite(conn, match, condition_sql, params, window + 1) <= window
    return ranked, exhaustive


def _count_upto_sqlite(
    conn: Connection, match: str, condition_sql: str, params: dict[str, Any], cap: int
) -> int:
    sql = f"""
    SELECT count(*) FROM (
        SELECT f.rowid FROM reports_fts AS f JOIN reports ON reports.id = f.rowid
        WHERE reports_fts MATCH :q {condition_sql} ORDER BY f.rowid DESC LIMIT :cap)
    """
    return int(conn.execute(text(sql), {"q": match, "cap": cap, **params}).scalar_one())


def _snippets_sqlite(conn: Connection, match: str, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    sql = text(
        "SELECT rowid AS id, snippet(reports_fts, 1, :a, :b, '…', 24) AS s FROM reports_fts "
        "WHERE reports_fts MATCH :q AND rowid IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    rows = conn.execute(sql, {"q": match, "a": MARK_START, "b": MARK_END, "ids": ids})
    return {int(r.id): str(r.s) for r in rows}


# --- PostgreSQL / tsvector ---------------------------------------------------------------------

def pg_rank_sql(conditions_sql: str) -> str:
    return f"""
    WITH q AS (SELECT websearch_to_tsquery('english', :q) AS query),
    recent AS (
        SELECT reports.id, reports.search_vector
        FROM reports, q
        WHERE reports.search_vector @@ q.query {conditions_sql}
        ORDER BY reports.id DESC
        LIMIT :window
    )
    SELECT recent.id, ts_rank_cd(recent.search_vector, q.query) AS score
    FROM recent, q
    ORDER BY score DESC, recent.id DESC
    LIMIT :limit
    """


def _rank_pg(
    conn: Connection,
    query: str,
    visibility: Visibility,
    filters: ReportFilters,
    limit: int,
    window: int,
) -> tuple[list[tuple[int, float]], bool]:
    clauses, _ = _where(visibility, filters)
    condition_sql, params = _compile(conn, clauses)
    rows = conn.execute(
        text(pg_rank_sql(condition_sql)),
        {"q": query, "window": window + 1, "limit": limit, **params},
    ).all()
    ranked = [(int(r.id), float(r.score)) for r in rows]
    count_sql = f"""
    SELECT count(*) FROM (SELECT reports.id FROM reports
        WHERE reports.search_vector @@ websearch_to_tsquery('english', :q) {condition_sql}
        ORDER BY reports.id DESC LIMIT :cap) AS m
    """
    total = int(conn.execute(text(count_sql), {"q": query, "cap": window + 1, **params}).scalar_one())
    return ranked, total <= window


def _snippets_pg(conn: Connection, query: str, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=40, MinWords=15, MaxFragments=2"
    sql = select(
        reports.c.id,
        literal_column(
            "ts_headline('english', reports.body, websearch_to_tsquery('english', :q), :opts)"
        ).label("s"),
    ).where(reports.c.id.in_(ids))
    rows = conn.execute(sql, {"q": query, "opts": options})
    return {int(r.id): str(r.s) for r in rows}
