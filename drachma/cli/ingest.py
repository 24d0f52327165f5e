"""``drachma ingest``: take in files and folders as graded reports, with a progress bar.

Exit codes: 0 when the run completed, even if some files or items failed (each failure is printed
with its file and reason, and counted in the summary); 1 when nothing could be read (every item
failed, or no files were found) or the command itself was wrong; 130 when interrupted (resume with
``--resume RUN_ID``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from drachma.cli.common import cli_actor, console, err_console, fail, friendly, open_store
from drachma.errors import ValidationError
from drachma.intake.ingest import (
    DEFAULT_GRADING,
    IngestCounts,
    IngestFailure,
    IngestListener,
    IngestRunResult,
    ItemOutcome,
    ingest_paths,
    options_from_cli,
    resume_run,
)
from drachma.intake.readers import Origin


class _ProgressListener(IngestListener):
    """Draws the progress bar (bytes read), counts, and one line per failure above it."""

    wants_total = True

    def __init__(self, progress: Progress, *, print_failures: bool) -> None:
        self.progress = progress
        self.print_failures = print_failures
        self.task: TaskID | None = None
        self.run_id: int | None = None
        self.items = 0
        self.counts = IngestCounts()

    def started(self, run_id: int, total_bytes: int | None) -> None:
        self.run_id = run_id
        self.task = self.progress.add_task(f"Run {run_id}", total=total_bytes or None,
                                           counts="")

    def _refresh(self) -> None:
        if self.task is not None:
            c = self.counts
            self.progress.update(
                self.task,
                counts=f"{self.items:,} read · {c.stored:,} stored · {c.duplicates:,} duplicate"
                       f" · {c.failed:,} failed",
            )

    def item_read(self, origin: Origin) -> None:
        self.items += 1
        if self.items % 100 == 0:
            self._refresh()

    def failed(self, failure: IngestFailure) -> None:
        if self.print_failures:
            self.progress.console.print(f"[red]Failed:[/] {escape(failure.describe())}",
                                        highlight=False, soft_wrap=True)

    def progressed(self, bytes_done: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=bytes_done)

    def committed(self, outcomes: Sequence[ItemOutcome], totals: IngestCounts) -> None:
        self.counts = totals
        self._refresh()


def _summary(result: IngestRunResult) -> str:
    c = result.counts
    line = (f"Run {result.run_id} {'resumed and ' if result.resumed else ''}finished: "
            f"{c.stored:,} stored, {c.duplicates:,} duplicate (already stored), "
            f"{c.failed:,} failed.")
    if result.resumed:
        t = result.totals
        line += (f" Whole run: {t.stored:,} stored, {t.duplicates:,} duplicate, "
                 f"{t.failed:,} failed.")
    return line


@friendly
def ingest(
    paths: list[Path] = typer.Argument(
        None, help="Files or folders to take in (folders are read recursively; hidden files "
        "are left out).", show_default=False),
    grading: str = typer.Option(
        DEFAULT_GRADING, "--grading", "-g",
        help="3x5x2 grading for every item (a mapped grading column overrides it per row)."),
    conditions: str = typer.Option(
        None, "--conditions", help="Handling conditions, required with handling code C."),
    visible_to: list[str] = typer.Option(
        [], "--visible-to", help="With code C: a role the conditions allow (repeatable)."),
    source_kind: str = typer.Option(
        None, "--source-kind",
        help="officer, public, group, news, platform, foi or partner (default: news for HTML, "
        "public otherwise; a mapped column overrides it per row)."),
    mappings: list[str] = typer.Option(
        [], "--map",
        help="CSV/JSON column for a field, FIELD=COLUMN (repeatable): title, body, received, "
        "occurred, grading, source_kind, conditions, visible_to, legacy_grading, sanitised, force. "
        "body=* uses every column. Unmapped fields are found from the headers."),
    fmt: str = typer.Option(
        "auto", "--format",
        help="auto, text, html, eml, csv or json (auto: by extension, else by content)."),
    resume: int = typer.Option(
        None, "--resume", help="Carry on interrupted run RUN_ID (give no paths).",
        metavar="RUN_ID"),
    batch_size: int = typer.Option(
        500, "--batch-size", min=1, max=10_000,
        help="Items committed together; an interruption loses at most one batch, which "
        "--resume reads again."),
    as_json: bool = typer.Option(
        False, "--json", help="Print the result as JSON (no progress bar)."),
) -> None:
    """Take in files and folders as graded reports: text, HTML, e-mail, CSV and JSON."""
    if resume is not None and paths:
        raise ValidationError("give either files and folders or --resume RUN_ID, not both",
                              field="resume")
    if resume is None and not paths:
        raise ValidationError("give the files or folders to take in (or --resume RUN_ID)",
                              field="paths")
    options = None
    if resume is None:
        options = options_from_cli(
            grading=grading, conditions=conditions, visible_to=visible_to,
            source_kind=source_kind, mappings=mappings, fmt=fmt, batch_size=batch_size)
    store = open_store()
    actor = cli_actor()
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
        TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
        console=err_console, disable=as_json, transient=False,
    )
    listener = _ProgressListener(progress, print_failures=not as_json)
    try:
        with progress:
            if resume is not None:
                result = resume_run(store, actor, resume, listener=listener)
            else:
                assert options is not None
                result = ingest_paths(store, actor, paths, options, listener=listener)
    except KeyboardInterrupt:
        run = listener.run_id
        err_console.print(
            "Interrupted. What was committed is kept"
            + (f"; carry on with: drachma ingest --resume {run}" if run else "."),
            highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict()) + "\n")
    else:
        console.print(_summary(result), highlight=False, soft_wrap=True)
    if result.nothing_read:
        raise fail("nothing could be read; see the failures above")
    if result.counts.read == 0 and not result.resumed:
        raise fail("no files to take in were found")


EPILOG = (
    "The same content is never stored twice. A file that cannot be read is reported with its "
    "reason and the run goes on. Exit code 0 when the run completed (failures are counted in "
    "the summary), 1 when nothing could be read, 130 when interrupted."
)


def register(app: typer.Typer) -> None:
    app.command("ingest", epilog=EPILOG)(ingest)
