"""``drachma reports add|list|show`` and ``drachma search``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from drachma import reports as report_service
from drachma.cli.common import cli_actor, console, friendly, open_store
from drachma.errors import ValidationError
from drachma.model.dates import parse_date, received_moment, uk_date, uk_datetime
from drachma.model.report import Report
from drachma.store.reports import ReportFilters

reports_app = typer.Typer(help="Add, list and read graded reports.", no_args_is_help=True)


def report_json(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "title": report.title,
        "grading": report.grading.code,
        "handling_conditions": report.grading.conditions,
        "legacy_grading": report.legacy_grading.code if report.legacy_grading else None,
        "visible_to": sorted(r.value for r in report.visible_to),
        "source_kind": report.source_kind.value,
        "received_at": report.received_at.isoformat(),
        "occurred_on": report.occurred_on.isoformat() if report.occurred_on else None,
        "force": report.force,
        "review_date": report.review_date.isoformat() if report.review_date else None,
        "sanitised_text": report.sanitised_text,
        "body": report.body,
    }


def filters_from(
    grading: str | None, source_kind: str | None, force: str | None,
    since: str | None, until: str | None,
) -> ReportFilters:
    return report_service.parse_filters(grading, source_kind, force, since, until)


@reports_app.command("add")
@friendly
def add(
    grading: str = typer.Option(..., "--grading", "-g", help="3x5x2 grading, e.g. 2BP or 1-A-C."),
    text: str = typer.Option(None, "--text", help="The report text."),
    file: Path = typer.Option(
        None, "--file", "-f", help="Read the text from a file ('-' = stdin)."
    ),
    title: str = typer.Option("", "--title", "-t", help="Title (default: the first line)."),
    conditions: str = typer.Option(None, "--conditions", help="Handling conditions (code C)."),
    visible_to: list[str] = typer.Option(
        [], "--visible-to", help="With code C: a role the conditions allow (repeatable)."),
    source_kind: str = typer.Option("officer", "--source-kind", help="officer, public, group, "
                                    "news, platform, foi or partner."),
    legacy: str = typer.Option(
        None, "--legacy", help="Legacy 5x5x5 grading kept as given, e.g. B35."
    ),
    force: str = typer.Option(
        None, "--force", help="Police force, e.g. GMP or 'West Midlands Police'."
    ),
    received: str = typer.Option(
        None, "--received",
        help="Date received (default now); today means now, another day its start in UK time.",
    ),
    occurred: str = typer.Option(None, "--occurred", help="Date of the events described."),
    sanitised: str = typer.Option(None, "--sanitised", help="Sanitised text for dissemination."),
    as_json: bool = typer.Option(False, "--json", help="Print the stored report as JSON."),
) -> None:
    """Add a graded report."""
    if file is not None:
        body = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    elif text is not None:
        body = text
    else:
        raise ValidationError("give the report text with --text or --file", field="body")
    draft = report_service.ReportDraft(
        title=title, body=body, grading=grading, source_kind=source_kind,
        handling_conditions=conditions, visible_to=list(visible_to), legacy_grading=legacy,
        received_at=received_moment(parse_date(received, "received")) if received else None,
        occurred_on=parse_date(occurred, "occurred") if occurred else None,
        force=force, sanitised_text=sanitised,
    )
    report = report_service.add_report(open_store(), cli_actor(), draft)
    if as_json:
        console.print_json(json.dumps(report_json(report)))
    else:
        console.print(f"Stored report {report.id} graded {report.grading.code}.")


@reports_app.command("list")
@friendly
def list_(
    grading: str = typer.Option(None, "--grading", help="Filter: 2, 2B or 2BP."),
    source_kind: str = typer.Option(None, "--source-kind", help="Filter by source kind."),
    force: str = typer.Option(None, "--force", help="Filter by police force."),
    since: str = typer.Option(None, "--since", help="Received on or after this date."),
    until: str = typer.Option(None, "--until", help="Received on or before this date."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="How many to show."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
) -> None:
    """List reports, newest first."""
    filters = filters_from(grading, source_kind, force, since, until)
    page, total = report_service.list_reports(open_store(), cli_actor(), filters, limit=limit)
    if as_json:
        for report in page:
            sys.stdout.write(json.dumps(report_json(report)) + "\n")
        return
    table = Table("ID", "Received", "Grading", "Source", "Force", "Title",
                  title=f"{len(page)} of {total} reports")
    for r in page:
        table.add_row(str(r.id), uk_datetime(r.received_at), r.grading.code,
                      r.source_kind.label, r.force or "", r.title)
    console.print(table)


@reports_app.command("show")
@friendly
def show(
    report_id: int = typer.Argument(..., help="The report's number."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one report in full (the read is audited)."""
    report = report_service.get_report(open_store(), cli_actor(), report_id)
    if as_json:
        sys.stdout.write(json.dumps(report_json(report)) + "\n")
        return
    console.print(f"[bold]Report {report.id}[/]: {report.title}", highlight=False)
    console.print(f"Grading {report.grading.describe()}", highlight=False)
    if report.grading.conditions:
        console.print(f"Handling conditions: {report.grading.conditions} (visible to: "
                      f"{', '.join(sorted(r.label for r in report.visible_to))})", highlight=False)
    if report.legacy_grading:
        console.print(f"Legacy 5x5x5 grading: {report.legacy_grading.code}", highlight=False)
    console.print(f"Received {uk_datetime(report.received_at)} from {report.source_kind.label}; "
                  f"review by {uk_date(report.review_date)}", highlight=False)
    if report.force:
        console.print(f"Force: {report.force}", highlight=False)
    console.print()
    console.print(report.body, highlight=False, markup=False)


@friendly
def search(
    query: str = typer.Argument(..., help="Words to find; \"quoted phrase\"; word* for a prefix."),
    grading: str = typer.Option(None, "--grading", help="Filter: 2, 2B or 2BP."),
    source_kind: str = typer.Option(None, "--source-kind", help="Filter by source kind."),
    since: str = typer.Option(None, "--since", help="Received on or after this date."),
    until: str = typer.Option(None, "--until", help="Received on or before this date."),
    limit: int = typer.Option(20, "--limit", min=1, max=200, help="How many results."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
) -> None:
    """Ranked full-text search over the reports you may see, with highlighted snippets."""
    from drachma.store.search import MARK_END, MARK_START

    filters = filters_from(grading, source_kind, None, since, until)
    result = report_service.search_reports(open_store(), cli_actor(), query, filters, limit=limit)
    if as_json:
        for hit in result.hits:
            snippet = hit.snippet.replace(MARK_START, "[").replace(MARK_END, "]")
            sys.stdout.write(json.dumps({"id": hit.report.id, "score": round(hit.score, 4),
                                         "title": hit.report.title, "snippet": snippet}) + "\n")
        return
    table = Table("ID", "Received", "Grading", "Title", "Snippet",
                  title=f"{len(result.hits)} results for {query!r}, the best of "
                  f"{result.ranked:,} matches")
    for hit in result.hits:
        snippet = (hit.snippet.replace("[", r"\[")
                   .replace(MARK_START, "[bold yellow]").replace(MARK_END, "[/]"))
        table.add_row(str(hit.report.id), uk_date(hit.report.received_at),
                      hit.report.grading.code, hit.report.title, snippet)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(reports_app, name="reports")
    app.command("search")(search)
