"""The worker: checks due times so nothing due is silently dropped.

Each pass escalates overdue tasks to the supervisors' board, sends reminders for takedown
requests the platform has not answered in time, and sends deconfliction e-mails not yet sent.
Every step is idempotent and safe with several workers at once. ``drachma worker`` runs it; so
does a background thread inside ``drachma serve`` (unless ``--no-worker``).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from drachma.access.actor import Actor, system_actor
from drachma.errors import DrachmaError
from drachma.safeguarding import tasks
from drachma.store.db import Store

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 30.0  # seconds between passes


@dataclass(slots=True)
class WorkerPass:
    escalated: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    mailed: list[int] = field(default_factory=list)


def worker_actor() -> Actor:
    return system_actor("worker")


def run_once(store: Store, now: datetime | None = None) -> WorkerPass:
    """One pass over everything that has a due time."""
    from drachma.incidents.takedowns import send_reminders
    from drachma.safeguarding.alerts import send_pending_mail

    moment = now or datetime.now(UTC)
    actor = worker_actor()
    result = WorkerPass()
    result.escalated = tasks.escalate_overdue(store, actor, moment)
    result.reminded = send_reminders(store, actor, moment)
    result.mailed = send_pending_mail(store, actor)
    return result


def run_forever(store: Store, stop: threading.Event, interval: float = DEFAULT_INTERVAL) -> None:
    """Pass after pass until ``stop`` is set; a failed pass is logged and retried next time."""
    while not stop.is_set():
        try:
            run_once(store)
        except DrachmaError as exc:  # e.g. the database is briefly unavailable
            log.warning("worker pass failed: %s", exc.message)
        stop.wait(interval)


def start_background(store: Store, interval: float = DEFAULT_INTERVAL
                     ) -> tuple[threading.Thread, threading.Event]:
    """The worker as a daemon thread (for ``drachma serve``); set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(store, stop, interval),
                              name="drachma-worker", daemon=True)
    thread.start()
    return thread, stop
