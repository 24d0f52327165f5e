"""Copying the database itself for ``drachma backup`` / ``drachma restore`` (the only SQL here).

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot page
by page while other connections keep writing. PostgreSQL: ``pg_dump`` in its custom format (one
transaction, a consistent snapshot) of the schema the store uses, and ``pg_restore`` back.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from drachma.errors import DrachmaError
from drachma.store.db import Store, sqlite_file

PG_TIMEOUT_SECONDS = 6 * 3600  # a dump or restore that takes longer than this is stuck


class DatabaseCopyError(DrachmaError):
    """The database could not be copied out or back (a missing tool, a failed dump)."""

    kind = "database_copy"
    http_status = 500


def table_names(store: Store) -> list[str]:
    """The tables in the store's schema (an empty list for a database not yet initialised)."""
    with store.engine.connect() as conn:
        return sorted(inspect(conn).get_table_names())


def schema_revision(store: Store) -> str | None:
    if "alembic_version" not in table_names(store):
        return None
    with store.engine.connect() as conn:
        value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if value is None else str(value)


def sqlite_snapshot(store: Store, target: Path) -> None:
    """Copy the live SQLite database into the new file ``target`` with the online backup API."""
    raw = store.engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        out = sqlite3.connect(target)
        try:
            source.backup(out, pages=1024)
        finally:
            out.close()
    finally:
        raw.close()


def sqlite_check(path: Path) -> str:
    """SQLite's own integrity check of a copied file: "ok" or the first problem."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def sqlite_place(store: Store, copy: Path) -> None:
    """Put a checked copy in place as the (absent or empty) database file of ``store``."""
    path = sqlite_file(store.url)
    if path is None:
        raise DatabaseCopyError("restore needs a SQLite database file, not an in-memory one",
                                field="database_url")
    store.dispose()
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    partial = path.with_name(path.name + ".restoring")
    shutil.copyfile(copy, partial)
    os.replace(partial, path)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseCopyError(
            f"{name} is not on PATH; install the PostgreSQL client tools (the same major version "
            "as the server or newer) to back up or restore a PostgreSQL database", field=name)
    return found


def _libpq(store: Store) -> tuple[list[str], dict[str, str]]:
    """Connection options for the PostgreSQL client tools, and the environment (password)."""
    url = make_url(store.url)
    args = ["--dbname", str(url.database or "postgres"), "--no-password"]
    if url.host:
        args += ["--host", str(url.host)]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", str(url.username)]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def current_schema(store: Store) -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(text("SELECT current_schema()")).scalar_one())


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=PG_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise DatabaseCopyError(f"{what} did not finish in {PG_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise DatabaseCopyError(f"{what} failed: {reason[0] if reason else done.returncode}")
    return done.stdout


def pg_dump(store: Store, target: Path) -> str:
    """Dump the store's schema (custom format) to ``target``; returns the schema's name."""
    schema = current_schema(store)
    args, env = _libpq(store)
    _run([_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges",
          "--schema", schema, "--file", str(target)], env, "pg_dump")
    return schema


def pg_restore(store: Store, dump: Path) -> None:
    """Restore a custom-format dump into the store's database (its schema must be empty).

    The schema itself is left out of the restore when it exists already (an empty schema made
    for the purpose, or ``public``); everything else must restore without a single error.
    """
    args, env = _libpq(store)
    listing = _run([_tool("pg_restore"), "--list", str(dump)], env, "pg_restore --list")
    with store.engine.connect() as conn:
        existing = set(conn.execute(text("SELECT nspname FROM pg_namespace")).scalars())
    keep = [line for line in listing.splitlines()
            if not ((found := re.search(r" SCHEMA - (\S+)", line)) and found[1] in existing)]
    plan = dump.with_name(dump.name + ".list")
    plan.write_text("\n".join(keep) + "\n", encoding="utf-8")
    try:
        store.dispose()
        _run([_tool("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", "--use-list", str(plan), str(dump)], env, "pg_restore")
    finally:
        plan.unlink(missing_ok=True)
