"""Mentions read out of reports, and the analysts' reviews of them (kept, never overwritten).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("start_char", sa.Integer, nullable=False),
        sa.Column("end_char", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("attributes", sa.Text, nullable=False),
        sa.Column("review", sa.String(16), nullable=False),
        sa.Column("corrected_type", sa.String(32)),
        sa.Column("corrected_value", sa.Text),
        sa.Column("reviewed_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_mentions_report", "mentions", ["report_id", "start_char"])
    op.create_index("ix_mentions_type_value", "mentions", ["type", "value"])
    op.create_table(
        "mention_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "mention_id",
            sa.Integer,
            sa.ForeignKey("mentions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("old_type", sa.String(32), nullable=False),
        sa.Column("old_value", sa.Text, nullable=False),
        sa.Column("new_type", sa.String(32)),
        sa.Column("new_value", sa.Text),
    )
    op.create_index("ix_mention_reviews_mention", "mention_reviews", ["mention_id", "at"])


def downgrade() -> None:
    op.drop_table("mention_reviews")
    op.drop_table("mentions")
