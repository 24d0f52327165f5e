#!/usr/bin/env python3
"""Set up and run Drachma on a fresh machine with nothing but Python 3.11+ and pip.

    python3 bootstrap.py start   # venv + install, create the SQLite database, load demo data,
                                 # serve the web app at http://127.0.0.1:8000
    python3 bootstrap.py test    # venv + dev extras, then ruff, mypy and the whole test suite
                                 # (the browser tests need Chromium: installed with apt-get when
                                 # this runs as root on Debian, else those tests are skipped)
    python3 bootstrap.py screenshots  # run the browser tests and refresh docs/images/*.png

Everything goes into ./.venv; the database into ./instance/drachma.db (DRACHMA_DATABASE_URL
changes that). Arguments after ``test`` are passed to pytest.
"""

from __future__ import annotations

import os
import shutil
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


CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def ensure_browser() -> None:
    """The browser tests drive the system's Chromium. Install Debian's package when it is missing
    and this runs as root with apt-get; otherwise say why the browser tests will be skipped (under
    CI=true they fail instead)."""
    if os.environ.get("DRACHMA_CHROMIUM") or any(Path(p).exists() for p in CHROMIUM):
        return
    if os.name != "nt" and os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Chromium for the browser tests (apt-get install chromium)", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for command in (["apt-get", "update", "-qq"],
                        ["apt-get", "install", "-y", "-qq", "chromium", "fonts-liberation"]):
            if subprocess.run(command, env=env).returncode != 0:
                print("Could not install Chromium; the browser tests will not run.", flush=True)
                return
        return
    print("No Chromium found and not root with apt-get: the browser tests will not run "
          "(install Debian's chromium package, or set DRACHMA_CHROMIUM).", flush=True)


def start() -> None:
    ensure_venv()
    drachma = BIN / "drachma"
    run(drachma, "init")
    run(drachma, "demo", "--if-empty")
    run(drachma, "serve", "--host", "127.0.0.1", "--port", "8000")


def test(pytest_args: list[str]) -> None:
    ensure_venv("[dev]")
    ensure_browser()
    run(BIN / "ruff", "check", "drachma", "tests", "bench", "bootstrap.py")
    run(BIN / "mypy")
    run(BIN / "python", "-m", "pytest", *pytest_args)


README_SHOTS = ("login", "search", "report")


def screenshots() -> None:
    """Run the browser tests with their screenshots going to docs/images, for the README."""
    ensure_venv("[dev]")
    ensure_browser()
    folder = ROOT / "docs" / "images"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["DRACHMA_SCREENSHOT_DIR"] = str(folder)
    run(BIN / "python", "-m", "pytest", "tests/browser", "-q")
    for path in folder.glob("*.png"):
        if path.stem not in README_SHOTS:
            path.unlink()


def main() -> None:
    commands = {"start": start, "screenshots": screenshots}
    if len(sys.argv) < 2 or sys.argv[1] not in {*commands, "test"}:
        sys.exit(__doc__)
    if sys.argv[1] == "test":
        test(sys.argv[2:])
    else:
        commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
