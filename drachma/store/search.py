"""Ranked full-text search over reports: FTS5 (SQLite) or tsvector (PostgreSQL).

Design (see ``docs/search.md``): raw BM25 / ``ts_rank_cd`` ordering scores every matching row,
which at a million reports costs over a second for a common term. Drachma ranks within a
*recency window*: the newest ``window`` matches that the reader may see and that pass the filters
are found by walking the full-text index in id order (id follows intake order; the walk is cheap
and stops early), only those are scored, the best ``limit`` are returned, and only they get
highlighted snippets. When a query matches no more rows than the window - every rare term - the
ranking is exact over all matches. For a common term the answer is "the most relevant of the
newest ``window`` matches"; :attr:`SearchResult.exhaustive` says which case applied, so the
interface can say so.

Visibility (handling code C) and the filters are applied in SQL, inside the walk, so the window is
a window of what the reader may see.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection

from drachma.errors import ValidationError
from drachma.model.grading import (
    Grading,
    HandlingCode,
    IntelligenceAssessment,
    LegacyGrading,
    SourceEvaluation,
)
from drachma.model.report import Report, SourceKind
from drachma.model.roles import Role
from drachma.store.reports import ReportFilters, Visibility

DEFAULT_WINDOW = 2000
MAX_TERMS = 32
MARK_START = "\x02"
MARK_END = "\x03"

_WORD = re.compile(r"\w[\w'-]*\*?", re.UNICODE)
_PHRASE_OR_BARE = re.compile(r'"([^"]*)"|([^\s"]+)')


@dataclass(frozen=True, slots=True)
class SearchHit:
    report: Report
    score: float  # higher is better; comparable only within one result
    snippet: str  # text with MARK_START / MARK_END around matched terms; the caller escapes


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[SearchHit]
    window: int
    exhaustive: bool  # True when every match was ranked (no more matches than the window)
    ranked: int = 0  # how many matches were scored (at most ``window``)


# --- the query language -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Term:
    """A word, a prefix (``arrest*``) or a phrase (``"live stream"``); every term is required."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def phrase(self) -> bool:
        return len(self.words) > 1


def parse_query(query: str) -> list[Term]:
    """The terms of a user's query; raise :class:`ValidationError` (field ``query``) if none."""
    terms: list[Term] = []
    for phrase, bare in _PHRASE_OR_BARE.findall(query):
        if phrase:
            words = tuple(w.rstrip("*").strip("'-") for w in _WORD.findall(phrase))
            words = tuple(w for w in words if w)
            if words:
                terms.append(Term(words))
        else:
            for token in _WORD.findall(bare):
                prefix = token.endswith("*")
                word = token.rstrip("*").strip("'-")
                if word:
                    terms.append(Term((word,), prefix))
    if not terms:
        raise ValidationError(
            f"search query {query!r} has no words to search for", field="query"
        )
    if len(terms) > MAX_TERMS:
        raise ValidationError(
            f"search query has {len(terms)} terms; at most {MAX_TERMS} are allowed", field="query"
        )
    return terms


def query_terms(query: str) -> list[str]:
    """The terms as text: ``word``, ``word*`` or ``"two words"``."""
    out = []
    for term in parse_query(query):
        if term.phrase:
            out.append('"' + " ".join(term.words) + '"')
        else:
            out.append(term.words[0] + ("*" if term.prefix else ""))
    return out


def fts5_query(query: str) -> str:
    """A safe FTS5 MATCH expression: every term required (AND), quoted, ``*`` for prefixes."""
    parts = []
    for term in parse_query(query):
        quoted = '"' + " ".join(term.words).replace('"', "") + '"'
        parts.append(quoted + ("*" if term.prefix else ""))
    return " ".join(parts)


def pg_query(query: str) -> str:
    """A safe ``to_tsquery('english', ...)`` expression: AND of quoted lexemes, ``<->`` for
    phrases, ``:*`` for prefixes. Quoted text is still normalised (stemmed) by the configuration.
    """

    def quote(word: str) -> str:
        return "'" + word.replace("\\", "").replace("'", "''") + "'"

    parts = []
    for term in parse_query(query):
        if term.phrase:
            parts.append("(" + " <-> ".join(quote(w) for w in term.words) + ")")
        else:
            parts.append(quote(term.words[0]) + (":*" if term.prefix else ""))
    return " & ".join(parts)


