"""``drachma backup DEST`` and ``drachma restore SRC`` (see docs/operations.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from drachma.cli.common import console, err_console, friendly, open_store
from drachma.config import load_settings
from drachma.records.backup import backup as make_backup
from drachma.records.backup import restore as do_restore


@contextmanager
def _bars(verb: str) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar per stage of the work, on stderr."""
    tasks: dict[str, TaskID] = {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err_console) as progress:
        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(f"{verb} {stage}", total=total or None)
            progress.update(tasks[stage], completed=done, total=total or None)

        yield update


@friendly
def backup(
    dest: Path = typer.Argument(..., help="A new or empty folder to write the backup into."),
) -> None:
    """Copy the database, evidence blobs, key files and attachments, with a SHA-256 manifest,
    while the server keeps running."""
    with _bars("Copying") as update:
        result = make_backup(open_store(), load_settings(), dest, update)
    console.print(f"Backed up {result.dialect} database (revision {result.revision}) and "
                  f"{result.files} files ({result.bytes:,} bytes) to {result.path}; "
                  f"check it with: cd {result.path} && sha256sum -c MANIFEST.sha256")


@friendly
def restore(
    src: Path = typer.Argument(..., help="A backup folder made by 'drachma backup'."),
) -> None:
    """Check a backup against its manifest, bring it into an empty installation, then rebuild
    the search index from the restored reports."""
    with _bars("Restoring") as update:
        info = do_restore(open_store(), load_settings(), src, update)
    indexed = info.get("search_index")
    searched = (f"The search index was rebuilt ({indexed:,} reports)."
                if isinstance(indexed, int) else
                "The backup predates the search index: after 'drachma db upgrade', run "
                "'drachma search-index rebuild'.")
    console.print(f"Restored the backup made at {info.get('finished')} (revision "
                  f"{info.get('revision')}). {searched} Run 'drachma db upgrade' if this "
                  "version is newer, then 'drachma evidence verify'.")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
