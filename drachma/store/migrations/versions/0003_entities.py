"""Entities and incidents: groups with aliases, persons, places, incidents, investigations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("area_force", sa.String(64)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("confirmed", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "group_aliases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "group_id", sa.Integer, sa.ForeignKey("groups.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("alias", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.UniqueConstraint("group_id", "alias", name="uq_group_alias"),
    )
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("aliases", sa.Text, nullable=False),
        sa.Column("date_of_birth", sa.Date),
        sa.Column("addresses", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "places",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("district", sa.String(200)),
        sa.Column("force", sa.String(64)),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("within", sa.String(200)),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(200)),
        sa.Column("force", sa.String(64)),
        sa.Column("groups", sa.Text, nullable=False),
        sa.Column("decoy_age_claimed", sa.Integer),
        sa.Column("live_streamed", sa.Boolean, nullable=False),
        sa.Column("platform", sa.String(64)),
        sa.Column("stream_urls", sa.Text, nullable=False),
        sa.Column("viewers", sa.Integer),
        sa.Column("police_attended", sa.Boolean, nullable=False),
        sa.Column("outcome", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_incidents_occurred_at", "incidents", ["occurred_at"])
    op.create_table(
        "incident_reports",
        sa.Column(
            "incident_id",
            sa.Integer,
            sa.ForeignKey("incidents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_table(
        "investigations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(64), nullable=False, unique=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("force", sa.String(64)),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("subject_ids", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "investigations",
        "incident_reports",
        "incidents",
        "places",
        "persons",
        "group_aliases",
        "groups",
    ):
        op.drop_table(table)
