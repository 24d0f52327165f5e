"""Actions that had only a web face have a CLI face calling the same functions: mention review,
reading the audit log, enabling a user."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from drachma.access.users import add_user, disable_user, log_in
from drachma.cli.app import app
from drachma.errors import AuthenticationError
from drachma.model.roles import Role
from drachma.reports import ReportDraft, add_report, known_groups
from drachma.store.db import Store
from tests.conftest import PASSWORD, ActorFactory

TEXT = (
    "A group called Lanternfield Watch confronted a 41-year-old man outside a shop in Wigan "
    "on Sunday. Greater Manchester Police arrested him."
)


def cli(store: Store, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--database", store.url, *args])
    return result.exit_code, result.output


def test_users_enable_lets_a_disabled_user_log_in_again(store: Store) -> None:
    add_user(store, None, "jo.smith", "Jo Smith", Role.ANALYST, PASSWORD)
    disable_user(store, None, "jo.smith")
    with pytest.raises(AuthenticationError):
        log_in(store, "jo.smith", PASSWORD, None)
    code, out = cli(store, "users", "enable", "jo.smith")
    assert (code, out.strip()) == (0, "jo.smith is enabled.")
    assert log_in(store, "jo.smith", PASSWORD, None).user.username == "jo.smith"
    code, out = cli(store, "users", "enable", "nobody")
    assert code == 1 and "no user 'nobody'" in out


def test_mentions_are_listed_and_reviewed_from_the_command_line(
    store: Store, make_actor: ActorFactory
) -> None:
    report = add_report(store, make_actor(Role.ANALYST),
                        ReportDraft(title="T", body=TEXT, grading="2BP"))
    code, out = cli(store, "mentions", "list", str(report.id), "--json")
    assert code == 0, out
    found = {m["type"]: m for m in map(json.loads, out.splitlines())}
    assert found["PLACE"]["value"] == "Wigan" and found["PLACE"]["machine_read_unconfirmed"]

    # The same rule as the page: a correction that changes nothing is refused, nothing stored.
    place = str(found["PLACE"]["id"])
    code, out = cli(store, "mentions", "correct", place, "--value", "Wigan")
    assert code == 1 and "Error: change the value or choose another type" in out
    code, out = cli(store, "mentions", "correct", place, "--type", "SPACESHIP")
    assert code == 1 and "unknown type 'SPACESHIP'" in out
    code, out = cli(store, "mentions", "correct", place, "--value", "Wigan town centre")
    assert code == 0 and "corrected: PLACE 'Wigan town centre'" in out

    assert cli(store, "mentions", "confirm", str(found["GROUP"]["id"]))[0] == 0
    assert ("Lanternfield Watch", ()) in known_groups(store)
    assert cli(store, "mentions", "reject", str(found["FORCE"]["id"]))[0] == 0
    code, out = cli(store, "mentions", "list", str(report.id), "--json")
    reviews = {m["type"]: m["review"] for m in map(json.loads, out.splitlines())}
    assert (reviews["PLACE"], reviews["GROUP"], reviews["FORCE"]) == (
        "corrected", "confirmed", "rejected")
    assert cli(store, "mentions", "confirm", "99999")[0] == 1


def test_the_audit_log_is_read_with_filters_and_pages(
    store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    for n in range(3):
        add_report(store, analyst, ReportDraft(title=f"T{n}", body=f"Text {n}.", grading="2BP"))
    code, out = cli(store, "audit", "list", "--action", "create", "--record-kind", "report",
                    "--json")
    assert code == 0, out
    created = [json.loads(line) for line in out.splitlines()]
    assert [e["record_id"] for e in created] == ["3", "2", "1"]
    assert {e["actor"] for e in created} == {analyst.name}

    code, out = cli(store, "audit", "list", "--record-kind", "report", "--limit", "2")
    assert code == 0 and "Audit events 1-2 of 3" in out and "More: --page 2" in out
    code, out = cli(store, "audit", "list", "--record-kind", "report", "--limit", "2",
                    "--page", "2", "--json")
    assert [json.loads(line)["record_id"] for line in out.splitlines()] == ["1"]
    code, out = cli(store, "audit", "list", "--action", "burgle")
    assert code == 1 and "unknown action 'burgle'" in out
