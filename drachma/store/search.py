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
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection

from drachma.errors import ValidationError
from drachma.model.dates import uk_day_end, uk_day_start
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


# Parsing is cached per query text: the same searches recur (paging, refreshing), and the result
# is an immutable string. Errors are not cached; they are raised again.
_fts5_query = functools.lru_cache(maxsize=1024)(fts5_query)
_pg_query = functools.lru_cache(maxsize=1024)(pg_query)


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
    for name, day, op, bound in (  # UK days (see drachma.model.dates)
        ("f_from", filters.received_from, ">=", uk_day_start),
        ("f_to", filters.received_to, "<", uk_day_end),
    ):
        if day:
            sql.append(f"r.received_at {op} :{name}")
            moment_at = bound(day)
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
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite:
        converted = _PG_SQL.get(sql)
        if converted is None:
            converted = _PG_PARAM.sub(r"%(\1)s", sql)
            _PG_SQL[sql] = converted
        sql = converted
    cursor: Any = dbapi.cursor()
    try:
        if sqlite:
            cursor.execute(sql, params)
        else:
            # Never a server-side prepared statement: after a few executions PostgreSQL may switch
            # to a generic plan, blind to the query's terms, and scan every match of a common
            # term (measured: 15 ms -> 900 ms). Unprepared, each search is planned for its terms.
            cursor.execute(sql, params, prepare=False)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows
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


_VISIBLE_TO: dict[str | None, frozenset[Role]] = {None: frozenset(), "": frozenset()}


def _visible_to(roles: str | None) -> frozenset[Role]:
    """``group_concat`` / ``string_agg`` of roles as a frozenset (few distinct values: cached)."""
    found = _VISIBLE_TO.get(roles)
    if found is None:
        assert roles is not None
        found = frozenset(_ROLES[r] for r in roles.split(","))
        if len(_VISIBLE_TO) > 1024:
            _VISIBLE_TO.clear()
        _VISIBLE_TO[roles] = found
    return found


def _datetime(value: Any) -> datetime:
    if isinstance(value, str):  # SQLite: SQLAlchemy's "YYYY-MM-DD HH:MM:SS.ffffff", in UTC
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    if value is None or value.__class__ is date:
        return value
    if value.__class__ is str:  # SQLite: "YYYY-MM-DD"
        return date.fromisoformat(value[:10])
    assert isinstance(value, date)
    return value


_LEGACY: dict[tuple[str, str, str], LegacyGrading] = {}


def _legacy(source: str, intelligence: str, handling: str) -> LegacyGrading:
    key = (source, intelligence, handling)
    found = _LEGACY.get(key)
    if found is None:
        found = LegacyGrading(source, intelligence, handling)
        if len(_LEGACY) > 4096:
            _LEGACY.clear()
        _LEGACY[key] = found
    return found


def _reports(rows: list[tuple[Any, ...]]) -> list[SearchHit]:
    """Rows of ``_REPORT_COLUMNS`` + score, snippet, roles as hits; each Report is what
    :func:`store.reports.row_to_report` gives (a test checks they agree). Search is the hottest
    read path, hence the plain loop and the cached lookups."""
    hits = []
    kinds, grading, legacy, visible_to, to_datetime, to_date = (
        _SOURCE_KINDS, _grading, _legacy, _visible_to, _datetime, _date)
    fromisoformat, day_from_iso = datetime.fromisoformat, date.fromisoformat
    for v in rows:
        # The common cases inline (SQLite's text, or no date at all); the rest in the helpers.
        received, review, occurred = v[3], v[14], v[16]
        report = Report(
            id=v[0],
            title=v[1],
            body=v[2],
            received_at=(fromisoformat(received + "+00:00")
                         if received.__class__ is str and len(received) == 26
                         else to_datetime(received)),
            source_kind=kinds[v[4]],
            source_id=v[5],
            grading=grading(v[6], v[7], v[8], v[9]),
            legacy_grading=legacy(v[10], v[11], v[12]) if v[10] else None,
            visible_to=visible_to(v[21]),
            sanitised_text=v[13],
            review_date=(None if review is None else day_from_iso(review)
                         if review.__class__ is str and len(review) == 10 else to_date(review)),
            force=v[15],
            occurred_on=(None if occurred is None else day_from_iso(occurred)
                         if occurred.__class__ is str and len(occurred) == 10
                         else to_date(occurred)),
            created_by=v[17],
            content_hash=v[18],
        )
        hits.append(SearchHit(report, float(v[19]), v[20] or ""))
    return hits


