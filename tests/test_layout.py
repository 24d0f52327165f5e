"""The layout rules of docs/architecture.md, checked on the source: arrows point down, each action
has one home, and only the store speaks SQL."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "drachma"
# Old homes kept only as re-exports for branches written before issue 7 moved them.
MOVED = {
    "drachma.intake.reports": "drachma.reports",
    "drachma.link.mentions.extract_report": "drachma.reports.mentions",
    "drachma.link.mentions.known_groups": "drachma.reports.mentions",
}


def modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        yield name, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def imported_names(tree: ast.Module) -> Iterator[str]:
    """Every module or module.name a file imports (also inside functions)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_nothing_imports_an_old_home_of_a_moved_action() -> None:
    shims = {"drachma.intake.reports", "drachma.link.mentions"}
    found = [
        f"{name} imports {target} (now in {MOVED[target]})"
        for name, tree in modules() if name not in shims
        for target in imported_names(tree) if target in MOVED
    ]
    assert found == []


@pytest.mark.parametrize("lower", ["drachma.store", "drachma.access", "drachma.reports",
                                   "drachma.intake", "drachma.link", "drachma.model"])
def test_arrows_point_down_nothing_below_imports_the_web_or_the_cli(lower: str) -> None:
    found = [
        f"{name} imports {target}"
        for name, tree in modules() if name.startswith(lower)
        for target in imported_names(tree)
        if target.startswith(("drachma.web", "drachma.cli"))
    ]
    assert found == []


def test_only_the_store_speaks_sql() -> None:
    """No module outside drachma/store/ imports SQLAlchemy or Alembic: the store raises its own
    errors (drachma.errors.ConstraintError) and offers the counts the others need."""
    found = [
        f"{name} imports {target}"
        for name, tree in modules() if not name.startswith("drachma.store")
        for target in imported_names(tree)
        if target.split(".")[0] in ("sqlalchemy", "alembic")
    ]
    assert found == []
