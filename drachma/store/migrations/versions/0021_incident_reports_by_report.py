"""Indexes found missing by ``bench/analytics.py`` at a million reports on PostgreSQL.

* ``ix_incident_reports_report (report_id, incident_id)``: which incidents a report is linked to.
* PostgreSQL only: ``ix_fact_counts_read`` and ``ix_fact_pair_counts_read``, each rollup's key
  with ``INCLUDE (n)``, so that a page's sums are index-only scans (the key alone made a
  two-year district count visit 10,600 pages for 31,520 rows: 88 ms of the page). SQLite's
  rollups are ``WITHOUT ROWID`` tables, already read in key order with ``n``.

Keeping the counts in step (``drachma/analytics/upkeep.py``) asks, for every report written,
which incidents it is linked to; the primary key ``(incident_id, report_id)`` cannot answer that,
so each write read every link (25 ms per 500 reports at 100,000 incidents on PostgreSQL, and a
rebuild at a million reports paid it 2,000 times). Deleting a report (its links cascade) needs
the same index.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-27
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


STAR_KEY = ("subject", "dimension", "value", "month", "force", "source_kind", "grading_source",
            "grading_intelligence", "grading_handling", "access")
PAIR_KEY = ("subject", "dimension_a", "value_a", "dimension_b", "month", "value_b", "force",
            "access")


def upgrade() -> None:
    op.create_index("ix_incident_reports_report", "incident_reports",
                    ["report_id", "incident_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_fact_counts_read", "fact_counts", list(STAR_KEY),
                        postgresql_include=["n"], if_not_exists=True)
        op.create_index("ix_fact_pair_counts_read", "fact_pair_counts", list(PAIR_KEY),
                        postgresql_include=["n"], if_not_exists=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_fact_pair_counts_read", table_name="fact_pair_counts")
        op.drop_index("ix_fact_counts_read", table_name="fact_counts")
    op.drop_index("ix_incident_reports_report", table_name="incident_reports")
