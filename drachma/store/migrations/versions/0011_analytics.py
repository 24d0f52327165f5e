"""Analytics: what each report and incident is about, as rows that SQL can count.

``report_facts`` and ``incident_facts`` hold one row per (record, dimension, value): the 2023
district (GSS code), town, group, platform and outcome category a record is about. They are
derived from a report's reviewed mentions and linked incidents, and from an incident's own
columns (``drachma/analytics/facts.py``), and rebuilt with ``drachma analytics refresh``; the
demo loader writes the facts its invented reports carry. Counting by any of them is then one
``GROUP BY`` over an index (``dimension, value, record``). ``origin`` says where a fact came
from (mention, incident, demo).

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _facts(name: str, record: str, parent: str) -> None:
    op.create_table(
        name,
        sa.Column(record, sa.Integer, sa.ForeignKey(f"{parent}.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("dimension", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        sa.Column("origin", sa.String(16), nullable=False),
    )
    op.create_index(f"ix_{name}_dimension_value", name, ["dimension", "value", record])


def upgrade() -> None:
    _facts("report_facts", "report_id", "reports")
    _facts("incident_facts", "incident_id", "incidents")
    op.create_index("ix_incidents_force_occurred", "incidents", ["force", "occurred_at"])
    # Covering indexes for counts: a breakdown by force, or over a date range, reads only the
    # index (the visibility rule needs grading_handling; the record's id is in every index).
    op.create_index("ix_reports_force_received", "reports",
                    ["force", "received_at", "grading_handling"])
    op.create_index("ix_reports_received_counts", "reports",
                    ["received_at", "grading_handling", "force", "source_kind"])


def downgrade() -> None:
    op.drop_index("ix_reports_received_counts", "reports")
    op.drop_index("ix_reports_force_received", "reports")
    op.drop_index("ix_incidents_force_occurred", "incidents")
    op.drop_table("incident_facts")
    op.drop_table("report_facts")
