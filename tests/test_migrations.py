"""Schema changes come only through Alembic; upgrading keeps every row."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from drachma.access.actor import Actor
from drachma.model.roles import Role
from drachma.model.user import User
from drachma.reports import search_reports
from drachma.store.db import Store
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
