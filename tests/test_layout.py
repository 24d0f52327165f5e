"""The layout rules of docs/architecture.md, checked on the source: arrows point down, each action
has one home, and only the store speaks SQL."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "drachma"
# Old homes of actions issue 7 moved; the forwarding shims are gone, so nothing may import them.
MOVED = {
    "drachma.intake.reports": "drachma.reports",
    "drachma.link.mentions.extract_report": "drachma.reports.mentions",
    "drachma.link.mentions.known_groups": "drachma.reports.mentions",
}


def modules(folder: Path = PACKAGE) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
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
    """Drachma, its tests and its benchmarks import a moved action from its new home only."""
    found = [
        f"{name} imports {target} (now in {MOVED[target]})"
        for folder in (PACKAGE, ROOT / "tests", ROOT / "bench")
        for name, tree in modules(folder)
        for target in imported_names(tree) if target in MOVED
    ]
    assert found == []


def test_the_old_homes_are_gone() -> None:
    import drachma.link.mentions

    assert not (PACKAGE / "intake" / "reports.py").exists()
    assert not {"extract_report", "known_groups"} & set(vars(drachma.link.mentions))


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
