"""Core tables: users, sessions, sources, reports, access rules for handling code C, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(64)),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False, unique=True),
        sa.Column("identity", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_kind", sa.String(32), nullable=False),
        sa.Column("source_id", sa.Integer, sa.ForeignKey("sources.id")),
        sa.Column("grading_source", sa.String(1), nullable=False),
        sa.Column("grading_intelligence", sa.String(1), nullable=False),
        sa.Column("grading_handling", sa.String(1), nullable=False),
        sa.Column("handling_conditions", sa.Text),
        sa.Column("legacy_source", sa.String(1)),
        sa.Column("legacy_intelligence", sa.String(1)),
        sa.Column("legacy_handling", sa.String(1)),
        sa.Column("sanitised_text", sa.Text),
        sa.Column("review_date", sa.Date),
        sa.Column("force", sa.String(64)),
        sa.Column("occurred_on", sa.Date),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_hash", sa.String(64)),
    )
    op.create_index("ix_reports_received_at", "reports", ["received_at"])
    op.create_index("ix_reports_grading", "reports", ["grading_source", "grading_intelligence"])
    op.create_index("ix_reports_source_kind", "reports", ["source_kind"])
    op.create_index("ix_reports_force", "reports", ["force"])
    op.create_index("ix_reports_content_hash", "reports", ["content_hash"], unique=True)
    op.create_table(
        "report_access",
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("role", sa.String(32), primary_key=True),
    )
    op.create_index("ix_report_access_role", "report_access", ["role", "report_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("record_kind", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(64)),
        sa.Column("address", sa.String(64)),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_at", "audit_events", ["at"])
    op.create_index("ix_audit_actor", "audit_events", ["actor_name", "at"])
    op.create_index("ix_audit_record", "audit_events", ["record_kind", "record_id"])
    bind = op.get_bind()
    # The audit log is append-only: the database itself refuses changes and deletions.
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
        )
    else:
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    for table in ("audit_events", "report_access", "reports", "sources", "sessions", "users"):
        op.drop_table(table)
