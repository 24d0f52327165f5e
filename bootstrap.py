#!/usr/bin/env python3
"""Set up and run Drachma on a fresh machine with nothing but Python 3.11+ and pip.

    python3 bootstrap.py start   # venv + install, create the SQLite database, load demo data,
                                 # serve the web app at http://127.0.0.1:8000
    python3 bootstrap.py test    # venv + dev extras, then ruff, mypy and the whole test suite

Everything goes into ./.venv; the database into ./instance/drachma.db (DRACHMA_DATABASE_URL
changes that). Arguments after ``test`` are passed to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv(extras: str = "") -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Drachma needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f".{extras}")


def start() -> None:
    ensure_venv()
    drachma = BIN / "drachma"
    run(drachma, "init")
    run(drachma, "demo", "--if-empty")
    run(drachma, "serve", "--host", "127.0.0.1", "--port", "8000")


def test(pytest_args: list[str]) -> None:
    ensure_venv("[dev]")
    run(BIN / "ruff", "check", "drachma", "tests", "bench", "bootstrap.py")
    run(BIN / "mypy")
    run(BIN / "python", "-m", "pytest", *pytest_args)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"start", "test"}:
        sys.exit(__doc__)
    if sys.argv[1] == "start":
        start()
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
