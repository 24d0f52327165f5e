"""``drachma init`` and ``drachma db upgrade``."""

from __future__ import annotations

import typer

from drachma.cli.common import console, friendly, open_store
from drachma.config import load_settings
from drachma.evidence.keys import ensure_evidence_keys
from drachma.intake.attachments import UpgradeOutcome, upgrade_keeping_attachments

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@db_app.command("upgrade")
@friendly
def db_upgrade(
    revision: str = typer.Option("head", help="Alembic revision to bring the database to."),
) -> None:
    """Bring an existing database forward to the newest schema, keeping every row, and move
    e-mail attachments kept as plain files into the evidence blob store (needs its key)."""
    store = open_store()
    settings = load_settings()
    outcome = upgrade_keeping_attachments(store, settings.home, settings.evidence_settings(),
                                          revision)
    before, after = outcome.before, outcome.after
    if before == after:
        console.print(f"Database {store.safe_url} is already at revision {after}.")
    else:
        console.print(f"Database {store.safe_url} upgraded from {before or 'empty'} to {after}.")
    _report_move(outcome)


def _report_move(outcome: UpgradeOutcome) -> None:
    if outcome.moved:
        console.print(f"Moved {outcome.moved:,} e-mail attachments ({outcome.moved_bytes:,} bytes) "
                      "into the evidence blob store; each read back identical before its plain "
                      "file was removed.")


@friendly
def init() -> None:
    """Create the database (or bring it up to date) ready for use."""
    store = open_store()
    settings = load_settings()
    made_keys = ensure_evidence_keys(settings.evidence_settings())
    outcome = upgrade_keeping_attachments(store, settings.home, settings.evidence_settings())
    if outcome.before is None:
        console.print(f"Created database {store.safe_url} at revision {outcome.after}.")
    else:
        console.print(f"Database {store.safe_url} is ready (revision {outcome.after}).")
    for line in made_keys:
        console.print(line)
    _report_move(outcome)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(db_app, name="db")
