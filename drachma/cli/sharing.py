"""``drachma export stix|ftm|csv`` and ``drachma import stix``: sharing with other forces and tools
(docs/sharing.md). Only options in and text out; the rules live in :mod:`drachma.sharing`."""

from __future__ import annotations

from pathlib import Path

import typer

from drachma.cli.common import acting_user, cli_actor, console, friendly, open_store
from drachma.errors import ValidationError
from drachma.sharing import (
    DEFAULT_GRADING,
    DEFAULT_SENDER,
    MAX_BYTES,
    export,
    import_stix,
    parse_format,
    parse_selection,
)

export_app = typer.Typer(help="Export records as STIX 2.1, FollowTheMoney or CSV to share them.",
                         no_args_is_help=True)
import_app = typer.Typer(help="Take in records shared by another force, as reports for review.",
                         no_args_is_help=True)

WHAT_HELP = ("What to export: person, group or incident (give its number), or reports or "
             "incidents (give filters).")
AS_HELP = ("Act as this user: only what they may see is exported, and the audit log names them "
           "(default: the machine's operator, who sees everything).")


def _run(fmt: str, what: str, number: int | None, out: Path, as_user: str | None, sender: str,
         report_filters: dict[str, str | None], incident_filters: dict[str, str | None]) -> None:
    if out.exists():
        raise ValidationError(f"{out} exists; name a new file", field="out")
    selection = parse_selection(what, number, report_filters=report_filters,
                                incident_filters=incident_filters)
    actor = acting_user(as_user) if as_user else cli_actor()
    made = export(open_store(), actor, selection, parse_format(fmt), sender=sender)
    out.write_bytes(made.content)
    console.print(f"Wrote {made.records} records ({selection.describe()}) to {out}.",
                  highlight=False, markup=False)


def _command(fmt: str, summary: str) -> None:
    @export_app.command(fmt, help=summary)
    @friendly
    def command(
        what: str = typer.Argument(..., help=WHAT_HELP),
        number: int = typer.Argument(None, help="The person's, group's or incident's number."),
        out: Path = typer.Option(..., "--out", "-o", help="A new file to write the export to."),
        as_user: str = typer.Option(None, "--as", help=AS_HELP),
        sender: str = typer.Option(DEFAULT_SENDER, help="Your force's name, as the sender."),
        grading: str = typer.Option(None, help="Reports: grading, partial allowed (2, 2B, 2BP)."),
        source_kind: str = typer.Option(None, help="Reports: source kind (officer, public...)."),
        received_from: str = typer.Option(None, help="Reports: received on or after (UK day)."),
        received_to: str = typer.Option(None, help="Reports: received on or before (UK day)."),
        force: str = typer.Option(None, help="Reports or incidents: police force (name or code)."),
        since: str = typer.Option(None, help="Incidents: on or after this day."),
        until: str = typer.Option(None, help="Incidents: on or before this day."),
        area: str = typer.Option(None, help="Incidents: district or place."),
        group: str = typer.Option(None, help="Incidents: the group named."),
        status: str = typer.Option(None, help="Incidents: open or closed."),
        risk: str = typer.Option(None, help="Incidents: standard, medium or high."),
    ) -> None:
        _run(fmt, what, number, out, as_user, sender,
             {"grading": grading, "source_kind": source_kind, "force": force,
              "received_from": received_from, "received_to": received_to},
             {"since": since, "until": until, "area": area, "force": force, "group": group,
              "status": status, "risk": risk})


_command("stix", "Export as a STIX 2.1 bundle (JSON), the grading carried as markings.")
_command("ftm", "Export as FollowTheMoney entities, one JSON a line, for Aleph.")
_command("csv", "Export as one CSV file, one row a record.")


@import_app.command("stix")
@friendly
def import_stix_cmd(
    path: Path = typer.Argument(..., help="The STIX 2.1 bundle (JSON) another force sent."),
    as_user: str = typer.Option(None, "--as", help="Act as this user (default: the machine's "
                                "operator); the reports are theirs."),
    grading: str = typer.Option(DEFAULT_GRADING, help="Grading for objects the sender did not "
                                "grade (handling P; handling C comes from the sender)."),
    visible_to: list[str] = typer.Option(["analyst"], "--visible-to", help="Roles that may read "
                                         "what comes in with handling code C (repeat)."),
) -> None:
    """Take in a STIX bundle as graded reports for review; a bad bundle changes nothing."""
    if not path.is_file():
        raise ValidationError(f"no file {path}", field="path")
    if path.stat().st_size > MAX_BYTES:
        raise ValidationError(f"{path} is {path.stat().st_size:,} bytes; a bundle may be at "
                              f"most {MAX_BYTES:,} bytes", field="file")
    actor = acting_user(as_user) if as_user else cli_actor()
    result = import_stix(open_store(), actor, path.read_bytes(), grading=grading,
                         visible_to=visible_to)
    sender = result.sender or "an unnamed sender"
    console.print(f"Took in {len(result.reports)} reports from {sender} ({result.bundle_id}), "
                  "for review:", highlight=False, markup=False)
    for report in result.reports:
        console.print(f"  report {report.id} {report.grading.code}: {report.title}",
                      highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")
