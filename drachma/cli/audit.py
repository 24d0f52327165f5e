"""``drachma audit list``: the audit log, filtered and paged, as the audit page shows it."""

from __future__ import annotations

import json
import sys

import typer
from rich.table import Table

from drachma.access.audit import parse_audit_filters, view_audit
from drachma.cli.common import cli_actor, console, friendly, open_store
from drachma.model.dates import uk_datetime
from drachma.model.user import AuditAction

audit_app = typer.Typer(help="Read the audit log (who did what, when, from where).",
                        no_args_is_help=True)
ACTIONS = ", ".join(a.value for a in AuditAction)


@audit_app.command("list")
@friendly
def list_(
    user: str = typer.Option(None, "--user", help="Only what this username did."),
    action: str = typer.Option(None, "--action", help=f"Only this action: {ACTIONS}."),
    record_kind: str = typer.Option(None, "--record-kind",
                                    help="Only records of this kind: report, user, mention..."),
    record_id: str = typer.Option(None, "--record-id", help="Only this record (with its kind)."),
    since: str = typer.Option(None, "--since", help="On or after this UK day (23/11/2026)."),
    until: str = typer.Option(None, "--until", help="On or before this UK day."),
    limit: int = typer.Option(100, "--limit", min=1, max=500, help="Events per page."),
    page: int = typer.Option(1, "--page", min=1, help="Which page, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines (times in UTC)."),
) -> None:
    """List audit events, newest first, a page at a time (times in UK time)."""
    filters = parse_audit_filters(user, action, record_kind, record_id, since, until)
    offset = (page - 1) * limit
    events, total = view_audit(open_store(), cli_actor(), filters, limit=limit, offset=offset)
    if as_json:
        for e in events:
            sys.stdout.write(json.dumps({
                "id": e.id, "at": e.at.isoformat(), "actor": e.actor_name,
                "action": e.action.value, "record_kind": e.record_kind,
                "record_id": e.record_id, "address": e.address, "detail": e.detail,
            }) + "\n")
        return
    shown = f"{offset + 1}-{offset + len(events)}" if events else "none"
    table = Table("When (UK)", "Who", "Action", "Record", "From", "Detail",
                  title=f"Audit events {shown} of {total}")
    for e in events:
        record = f"{e.record_kind} {e.record_id}" if e.record_id else e.record_kind
        detail = "; ".join(f"{k}={v}" for k, v in sorted(e.detail.items()))
        table.add_row(uk_datetime(e.at, seconds=True), e.actor_name, e.action.value, record,
                      e.address or "", detail)
    console.print(table)
    if offset + len(events) < total:
        console.print(f"More: --page {page + 1}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
