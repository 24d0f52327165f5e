"""``drachma init`` and ``drachma db upgrade``."""

from __future__ import annotations

import typer

from drachma.cli.common import console, friendly, open_store
from drachma.config import load_settings
from drachma.evidence.keys import ensure_evidence_keys
from drachma.store.migrate import upgrade

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@db_app.command("upgrade")
@friendly
def db_upgrade(
    revision: str = typer.Option("head", help="Alembic revision to bring the database to."),
) -> None:
    """Bring an existing database forward to the newest schema, keeping every row."""
    store = open_store()
    before, after = upgrade(store, revision)
    if before == after:
        console.print(f"Database {store.safe_url} is already at revision {after}.")
    else:
        console.print(f"Database {store.safe_url} upgraded from {before or 'empty'} to {after}.")


@friendly
def init() -> None:
    """Create the database (or bring it up to date) ready for use."""
    store = open_store()
    before, after = upgrade(store)
    if before is None:
        console.print(f"Created database {store.safe_url} at revision {after}.")
    else:
        console.print(f"Database {store.safe_url} is ready (revision {after}).")
    for line in ensure_evidence_keys(load_settings().evidence_settings()):
        console.print(line)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")
