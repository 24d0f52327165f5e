"""``drachma users add|list|set-role|disable|enable|passwd|unlock``, and a user's sessions, API
tokens and second factor (``sessions``, ``end-session``, ``tokens``, ``token-add``,
``token-revoke``, ``mfa-reset``)."""

from __future__ import annotations

from datetime import datetime

import typer
from rich.table import Table

from drachma.access import account as account_service
from drachma.access import mfa as mfa_service
from drachma.access import tokens as token_service
from drachma.access import users as user_service
from drachma.access.throttle import unlock as unlock_log_in
from drachma.cli.common import console, friendly, open_store
from drachma.model.dates import uk_datetime
from drachma.model.roles import Role, parse_role

users_app = typer.Typer(help="Manage who can log in, their roles, sessions, API tokens and second "
                        "factor.", no_args_is_help=True)
ROLES = ", ".join(r.value for r in Role)


@users_app.command("add")
@friendly
def add(
    username: str = typer.Argument(..., help="Log-in name: lower-case letters, digits, . _ -"),
    role: str = typer.Option(..., "--role", "-r", help=f"One of: {ROLES}."),
    name: str = typer.Option(None, "--name", help="Display name (default: the username)."),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True,
        help="At least 12 characters, not a common password; asked for if not given.",
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
    """Stop a user logging in; their open sessions and API tokens end at once."""
    user_service.disable_user(open_store(), None, username)
    console.print(f"{username} is disabled.")


# --- security ---

@users_app.command("passwd")
@friendly
def passwd(
    username: str = typer.Argument(..., help="The user whose password to set."),
    password: str = typer.Option(
        ..., prompt="New password", hide_input=True, confirmation_prompt=True,
        help="The new password (at least 12 characters, not a common one); asked for if not "
             "given.",
    ),
) -> None:
    """Set a user's password; every session and API token of theirs ends at once, and they
    are told (a notice at next log-in; an e-mail when SMTP is configured)."""
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


# --- security: sessions, API tokens, second factor ---

def _when(value: datetime | None) -> str:
    return uk_datetime(value) if value else "never"


@users_app.command("sessions")
@friendly
def sessions(username: str = typer.Argument(..., help="The user whose sessions to list.")
             ) -> None:
    """List a user's open sessions (id, logged in, last used, address, end); audited."""
    table = Table("Id", "Logged in", "Last used", "From", "Ends")
    for found in account_service.list_sessions(open_store(), None, username=username):
        table.add_row(str(found.id), _when(found.created_at), _when(found.last_seen_at),
                      found.address or "unknown", _when(found.expires_at))
    console.print(table)


@users_app.command("end-session")
@friendly
def end_session(
    username: str = typer.Argument(..., help="The user the session belongs to."),
    session_id: int = typer.Argument(..., help="The session's id (from 'drachma users sessions')."),
) -> None:
    """End one session of a user: its cookie and bearer token stop working at once."""
    account_service.end_session(open_store(), None, session_id, username=username)
    console.print(f"Session {session_id} of {username} has ended.")


@users_app.command("tokens")
@friendly
def tokens(username: str = typer.Argument(..., help="The user whose API tokens to list.")
           ) -> None:
    """List a user's API tokens: name, made, last used, expiry and state; audited."""
    table = Table("Id", "Name", "Made", "Last used", "Expires", "State")
    for token in token_service.list_tokens(open_store(), None, username=username):
        table.add_row(str(token.id), token.name, _when(token.created_at),
                      _when(token.last_used_at), _when(token.expires_at), token.state)
    console.print(table)


@users_app.command("token-add")
@friendly
def token_add(
    username: str = typer.Argument(..., help="The user the token acts as."),
    name: str = typer.Option(..., "--name", help="What it is for, e.g. 'nightly export'."),
    days: int = typer.Option(token_service.DEFAULT_DAYS, "--days",
                             help=f"How long it works: 1 to {token_service.MAX_DAYS} days."),
) -> None:
    """Make an API token for a user; its secret is printed this once (only a hash is kept)."""
    made = token_service.create_token(open_store(), None, name, days, username=username)
    console.print(f"Token {made.token.id} ({made.token.name}) works until "
                  f"{_when(made.token.expires_at)}. Copy it now; it is not shown again:")
    console.print(made.secret, markup=False, highlight=False, soft_wrap=True)


@users_app.command("token-revoke")
@friendly
def token_revoke(
    username: str = typer.Argument(..., help="The user the token belongs to."),
    token_id: int = typer.Argument(..., help="The token's id (from 'drachma users tokens')."),
) -> None:
    """Revoke one API token of a user: it stops working at once."""
    token_service.revoke_token(open_store(), None, token_id, username=username)
    console.print(f"Token {token_id} of {username} is revoked.")


@users_app.command("mfa-reset")
@friendly
def mfa_reset(username: str = typer.Argument(..., help="The user who lost their second factor.")
              ) -> None:
    """Remove a user's second factor (a lost phone, no recovery codes left); audited."""
    mfa_service.reset(open_store(), None, username)
    console.print(f"The second factor of {username} is removed.")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
