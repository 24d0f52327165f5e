"""Linkage (issue 11): who is who, people and groups resolved with Splink and reviewed.

- ``linkage_models``: each trained model, versioned per kind (person, group), with the Splink
  settings and trained parameters as JSON; every candidate pair names the model that scored it.
- ``linkage_records``: one row per record taking part (a person, a confirmed PERSON mention, an
  incident subject, an investigation subject, a group) with its normalised features, and the
  cluster (profile) an analyst put it in.
- ``linkage_keys``: blocking keys of each record, indexed, so a new record is linked by an
  indexed lookup of candidates rather than by running the whole job again.
- ``linkage_clusters``: one row per profile (a person, or a group with its merged names).
- ``linkage_pairs``: candidate matches with match weight, probability and the waterfall of
  comparison weights; status pending, confirmed or rejected (a rejection is never proposed again).
- ``linkage_decisions``: every confirm, reject and undo with who, when and what it changed (so a
  merge can be undone exactly).
- ``groups.merged_into``: a group confirmed to be another group's alias.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "linkage_models",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("backend", sa.String(16), nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("record_count", sa.Integer, nullable=False),
        sa.Column("converged", sa.Boolean, nullable=False),
        sa.Column("trained_by", sa.String(64), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "version", name="uq_linkage_model_version"),
    )
    op.create_table(
        "linkage_clusters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "linkage_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_kind", sa.String(32), nullable=False),
        sa.Column("source_id", sa.Integer, nullable=False),
        sa.Column("features", sa.Text, nullable=False),
        sa.Column("cluster_id", sa.Integer, sa.ForeignKey("linkage_clusters.id")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source_kind", "source_id", name="uq_linkage_record_source"),
    )
    op.create_index("ix_linkage_records_cluster", "linkage_records", ["cluster_id"])
    op.create_index("ix_linkage_records_kind", "linkage_records", ["kind", "id"])
    op.create_table(
        "linkage_keys",
        sa.Column("record_id", sa.Integer,
                  sa.ForeignKey("linkage_records.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
    )
    op.create_index("ix_linkage_keys_key", "linkage_keys", ["key", "record_id"])
    op.create_index("ix_linkage_keys_record", "linkage_keys", ["record_id"])
    op.create_table(
        "linkage_pairs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("left_id", sa.Integer,
                  sa.ForeignKey("linkage_records.id", ondelete="CASCADE"), nullable=False),
        sa.Column("right_id", sa.Integer,
                  sa.ForeignKey("linkage_records.id", ondelete="CASCADE"), nullable=False),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("linkage_models.id"), nullable=False),
        sa.Column("match_weight", sa.Float, nullable=False),
        sa.Column("match_probability", sa.Float, nullable=False),
        sa.Column("waterfall", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("left_id", "right_id", name="uq_linkage_pair"),
    )
    op.create_index("ix_linkage_pairs_queue", "linkage_pairs",
                    ["kind", "status", "match_weight"])
    op.create_table(
        "linkage_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pair_id", sa.Integer,
                  sa.ForeignKey("linkage_pairs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("undone_by", sa.Integer),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_linkage_decisions_pair", "linkage_decisions", ["pair_id", "id"])
    with op.batch_alter_table("groups") as batch:
        batch.add_column(sa.Column("merged_into", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("merged_into")
    op.drop_index("ix_linkage_decisions_pair", table_name="linkage_decisions")
    op.drop_table("linkage_decisions")
    op.drop_index("ix_linkage_pairs_queue", table_name="linkage_pairs")
    op.drop_table("linkage_pairs")
    op.drop_index("ix_linkage_keys_record", table_name="linkage_keys")
    op.drop_index("ix_linkage_keys_key", table_name="linkage_keys")
    op.drop_table("linkage_keys")
    op.drop_index("ix_linkage_records_kind", table_name="linkage_records")
    op.drop_index("ix_linkage_records_cluster", table_name="linkage_records")
    op.drop_table("linkage_records")
    op.drop_table("linkage_clusters")
    op.drop_table("linkage_models")
