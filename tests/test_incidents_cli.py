"""``drachma incidents``: the call handler's three facts are enough; mistakes exit 1 and say why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drachma.cli.app import app
from drachma.store.db import Store
from tests.test_incidents_support import GROUP, STREAM, add_group

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert runner.invoke(app, ["--database", url, "init"]).exit_code == 0
    store = Store(url)
    add_group(store)
    store.dispose()
    return url


def run(db: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--database", db, *args])
    return result.exit_code, result.output


def test_new_list_show_and_an_arrest(db: str) -> None:
    code, out = run(db, "incidents", "new", "--place", "Rochdale", "--group", GROUP,
                    "--stream-url", STREAM)
    assert code == 0, out
    assert "Incident 1 opened: Rochdale, Greater Manchester Police." in out
    code, out = run(db, "incidents", "list", "--force", "Greater Manchester Police", "--json")
    assert code == 0 and json.loads(out)["total"] == 1
    code, out = run(db, "incidents", "add-person", "1", "--name", "Gavin Threlfall",
                    "--dob", "04/03/1981")
    assert code == 0 and "Added the subject" in out
    assert run(db, "incidents", "event", "1", "arrest", "--note", "at the scene")[0] == 0
    code, out = run(db, "incidents", "show", "1", "--json")
    shown = json.loads(out)
    assert [e["kind"] for e in shown["timeline"]] == ["created", "subject_added", "arrest"]
    assert shown["people"][0]["role_label"] == "the subject"
    assert shown["incident"]["outcome"] == "arrested"


@pytest.mark.parametrize(("args", "message"), [
    (["--place", "Nowhereville", "--group", GROUP], "not in the gazetteer"),
    (["--place", "Rochdale", "--group", "Unknown Crew"], "group 'Unknown Crew' is not known"),
    (["--place", "Rochdale", "--group", GROUP, "--when", "01/01/2099 10:00"], "in the future"),
    (["--place", "Rochdale", "--group", GROUP, "--when", "yesterday-ish"], "is not a time"),
])
def test_mistakes_exit_1_with_the_reason_and_store_nothing(db: str, args: list[str],
                                                           message: str) -> None:
    code, out = run(db, "incidents", "new", *args)
    assert code == 1
    assert "Error:" in out and message in " ".join(out.split())
    assert json.loads(run(db, "incidents", "list", "--json")[1])["total"] == 0


def test_assess_prints_the_level_drivers_and_tasks_and_the_worker_passes(db: str) -> None:
    run(db, "incidents", "new", "--place", "Rochdale", "--group", GROUP)
    code, out = run(db, "incidents", "assess", "1", "--for", "household",
                    "--factor", "children_in_household", "--note", "vulnerability=two children")
    assert code == 0, out
    assert "risk medium" in out and "Driven by: Children live in the household" in out
    assert "Referral to children's services - officer, due" in out
    code, out = run(db, "incidents", "assess", "1", "--override", "high")
    assert code == 1 and "needs a recorded reason" in out
    code, out = run(db, "worker", "--once")
    assert code == 0 and "Escalated 0 tasks" in out
    code, out = run(db, "incidents", "task-done", "1", "--note", "referral made")
    assert code == 0
    code, out = run(db, "incidents", "task-done", "1")
    assert code == 1 and "already done" in out
