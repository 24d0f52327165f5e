"""The documentation is tested: every command has help text and a section in docs/cli.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from drachma.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def _commands(group: Any, prefix: str) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            found.extend(_commands(command, path))
        else:
            found.append((path, command))
    return found


COMMANDS = _commands(typer.main.get_group(app), "drachma")


def test_there_are_commands_to_check() -> None:
    assert len(COMMANDS) >= 12


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_and_a_section_in_the_docs(path: str, command: Any) -> None:
    assert (command.help or "").strip(), f"{path} has no help text"
    for param in command.params:
        if getattr(param, "param_type_name", "") == "option" and not param.hidden:
            assert (param.help or "").strip(), f"{path} {param.opts[0]} has no help text"
    assert f"## `{path}`" in CLI_DOC, f"docs/cli.md has no section for {path}"


def test_the_readme_shows_the_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python3 bootstrap.py start" in readme
    assert "python3 bootstrap.py test" in readme
    assert "python3 bootstrap.py test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


# --- layer (issue 7): API routes and settings are documented too ---

WEB_DOC = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
ALL_DOCS = "\n".join(p.read_text(encoding="utf-8")
                     for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def _api_routes() -> dict[str, str]:
    """Every route under /api of every router of the web app: "METHOD /path" -> its module."""
    import importlib
    import pkgutil

    from fastapi import APIRouter
    from fastapi.routing import APIRoute

    import drachma.web

    found: dict[str, str] = {}
    for info in pkgutil.iter_modules(drachma.web.__path__):
        module = importlib.import_module(f"drachma.web.{info.name}")
        for value in vars(module).values():
            if isinstance(value, APIRouter):
                for route in value.routes:
                    if isinstance(route, APIRoute) and route.path.startswith("/api"):
                        for method in route.methods - {"HEAD"}:
                            found[f"{method} {route.path}"] = info.name
    return found


API_ROUTES = _api_routes()


def _unnamed(text: str) -> str:
    """``/api/reports/{report_id}`` and ``/api/reports/{id}`` are the same route."""
    return re.sub(r"\{\w*\}", "{}", text)  # a route parameter, never a stray brace


def _documented(route: str, module: str) -> bool:
    """The core API (drachma.web.api) is documented in docs/web.md; a capability's own routes in
    docs/web.md or its own page under docs/."""
    doc = WEB_DOC if module == "api" else ALL_DOCS
    return f"`{_unnamed(route)}`" in _unnamed(doc)


def test_there_are_api_routes_to_check() -> None:
    assert len([r for r, m in API_ROUTES.items() if m == "api"]) >= 10


@pytest.mark.parametrize("route", sorted(API_ROUTES))
def test_every_api_route_is_documented(route: str) -> None:
    module = API_ROUTES[route]
    assert _documented(route, module), f"no doc names {route} (drachma.web.{module})"


def _settings() -> list[str]:
    names: set[str] = set()
    for folder in ("drachma", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r"\bDRACHMA_[A-Z][A-Z0-9_]*", path.read_text("utf-8")))
    names |= set(re.findall(r"\bDRACHMA_[A-Z][A-Z0-9_]*",
                            (ROOT / "bootstrap.py").read_text(encoding="utf-8")))
    return sorted(names)


SETTINGS = _settings()


def test_there_are_settings_to_check() -> None:
    assert {"DRACHMA_DATABASE_URL", "DRACHMA_HOME"} <= set(SETTINGS)


@pytest.mark.parametrize("name", SETTINGS)
def test_every_drachma_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in ALL_DOCS, f"no doc names the setting {name}"
