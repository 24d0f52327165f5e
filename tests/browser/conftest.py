"""Browser tests: the real server, with the demo data, driven by Chromium through Playwright.

The server is ``drachma serve`` started as a process on a free port, over a fresh SQLite
database loaded with ``drachma demo``: the two commands a user runs. The browser is the
system's Chromium (Debian's ``chromium`` package; ``DRACHMA_CHROMIUM`` names another one), since
Playwright's own browser download is not available everywhere. Without a browser or Playwright
these tests are skipped with the reason; under CI (``CI=true``) that fails the run, as a missing
PostgreSQL does.

Every page a test visits is checked with axe-core (``axe.min.js`` beside this file, from the npm
package pinned in ``assets/package.json``) for serious or critical WCAG 2.2 AA violations, and
the main pages are saved as screenshots under ``tests/browser/screenshots`` (or the folder
``DRACHMA_SCREENSHOT_DIR`` names; ``python3 bootstrap.py screenshots`` refreshes the README's).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
AXE = HERE / "axe.min.js"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
# The flags a sandboxed, offline machine needs: no sandbox as root, no background network calls.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DEMO_PASSWORDS = {"analyst": "analyst-demo-login", "officer": "officer-demo-login",
                  "investigator": "investigator-demo-login", "disclosure": "disclosure-demo-login",
                  "supervisor": "supervisor-demo-login", "admin": "admin-demo-login",
                  "records": "records-demo-login"}


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


def chromium_path() -> str | None:
    named = os.environ.get("DRACHMA_CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    return next((c for c in CHROMIUM_CANDIDATES if Path(c).exists()), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _drachma(*args: str, env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from drachma.cli.app import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=600,
                          **kwargs)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``drachma init``, ``drachma demo`` and ``drachma serve`` in a fresh folder; the base URL."""
    home = tmp_path_factory.mktemp("drachma-browser")
    env = {k: v for k, v in os.environ.items() if k != "DRACHMA_DATABASE_URL"}
    env["DRACHMA_HOME"] = str(home)
    _drachma("init", env=env, cwd=home)
    _drachma("demo", "--if-empty", env=env, cwd=home)
    port = _free_port()
    log = (home / "serve.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-c", "from drachma.cli.app import main; main()", "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("drachma serve did not start: "
                                   + (home / "serve.log").read_text()) from None
            time.sleep(0.3)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        _missing("no Chromium found (install Debian's chromium package, or set DRACHMA_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright for Python is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh browser tab (no cookies) on the server. axe-core is injected by the test helper,
    so the context may bypass the page's Content-Security-Policy for that script only; the test
    in ``test_pages.py`` checks the pages' own scripts run under the real policy."""
    context = browser.new_context(base_url=server, bypass_csp=True,
                                  viewport={"width": 1280, "height": 900}, locale="en-GB",
                                  timezone_id="Europe/London")
    context.set_default_timeout(20_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("DRACHMA_SCREENSHOT_DIR", HERE / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def check_accessibility(page: Any) -> None:
    """axe-core on the page as it stands: no serious or critical WCAG 2.2 AA violation."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(", ".join(node["target"]) for node in v["nodes"][:3])
        for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"accessibility violations on {page.url}:\n" + "\n".join(bad)


def visit(page: Any, path: str, *, shot: str | None = None) -> Any:
    """Go to a page, check it with axe, and save a screenshot when named."""
    response = page.goto(path)
    check_accessibility(page)
    if shot:
        page.screenshot(path=str(screenshot_dir() / f"{shot}.png"), full_page=False)
    return response


def log_in(page: Any, username: str, password: str | None = None) -> None:
    """Log in through the form, as a person does."""
    visit(page, "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or DEMO_PASSWORDS[username])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]
