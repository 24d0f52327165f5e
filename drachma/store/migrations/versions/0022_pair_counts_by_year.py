"""The pair rollup by year: ``fact_pair_year_counts``, ``fact_pair_counts`` summed over the UK
months of each year, filled from the rows already stored.

A count over whole years (a dashboard's two years by district, a group profile over all time)
summed every month's rows: about 31,000 a year for reports by district at a million reports
(a district x force x reader class x month). Whole years now come from this table (a twelfth of
the rows), the partly covered years at either end from ``fact_pair_counts`` by month.
``drachma/store/rollups.py`` changes both with the same deltas; ``drachma analytics rebuild``
recomputes both. PostgreSQL: the key INCLUDEs n, so that the sums are index-only scans.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

KEY = ("subject", "dimension_a", "value_a", "dimension_b", "year", "value_b", "force", "access")
SIZES = {"subject": 9, "dimension_a": 17, "value_a": 200, "dimension_b": 17, "year": 4,
         "value_b": 200, "force": 64, "access": 100}


def upgrade() -> None:
    op.create_table(
        "fact_pair_year_counts",
        *(sa.Column(name, sa.String(SIZES[name]), nullable=False) for name in KEY),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint(*KEY, postgresql_include=["n"]),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO fact_pair_year_counts (subject, dimension_a, value_a, dimension_b, year, "
        "value_b, force, access, n) "
        "SELECT subject, dimension_a, value_a, dimension_b, substr(month, 1, 4), value_b, "
        "force, access, SUM(n) FROM fact_pair_counts "
        "GROUP BY subject, dimension_a, value_a, dimension_b, substr(month, 1, 4), value_b, "
        "force, access HAVING SUM(n) <> 0")


def downgrade() -> None:
    op.drop_table("fact_pair_year_counts")
