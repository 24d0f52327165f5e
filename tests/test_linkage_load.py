"""The whole job's refresh of linkage records (issue 11's speed work), on SQLite and PostgreSQL:
a job killed part way, whether while staging the records or inside the write, leaves the records
and keys exactly as they were; a load that rebuilds the key indexes leaves the same keys and the
indexes in place; a rerun rewrites only what changed; the whole job trains while the records are
written, and keeps no model if the write fails."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import date
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import delete, inspect, select, update

from drachma.link import linkage, splink_job
from drachma.link.feature_table import INPUT_COLUMNS
from drachma.link.features import PersonFeatures, person_key_buckets, person_keys
from drachma.model.entities import Person
from drachma.model.roles import Role
from drachma.store import entities as entity_store
from drachma.store import linkage as link_store
from drachma.store.db import Store
from drachma.store.tables import (
    LINKAGE_INDEXED_COLUMNS,
    incident_subjects,
    investigation_subjects,
    linkage_models,
    linkage_pairs,
    linkage_records,
    persons,
)
from tests.conftest import ActorFactory
from tests.linkage_fixture import seed_world

KEY_INDEXES = {f"ix_linkage_records_{c}" for c in LINKAGE_INDEXED_COLUMNS}


def snapshot(store: Store) -> tuple[list[Any], list[Any], set[str]]:
    """Every linkage record and key as stored, and the record table's indexes."""
    with store.begin() as conn:
        records = [tuple(r) for r in conn.execute(select(
            linkage_records.c.id, linkage_records.c.source_kind, linkage_records.c.source_id,
            linkage_records.c.features, linkage_records.c.updated_at
        ).order_by(linkage_records.c.id))]
        keys = sorted((record_id, key) for record_id, found in
                      link_store.stored_keys(conn).items() for key in found)
        indexes = {str(i["name"]) for i in inspect(conn).get_indexes("linkage_records")}
    return records, keys, indexes


KILLED_WHILE = {
    # the third chunk (of two records) being staged: earlier chunks were staged by then
    "staging": "from drachma.link import feature_table\n"
               "feature_table.CHUNK = 2\n"
               "calls = []\n"
               "stage = link_store.RecordLoad.stage\n"
               "def dying(*args):\n"
               "    calls.append(1)\n"
               "    if len(calls) == 3:\n"
               "        os._exit(9)\n"
               "    return stage(*args)\n"
               "link_store.RecordLoad.stage = dying\n",
    # the last step of the write (records inserted, keys written, indexes rebuilt)
    "writing": "link_store.rebuild_key_indexes = lambda written, stored: True\n"
               "def dying(*args):\n"
               "    os._exit(9)\n"
               "link_store.remove_other_records = dying\n",
}


@pytest.mark.parametrize("moment", sorted(KILLED_WHILE))
def test_a_refresh_killed_part_way_leaves_the_records_and_keys_as_they_were(
        store: Store, make_actor: ActorFactory, moment: str) -> None:
    seed_world(store)
    actor = make_actor(Role.SUPERVISOR)
    linkage.refresh_records(store, actor)
    before = snapshot(store)
    assert before[1] and before[2] >= KEY_INDEXES
    with store.begin() as conn:  # every person renamed: every record of theirs would change
        conn.execute(update(persons).values(name=persons.c.name + "son"))
    script = textwrap.dedent("""
        import os, sys
        from drachma.access.actor import system_actor
        from drachma.link import linkage, splink_job
        from drachma.store import linkage as link_store
        from drachma.store.db import Store
    """) + KILLED_WHILE[moment] + textwrap.dedent("""
        linkage.refresh_records(Store(sys.argv[1]), system_actor("test"))
        print("not killed")
    """)
    child = subprocess.run([sys.executable, "-c", script, store.url], capture_output=True,
                           text=True, check=False, timeout=300)
    assert child.returncode == 9, child.stdout + child.stderr
    assert snapshot(store) == before
    # and the next refresh that runs to its end brings them up to date
    refreshed = linkage.refresh_records(store, actor)
    after = snapshot(store)
    assert after[1] != before[1] and refreshed.records == len(after[0])
    assert after[2] >= KEY_INDEXES


def stored_keys(store: Store) -> dict[int, set[str]]:
    with store.begin() as conn:
        return {k: v for k, v in link_store.stored_keys(conn).items() if v}


def expected_keys(store: Store) -> dict[int, set[str]]:
    with store.begin() as conn:
        return {r.id: all_keys(PersonFeatures.from_dict(r.features))
                for r in link_store.iter_records(conn, "person")}


def all_keys(features: PersonFeatures) -> set[str]:
    return person_keys(features) | person_key_buckets(features)


