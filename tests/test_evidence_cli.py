"""``drachma evidence ...`` end to end on a SQLite file: init makes the keys, add prints and writes
the receipt, export is a custody event, verify passes and then names tampering with exit 1."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from drachma.cli.app import app
from drachma.model.incident import Investigation
from drachma.store.db import Store
from drachma.store.entities import insert_investigation
from drachma.store.tables import custody_events

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DRACHMA_HOME", str(tmp_path / "home"))
    for name in ("DRACHMA_EVIDENCE_DIR", "DRACHMA_EVIDENCE_MASTER_KEY",
                 "DRACHMA_EVIDENCE_SIGNING_KEY"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = runner.invoke(app, ["--database", url, "init"])
    assert result.exit_code == 0, result.output
    assert "Created the evidence master key" in result.output
    return url


def run(db: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--database", db, *args])
    return result.exit_code, result.output


def test_init_makes_owner_only_keys_and_keeps_them_next_time(db: str, tmp_path: Path) -> None:
    key = tmp_path / "home" / "keys" / "evidence-master.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_bytes()
    code, out = run(db, "init")
    assert code == 0 and "Kept the evidence master key" in out
    assert key.read_bytes() == before


def test_add_export_verify_and_tamper(db: str, tmp_path: Path) -> None:
    assert run(db, "evidence", "producer", "add", "js", "Jo Sands")[0] == 0
    material = tmp_path / "chat.txt"
    material.write_bytes(b"invented chat log\n")
    receipt_csv, receipt_pdf = tmp_path / "receipt.csv", tmp_path / "receipt.pdf"
    code, out = run(db, "evidence", "add", str(material), "--producer", "JS", "--from",
                    "Northfield Watch", "--reason", "handed over at the counter",
                    "--receipt-csv", str(receipt_csv), "--receipt-pdf", str(receipt_pdf))
    assert code == 0, out
    assert "JS/1" in out and "text/plain" in out
    rows = list(csv.reader(io.StringIO(receipt_csv.read_text())))
    assert ["Producer", "JS"] in rows
    assert any(row[:3] == ["JS/1", "chat.txt", "18"] for row in rows)
    assert receipt_pdf.read_bytes().startswith(b"%PDF")

    out_file = tmp_path / "copy.txt"
    code, out = run(db, "evidence", "export", "JS/1", "--out", str(out_file), "--reason",
                    "for the CPS review")
    assert code == 0, out
    assert out_file.read_bytes() == b"invented chat log\n"
    code, out = run(db, "evidence", "show", "JS/1")
    assert "downloaded" in out and "for the CPS review" in out

    code, out = run(db, "evidence", "prove", "1")
    assert code == 1 and "no checkpoint covers log position 1 yet" in out
    code, out = run(db, "evidence", "checkpoint")
    assert code == 0 and out.startswith("drachma.police.uk/custody\n2\n")
    code, out = run(db, "evidence", "prove", "1")
    assert code == 0 and json.loads(out)["leaf_index"] == 1

    code, out = run(db, "evidence", "verify")
    assert code == 0 and "Everything verifies" in out

    store = Store(db)
    with store.begin() as conn:
        conn.execute(update(custody_events).where(custody_events.c.seq == 1)
                     .values(reason="for nobody"))
    store.dispose()
    code, out = run(db, "evidence", "verify")
    assert code == 1
    assert "FAILED event #1 (JS/1 downloaded)" in out


def test_clear_errors_for_bad_input(db: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, out = run(db, "evidence", "add", str(empty), "--producer", "JS", "--from", "x",
                    "--reason", "y")
    assert code == 1 and "no producer with initials JS" in out
    run(db, "evidence", "producer", "add", "JS", "Jo Sands")
    code, out = run(db, "evidence", "add", str(empty), "--producer", "JS", "--from", "x",
                    "--reason", "y")
    assert code == 1 and "is empty" in out
    code, out = run(db, "evidence", "export", "JS/9", "--out", str(tmp_path / "o"),
                    "--reason", "y")
    assert code == 1 and "no exhibit JS/9" in out


def test_a_missing_master_key_is_a_clear_error(db: str, tmp_path: Path) -> None:
    os.remove(tmp_path / "home" / "keys" / "evidence-master.key")
    code, out = run(db, "evidence", "checkpoint")
    assert code == 1 and "no evidence master key at" in out and "drachma init" in out


def test_disclosure_pack_from_the_command_line(db: str, tmp_path: Path) -> None:
    store = Store(db)
    with store.begin() as conn:
        case = insert_investigation(conn, Investigation("OP-ASH", "DS Example", None))
    store.dispose()
    runner.invoke(app, ["--database", db, "users", "add", "do1", "--role", "disclosure_officer",
                        "--password", "long enough password"])
    run(db, "evidence", "producer", "add", "JS", "Jo Sands")
    material = tmp_path / "note.txt"
    material.write_bytes(b"invented note")
    assert run(db, "evidence", "add", str(material), "--producer", "JS", "--from", "PC Example",
               "--reason", "seized")[0] == 0
    code, out = run(db, "evidence", "disclosure", "add-item", str(case), "MG6C", "Note",
                    "--exhibit", "JS/1")
    assert code != 0  # --as is required: the operator is not a disclosure officer
    code, out = run(db, "evidence", "disclosure", "add-item", str(case), "MG6C", "Note",
                    "--exhibit", "JS/1", "--as", "do1")
    assert code == 0 and "Item 1 on MG6C" in out
    code, out = run(db, "evidence", "disclosure", "schedule", str(case), "MG6C")
    assert code == 0 and "OP-ASH" in out
    pack = tmp_path / "pack.zip"
    code, out = run(db, "evidence", "pack", str(case), "--exhibit", "JS/1", "--out", str(pack),
                    "--reason", "for the CPS")
    assert code == 0, out
    key = run(db, "evidence", "public-key")[1].strip()
    code, out = run("sqlite:////nonexistent/none.db", "evidence", "verify-pack", str(pack),
                    "--key", key)
    assert code == 0 and "The pack verifies" in out