# --- conditions: visibility and filters, as SQL over the alias ``r`` -----------------------------

@dataclass(frozen=True, slots=True)
class Conditions:
    """The reader's visibility and the filters as SQL over the alias ``r``, with parameters.

    ``filters`` and ``visibility`` are each empty or `` AND ...``. They are kept apart so that a
    statement can test the cheap filter columns first, then the text match, and only then probe
    ``report_access`` for C reports.
    """

    filters: str
    visibility: str
    params: dict[str, Any]

    @property
    def key(self) -> str:
        return self.filters + "|" + self.visibility


@functools.lru_cache(maxsize=256)
def conditions_sql(
    visibility: Visibility, filters: ReportFilters, dialect: str = "sqlite"
) -> Conditions:
    """The same rules as :meth:`Visibility.clause` and :meth:`ReportFilters.clauses`, written out
    so that the search statements stay fixed text (compiled once, cached).

    On PostgreSQL ``OFFSET 0`` keeps the planner from turning the EXISTS into a hashed subplan,
    which reads every ``report_access`` row of the role (tens of thousands) on every search; a
    primary-key probe for each C report walked is far cheaper.
    """
    params: dict[str, Any] = {}
    visibility_sql = ""
    if not visibility.sees_all_restricted:
        fence = " OFFSET 0" if dialect == "postgresql" else ""
        visibility_sql = (
            " AND (r.grading_handling = :vis_permitted OR EXISTS (SELECT 1 FROM report_access "
            f"AS a WHERE a.report_id = r.id AND a.role = :vis_role{fence}))"
        )
        params["vis_permitted"] = HandlingCode.PERMITTED.value
        params["vis_role"] = visibility.role.value
    sql: list[str] = []
    for column, name, value in (
        ("grading_source", "f_source", filters.source_evaluation),
        ("grading_intelligence", "f_intelligence", filters.intelligence),
        ("grading_handling", "f_handling", filters.handling),
        ("source_kind", "f_source_kind", filters.source_kind),
        ("force", "f_force", filters.force),
    ):
        if value:
            sql.append(f"r.{column} = :{name}")
            params[name] = value
    for name, day, op, moment in (
        ("f_from", filters.received_from, ">=", datetime.min.time()),
        ("f_to", filters.received_to, "<=", datetime.max.time()),
    ):
        if day:
            sql.append(f"r.received_at {op} :{name}")
            moment_at = datetime.combine(day, moment, tzinfo=UTC)
            # SQLite holds SQLAlchemy's DateTime text: "YYYY-MM-DD HH:MM:SS.ffffff", UTC.
            params[name] = (moment_at.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite"
                            else moment_at)
    return Conditions("".join(" AND " + s for s in sql), visibility_sql, params)


_SQL: dict[tuple[str, str], str] = {}


def _cached(key: tuple[str, str], build: Callable[[], str]) -> str:
    """Statement text per (dialect, conditions shape): built once, so the driver's statement
    cache (sqlite3) and server-side preparation (psycopg) see the same text."""
    found = _SQL.get(key)
    if found is None:
        found = _SQL[key] = build()
    return found


# --- running the statements -------------------------------------------------------------------
# Search is the hottest read path, so its statements run on the connection's DBAPI cursor, inside
# the caller's transaction, and rows become Reports here: SQLAlchemy's per-statement result
# machinery and type processing would otherwise cost as much as the SQL itself for a rare term.

_PG_PARAM = re.compile(r"(?<![:\w]):(\w+)")
_PG_SQL: dict[str, str] = {}


