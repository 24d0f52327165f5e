"""Indexes for search with filters: walking the newest matches that pass a filter.

* ``ix_reports_search_filters`` (id, then the filter and visibility columns): on SQLite the
  search walk (FTS5 rowids, newest first) checks each match against visibility and the filters
  through this small covering index instead of the wide table rows (``INDEXED BY`` in
  ``drachma/store/search.py``).
* ``ix_reports_kind_intelligence_id`` (source_kind, grading_intelligence, id): on PostgreSQL the
  walk for a source-kind + intelligence filter reads this index backwards - only the reports that
  pass the filter, newest first - and checks the text match on those.

Plain indexes: existing rows are covered when they are built (seconds at a million reports).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SEARCH_FILTERS = ["id", "grading_handling", "source_kind", "grading_intelligence",
                  "grading_source", "force", "received_at"]
KIND_INTELLIGENCE_ID = ["source_kind", "grading_intelligence", "id"]


def upgrade() -> None:
    op.create_index("ix_reports_search_filters", "reports", SEARCH_FILTERS, if_not_exists=True)
    op.create_index("ix_reports_kind_intelligence_id", "reports", KIND_INTELLIGENCE_ID,
                    if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_reports_kind_intelligence_id", "reports")
    op.drop_index("ix_reports_search_filters", "reports")
