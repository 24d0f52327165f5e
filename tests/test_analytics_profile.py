"""A group's profile: what the reports say about it, each figure with the reports behind it."""

from __future__ import annotations

import pytest

from drachma.analytics import counts as A
from drachma.analytics import export, profiles
from drachma.errors import NotFoundError
from drachma.model.roles import Role
from drachma.store.db import Store
from tests.analytics_fixture import World, build_world, code
from tests.conftest import ActorFactory


@pytest.fixture
def world(store: Store, make_actor: ActorFactory) -> World:
    return build_world(store, make_actor(Role.SUPERVISOR))


def test_profile_of_a_group_found_by_its_alias(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    p = profiles.group_profile(store, make_actor(Role.SUPERVISOR), "AH")
    assert p.group.name == "Alpha Hunters" and p.group.aliases == ["AH"]
    assert p.group.pages == ["https://example.org/alphahunters"]
    assert p.reports == 4 and p.incidents == 1  # R1, R2, R3, R7; I1
    assert (p.first_seen and p.first_seen.date().isoformat()) == "2017-03-10"
    assert (p.last_seen and p.last_seen.date().isoformat()) == "2019-01-01"
    assert {f.label: f.count for f in p.districts.figures} == {"Rochdale": 3, "Salford": 1}
    assert {f.key: f.count for f in p.outcomes.figures} == {"charged": 1}
    assert p.co_occurring.figures == []  # no report names both groups
    assert {r.grading for r in p.evidence} == {"2BP", "2CP", "3CC"}
    _counted, points = p.activity
    assert sum(t.count for t in points) == 4 and points[0].period == "2017-Q1"
    assert "unproven" in p.note


def test_a_profile_counts_only_what_the_reader_may_see(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    p = profiles.group_profile(store, make_actor(Role.ANALYST), "Alpha Hunters")
    assert p.reports == 3 and all(r.grading != "3CC" for r in p.evidence)  # R3 is hidden
    assert {f.key: f.count for f in p.districts.figures} == {code("Rochdale"): 2,
                                                             code("Salford"): 1}


def test_every_profile_figure_lists_its_reports(
        store: Store, make_actor: ActorFactory, world: World) -> None:
    boss = make_actor(Role.SUPERVISOR)
    p = profiles.group_profile(store, boss, "Beta Justice")
    assert {f.label for f in p.outcomes.figures} == {"Wrong person targeted", "Convicted"}
    for figure in (*p.districts.figures, *p.forces.figures, *p.outcomes.figures):
        subject = "incidents" if figure in p.outcomes.figures else "reports"
        _, total = A.records(store, boss, subject, figure.filters)
        assert total == figure.count
    as_json = export.profile_json(p)
    assert as_json["group"]["name"] == "Beta Justice" and as_json["reports"] == 2


def test_an_unknown_group_is_not_found(store: Store, make_actor: ActorFactory) -> None:
    with pytest.raises(NotFoundError):
        profiles.group_profile(store, make_actor(Role.ANALYST), "Nobody Here")
