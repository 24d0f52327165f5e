"""``drachma users add|list|set-role|disable|enable``."""

from __future__ import annotations

import typer
from rich.table import Table

from drachma.access import users as user_service
from drachma.access.throttle import unlock as unlock_log_in
from drachma.cli.common import console, friendly, open_store
from drachma.model.roles import Role, parse_role

users_app = typer.Typer(help="Manage who can log in, and their roles.", no_args_is_help=True)
ROLES = ", ".join(r.value for r in Role)


@users_app.command("add")
@friendly
def add(
    username: str = typer.Argument(..., help="Log-in name: lower-case letters, digits, . _ -"),
    role: str = typer.Option(..., "--role", "-r", help=f"One of: {ROLES}."),
    name: str = typer.Option(None, "--name", help="Display name (default: the username)."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True,
        help="At least 10 characters, not a common password; asked for if not given.",
    ),
) -> None:
    """Add a user who can log in to the web app."""
    store = open_store()
    user = user_service.add_user(store, None, username, name or username, parse_role(role),
                                 password)
    console.print(f"Added user {user.username} ({user.role.label}).")


@users_app.command("list")
@friendly
def list_() -> None:
    """List users with their roles and whether they can log in."""
    store = open_store()
    table = Table("Username", "Name", "Role", "Active")
    for user in user_service.list_users(store, None):
        table.add_row(user.username, user.display_name, user.role.label,
                      "yes" if user.active else "no")
    console.print(table)


@users_app.command("set-role")
@friendly
def set_role(
    username: str = typer.Argument(..., help="The user to change."),
    role: str = typer.Argument(..., help=f"The new role: {ROLES}."),
) -> None:
    """Change a user's role."""
    user_service.set_role(open_store(), None, username, parse_role(role))
    console.print(f"{username} is now {parse_role(role).label}.")


@users_app.command("disable")
@friendly
def disable(username: str = typer.Argument(..., help="The user to disable.")) -> None:
    """Stop a user logging in; their open sessions end at once."""
    user_service.disable_user(open_store(), None, username)
    console.print(f"{username} is disabled.")


# --- security ---

@users_app.command("passwd")
@friendly
def passwd(
    username: str = typer.Argument(..., help="The user whose password to set."),
    password: str = typer.Option(
        ..., prompt="New password", hide_input=True, confirmation_prompt=True,
        help="The new password (at least 10 characters, not a common one); asked for if not "
             "given.",
    ),
) -> None:
    """Set a user's password; every session of theirs ends at once."""
    user_service.set_password(open_store(), None, username, password)
    console.print(f"The password of {username} is changed; their sessions have ended.")


@users_app.command("unlock")
@friendly
def unlock(
    username: str = typer.Argument(None, help="The username locked out after wrong passwords."),
    address: str = typer.Option(None, "--address", help="A client address locked out."),
) -> None:
    """End a log-in lock-out early (after wrong passwords), for a user or an address."""
    done = unlock_log_in(open_store(), None, username, address)
    what = [w for w, ok in (("the account", done.account), ("the address", done.address)) if ok]
    console.print("Unlocked " + " and ".join(what) + ".")


@users_app.command("enable")
@friendly
def enable(username: str = typer.Argument(..., help="The user to enable.")) -> None:
    """Let a disabled user log in again."""
    user_service.enable_user(open_store(), None, username)
    console.print(f"{username} is enabled.")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
