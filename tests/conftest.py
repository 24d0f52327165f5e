"""Shared fixtures. Every storage test runs on SQLite and on PostgreSQL.

The PostgreSQL half uses the server named by ``DRACHMA_TEST_POSTGRES_URL`` (default the local one,
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Under CI (``CI=true``) an unreachable
server fails the run; elsewhere those tests are skipped with the reason.

Migrations run once per test run, not once per test (see "Testing" in docs/architecture.md):

- SQLite: one database file is migrated per run and copied for each test (a copy is a file copy).
- PostgreSQL: one schema is migrated per run and shared; before each test every table in it is
  emptied and every sequence restarted (``_emptying_script``). Unlike a rolled-back outer
  transaction, this keeps what a test sees identical to a real database: several connections and
  threads (the web test client) see each other's commits, identity values start at 1, the
  append-only audit triggers and the generated ``tsvector`` work as in production.
- Tests of migrations themselves take ``empty_store``: a fresh file or schema with no tables.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from drachma.access.actor import Actor
from drachma.access.users import add_user
from drachma.model.roles import Role
from drachma.store.db import Store, normalise_url
from drachma.store.migrate import upgrade

POSTGRES_URL = normalise_url(
    os.environ.get("DRACHMA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
)
PASSWORD = "correct horse battery"


def _postgres_problem() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect is reported the same way
        return f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} does not answer: {exc}"
    return None


_problem: list[str | None] = []


def postgres_or_skip() -> None:
    if not _problem:
        _problem.append(_postgres_problem())
    problem = _problem[0]
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)


def _postgres_schema_url(schema: str) -> str:
    url = make_url(POSTGRES_URL)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def _drop_schema(schema: str) -> None:
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _new_schema() -> str:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return schema


@pytest.fixture(params=BACKENDS)
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store with no schema yet, on each backend: for tests of the migrations themselves."""
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'drachma.db'}")
        yield store
        store.dispose()
        return
    postgres_or_skip()
    schema = _new_schema()
    store = Store(_postgres_schema_url(schema))
    try:
        yield store
    finally:
        store.dispose()
        _drop_schema(schema)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per test run; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "drachma.db"
    store = Store(f"sqlite:///{path}")
    upgrade(store)
    with store.engine.connect() as conn:  # fold the write-ahead log into the file before copying
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path


def _emptying_script(schema: str, tables: list[str], sequences: list[str]) -> str:
    """SQL that empties every table and restarts every sequence of a schema, in one transaction.

    Row triggers (the append-only audit guard, foreign keys) are switched off for this transaction
    only (``session_replication_role = replica``), so the deletes can run in any order. This is
    some 20 times faster than ``TRUNCATE``, which creates new files for every table.
    """
    statements = ["SET LOCAL lock_timeout = '10s'", "SET LOCAL session_replication_role = replica"]
    statements += [f'DELETE FROM "{schema}"."{name}"' for name in tables]
    statements += [f'ALTER SEQUENCE "{schema}"."{name}" RESTART' for name in sequences]
    return "; ".join(statements)


@pytest.fixture(scope="session")
def _postgres_migrated() -> Iterator[tuple[str, str]]:
    """One PostgreSQL schema migrated to head per test run: (schema, SQL that empties it)."""
    schema = _new_schema()
    store = Store(_postgres_schema_url(schema))
    try:
        upgrade(store)
        with store.engine.connect() as conn:
            tables = conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :schema "
                     "AND tablename <> 'alembic_version' ORDER BY tablename"),
                {"schema": schema},
            ).scalars().all()
            sequences = conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = :schema "
                     "ORDER BY sequencename"),
                {"schema": schema},
            ).scalars().all()
        store.dispose()
        yield schema, _emptying_script(schema, list(tables), list(sequences))
    finally:
        store.dispose()
        _drop_schema(schema)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "drachma.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        sqlite = Store(f"sqlite:///{path}")
        yield sqlite
        sqlite.dispose()
        return
    postgres_or_skip()
    schema, empty_it = request.getfixturevalue("_postgres_migrated")
    postgres = Store(_postgres_schema_url(schema))
    with postgres.engine.begin() as conn:
        conn.exec_driver_sql(empty_it)
    try:
        yield postgres
    finally:
        postgres.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path, _sqlite_template: Path) -> Iterator[Store]:
    """A migrated SQLite store, for tests that are not about storage."""
    path = tmp_path / "drachma.db"
    shutil.copyfile(_sqlite_template, path)
    store = Store(f"sqlite:///{path}")
    yield store
    store.dispose()


ActorFactory = Callable[[Role], Actor]


@pytest.fixture
def make_actor(store: Store) -> ActorFactory:
    """Create (once per role) a user with that role and return them as an actor."""
    made: dict[Role, Actor] = {}

    def factory(role: Role) -> Actor:
        if role not in made:
            user = add_user(store, None, f"{role.value.replace('_', '-')}1", role.label, role,
                            PASSWORD)
            made[role] = Actor(user, "127.0.0.1")
        return made[role]

    return factory


@pytest.fixture
def client(store: Store, tmp_path: Path) -> Any:
    """The web app on the test's store (SQLite and PostgreSQL), driven like a browser."""
    from fastapi.testclient import TestClient

    from drachma.web.app import create_app
    from tests.web import settings_for

    return TestClient(create_app(store, settings_for(store, tmp_path)))
