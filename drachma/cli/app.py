"""The ``drachma`` command: a thin layer over the library's plain functions."""

from __future__ import annotations

import typer

from drachma import __version__
from drachma.cli import analytics, db, demo, extract, ingest, public, reports, serve, users
from drachma.cli import evidence as evidence_cli
from drachma.cli.common import set_database_url
from drachma.cli.incidents import register as register_incidents  # --- incidents ---
from drachma.cli.worker import register as register_worker  # --- incidents ---

app = typer.Typer(
    name="drachma",
    help="Drachma: police-side intelligence, safeguarding and evidence for OCAG activity.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"drachma {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    database: str = typer.Option(
        None, "--database", "-d", envvar="DRACHMA_DATABASE_URL",
        help="Database URL (default: SQLite file instance/drachma.db).",
    ),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Drachma command line."""
    set_database_url(database)


for module in (db, users, reports, ingest, extract, demo, serve, evidence_cli):
    module.register(app)
register_incidents(app)  # --- incidents ---
register_worker(app)  # --- incidents ---
analytics.register(app)  # --- analytics (issue 10) ---

# --- security ---
public.register(app)

# --- layer (issue 7): CLI faces of actions that had only a web face ---
from drachma.cli import audit as audit_cli  # noqa: E402
from drachma.cli import mentions as mentions_cli  # noqa: E402

for module in (audit_cli, mentions_cli):
    module.register(app)

from drachma.cli import backup as backup_cli  # noqa: E402  --- records (issue 13) ---
from drachma.cli import records as records_cli  # noqa: E402  --- records (issue 13) ---

backup_cli.register(app)  # --- records (issue 13) ---
records_cli.register(app)  # --- records (issue 13) ---

from drachma.cli import search_index as search_index_cli  # noqa: E402  --- search (issue 10) ---

search_index_cli.register(app)  # --- search (issue 10) ---
from drachma.cli import sharing as sharing_cli  # noqa: E402  --- sharing (issue 11) ---

sharing_cli.register(app)  # --- sharing (issue 11) ---
from drachma.cli import link as link_cli  # noqa: E402  --- linkage (issue 11) ---

link_cli.register(app)  # --- linkage (issue 11) ---


def main() -> None:
    app()
