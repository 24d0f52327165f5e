"""``drachma demo``: load the invented demo set (or N reports for benchmarks); show the log-ins."""

from __future__ import annotations

import typer
from rich.table import Table

from drachma.cli.common import console, friendly, open_store
from drachma.demo.load import DemoLogin, DemoSummary, load_demo, load_scale
from drachma.store.migrate import upgrade


def _print_logins(logins: list[DemoLogin]) -> None:
    table = Table("Username", "Password", "Role", title="Demo log-ins (invented data only)")
    missing = []
    for login in logins:
        if login.exists:
            table.add_row(login.username, login.password, login.role.label)
        else:
            missing.append(login.username)
    if table.rows:
        console.print(table)
    if missing:
        console.print(f"Demo users not in this database: {', '.join(missing)}.")


def _print_summary(summary: DemoSummary) -> None:
    console.print(
        f"Loaded the invented demo set (seed {summary.seed}): {summary.reports:,} reports, "
        f"{summary.groups} groups, {summary.incidents} incidents, {summary.persons} people, "
        f"{summary.investigations} open investigations in {summary.seconds:.1f} s."
    )


@friendly
def demo(
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed gives the same data."),
    reports: int = typer.Option(2000, "--reports", min=1, help="Reports in the demo set."),
    scale: int = typer.Option(
        None, "--scale", min=1,
        help="Only stream N generated reports into the database (for benchmarks).",
    ),
    if_empty: bool = typer.Option(
        False, "--if-empty",
        help="If the database already holds reports, change nothing and just show the log-ins.",
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
) -> None:
    """Load invented demo data (every person and group is invented) and show the demo log-ins."""
    store = open_store()
    upgrade(store)
    if scale:
        summary = load_scale(store, scale, seed, progress, console=console)
        console.print(
            f"Loaded {summary.reports:,} generated reports (seed {seed}) in "
            f"{summary.seconds:.1f} s ({summary.rate:,.0f} reports/s)."
        )
        return
    summary = load_demo(store, seed, reports=reports, progress=progress, if_empty=if_empty,
                        console=console)
    if summary.skipped:
        console.print("The database already holds reports; the demo set was not loaded again.")
    else:
        _print_summary(summary)
    _print_logins(summary.logins)


def register(app: typer.Typer) -> None:
    """Add ``drachma demo`` to the main app."""
    app.command("demo")(demo)
