"""What every command shares: the store, the acting user, and turning errors into messages."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from drachma.access.actor import Actor, system_actor
from drachma.config import load_settings
from drachma.errors import DrachmaError
from drachma.store.db import Store

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

_state: dict[str, str | None] = {"database_url": None}


def set_database_url(url: str | None) -> None:
    _state["database_url"] = url


def database_url() -> str:
    """The URL given with ``--database``, else ``DRACHMA_DATABASE_URL``, else the default file."""
    return _state["database_url"] or load_settings().database_url


def open_existing_store() -> Store | None:
    """The store if it already exists and has a schema; never creates one (for read-only help
    such as the confirmed groups the extractor should know)."""
    from drachma.store.db import sqlite_file
    from drachma.store.migrate import current_revision

    url = database_url()
    try:
        path = sqlite_file(url)
        if path is not None and not path.exists():
            return None
        store = Store(url)
        store.check()
        if current_revision(store) is None:
            return None
    except (DrachmaError, ValueError):
        return None
    return store


def open_store() -> Store:
    """The store named by ``--database``, ``DRACHMA_DATABASE_URL`` or the default SQLite file."""
    store = Store(database_url())
    store.check()
    return store


def cli_actor() -> Actor:
    """Command-line work is done by the machine's operator, recorded under their OS user name."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = os.environ.get("USER", "unknown")
    return system_actor(f"cli:{who}")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print "Error: <message>" on stderr (on one line however long: a path in it stays whole, and
    a log or a test reads it as written; brackets in it are text, not markup) and return the
    exit to raise."""
    err_console.print(
        f"[bold red]Error:[/] {escape(message)}", highlight=False, soft_wrap=True
    )
    return typer.Exit(code)


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a DrachmaError into 'Error: message' on stderr and exit code 1, not a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DrachmaError as exc:
            raise fail(exc.message) from None

    return wrapper


def acting_user(username: str) -> Actor:
    """The active user named with ``--as``: for work that must be a named role holder's (a
    disclosure officer's schedule, a records officer's decision), not the machine operator's."""
    from drachma.access import users
    from drachma.errors import ValidationError

    for user in users.list_users(open_store(), None):
        if user.username == username and user.active:
            return Actor(user, "cli")
    raise ValidationError(f"no active user {username!r}", field="as")
