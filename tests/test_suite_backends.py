"""The PostgreSQL half of the suite is never skipped silently under CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/test_migrations.py::test_upgrading_twice_changes_nothing"
DEAD = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def _run(ci: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": ci, "DRACHMA_TEST_POSTGRES_URL": DEAD}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def test_under_ci_an_unreachable_postgresql_fails_the_run() -> None:
    result = _run("true")
    assert result.returncode == 1, result.stdout
    assert "does not answer" in result.stdout
    assert "1 passed" in result.stdout  # the SQLite half still ran


def test_outside_ci_it_is_skipped_with_the_reason() -> None:
    result = _run("")
    assert result.returncode == 0, result.stdout
    assert "1 passed, 1 skipped" in result.stdout
