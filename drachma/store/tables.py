"""SQLAlchemy table definitions: the shape of the database at the newest migration.

Schema changes are made only through Alembic migrations in ``store/migrations/versions``; a test
checks that these tables and the migrated database agree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
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
    sqlite_autoincrement=True,  # a disposed record's id is never given again (migration 0025)
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
    sqlite_autoincrement=True,  # a disposed record's id is never given again (migration 0025)
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
    sqlite_autoincrement=True,  # removed with a disposed record: its id never given again (0025)
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
    # Before revision 0014: the plain file's path relative to the Drachma home. Since then the
    # content is in the evidence blob store under ``sha256``, and this is NULL once it has moved.
    Column("stored_path", String(300), nullable=True),
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
# --- extraction pipeline version (issue 12, migration 0008) ----------------------------------
mentions.append_column(Column("pipeline_version", String(64)))  # NULL: read before versions

report_readings = Table(
    "report_readings",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("pipeline_version", String(64), nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=False),
    Index("ix_report_readings_version", "pipeline_version", "report_id"),
)

# --- evidence ---
# Evidence locker (migration 0009, docs/evidence.md): exhibits, their custody events, and the
# custody log (a Merkle tree of event digests) with its signed checkpoints. The log tables hold
# hashes only, so an event row can be redacted at its retention review and every proof still holds.

evidence_producers = Table(
    "evidence_producers",
    metadata,
    Column("initials", String(4), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("last_number", Integer, nullable=False, default=0),  # the newest JS/n allocated
    Column("created_at", DateTime(timezone=True), nullable=False),
)

exhibits = Table(
    "exhibits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("producer", String(4), ForeignKey("evidence_producers.initials"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("sub_number", Integer),
    Column("parent_id", Integer, ForeignKey("exhibits.id")),
    Column("redaction_of", Integer, ForeignKey("exhibits.id")),
    Column("description", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("received_from", String(200), nullable=False),
    Column("received_place", String(200), nullable=False),
    Column("original_name", String(255), nullable=False),
    Column("media_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("disclosure_category", String(16), nullable=False),
    Column("newest_inner_at", DateTime(timezone=True)),
    Column("sub_count", Integer, nullable=False, default=0),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_exhibits_parent", "parent_id"),
    Index("ix_exhibits_sha256", "sha256"),
)

exhibit_links = Table(
    "exhibit_links",
    metadata,
    Column("exhibit_id", Integer, ForeignKey("exhibits.id", ondelete="CASCADE"),
           primary_key=True),
    Column("kind", String(16), primary_key=True),  # report, incident, investigation
    Column("target_id", Integer, primary_key=True),
    Index("ix_exhibit_links_target", "kind", "target_id"),
)

custody_events = Table(
    "custody_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),  # leaf index in the custody log
    Column("exhibit_id", Integer, ForeignKey("exhibits.id"), nullable=False),
    Column("action", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_name", String(64)),  # NULL once redacted
    Column("reason", Text),  # NULL once redacted
    Column("salt", String(64)),  # NULL once redacted: the digest can no longer be recomputed
    Column("redacted_at", DateTime(timezone=True)),
    Index("ix_custody_events_exhibit", "exhibit_id", "seq"),
)

custody_log_head = Table(
    "custody_log_head",
    metadata,
    Column("id", Integer, primary_key=True),  # one row, id 1: locked to append in order
    Column("size", Integer, nullable=False),
)

custody_log_nodes = Table(
    "custody_log_nodes",
    metadata,
    # Every complete subtree of the RFC 6962 tree: level 0 are leaf hashes, level k covers the
    # 2**k leaves from index * 2**k; ``node`` is level * 2**40 + index (one key, one IN lookup).
    # Any proof is O(log n) of these.
    Column("node", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

custody_log_leaves = Table(
    "custody_log_leaves",
    metadata,
    Column("seq", Integer, primary_key=True),
    Column("digest", LargeBinary(32), nullable=False),  # SHA-256 of salt + canonical event
)

custody_checkpoints = Table(
    "custody_checkpoints",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("tree_size", Integer, nullable=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("timestamp_token", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_custody_checkpoints_size", "tree_size"),
)

# Disclosure (CPIA): items are numbered consecutively per investigation across every schedule
# (``disclosure_counters``); a revised schedule keeps its items' numbers.

disclosure_counters = Table(
    "disclosure_counters",
    metadata,
    Column("investigation_id", Integer, primary_key=True),
    Column("last_item", Integer, nullable=False),
)

disclosure_items = Table(
    "disclosure_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("investigation_id", Integer, nullable=False),
    Column("item_number", Integer, nullable=False),
    Column("schedule", String(8), nullable=False),  # MG6C or MG6D
    Column("exhibit_id", Integer, ForeignKey("exhibits.id")),
    Column("description", Text, nullable=False),
    Column("sensitivity", Text),  # MG6D: the reason the material is sensitive
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("investigation_id", "item_number", name="uq_disclosure_item_number"),
)

disclosure_reports = Table(
    "disclosure_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("investigation_id", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("items", Text, nullable=False),  # JSON list of item numbers that may undermine/assist
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("investigation_id", "revision", name="uq_disclosure_report_revision"),
)

# --- incidents and safeguarding ---
# Migration 0010: the live-incident record (columns added to 0003's incidents and investigations),
# subjects with their role, the timeline, THRIVE assessments (versions, never edited), tasks and
# their escalation, deconfliction (investigation subjects, blocking keys, alerts) and takedowns.

for _column in (
    Column("address", Text),
    Column("district", String(200)),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("risk_level", String(16)),
    Column("police_called_at", DateTime(timezone=True)),
    Column("police_arrived_at", DateTime(timezone=True)),
    Column("created_by", String(64)),
    Column("machine_read", Text, nullable=False, server_default="[]"),
):
    incidents.append_column(_column)
Index("ix_incidents_force_at", incidents.c.force, incidents.c.occurred_at)
Index("ix_incidents_district_at", incidents.c.district, incidents.c.occurred_at)
Index("ix_incidents_status_at", incidents.c.status, incidents.c.occurred_at)

for _column in (Column("owner_username", String(64)), Column("contact", String(200))):
    investigations.append_column(_column)

incident_groups = Table(
    "incident_groups",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"),
           primary_key=True),
    Column("group_name", String(200), primary_key=True),
    Index("ix_incident_groups_name", "group_name", "incident_id"),
)

incident_subjects = Table(
    "incident_subjects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(32), nullable=False),
    Column("name", String(200), nullable=False),
    Column("aliases", Text, nullable=False, default="[]"),
    Column("date_of_birth", Date),
    Column("address", Text),
    Column("postcode", String(16)),
    Column("handles", Text, nullable=False, default="[]"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_incident_subjects_incident", "incident_id", "id"),
    sqlite_autoincrement=True,  # removed with a disposed record: its id never given again (0025)
)

incident_events = Table(
    "incident_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("actor_name", String(64), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),
    Index("ix_incident_events_incident", "incident_id", "at", "id"),
    sqlite_autoincrement=True,  # removed with a disposed record: its id never given again (0025)
)

thrive_assessments = Table(
    "thrive_assessments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("focus", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("factors", Text, nullable=False),
    Column("notes", Text, nullable=False),
    Column("computed_level", String(16), nullable=False),
    Column("level", String(16), nullable=False),
    Column("override_reason", Text),
    Column("drivers", Text, nullable=False),
    Column("rules_source", Text, nullable=False),
    Column("assessed_by", String(64), nullable=False),
    Column("assessed_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("incident_id", "focus", "version", name="uq_thrive_version"),
    sqlite_autoincrement=True,  # removed with a disposed record: its id never given again (0025)
)

safeguarding_tasks = Table(
    "safeguarding_tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("assessment_id", Integer, ForeignKey("thrive_assessments.id")),
    Column("key", String(64), nullable=False),
    Column("title", String(300), nullable=False),
    Column("owner_role", String(32), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True)),
    Column("done_by", String(64)),
    Column("note", Text),
    Column("escalated_at", DateTime(timezone=True)),
    Index("ix_safeguarding_tasks_due", "status", "escalated_at", "due_at"),
    Index("ix_safeguarding_tasks_incident", "incident_id", "id"),
    sqlite_autoincrement=True,  # removed with a disposed record: its id never given again (0025)
)

investigation_subjects = Table(
    "investigation_subjects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("investigation_id", Integer, ForeignKey("investigations.id", ondelete="CASCADE"),
           nullable=False),
    Column("name", String(200), nullable=False),
    Column("aliases", Text, nullable=False, default="[]"),
    Column("date_of_birth", Date),
    Column("addresses", Text, nullable=False, default="[]"),
    Column("postcodes", Text, nullable=False, default="[]"),
    Column("handles", Text, nullable=False, default="[]"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_investigation_subjects_investigation", "investigation_id"),
    sqlite_autoincrement=True,  # a disposed record's id is never given again (migration 0025)
)

# Blocking keys: the candidate search for deconfliction is an indexed lookup of these, never a
# scan of every subject (see drachma/safeguarding/deconfliction.py for the kinds).
deconfliction_keys = Table(
    "deconfliction_keys",
    metadata,
    Column("subject_id", Integer, ForeignKey("investigation_subjects.id", ondelete="CASCADE"),
           nullable=False),
    Column("key", String(120), nullable=False),
    Index("ix_deconfliction_keys_key", "key", "subject_id"),
    Index("ix_deconfliction_keys_subject", "subject_id"),
)

deconfliction_alerts = Table(
    "deconfliction_alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("incident_subject_id", Integer,
           ForeignKey("incident_subjects.id", ondelete="CASCADE"), nullable=False),
    Column("investigation_id", Integer, ForeignKey("investigations.id", ondelete="CASCADE"),
           nullable=False),
    Column("investigation_subject_id", Integer,
           ForeignKey("investigation_subjects.id", ondelete="CASCADE"), nullable=False),
    Column("owner_username", String(64)),
    Column("score", Float, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True)),
    Column("emailed_at", DateTime(timezone=True)),
    UniqueConstraint("incident_subject_id", "investigation_subject_id", name="uq_alert_pair"),
    Index("ix_deconfliction_alerts_owner", "owner_username", "read_at"),
    sqlite_autoincrement=True,  # removed with a disposed record: its id never given again (0025)
)

takedowns = Table(
    "takedowns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("platform", String(64)),
    Column("kind", String(16), nullable=False),
    Column("legal_basis", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("preserved_exhibit", String(64)),
    Column("not_preserved_reason", Text),
    Column("requested_at", DateTime(timezone=True)),
    Column("answered_at", DateTime(timezone=True)),
    Column("reminded_at", DateTime(timezone=True)),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_takedowns_incident", "incident_id", "id"),
    Index("ix_takedowns_status", "status", "requested_at"),
    sqlite_autoincrement=True,  # removed with a disposed record: its id never given again (0025)
)
# --- analytics (migration 0011) --------------------------------------------------------------
# What each record is about, one row per (record, dimension, value), so that SQL counts by
# district, town, group, platform or outcome with a GROUP BY. See drachma/analytics/facts.py.

report_facts = Table(
    "report_facts",
    metadata,
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
    Column("dimension", String(16), primary_key=True),
    Column("value", String(200), primary_key=True),
    Column("origin", String(16), nullable=False),
    Index("ix_report_facts_dimension_value", "dimension", "value", "report_id"),
)

incident_facts = Table(
    "incident_facts",
    metadata,
    Column(
        "incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("dimension", String(16), primary_key=True),
    Column("value", String(200), primary_key=True),
    Column("origin", String(16), nullable=False),
    Index("ix_incident_facts_dimension_value", "dimension", "value", "incident_id"),
)

Index("ix_incidents_force_occurred", incidents.c.force, incidents.c.occurred_at)
Index("ix_reports_force_received", reports.c.force, reports.c.received_at,
      reports.c.grading_handling)
Index("ix_reports_received_counts", reports.c.received_at, reports.c.grading_handling,
      reports.c.force, reports.c.source_kind)

# --- records (issue 13): MoPI review dates and decisions (migration 0013) ---
record_reviews = Table(
    "record_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_kind", String(32), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("retention_group", String(64), nullable=False),
    Column("review_on", Date, nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("decided_by", String(64)),
    Column("decided_at", DateTime(timezone=True)),
    Column("content_sha256", String(64)),
    UniqueConstraint("record_kind", "record_id", name="uq_record_reviews_record"),
    Index("ix_record_reviews_due", "status", "review_on"),
)

# --- security: API tokens, second factor, log-in challenges, account notices (migration 0019) ---
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Index("ix_api_tokens_user", "user_id", "id"),
)

user_mfa = Table(
    "user_mfa",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("secret_encrypted", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True)),
    Column("last_step", BigInteger, nullable=False, server_default="0"),
)

mfa_recovery_codes = Table(
    "mfa_recovery_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Index("ix_mfa_recovery_codes_user", "user_id"),
)

login_challenges = Table(
    "login_challenges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("address", String(64)),
)

account_notices = Table(
    "account_notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True)),
    Index("ix_account_notices_user", "user_id", "seen_at"),
)


# --- search (issue 10): the search index's outbox and generation (migration 0017) ---
search_outbox = Table(
    "search_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", Integer, nullable=False),
    sqlite_autoincrement=True,
)
search_index_state = Table(
    "search_index_state",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("generation", String(64), nullable=False),
)

# --- linkage (issue 11, migration 0015): people and groups resolved with Splink, reviewed ---
linkage_models = Table(
    "linkage_models",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # person, group
    Column("version", Integer, nullable=False),
    Column("backend", String(16), nullable=False),  # duckdb, postgres, spark, fixed
    Column("settings", Text, nullable=False),  # Splink settings with trained m and u, JSON
    Column("record_count", Integer, nullable=False),
    Column("converged", Boolean, nullable=False),
    Column("trained_by", String(64), nullable=False),
    Column("trained_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kind", "version", name="uq_linkage_model_version"),
)

linkage_clusters = Table(
    "linkage_clusters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: The blocking keys of a linkage record, one column a kind of key (the letters before the colon
#: of :func:`drachma.link.features.person_keys` and of a group's ``g:`` key), two where a record
#: can have two keys of one kind (given name and surname): (kind, columns). Keys were rows of
#: ``linkage_keys`` before migration 0026.
LINKAGE_KEY_SLOTS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (kind, tuple(f"key_{kind}{n}" for n in range(1, count + 1)) if count > 1 else (f"key_{kind}",))
    for kind, count in (("n", 1), ("d", 1), ("s", 1), ("p", 1), ("q", 1), ("w", 1), ("b", 1),
                        ("a", 1), ("r", 1), ("t", 1), ("x", 2), ("y", 2), ("h", 1), ("g", 1),
                        ("pc", 1), ("born", 1)))
LINKAGE_KEY_COLUMNS: tuple[str, ...] = tuple(c for _, columns in LINKAGE_KEY_SLOTS
                                             for c in columns)
#: Kinds of key found through a coarser key every key of the kind implies (its *bucket*: the
#: postcode, ``pc:``, or the date of birth with day and month in either order, ``born:``): the
#: bucket's column is indexed and the kind's own columns are compared among its rows. Every
#: other kind's column has an index of its own (``LINKAGE_INDEXED_COLUMNS``): eight indexes
#: instead of sixteen, which is most of what writing a million records costs.
LINKAGE_KEY_BUCKETS: dict[str, str] = {"p": "pc", "q": "pc", "a": "pc", "x": "pc",
                                       "d": "born", "s": "born", "b": "born", "y": "born"}
LINKAGE_INDEXED_COLUMNS: tuple[str, ...] = tuple(
    c for kind, columns in LINKAGE_KEY_SLOTS if kind not in LINKAGE_KEY_BUCKETS for c in columns)

linkage_records = Table(
    "linkage_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    # person, mention, incident_subject, investigation_subject, group
    Column("source_kind", String(32), nullable=False),
    Column("source_id", Integer, nullable=False),
    Column("features", Text, nullable=False),  # the normalised values compared, JSON
    Column("cluster_id", Integer, ForeignKey("linkage_clusters.id")),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    *(Column(name, String(120)) for name in LINKAGE_KEY_COLUMNS),
    UniqueConstraint("source_kind", "source_id", name="uq_linkage_record_source"),
    Index("ix_linkage_records_cluster", "cluster_id"),
    Index("ix_linkage_records_kind", "kind", "id"),
    *(Index(f"ix_linkage_records_{name}", name, sqlite_where=text(f"{name} IS NOT NULL"),
            postgresql_where=text(f"{name} IS NOT NULL")) for name in LINKAGE_INDEXED_COLUMNS),
)

linkage_pairs = Table(
    "linkage_pairs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("left_id", Integer, ForeignKey("linkage_records.id", ondelete="CASCADE"),
           nullable=False),
    Column("right_id", Integer, ForeignKey("linkage_records.id", ondelete="CASCADE"),
           nullable=False),
    Column("model_id", Integer, ForeignKey("linkage_models.id"), nullable=False),
    Column("match_weight", Float, nullable=False),
    Column("match_probability", Float, nullable=False),
    Column("waterfall", Text, nullable=False),  # JSON: each comparison's level and weight
    Column("status", String(16), nullable=False),  # pending, confirmed, rejected
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", DateTime(timezone=True)),
    UniqueConstraint("left_id", "right_id", name="uq_linkage_pair"),
    Index("ix_linkage_pairs_queue", "kind", "status", "match_weight"),
)

linkage_decisions = Table(
    "linkage_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pair_id", Integer, ForeignKey("linkage_pairs.id", ondelete="CASCADE"),
           nullable=False),
    Column("decision", String(16), nullable=False),  # confirm, reject, undo
    Column("changes", Text, nullable=False),  # JSON: what it changed, so it can be undone
    Column("undone_by", Integer),
    Column("actor_name", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_linkage_decisions_pair", "pair_id", "id"),
)

groups.append_column(Column("merged_into", Integer))  # a group confirmed to be another's alias

# --- counts (issue 10): rollups kept in step with every write (migration 0018) ---
# One row per combination of what a count can filter on, with how many records have it.
# ``dimension`` is "" for the record itself, a fact dimension (district, town, group, platform,
# outcome) for one of its facts, or "+" and a dimension for "has at least one" (for the
# "not recorded" figure). ``month`` is the UK month (Europe/London) of the record's date;
# ``access`` is "P" for a report anyone may read, else ",role,role," (handling code C) -
# incidents are always "P". Columns that do not apply (incidents' source kind, grading) hold "".
fact_counts = Table(
    "fact_counts",
    metadata,
    Column("subject", String(9), nullable=False),
    Column("dimension", String(17), nullable=False),
    Column("value", String(200), nullable=False),
    Column("month", String(7), nullable=False),
    Column("force", String(64), nullable=False),
    Column("source_kind", String(32), nullable=False),
    Column("grading_source", String(1), nullable=False),
    Column("grading_intelligence", String(1), nullable=False),
    Column("grading_handling", String(1), nullable=False),
    Column("access", String(100), nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("subject", "dimension", "value", "month", "force", "source_kind",
                         "grading_source", "grading_intelligence", "grading_handling", "access"),
    sqlite_with_rowid=False,  # the key is the table: a range of it is read in order, n with it
)

# Records with one fact (``dimension_a``/``value_a``, or "" for any record) counted by another
# (``dimension_b``/``value_b``): every count without source kind or grading, such as a group's
# districts or co-occurring groups. The month comes before ``value_b`` in the key, so a range of
# months is one range of the key.
fact_pair_counts = Table(
    "fact_pair_counts",
    metadata,
    Column("subject", String(9), nullable=False),
    Column("dimension_a", String(17), nullable=False),
    Column("value_a", String(200), nullable=False),
    Column("dimension_b", String(17), nullable=False),
    Column("month", String(7), nullable=False),
    Column("value_b", String(200), nullable=False),
    Column("force", String(64), nullable=False),
    Column("access", String(100), nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("subject", "dimension_a", "value_a", "dimension_b", "month", "value_b",
                         "force", "access"),
    sqlite_with_rowid=False,
)

# What each record was last counted under, so that a change subtracts exactly what it added.
counted_records = Table(
    "counted_records",
    metadata,
    Column("subject", String(9), primary_key=True),
    Column("record_id", Integer, primary_key=True),
    Column("month", String(7), nullable=False),
    Column("force", String(64), nullable=False),
    Column("source_kind", String(32), nullable=False),
    Column("grading_source", String(1), nullable=False),
    Column("grading_intelligence", String(1), nullable=False),
    Column("grading_handling", String(1), nullable=False),
    Column("access", String(100), nullable=False),
)

# --- the report list's total (issue 13: load) ---
# Reports per UK month of receipt and access key ("P", or ",analyst,officer," for the roles a C
# report is open to), kept in step with every write by the same deltas as ``fact_counts``' rows
# for each report itself (dimension ""): a list's total for a role is a sum over a few hundred
# rows, whatever the number of reports.
report_list_counts = Table(
    "report_list_counts",
    metadata,
    Column("month", String(7), nullable=False),
    Column("access", String(100), nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("month", "access"),
    sqlite_with_rowid=False,
)

# Which incidents a report is linked to (migration 0021): asked for every report written.
Index("ix_incident_reports_report", incident_reports.c.report_id, incident_reports.c.incident_id)

# PostgreSQL (migration 0021): each rollup's key with n, so that a page's sums are index-only
# scans. SQLite's rollups are WITHOUT ROWID tables, read in key order with n already.
Index("ix_fact_counts_read", *(fact_counts.c[name] for name in (
    "subject", "dimension", "value", "month", "force", "source_kind", "grading_source",
    "grading_intelligence", "grading_handling", "access")),
    postgresql_include=["n"]).ddl_if(dialect="postgresql")
Index("ix_fact_pair_counts_read", *(fact_pair_counts.c[name] for name in (
    "subject", "dimension_a", "value_a", "dimension_b", "month", "value_b", "force", "access")),
    postgresql_include=["n"]).ddl_if(dialect="postgresql")

# --- the pair rollup by year (issue 10: the dashboard at a million reports) ---
# ``fact_pair_counts`` summed over the twelve UK months of each year, kept in step by the same
# deltas (``drachma/store/rollups.py``): a count over whole years sums a twelfth of the rows.
# A count's partly covered years at either end are summed from ``fact_pair_counts`` by month.
# PostgreSQL: the key INCLUDEs n, so that the sums are index-only scans.
fact_pair_year_counts = Table(
    "fact_pair_year_counts",
    metadata,
    Column("subject", String(9), nullable=False),
    Column("dimension_a", String(17), nullable=False),
    Column("value_a", String(200), nullable=False),
    Column("dimension_b", String(17), nullable=False),
    Column("year", String(4), nullable=False),
    Column("value_b", String(200), nullable=False),
    Column("force", String(64), nullable=False),
    Column("access", String(100), nullable=False),
    Column("n", Integer, nullable=False),
    PrimaryKeyConstraint("subject", "dimension_a", "value_a", "dimension_b", "year", "value_b",
                         "force", "access", postgresql_include=["n"]),
    sqlite_with_rowid=False,
)
