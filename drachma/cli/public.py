"""``drachma public list|show|grade``: the triage queue of reports sent by the public."""

from __future__ import annotations

import typer
from rich.table import Table

from drachma.cli.common import cli_actor, console, friendly, open_store
from drachma.intake import public as public_service
from drachma.model.dates import uk_datetime

public_app = typer.Typer(help="The triage queue of reports sent by the public.",
                         no_args_is_help=True)


@public_app.command("list")
@friendly
def list_(
    status: str = typer.Option("ungraded", "--status",
                               help="ungraded (default), graded or all."),
    limit: int = typer.Option(50, "--limit", help="How many to show (1-200)."),
    offset: int = typer.Option(0, "--offset", help="How many to skip (for the next page)."),
) -> None:
    """List the public reports in the triage queue, oldest first."""
    items, total = public_service.list_triage(open_store(), cli_actor(),
                                              public_service.parse_status(status),
                                              limit=limit, offset=offset)
    table = Table("Reference", "Received", "About", "Where", "Report")
    for item in items:
        table.add_row(item.reference, uk_datetime(item.received_at),
                      public_service.CONCERNS[item.concern], item.where_text,
                      str(item.report_id or ""))
    console.print(table)
    console.print(f"{len(items)} of {total:,} shown.")


@public_app.command("show")
@friendly
def show(reference: str = typer.Argument(..., help="The reference, like PR-4K7M-Q2XZ.")) -> None:
    """Show one public report (an unproven allegation) from the queue."""
    item = public_service.get_triage_item(open_store(), cli_actor(), reference)
    console.print(f"[bold]{item.reference}[/] {public_service.CONCERNS[item.concern]}, "
                  f"received {uk_datetime(item.received_at)} ({item.status}); an unproven "
                  "allegation.", highlight=False)
    console.print(item.what_happened, highlight=False, markup=False)
    for label, value in (("When", item.when_text), ("Where", item.where_text),
                         ("Website or app", item.platform), ("Links", item.links)):
        if value:
            console.print(f"{label}: {value}", highlight=False, markup=False)
    if item.files:
        console.print("Screenshots: " + ", ".join(f.filename for f in item.files),
                      highlight=False, markup=False)


@public_app.command("grade")
@friendly
def grade(
    reference: str = typer.Argument(..., help="The reference, like PR-4K7M-Q2XZ."),
    grading: str = typer.Argument(..., help="3x5x2 grading, e.g. 3CP."),
    conditions: str = typer.Option(None, "--conditions", help="Handling conditions (code C)."),
    visible_to: list[str] = typer.Option(
        [], "--visible-to", help="With code C: a role the conditions allow (repeatable)."),
) -> None:
    """Grade a public report: it becomes a report with source kind 'public'."""
    report = public_service.grade_public_report(open_store(), cli_actor(), reference, grading,
                                                conditions=conditions, visible_to=visible_to)
    console.print(f"{reference.upper()} is stored as report {report.id}, graded "
                  f"{report.grading.code}.", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(public_app, name="public")
