"""``drachma search-index rebuild|sync|status``: the search index (docs/search.md)."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from drachma.cli.common import cli_actor, console, friendly, open_store
from drachma.reports.search_index import index_status, rebuild_index, sync_index
from drachma.store.search_index import Progress as Done

index_app = typer.Typer(help="The search index: rebuild it from the database, apply queued "
                        "changes, see how it stands.", no_args_is_help=True)


@index_app.command("rebuild")
@friendly
def rebuild() -> None:
    """Build the search index again from every report in the database, with a progress bar."""
    store = open_store()
    with Progress(TextColumn("indexing reports"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("index", total=None)

        def advance(done: Done) -> None:
            progress.update(task, completed=done.done, total=done.total)

        indexed = rebuild_index(store, cli_actor(), advance)
    console.print(f"Search index rebuilt: {indexed:,} reports.")


@index_app.command("sync")
@friendly
def sync() -> None:
    """Apply every change queued since the last search (a search does this itself)."""
    applied = sync_index(open_store(), cli_actor())
    console.print(f"Applied {applied:,} queued changes to the search index.")


@index_app.command("status")
@friendly
def status() -> None:
    """Where the index is, how many reports it holds, and how many changes are queued."""
    found = index_status(open_store(), cli_actor())
    console.print(f"Index folder: {found.path}")
    if found.documents is None:
        console.print("No usable index there: run 'drachma search-index rebuild' (a search of a "
                      "small database builds it itself).")
    else:
        console.print(f"Reports indexed: {found.documents:,}")
    console.print(f"Changes queued: {found.queued:,}")
    console.print("Built from this database: " + ("yes" if found.generation_matches else
                                                   "no - it will be rebuilt"))


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="search-index")
