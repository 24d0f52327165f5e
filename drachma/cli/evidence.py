"""``drachma evidence ...``: the evidence locker from the command line (a thin layer over
:mod:`drachma.evidence`). Work is done as the machine's operator (``cli:<user>``)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from drachma.access.actor import Actor
from drachma.cli.common import (
    acting_user,
    cli_actor,
    console,
    err_console,
    fail,
    friendly,
    open_store,
)
from drachma.config import load_settings
from drachma.errors import ValidationError
from drachma.evidence import custody, disclosure, exhibits
from drachma.evidence.blobs import BlobIntegrityError
from drachma.evidence.locker import Locker, open_locker
from drachma.evidence.pack import build_pack, verify_pack
from drachma.evidence.receipt import gap_text, receipt_csv, receipt_pdf, uk_time
from drachma.evidence.verify import verify_locker
from drachma.model.evidence import CustodyAction, DisclosureCategory

evidence_app = typer.Typer(help="The evidence locker: exhibits, custody log, verification.",
                           no_args_is_help=True)
producer_app = typer.Typer(help="Officers and staff who produce exhibits, by initials.",
                           no_args_is_help=True)
evidence_app.add_typer(producer_app, name="producer")

LONDON = ZoneInfo("Europe/London")


def _locker() -> Locker:
    return open_locker(load_settings().evidence_settings())


@producer_app.command("add")
@friendly
def producer_add(
    initials: str = typer.Argument(..., help="2 to 4 letters, used in exhibit references (JS)."),
    name: str = typer.Argument(..., help="The producer's name."),
) -> None:
    """Add a producer, so that exhibits can be numbered with their initials."""
    producer = exhibits.add_producer(open_store(), cli_actor(), initials, name)
    console.print(f"Added producer {producer.initials} ({escape(producer.name)}).")


@producer_app.command("list")
@friendly
def producer_list() -> None:
    """List producers and their initials."""
    table = Table("Initials", "Name")
    for producer in exhibits.list_producers(open_store(), cli_actor()):
        table.add_row(producer.initials, escape(producer.name))
    console.print(table)


def _received_at(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"--received-at {text!r} is not a date and time such as "
                              "2026-11-23T14:30", field="received_at") from None
    return (value if value.tzinfo else value.replace(tzinfo=LONDON)).astimezone(UTC)


@evidence_app.command("add")
@friendly
def add(
    paths: list[Path] = typer.Argument(..., help="Files, folders and zip archives handed over."),
    producer: str = typer.Option(..., "--producer", help="The producer's initials (JS)."),
    source: str = typer.Option(..., "--from", help="Who handed it over (a person or group)."),
    reason: str = typer.Option(..., "--reason", help="Why it is taken in (required)."),
    place: str = typer.Option("", "--place", help="Where it was received or seized."),
    received_at: str = typer.Option(None, "--received-at",
                                    help="When it was received (default now; UK time)."),
    description: str = typer.Option(None, "--description",
                                    help="Description of the exhibit (default from the name)."),
    category: DisclosureCategory = typer.Option(
        DisclosureCategory.UNDECIDED, "--category", help="Disclosure category."),
    report: list[int] = typer.Option([], "--report", help="Link to a report (by id)."),
    incident: list[int] = typer.Option([], "--incident", help="Link to an incident (by id)."),
    investigation: list[int] = typer.Option([], "--investigation",
                                            help="Link to an investigation (by id)."),
    csv_out: Path = typer.Option(None, "--receipt-csv", help="Write the receipt as CSV here."),
    pdf_out: Path = typer.Option(None, "--receipt-pdf", help="Write the receipt as PDF here."),
) -> None:
    """Take material into the locker as exhibits and print the receipt."""
    links = tuple([("report", i) for i in report] + [("incident", i) for i in incident]
                  + [("investigation", i) for i in investigation])
    handover = exhibits.Handover(producer, source, reason, place, _received_at(received_at),
                                 description, category, links)
    receipt = exhibits.add_exhibits(open_store(), cli_actor(), _locker(), paths, handover)
    table = Table("Reference", "Name", "Bytes", "SHA-256", "Type", title="Receipt")
    for line in receipt.lines:
        table.add_row(line.reference, escape(line.name), f"{line.size:,}", line.sha256,
                      line.media_type)
    console.print(table)
    for name, why in receipt.not_taken:
        console.print(f"Not taken: {escape(name)} ({why})")
    console.print(f"Received {uk_time(receipt.received_at)} from {escape(source)}; "
                  f"{gap_text(receipt.gap)}.")
    if csv_out:
        csv_out.write_text(receipt_csv(receipt), encoding="utf-8")
        console.print(f"Receipt written to {csv_out}")
    if pdf_out:
        pdf_out.write_bytes(receipt_pdf(receipt))
        console.print(f"Receipt written to {pdf_out}")


@evidence_app.command("list")
@friendly
def list_(
    parent: str = typer.Option(None, "--parent", help="Only the sub-exhibits of this exhibit."),
    limit: int = typer.Option(100, "--limit", help="How many to show (at most 1000)."),
    offset: int = typer.Option(0, "--offset", help="How many to skip."),
) -> None:
    """List exhibits (details only: content is never shown)."""
    found, total = exhibits.list_exhibits(open_store(), cli_actor(), limit=limit, offset=offset,
                                          parent=parent)
    table = Table("Reference", "Description", "Bytes", "Type", "Received", "From", "Category")
    for item in found:
        table.add_row(item.reference, escape(item.description), f"{item.size:,}",
                      item.media_type, uk_time(item.received_at), escape(item.received_from),
                      item.disclosure_category.value)
    console.print(table)
    console.print(f"{len(found)} shown of {total}.")


@evidence_app.command("show")
@friendly
def show(reference: str = typer.Argument(..., help="Exhibit reference, e.g. JS/1.")) -> None:
    """Show an exhibit's details and custody history."""
    store, actor = open_store(), cli_actor()
    item = exhibits.get_exhibit(store, actor, reference)
    for name, value in (("Reference", item.reference), ("Description", item.description),
                        ("Producer", item.producer), ("Received", uk_time(item.received_at)),
                        ("From", item.received_from), ("Place", item.received_place),
                        ("Name", item.original_name), ("Type", item.media_type),
                        ("Bytes", f"{item.size:,}"), ("SHA-256", item.sha256),
                        ("Category", item.disclosure_category.value),
                        ("Part of", item.parent_reference or ""),
                        ("Redacted copy of", item.redaction_of or ""),
                        ("Links", ", ".join(f"{k} {i}" for k, i in item.links))):
        if value:
            console.print(f"[bold]{name}:[/] {escape(value)}")
    table = Table("#", "When", "Action", "By", "Reason", title="Custody")
    for event in custody.history(store, actor, item.reference, limit=1000):
        table.add_row(str(event.seq), uk_time(event.at), event.action.value,
                      escape(event.actor or "(redacted)"), escape(event.reason or "(redacted)"))
    console.print(table)


