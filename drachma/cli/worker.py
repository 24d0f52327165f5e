"""``drachma worker``: check due times (task escalation, takedown reminders, alert e-mails)."""

from __future__ import annotations

import threading

import typer

from drachma.cli.common import console, friendly, open_store


@friendly
def worker(
    once: bool = typer.Option(False, "--once", help="Make one pass and exit."),
    interval: float = typer.Option(30.0, "--interval", min=1.0, max=3600.0,
                                   help="Seconds between passes."),
) -> None:
    """Escalate overdue tasks, remind on unanswered takedowns, send alert e-mails."""
    from drachma.safeguarding.rules import check_data_files
    from drachma.safeguarding.worker import run_forever, run_once

    check_data_files()
    store = open_store()
    if once:
        done = run_once(store)
        console.print(f"Escalated {len(done.escalated)} tasks, sent {len(done.reminded)} "
                      f"takedown reminders and {len(done.mailed)} alert e-mails.",
                      highlight=False)
        return
    console.print(f"Worker running, a pass every {interval:g} s; Ctrl+C stops it.",
                  highlight=False)
    stop = threading.Event()
    try:
        run_forever(store, stop, interval)
    except KeyboardInterrupt:
        stop.set()


def register(app: typer.Typer) -> None:
    """Add ``drachma worker`` to the main app."""
    app.command("worker")(worker)
