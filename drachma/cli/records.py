"""``drachma records review|retain|dispose``: the MoPI review queue (docs/records.md)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from drachma.cli.common import acting_user, console, friendly, open_store
from drachma.config import load_settings
from drachma.model.dates import parse_date, uk_date
from drachma.records.retention import KIND_LABELS, dispose, parse_kind, retain, review_queue
from drachma.records.subject_access import MAX_PER_KIND, subject_access

records_app = typer.Typer(help="Records kept only as long as the law allows (MoPI review).",
                          no_args_is_help=True)
AS_HELP = "Act as this user (must be an active records officer); decisions are theirs."
KIND_HELP = "What the id names: report, incident or investigation_subject."


@records_app.command("review")
@friendly
def review(
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    limit: int = typer.Option(50, help="Records per page (at most 200)."),
    page: int = typer.Option(1, min=1, help="Which page of the queue."),
) -> None:
    """Give new reports, incidents and investigation subjects their review dates, then list the
    records due for review."""
    rows = review_queue(open_store(), acting_user(as_user), limit=limit, offset=(page - 1) * limit)
    table = Table("Kind", "Id", "Group", "Review due", "Status", "What it is")
    for row in rows:
        table.add_row(row.record_kind, str(row.record_id), row.group, uk_date(row.review_on),
                      row.status, escape(row.title or ""))
    console.print(table)
    if len(rows) == limit:
        console.print(f"More: --page {page + 1}")


@records_app.command("retain")
@friendly
def retain_cmd(
    report_id: int = typer.Argument(..., help="The record's id."),
    reason: str = typer.Option(..., help="Why it is still needed for a policing purpose."),
    until: str = typer.Option(..., help="The next review date (DD/MM/YYYY or YYYY-MM-DD)."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    kind: str = typer.Option("report", help=KIND_HELP),
) -> None:
    """Keep a record due for review, with the reason, until a new review date."""
    what = parse_kind(kind)
    row = retain(open_store(), acting_user(as_user), report_id, reason, parse_date(until, "until"),
                 kind=what)
    console.print(f"{KIND_LABELS[what].capitalize()} {report_id} retained; next review "
                  f"{uk_date(row.review_on)}.")


@records_app.command("dispose")
@friendly
def dispose_cmd(
    report_id: int = typer.Argument(..., help="The record's id."),
    reason: str = typer.Option(..., help="Why it is no longer needed."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    kind: str = typer.Option("report", help=KIND_HELP),
) -> None:
    """Dispose of a record due for review: its personal data goes; the hash, who and why stay."""
    what = parse_kind(kind)
    row = dispose(open_store(), acting_user(as_user), report_id, reason,
                  home=load_settings().home, kind=what)
    console.print(f"{KIND_LABELS[what].capitalize()} {report_id} disposed of; content SHA-256 "
                  f"{row.content_sha256} kept.")


def register(app: typer.Typer) -> None:
    app.add_typer(records_app, name="records")


@records_app.command("sar")
@friendly
def sar_cmd(
    name: str = typer.Argument(..., help="The person's name as the request gives it."),
    out: Path = typer.Option(..., help="A new JSON file to write everything found into."),
    reference: str = typer.Option(..., help="The request's case reference."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    dob: str = typer.Option(None, "--dob", help="Date of birth, if the request gives it "
                            "(DD/MM/YYYY): a person's record with another one is left out."),
    variant: list[str] = typer.Option(
        [], "--variant", help="Another name the person has been known by (repeat, up to 10)."),
) -> None:
    """Subject access request: gather everything held that names a person (names matched
    loosely, each item saying why), exemptions marked."""
    result = subject_access(open_store(), acting_user(as_user), name, out, reference=reference,
                            date_of_birth=parse_date(dob, "dob") if dob else None,
                            variants=tuple(variant))
    kinds = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in result.by_kind.items() if n)
    console.print(f"Wrote {result.items} items ({kinds or 'none'}) to {result.path}; each is "
                  "marked with the exemption to decide before anything is disclosed.")
    if result.truncated:
        console.print(f"[yellow]More than {MAX_PER_KIND} of: {', '.join(result.truncated)}; "
                      "narrow the name and run again.[/]")