@evidence_app.command("export")
@friendly
def export(
    reference: str = typer.Argument(..., help="Exhibit reference, e.g. JS/1/2."),
    out: Path = typer.Option(..., "--out", help="File to write the content to (must not exist)."),
    reason: str = typer.Option(..., "--reason", help="Why the content is needed (required)."),
) -> None:
    """Write an exhibit's content to a file: recorded as a custody event first."""
    if out.exists():
        raise ValidationError(f"{out} exists already; choose a new file", field="out")
    item, chunks = exhibits.open_exhibit(open_store(), cli_actor(), _locker(), reference,
                                         reason, CustodyAction.DOWNLOADED)
    try:
        with open(out, "xb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    except BlobIntegrityError:
        with contextlib.suppress(FileNotFoundError):
            out.unlink()
        raise
    console.print(f"Wrote {item.reference} ({item.size:,} bytes) to {out}; recorded as "
                  "downloaded.")


@evidence_app.command("custody")
@friendly
def record(
    reference: str = typer.Argument(..., help="Exhibit reference, e.g. JS/1."),
    action: CustodyAction = typer.Argument(..., help="What was done."),
    reason: str = typer.Option(..., "--reason", help="Why (required)."),
) -> None:
    """Record an action on an exhibit (transferred, returned, destroyed, ...)."""
    item = exhibits.record_custody(open_store(), cli_actor(), reference, action, reason)
    console.print(f"Recorded {action.value} for {item.reference}.")


@evidence_app.command("checkpoint")
@friendly
def checkpoint() -> None:
    """Sign a checkpoint of the custody log as it stands and print it."""
    made = custody.make_checkpoint(open_store(), _locker())
    if made is None:
        console.print("The custody log is empty; nothing to sign.")
        return
    typer.echo(made.note, nl=False)


@evidence_app.command("prove")
@friendly
def prove(seq: int = typer.Argument(..., help="The event's position in the log (#).")) -> None:
    """Print an inclusion proof (JSON) of a custody event in the newest checkpoint."""
    proof = custody.inclusion(open_store(), seq)
    typer.echo(json.dumps(proof.as_dict(), indent=1))


@evidence_app.command("public-key")
@friendly
def public_key() -> None:
    """Print the checkpoint verifier key (signed-note form) to give to examiners."""
    typer.echo(_locker().verifier_key)


@evidence_app.command("verify")
@friendly
def verify() -> None:
    """Re-hash every blob, recompute the custody log and check every checkpoint."""
    store, locker = open_store(), _locker()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console) as progress:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(f"Checking {stage}", total=total or None)
            progress.update(tasks[stage], completed=done, total=total or None)

        report = verify_locker(store, locker, update)
    console.print(f"Checked {report.exhibits} exhibits, {report.events} custody events "
                  f"({report.redacted} redacted) and {report.checkpoints} checkpoints.")
    if report.ok:
        console.print("[green]Everything verifies.[/]")
        return
    for problem in report.problems:
        err_console.print(f"[red]FAILED[/] {escape(str(problem))}", highlight=False)
    raise fail(f"{len(report.problems)} problem(s) found")


