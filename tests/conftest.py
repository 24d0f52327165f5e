"""Shared fixtures. Every storage test runs on SQLite and on PostgreSQL.

The PostgreSQL half uses the server named by ``DRACHMA_TEST_POSTGRES_URL`` (default the local one,
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), each test in a schema of its own that is
dropped afterwards. Under CI (``CI=true``) an unreachable server fails the run; elsewhere those
tests are skipped with the reason.
"""

from __future__ import annotations

import os
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


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store with no schema yet, on each backend."""
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'drachma.db'}")
        yield store
        store.dispose()
        return
    postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    store = Store(_postgres_schema_url(schema))
    try:
        yield store
    finally:
        store.dispose()
        _drop_schema(schema)


@pytest.fixture
def store(empty_store: Store) -> Store:
    """A migrated store, on each backend."""
    upgrade(empty_store)
    return empty_store


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated SQLite store, for tests that are not about storage."""
    store = Store(f"sqlite:///{tmp_path / 'drachma.db'}")
    upgrade(store)
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
