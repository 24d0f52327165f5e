"""The extraction pipeline's version on every mention, and which version last read each report.

* ``mentions.pipeline_version``: the version of the rules that read the mention (NULL for
  mentions stored before versions were recorded).
* ``report_readings``: one row per report the pipeline has read (report, version, when), so
  ``drachma extract --reprocess`` can find the reports read by older rules without scanning
  every mention, and a report is not read again once it is up to date.

Existing mentions keep NULL (their version is unknown), so their reports count as out of date.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(sa.Column("pipeline_version", sa.String(64)))
    op.create_table(
        "report_readings",
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("pipeline_version", sa.String(64), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_report_readings_version", "report_readings", ["pipeline_version", "report_id"]
    )


def downgrade() -> None:
    op.drop_table("report_readings")
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("pipeline_version")
