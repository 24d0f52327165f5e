"""The database handle: one engine, SQLite (WAL) by default or PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection as Connection  # the type repositories take, for callers' hints
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError

# A value the database cannot hold (an integer of 2^63 or more, a NUL in text): the web layer
# answers it with 400 (security).
from sqlalchemy.exc import DataError as DataError
from sqlalchemy.exc import DBAPIError as _DBAPIError

from drachma.errors import ConstraintError, DatabaseUnavailableError


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for PostgreSQL, an in-memory database or a bad URL."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def constraint_error(exc: IntegrityError) -> ConstraintError:
    """The store's own error for a write the database refused."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return ConstraintError(f"the database refused the change: {reason}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: PostgreSQL connections a process keeps open, and how many more it may open at a peak (each
#: ``drachma serve`` process; the server's ``max_connections`` must allow for every process).
POOL_SIZE = 16
POOL_OVERFLOW = 8


def _postgresql_session(dbapi_connection: Any, _record: Any) -> None:
    """No JIT compilation: PostgreSQL compiles a query whose estimated cost passes
    ``jit_above_cost``, which for a page of reports deep in a list cost 250 ms of compiling to
    save nothing (bench/load.py). Drachma's queries are short; none gains from it."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET jit = off")
    cursor.close()
    dbapi_connection.commit()


def _create_owner_only(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite opens it; SQLite
    gives its write-ahead log and shared-memory files the same mode as the database file."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)


_MEMO = "drachma.reading_memo"


def reading_memo(conn: Connection) -> dict[Any, Any] | None:
    """Inside :meth:`Store.reading`, a dict the store's read functions may keep answers in for
    the rest of that transaction (one snapshot, nothing written: the same question has the same
    answer); ``None`` elsewhere. Dropped when the transaction ends."""
    memo = conn.info.get(_MEMO)
    return memo if isinstance(memo, dict) else None


class Store:
    """Owns the engine. Repositories are plain functions taking a :class:`Connection`."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise DatabaseUnavailableError(
                f"database URL {url!r} is not a valid SQLAlchemy URL: {exc}", field="database_url"
            ) from None
        self.dialect = parsed.get_backend_name()
        if self.dialect not in {"sqlite", "postgresql"}:
            raise DatabaseUnavailableError(
                f"database {self.dialect!r} is not supported; use SQLite or PostgreSQL",
                field="database_url",
            )
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                _create_owner_only(Path(database))
            self.engine: Engine = create_engine(self.url, connect_args={"timeout": 10})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            # A pool as wide as the requests a server runs at once: with the default (5 kept,
            # 10 more opened and closed as needed) a loaded server opened a new PostgreSQL
            # connection for most requests - a backend process started, its caches cold, the
            # session set up again (bench/load.py, py-spy: about 10% of the server's time).
            self.engine = create_engine(
                self.url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW,
                connect_args={"connect_timeout": 5}
            )
            event.listen(self.engine, "connect", _postgresql_session)

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def check(self) -> None:
        """Raise :class:`DatabaseUnavailableError` naming the URL if the database is silent."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except (OperationalError, _DBAPIError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailableError(
                f"database {self.safe_url} does not answer: {reason}", field="database_url"
            ) from None

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection inside a transaction: committed on success, rolled back on any error.

        A write the database refuses for a constraint raises :class:`ConstraintError`.
        """
        try:
            conn_cm = self.engine.begin()
            conn = conn_cm.__enter__()
        except (OperationalError, _DBAPIError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailableError(
                f"database {self.safe_url} does not answer: {reason}", field="database_url"
            ) from None
        try:
            yield conn
        except IntegrityError as exc:
            conn_cm.__exit__(type(exc), exc, exc.__traceback__)
            raise constraint_error(exc) from exc
        except BaseException as exc:
            conn_cm.__exit__(type(exc), exc, exc.__traceback__)
            raise
        else:
            try:
                conn_cm.__exit__(None, None, None)
            except IntegrityError as exc:
                raise constraint_error(exc) from exc

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """One connection in one read-only transaction: every statement inside reads the same
        snapshot, so every figure of a page agrees with the others (a report arriving half way
        through is in all of them or none), and the page pays for one pool checkout and one
        ``BEGIN`` instead of one per query.

        PostgreSQL: ``BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`` (psycopg sends it as one
        statement). SQLite: an explicit deferred ``BEGIN`` (the driver opens none for reads, so
        without it each ``SELECT`` is its own snapshot), a WAL read transaction from the first
        read. Nothing may be written inside (PostgreSQL refuses it); audit after, with
        :meth:`begin`. :func:`reading_memo` holds what the store has worked out inside it.
        """
        try:
            conn = self.engine.connect()
        except (OperationalError, _DBAPIError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailableError(
                f"database {self.safe_url} does not answer: {reason}", field="database_url"
            ) from None
        with conn:
            if not self.is_sqlite:
                conn.execution_options(isolation_level="REPEATABLE READ",
                                       postgresql_readonly=True)
            with conn.begin():
                if self.is_sqlite:
                    conn.exec_driver_sql("BEGIN")
                conn.info[_MEMO] = {}
                try:
                    yield conn
                finally:
                    conn.info.pop(_MEMO, None)

    def dispose(self) -> None:
        self.engine.dispose()
