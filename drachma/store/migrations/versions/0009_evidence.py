"""Evidence locker: producers, exhibits and their links, custody events, and the custody log (a
Merkle tree of event digests: leaves, complete-subtree nodes, head) with signed checkpoints;
CPIA disclosure items (numbered per investigation across schedules) and MG6E reports.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "evidence_producers",
        sa.Column("initials", sa.String(4), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("last_number", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "exhibits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("producer", sa.String(4), sa.ForeignKey("evidence_producers.initials"),
                  nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("sub_number", sa.Integer),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("exhibits.id")),
        sa.Column("redaction_of", sa.Integer, sa.ForeignKey("exhibits.id")),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("received_from", sa.String(200), nullable=False),
        sa.Column("received_place", sa.String(200), nullable=False),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("disclosure_category", sa.String(16), nullable=False),
        sa.Column("newest_inner_at", TZ),
        sa.Column("sub_count", sa.Integer, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_exhibits_parent", "exhibits", ["parent_id"])
    op.create_index("ix_exhibits_sha256", "exhibits", ["sha256"])
    op.create_table(
        "exhibit_links",
        sa.Column("exhibit_id", sa.Integer, sa.ForeignKey("exhibits.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("target_id", sa.Integer, primary_key=True),
    )
    op.create_index("ix_exhibit_links_target", "exhibit_links", ["kind", "target_id"])
    op.create_table(
        "custody_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False, unique=True),
        sa.Column("exhibit_id", sa.Integer, sa.ForeignKey("exhibits.id"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor_name", sa.String(64)),
        sa.Column("reason", sa.Text),
        sa.Column("salt", sa.String(64)),
        sa.Column("redacted_at", TZ),
    )
    op.create_index("ix_custody_events_exhibit", "custody_events", ["exhibit_id", "seq"])
    op.create_table(
        "custody_log_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO custody_log_head (id, size) VALUES (1, 0)")
    op.create_table(
        "custody_log_nodes",
        sa.Column("node", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "custody_log_leaves",
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("digest", sa.LargeBinary(32), nullable=False),
    )
    op.create_table(
        "custody_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tree_size", sa.Integer, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("timestamp_token", sa.LargeBinary),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_custody_checkpoints_size", "custody_checkpoints", ["tree_size"])
    op.create_table(
        "disclosure_counters",
        sa.Column("investigation_id", sa.Integer, primary_key=True),
        sa.Column("last_item", sa.Integer, nullable=False),
    )
    op.create_table(
        "disclosure_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("investigation_id", sa.Integer, nullable=False),
        sa.Column("item_number", sa.Integer, nullable=False),
        sa.Column("schedule", sa.String(8), nullable=False),
        sa.Column("exhibit_id", sa.Integer, sa.ForeignKey("exhibits.id")),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("sensitivity", sa.Text),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.UniqueConstraint("investigation_id", "item_number", name="uq_disclosure_item_number"),
    )
    op.create_table(
        "disclosure_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("investigation_id", sa.Integer, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("items", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("investigation_id", "revision", name="uq_disclosure_report_revision"),
    )


def downgrade() -> None:
    for table in ("disclosure_reports", "disclosure_items", "disclosure_counters",
                  "custody_checkpoints", "custody_log_leaves", "custody_log_nodes",
                  "custody_log_head", "custody_events", "exhibit_links", "exhibits",
                  "evidence_producers"):
        op.drop_table(table)
