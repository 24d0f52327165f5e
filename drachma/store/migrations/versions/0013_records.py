"""Records management (MoPI): a review date per record, and what was decided at review.

``record_reviews`` holds one row per record under review: its retention group (from
``drachma/records/data/retention.toml``), the date it is next due for review, and the last
decision (retained with a reason and a new date, or disposed). A disposed record's row keeps only
what proofs need: the SHA-256 of the content that was removed, who disposed of it, when and why.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_kind", sa.String(32), nullable=False),
        sa.Column("record_id", sa.Integer, nullable=False),
        sa.Column("retention_group", sa.String(64), nullable=False),
        sa.Column("review_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("content_sha256", sa.String(64)),
        sa.UniqueConstraint("record_kind", "record_id", name="uq_record_reviews_record"),
    )
    op.create_index("ix_record_reviews_due", "record_reviews", ["status", "review_on"])


def downgrade() -> None:
    op.drop_index("ix_record_reviews_due", table_name="record_reviews")
    op.drop_table("record_reviews")
