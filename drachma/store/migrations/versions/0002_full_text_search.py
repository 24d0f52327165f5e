"""Full-text search over reports: FTS5 on SQLite, a weighted tsvector with GIN on PostgreSQL.

Existing rows are indexed as part of the upgrade.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE reports_fts USING fts5("
            "title, body, content='reports', content_rowid='id', "
            "tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN "
            "INSERT INTO reports_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN "
            "INSERT INTO reports_fts(reports_fts, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER reports_fts_update AFTER UPDATE OF title, body ON reports BEGIN "
            "INSERT INTO reports_fts(reports_fts, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); "
            "INSERT INTO reports_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
        op.execute("INSERT INTO reports_fts(reports_fts) VALUES ('rebuild')")
    else:
        op.execute(
            "ALTER TABLE reports ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(body, '')), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_reports_search_vector ON reports USING gin (search_vector)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("reports_fts_insert", "reports_fts_delete", "reports_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS reports_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_reports_search_vector")
        op.execute("ALTER TABLE reports DROP COLUMN IF EXISTS search_vector")
