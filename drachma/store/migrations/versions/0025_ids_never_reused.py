"""Ids of records that can be disposed of are never given again on SQLite: ``reports``,
``incidents`` and ``investigation_subjects``, and the rows removed with them that the audit log
names by id (mentions; an incident's people, timeline, assessments, tasks, takedowns, alerts),
become AUTOINCREMENT tables.

SQLite gives a table without AUTOINCREMENT the largest rowid plus one, so after the newest record
was disposed of (MoPI review) the next one got its id: its review row already said "disposed"
(it was never scheduled) and audit entries of the disposed record seemed to name it.

SQLite cannot add AUTOINCREMENT to a table, so each one is rebuilt (SQLite's documented
procedure: new table, copy every row with its id, drop the old one, rename, then its indexes and
triggers re-created from their stored SQL, exactly as they were). ``drachma.store.migrate`` runs
migrations on SQLite with foreign keys off, so dropping the old table does not cascade to the rows
that point at it (access, links, mentions...), and checks that no foreign key is left broken.
``sqlite_sequence`` is seeded with the largest id the table holds or any review row or audit
entry names for its kind, so an id already disposed of is not given again. PostgreSQL (sequences, never reused): nothing to do.

Revision ID: 0025
Revises: 0022
Create Date: 2026-11-28
"""

import re

from alembic import op

revision = "0025"
down_revision = "0022"
branch_labels = None
depends_on = None

#: table -> the record kind its ids have in record_reviews and the audit log: the records that
#: are disposed of, and the rows removed with them that audit entries name by id
TABLES = {"reports": "report", "incidents": "incident",
          "investigation_subjects": "investigation_subject", "mentions": "mention",
          "incident_subjects": "incident_subject", "incident_events": "incident_event",
          "thrive_assessments": "thrive_assessment", "safeguarding_tasks": "safeguarding_task",
          "takedowns": "takedown", "deconfliction_alerts": "deconfliction_alert"}

_ID = re.compile(r"(\(\s*id INTEGER NOT NULL)(\s*,)")
_PRIMARY_KEY = re.compile(r",\s*PRIMARY KEY \(id\)")


def autoincrement_sql(create_sql: str, table: str, new_name: str) -> str:
    """The stored CREATE TABLE with ``id`` as ``INTEGER PRIMARY KEY AUTOINCREMENT`` (what
    SQLAlchemy writes for ``sqlite_autoincrement=True``), under ``new_name``; every other
    column and constraint as it was."""
    head = f"CREATE TABLE {table} ("
    if not create_sql.startswith(head) or len(_ID.findall(create_sql)) != 1 \
            or len(_PRIMARY_KEY.findall(create_sql)) != 1:
        raise RuntimeError(f"migration 0025: the table {table} is not as expected: {create_sql}")
    sql = _PRIMARY_KEY.sub("", create_sql)
    sql = _ID.sub(r"\1 PRIMARY KEY AUTOINCREMENT\2", sql)
    return f"CREATE TABLE {new_name} (" + sql[len(head):]


def _rebuild(table: str, kind: str) -> None:
    bind = op.get_bind()
    create_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar_one()
    if "AUTOINCREMENT" in create_sql.upper():
        return
    others = [row[0] for row in bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
        "AND sql IS NOT NULL ORDER BY type, name", (table,))]
    columns = ", ".join(f'"{row[1]}"' for row in bind.exec_driver_sql(
        f'PRAGMA table_info("{table}")'))
    new_name = f"_0025_{table}"
    bind.exec_driver_sql(autoincrement_sql(create_sql, table, new_name))
    bind.exec_driver_sql(f"INSERT INTO {new_name} ({columns}) SELECT {columns} FROM {table}")
    bind.exec_driver_sql(f"DROP TABLE {table}")
    bind.exec_driver_sql(f"ALTER TABLE {new_name} RENAME TO {table}")
    for sql in others:
        bind.exec_driver_sql(sql)
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name IN (?, ?)", (table, new_name))
    bind.exec_driver_sql(
        "INSERT INTO sqlite_sequence (name, seq) SELECT ?, max("
        f"coalesce((SELECT max(id) FROM {table}), 0), "
        "coalesce((SELECT max(record_id) FROM record_reviews WHERE record_kind = ?), 0), "
        "coalesce((SELECT max(CAST(record_id AS INTEGER)) FROM audit_events "
        "WHERE record_kind = ? AND record_id GLOB '[0-9]*' AND record_id NOT GLOB '*[^0-9]*'), "
        "0))", (table, kind, kind))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    foreign_keys = op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar_one()
    if foreign_keys:  # a dropped parent would take its children with it
        raise RuntimeError("migration 0025 rebuilds tables: run it through drachma migrate, "
                           "which turns SQLite's foreign keys off for migrations")
    for table, kind in TABLES.items():
        _rebuild(table, kind)


def downgrade() -> None:
    """Nothing to undo that matters: AUTOINCREMENT only stops ids being given again."""
