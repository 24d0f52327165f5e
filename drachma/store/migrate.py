"""Schema migrations through Alembic, run on a Drachma :class:`Store`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from drachma.store.db import Store

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database forward to ``revision``; returns (before, after)."""
    store.check()
    before = current_revision(store)
    config = _config()
    with store.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # a table rebuilt (dropped, made again) must not cascade to its children
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # outside a transaction, or ignored
            conn.commit()
        try:
            with conn.begin():
                check = sqlite and not (revision == "head" and before == head_revision())
                broken = _foreign_key_errors(conn) if check else set()
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
                if check and _foreign_key_errors(conn) - broken:
                    raise RuntimeError("the migration left rows pointing at rows that do not "
                                       "exist; nothing was changed")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
    return before, current_revision(store)


def _foreign_key_errors(conn: Connection) -> set[tuple[object, ...]]:
    """SQLite's foreign key check: (table, rowid, parent, constraint) of each row pointing at
    nothing (none in a sound database; migrations run with foreign keys off)."""
    return {tuple(row) for row in conn.exec_driver_sql("PRAGMA foreign_key_check")}
