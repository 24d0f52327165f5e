"""Incidents and safeguarding: the live-incident record, subjects, timeline, THRIVE assessments,
tasks, deconfliction (investigation subjects, blocking keys, alerts) and takedown requests.

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _incident_fk() -> "sa.Column[int]":
    return sa.Column(
        "incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("address", sa.Text))
        batch.add_column(sa.Column("district", sa.String(200)))
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="open"))
        batch.add_column(sa.Column("risk_level", sa.String(16)))
        batch.add_column(sa.Column("police_called_at", _tz()))
        batch.add_column(sa.Column("police_arrived_at", _tz()))
        batch.add_column(sa.Column("created_by", sa.String(64)))
        batch.add_column(sa.Column("machine_read", sa.Text, nullable=False, server_default="[]"))
    op.create_index("ix_incidents_force_at", "incidents", ["force", "occurred_at"])
    op.create_index("ix_incidents_district_at", "incidents", ["district", "occurred_at"])
    op.create_index("ix_incidents_status_at", "incidents", ["status", "occurred_at"])
    with op.batch_alter_table("investigations") as batch:
        batch.add_column(sa.Column("owner_username", sa.String(64)))
        batch.add_column(sa.Column("contact", sa.String(200)))

    op.create_table(
        "incident_groups",
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("group_name", sa.String(200), primary_key=True),
    )
    op.create_index("ix_incident_groups_name", "incident_groups", ["group_name", "incident_id"])
    # Groups of the incidents already stored (0003 kept them as a JSON list).
    conn = op.get_bind()
    import json

    rows = conn.execute(sa.text("SELECT id, groups FROM incidents")).fetchall()
    links = [
        {"incident_id": row[0], "group_name": name}
        for row in rows for name in dict.fromkeys(json.loads(row[1] or "[]"))
    ]
    if links:
        conn.execute(
            sa.text("INSERT INTO incident_groups (incident_id, group_name) "
                    "VALUES (:incident_id, :group_name)"), links)

    op.create_table(
        "incident_subjects",
        sa.Column("id", sa.Integer, primary_key=True),
        _incident_fk(),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("aliases", sa.Text, nullable=False),
        sa.Column("date_of_birth", sa.Date),
        sa.Column("address", sa.Text),
        sa.Column("postcode", sa.String(16)),
        sa.Column("handles", sa.Text, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
    )
    op.create_index("ix_incident_subjects_incident", "incident_subjects", ["incident_id", "id"])
    op.create_table(
        "incident_events",
        sa.Column("id", sa.Integer, primary_key=True),
        _incident_fk(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", _tz(), nullable=False),
        sa.Column("recorded_at", _tz(), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_incident_events_incident", "incident_events", ["incident_id", "at", "id"])
    op.create_table(
        "thrive_assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        _incident_fk(),
        sa.Column("focus", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("factors", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("computed_level", sa.String(16), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("override_reason", sa.Text),
        sa.Column("drivers", sa.Text, nullable=False),
        sa.Column("rules_source", sa.Text, nullable=False),
        sa.Column("assessed_by", sa.String(64), nullable=False),
        sa.Column("assessed_at", _tz(), nullable=False),
        sa.UniqueConstraint("incident_id", "focus", "version", name="uq_thrive_version"),
    )
    op.create_table(
        "safeguarding_tasks",
        sa.Column("id", sa.Integer, primary_key=True),
        _incident_fk(),
        sa.Column("assessment_id", sa.Integer, sa.ForeignKey("thrive_assessments.id")),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("owner_role", sa.String(32), nullable=False),
        sa.Column("due_at", _tz(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("done_at", _tz()),
        sa.Column("done_by", sa.String(64)),
        sa.Column("note", sa.Text),
        sa.Column("escalated_at", _tz()),
    )
    op.create_index("ix_safeguarding_tasks_due", "safeguarding_tasks",
                    ["status", "escalated_at", "due_at"])
    op.create_index("ix_safeguarding_tasks_incident", "safeguarding_tasks", ["incident_id", "id"])
    op.create_table(
        "investigation_subjects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("investigation_id", sa.Integer,
                  sa.ForeignKey("investigations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("aliases", sa.Text, nullable=False),
        sa.Column("date_of_birth", sa.Date),
        sa.Column("addresses", sa.Text, nullable=False),
        sa.Column("postcodes", sa.Text, nullable=False),
        sa.Column("handles", sa.Text, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
    )
    op.create_index("ix_investigation_subjects_investigation", "investigation_subjects",
                    ["investigation_id"])
    op.create_table(
        "deconfliction_keys",
        sa.Column("subject_id", sa.Integer,
                  sa.ForeignKey("investigation_subjects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
    )
    op.create_index("ix_deconfliction_keys_key", "deconfliction_keys", ["key", "subject_id"])
    op.create_index("ix_deconfliction_keys_subject", "deconfliction_keys", ["subject_id"])
    op.create_table(
        "deconfliction_alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        _incident_fk(),
        sa.Column("incident_subject_id", sa.Integer,
                  sa.ForeignKey("incident_subjects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("investigation_id", sa.Integer,
                  sa.ForeignKey("investigations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("investigation_subject_id", sa.Integer,
                  sa.ForeignKey("investigation_subjects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("owner_username", sa.String(64)),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("read_at", _tz()),
        sa.Column("emailed_at", _tz()),
        sa.UniqueConstraint("incident_subject_id", "investigation_subject_id",
                            name="uq_alert_pair"),
    )
    op.create_index("ix_deconfliction_alerts_owner", "deconfliction_alerts",
                    ["owner_username", "read_at"])
    op.create_table(
        "takedowns",
        sa.Column("id", sa.Integer, primary_key=True),
        _incident_fk(),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("platform", sa.String(64)),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("legal_basis", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("preserved_exhibit", sa.String(64)),
        sa.Column("not_preserved_reason", sa.Text),
        sa.Column("requested_at", _tz()),
        sa.Column("answered_at", _tz()),
        sa.Column("reminded_at", _tz()),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
    )
    op.create_index("ix_takedowns_incident", "takedowns", ["incident_id", "id"])
    op.create_index("ix_takedowns_status", "takedowns", ["status", "requested_at"])


def downgrade() -> None:
    for table in ("takedowns", "deconfliction_alerts", "deconfliction_keys",
                  "investigation_subjects", "safeguarding_tasks", "thrive_assessments",
                  "incident_events", "incident_subjects", "incident_groups"):
        op.drop_table(table)
    for index in ("ix_incidents_force_at", "ix_incidents_district_at", "ix_incidents_status_at"):
        op.drop_index(index, table_name="incidents")
    with op.batch_alter_table("investigations") as batch:
        batch.drop_column("contact")
        batch.drop_column("owner_username")
    with op.batch_alter_table("incidents") as batch:
        for column in ("machine_read", "created_by", "police_arrived_at", "police_called_at",
                       "risk_level", "status", "district", "address"):
            batch.drop_column(column)
