"""Who is who (issue 11), on SQLite (Splink on DuckDB) and PostgreSQL (Splink inside PostgreSQL):
training stores a versioned model, the run proposes the invented variants, confirm makes a
profile with provenance, reject is remembered, undo takes a merge apart exactly, a decision on a
record the user may not see is refused, one new record is linked without retraining, and bad
input changes nothing."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import delete, func, select

from drachma.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from drachma.link import linkage, review, splink_job
from drachma.link.features import UnusableRecordError, person_features, person_keys
from drachma.link.groups import core_name, page_key, run_groups
from drachma.link.profiles import person_profile
from drachma.link.splink_job import ModelNotConvergedError
from drachma.model.incident import IncidentSubject, SubjectRole
from drachma.model.roles import Role
from drachma.store import incidents as incident_store
from drachma.store import linkage as link_store
from drachma.store.db import Store
from drachma.store.tables import (
    audit_events,
    group_aliases,
    groups,
    incident_subjects,
    linkage_clusters,
    linkage_models,
    linkage_pairs,
    linkage_records,
)
from tests.conftest import ActorFactory
from tests.linkage_fixture import record_id, seed_world, source_ids


def count(store: Store, table: Any, *where: Any) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where))
                   .scalar_one())


def audited(store: Store, action: str) -> int:
    return count(store, audit_events, audit_events.c.record_kind == "linkage_pair",
                 audit_events.c.action == action)


def pair_between(store: Store, a: int, b: int) -> link_store.Pair | None:
    left, right = min(a, b), max(a, b)
    with store.begin() as conn:
        for pair in link_store.pairs_of(conn, [left]):
            if (pair.left_id, pair.right_id) == (left, right):
                return pair
    return None


# --- features -------------------------------------------------------------------------------

def test_features_know_nicknames_transposed_dates_postcodes_and_handles() -> None:
    daniel = person_features("Daniel Pellingham", date_of_birth=date(1984, 3, 7),
                             address="14 Fernlea Road, Rochdale OL16 2XY")
    danny = person_features("Danny Pellingham", date_of_birth=date(1984, 7, 3),
                            address="14 Fernlea Rd, Rochdale", postcode="ol16 2xy",
                            handles=["@Dan_Pell84"])
    assert danny.formal_names == ["daniel"] and "daniel" in daniel.formal_names
    assert daniel.dob_key == danny.dob_key and daniel.dob != danny.dob
    assert daniel.postcode == danny.postcode == "OL162XY" and danny.postcode_district == "OL16"
    assert daniel.address == danny.address == "14 fernlea road rochdale"
    assert danny.handles == ["danpell"]
    assert person_keys(daniel) & person_keys(danny)
    with pytest.raises(UnusableRecordError) as caught:
        person_features("Dan", date_of_birth=date(1984, 3, 7))
    assert caught.value.field == "name" and "no usable identifiers" in caught.value.message
    assert person_features("", handles=["nightwatch_77"]).handle == "nightwatch"


def test_group_names_and_pages_are_compared_without_their_trimmings() -> None:
    assert core_name("Team Lantern Watch UK") == core_name("Lantern Watch") == "lantern watch"
    assert page_key("https://www.facebook.com/LanternWatch/") == "facebook.com/lanternwatch"
    assert page_key("LanternWatchPage") is None


# --- the whole job --------------------------------------------------------------------------

@pytest.fixture
def trained(store: Store, make_actor: ActorFactory) -> Store:
    store.info = seed_world(store)  # type: ignore[attr-defined]
    actor = make_actor(Role.SUPERVISOR)
    linkage.train(store, actor)
    linkage.run(store, actor)
    return store


def test_training_stores_a_versioned_model_and_the_run_proposes_the_variants(
        trained: Store, make_actor: ActorFactory) -> None:
    store = trained
    with store.begin() as conn:
        model = link_store.latest_model(conn, "person")
    assert model is not None and model.version == 1
    assert model.backend == ("duckdb" if store.is_sqlite else "postgres")
    comparisons = [c["output_column_name"] for c in model.settings["splink"]["comparisons"]]
    assert comparisons == ["first_name", "surname", "dob", "postcode", "address", "handles"]
    levels = model.settings["splink"]["comparisons"][2]["comparison_levels"]
    assert any(level.get("label_for_charts") == "day and month swapped" for level in levels)
    pelling = source_ids(store, "pelling")
    person, subject = pelling["person"][0], pelling["incident_subject"][0]
    pair = pair_between(store, person, subject)  # Daniel and Danny, day and month swapped
    assert pair is not None and pair.status == "pending" and pair.model_id == model.id
    steps = {s["comparison"]: s["level"] for s in pair.waterfall}
    assert steps["first_name"] == "nickname of the same name"
    assert steps["dob"] == "day and month swapped"
    assert pair.match_weight >= linkage.REVIEW_THRESHOLD
    other_daniel = pelling["person"][1]  # same name, born 1961 in Truro: not proposed
    assert pair_between(store, person, other_daniel) is None
    # a second training is a new version; the pairs keep naming the model that scored them
    linkage.train(store, make_actor(Role.SUPERVISOR))
    assert count(store, linkage_models) == 2


def test_the_whole_jobs_pair_rows_are_those_of_the_scored_pairs(
        trained: Store, make_actor: ActorFactory) -> None:
    """``pair_rows_of`` (the whole job's column-wise path) gives exactly the rows, waterfall
    text included, that ``scored_pairs`` and ``pair_rows`` give one pair at a time, whichever
    of the two records has the lower id."""
    store = trained
    with store.begin() as conn:
        model = link_store.latest_model(conn, "person")
    assert model is not None
    refreshed = linkage.refresh_records(store, make_actor(Role.SUPERVISOR))
    frames: list[Any] = []
    splink_job.predict(refreshed.frame(), splink_job.db_api("duckdb"), model.settings["splink"],
                       threshold=-10.0, on_frame=frames.append)
    frame = pd.concat(frames)
    swapped = frame.rename(columns=lambda c: c[:-2] + ("_r" if c.endswith("_l") else "_l")
                           if c.endswith(("_l", "_r")) else c)
    assert len(frame) > 10
    for each in (frame, swapped):
        settings = model.settings["splink"]
        expected = [(left, right, weight, probability, json.dumps(steps))
                    for left, right, weight, probability, steps in splink_job.pair_rows(
                        splink_job.scored_pairs(each, settings))]
        assert splink_job.pair_rows_of(each, settings) == expected


def test_confirm_makes_a_profile_with_provenance_and_undo_takes_it_apart(
        trained: Store, make_actor: ActorFactory) -> None:
    store = trained
    actor = make_actor(Role.SUPERVISOR)
    brack = source_ids(store, "brack")
    person, subject = brack["person"][0], brack["incident_subject"][0]
    suspect = brack["investigation_subject"][0]
    first = pair_between(store, person, subject)
    second = pair_between(store, subject, suspect) or pair_between(store, person, suspect)
    assert first is not None and second is not None
    decision = review.confirm(store, actor, first.id)
    cluster = decision.changes["cluster"]
    review.confirm(store, actor, second.id)
    profile = person_profile(store, actor, int(cluster))
    assert len(profile.records) == 3 and profile.hidden == 0
    sources = {s.source for s in profile.statements}
    assert any(s.startswith("recorded at incident") for s in sources)
    assert any(s.startswith("subject of investigation OP TESTLINK") for s in sources)
    names = {(s.value, s.source_kind) for s in profile.statements if s.property == "name"}
    assert ("Chris Brackenbury", "incident_subject") in names
    assert {"1979-11-02", "1979-02-11"} <= set(profile.values("date of birth"))
    assert "offender" not in profile.notice.lower() and "not proof" in profile.notice
    with pytest.raises(ConflictError):
        review.confirm(store, actor, first.id)  # already decided
    with pytest.raises(ConflictError) as later:
        review.undo(store, actor, first.id)  # the second merge built on it
    assert "undo it first" in later.value.message
    review.undo(store, actor, second.id)
    review.undo(store, actor, first.id)
    assert count(store, linkage_records, linkage_records.c.cluster_id.is_not(None)) == 0
    with store.begin() as conn:
        assert link_store.get_pair(conn, first.id).status == "pending"  # type: ignore[union-attr]
    assert audited(store, "change") == 4


def test_a_rejection_is_remembered_and_never_proposed_again(
        trained: Store, make_actor: ActorFactory) -> None:
    store = trained
    actor = make_actor(Role.ANALYST)
    page = review.review_queue(store, actor, limit=100)
    wolst = source_ids(store, "wolst")
    pair = pair_between(store, wolst["person"][0], wolst["incident_subject"][0])
    assert page.total < 100 and pair is not None and pair.id in {p.id for p in page.pairs}
    review.reject(store, actor, pair.id)
    linkage.run(store, make_actor(Role.SUPERVISOR))
    with store.begin() as conn:
        again = link_store.get_pair(conn, pair.id)
    assert again is not None and again.status == "rejected"
    assert pair.id not in {p.id for p in review.review_queue(store, actor, limit=100).pairs}
    review.undo(store, actor, pair.id)  # a rejection can be lifted too
    with store.begin() as conn:
        assert link_store.get_pair(conn, pair.id).status == "pending"  # type: ignore[union-attr]


def test_a_decision_on_a_record_the_user_may_not_see_is_refused_and_changes_nothing(
        trained: Store, make_actor: ActorFactory) -> None:
    store = trained
    analyst = make_actor(Role.ANALYST)  # may not see investigation subjects
    garg = source_ids(store, "garg")
    pair = pair_between(store, garg["person"][0], garg["investigation_subject"][0])
    assert pair is not None
    before = (count(store, linkage_clusters), audited(store, "change"))
    for decide in (review.confirm, review.reject, review.undo):
        with pytest.raises(PermissionDenied) as refused:
            decide(store, analyst, pair.id)
        assert "nothing was changed" in refused.value.message
    with pytest.raises(PermissionDenied):
        review.get_pair(store, analyst, pair.id)
    assert (count(store, linkage_clusters), audited(store, "change")) == before
    assert audited(store, "denied") == 4
    shown = review.review_queue(store, analyst, limit=100)
    assert pair.id not in {p.id for p in shown.pairs}
    with pytest.raises(PermissionDenied):  # the administrator links nothing
        review.review_queue(store, make_actor(Role.ADMIN))
    investigator = make_actor(Role.INVESTIGATOR)
    assert review.confirm(store, investigator, pair.id).decision == "confirm"
    # a mention in a handling-code-C report for investigators: the analyst may not decide on it
    world = store.info  # type: ignore[attr-defined]
    mention = record_id(store, "mention", world.restricted_mention_id)
    with store.begin() as conn:
        paired = link_store.pairs_of(conn, [mention])
    assert paired, "the restricted mention was proposed with the person it names"
    with pytest.raises(PermissionDenied):
        review.confirm(store, analyst, paired[0].id)
    assert review.confirm(store, investigator, paired[0].id).decision == "confirm"


def test_one_new_record_is_linked_without_retraining(
        trained: Store, make_actor: ActorFactory) -> None:
    store = trained
    actor = make_actor(Role.SUPERVISOR)
    world_incident = incident_store.all_incident_ids
    with store.begin() as conn:
        incident_id = world_incident(conn)[0]
        new_id = incident_store.insert_subject(conn, incident_id, IncidentSubject(
            role=SubjectRole.SUBJECT, name="Jonathon Hebblethwaite",
            date_of_birth=date(1988, 1, 12), postcode="HX1 5TW"))
        bare_id = incident_store.insert_subject(conn, incident_id, IncidentSubject(
            role=SubjectRole.SUBJECT, name="Hebblethwaite"))
    models, records = count(store, linkage_models), count(store, linkage_records)
    result = linkage.link_record(store, actor, "incident_subject", new_id)
    assert count(store, linkage_models) == models and count(store, linkage_records) == records + 1
    hebb = source_ids(store, "hebb")
    assert hebb["person"][0] in {other for other, _ in result.pairs}
    assert result.new_pairs >= 1 and result.candidates <= linkage.MAX_CANDIDATES
    with pytest.raises(UnusableRecordError):
        linkage.link_record(store, actor, "incident_subject", bare_id)
    assert count(store, linkage_records) == records + 1  # nothing stored for it
    with pytest.raises(NotFoundError):
        linkage.link_record(store, actor, "incident_subject", 999_999)
    with pytest.raises(ValidationError):
        linkage.parse_source("subject 12")
    # a source that is gone takes its linkage record, keys and pairs with it at the next refresh
    with store.begin() as conn:
        conn.execute(delete(incident_subjects).where(incident_subjects.c.id == new_id))
    refreshed = linkage.refresh_records(store, actor)
    assert refreshed.removed == 1 and count(store, linkage_records) == records


def test_a_model_that_does_not_converge_or_has_too_few_records_stores_nothing(
        store: Store, make_actor: ActorFactory) -> None:
    actor = make_actor(Role.SUPERVISOR)
    with pytest.raises(ModelNotConvergedError) as few:
        linkage.train(store, actor)
    assert few.value.field == "records"
    seed_world(store)
    with pytest.raises(ModelNotConvergedError) as stuck:
        linkage.train(store, actor, max_iterations=1)
    assert "did not converge" in stuck.value.message and stuck.value.field == "model"
    assert count(store, linkage_models) == 0
    with pytest.raises(NotFoundError):
        linkage.run(store, actor)  # no model yet
    with pytest.raises(ValidationError):
        linkage.run(store, actor, threshold=99)


def test_groups_are_resolved_in_the_same_queue_and_a_merge_makes_an_alias(
        store: Store, make_actor: ActorFactory) -> None:
    world = seed_world(store)
    actor = make_actor(Role.ANALYST)
    result = run_groups(store, actor)
    assert result.groups == 4 and result.new_pairs == 2  # each group and its "Team ... UK"
    page = review.review_queue(store, actor, "group")
    named = {frozenset(page.records[i].features["name"] for i in (p.left_id, p.right_id)): p
             for p in page.pairs}
    assert set(named) == {frozenset({"lantern watch", "team lantern watch uk"}),
                          frozenset({"harbour shield", "team harbour shield uk"})}
    pair = named[frozenset({"lantern watch", "team lantern watch uk"})]
    with store.begin() as conn:
        before = {r.alias for r in conn.execute(select(group_aliases).where(
            group_aliases.c.group_id == world.group_ids[0]))}
    review.confirm(store, actor, pair.id)
    with store.begin() as conn:
        aliases = {r.alias for r in conn.execute(select(group_aliases).where(
            group_aliases.c.group_id == world.group_ids[0]))}
        merged = conn.execute(select(groups.c.merged_into).where(
            groups.c.name == "Team Lantern Watch UK")).scalar_one()
    assert "Team Lantern Watch UK" in aliases and merged == world.group_ids[0]
    review.undo(store, actor, pair.id)
    with store.begin() as conn:
        aliases = {r.alias for r in conn.execute(select(group_aliases).where(
            group_aliases.c.group_id == world.group_ids[0]))}
        merged = conn.execute(select(groups.c.merged_into).where(
            groups.c.name == "Team Lantern Watch UK")).scalar_one()
    assert aliases == before and merged is None
    assert run_groups(store, actor).new_pairs == 0  # nothing proposed twice
    assert count(store, linkage_pairs, linkage_pairs.c.kind == "group") == 2


# --- a person export carries the merged profile ---------------------------------------------

def test_a_person_export_carries_the_profile_with_provenance_under_the_access_rules(
        trained: Store, make_actor: ActorFactory) -> None:
    import csv
    import io
    import json

    from drachma.sharing import ExportFormat, ExportKind, Selection, export

    store = trained
    supervisor, analyst = make_actor(Role.SUPERVISOR), make_actor(Role.ANALYST)
    brack = source_ids(store, "brack")
    person, subject = brack["person"][0], brack["incident_subject"][0]
    suspect = brack["investigation_subject"][0]
    with store.begin() as conn:
        person_id = link_store.records_by_ids(conn, [person])[person].source_id
    selection = Selection(ExportKind.PERSON, person_id)
    alone = export(store, supervisor, selection, ExportFormat.CSV).content.decode("utf-8-sig")
    assert "person statement" not in alone  # in no profile yet: nothing more than before
    for a, b in ((person, subject), (subject, suspect)):
        pair = pair_between(store, a, b) or pair_between(store, person, b)
        assert pair is not None
        review.confirm(store, supervisor, pair.id)

    rows = list(csv.DictReader(io.StringIO(export(store, supervisor, selection,
                                                  ExportFormat.CSV).content.decode("utf-8-sig"))))
    said = {(r["name"] or r["date"], r["text"]) for r in rows if r["record"] == "person statement"}
    incident = brack_incident(store, subject)
    assert ("Chris Brackenbury", f"name: recorded at incident {incident} (subject)") in said
    assert ("1979-02-11", "date of birth: subject of an investigation") in said
    stix = export(store, supervisor, selection, ExportFormat.STIX).content.decode()
    (identity,) = [o for o in json.loads(stix)["objects"]
                   if o["type"] == "identity" and o.get("identity_class") == "individual"]
    assert "Chris Brackenbury" in identity["description"]
    assert "subject of an investigation" in identity["description"]
    ftm = [json.loads(line) for line in export(store, supervisor, selection,
                                               ExportFormat.FTM).content.splitlines()]
    (entity,) = [e for e in ftm if e["schema"] == "Person"]
    assert "Chris Brackenbury" in entity["properties"]["alias"]
    assert {"1979-11-02", "1979-02-11"} <= set(entity["properties"]["birthDate"])
    linked = [e for e in ftm if e["schema"] == "Note"
              and e["properties"]["name"] == ["Linked records"]]
    assert linked and "recorded at incident" in linked[0]["properties"]["description"][0]
    for made in (stix, json.dumps(ftm), json.dumps(rows)):
        # no address, postcode or investigation's operation name leaves with the profile
        assert "OP TESTLINK" not in made and "Invented Street" not in made
        assert "Street" not in made.replace("Invented-Person", "")

    # an analyst may not see investigation subjects: those statements stay behind
    as_analyst = export(store, analyst, selection, ExportFormat.CSV).content.decode("utf-8-sig")
    assert "Chris Brackenbury" in as_analyst
    assert "subject of an investigation" not in as_analyst
    with store.begin() as conn:
        kept = conn.execute(select(audit_events.c.detail).where(
            audit_events.c.record_kind == "person_profile",
            audit_events.c.action == "read")).scalars().all()
    carried = [json.loads(d) if isinstance(d, str) else d for d in kept]
    records = [set(c["records"].split(",")) for c in carried if "format" in c]
    assert {str(person), str(subject), str(suspect)} in records  # the supervisor's exports
    assert {str(person), str(subject)} in records  # the analyst's: what the analyst may see


def test_a_handling_code_c_mention_in_a_profile_leaves_only_with_those_allowed(
        trained: Store, make_actor: ActorFactory) -> None:
    from drachma.sharing import ExportFormat, ExportKind, Selection, export

    store = trained
    investigator, analyst = make_actor(Role.INVESTIGATOR), make_actor(Role.ANALYST)
    world = store.info  # type: ignore[attr-defined]
    mention = record_id(store, "mention", world.restricted_mention_id)
    with store.begin() as conn:
        paired = link_store.pairs_of(conn, [mention])
        other = next(r for p in paired for r in (p.left_id, p.right_id) if r != mention)
        partner = link_store.records_by_ids(conn, [other])[other]
    pair = next(p for p in paired if other in (p.left_id, p.right_id))
    review.confirm(store, investigator, pair.id)
    if partner.source_kind != "person":  # the person record of the same man joins too
        people = [r for p in link_store_pairs(store, other) for r in (p.left_id, p.right_id)]
        with store.begin() as conn:
            found = link_store.records_by_ids(conn, people)
        person = next(r for r in found.values() if r.source_kind == "person")
        joined = pair_between(store, other, person.id)
        assert joined is not None
        review.confirm(store, investigator, joined.id)
        partner = person
    selection = Selection(ExportKind.PERSON, partner.source_id)
    allowed = export(store, investigator, selection, ExportFormat.CSV).content.decode()
    refused = export(store, analyst, selection, ExportFormat.CSV).content.decode()
    assert "named in report" in allowed
    assert "named in report" not in refused and "person statement" in refused


def brack_incident(store: Store, record: int) -> int:
    with store.begin() as conn:
        subject = link_store.records_by_ids(conn, [record])[record]
        (row,) = link_store.source_rows(conn, "incident_subject", [subject.source_id])
    return int(row.incident_id)


def link_store_pairs(store: Store, record: int) -> list[link_store.Pair]:
    with store.begin() as conn:
        return link_store.pairs_of(conn, [record])


# --- Spark ----------------------------------------------------------------------------------

def _spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'drachma[spark]')"
    if shutil.which("java") is None:
        return "no Java runtime on PATH (Spark needs one)"
    return None


@pytest.mark.skipif(_spark_missing() is not None, reason=str(_spark_missing()))
def test_the_spark_backend_trains_and_runs(sqlite_store: Store) -> None:
    from pyspark.sql import SparkSession

    from drachma.access.actor import system_actor

    # a few dozen records: one partition per shuffle rather than Spark's default 200
    spark = (SparkSession.builder.master("local[1]").appName("drachma-test")
             .config("spark.sql.shuffle.partitions", "1")
             .config("spark.default.parallelism", "1")
             .config("spark.ui.enabled", "false").getOrCreate())
    seed_world(sqlite_store)
    actor = system_actor("test")
    trained = linkage.train(sqlite_store, actor, backend="spark", spark=spark)
    assert trained.backend == "spark"
    assert linkage.run(sqlite_store, actor, backend="spark", spark=spark).scored > 0
    # Splink's checkpoints hold names and dates of birth: none are left after the jobs
    made = linkage._CHECKPOINTS
    assert made and all(not os.listdir(folder) for folder in made)
