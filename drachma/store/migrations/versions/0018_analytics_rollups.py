"""Counts kept in step with writes: the rollups ``fact_counts`` and ``fact_pair_counts`` and what
each record was counted under (``counted_records``), filled from the rows already stored.

A count is then a ``GROUP BY`` over the rollup rows of the months asked for (a few thousand
rows) instead of over every report. ``drachma/analytics/upkeep.py`` changes them in the same
transaction as every write; ``drachma analytics rebuild`` recomputes them (docs/analytics.md).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_KEY = (("month", 7), ("force", 64), ("source_kind", 32), ("grading_source", 1),
        ("grading_intelligence", 1), ("grading_handling", 1), ("access", 100))


def upgrade() -> None:
    op.create_table(
        "fact_counts",
        *(sa.Column(name, sa.String(size), nullable=False) for name, size in (
            ("subject", 9), ("dimension", 17), ("value", 200), *_KEY)),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("subject", "dimension", "value", *(name for name, _ in _KEY)),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "fact_pair_counts",
        *(sa.Column(name, sa.String(size), nullable=False) for name, size in (
            ("subject", 9), ("dimension_a", 17), ("value_a", 200), ("dimension_b", 17),
            ("month", 7), ("value_b", 200), ("force", 64), ("access", 100))),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("subject", "dimension_a", "value_a", "dimension_b", "month",
                                "value_b", "force", "access"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "counted_records",
        sa.Column("subject", sa.String(9), primary_key=True),
        sa.Column("record_id", sa.Integer, primary_key=True),
        *(sa.Column(name, sa.String(size), nullable=False) for name, size in _KEY),
    )
    from drachma.analytics.upkeep import rebuild_in

    # facts and counts of the rows already stored (the report list's counts: migration 0020;
    # the pair rollup by year: 0022)
    rebuild_in(op.get_bind(), later_tables=False)


def downgrade() -> None:
    op.drop_table("counted_records")
    op.drop_table("fact_pair_counts")
    op.drop_table("fact_counts")