_SCORE = len(_REPORT_COLUMNS)  # then snippet, roles, matched (the number walked)
assert _SCORE == 19  # _reports() reads the columns by position


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
    dialect = conn.dialect.name
    conditions = conditions_sql(visibility, filters, dialect)
    params = {"window": window + 1, "window_only": window, "limit": limit, **conditions.params}
    if dialect == "sqlite":
        params["q"] = _fts5_query(query)
        params["mark_start"], params["mark_end"] = MARK_START, MARK_END
        rows = _run(conn, sqlite_search_sql(conditions), params)
    else:
        params["q"] = _pg_query(query)
        params["headline"] = HEADLINE_OPTIONS
        rows = _run(conn, pg_search_sql(conditions), params)
    # No row: nothing matched (or, on PostgreSQL, the query was only stop words).
    ranked = int(rows[0][_SCORE + 3]) if rows else 0
    return SearchResult(hits=_reports(rows), window=window, exhaustive=ranked <= window,
                        ranked=min(ranked, window))


# --- SQLite / FTS5 ---------------------------------------------------------------------------
# FTS5 walks a term's doclist in rowid order, so "newest N matches" is ORDER BY rowid DESC LIMIT
# N with no sort. bm25() is only computed in the second step, over the rowid range of the window:
# a range constraint FTS5 applies while walking (unlike `rowid IN (...)`, which re-runs the MATCH
# once per id).

def sqlite_search_sql(conditions: Conditions) -> str:
    """One statement. ``walk``: the ids of the newest ``:window`` visible matches (one more than
    the window is asked for, to know whether the ranking is exhaustive), each checked against
    visibility and the filters in the small covering index ``ix_reports_search_filters``
    (migration 0006) rather than in the wide table rows; ``win``: the window
    itself. ``best``: score the window and keep the best ``:limit`` - FTS5 walks just the
    window's rowid range (``rowid >= (SELECT min(id) FROM win)``, a constraint it applies while
    walking) and the window's ids (which passed visibility and filters) are checked in a
    temporary index (``+`` keeps FTS5 from turning the IN list into one MATCH per id), so bm25()
    is computed only for them. Then, for the hits only, the report, its roles, a snippet, and the
    number walked."""
    return _cached(("sqlite", conditions.key), lambda: f"""
    WITH walk AS MATERIALIZED (
        SELECT f.rowid AS id
        FROM reports_fts AS f
        JOIN reports AS r INDEXED BY ix_reports_search_filters ON r.id = f.rowid
        WHERE reports_fts MATCH :q{conditions.filters}{conditions.visibility}
        ORDER BY f.rowid DESC
        LIMIT :window
    ),
    win AS MATERIALIZED (
        SELECT id FROM walk ORDER BY id DESC LIMIT :window_only
    ),
    best AS MATERIALIZED (
        SELECT f.rowid AS id, bm25(reports_fts, 4.0, 1.0) AS score
        FROM reports_fts AS f
        WHERE reports_fts MATCH :q AND f.rowid >= (SELECT min(id) FROM win)
            AND +f.rowid IN (SELECT id FROM win)
        ORDER BY score, f.rowid DESC
        LIMIT :limit
    )
    SELECT {_COLUMNS}, -best.score AS score,
        snippet(reports_fts, -1, :mark_start, :mark_end, '…', 24) AS snippet,
        (SELECT group_concat(a.role) FROM report_access AS a WHERE a.report_id = r.id) AS roles,
        (SELECT count(*) FROM walk) AS matched
    FROM best
    CROSS JOIN reports_fts ON reports_fts.rowid = best.id
    CROSS JOIN reports AS r ON r.id = best.id
    WHERE reports_fts MATCH :q
    ORDER BY best.score, best.id DESC
    """)


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
