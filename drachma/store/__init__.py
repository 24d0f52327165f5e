"""The only layer that speaks SQL: tables, migrations, repositories, full-text search."""