def _run(conn: Connection, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Execute one statement (``:name`` parameters) and fetch every row."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    if conn.dialect.name != "sqlite":
        converted = _PG_SQL.get(sql)
        if converted is None:
            converted = _PG_PARAM.sub(r"%(\1)s", sql)
            _PG_SQL[sql] = converted
        sql = converted
    cursor: Any = dbapi.cursor()
    try:
        if conn.dialect.name == "sqlite":
            cursor.execute(sql, params)
        else:
            # Never a server-side prepared statement: after a few executions PostgreSQL may switch
            # to a generic plan, blind to the query's terms, and scan every match of a common
            # term (measured: 15 ms -> 900 ms). Unprepared, each search is planned for its terms.
            cursor.execute(sql, params, prepare=False)
        return list(cursor.fetchall())
    finally:
        cursor.close()


# The report columns a hit needs, in the order _report() reads them.
_REPORT_COLUMNS = (
    "id", "title", "body", "received_at", "source_kind", "source_id", "grading_source",
    "grading_intelligence", "grading_handling", "handling_conditions", "legacy_source",
    "legacy_intelligence", "legacy_handling", "sanitised_text", "review_date", "force",
    "occurred_on", "created_by", "content_hash",
)
_COLUMNS = ", ".join(f"r.{name}" for name in _REPORT_COLUMNS)
_GRADINGS: dict[tuple[str, str, str, str | None], Grading] = {}


def _grading(source: str, intelligence: str, handling: str, conditions: str | None) -> Grading:
    key = (source, intelligence, handling, conditions)
    found = _GRADINGS.get(key)
    if found is None:
        found = Grading(SourceEvaluation(source), IntelligenceAssessment(intelligence),
                        HandlingCode(handling), conditions)
        if len(_GRADINGS) > 4096:
            _GRADINGS.clear()
        _GRADINGS[key] = found
    return found


_SOURCE_KINDS = {kind.value: kind for kind in SourceKind}
_ROLES = {role.value: role for role in Role}


def _datetime(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite: SQLAlchemy's "YYYY-MM-DD HH:MM:SS.ffffff", in UTC
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _report(v: tuple[Any, ...], roles: str | None) -> Report:
    """A row of ``_REPORT_COLUMNS`` as a Report - what :func:`store.reports.row_to_report` gives
    (a test checks they agree)."""
    return Report(
        id=v[0],
        title=v[1],
        body=v[2],
        received_at=_datetime(v[3]),
        source_kind=_SOURCE_KINDS[v[4]],
        source_id=v[5],
        grading=_grading(v[6], v[7], v[8], v[9]),
        legacy_grading=LegacyGrading(v[10], v[11], v[12]) if v[10] else None,
        visible_to=frozenset(_ROLES[r] for r in roles.split(",")) if roles else frozenset(),
        sanitised_text=v[13],
        review_date=_date(v[14]),
        force=v[15],
        occurred_on=_date(v[16]),
        created_by=v[17],
        content_hash=v[18],
    )


_SCORE = len(_REPORT_COLUMNS)  # then snippet, roles (and on PostgreSQL, matched)


# --- the search ---------------------------------------------------------------------------------

def search(
    conn: Connection,
    query: str,
    visibility: Visibility,
    filters: ReportFilters = ReportFilters(),
    *,
    limit: int = 20,
    window: int = DEFAULT_WINDOW,
) -> SearchResult:
    """The best ``limit`` of the newest ``window`` visible matches, best first, with snippets."""
    if limit < 1 or window < 1:
        raise ValidationError("limit and window must be positive", field="limit")
    limit = min(limit, window)
    sqlite = conn.dialect.name == "sqlite"
    conditions = conditions_sql(visibility, filters, conn.dialect.name)
    if sqlite:
        rows, ranked = _search_sqlite(conn, fts5_query(query), conditions, limit, window)
    else:
        rows, ranked = _search_pg(conn, pg_query(query), conditions, limit, window)
    hits = [
        SearchHit(_report(row, row[_SCORE + 2]), float(row[_SCORE]), row[_SCORE + 1] or "")
        for row in rows
    ]
    return SearchResult(hits=hits, window=window, exhaustive=ranked <= window,
                        ranked=min(ranked, window))


# --- SQLite / FTS5 ---------------------------------------------------------------------------
# FTS5 walks a term's doclist in rowid order, so "newest N matches" is ORDER BY rowid DESC LIMIT
# N with no sort. bm25() is only computed in the second step, over the rowid range of the window:
# a range constraint FTS5 applies while walking (unlike `rowid IN (...)`, which re-runs the MATCH
# once per id).

def sqlite_window_sql(conditions: Conditions) -> str:
    """Step 1: the ids of the newest ``:window`` visible matches (ask for one more, to know)."""
    return _cached(("sqlite", conditions.key), lambda: f"""
    SELECT f.rowid AS id
    FROM reports_fts AS f JOIN reports AS r ON r.id = f.rowid
    WHERE reports_fts MATCH :q{conditions.filters}{conditions.visibility}
    ORDER BY f.rowid DESC
    LIMIT :window
    """)


def sqlite_rank_sql() -> str:
    """Step 2: score the window and keep the best ``:limit``; for them only, fetch the report, its
    roles and a snippet. FTS5 walks just the window's rowid range (``rowid >= :floor``); the
    window's ids (step 1, which applied visibility and filters) are checked in a temporary index
    (``+`` keeps FTS5 from turning the IN list into one MATCH per id), and bm25() is computed
    only for them."""
    return f"""
    WITH best AS (
        SELECT f.rowid AS id, bm25(reports_fts, 4.0, 1.0) AS score
        FROM reports_fts AS f
        WHERE reports_fts MATCH :q AND f.rowid >= :floor
            AND +f.rowid IN (SELECT value FROM json_each(:ids))
        ORDER BY score, f.rowid DESC
        LIMIT :limit
    )
    SELECT {_COLUMNS}, -best.score AS score,
        snippet(reports_fts, -1, :mark_start, :mark_end, '…', 24) AS snippet,
        (SELECT group_concat(a.role) FROM report_access AS a WHERE a.report_id = r.id) AS roles
    FROM best
    CROSS JOIN reports_fts ON reports_fts.rowid = best.id
    CROSS JOIN reports AS r ON r.id = best.id
    WHERE reports_fts MATCH :q
    ORDER BY best.score, best.id DESC
    """


SQLITE_RANK_SQL = sqlite_rank_sql()


def _search_sqlite(
    conn: Connection, match: str, conditions: Conditions, limit: int, window: int
) -> tuple[list[tuple[Any, ...]], int]:
    ids = [row[0] for row in _run(conn, sqlite_window_sql(conditions),
                                  {"q": match, "window": window + 1, **conditions.params})]
    if not ids:
        return [], 0
    in_window = ids[:window]
    rows = _run(conn, SQLITE_RANK_SQL,
                {"q": match, "floor": in_window[-1], "ids": json.dumps(in_window),
                 "limit": limit, "mark_start": MARK_START, "mark_end": MARK_END})
    return rows, len(ids)


# --- PostgreSQL / tsvector ---------------------------------------------------------------------
# One statement. The walk (`@@` ... ORDER BY id DESC LIMIT) is planned with the actual query
# (custom plan): for a common term the primary key is read backwards and stops after the window,
# for a rare one the GIN index finds the few matches and they are sorted. MATERIALIZED keeps the
# walk from being merged into the ranking.

def pg_search_sql(conditions: Conditions) -> str:
    return _cached(("postgresql", conditions.key), lambda: f"""
    WITH recent AS MATERIALIZED (
        SELECT r.id, r.search_vector, row_number() OVER (ORDER BY r.id DESC) AS n
        FROM reports AS r
        WHERE TRUE{conditions.filters}
            AND r.search_vector @@ to_tsquery('english', :q){conditions.visibility}
        ORDER BY r.id DESC
        LIMIT :window
    ),
    best AS (
        SELECT w.id, ts_rank_cd(w.search_vector, to_tsquery('english', :q), 1) AS score
        FROM recent AS w
        WHERE w.n <= :window_only
        ORDER BY score DESC, w.id DESC
        LIMIT :limit
    )
    SELECT {_COLUMNS}, best.score,
        ts_headline('english', r.title || E'\\n' || r.body, to_tsquery('english', :q),
                    :headline) AS snippet,
        (SELECT string_agg(a.role, ',') FROM report_access AS a WHERE a.report_id = r.id)
            AS roles,
        (SELECT count(*) FROM recent) AS matched
    FROM best JOIN reports AS r ON r.id = best.id
    ORDER BY best.score DESC, best.id DESC
    """)


HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, "
    "FragmentDelimiter=\" … \""
)


def _search_pg(
    conn: Connection, query: str, conditions: Conditions, limit: int, window: int
) -> tuple[list[tuple[Any, ...]], int]:
    rows = _run(conn, pg_search_sql(conditions),
                {"q": query, "window": window + 1, "window_only": window, "limit": limit,
                 "headline": HEADLINE_OPTIONS, **conditions.params})
    if not rows:
        # No hit: either nothing matched, or the query was only stop words.
        return rows, 0
    return rows, int(rows[0][_SCORE + 3])

