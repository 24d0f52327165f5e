"""``drachma link train|run|queue|show-pair|confirm|reject|undo|show|profiles|record|groups``:
who is who (docs/linkage.md)."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from drachma.cli.common import acting_user, console, friendly, open_store
from drachma.link.groups import run_groups
from drachma.link.linkage import REVIEW_THRESHOLD, link_record, parse_source, run, train
from drachma.link.profiles import list_profiles, person_profile
from drachma.link.review import confirm, get_pair, reject, review_queue, undo

link_app = typer.Typer(help="Who is who: people and groups resolved with Splink, reviewed.",
                       no_args_is_help=True)
AS_HELP = "Act as this user (an analyst, investigator or supervisor); decisions are theirs."
THRESHOLD_HELP = "Match weight at or above which a pair goes to review."


def _describe(features: dict[str, object]) -> str:
    if "name_core" in features:
        return str(features.get("name") or "")
    name = f"{features.get('first_name') or ''} {features.get('surname') or ''}".strip().title()
    dob = features.get("dob")
    return f"{name} ({dob})" if dob else name


@link_app.command("train")
@friendly
def train_cmd(
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    backend: str = typer.Option("", help="duckdb, postgres or spark (default: the database's)."),
) -> None:
    """Train the person model on every person record (unsupervised) and store it as a version."""
    result = train(open_store(), acting_user(as_user), backend=backend or None)
    console.print(f"Model version {result.version} trained on {result.records:,} records "
                  f"({result.backend}); EM iterations {result.iterations}.")
    if result.not_learnt:
        console.print("Kept their starting values (no examples): " + "; ".join(result.not_learnt))


@link_app.command("run")
@friendly
def run_cmd(
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    threshold: float = typer.Option(REVIEW_THRESHOLD, help=THRESHOLD_HELP),
    backend: str = typer.Option("", help="duckdb, postgres or spark (default: the database's)."),
) -> None:
    """Score every blocked pair with the newest model; pairs above the threshold go to review."""
    result = run(open_store(), acting_user(as_user), threshold=threshold, backend=backend or None)
    console.print(f"Model version {result.version}: {result.scored:,} pairs at or above "
                  f"{threshold:g}, {result.new_pairs:,} new in the review queue.")


@link_app.command("record")
@friendly
def record_cmd(
    record: str = typer.Argument(..., help="kind:id, e.g. incident_subject:12."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    threshold: float = typer.Option(REVIEW_THRESHOLD, help=THRESHOLD_HELP),
) -> None:
    """Link one new record against the rest with the stored model (no retraining)."""
    kind, source_id = parse_source(record)
    result = link_record(open_store(), acting_user(as_user), kind, source_id,
                         threshold=threshold)
    console.print(f"{record}: {result.candidates} candidates, {len(result.pairs)} at or above "
                  f"{threshold:g}, {result.new_pairs} new in the review queue.")


@link_app.command("groups")
@friendly
def groups_cmd(as_user: str = typer.Option(..., "--as", help=AS_HELP)) -> None:
    """Score every pair of groups (name, pages, area, period); likely pairs go to review."""
    result = run_groups(open_store(), acting_user(as_user))
    console.print(f"{result.groups} groups, {result.scored} pairs proposed, "
                  f"{result.new_pairs} new in the review queue.")


@link_app.command("queue")
@friendly
def queue_cmd(
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    kind: str = typer.Option("person", help="person or group."),
    threshold: float = typer.Option(REVIEW_THRESHOLD, help=THRESHOLD_HELP),
    limit: int = typer.Option(20, help="Pairs per page (at most 100)."),
    page: int = typer.Option(1, min=1, help="Which page of the queue."),
    order: str = typer.Option("uncertain", help="uncertain (match weight nearest 0 first, the "
                              "pairs needing judgement most) or strongest (near-copies first)."),
) -> None:
    """List candidate pairs waiting for review, the least certain first (or --order strongest)."""
    shown = review_queue(open_store(), acting_user(as_user), kind, threshold=threshold,
                         limit=limit, offset=(page - 1) * limit, order=order)
    table = Table("Pair", "Weight", "Probability", "One record", "The other")
    for pair in shown.pairs:
        left, right = shown.records[pair.left_id], shown.records[pair.right_id]
        table.add_row(str(pair.id), f"{pair.match_weight:.1f}", f"{pair.match_probability:.3f}",
                      escape(f"{left.source_kind}:{left.source_id} {_describe(left.features)}"),
                      escape(f"{right.source_kind}:{right.source_id} "
                             f"{_describe(right.features)}"))
    console.print(table)
    console.print(f"{shown.total} pending; {shown.hidden} on this page not shown (records you "
                  "may not see).")


@link_app.command("show-pair")
@friendly
def show_pair_cmd(
    pair_id: int = typer.Argument(..., help="The candidate pair's id."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
) -> None:
    """One candidate pair: both records and the waterfall of comparison weights."""
    detail = get_pair(open_store(), acting_user(as_user), pair_id)
    console.print(f"Pair {pair_id} ({detail.pair.status}), model version "
                  f"{detail.model_version}: weight {detail.pair.match_weight:.2f}, "
                  f"probability {detail.pair.match_probability:.4f}")
    table = Table("Comparison", "Level", "Weight", "One record", "The other")
    for step in detail.pair.waterfall:
        table.add_row(str(step["comparison"]), escape(str(step["level"])),
                      f"{float(step['weight']):+.2f}", escape(str(step["left"])),
                      escape(str(step["right"])))
    console.print(table)


@link_app.command("confirm")
@friendly
def confirm_cmd(
    pair_id: int = typer.Argument(..., help="The candidate pair's id."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    keep: int = typer.Option(0, help="Groups: the record id of the group that keeps its name."),
) -> None:
    """Confirm a pair: the two records become one profile (groups: one group, an alias)."""
    decision = confirm(open_store(), acting_user(as_user), pair_id, keep=keep or None)
    console.print(f"Pair {pair_id} confirmed (decision {decision.id}); profile "
                  f"{decision.changes.get('cluster')}.")


@link_app.command("reject")
@friendly
def reject_cmd(
    pair_id: int = typer.Argument(..., help="The candidate pair's id."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
) -> None:
    """Reject a pair: remembered, and never proposed again."""
    decision = reject(open_store(), acting_user(as_user), pair_id)
    console.print(f"Pair {pair_id} rejected (decision {decision.id}).")


@link_app.command("undo")
@friendly
def undo_cmd(
    pair_id: int = typer.Argument(..., help="The candidate pair's id."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
) -> None:
    """Undo the last decision on a pair (a merge is taken apart exactly as it was made)."""
    decision = undo(open_store(), acting_user(as_user), pair_id)
    console.print(f"Decision {decision.changes.get('undid')} on pair {pair_id} undone; the "
                  "pair is back in the queue.")


@link_app.command("show")
@friendly
def show_cmd(
    profile_id: int = typer.Argument(..., help="The person profile's id."),
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
) -> None:
    """A person profile: every value with the record that said it."""
    profile = person_profile(open_store(), acting_user(as_user), profile_id)
    console.print(profile.notice)
    table = Table("Property", "Value", "Said by")
    for statement in profile.statements:
        table.add_row(statement.property, escape(statement.value), escape(statement.source))
    console.print(table)
    if profile.hidden:
        console.print(f"{profile.hidden} records of this profile are not shown (you may not "
                      "see them).")


@link_app.command("profiles")
@friendly
def profiles_cmd(
    as_user: str = typer.Option(..., "--as", help=AS_HELP),
    limit: int = typer.Option(50, help="Profiles per page (at most 100)."),
    page: int = typer.Option(1, min=1, help="Which page."),
) -> None:
    """List person profiles (clusters of confirmed records), newest first."""
    rows, total = list_profiles(open_store(), acting_user(as_user), limit=limit,
                                offset=(page - 1) * limit)
    table = Table("Profile", "Records", "Names")
    for row in rows:
        table.add_row(str(row.cluster_id), str(row.records), escape("; ".join(row.names)))
    console.print(table)
    console.print(f"{total} profiles.")


def register(app: typer.Typer) -> None:
    app.add_typer(link_app, name="link")
