"""The search index: a tantivy index in a folder, kept in step with the reports table.

The database is the truth; the index is a copy that can always be rebuilt from it. Every write to
``reports`` or ``report_access`` queues the report's id in ``search_outbox`` (triggers of migration
0017, in the writing transaction). Before each search, and in ``drachma search-index sync``, the
queued ids are applied: each report is read again from the database and its document replaced (or
removed, when the report is gone), the index is committed, and only then are exactly those outbox
rows deleted. A crash between the two leaves the rows queued, and applying them again gives the
same documents. One process applies at a time (a lock file beside the index); others wait a few
seconds for it, then search what is committed.

``search_index_state`` and the index folder's ``drachma-index.json`` carry the generation of the
last full rebuild; when they differ (a new, emptied or restored database, or a folder built for
another), or the folder is missing, unreadable or of an older layout, the index is rebuilt - at
once for a small database, otherwise :class:`SearchIndexUnavailable` asks for
``drachma search-index rebuild``.

Each document carries what the access rules and the filters need: ``hidden``, the roles that may
not see it (none for a P report; for a C report every role its conditions do not name), and the
filter values (grading, source kind, force) as ``facets`` terms, with ``received`` as a fast
integer. A search always excludes the documents hidden from the reader's role (a MUST NOT clause:
the short list of C reports, cheap to skip) and requires the filters as non-scoring clauses, so
top-k BM25 is computed over exactly the matches the reader may see and that pass the filters
(``docs/search.md``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy
from sqlalchemy import Connection, Engine, bindparam, delete, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from drachma.errors import DrachmaError
from drachma.model.grading import HandlingCode
from drachma.model.roles import Role
from drachma.store.tables import report_access, reports, search_index_state, search_outbox

FORMAT = 2  # the layout of the documents; a change means a rebuild
TOKENIZER = "drachma_en"
META = "drachma-index.json"
STATE_NAME = "reports"
APPLY_BATCH = 2000  # outbox rows applied per index commit
AUTO_REBUILD_MAX = 50_000  # reports; a larger database is rebuilt by the command, not a search
LOCK_WAIT_SECONDS = 5.0
MAX_LEFT_OUT = 10_000  # changed reports a search can leave out while the index catches up
WRITER_HEAP = 64_000_000
ROLES = tuple(role.value for role in Role)
# Read before every search (built once: building it cost more than running it; bench/load.py):
# the index's generation and whether any change waits in the outbox.
_STATE_AND_PENDING = select(
    select(search_index_state.c.generation)
    .where(search_index_state.c.name == STATE_NAME).scalar_subquery(),
    select(search_outbox.c.id).order_by(search_outbox.c.id).limit(1).scalar_subquery(),
)


class SearchIndexUnavailable(DrachmaError):
    """The search index is missing, damaged or built for another database, and too large a job
    to rebuild inside a search."""

    kind = "search_index_unavailable"
    http_status = 503


def analyzer() -> tantivy.TextAnalyzer:
    """Words as both database engines had them: alphanumeric runs, lowercased, accents folded,
    English (Porter/Snowball) stems; no stop words."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_text_field("title", tokenizer_name=TOKENIZER, index_option="position")
    builder.add_text_field("body", tokenizer_name=TOKENIZER, index_option="position")
    builder.add_text_field("hidden", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("facets", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("received", indexed=True, fast=True)
    return builder.build()


SCHEMA = build_schema()
ANALYZER = analyzer()


def received_key(moment: datetime) -> int:
    """``received_at`` as microseconds since the epoch (UTC), the ``received`` field."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def facet(name: str, value: str) -> str:
    return f"{name}:{value}"


# --- where the index lives ------------------------------------------------------------------------

_MEMORY_DIRS: dict[int, Path] = {}


def index_path(engine: Engine) -> Path:
    """``DRACHMA_SEARCH_INDEX`` if set; else beside a SQLite file (``<file>.search``); else
    ``<DRACHMA_HOME>/search/<digest of the database URL>`` (PostgreSQL)."""
    explicit = os.environ.get("DRACHMA_SEARCH_INDEX")
    if explicit:
        return Path(explicit)
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database
        if database and database != ":memory:" and not database.startswith("file:"):
            return Path(database).resolve().with_name(Path(database).name + ".search")
        return _MEMORY_DIRS.setdefault(id(engine), Path(tempfile.mkdtemp(prefix="drachma-search-")))
    named = make_url(url.render_as_string(hide_password=True)).render_as_string(hide_password=True)
    digest = hashlib.sha256(named.encode()).hexdigest()[:20]
    return Path(os.environ.get("DRACHMA_HOME", "instance")) / "search" / digest


# --- documents ------------------------------------------------------------------------------------

_DOC_COLUMNS = (reports.c.id, reports.c.title, reports.c.body, reports.c.received_at,
                reports.c.source_kind, reports.c.grading_source, reports.c.grading_intelligence,
                reports.c.grading_handling, reports.c.force)


def document(row: Any, roles: frozenset[str]) -> tantivy.Document:
    report_id, title, body, received_at, kind, source, intelligence, handling, force = row
    if isinstance(received_at, str):
        received_at = datetime.fromisoformat(received_at)
    # The roles that may NOT see it: none for a P report, for a C report every role its
    # conditions do not name (roles that see all restricted material search without the clause).
    hidden = [] if handling == HandlingCode.PERMITTED.value else [
        role for role in ROLES if role not in roles]
    facets = [facet("kind", kind), facet("source", source), facet("intelligence", intelligence),
              facet("handling", handling)]
    if force:
        facets.append(facet("force", force))
    doc = tantivy.Document(id=int(report_id), title=title or "", body=body or "",
                           received=received_key(received_at))
    for value in hidden:
        doc.add_text("hidden", value)
    for value in facets:
        doc.add_text("facets", value)
    return doc


def _roles_of(conn: Connection, ids: list[int]) -> dict[int, set[str]]:
    roles: dict[int, set[str]] = {}
    statement = select(report_access.c.report_id, report_access.c.role).where(
        report_access.c.report_id.in_(bindparam("ids", expanding=True)))
    for report_id, role in conn.execute(statement, {"ids": ids}):
        roles.setdefault(report_id, set()).add(role)
    return roles


# --- the index ------------------------------------------------------------------------------------

@dataclass
class Progress:
    """What a rebuild reports as it goes."""

    done: int
    total: int


class SearchIndex:
    """One index folder, shared by the threads of a process (see :func:`index_for`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self._mutex = threading.RLock()
        self._index: tantivy.Index | None = None
        self.generation: str | None = None

    # reading the folder

    def _read_meta(self, folder: Path) -> dict[str, Any] | None:
        try:
            meta = json.loads((folder / META).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict):
            return None
        if meta.get("format") != FORMAT or meta.get("roles") != list(ROLES):
            return None
        return meta

    def open(self) -> bool:
        """Open the folder if it holds a usable index of this layout; False if not."""
        with self._mutex:
            meta = self._read_meta(self.path)
            if meta is None:
                self._index, self.generation = None, None
                return False
            try:
                index = tantivy.Index.open(str(self.path))
                index.register_tokenizer(TOKENIZER, ANALYZER)
                index.searcher()
            except (ValueError, OSError):  # damaged files: treated as missing
                self._index, self.generation = None, None
                return False
            self._index, self.generation = index, str(meta.get("generation"))
            return True

    @property
    def index(self) -> tantivy.Index:
        if self._index is None and not self.open():
            raise SearchIndexUnavailable(
                f"the search index at {self.path} is missing or damaged; run "
                "'drachma search-index rebuild'", field="search_index")
        assert self._index is not None
        return self._index

    def searcher(self) -> tantivy.Searcher:
        index = self.index
        index.reload()  # see commits made by this or another process
        return index.searcher()

    # one writer at a time, across processes

    @contextlib.contextmanager
    def locked(self, wait: float = LOCK_WAIT_SECONDS) -> Iterator[bool]:
        """Hold the folder's lock file; yields False if another process kept it for ``wait``
        seconds (the caller then reads what is committed)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._mutex:
            handle = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                deadline = time.monotonic() + wait
                while True:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() >= deadline:
                            yield False
                            return
                        time.sleep(0.02)
                try:
                    yield True
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
            finally:
                os.close(handle)

    # keeping in step

    def apply_outbox(self, engine: Engine, *, max_batches: int | None = None) -> int:
        """Apply queued changes (committed ones) to the index; returns how many outbox rows were
        applied. Must hold :meth:`locked`."""
        applied = 0
        batches = 0
        index = self.index
        while max_batches is None or batches < max_batches:
            with engine.connect() as conn:
                queued = conn.execute(
                    select(search_outbox.c.id, search_outbox.c.report_id)
                    .order_by(search_outbox.c.id).limit(APPLY_BATCH)).all()
                if not queued:
                    break
                ids = sorted({report_id for _, report_id in queued})
                # Read after the outbox rows: the state indexed is at least as new as each row.
                rows = conn.execute(select(*_DOC_COLUMNS).where(
                    reports.c.id.in_(bindparam("ids", expanding=True))), {"ids": ids}).all()
                roles = _roles_of(conn, ids)
                conn.rollback()
            writer = index.writer(WRITER_HEAP, 1)
            try:
                for report_id in ids:
                    writer.delete_documents_by_term("id", report_id)
                for row in rows:
                    writer.add_document(document(row, frozenset(roles.get(row[0], ()))))
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                with contextlib.suppress(Exception):
                    writer.rollback()
                raise
            finally:
                del writer
            forget(engine, [outbox_id for outbox_id, _ in queued])  # only now: see forget()
            applied += len(queued)
            batches += 1
        if applied:
            index.reload()
        return applied

    def rebuild(self, engine: Engine, on_progress: Callable[[Progress], None] | None = None,
                generation_conn: Connection | None = None) -> int:
        """Build the whole index again from the database, into a new folder, then swap it in.
        Must hold :meth:`locked`. Returns the number of reports indexed."""
        # Every outbox row up to ``last`` belongs to a finished transaction (PostgreSQL: the
        # EXCLUSIVE lock waits for writers in flight); the reports read afterwards include them.
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # A caller's own open transaction that has written would wait for itself.
                    conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                    conn.execute(text("LOCK TABLE search_outbox IN EXCLUSIVE MODE"))
                last = conn.execute(select(func.max(search_outbox.c.id))).scalar()
        except OperationalError:
            raise SearchIndexUnavailable(
                "the search index cannot be rebuilt while a transaction writing reports stays "
                "open; try again when it has ended", field="search_index") from None
        with engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(reports)).scalar_one())
            conn.rollback()
        building = self.path.with_name(f"{self.path.name}.building-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        building.mkdir(parents=True, mode=0o700)
        index = tantivy.Index(SCHEMA, path=str(building))
        index.register_tokenizer(TOKENIZER, ANALYZER)
        big = total > 100_000
        writer = index.writer(256_000_000 if big else WRITER_HEAP,
                              min(2, os.cpu_count() or 1) if big else 1)
        done = 0
        try:
            with engine.connect() as conn:
                access_rows = conn.execute(select(report_access.c.report_id,
                                                  report_access.c.role)).all()
                roles: dict[int, set[str]] = {}
                for report_id, role in access_rows:
                    roles.setdefault(report_id, set()).add(role)
                result = conn.execution_options(stream_results=True, yield_per=5000).execute(
                    select(*_DOC_COLUMNS))
                for partition in result.partitions():
                    for row in partition:
                        writer.add_document(document(row, frozenset(roles.get(row[0], ()))))
                    done += len(partition)
                    if on_progress:
                        on_progress(Progress(done, max(total, done)))
                conn.rollback()
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            del writer
            shutil.rmtree(building, ignore_errors=True)
            raise
        del writer
        generation = uuid.uuid4().hex
        (building / META).write_text(json.dumps(
            {"format": FORMAT, "roles": list(ROLES), "generation": generation,
             "built_at": datetime.now(UTC).isoformat(), "reports": done}))
        with self._mutex:
            old = self.path.with_name(f"{self.path.name}.old-{os.getpid()}")
            if self.path.exists():
                self.path.rename(old)
            building.rename(self.path)
            shutil.rmtree(old, ignore_errors=True)
            self._record_generation(engine, generation, last, generation_conn)
            self.open()
        if generation_conn is None:
            vacuum_outbox(engine)
        return done

    def _record_generation(self, engine: Engine, generation: str, last: int | None,
                           conn: Connection | None) -> None:
        def record(conn: Connection) -> None:
            conn.execute(delete(search_index_state).where(
                search_index_state.c.name == STATE_NAME))
            conn.execute(search_index_state.insert().values(name=STATE_NAME,
                                                            generation=generation))
            if last is not None:
                conn.execute(delete(search_outbox).where(search_outbox.c.id <= last))

        if conn is not None:
            record(conn)
            return
        with engine.begin() as own:
            record(own)

    # before each search

    def ensure_current(self, conn: Connection) -> frozenset[int]:
        """Bring the index up to what the caller's transaction sees as committed: rebuild it if
        it is missing or of another generation, else apply queued changes. Returns the reports
        the caller sees changed that the index still does not have (the caller's own uncommitted
        writes, or changes committed meanwhile); the search leaves them out rather than show or
        count a stale copy."""
        state = conn.execute(_STATE_AND_PENDING).one()
        generation, pending = state
        engine = conn.engine
        # A SQLite connection that has written holds the database's write lock: another
        # connection could not delete outbox rows until it ends, so none is attempted.
        sqlite_writing = (conn.dialect.name == "sqlite"
                          and bool(getattr(conn.connection.dbapi_connection,
                                           "in_transaction", False)))
        rebuilt = False
        if (generation is None or generation != self.generation) and not (
                self.open() and generation is not None and generation == self.generation):
            self._rebuild_inside_search(conn, engine, sqlite_writing)
            rebuilt = True
        if pending is not None and not sqlite_writing and not rebuilt:
            with self.locked() as held:
                if held:
                    self.apply_outbox(engine)
        if pending is None:
            return frozenset()
        left = conn.execute(select(search_outbox.c.report_id).distinct()
                            .limit(MAX_LEFT_OUT + 1)).scalars().all()
        if len(left) > MAX_LEFT_OUT:
            raise SearchIndexUnavailable(
                f"more than {MAX_LEFT_OUT:,} reports changed since the search index was last "
                "brought up to date and it cannot catch up now (another process holds it, or "
                "this transaction made them); try again shortly", field="search_index")
        return frozenset(left)

    def invalidate(self) -> None:
        """Forget the open index (a search found its files damaged): the next search rebuilds."""
        with self._mutex:
            self._index, self.generation = None, None
            with contextlib.suppress(OSError):
                (self.path / META).unlink()

    def _rebuild_inside_search(self, conn: Connection, engine: Engine,
                               sqlite_writing: bool) -> None:
        count = int(conn.execute(select(func.count()).select_from(reports)).scalar_one())
        if count > AUTO_REBUILD_MAX:
            raise SearchIndexUnavailable(
                f"the search index at {self.path} is missing, damaged or built for another "
                f"database, and {count:,} reports are too many to index during a search; run "
                "'drachma search-index rebuild'", field="search_index")
        with self.locked() as held:
            if not held:
                raise SearchIndexUnavailable(
                    "the search index is being rebuilt by another process; try again shortly",
                    field="search_index")
            self.rebuild(engine, generation_conn=conn if sqlite_writing else None)


def vacuum_outbox(engine: Engine) -> None:
    """PostgreSQL: reclaim the outbox's deleted rows now. After a rebuild has emptied millions of
    them, the per-search "anything queued?" probe would otherwise walk their dead index entries
    (9 ms a search at a million, measured) until autovacuum came round."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM search_outbox"))


def forget(engine: Engine, outbox_ids: list[int]) -> None:
    """Delete applied outbox rows - after the index commit, so that a crash in between leaves
    them queued and they are applied again (to the same effect)."""
    with engine.begin() as conn:
        conn.execute(delete(search_outbox).where(
            search_outbox.c.id.in_(bindparam("done", expanding=True))), {"done": outbox_ids})


_INDEXES: dict[Path, SearchIndex] = {}
_INDEXES_LOCK = threading.Lock()


_PATHS: dict[tuple[str, str | None, str | None], Path] = {}


_PINNED: dict[str, Path] = {}


def pin_index_path(engine: Engine, path: Path) -> None:
    """Use ``path`` for this database's index in this process, whatever the settings say (the
    benchmarks keep theirs in ``bench/.cache/``)."""
    _PINNED[str(engine.url)] = path


def index_for(engine: Engine) -> SearchIndex:
    """The process's :class:`SearchIndex` for this database."""
    key = (str(engine.url), os.environ.get("DRACHMA_SEARCH_INDEX"),
           os.environ.get("DRACHMA_HOME"))
    path = _PINNED.get(key[0]) or _PATHS.get(key)
    if path is None:
        path = _PATHS[key] = index_path(engine)
        if len(_PATHS) > 256:
            _PATHS.clear()
    with _INDEXES_LOCK:
        found = _INDEXES.get(path)
        if found is None:
            found = _INDEXES[path] = SearchIndex(path)
        return found


def rebuild(engine: Engine, on_progress: Callable[[Progress], None] | None = None) -> int:
    """Rebuild the index of this database from its reports (waits for any sync in progress)."""
    index = index_for(engine)
    with index.locked(wait=600.0) as held:
        if not held:
            raise SearchIndexUnavailable("another process kept the search index locked for "
                                         "10 minutes", field="search_index")
        return index.rebuild(engine, on_progress)


def sync(engine: Engine) -> int:
    """Apply every queued change now (``drachma search-index sync``, a background step)."""
    index = index_for(engine)
    with engine.connect() as conn:
        queued = int(conn.execute(select(func.count()).select_from(search_outbox)).scalar_one())
        index.ensure_current(conn)  # rebuilds a missing index, applies what is queued
        conn.rollback()
    with index.locked(wait=60.0) as held:
        applied = queued + (index.apply_outbox(engine) if held else 0)
    if applied:
        vacuum_outbox(engine)
    return applied


@dataclass(frozen=True, slots=True)
class IndexStatus:
    path: Path
    documents: int | None  # None: no usable index
    queued: int
    generation_matches: bool


def status(engine: Engine) -> IndexStatus:
    index = index_for(engine)
    with engine.connect() as conn:
        generation = conn.execute(select(search_index_state.c.generation).where(
            search_index_state.c.name == STATE_NAME)).scalar()
        queued = int(conn.execute(select(func.count()).select_from(search_outbox)).scalar_one())
        conn.rollback()
    documents = None
    if index.open():
        documents = int(index.searcher().num_docs)
    return IndexStatus(index.path, documents, queued,
                       generation is not None and generation == index.generation)
