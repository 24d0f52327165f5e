"""The invented demo set: deterministic, plausible, loadable on each backend; `drachma demo`."""

from __future__ import annotations

import inspect
import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path

import pytest
from sqlalchemy import Table, func, select
from typer.testing import CliRunner

from drachma import gazetteers
from drachma.access.users import log_in
from drachma.cli.app import app
from drachma.demo import RARE_WORDS, demo_groups, generate_reports
from drachma.demo.load import DEMO_USERS, demo_password, load_demo, load_scale
from drachma.errors import ConflictError
from drachma.model.grading import HandlingCode
from drachma.reports import content_hash
from drachma.store.db import Store
from drachma.store.tables import (
    group_aliases,
    groups,
    incident_reports,
    incidents,
    investigations,
    persons,
    reports,
)

runner = CliRunner()


def _count(store: Store, table: Table) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _force_codes() -> set[str]:
    return {f.code for f in gazetteers.police_forces()}


def _town_forces() -> set[tuple[str, str]]:
    return {(t.name, t.force or "") for t in gazetteers.towns()}


# ---------------------------------------------------------------------------------------------
# The generator


def test_generate_reports_is_a_lazy_generator() -> None:
    stream = generate_reports(10**9, seed=3)
    assert inspect.isgenerator(stream)
    first = list(islice(stream, 5))
    assert len(first) == 5


def test_same_seed_same_reports_other_seed_other_reports() -> None:
    one = [(r.title, r.body, r.grading.code) for r in generate_reports(200, seed=7)]
    two = [(r.title, r.body, r.grading.code) for r in generate_reports(200, seed=7)]
    other = [(r.title, r.body) for r in generate_reports(200, seed=8)]
    assert one == two
    assert [(t, b) for t, b, _ in one] != other
    assert len({b for _, b in other} & {b for _, b, _ in one}) == 0


def test_reports_have_unique_hashes_and_dates_that_rise_with_the_index() -> None:
    items = list(generate_reports(2000, seed=1))
    hashes = [r.content_hash for r in items]
    assert all(h == content_hash(r.title, r.body) for h, r in zip(hashes, items, strict=True))
    assert len(set(hashes)) == len(items)
    received = [r.received_at for r in items]
    assert received == sorted(received)
    assert received[0] >= datetime(2017, 1, 1, tzinfo=UTC)
    assert received[-1] < datetime(2020, 1, 1, tzinfo=UTC)
    assert {r.received_at.year for r in items} == {2017, 2018, 2019}
    for r in items:
        assert r.occurred_on is not None and r.occurred_on <= r.received_at.date()
        assert r.review_date is not None and r.review_date.year == r.received_at.year + 6


def test_the_date_range_can_be_chosen() -> None:
    items = list(generate_reports(100, seed=2, start=date(2018, 3, 1), end=date(2018, 3, 31)))
    assert all(r.received_at.date().strftime("%Y-%m") == "2018-03" for r in items)


def test_gradings_source_kinds_and_handling_conditions_are_spread() -> None:
    items = list(generate_reports(3000, seed=4))
    restricted = [r for r in items if r.grading.handling is HandlingCode.CONDITIONS]
    assert 0.06 < len(restricted) / len(items) < 0.14
    assert all(r.grading.conditions and r.visible_to for r in restricted)
    assert all(not r.visible_to for r in items if not r.restricted)
    legacy = [r for r in items if r.legacy_grading is not None]
    assert 0.11 < len(legacy) / len(items) < 0.19
    codes = Counter(r.grading.code[:2] for r in items)
    assert codes.most_common(1)[0][0] == "2B"
    assert len(codes) >= 10
    kinds = Counter(r.source_kind.value for r in items)
    assert set(kinds) == {"officer", "public", "news", "group", "partner", "platform", "foi"}
    assert kinds["officer"] == max(kinds.values())


def test_common_and_rare_terms_for_search_benchmarks() -> None:
    items = list(generate_reports(5000, seed=0))
    bodies = [r.body.lower() for r in items]
    for word in ("facebook", "police", "arrested"):
        share = sum(word in b for b in bodies) / len(bodies)
        assert share > 0.10, (word, share)
    rare = sum(any(w in b for w in RARE_WORDS) for b in bodies)
    assert 0 < rare < len(bodies) * 0.01
    # Confronted men have invented syllable surnames: each is rare.
    surnames = Counter(
        m.group(1) for b in (r.body for r in items)
        for m in re.finditer(r"named by the group as \w+ (\w+)", b)
    )
    assert surnames and max(surnames.values()) <= len(items) // 500


