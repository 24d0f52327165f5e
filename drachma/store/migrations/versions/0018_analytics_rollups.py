"""Counts kept in step with writes: the rollups ``fact_counts`` and ``fact_pair_counts`` and what
each record was counted under (``counted_records``), filled from the rows already stored.

A count is then a ``GROUP BY`` over the rollup rows of the months asked for (a few thousand
rows) instead of over every report. ``drachma/analytics/upkeep.py`` changes them in the same
transaction as every write; ``drachma analytics rebuild`` recomputes them (docs/analytics.md).

Revision ID: 0018
Revises: 0014
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None

_KEY = (("month", 7), ("force", 64), ("source_kind", 32), ("grading_source", 1),
        ("grading_intelligence", 1), ("grading_handling", 1), ("access", 100))


def upgrade() -> None:
    op.create_table(
        "fact_counts",
        sa.Column("subject", sa.String(9), primary_key=True),
        sa.Column("dimension", sa.String(17), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        *(sa.Column(name, sa.String(size), primary_key=True) for name, size in _KEY),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_table(
        "fact_pair_counts",
        sa.Column("subject", sa.String(9), primary_key=True),
        sa.Column("dimension_a", sa.String(17), primary_key=True),
        sa.Column("value_a", sa.String(200), primary_key=True),
        sa.Column("dimension_b", sa.String(17), primary_key=True),
        sa.Column("value_b", sa.String(200), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("force", sa.String(64), primary_key=True),
        sa.Column("access", sa.String(100), primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )
    op.create_table(
        "counted_records",
        sa.Column("subject", sa.String(9), primary_key=True),
        sa.Column("record_id", sa.Integer, primary_key=True),
        *(sa.Column(name, sa.String(size), nullable=False) for name, size in _KEY),
    )
    from drachma.analytics.upkeep import rebuild_in

    rebuild_in(op.get_bind())  # facts and counts of the rows already stored


def downgrade() -> None:
    op.drop_table("counted_records")
    op.drop_table("fact_pair_counts")
    op.drop_table("fact_counts")
