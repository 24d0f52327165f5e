"""``drachma counts|trends|hotspots|maps|foi``, ``drachma groups show`` and
``drachma analytics rebuild``: thin faces over :mod:`drachma.analytics`."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from drachma.analytics import charts, export, foi, params, profiles, upkeep
from drachma.analytics import counts as A
from drachma.cli.common import cli_actor, console, friendly, open_store
from drachma.errors import ValidationError
from drachma.model.dates import uk_date

SUBJECT = typer.Argument("reports", help="What to count: reports or incidents.")
FROM = typer.Option(None, "--from", help="First day counted (31/12/2018 or 2018-12-31).")
TO = typer.Option(None, "--to", help="Last day counted (inclusive).")
FORCE = typer.Option(None, "--force", help="Police force area, e.g. GMP or greater-manchester.")
DISTRICT = typer.Option(None, "--district",
                        help="District by 2023 name or GSS code (older names are mapped).")
TOWN = typer.Option(None, "--town", help="Town, e.g. Rochdale.")
GROUP = typer.Option(None, "--group", help="Group name.")
PLATFORM = typer.Option(None, "--platform", help="Platform, e.g. Facebook.")
OUTCOME = typer.Option(None, "--outcome", help="Reported outcome: arrested, charged, convicted, "
                       "acquitted, no_further_action or wrong_person.")
KIND = typer.Option(None, "--source-kind", help="Reports only: officer, public, group, news, "
                    "platform, foi or partner.")
GRADING = typer.Option(None, "--grading", help="Reports only: 2, 2B or 2BP.")
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")


def _filters(date_from: str | None, date_to: str | None, force: str | None,
             district: str | None, town: str | None, group: str | None, platform: str | None,
             outcome: str | None, source_kind: str | None, grading: str | None
             ) -> A.CountFilters:
    return params.parse_filters(date_from=date_from, date_to=date_to, force=force,
                                district=district, town=town, group=group, platform=platform,
                                outcome=outcome, source_kind=source_kind, grading=grading)


def _print_breakdown(counted: A.Breakdown) -> None:
    table = Table(title=counted.description, title_justify="left")
    table.add_column(A.DIMENSIONS[counted.by].capitalize())
    table.add_column(counted.subject.capitalize(), justify="right")
    for figure in counted.figures:
        table.add_row(figure.label, f"{figure.count:,}")
    if counted.unrecorded:
        table.add_row("[dim]not recorded[/]", f"{counted.unrecorded:,}")
    table.add_row("[bold]Total[/]", f"[bold]{counted.total:,}[/]")
    console.print(table)
    if counted.note:
        console.print(counted.note)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    console.print(f"Wrote {path}")


def register(app: typer.Typer) -> None:
    @app.command("counts")
    @friendly
    def counts_command(
        subject: str = SUBJECT,
        by: str = typer.Option("district", "--by", help="district, force, town, group, "
                               "platform, outcome, source_kind, grading, month, quarter or year."),
        date_from: str = FROM, date_to: str = TO, force: str = FORCE, district: str = DISTRICT,
        town: str = TOWN, group: str = GROUP, platform: str = PLATFORM, outcome: str = OUTCOME,
        source_kind: str = KIND, grading: str = GRADING, as_json: bool = JSON,
        list_records: bool = typer.Option(False, "--list", help="List the records counted "
                                          "(newest 50) instead of counting them."),
    ) -> None:
        """Count reports or incidents by area, period, group, platform, outcome or source."""
        store, actor = open_store(), cli_actor()
        filters = _filters(date_from, date_to, force, district, town, group, platform, outcome,
                           source_kind, grading)
        if list_records:
            rows, total = A.records(store, actor, subject, filters)
            if as_json:
                console.print_json(json.dumps(export.records_json(rows, total)))
                return
            table = Table(title=f"{total:,} {subject}: {A.describe(A.check_filters(subject, None, filters), filters)}", title_justify="left")  # noqa: E501
            for column in ("id", "date", "title", "force", "grading"):
                table.add_column(column)
            for r in rows:
                table.add_row(str(r.id), uk_date(r.at), r.title, r.force or "", r.grading or "")
            console.print(table)
            return
        counted = A.breakdown(store, actor, subject, by, filters)
        if as_json:
            console.print_json(json.dumps(export.breakdown_json(counted)))
        else:
            _print_breakdown(counted)

    @app.command("trends")
    @friendly
    def trends_command(
        subject: str = SUBJECT,
        period: str = typer.Option("month", "--period", help="month, quarter or year."),
        date_from: str = FROM, date_to: str = TO, force: str = FORCE, district: str = DISTRICT,
        town: str = TOWN, group: str = GROUP, platform: str = PLATFORM, outcome: str = OUTCOME,
        source_kind: str = KIND, grading: str = GRADING, as_json: bool = JSON,
        chart: Path = typer.Option(None, "--chart", help="Also write the line chart as SVG."),
    ) -> None:
        """Counts per period with the change on the period before."""
        store, actor = open_store(), cli_actor()
        filters = _filters(date_from, date_to, force, district, town, group, platform, outcome,
                           source_kind, grading)
        if period not in ("month", "quarter", "year"):
            raise ValidationError("period must be month, quarter or year", field="period")
        counted, points = A.trend(store, actor, subject, period, filters)  # type: ignore[arg-type]
        if chart is not None:
            _write(chart, charts.trend_chart(counted, points).svg)
        if as_json:
            console.print_json(json.dumps(export.trend_json(counted, points)))
            return
        table = Table(title=counted.description, title_justify="left")
        for column in (period.capitalize(), subject.capitalize(), "Change", "Change %"):
            table.add_column(column, justify="right")
        for p in points:
            table.add_row(p.label, f"{p.count:,}", "" if p.change is None else f"{p.change:+,}",
                          "" if p.change_percent is None else f"{p.change_percent:+.1f}%")
        console.print(table)

    @app.command("hotspots")
    @friendly
    def hotspots_command(
        subject: str = SUBJECT,
        by: str = typer.Option("district", "--by", help="district, town or force."),
        limit: int = typer.Option(20, "--limit", min=1, max=400, help="How many areas."),
        date_from: str = FROM, date_to: str = TO, force: str = FORCE, group: str = GROUP,
        outcome: str = OUTCOME, source_kind: str = KIND, grading: str = GRADING,
        as_json: bool = JSON,
    ) -> None:
        """Areas ranked by how many records name them, against the previous period."""
        store, actor = open_store(), cli_actor()
        filters = _filters(date_from, date_to, force, None, None, group, None, outcome,
                           source_kind, grading)
        counted, rows = A.hotspots(store, actor, subject, by, filters, limit=limit)
        if as_json:
            console.print_json(json.dumps(export.hotspots_json(counted, rows)))
            return
        table = Table(title=counted.description, title_justify="left")
        for column in ("Rank", A.DIMENSIONS[by].capitalize(), subject.capitalize(),
                       "Previous period", "Change"):
            table.add_column(column)
        for r in rows:
            table.add_row(str(r.rank), r.label, f"{r.count:,}",
                          "" if r.previous is None else f"{r.previous:,}",
                          "" if r.change is None else f"{r.change:+,}")
        console.print(table)

    @app.command("maps")
    @friendly
    def maps_command(
        subject: str = SUBJECT,
        by: str = typer.Option("district", "--by", help="district or force (shaded areas), or "
                               "town (circles at town centres)."),
        out: Path = typer.Option(..., "--out", "-o", help="Where to write the SVG map."),
        date_from: str = FROM, date_to: str = TO, force: str = FORCE, group: str = GROUP,
        outcome: str = OUTCOME, source_kind: str = KIND, grading: str = GRADING,
    ) -> None:
        """Draw a map (SVG, offline) by district, police force area or town."""
        if by not in ("district", "force", "town"):
            raise ValidationError("maps are drawn by district, force or town", field="by")
        store, actor = open_store(), cli_actor()
        filters = _filters(date_from, date_to, force, None, None, group, None, outcome,
                           source_kind, grading)
        counted = A.breakdown(store, actor, subject, by, filters)
        drawn = charts.town_points(counted) if by == "town" else charts.choropleth(counted)
        _write(out, drawn.svg)
        console.print(drawn.alt_text)

    @app.command("foi")
    @friendly
    def foi_command(
        what: str = typer.Option("reports", "--what", help="reports or incidents."),
        by: str = typer.Option("district", "--by", help="The breakdown: district, force, town, "
                               "group, outcome, platform, month, quarter or year."),
        date_from: str = FROM, date_to: str = TO, force: str = FORCE, district: str = DISTRICT,
        group: str = GROUP, outcome: str = OUTCOME,
        threshold: int = typer.Option(None, "--threshold", help="Suppress figures below this "
                                      "(default from foi.toml: 5)."),
        reference: str = typer.Option("", "--reference", help="The FOI request's reference."),
        request_file: Path = typer.Option(None, "--request-file", help="The request's text, "
                                          "quoted in the reply."),
        csv_path: Path = typer.Option(None, "--csv", help="Write the table as CSV."),
        chart: Path = typer.Option(None, "--chart", help="Write the bar chart as SVG."),
        reply: Path = typer.Option(None, "--reply", help="Write the draft reply as text."),
    ) -> None:
        """Answer an FOI request: table, CSV, chart and a draft reply, small numbers suppressed."""
        store, actor = open_store(), cli_actor()
        filters = _filters(date_from, date_to, force, district, None, group, None, outcome,
                           None, None)
        request_text = ""
        if request_file is not None:
            if request_file.stat().st_size > 10_000:
                raise ValidationError("the request file is over 10,000 bytes",
                                      field="request_file")
            request_text = request_file.read_text(encoding="utf-8")
        answer = foi.answer(store, actor, foi.FoiQuestion(
            subject=what, by=by, filters=filters, request_text=request_text,
            reference=reference, threshold=threshold))
        if csv_path is not None:
            _write(csv_path, answer.csv_text())
        if chart is not None:
            _write(chart, answer.chart().svg)
        if reply is not None:
            _write(reply, answer.reply)
        typer.echo(answer.reply)

    groups_app = typer.Typer(help="Groups (OCAGs): profiles.", no_args_is_help=True)

    @groups_app.command("show")
    @friendly
    def groups_show(
        name: str = typer.Argument(..., help="The group's name or an alias."),
        date_from: str = FROM, date_to: str = TO, as_json: bool = JSON,
    ) -> None:
        """A group's profile: names, pages, areas, activity, outcomes, and the reports behind."""
        store, actor = open_store(), cli_actor()
        filters = _filters(date_from, date_to, None, None, None, None, None, None, None, None)
        p = profiles.group_profile(store, actor, name, filters)
        if as_json:
            console.print_json(json.dumps(export.profile_json(p)))
            return
        g = p.group
        console.print(f"[bold]{g.name}[/]  ({g.status.value})", highlight=False)
        console.print(p.note, highlight=False)
        console.print(f"Also known as: {', '.join(g.aliases) or 'none recorded'}")
        console.print(f"Pages and channels: {', '.join(g.pages) or 'none recorded'}")
        console.print(f"Reports naming it: {p.reports:,} (first {uk_date(p.first_seen)}, last "
                      f"{uk_date(p.last_seen)}); incidents: {p.incidents:,}")
        for counted in (p.districts, p.forces, p.outcomes, p.co_occurring, p.platforms):
            if counted.figures:
                _print_breakdown(counted)
        table = Table(title="Reports behind these figures (newest first)", title_justify="left")
        for column in ("id", "received", "grading", "title"):
            table.add_column(column)
        for r in p.evidence:
            table.add_row(str(r.id), uk_date(r.at), r.grading or "", r.title)
        console.print(table)

    app.add_typer(groups_app, name="groups")

    analytics_app = typer.Typer(help="Analytics upkeep.", no_args_is_help=True)

    @analytics_app.command("rebuild")
    @friendly
    def rebuild() -> None:
        """Recompute what each report and incident is about (areas, groups, outcomes) and every
        count from the stored records, in one transaction. Writes (group merges and aliases
        included) keep them in step; this is for after a change of the gazetteer, or rows
        written outside Drachma."""
        store = open_store()
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console) as bar:
            tasks: dict[str, TaskID] = {}

            def advance(subject: str, done: int, total: int) -> None:
                if subject not in tasks:
                    tasks[subject] = bar.add_task(f"Counting {subject}", total=total)
                bar.update(tasks[subject], completed=done)

            summary = upkeep.rebuild(store, cli_actor(), progress=advance)
        console.print(f"{summary.reports:,} reports and {summary.incidents:,} incidents counted: "
                      f"{summary.rollup_rows:,} rollup rows.")

    app.add_typer(analytics_app, name="analytics")
