"""Security: the public reporting triage queue and its screenshots, log-in throttling, and the
last time a session was used (for the idle time-out).

* ``public_reports``: what a member of the public sent through ``/public/report``, ungraded until
  a grader turns it into a report (``report_id``). Contact details are kept only with consent.
* ``public_report_files``: screenshots sent with it (the bytes are kept under the home,
  content-addressed, like intake's attachments).
* ``login_throttle``: failed log-ins counted per account and per client address, and when each
  is locked until.
* ``sessions.last_seen_at``: when a session was last used.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "public_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("concern", sa.String(32), nullable=False),
        sa.Column("what_happened", sa.Text, nullable=False),
        sa.Column("when_text", sa.String(200), nullable=False),
        sa.Column("where_text", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(100), nullable=False),
        sa.Column("links", sa.Text, nullable=False),
        sa.Column("contact_name", sa.String(200)),
        sa.Column("contact_email", sa.String(254)),
        sa.Column("contact_phone", sa.String(40)),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id")),
        sa.Column("graded_by", sa.Integer),
        sa.Column("graded_at", TZ),
    )
    op.create_index("ix_public_reports_status", "public_reports", ["status", "id"])
    op.create_table(
        "public_report_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("public_report_id", sa.Integer,
                  sa.ForeignKey("public_reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("stored_path", sa.String(300), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_public_report_files_report", "public_report_files", ["public_report_id"])
    op.create_table(
        "login_throttle",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first_failure_at", TZ, nullable=False),
        sa.Column("locked_until", TZ),
        sa.UniqueConstraint("kind", "key", name="uq_login_throttle"),
    )
    op.add_column("sessions", sa.Column("last_seen_at", TZ))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("last_seen_at")
    op.drop_table("login_throttle")
    op.drop_index("ix_public_report_files_report", "public_report_files")
    op.drop_table("public_report_files")
    op.drop_index("ix_public_reports_status", "public_reports")
    op.drop_table("public_reports")
