"""``drachma ingest``: messages, summary, exit codes, JSON output and resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from drachma.cli.app import app
from drachma.config import load_evidence_settings
from drachma.evidence.keys import ensure_evidence_keys
from drachma.store.db import Store
from drachma.store.migrate import upgrade
from drachma.store.tables import reports

FIXTURES = Path(__file__).parent / "fixtures" / "intake"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliRunner, Store]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DRACHMA_DATABASE_URL", url)
    monkeypatch.setenv("DRACHMA_HOME", str(tmp_path / "home"))
    store = Store(url)
    upgrade(store)
    ensure_evidence_keys(load_evidence_settings(tmp_path / "home"))  # as 'drachma init' does
    return CliRunner(), store


def stored(store: Store) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


def test_ingest_prints_failures_and_a_summary_and_exits_0(
    cli: tuple[CliRunner, Store], tmp_path: Path,
) -> None:
    runner, store = cli
    (tmp_path / "bad.txt").write_bytes(b"\x00\x00binary")
    result = runner.invoke(app, ["ingest", str(FIXTURES), str(tmp_path / "bad.txt"),
                                 "--grading", "2BP", "--source-kind", "news"])
    assert result.exit_code == 0, result.output
    assert "bad.txt: binary data (contains NUL bytes), not text" in result.output
    assert "posts.jsonl line 3: invalid JSON" in result.output
    assert "finished: 11 stored, 0 duplicate (already stored), 2 failed." in result.output
    assert stored(store) == 11
    again = runner.invoke(app, ["ingest", str(FIXTURES), "--json"])
    assert again.exit_code == 0
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert (summary["stored"], summary["duplicates"], summary["failed"]) == (0, 11, 1)
    assert summary["failures"][0]["where"] == "line 3"


def test_nothing_readable_exits_1(cli: tuple[CliRunner, Store], tmp_path: Path) -> None:
    runner, _ = cli
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.5\n")
    result = runner.invoke(app, ["ingest", str(tmp_path / "a.pdf")])
    assert result.exit_code == 1
    assert "a.pdf: binary file (a PDF document), not text" in result.output
    assert "nothing could be read" in result.output


def test_empty_folder_exits_1(cli: tuple[CliRunner, Store], tmp_path: Path) -> None:
    runner, _ = cli
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["ingest", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "no files to take in were found" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grading", "2BX"], "handling code 'X' must be P or C"),
        (["--grading", "2BC"], "needs the handling conditions"),
        (["--map", "headline"], "must be written FIELD=COLUMN"),
        (["--map", "colour=Red"], "unknown field 'colour'"),
        (["--format", "pdf"], "unknown format 'pdf'"),
        (["--source-kind", "rumour"], "unknown source kind 'rumour'"),
    ],
)
def test_bad_options_are_named_and_nothing_is_stored(
    cli: tuple[CliRunner, Store], args: list[str], message: str,
) -> None:
    runner, store = cli
    result = runner.invoke(app, ["ingest", str(FIXTURES / "incidents.csv"), *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert stored(store) == 0


def test_paths_and_resume_are_exclusive_and_one_is_needed(cli: tuple[CliRunner, Store]) -> None:
    runner, _ = cli
    both = runner.invoke(app, ["ingest", str(FIXTURES), "--resume", "1"])
    assert both.exit_code == 1 and "not both" in both.output
    neither = runner.invoke(app, ["ingest"])
    assert neither.exit_code == 1 and "give the files or folders" in neither.output
    missing = runner.invoke(app, ["ingest", "/no/such/place"])
    assert missing.exit_code == 1 and "no such file or folder: /no/such/place" in missing.output
    unknown = runner.invoke(app, ["ingest", "--resume", "42"])
    assert unknown.exit_code == 1 and "no ingest run 42" in unknown.output


def test_explicit_mapping_and_resume_of_an_interrupted_run(
    cli: tuple[CliRunner, Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner, store = cli
    source = tmp_path / "export.csv"
    source.write_text("Ref,Story,When\n" + "".join(
        f"{n},Story number {n},0{1 + n % 9}/03/2024\n" for n in range(300)))

    from drachma.cli import ingest as ingest_cli

    calls = {"n": 0}
    original = ingest_cli._ProgressListener.item_read

    def interrupt(self: ingest_cli._ProgressListener, origin: object) -> None:
        calls["n"] += 1
        if calls["n"] == 170:
            raise KeyboardInterrupt
        original(self, origin)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_cli._ProgressListener, "item_read", interrupt)
    first = runner.invoke(app, ["ingest", str(source), "--map", "body=Story",
                                "--map", "received=When", "--batch-size", "50"])
    assert first.exit_code == 130
    assert "drachma ingest --resume 1" in first.output
    assert stored(store) == 150
    monkeypatch.setattr(ingest_cli._ProgressListener, "item_read", original)
    resumed = runner.invoke(app, ["ingest", "--resume", "1"])
    assert resumed.exit_code == 0, resumed.output
    assert "Run 1 resumed and finished: 150 stored" in resumed.output
    assert "Whole run: 300 stored, 0 duplicate, 0 failed." in resumed.output
    assert stored(store) == 300


def test_help_names_every_option(cli: tuple[CliRunner, Store]) -> None:
    runner, _ = cli
    result = runner.invoke(app, ["ingest", "--help"])
    assert result.exit_code == 0
    for option in ("--grading", "--conditions", "--visible-to", "--source-kind", "--map",
                   "--format", "--resume", "--batch-size", "--json"):
        assert option in result.output
