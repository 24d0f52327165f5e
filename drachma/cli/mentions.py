"""``drachma mentions list|confirm|correct|reject``: the mentions read out of a report, and an
analyst's review of each, as on the report page."""

from __future__ import annotations

import json
import sys

import typer
from rich.table import Table

from drachma import reports as report_service
from drachma.cli.common import cli_actor, console, friendly, open_store
from drachma.link.mentions import parse_mention_type, review_mention
from drachma.model.mention import Mention, MentionType, Review

mentions_app = typer.Typer(
    help="The mentions read out of a report by machine, and confirming, correcting or rejecting "
         "them.", no_args_is_help=True)
TYPES = ", ".join(t.value for t in MentionType)
UNCONFIRMED = "read by machine, unconfirmed"


def _json(m: Mention) -> dict[str, object]:
    return {"id": m.id, "type": m.type.value, "start": m.start, "end": m.end, "text": m.text,
            "value": m.value, "review": m.review.value,
            "machine_read_unconfirmed": m.review is Review.PENDING}


@mentions_app.command("list")
@friendly
def list_(
    report_id: int = typer.Argument(..., help="The report's number."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines."),
) -> None:
    """List a report's mentions (read out by machine the first time; the read is audited)."""
    store, actor = open_store(), cli_actor()
    report = report_service.get_report(store, actor, report_id)
    found = report_service.mentions_of(store, actor, report)
    if as_json:
        for m in found:
            sys.stdout.write(json.dumps(_json(m)) + "\n")
        return
    table = Table("ID", "Type", "Text", "Value", "Review",
                  title=f"Mentions of report {report_id}: a mention records what the report "
                        "says, never that it is true")
    for m in found:
        review = UNCONFIRMED if m.review is Review.PENDING else m.review.value
        table.add_row(str(m.id), m.type.value, m.text, m.value, review)
    console.print(table)


def _review(mention_id: int, decision: Review, value: str | None = None,
            new_type: str | None = None) -> None:
    kind = parse_mention_type(new_type) if new_type else None
    mention = review_mention(open_store(), cli_actor(), mention_id, decision, new_value=value,
                             new_type=kind)
    console.print(f"Mention {mention_id} {decision.value}: {mention.type.value} "
                  f"{mention.value!r}.", highlight=False)


@mentions_app.command("confirm")
@friendly
def confirm(mention_id: int = typer.Argument(..., help="The mention's number.")) -> None:
    """Agree with a mention as it was read (a confirmed group becomes known)."""
    _review(mention_id, Review.CONFIRMED)


@mentions_app.command("correct")
@friendly
def correct(
    mention_id: int = typer.Argument(..., help="The mention's number."),
    value: str = typer.Option(None, "--value", help="The corrected value (at most 300 chars)."),
    new_type: str = typer.Option(None, "--type", help=f"The corrected type: {TYPES}."),
) -> None:
    """Correct a mention's value, type or both (a correction must change something)."""
    _review(mention_id, Review.CORRECTED, value, new_type)


@mentions_app.command("reject")
@friendly
def reject(mention_id: int = typer.Argument(..., help="The mention's number.")) -> None:
    """Reject a mention read wrongly; it stays rejected when the report is read again."""
    _review(mention_id, Review.REJECTED)


def register(app: typer.Typer) -> None:
    app.add_typer(mentions_app, name="mentions")
