"""An index of incident links by report: ``ix_incident_reports_report (report_id, incident_id)``.

Keeping the counts in step (``drachma/analytics/upkeep.py``) asks, for every report written,
which incidents it is linked to; the primary key ``(incident_id, report_id)`` cannot answer that,
so each write read every link (25 ms per 500 reports at 100,000 incidents on PostgreSQL, and a
rebuild at a million reports paid it 2,000 times). Deleting a report (its links cascade) needs
the same index.

Revision ID: 0021
Revises: 0019
Create Date: 2026-11-27
"""

from alembic import op

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incident_reports_report", "incident_reports",
                    ["report_id", "incident_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_reports_report", table_name="incident_reports")