@pytest.mark.parametrize("rebuild", [True, False])
def test_a_load_with_or_without_rebuilt_indexes_stores_every_key(
        store: Store, make_actor: ActorFactory, monkeypatch: pytest.MonkeyPatch,
        rebuild: bool) -> None:
    seed_world(store)
    monkeypatch.setattr(link_store, "rebuild_key_indexes", lambda written, stored: rebuild)
    actor = make_actor(Role.SUPERVISOR)
    refreshed = linkage.refresh_records(store, actor)
    expected = expected_keys(store)
    assert refreshed.records == len(expected) > 0
    assert stored_keys(store) == {k: v for k, v in expected.items() if v}
    assert snapshot(store)[2] >= KEY_INDEXES


def record_sources(store: Store, refreshed: linkage.RefreshResult) -> list[tuple[str, int]]:
    """The source of each record the refresh returned, in its order."""
    with store.begin() as conn:
        found = link_store.records_by_ids(conn, refreshed.record_ids)
    return [(found[i].source_kind, found[i].source_id) for i in refreshed.record_ids]


def gathered_sources(store: Store, refreshed: linkage.RefreshResult) -> list[tuple[str, int]]:
    """The source at each place (``positions``) of the refresh, as the job gathers them."""
    kinds: list[str] = []
    ids: list[int] = []
    with store.begin() as conn:
        linkage._gather(conn, kinds, ids, {c: [] for c in INPUT_COLUMNS})
    return [(kinds[p], ids[p]) for p in refreshed.positions]


@pytest.mark.parametrize("rebuild", [True, False])
def test_each_place_in_the_job_maps_to_its_own_stored_record(
        store: Store, make_actor: ActorFactory, monkeypatch: pytest.MonkeyPatch,
        rebuild: bool) -> None:
    """The record ids a refresh returns (which turn Splink's places back into records) name the
    records of the sources at those places: on a first load, and on a later one that adds new
    records after the newest stored one was removed (SQLite numbers new records without
    looking them up; PostgreSQL looks them up)."""
    seed_world(store)
    monkeypatch.setattr(link_store, "rebuild_key_indexes", lambda written, stored: rebuild)
    actor = make_actor(Role.SUPERVISOR)
    first = linkage.refresh_records(store, actor)
    assert record_sources(store, first) == gathered_sources(store, first)
    newest_kind, newest_id = record_sources(store, first)[-1]  # the newest record's source
    assert first.record_ids[-1] == max(first.record_ids)
    table = {"person": persons, "incident_subject": incident_subjects,
             "investigation_subject": investigation_subjects}[newest_kind]
    with store.begin() as conn:
        conn.execute(delete(table).where(table.c.id == newest_id))
        entity_store.insert_persons(conn, [
            Person(name="Ottoline Varga", date_of_birth=date(1980, 3, 4)),
            Person(name="Ambrose Quill", addresses=["4 Mill Lane, Bolton BL1 4AA"])])
    second = linkage.refresh_records(store, actor)
    assert second.removed == 1
    assert record_sources(store, second) == gathered_sources(store, second)
    assert len(set(second.record_ids)) == len(second.record_ids) == second.records


def test_a_rerun_rewrites_only_the_records_that_changed(
        store: Store, make_actor: ActorFactory) -> None:
    seed_world(store)
    actor = make_actor(Role.SUPERVISOR)
    first = linkage.refresh_records(store, actor)
    before = snapshot(store)
    with store.begin() as conn:
        person_id = int(conn.execute(select(persons.c.id).order_by(persons.c.id)).scalars()
                        .first() or 0)
        conn.execute(update(persons).where(persons.c.id == person_id)
                     .values(name="Bartholomew Quennell"))
    second = linkage.refresh_records(store, actor)
    after = snapshot(store)
    assert second.record_ids == first.record_ids  # same records, same order
    changed = {r[0] for r in after[0]} - {r[0] for r in before[0]} | {
        a[0] for a, b in zip(after[0], before[0], strict=True) if a != b}
    with store.begin() as conn:
        record = link_store.record_by_source(conn, "person", person_id)
    assert record is not None and changed == {record.id}
    assert record.features["surname"] == "quennell"
    assert stored_keys(store)[record.id] == all_keys(PersonFeatures.from_dict(record.features))
    untouched = {k: v for k, v in stored_keys(store).items() if k != record.id}
    assert untouched == {k: {key for r, key in before[1] if r == k}
                         for k in untouched}