disclosure_app = typer.Typer(help="CPIA disclosure schedules (MG6C, MG6D, MG6E).",
                             no_args_is_help=True)
evidence_app.add_typer(disclosure_app, name="disclosure")
AS_HELP = "Act as this user (must be an active disclosure officer); edits are theirs."


def _as_user(username: str) -> Actor:
    """Schedules are edited by a disclosure officer, named here, not by the machine's operator."""
    return acting_user(username)


@disclosure_app.command("add-item")
@friendly
def disclosure_add(
    investigation: int = typer.Argument(..., help="The investigation's id."),
    schedule: str = typer.Argument(..., help="MG6C or MG6D."),
    description: str = typer.Argument(..., help="What the item is."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    sensitivity: str = typer.Option(None, "--sensitivity",
                                    help="MG6D: why the material is sensitive."),
    exhibit: str = typer.Option(None, "--exhibit", help="The exhibit it is, if any (JS/1)."),
) -> None:
    """Add an item to a schedule; it gets the investigation's next item number."""
    item = disclosure.add_item(open_store(), _as_user(as_user), investigation, schedule,
                               description, sensitivity=sensitivity, exhibit=exhibit)
    console.print(f"Item {item.number} on {item.schedule}.")


@disclosure_app.command("revise-item")
@friendly
def disclosure_revise(
    investigation: int = typer.Argument(..., help="The investigation's id."),
    number: int = typer.Argument(..., help="The item number (it never changes)."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    description: str = typer.Option(None, "--description", help="New description."),
    schedule: str = typer.Option(None, "--schedule", help="Move to MG6C or MG6D."),
    sensitivity: str = typer.Option(None, "--sensitivity", help="MG6D: reason."),
) -> None:
    """Revise an item's description or move it between MG6C and MG6D, keeping its number."""
    item = disclosure.revise_item(open_store(), _as_user(as_user), investigation, number,
                                  description=description, schedule=schedule,
                                  sensitivity=sensitivity)
    console.print(f"Item {item.number} revised; on {item.schedule}.")


@disclosure_app.command("report")
@friendly
def disclosure_report(
    investigation: int = typer.Argument(..., help="The investigation's id."),
    text: str = typer.Argument(..., help="The disclosure officer's report (MG6E)."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    item: list[int] = typer.Option([], "--item",
                                   help="An item that may undermine or assist (repeatable)."),
) -> None:
    """Write a new revision of the MG6E report."""
    report = disclosure.write_report(open_store(), _as_user(as_user), investigation, text, item)
    console.print(f"MG6E revision {report.revision} saved.")


@disclosure_app.command("schedule")
@friendly
def disclosure_schedule(
    investigation: int = typer.Argument(..., help="The investigation's id."),
    schedule: str = typer.Argument(..., help="MG6C, MG6D or MG6E."),
    pdf_out: Path = typer.Option(None, "--pdf", help="Write it as PDF here."),
    csv_out: Path = typer.Option(None, "--csv", help="Write it as CSV here."),
) -> None:
    """Print a schedule, or write it as CSV or PDF."""
    store, actor = open_store(), cli_actor()
    title, header, rows = disclosure.schedule_rows(store, actor, investigation, schedule)
    if csv_out:
        csv_out.write_text(disclosure.schedule_csv(store, actor, investigation, schedule),
                           encoding="utf-8")
    if pdf_out:
        pdf_out.write_bytes(disclosure.schedule_pdf(store, actor, investigation, schedule))
    table = Table(*header, title=escape(title))
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)


@evidence_app.command("redacted-copy")
@friendly
def redacted_copy(
    original: str = typer.Argument(..., help="The original exhibit (JS/1)."),
    path: Path = typer.Argument(..., help="The redacted file."),
    producer: str = typer.Option(..., "--producer", help="Producer of the copy (initials)."),
    reason: str = typer.Option(..., "--reason", help="What was redacted and why."),
) -> None:
    """Take in a redacted copy as a new exhibit linked to its unchanged original."""
    receipt = disclosure.add_redacted_copy(open_store(), cli_actor(), _locker(), original, path,
                                           reason, producer)
    console.print(f"{receipt.lines[0].reference} is a redacted copy of {original.upper()}.")


@evidence_app.command("pack")
@friendly
def make_pack(
    investigation: int = typer.Argument(..., help="The investigation's id."),
    exhibit: list[str] = typer.Option(..., "--exhibit", help="An exhibit to include (repeat)."),
    out: Path = typer.Option(..., "--out", help="The pack (zip) to write; must not exist."),
    reason: str = typer.Option(..., "--reason", help="Why it is exported (required)."),
) -> None:
    """Make a disclosure pack: schedules, exhibits, custody events with proofs, checkpoint."""
    summary = build_pack(open_store(), cli_actor(), _locker(), investigation, exhibit, out,
                         reason)
    console.print(f"Wrote {summary.path}: {len(summary.exhibits)} exhibits, {summary.events} "
                  f"custody events proved in the log of {summary.tree_size}.")


@evidence_app.command("verify-pack")
@friendly
def check_pack(
    pack: Path = typer.Argument(..., help="The disclosure pack (zip)."),
    key: str = typer.Option(None, "--key",
                            help="The verifier key obtained from the force separately."),
) -> None:
    """Check a disclosure pack on its own, with no database."""
    report = verify_pack(pack, key)
    console.print(f"Checked {report.files} files, {report.exhibits} exhibits and "
                  f"{report.events} custody events against a checkpoint of "
                  f"{report.tree_size}.")
    if key is None:
        console.print("[yellow]No --key given: the pack was checked against its own key.[/]")
    if report.ok:
        console.print("[green]The pack verifies.[/]")
        return
    for problem in report.problems:
        err_console.print(f"[red]FAILED[/] {escape(problem)}", highlight=False)
    raise fail(f"{len(report.problems)} problem(s) found")


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
