"""The extraction pipeline's version: the package version plus a hash of its rules and data.

Every mention the pipeline reads carries this string (``Mention.pipeline_version``), so the
store can tell which reports were read by older rules and ``drachma extract --reprocess`` can
bring them up to date. The hash covers the rule data files under ``drachma/extract/data/`` and
the rule modules themselves (the rules that are still Python), so any change to what the
pipeline would read changes the version; a change to comments changes it too, which only costs
an unnecessary re-read.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from importlib.abc import Traversable
from importlib.metadata import version as installed_version

from drachma import __version__


def _files(root: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for child in root.iterdir():
        name = prefix + child.name
        if child.is_dir():
            if child.name != "__pycache__":
                found.extend(_files(child, name + "/"))
        elif child.name.endswith((".py", ".txt", ".tsv", ".csv", ".yaml", ".yml", ".jsonl",
                                  ".json", ".toml")):
            found.append((name, child))
    return found


@lru_cache(maxsize=1)
def rules_hash() -> str:
    """SHA-256 (first 12 hex digits) over the names and bytes of the rule modules and data."""
    digest = hashlib.sha256()
    for name, path in sorted(_files(resources.files("drachma.extract")), key=lambda p: p[0]):
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    digest.update(f"spacy {installed_version('spacy')}".encode())
    return digest.hexdigest()[:12]


def pipeline_version() -> str:
    """``<package version>+rules.<hash>``, e.g. ``0.1.0+rules.3f9a0c1d2e4b``."""
    return f"{__version__}+rules.{rules_hash()}"