@pytest.mark.parametrize("whole_job", [True, False])
def test_the_model_trains_while_the_records_are_written(
        store: Store, make_actor: ActorFactory, monkeypatch: pytest.MonkeyPatch,
        whole_job: bool) -> None:
    """``deduplicate`` (or ``train`` on its own) writes the records and keys in a thread of its
    own while Splink trains (on each record's place in the job, turned into record ids for the
    pairs): here the write cannot finish until training has begun."""
    seed_world(store)
    actor = make_actor(Role.SUPERVISOR)
    training = threading.Event()
    load, train = link_store.load_records, splink_job.train

    def slow_load(*args: Any) -> Any:
        assert training.wait(timeout=60), "training did not start while the write was waiting"
        return load(*args)

    def train_and_tell(*args: Any, **kwargs: Any) -> Any:
        training.set()
        return train(*args, **kwargs)

    monkeypatch.setattr(link_store, "load_records", slow_load)
    monkeypatch.setattr(splink_job, "train", train_and_tell)
    if whole_job:
        _, ran = linkage.deduplicate(store, actor)
    else:
        linkage.train(store, actor)
        monkeypatch.setattr(link_store, "load_records", load)
        ran = linkage.run(store, actor)
    with store.begin() as conn:
        stored = {r.id for r in link_store.iter_records(conn, "person")}
        pairs = conn.execute(select(linkage_pairs.c.left_id, linkage_pairs.c.right_id)).all()
    assert ran.new_pairs == len(pairs) > 0
    assert all(left < right and {left, right} <= stored for left, right in pairs)


def test_a_write_that_fails_while_the_model_trains_stores_no_model(
        store: Store, make_actor: ActorFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_world(store)
    actor = make_actor(Role.SUPERVISOR)

    def failing(*args: Any) -> Any:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(link_store, "load_records", failing)
    with pytest.raises(RuntimeError, match="the disk is full"):
        linkage.deduplicate(store, actor)
    with store.begin() as conn:
        assert conn.execute(select(linkage_models.c.id)).first() is None
        assert conn.execute(select(linkage_records.c.id)).first() is None


def test_a_pair_that_comes_out_higher_id_first_keeps_each_value_beside_its_record() -> None:
    model = {"comparisons": [{"output_column_name": "surname", "comparison_levels": [
        {"is_null_level": True, "label_for_charts": "null"},
        {"label_for_charts": "same surname"}, {"label_for_charts": "else"}]}]}
    frame = pd.DataFrame([{"unique_id_l": 9, "unique_id_r": 4, "match_weight": 3.0,
                           "match_probability": 0.9, "gamma_surname": 0, "bf_surname": 0.5,
                           "surname_l": "smyth", "surname_r": "smith"}])
    (pair,) = splink_job.scored_pairs(frame, model)
    assert (pair.left, pair.right) == (4, 9)
    assert (pair.waterfall[1].left, pair.waterfall[1].right) == ("smith", "smyth")


def test_the_indexed_lookup_finds_exactly_the_records_sharing_a_blocking_key(
        store: Store, make_actor: ActorFactory) -> None:
    """One new record's candidates (``candidates``: kinds of key looked up through their
    buckets, the others by their own index) are exactly the stored records that share one of
    its blocking keys, as the whole job's blocking rules pair them; a bucket alone (the same
    postcode or date of birth and nothing else) is not enough."""
    seed_world(store)
    with store.begin() as conn:  # people who share only a postcode, or only a date of birth
        entity_store.insert_persons(conn, [
            Person(name="Ada Brannigan", addresses=["1 Oak Road, Wigan WN1 1AA"]),
            Person(name="Cyril Dunwoody", addresses=["9 Elm Close, Wigan WN1 1AA"]),
            Person(name="Edith Farrow", date_of_birth=date(1970, 1, 2)),
            Person(name="Gideon Hale", date_of_birth=date(1970, 2, 1))])
    linkage.refresh_records(store, make_actor(Role.SUPERVISOR))
    with store.begin() as conn:
        records = list(link_store.iter_records(conn, "person"))
        features = {r.id: PersonFeatures.from_dict(r.features) for r in records}
        blocking = {i: person_keys(f) for i, f in features.items()}
        only_bucket = 0
        for record in records:
            found = {c.id for c in link_store.candidates(conn, record.id,
                                                         all_keys(features[record.id]))}
            expected = {i for i, keys in blocking.items()
                        if i != record.id and keys & blocking[record.id]}
            assert found == expected, record
            only_bucket += len({i for i, f in features.items() if i != record.id and (
                person_key_buckets(f) & person_key_buckets(features[record.id]))} - expected)
    assert only_bucket > 0  # the world has records that share only a bucket
    with store.begin() as conn, pytest.raises(ValueError, match="no 'pc' key"):
        link_store.candidates(conn, records[0].id, {"p:M11AA:john"})
