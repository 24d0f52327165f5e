"""``drachma export stix|ftm|csv`` and ``drachma import stix``: a file out, a file in; mistakes
exit 1, say why and change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drachma.access.actor import Actor
from drachma.cli.app import app
from drachma.model.roles import Role
from drachma.store.db import Store
from tests.sharing_support import SOURCE_NAME, make_case
from tests.test_incidents_support import row_counts

runner = CliRunner()


def run(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--database", url, *args])
    return result.exit_code, result.output


@pytest.fixture
def case_db(sqlite_store: Store) -> Store:
    made: dict[Role, Actor] = {}

    def actor(role: Role) -> Actor:
        from drachma.access.users import add_user
        from tests.conftest import PASSWORD

        if role not in made:
            made[role] = Actor(add_user(sqlite_store, None, f"{role.value}1", role.label, role,
                                        PASSWORD))
        return made[role]

    make_case(sqlite_store, actor)
    actor(Role.ANALYST)
    return sqlite_store


def test_export_each_format_and_import_it_back(case_db: Store, tmp_path: Path) -> None:
    url = case_db.url
    for fmt, name in (("stix", "x.json"), ("ftm", "x.ndjson"), ("csv", "x.csv")):
        code, out = run(url, "export", fmt, "incident", "1", "--out", str(tmp_path / name),
                        "--as", "officer1", "--sender", "Lancashire Constabulary")
        assert code == 0, out
        assert "Wrote" in out
        assert SOURCE_NAME not in (tmp_path / name).read_text("utf-8")
    bundle = json.loads((tmp_path / "x.json").read_text())
    assert len([o for o in bundle["objects"] if o["type"] == "report"]) == 2  # not the 3CC one
    code, out = run(url, "export", "csv", "reports", "--grading", "3", "--out",
                    str(tmp_path / "c.csv"))
    assert code == 0 and "Wrote 1 records" in out
    code, out = run(url, "import", "stix", str(tmp_path / "x.json"), "--as", "analyst1")
    assert code == 0, out
    assert "Took in 3 reports from Lancashire Constabulary" in out


def test_mistakes_exit_1_say_why_and_change_nothing(case_db: Store, tmp_path: Path) -> None:
    url = case_db.url
    before = row_counts(case_db, "reports")
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "bundle", "objects": [{"type": "x-sting"}]}')
    code, out = run(url, "import", "stix", str(bad))
    assert code == 1 and "x-sting" in out
    code, out = run(url, "import", "stix", str(tmp_path / "missing.json"))
    assert code == 1 and "no file" in out
    code, out = run(url, "export", "stix", "wibble", "--out", str(tmp_path / "w.json"))
    assert code == 1 and "unknown export 'wibble'" in out
    code, out = run(url, "export", "stix", "incident", "--out", str(tmp_path / "w.json"))
    assert code == 1 and "needs its number" in out
    (tmp_path / "taken.json").write_text("keep me")
    code, out = run(url, "export", "stix", "incident", "1", "--out", str(tmp_path / "taken.json"))
    assert code == 1 and "exists" in out
    assert (tmp_path / "taken.json").read_text() == "keep me"
    assert row_counts(case_db, "reports") == before

