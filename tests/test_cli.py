"""The command line: a thin layer over the library, with clear errors and non-zero exits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drachma.cli.app import app
from drachma.store.db import Store

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(app, ["--database", url, "init"])
    assert result.exit_code == 0, result.output
    return url


def run(db: str, *args: str, input: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["--database", db, *args], input=input)
    return result.exit_code, result.output


def test_init_creates_the_database_and_db_upgrade_is_then_a_no_op(db: str) -> None:
    code, out = run(db, "db", "upgrade")
    assert code == 0
    assert "already at revision" in out


def test_users_add_list_set_role_disable(db: str) -> None:
    code, out = run(db, "users", "add", "jo.smith", "--role", "analyst", "--name", "Jo Smith",
                    "--password", "long enough password")
    assert code == 0, out
    code, out = run(db, "users", "set-role", "jo.smith", "supervisor")
    assert code == 0 and "supervisor" in out
    code, out = run(db, "users", "disable", "jo.smith")
    assert code == 0
    code, out = run(db, "users", "list")
    assert "jo.smith" in out and "supervisor" in out and "no" in out


def test_users_add_refuses_an_unknown_role_and_a_short_password(db: str) -> None:
    code, out = run(db, "users", "add", "a.b", "--role", "sheriff", "--password", "long enough 1")
    assert code == 1 and "unknown role 'sheriff'" in out
    code, out = run(db, "users", "add", "a.b", "--role", "analyst", "--password", "short")
    assert code == 1 and "at least 12 characters" in out


def test_reports_add_list_show_and_search(db: str) -> None:
    code, out = run(db, "reports", "add", "--grading", "2BP", "--title", "Stream in Wigan",
                    "--text", "Members streamed a confrontation at Wigan bus station.")
    assert code == 0 and "Stored report 1 graded 2BP" in out
    code, out = run(db, "reports", "list", "--json")
    assert json.loads(out.splitlines()[0])["title"] == "Stream in Wigan"
    code, out = run(db, "reports", "show", "1")
    assert code == 0 and "untested" in out and "bus station" in out
    code, out = run(db, "search", "confrontation", "--json")
    hit = json.loads(out.splitlines()[0])
    assert hit["id"] == 1 and "[confrontation]" in hit["snippet"]


def test_reports_add_from_a_file(db: str, tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_text("A member of the public saw a group filming outside a shop.", encoding="utf-8")
    code, out = run(db, "reports", "add", "--grading", "2CP", "--file", str(path))
    assert code == 0, out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grading", "4AP", "--text", "x"], "source evaluation '4' must be 1, 2 or 3"),
        (["--grading", "2BC", "--text", "x"], "needs the handling conditions"),
        (["--grading", "2BP", "--text", "  "], "report text is empty"),
        (["--grading", "2BP", "--text", "x", "--occurred", "2999-01-01"], "in the future"),
        (["--grading", "2BP", "--text", "x", "--received", "31/02/2019"], "is not a date"),
        (["--grading", "2BP", "--text", "x", "--force", "Narnia Police"], "Narnia Police"),
    ],
)
def test_bad_input_exits_non_zero_with_a_message_and_stores_nothing(
    db: str, args: list[str], message: str
) -> None:
    code, out = run(db, "reports", "add", *args)
    assert code == 1
    assert message in " ".join(out.split())
    assert "Traceback" not in out
    code, out = run(db, "reports", "list", "--json")
    assert out.strip() == ""


def test_a_database_that_does_not_answer_is_named() -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    code, out = run(url, "reports", "list")
    assert code == 1
    assert "does not answer" in out and "127.0.0.1:1" in " ".join(out.split())


def test_a_report_that_does_not_exist(db: str) -> None:
    code, out = run(db, "reports", "show", "99")
    assert code == 1 and "no report 99" in out


def test_the_default_database_is_sqlite_in_wal_mode(db: str) -> None:
    assert Store(db).is_sqlite


def test_extract_knows_the_groups_confirmed_in_the_database(db: str, tmp_path: Path) -> None:
    from drachma.model.entities import Group
    from drachma.store.groups import insert_group

    store = Store(db)
    with store.begin() as conn:
        insert_group(conn, Group(name="Marrowby Vigil", aliases=["MV"], confirmed=True))
    path = tmp_path / "note.txt"
    path.write_text("Marrowby Vigil posted a video on Tuesday evening.", encoding="utf-8")
    code, out = run(db, "extract", str(path), "--json", "--date", "2019-03-01")
    assert code == 0, out
    groups = [m["value"] for m in json.loads(out) if m["type"] == "GROUP"]
    assert groups == ["Marrowby Vigil"]


def test_extract_does_not_create_a_database(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text("Police in Wigan arrested a man.", encoding="utf-8")
    missing = tmp_path / "none" / "drachma.db"
    code, out = run(f"sqlite:///{missing}", "extract", str(path), "--json")
    assert code == 0, out
    assert not missing.exists()


def test_an_error_is_one_line_however_long_and_prints_brackets_as_written() -> None:
    """A long message (a deep path) is not wrapped, and "[...]" in it is text, not markup."""
    import click
    import typer

    from drachma.cli.common import fail

    message = "the file /tmp/" + "deep/" * 30 + "[exhibit 1].txt is empty; there is nothing to keep"
    probe = typer.Typer()

    @probe.command()
    def boom() -> None:
        raise fail(message)

    result = CliRunner().invoke(probe, [])
    assert result.exit_code == 1
    assert isinstance(result.exception, (SystemExit, click.exceptions.Exit))
    assert result.output.strip() == f"Error: {message}"
