"""docs/security.md is tested: every requirement marked "met" names at least one test, every
named test exists, and every "not met" says why."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
ROW = re.compile(
    r"^\| (?P<asvs>[^|]+) \| (?P<what>[^|]+) \| (?P<status>[^|]+) \| (?P<proof>.*) \|$")
TEST = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def rows() -> list[dict[str, str]]:
    found = [m.groupdict() for line in DOC.splitlines() if (m := ROW.match(line))]
    return [r for r in found if r["asvs"].strip() not in ("ASVS", "---")]


def test_the_table_covers_every_chapter_that_applies() -> None:
    chapters = {r["asvs"].strip().split(".")[0] for r in rows()}
    assert chapters >= {"2", "3", "4", "5", "7", "8", "9", "10", "11", "12", "13", "14"}
    assert {r["status"].strip() for r in rows()} <= {"met", "not met", "not applicable"}


def test_every_met_names_tests_that_exist() -> None:
    for row in rows():
        named = TEST.findall(row["proof"])
        if row["status"].strip() == "met":
            assert named, f"ASVS {row['asvs']} is marked met but names no test"
        for path, name in named:
            source = (ROOT / path).read_text(encoding="utf-8")
            assert re.search(rf"^def {name}\(", source, re.M), f"{path}::{name} does not exist"


def test_every_not_met_says_why() -> None:
    for row in rows():
        if row["status"].strip() != "met":
            assert len(row["proof"].strip()) > 20, f"ASVS {row['asvs']} gives no reason"
