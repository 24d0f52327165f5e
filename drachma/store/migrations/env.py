"""Alembic environment: runs on the connection Drachma hands it (see store.migrate)."""

from __future__ import annotations

from alembic import context

from drachma.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - drachma always passes a connection
    raise RuntimeError("run migrations through drachma.store.migrate, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
