"""SQLAlchemy table definitions: the shape of the database at the newest migration.

Schema changes are made only through Alembic migrations in ``store/migrations/versions``; a test
checks that these tables and the migrated database agree.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("address", String(64)),
    Column("last_seen_at", DateTime(timezone=True)),  # migration 0012: for the idle time-out
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("reference", String(200), nullable=False, unique=True),
    # Identity of a human source is restricted: read only through access.sources, audited.
    Column("identity", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("source_kind", String(32), nullable=False),
    Column("source_id", Integer, ForeignKey("sources.id")),
    Column("grading_source", String(1), nullable=False),
    Column("grading_intelligence", String(1), nullable=False),
    Column("grading_handling", String(1), nullable=False),
    Column("handling_conditions", Text),
    Column("legacy_source", String(1)),
    Column("legacy_intelligence", String(1)),
    Column("legacy_handling", String(1)),
    Column("sanitised_text", Text),
    Column("review_date", Date),
    Column("force", String(64)),
    Column("occurred_on", Date),
    Column("created_by", Integer, ForeignKey("users.id")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("content_hash", String(64)),
    Index("ix_reports_received_at", "received_at"),
    Index("ix_reports_grading", "grading_source", "grading_intelligence"),
    Index("ix_reports_source_kind", "source_kind"),
    Index("ix_reports_force", "force"),
    Index("ix_reports_content_hash", "content_hash", unique=True),
    # Search with filters (migration 0006, drachma/store/search.py): a covering index by id for
    # SQLite's walk, and source kind + intelligence newest-first for PostgreSQL's.
    Index("ix_reports_search_filters", "id", "grading_handling", "source_kind",
          "grading_intelligence", "grading_source", "force", "received_at"),
    Index("ix_reports_kind_intelligence_id", "source_kind", "grading_intelligence", "id"),
)

report_access = Table(
    "report_access",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(32), primary_key=True),
    Index("ix_report_access_role", "role", "report_id"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_id", Integer),
    Column("actor_name", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("record_kind", String(32), nullable=False),
    Column("record_id", String(64)),
    Column("address", String(64)),
    Column("detail", Text, nullable=False, default="{}"),
    Index("ix_audit_at", "at"),
    Index("ix_audit_actor", "actor_name", "at"),
    Index("ix_audit_record", "record_kind", "record_id"),
)

groups = Table(
    "groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("area_force", String(64)),
    Column("status", String(32), nullable=False, default="unknown"),
    Column("confirmed", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

group_aliases = Table(
    "group_aliases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("alias", String(200), nullable=False),
    Column("kind", String(32), nullable=False, default="alias"),
    UniqueConstraint("group_id", "alias", name="uq_group_alias"),
)

persons = Table(
    "persons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("aliases", Text, nullable=False, default="[]"),
    Column("date_of_birth", Date),
    Column("addresses", Text, nullable=False, default="[]"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

places = Table(
    "places",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("district", String(200)),
    Column("force", String(64)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("within", String(200)),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("place", String(200)),
    Column("force", String(64)),
    Column("groups", Text, nullable=False, default="[]"),
    Column("decoy_age_claimed", Integer),
    Column("live_streamed", Boolean, nullable=False, default=False),
    Column("platform", String(64)),
    Column("stream_urls", Text, nullable=False, default="[]"),
    Column("viewers", Integer),
    Column("police_attended", Boolean, nullable=False, default=False),
    Column("outcome", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_incidents_occurred_at", "occurred_at"),
)

incident_reports = Table(
    "incident_reports",
    metadata,
    Column(
        "incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
)

investigations = Table(
    "investigations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(64), nullable=False, unique=True),
    Column("owner", String(200), nullable=False),
    Column("force", String(64)),
    Column("status", String(32), nullable=False, default="open"),
    Column("subject_ids", Text, nullable=False, default="[]"),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(32), nullable=False),
    Column("start_char", Integer, nullable=False),
    Column("end_char", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("attributes", Text, nullable=False, default="{}"),
    Column("review", String(16), nullable=False, default="pending"),
    Column("corrected_type", String(32)),
    Column("corrected_value", Text),
    Column("reviewed_by", Integer, ForeignKey("users.id")),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("extracted_at", DateTime(timezone=True), nullable=False),
    Index("ix_mentions_report", "report_id", "start_char"),
    Index("ix_mentions_type_value", "type", "value"),
)

mention_reviews = Table(
    "mention_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mention_id", Integer, ForeignKey("mentions.id", ondelete="CASCADE"), nullable=False),
    Column("actor_id", Integer),
    Column("actor_name", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("old_type", String(32), nullable=False),
    Column("old_value", Text, nullable=False),
    Column("new_type", String(32)),
    Column("new_value", Text),
    Index("ix_mention_reviews_mention", "mention_id", "at"),
)

# Intake (migration 0004): bulk ingest runs that can be resumed, and files kept with reports.

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("actor_id", Integer),
    Column("actor_name", String(64), nullable=False),
    Column("paths", Text, nullable=False),  # JSON list of the paths (or upload names) given
    Column("options", Text, nullable=False),  # JSON of the run's options, for --resume
    Column("status", String(16), nullable=False),  # running, interrupted, finished
    Column("stored", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
)

ingest_run_files = Table(
    "ingest_run_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("ingest_runs.id", ondelete="CASCADE"), nullable=False),
    Column("path", Text, nullable=False),
    Column("position", Integer, nullable=False, default=0),  # items of the file committed
    Column("done", Boolean, nullable=False, default=False),
    Column("encoding", String(32)),
    Column("error", Text),
    UniqueConstraint("run_id", "path", name="uq_ingest_run_file"),
)

ingest_failures = Table(
    "ingest_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("ingest_runs.id", ondelete="CASCADE"), nullable=False),
    Column("path", Text, nullable=False),
    Column("location", String(64)),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_ingest_failures_run", "run_id", "id"),
)

report_attachments = Table(
    "report_attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("media_type", String(255), nullable=False),
    Column("size", Integer, nullable=False),  # bytes; e-mails are limited to 50 MB
    Column("sha256", String(64), nullable=False),
    Column("stored_path", String(300), nullable=False),  # relative to the Drachma home
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_report_attachments_report", "report_id"),
    Index("ix_report_attachments_sha256", "sha256"),
)

# --- security (migration 0012): the public reporting triage queue, log-in throttling ----------

public_reports = Table(
    "public_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),
    Column("concern", String(32), nullable=False),
    Column("what_happened", Text, nullable=False),
    Column("when_text", String(200), nullable=False),
    Column("where_text", String(200), nullable=False),
    Column("platform", String(100), nullable=False),
    Column("links", Text, nullable=False),
    # Kept only when the person agreed to be contacted; read only by those who may read a
    # source's identity.
    Column("contact_name", String(200)),
    Column("contact_email", String(254)),
    Column("contact_phone", String(40)),
    Column("consent", Boolean, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # ungraded, graded
    Column("report_id", Integer, ForeignKey("reports.id")),
    Column("graded_by", Integer),
    Column("graded_at", DateTime(timezone=True)),
    Index("ix_public_reports_status", "status", "id"),
)

public_report_files = Table(
    "public_report_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("public_report_id", Integer, ForeignKey("public_reports.id", ondelete="CASCADE"),
           nullable=False),
    Column("filename", String(255), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("stored_path", String(300), nullable=False),  # relative to the Drachma home
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_public_report_files_report", "public_report_id"),
)

login_throttle = Table(
    "login_throttle",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # account, address
    Column("key", String(64), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("first_failure_at", DateTime(timezone=True), nullable=False),
    Column("locked_until", DateTime(timezone=True)),
    UniqueConstraint("kind", "key", name="uq_login_throttle"),
)
