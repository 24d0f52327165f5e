"""The search index's outbox: every write to a report or to who may read it queues the report's id.

``search_outbox`` gets one row per change of ``reports`` (insert, update, delete - retention
disposal included) and of ``report_access`` (the roles a C report's conditions name), written by
triggers in the same transaction as the change, so no write path can forget it. The search index
(``drachma/store/search_index.py``, a tantivy index in a folder) applies the rows and deletes them;
``search_index_state`` holds the generation of the last full rebuild, which the index folder
records too, so an index built from another database (or a database emptied or restored) is
noticed and rebuilt. Existing rows are not queued: the first search (or ``drachma search-index
rebuild``) builds the index from the reports table.

Revision ID: 0017
Revises: 0015
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = {
    "search_outbox_report_insert": "AFTER INSERT ON reports BEGIN "
    "INSERT INTO search_outbox (report_id) VALUES (new.id); END",
    "search_outbox_report_update": "AFTER UPDATE ON reports BEGIN "
    "INSERT INTO search_outbox (report_id) VALUES (new.id); END",
    "search_outbox_report_delete": "AFTER DELETE ON reports BEGIN "
    "INSERT INTO search_outbox (report_id) VALUES (old.id); END",
    "search_outbox_access_insert": "AFTER INSERT ON report_access BEGIN "
    "INSERT INTO search_outbox (report_id) VALUES (new.report_id); END",
    "search_outbox_access_update": "AFTER UPDATE ON report_access BEGIN "
    "INSERT INTO search_outbox (report_id) VALUES (new.report_id); "
    "INSERT INTO search_outbox (report_id) VALUES (old.report_id); END",
    "search_outbox_access_delete": "AFTER DELETE ON report_access BEGIN "
    "INSERT INTO search_outbox (report_id) VALUES (old.report_id); END",
}


def upgrade() -> None:
    op.create_table(
        "search_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Integer, nullable=False),
        sqlite_autoincrement=True,  # ids never reused, even after the table is emptied
    )
    op.create_table(
        "search_index_state",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("generation", sa.String(64), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        return
    # PostgreSQL: statement-level triggers with transition tables, so a bulk insert of thousands
    # of reports queues them in one INSERT ... SELECT rather than one trigger call per row.
    op.execute("""
        CREATE FUNCTION search_outbox_queue() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'reports' THEN
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    INSERT INTO search_outbox (report_id) SELECT id FROM new_rows;
                ELSE
                    INSERT INTO search_outbox (report_id) SELECT id FROM old_rows;
                END IF;
            ELSE
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    INSERT INTO search_outbox (report_id) SELECT DISTINCT report_id FROM new_rows;
                END IF;
                IF TG_OP IN ('DELETE', 'UPDATE') THEN
                    INSERT INTO search_outbox (report_id) SELECT DISTINCT report_id FROM old_rows;
                END IF;
            END IF;
            RETURN NULL;
        END $$
    """)
    for table in ("reports", "report_access"):
        for operation, referencing in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            op.execute(
                f"CREATE TRIGGER search_outbox_{table}_{operation.lower()} AFTER {operation} "
                f"ON {table} REFERENCING {referencing} FOR EACH STATEMENT "
                "EXECUTE FUNCTION search_outbox_queue()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for table in ("reports", "report_access"):
            for operation in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS search_outbox_{table}_{operation} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS search_outbox_queue()")
    op.drop_table("search_index_state")
    op.drop_table("search_outbox")
