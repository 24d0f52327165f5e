"""Schema changes come only through Alembic; upgrading keeps every row."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from drachma.access.actor import Actor
from drachma.model.roles import Role
from drachma.model.user import User
from drachma.reports import search_reports
from drachma.store import linkage as link_store
from drachma.store.db import Store
from drachma.store.linkage import key_row
from drachma.store.migrate import current_revision, head_revision, upgrade
from drachma.store.tables import metadata


def _insert_rows_at_first_revision(store: Store) -> None:
    now = datetime(2018, 5, 1, 12, 0, tzinfo=UTC)
    with store.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, display_name, role, password_hash, active, "
                "created_at) VALUES ('old.analyst', 'Old Analyst', 'analyst', 'x', :t, :now)"
            ),
            {"t": True, "now": now},
        )
        for n in range(3):
            conn.execute(
                text(
                    "INSERT INTO reports (title, body, received_at, source_kind, grading_source, "
                    "grading_intelligence, grading_handling, created_at) VALUES "
                    "(:title, :body, :now, 'officer', '2', 'B', 'P', :now)"
                ),
                {"title": f"Old report {n}", "body": f"Heliotrope meeting number {n}", "now": now},
            )


def test_upgrade_from_the_first_revision_keeps_rows_and_indexes_them(empty_store: Store) -> None:
    upgrade(empty_store, "0001")
    assert current_revision(empty_store) == "0001"
    _insert_rows_at_first_revision(empty_store)

    before, after = upgrade(empty_store)

    assert (before, after) == ("0001", head_revision())
    with empty_store.begin() as conn:
        titles = conn.execute(text("SELECT title FROM reports ORDER BY id")).scalars().all()
        users = conn.execute(text("SELECT username FROM users")).scalars().all()
    assert titles == ["Old report 0", "Old report 1", "Old report 2"]
    assert users == ["old.analyst"]
    # Rows that existed before the search index was added are searchable after the upgrade.
    reader = Actor(User("reader", "Reader", Role.ANALYST, id=1))
    hits = search_reports(empty_store, reader, "heliotrope").hits
    assert sorted(h.report.title for h in hits) == titles


def test_upgrading_twice_changes_nothing(store: Store) -> None:
    assert upgrade(store) == (head_revision(), head_revision())


def test_the_migrated_schema_has_every_table_the_code_defines(store: Store) -> None:
    names = set(inspect(store.engine).get_table_names())
    assert set(metadata.tables) <= names
    for table in metadata.tables.values():
        columns = {c["name"] for c in inspect(store.engine).get_columns(table.name)}
        assert {c.name for c in table.columns} <= columns, table.name


def test_sqlite_runs_in_wal_mode(sqlite_store: Store) -> None:
    with sqlite_store.begin() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


def test_0022_fills_the_pair_rollup_by_year_from_the_months(empty_store: Store) -> None:
    """Migration 0022 sums the monthly pair rollup already stored into years."""
    upgrade(empty_store, "0021")
    rows = [("reports", "", "", "district", "2017-12", "E08000003", "greater-manchester", "P", 2),
            ("reports", "", "", "district", "2018-01", "E08000003", "greater-manchester", "P", 3),
            ("reports", "", "", "district", "2018-12", "E08000003", "greater-manchester", "P", 4),
            ("reports", "", "", "district", "2018-06", "E08000003", "greater-manchester",
             ",investigator,", 1),
            ("reports", "", "", "", "2018-03", "", "merseyside", "P", 5),
            ("reports", "", "", "", "2018-04", "", "merseyside", "P", -5)]  # sums to 0: left out
    with empty_store.begin() as conn:
        for row in rows:
            conn.execute(text(
                "INSERT INTO fact_pair_counts (subject, dimension_a, value_a, dimension_b, month, "
                "value_b, force, access, n) VALUES (:s, :da, :va, :db, :m, :vb, :f, :a, :n)"),
                dict(zip(("s", "da", "va", "db", "m", "vb", "f", "a", "n"), row, strict=True)))
    upgrade(empty_store)
    with empty_store.begin() as conn:
        got = sorted(tuple(r) for r in conn.execute(text(
            "SELECT year, value_b, force, access, n FROM fact_pair_year_counts")))
    assert got == [("2017", "E08000003", "greater-manchester", "P", 2),
                   ("2018", "E08000003", "greater-manchester", ",investigator,", 1),
                   ("2018", "E08000003", "greater-manchester", "P", 7)]


def _schema_objects(store: Store) -> set[tuple[str, str, str]]:
    with store.begin() as conn:
        return {(r[0], r[1], r[2]) for r in conn.execute(text(
            "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
            "AND sql IS NOT NULL"))}


def test_0025_keeps_every_row_and_link_and_ids_continue_above_any_disposed_of(
        empty_store: Store) -> None:
    """Migration 0025 rebuilds reports, incidents and investigation subjects on SQLite
    (AUTOINCREMENT) with foreign keys off: rows pointing at them survive, indexes and triggers
    are as they were, and the next id is above every id a review row names."""
    upgrade(empty_store, "0022")
    now = datetime(2018, 5, 1, 12, 0, tzinfo=UTC)
    with empty_store.begin() as conn:
        for n in range(1, 6):
            conn.execute(text(
                "INSERT INTO reports (title, body, received_at, source_kind, grading_source, "
                "grading_intelligence, grading_handling, created_at) VALUES "
                "(:title, :body, :now, 'officer', '2', 'B', 'P', :now)"),
                {"title": f"Old report {n}", "body": f"Heliotrope meeting number {n}", "now": now})
            conn.execute(text("INSERT INTO report_access (report_id, role) VALUES (:n, 'analyst')"),
                         {"n": n})
        for _n in range(1, 3):
            conn.execute(text(
                "INSERT INTO incidents (occurred_at, groups, live_streamed, stream_urls, "
                "police_attended, created_at) VALUES (:now, '[]', :f, '[]', :f, :now)"),
                {"now": now, "f": False})
        conn.execute(text("INSERT INTO incident_reports (incident_id, report_id) VALUES (1, 3)"))
        conn.execute(text(
            "INSERT INTO investigations (reference, owner, status, subject_ids, created_at) "
            "VALUES ('OP INVENTED', 'someone', 'open', '[1]', :now)"), {"now": now})
        conn.execute(text(
            "INSERT INTO investigation_subjects (investigation_id, name, aliases, addresses, "
            "postcodes, handles, created_at) VALUES (1, 'Invented Subject', '[]', '[]', '[]', "
            "'[]', :now)"), {"now": now})
        conn.execute(text("INSERT INTO deconfliction_keys (subject_id, key) VALUES (1, 'k')"))
        conn.execute(text(
            "INSERT INTO audit_events (at, actor_name, action, record_kind, record_id, detail) "
            "VALUES (:now, 'someone', 'create', 'incident_subject', '7', '{}')"), {"now": now})
        # the two newest reports and the newest incident were disposed of (MoPI review)
        conn.execute(text("DELETE FROM reports WHERE id IN (4, 5)"))
        conn.execute(text("DELETE FROM incidents WHERE id = 2"))
        for kind, rid in (("report", 4), ("report", 5), ("incident", 2)):
            conn.execute(text(
                "INSERT INTO record_reviews (record_kind, record_id, retention_group, review_on, "
                "status) VALUES (:k, :r, 'g', :on, 'disposed')"),
                {"k": kind, "r": rid, "on": now.date()})
    sqlite = empty_store.engine.dialect.name == "sqlite"
    objects = _schema_objects(empty_store) if sqlite else set()

    upgrade(empty_store, "0025")

    with empty_store.begin() as conn:
        def rows(sql: str) -> list[tuple[object, ...]]:
            return [tuple(r) for r in conn.execute(text(sql))]
        assert rows("SELECT id, title FROM reports ORDER BY id") == [
            (1, "Old report 1"), (2, "Old report 2"), (3, "Old report 3")]
        assert rows("SELECT report_id, role FROM report_access ORDER BY report_id") == [
            (1, "analyst"), (2, "analyst"), (3, "analyst")]
        assert rows("SELECT incident_id, report_id FROM incident_reports") == [(1, 3)]
        assert rows("SELECT id FROM incidents") == [(1,)]
        assert rows("SELECT subject_id, key FROM deconfliction_keys") == [(1, "k")]
        assert rows("SELECT count(*) FROM record_reviews") == [(3,)]
        if sqlite:
            for table in ("reports", "incidents", "investigation_subjects", "mentions",
                          "incident_subjects", "incident_events", "thrive_assessments",
                          "safeguarding_tasks", "takedowns", "deconfliction_alerts"):
                create = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = :t"),
                                      {"t": table}).scalar_one()
                assert "AUTOINCREMENT" in create, table
            assert not rows("PRAGMA foreign_key_check")
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        conn.execute(text(
            "INSERT INTO reports (title, body, received_at, source_kind, grading_source, "
            "grading_intelligence, grading_handling, created_at) VALUES "
            "('New', 'Heliotrope again', :now, 'officer', '2', 'B', 'P', :now)"), {"now": now})
        conn.execute(text(
            "INSERT INTO incidents (occurred_at, groups, live_streamed, stream_urls, "
            "police_attended, created_at) VALUES (:now, '[]', :f, '[]', :f, :now)"),
            {"now": now, "f": False})
        assert rows("SELECT max(id) FROM reports") == [(6,)]  # not 4 or 5: disposed of
        assert rows("SELECT max(id) FROM incidents") == [(3,)]
        conn.execute(text(
            "INSERT INTO incident_subjects (incident_id, role, name, aliases, handles, "
            "created_at, updated_at) VALUES (1, 'subject', 'Invented', '[]', '[]', :now, :now)"),
            {"now": now})
        if sqlite:  # above the id the audit log names (PostgreSQL's sequence never gave it)
            assert rows("SELECT max(id) FROM incident_subjects") == [(8,)]
    if sqlite:
        assert _schema_objects(empty_store) == objects  # indexes and triggers as they were
    upgrade(empty_store)
    reader = Actor(User("reader", "Reader", Role.ANALYST, id=1))
    hits = search_reports(empty_store, reader, "heliotrope").hits
    assert sorted(h.report.id for h in hits) == [1, 2, 3, 6]


def test_0026_moves_the_stored_blocking_keys_into_the_record_columns(empty_store: Store) -> None:
    """Migration 0026: the keys of ``linkage_keys`` become the record's key columns, two of a
    kind in byte order (as ``key_row`` puts them, whatever the database's collation), the
    buckets come from the stored features, and ``linkage_keys`` goes."""
    upgrade(empty_store, "0025")
    keys = {
        "person": {"n:JNS:john", "x:M11AA:zed", "x:M11AA:Adam", "y:1980-01-02:jones",
                   "h:someone"},
        "incident_subject": {"w:adam zed", "r:1 high street"},
        "group": {"g:north watch"},
    }
    features = {"person": '{"dob_key": "19800102", "postcode": "M11AA"}',
                "incident_subject": '{"dob_key": null, "postcode": "BL14AA"}'}
    with empty_store.begin() as conn:
        for n, (source_kind, found) in enumerate(keys.items(), start=1):
            conn.execute(text(
                "INSERT INTO linkage_records (id, kind, source_kind, source_id, features, "
                "updated_at) VALUES (:id, :kind, :source_kind, :id, :features, :now)"),
                {"id": n, "kind": "group" if source_kind == "group" else "person",
                 "source_kind": source_kind, "now": datetime(2026, 11, 28, tzinfo=UTC),
                 "features": features.get(source_kind, "{}")})
            for key in found:
                conn.execute(text("INSERT INTO linkage_keys (record_id, key) VALUES (:r, :k)"),
                             {"r": n, "k": key})
    upgrade(empty_store)
    buckets = {1: {"pc:M11AA", "born:19800102"}, 2: {"pc:BL14AA"}}  # from the features
    with empty_store.begin() as conn:
        assert link_store.stored_keys(conn) == {
            n: found | buckets.get(n, set()) for n, found in enumerate(keys.values(), start=1)}
        row = conn.execute(text("SELECT key_x1, key_x2, key_y1, key_y2, key_g "
                                "FROM linkage_records WHERE id = 1")).one()
    assert tuple(row) == ("x:M11AA:Adam", "x:M11AA:zed", "y:1980-01-02:jones", None, None)
    assert tuple(row)[:2] == key_row(keys["person"])[10:12]
    assert "linkage_keys" not in inspect(empty_store.engine).get_table_names()
