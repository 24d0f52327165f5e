"""Dependencies: every package the code imports is declared in ``pyproject.toml``, and no
installed package has a known vulnerability (``pip-audit``, where its service can be reached).

An undeclared import works on a developer's machine (something else pulled it in) and breaks a
clean install: lxml's HTML cleaner, which newer lxml moved into ``lxml_html_clean``, did exactly
that. The check reads the imports from the source (``ast``), so an import inside a function or
behind ``TYPE_CHECKING`` counts too.
"""

from __future__ import annotations

import ast
import json
import re
import socket
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "drachma"
# The vulnerability service pip-audit asks by default (PyPI's JSON API).
AUDIT_HOST = ("pypi.org", 443)
AUDIT_SECONDS = 240


def canonical(name: str) -> str:
    """A distribution name as PyPI compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {canonical(re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0]) for r in requirements}


def imported_top_level_modules() -> dict[str, Path]:
    """Each top-level module the package imports (absolute imports), with one file that does."""
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path)
    return found


def test_every_imported_package_is_declared_in_pyproject() -> None:
    distributions = packages_distributions()
    wanted = declared()
    undeclared = []
    for module, where in imported_top_level_modules().items():
        if module == "drachma" or module in sys.stdlib_module_names:
            continue
        providers = {canonical(d) for d in distributions.get(module, [])}
        if not providers:
            undeclared.append(f"{module} (imported in {where.relative_to(ROOT)}) is not installed")
        elif not providers & wanted:
            undeclared.append(f"{module} (imported in {where.relative_to(ROOT)}) comes from "
                              f"{', '.join(sorted(providers))}, which pyproject.toml does not list")
    assert not undeclared, "\n".join(undeclared)


def test_the_import_walk_sees_the_packages_the_code_is_known_to_use() -> None:
    """The walk itself works: it finds imports made at the top, inside functions, and both
    ``import x`` and ``from x import y`` forms."""
    modules = imported_top_level_modules()
    assert {"sqlalchemy", "fastapi", "typer", "argon2", "cryptography"} <= modules.keys()


def _service_problem() -> str | None:
    try:
        with socket.create_connection(AUDIT_HOST, timeout=5):
            return None
    except OSError as exc:
        return f"pip-audit's vulnerability service {AUDIT_HOST[0]} cannot be reached: {exc}"


@pytest.mark.slow
def test_no_installed_package_has_a_known_vulnerability(tmp_path: Path) -> None:
    problem = _service_problem()
    if problem:
        pytest.skip(problem)
    report = tmp_path / "audit.json"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip_audit", "--local", "--skip-editable",
             "--progress-spinner", "off", "--timeout", "15", "--format", "json",
             "--output", str(report)],
            capture_output=True, text=True, timeout=AUDIT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        pytest.skip(f"pip-audit did not finish within {AUDIT_SECONDS} s (service too slow)")
    if not report.exists():
        if re.search(r"connection|timed? ?out|resolve|network|HTTPSConnectionPool", done.stderr,
                     re.I):
            pytest.skip(f"pip-audit could not reach its service: {done.stderr.strip()[-300:]}")
        pytest.fail(f"pip-audit failed: {done.stderr.strip()[-1000:]}")
    audited = json.loads(report.read_text(encoding="utf-8"))["dependencies"]
    assert len(audited) > 20, "pip-audit saw too few packages to have audited this environment"
    vulnerable = [f"{d['name']} {d['version']}: {', '.join(v['id'] for v in d['vulns'])}"
                  for d in audited if d.get("vulns")]
    assert not vulnerable, "known vulnerabilities:\n" + "\n".join(vulnerable)
