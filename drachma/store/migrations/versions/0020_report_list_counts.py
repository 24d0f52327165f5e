"""The report list's total kept in step with writes: ``report_list_counts`` (reports per UK month
of receipt and access key), filled from the rollup rows already stored (``fact_counts``' rows for
each report itself, dimension "").

A list's total for a role was a count over every visible report (18 ms on PostgreSQL at 100,000
reports, growing with them); it is now a sum over a few hundred rows. ``drachma/store/rollups.py``
changes them with the same deltas as ``fact_counts``; ``drachma analytics rebuild`` recomputes
both.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_list_counts",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("access", sa.String(100), nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("month", "access"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO report_list_counts (month, access, n) "
        "SELECT month, access, SUM(n) FROM fact_counts "
        "WHERE subject = 'reports' AND dimension = '' AND value = '' "
        "GROUP BY month, access HAVING SUM(n) <> 0")


def downgrade() -> None:
    op.drop_table("report_list_counts")