def test_every_place_and_force_is_in_the_gazetteer() -> None:
    forces = _force_codes()
    towns = _town_forces()
    assert all(r.force in forces for r in generate_reports(1000, seed=5))
    for group in demo_groups():
        assert (group.home.name, group.force) in towns


def test_forty_invented_groups_with_aliases() -> None:
    found = demo_groups()
    assert len(found) == 40
    assert len({g.name for g in found}) == 40
    assert len({g.abbreviation for g in found}) == 40
    real = {"dark justice", "predator exposure", "guardians of the north", "petal hunters",
            "keeping kids safe", "silent justice", "child online protection team",
            "predator hunters"}
    for group in found:
        assert group.name.lower() not in real
        assert "hunter" not in group.name.lower()
        aliases = dict(group.aliases())
        assert f"{group.name} UK" in aliases
        assert {"abbreviation", "alias", "page"} == set(aliases.values())


# ---------------------------------------------------------------------------------------------
# Loading


def test_load_demo_counts_links_and_gazetteer(store: Store) -> None:
    summary = load_demo(store, seed=0, reports=200, progress=False)
    assert not summary.skipped
    assert summary.reports == _count(store, reports) == 200
    # --- linkage (issue 11): two groups calling themselves "Team X UK" (drachma/demo/people.py)
    assert summary.groups == _count(store, groups) == 40 + 2
    assert _count(store, group_aliases) >= 120
    assert summary.incidents == _count(store, incidents) == 300
    assert summary.investigations == _count(store, investigations) == 30
    assert summary.persons == _count(store, persons) >= 300
    towns = _town_forces()
    forces = _force_codes()
    group_names = {g.name for g in demo_groups()}
    with store.begin() as conn:
        links = Counter(
            row.incident_id for row in conn.execute(select(incident_reports.c.incident_id))
        )
        rows = conn.execute(select(incidents)).all()
        report_forces = set(conn.execute(select(reports.c.force).distinct()).scalars())
        owners = conn.execute(select(investigations.c.owner)).scalars().all()
    assert report_forces <= forces
    assert len(links) == 300 and all(1 <= n <= 3 for n in links.values())
    for row in rows:
        assert (row.place, row.force) in towns
        assert set(json.loads(row.groups)) <= group_names
        assert 2017 <= row.occurred_at.year <= 2019
        if row.live_streamed:
            assert row.viewers is not None and json.loads(row.stream_urls)
    assert any(row.live_streamed for row in rows) and not all(row.live_streamed for row in rows)
    assert all(re.match(r"^D[CSI] \w+ \w+$", owner) for owner in owners)


def test_demo_users_can_log_in(store: Store) -> None:
    summary = load_demo(store, seed=0, reports=20, incidents=10, investigations=3,
                        progress=False)
    assert [(login.username, login.role) for login in summary.logins] == list(DEMO_USERS)
    for username, role in DEMO_USERS:
        session = log_in(store, username, demo_password(username), "127.0.0.1")
        assert session.user.role is role


def test_if_empty_does_not_load_twice_and_a_second_load_is_refused(store: Store) -> None:
    load_demo(store, seed=0, reports=50, incidents=10, investigations=3, progress=False)
    again = load_demo(store, seed=0, reports=50, progress=False, if_empty=True)
    assert again.skipped and all(login.exists for login in again.logins)
    assert _count(store, reports) == 50
    assert _count(store, incidents) == 10
    with pytest.raises(ConflictError, match="already holds 50 reports"):
        load_demo(store, seed=0, reports=50, progress=False)


def test_load_scale_adds_reports_after_what_is_there(store: Store) -> None:
    first = load_scale(store, 300, 0, False, batch_size=128)
    second = load_scale(store, 300, 0, False, batch_size=128)
    assert first.reports == second.reports == 300
    assert _count(store, reports) == 600


# ---------------------------------------------------------------------------------------------
# The command


def test_cli_demo_prints_log_ins_and_if_empty_keeps_the_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    result = runner.invoke(app, ["--database", url, "demo", "--reports", "120", "--no-progress"])
    assert result.exit_code == 0, result.output
    for username, _ in DEMO_USERS:
        assert username in result.output and demo_password(username) in result.output
    assert "120 reports" in result.output
    result = runner.invoke(app, ["--database", url, "demo", "--if-empty", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "already holds reports" in result.output
    assert "analyst-demo-login" in result.output
    result = runner.invoke(app, ["--database", url, "demo", "--no-progress"])
    assert result.exit_code == 1
    result = runner.invoke(app, ["--database", url, "demo", "--scale", "250", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "250 generated reports" in result.output
    store = Store(url)
    assert _count(store, reports) == 370
    store.dispose()
