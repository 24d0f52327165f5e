"""Ranked full-text search over reports: top-k BM25 over every match, in a tantivy index.

Design (see ``docs/search.md``): the reports table is the truth and
:mod:`drachma.store.search_index` keeps a tantivy index in step with it (an outbox written by
triggers in every writing transaction, applied before each search). A search asks the index for
the best ``limit`` documents among *every* match of the query that the reader may see and that
pass the filters - the reader's role and the filters are required, non-scoring clauses of the
same query, so the ranking is exhaustive whatever the filters - then reads those reports from the
database, checking visibility and the filters again there, and makes their snippets.

The query language (:func:`parse_query`) is the same as before: words, ``"phrases"`` and
``prefix*``, all required; :func:`fts5_query` and :func:`pg_query` translate it for the
databases' own full-text indexes, which remain (the benchmark's SQL baseline uses them).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import tantivy
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

MAX_RESULTS = 2000  # the deepest result a reader can page to (every match is ranked)
DEFAULT_WINDOW = MAX_RESULTS  # the old name, kept for callers
TITLE_WEIGHT = 4.0  # a word in the title counts four times one in the body (BM25 per field)
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
    window: int  # the deepest result reachable by paging (MAX_RESULTS)
    exhaustive: bool  # every match was ranked: always True since the search index (0017)
    ranked: int = 0  # how many matches were ranked: every visible match passing the filters


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


_SCORE = len(_REPORT_COLUMNS)  # then score, snippet, roles
assert _SCORE == 19  # _reports() reads the columns by position


# --- the search ---------------------------------------------------------------------------------

def index_query(query: str, visibility: Visibility, filters: ReportFilters,
                left_out: frozenset[int] = frozenset()) -> tantivy.Query | None:
    """The tantivy query: every term required (BM25 over title x4 and body), documents hidden from
    the reader's role excluded, and one non-scoring required clause holding the filters. None when
    a term has no indexable word in it (nothing can match)."""
    from drachma.store.search_index import ANALYZER, SCHEMA, facet, received_key

    def fields(make: Callable[[str], tantivy.Query]) -> tuple[tantivy.Occur, tantivy.Query]:
        return tantivy.Occur.Must, tantivy.Query.boolean_query([
            (tantivy.Occur.Should, tantivy.Query.boost_query(make("title"), TITLE_WEIGHT)),
            (tantivy.Occur.Should, make("body")),
        ])

    def prefix(pattern: str) -> Callable[[str], tantivy.Query]:
        return lambda name: tantivy.Query.regex_query(SCHEMA, name, pattern)

    def word(value: str) -> Callable[[str], tantivy.Query]:
        return lambda name: tantivy.Query.term_query(SCHEMA, name, value)

    def phrase(values: list[str | tuple[int, str]]) -> Callable[[str], tantivy.Query]:
        return lambda name: tantivy.Query.phrase_query(SCHEMA, name, values)

    clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for term in parse_query(query):
        tokens = [token for word_ in term.words for token in ANALYZER.analyze(word_)]
        if not tokens:
            return None
        whole = tokens
        if term.prefix:
            *whole, start = tokens
            clauses.append(fields(prefix(re.escape(start) + ".*")))
        if len(whole) == 1:
            clauses.append(fields(word(whole[0])))
        elif whole:
            clauses.append(fields(phrase(list(whole))))
    if not visibility.sees_all_restricted:  # never what the reader's role may not see
        clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_query(
            SCHEMA, "hidden", visibility.role.value)))
    if left_out:  # changed since the index last saw them: no stale copy is shown or counted
        clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_set_query(
            SCHEMA, "id", sorted(left_out))))
    required: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for name, value in (
        ("source", filters.source_evaluation), ("intelligence", filters.intelligence),
        ("handling", filters.handling), ("kind", filters.source_kind), ("force", filters.force),
    ):
        if value:
            required.append((tantivy.Occur.Must, tantivy.Query.term_query(
                SCHEMA, "facets", facet(name, value))))
    if filters.received_from or filters.received_to:  # UK days (see drachma.model.dates)
        lower = received_key(uk_day_start(filters.received_from)) if filters.received_from \
            else None
        upper = received_key(uk_day_end(filters.received_to)) if filters.received_to else None
        required.append((tantivy.Occur.Must, tantivy.Query.range_query(
            SCHEMA, "received", tantivy.FieldType.Integer, lower, upper,
            include_lower=True, include_upper=upper is None)))
    if required:
        clauses.append((tantivy.Occur.Must, tantivy.Query.const_score_query(
            tantivy.Query.boolean_query(required), 0.0)))
    return tantivy.Query.boolean_query(clauses)


def search(
    conn: Connection,
    query: str,
    visibility: Visibility,
    filters: ReportFilters = ReportFilters(),
    *,
    limit: int = 20,
) -> SearchResult:
    """The best ``limit`` of every visible match that passes the filters, best first (BM25),
    with snippets and the number of such matches."""
    from drachma.store.search_index import index_for

    if limit < 1:
        raise ValidationError("limit must be positive", field="limit")
    limit = min(limit, MAX_RESULTS)
    if index_query(query, visibility, filters) is None:  # a bad query is refused before any work
        return SearchResult(hits=[], window=MAX_RESULTS, exhaustive=True, ranked=0)
    index = index_for(conn.engine)
    for attempt in (1, 2):
        left_out = index.ensure_current(conn)
        parsed = index_query(query, visibility, filters, left_out)
        assert parsed is not None
        try:
            searcher = index.searcher()
            found = searcher.search(parsed, limit, count=True)
            ids = [int(i) for i in searcher.fast_field_values(  # type: ignore[arg-type]
                "id", [address for _, address in found.hits])]
            break
        except ValueError:  # files of the index damaged: rebuilt (small) or a clear error
            if attempt == 2:
                raise
            index.invalidate()
    scores = [float(score) for score, _ in found.hits]  # type: ignore[arg-type]
    rows = fetch_rows(conn, ids, visibility, filters)
    marks = snippet_terms(query)
    ordered: list[tuple[Any, ...]] = []
    for report_id, score in zip(ids, scores, strict=True):
        row = rows.get(report_id)
        if row is None:  # changed in this very transaction, not yet in the index: re-checked
            continue
        ordered.append((*row[:_SCORE], score, snippet(row[1], row[2], marks), row[_SCORE]))
    return SearchResult(hits=_reports(ordered), window=MAX_RESULTS, exhaustive=True,
                        ranked=int(getattr(found, "count", 0) or 0))


def fetch_rows(conn: Connection, ids: list[int], visibility: Visibility,
               filters: ReportFilters) -> dict[int, tuple[Any, ...]]:
    """The hits' rows, read from the database and checked again against the reader's visibility
    and the filters (defence in depth: the index decided, the database confirms)."""
    if not ids:
        return {}
    dialect = conn.dialect.name
    conditions = conditions_sql(visibility, filters, dialect)
    if dialect == "sqlite":
        chosen = "r.id IN (SELECT value FROM json_each(:ids))"
        params: dict[str, Any] = {"ids": json.dumps(ids), **conditions.params}
        roles = "group_concat(a.role)"
    else:
        chosen = "r.id = ANY(:ids)"
        params = {"ids": ids, **conditions.params}
        roles = "string_agg(a.role, ',')"
    sql = _cached((dialect, "fetch|" + conditions.key), lambda: (
        f"SELECT {_COLUMNS}, (SELECT {roles} FROM report_access AS a WHERE a.report_id = r.id) "
        f"FROM reports AS r WHERE {chosen}{conditions.filters}{conditions.visibility}"))
    return {row[0]: row for row in _run(conn, sql, params)}


# --- snippets -----------------------------------------------------------------------------------

SNIPPET_TOKENS = 24


@dataclass(frozen=True, slots=True)
class SnippetTerms:
    words: frozenset[str]  # analysed (stemmed) forms
    prefixes: tuple[str, ...]


@functools.lru_cache(maxsize=1024)
def snippet_terms(query: str) -> SnippetTerms:
    from drachma.store.search_index import ANALYZER

    words: set[str] = set()
    prefixes: list[str] = []
    for term in parse_query(query):
        tokens = [token for word in term.words for token in ANALYZER.analyze(word)]
        if term.prefix and tokens:
            prefixes.append(tokens.pop())
        words.update(tokens)
    return SnippetTerms(frozenset(words), tuple(prefixes))


def snippet(title: str, body: str, terms: SnippetTerms) -> str:
    """About ``SNIPPET_TOKENS`` words of title and body around the most matched words, each
    matched word between MARK_START and MARK_END; ``…`` where text was cut."""
    from drachma.store.search_index import ANALYZER

    text_ = f"{title}\n{body}"
    tokens = ANALYZER.pre_tokenize(text_).tokens
    if not tokens:
        return text_[:200]
    hit = [token.text in terms.words or token.text.startswith(terms.prefixes) if terms.prefixes
           else token.text in terms.words for token in tokens]
    best_start, best_count = 0, -1
    for i, matched in enumerate(hit):
        if matched:
            start = max(0, i - 3)
            count = sum(hit[start:start + SNIPPET_TOKENS])
            if count > best_count:
                best_start, best_count = start, count
    end = min(len(tokens), best_start + SNIPPET_TOKENS)
    out: list[str] = ["…"] if best_start else []
    cursor = tokens[best_start].char_offset_from
    for token, matched in zip(tokens[best_start:end], hit[best_start:end], strict=True):
        if matched:
            out.append(text_[cursor:token.char_offset_from])
            out.append(MARK_START + text_[token.char_offset_from:token.char_offset_to] + MARK_END)
            cursor = token.char_offset_to
    out.append(text_[cursor:tokens[end - 1].char_offset_to])
    if end < len(tokens):
        out.append("…")
    return "".join(out).replace("\n", " ").strip()
