"""Who is who: person records gathered, the Splink model trained and run, new records linked.

The records taking part are every person (``persons``), every PERSON mention an analyst
confirmed or corrected, every incident subject and every investigation subject. Each is put into
the same normalised shape (:mod:`drachma.link.features`) and stored with its blocking keys
(``linkage_records``, a column a kind of key); :func:`refresh_records` brings them up to date.

:func:`train` trains the Splink model unsupervised on them and stores its settings and
parameters as a new version; :func:`run` scores every blocked pair with the newest model and
stores those above the review threshold as candidate pairs, each naming the model that scored it
(:mod:`drachma.link.review` is where analysts decide). :func:`link_record` links one new record
against the rest without training or running the whole job: its candidates are an indexed lookup
of its blocking keys, scored with the stored parameters.

On SQLite the job runs in DuckDB, in process; on PostgreSQL it runs inside PostgreSQL (Splink's
``PostgresAPI``), in a schema of its own that is dropped when the job ends.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import LinkageModelTrained, LinkageRun
from drachma.access.permissions import Permission
from drachma.errors import NotFoundError, ValidationError
from drachma.link import splink_job
from drachma.link.feature_table import INPUT_COLUMNS, FeatureTable
from drachma.link.features import (
    PersonFeatures,
    person_features,
    person_key_buckets,
    person_keys,
)
from drachma.store import linkage as link_store
from drachma.store.db import Store

PERSON = "person"
SOURCE_KINDS = ("person", "mention", "incident_subject", "investigation_subject")
#: Candidate pairs at or above this match weight go to the review queue: 0 is a probability of
#: one half, so a pair is proposed when it is more likely than not one person.
REVIEW_THRESHOLD = 0.0
MIN_THRESHOLD, MAX_THRESHOLD = -10.0, 40.0
BACKENDS = ("duckdb", "postgres", "spark")
MAX_CANDIDATES = 500  # one new record is scored against at most this many blocked candidates
#: The whole job (and ``train`` or ``run`` on their own) stages and writes the records and keys
#: in a thread of its own while Splink trains or predicts; False writes them first, as before
#: 28/11/2026 (``bench/linkage.py --write-first`` compares the two).
WRITE_BESIDE_SPLINK = True


@dataclass(slots=True)
class RefreshResult:
    """The records taking part, brought up to date. Splink reads them with each record's place
    in the job (``pos``) as its ``unique_id``, so that training need not wait for the records
    to be written (see :func:`refresh_records`); :meth:`record_ids_of` turns those places into
    the stored record ids."""

    records: int = 0
    unusable: int = 0
    removed: int = 0  # records whose source is gone
    by_kind: dict[str, int] = field(default_factory=dict)
    record_ids: list[int] = field(default_factory=list)  # the records as they now stand
    positions: list[int] = field(default_factory=list)  # each record's place (Splink's id)
    table: FeatureTable | None = None  # their features (what the Splink job reads)
    _frame: pd.DataFrame | None = None
    _writing: threading.Thread | None = None
    _failed: list[BaseException] = field(default_factory=list)
    _lookup: np.ndarray | None = None

    def frame(self) -> pd.DataFrame:
        """The records as Splink reads them, made once (training and the run share it)."""
        if self._frame is None:
            if self.table is None:
                raise ValueError("no records were refreshed")
            self._frame = self.table.frame()
            self._release()
        return self._frame

    def wait(self) -> RefreshResult:
        """Wait until the records and keys are written (raising what stopped the write)."""
        if self._writing is not None:
            self._writing.join()
            self._writing = None
            self._release()
        if self._failed:
            raise self._failed[0]
        return self

    def record_ids_of(self, places: Any) -> np.ndarray:
        """The stored record ids of Splink's ``unique_id`` values (places ``pos``)."""
        if self._lookup is None:
            self.wait()
            lookup = np.zeros(max(self.positions, default=0) + 1, dtype=np.int64)
            lookup[np.asarray(self.positions, dtype=np.int64)] = self.record_ids
            self._lookup = lookup
        return self._lookup[np.asarray(places, dtype=np.int64)]

    def _release(self) -> None:
        # the features are kept until both the frame is made and the write has read them
        if self.table is not None and self._frame is not None and self._writing is None:
            self.table.close()
            self.table = None


@dataclass(frozen=True, slots=True)
class TrainResult:
    model_id: int
    version: int
    backend: str
    records: int
    not_learnt: list[str]
    iterations: list[int]


@dataclass(frozen=True, slots=True)
class RunResult:
    model_id: int
    version: int
    scored: int
    new_pairs: int


@dataclass(frozen=True, slots=True)
class LinkResult:
    record_id: int
    model_id: int
    candidates: int
    scored: int
    new_pairs: int
    pairs: list[tuple[int, float]]  # (other record id, match weight) above the threshold


# ------------------------------------------------------------------------------------------
# Gathering records


def _json_list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


Inputs = tuple[str | None, Any, str | None, str | None, list[str]]


def _inputs(source_kind: str, row: Any) -> Inputs:
    """(name, date of birth, address, postcode, handles) of a source row, as
    :func:`~drachma.link.features.person_features` takes them."""
    if source_kind == "person":  # as _gather reads a million of them
        return row.name, row.date_of_birth, _first(row.addresses), None, []
    if source_kind == "incident_subject":
        return (row.name, row.date_of_birth, row.address, row.postcode,
                _json_list(row.handles))
    if source_kind == "investigation_subject":
        addresses, postcodes = _json_list(row.addresses), _json_list(row.postcodes)
        return (row.name, row.date_of_birth, addresses[0] if addresses else None,
                postcodes[0] if postcodes else None, _json_list(row.handles))
    # a confirmed PERSON mention: the name as it now stands, and a handle if the reader saw one
    try:
        attributes = json.loads(row.attributes or "{}")
    except ValueError:
        attributes = {}
    handle = attributes.get("handle") if isinstance(attributes, dict) else None
    return row.corrected_value or row.value, None, None, None, [str(handle)] if handle else []


def _features(source_kind: str, row: Any) -> PersonFeatures:
    name, born, address, postcode, handles = _inputs(source_kind, row)
    return person_features(name, date_of_birth=born, address=address, postcode=postcode,
                           handles=handles)


def _first(text: str | None) -> str | None:
    """The first of a JSON list of addresses (``_json_list(text)[0]``), or None."""
    if not text or text == "[]":  # most persons: no JSON to parse
        return None
    values = _json_list(text)
    return values[0] if values else None


def _gather(conn: Any, kinds: list[str], ids: list[int], inputs: dict[str, list[Any]]) -> None:
    """Every source record's kind, id and inputs (``_inputs``), appended column by column: the
    persons (a million, say) without a call a row, the other kinds through ``_inputs``."""
    names, dobs, addresses, postcodes, handles = (inputs[c] for c in INPUT_COLUMNS[1:])
    for person_id, name, born, written in link_store.source_persons(conn):
        kinds.append("person")
        ids.append(int(person_id))
        names.append(name)
        dobs.append(born)
        addresses.append(_first(written))
        postcodes.append(None)
        handles.append([])
    for source_kind, row in _other_sources(conn):
        kinds.append(source_kind)
        ids.append(int(row.id))
        for column, value in zip(INPUT_COLUMNS[1:], _inputs(source_kind, row), strict=True):
            inputs[column].append(value)


def _other_sources(conn: Any) -> Iterator[tuple[str, Any]]:
    """The source rows other than persons, with their kinds."""
    for row in link_store.source_person_mentions(conn):
        yield "mention", row
    for row in link_store.source_incident_subjects(conn):
        yield "incident_subject", row
    for row in link_store.source_investigation_subjects(conn):
        yield "investigation_subject", row


def refresh_records(store: Store, actor: Actor, *, background: bool = False) -> RefreshResult:
    """Bring the person records taking part in linkage up to date with their sources (records
    with no usable identifiers are counted and left out): new and changed records get their
    blocking keys, unchanged ones are left alone, records whose source is gone are removed. The
    sources are read once; the features and keys of every record are computed together in
    DuckDB (:class:`~drachma.link.feature_table.FeatureTable`, the same values as
    :func:`~drachma.link.features.person_features`), staged, and written in one transaction
    (:func:`drachma.store.linkage.load_records`): a job stopped part way leaves the records and
    keys as they were.

    With ``background`` the staging and the write run in a thread of their own and this returns
    once the features are computed: the Splink job can train on them meanwhile (the store's work
    and DuckDB's each take a core); :meth:`RefreshResult.wait` waits for the write."""
    actor.require(Permission.LINK_RECORDS)
    kinds: list[str] = []
    ids: list[int] = []
    inputs: dict[str, list[Any]] = {c: [] for c in INPUT_COLUMNS}
    with store.begin() as conn:
        _gather(conn, kinds, ids, inputs)
    inputs["pos"] = list(range(len(ids)))
    table = FeatureTable(inputs)
    result = RefreshResult(unusable=table.unusable, table=table)

    def chunks() -> Iterator[list[tuple[Any, ...]]]:
        for chunk in table.staged(kinds, ids):
            result.positions.extend(row[0] for row in chunk)
            for source_kind, count in Counter(row[1] for row in chunk).items():
                result.by_kind[source_kind] = result.by_kind.get(source_kind, 0) + count
            yield chunk

    def write() -> None:
        try:
            loaded = link_store.load_records(store, PERSON, chunks())
        except BaseException as failure:  # raised again by wait()
            result._failed.append(failure)
            return
        result.record_ids = loaded.record_ids
        result.records = len(loaded.record_ids)
        result.removed = loaded.removed

    if not background:
        write()
        return result.wait()
    result._writing = threading.Thread(target=write, name="drachma-linkage-write")
    result._writing.start()
    return result


# ------------------------------------------------------------------------------------------
# Backends


def default_backend(store: Store) -> str:
    return "duckdb" if store.is_sqlite else "postgres"


def _check_backend(store: Store, backend: str | None) -> str:
    chosen = backend or default_backend(store)
    if chosen not in BACKENDS:
        raise ValidationError(f"unknown backend {chosen!r}: {', '.join(BACKENDS)}",
                              field="backend")
    if chosen == "postgres" and store.is_sqlite:
        raise ValidationError("the postgres backend needs a PostgreSQL database",
                              field="backend")
    return chosen


def _spark_session() -> Any:
    """The Spark session of the environment (``SPARK_MASTER``, ``spark-defaults.conf``)."""
    try:  # an optional extra (drachma[spark]), loaded only when asked for
        spark_sql = importlib.import_module("pyspark.sql")
    except ImportError:
        raise ValidationError("the spark backend needs PySpark: pip install 'drachma[spark]' "
                              "(and a Java runtime)", field="backend") from None
    return spark_sql.SparkSession.builder.appName("drachma-linkage").getOrCreate()


_CHECKPOINTS: set[str] = set()  # checkpoint directories Drachma made (emptied after each job)


def _checkpoints(session: Any) -> str | None:
    """Splink checkpoints its Spark tables, which needs a checkpoint directory. A session that
    has one of its own (a cluster's, on shared storage) keeps it; otherwise a private temporary
    directory (mode 0700) is made, emptied after each job and removed when the process ends.
    Returns the directory to empty after the job, if Drachma made it."""
    context = session.sparkContext
    current = str(context.getCheckpointDir() or "").removeprefix("file:")
    if current:
        return current if current in _CHECKPOINTS else None
    made = tempfile.mkdtemp(prefix="drachma-spark-")
    atexit.register(shutil.rmtree, made, True)
    context.setCheckpointDir(made)
    # Spark makes a subdirectory of its own in the one given: that is the one to empty
    current = str(context.getCheckpointDir() or "").removeprefix("file:") or made
    _CHECKPOINTS.add(current)
    return current


@contextmanager
def _splink_input(store: Store, backend: str, frame: pd.DataFrame,
                  spark: Any = None) -> Iterator[tuple[Any, Any]]:
    """(input table, Splink database API) for a backend; on PostgreSQL the input is written to a
    schema of the job's own, dropped afterwards."""
    if backend == "duckdb":
        yield frame, splink_job.db_api("duckdb")
        return
    if backend == "spark":
        session = spark or _spark_session()
        made = _checkpoints(session)
        try:
            yield session.createDataFrame(frame), splink_job.db_api("spark", spark=session)
        finally:
            if made:  # the checkpoints hold personal data: none left behind after the job
                for entry in os.scandir(made):
                    shutil.rmtree(entry.path, ignore_errors=True)
        return
    with link_store.splink_schema(store, frame) as (engine, schema, table):
        yield table, splink_job.db_api("postgres", engine=engine, schema=schema)


@contextmanager
def _given_or_new_input(store: Store, backend: str, frame: pd.DataFrame, spark: Any,
                        given: tuple[Any, Any] | None) -> Iterator[tuple[Any, Any]]:
    if given is not None:
        yield given
        return
    with _splink_input(store, backend, frame, spark) as made:
        yield made


# ------------------------------------------------------------------------------------------
# Training, running, one new record


def train(store: Store, actor: Actor, *, backend: str | None = None, spark: Any = None,
          max_iterations: int = splink_job.MAX_ITERATIONS,
          refreshed: RefreshResult | None = None,
          splink_input: tuple[Any, Any] | None = None) -> TrainResult:
    """Train the person model on the records (brought up to date first, unless ``refreshed``
    is the refresh just made) and store it as a new version. A model that does not converge is
    refused and nothing is stored. ``splink_input`` is the (input table, Splink API) of a job
    that also runs the model (:func:`deduplicate`), made from ``refreshed``."""
    actor.require(Permission.LINK_RECORDS)
    chosen = _check_backend(store, backend)
    refreshed = refreshed or refresh_records(store, actor, background=WRITE_BESIDE_SPLINK)
    frame = refreshed.frame()
    try:
        with _given_or_new_input(store, chosen, frame, spark, splink_input) as (table, api):
            trained = splink_job.train(table, api, records=len(frame),
                                       max_iterations=max_iterations,
                                       seed=None if chosen == "postgres" else 7)
    finally:
        refreshed.wait()  # the records written (or what stopped them) before a model is kept
    with store.begin() as conn:
        stored = link_store.insert_model(
            conn, PERSON, chosen, {"splink": trained.settings, "not_learnt": trained.not_learnt,
                                   "iterations": trained.iterations},
            len(frame), True, actor.name)
        audit.record(conn, actor, LinkageModelTrained(
            model_id=stored.id, kind_=PERSON, version=stored.version, backend=chosen,
            records=len(frame)))
    return TrainResult(stored.id, stored.version, chosen, len(frame), trained.not_learnt,
                       trained.iterations)


def _latest(store: Store, kind: str = PERSON) -> link_store.StoredModel:
    with store.begin() as conn:
        model = link_store.latest_model(conn, kind)
    if model is None:
        raise NotFoundError(f"no {kind} linkage model has been trained yet: run "
                            "'drachma link train' first", field="model")
    return model


def _check_threshold(threshold: float) -> float:
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise ValidationError(f"the threshold is a match weight between {MIN_THRESHOLD:g} and "
                              f"{MAX_THRESHOLD:g}", field="threshold")
    return threshold


def run(store: Store, actor: Actor, *, threshold: float = REVIEW_THRESHOLD,
        backend: str | None = None, spark: Any = None,
        progress: Callable[[int], None] | None = None,
        refreshed: RefreshResult | None = None,
        splink_input: tuple[Any, Any] | None = None) -> RunResult:
    """Score every blocked pair of records with the newest model; store pairs at or above
    ``threshold`` for review (decided pairs stay as they were decided). ``splink_input`` as
    for :func:`train`."""
    actor.require(Permission.LINK_RECORDS)
    _check_threshold(threshold)
    chosen = _check_backend(store, backend)
    model = _latest(store)
    refreshed = refreshed or refresh_records(store, actor, background=WRITE_BESIDE_SPLINK)
    frame = refreshed.frame()
    settings = model.settings["splink"]
    new = 0

    def keep(chunk: pd.DataFrame) -> None:
        nonlocal new
        chunk = chunk.assign(unique_id_l=refreshed.record_ids_of(chunk["unique_id_l"]),
                             unique_id_r=refreshed.record_ids_of(chunk["unique_id_r"]))
        pairs = splink_job.pair_rows_of(chunk, settings)
        with store.begin() as conn:
            new += link_store.save_pairs(conn, PERSON, model.id, pairs)
        if progress is not None:
            progress(len(pairs))

    try:
        with _given_or_new_input(store, chosen, frame, spark, splink_input) as (table, api):
            scored = splink_job.predict(table, api, settings, threshold=threshold,
                                        on_frame=keep)
    finally:
        refreshed.wait()  # pairs are stored only once the records are (keep waits)
    with store.begin() as conn:
        audit.record(conn, actor, LinkageRun(model_id=model.id, kind_=PERSON, scored=scored,
                                             new_pairs=new))
    return RunResult(model.id, model.version, scored, new)


def deduplicate(store: Store, actor: Actor, *, threshold: float = REVIEW_THRESHOLD,
                backend: str | None = None) -> tuple[TrainResult, RunResult]:
    """The whole job at once: bring the records up to date, train, and run (one refresh; the
    records are written while the model trains, as :func:`train` on its own does)."""
    actor.require(Permission.LINK_RECORDS)
    _check_threshold(threshold)
    chosen = _check_backend(store, backend)
    refreshed = refresh_records(store, actor, background=WRITE_BESIDE_SPLINK)
    try:
        # one Splink input for both: the input is read into DuckDB (or written to PostgreSQL)
        # once, and the prediction reuses the tables training made from it
        with _splink_input(store, chosen, refreshed.frame()) as shared:
            trained = train(store, actor, backend=chosen, refreshed=refreshed,
                            splink_input=shared)
            ran = run(store, actor, threshold=threshold, backend=chosen, refreshed=refreshed,
                      splink_input=shared)
    finally:
        refreshed.wait()
    return trained, ran


_SOURCE = re.compile(r"^(person|mention|incident_subject|investigation_subject):(\d{1,12})$")


def parse_source(text: str) -> tuple[str, int]:
    """``incident_subject:12`` -> (kind, id)."""
    match = _SOURCE.match(text.strip())
    if not match:
        raise ValidationError("a record is named kind:id, the kind one of "
                              f"{', '.join(SOURCE_KINDS)} (e.g. incident_subject:12)",
                              field="record")
    return match.group(1), int(match.group(2))


def link_record(store: Store, actor: Actor, source_kind: str, source_id: int, *,
                threshold: float = REVIEW_THRESHOLD) -> LinkResult:
    """Link one new (or changed) record against the stored records, with the newest model:
    candidates by its blocking keys (indexed), scored in process; no training, no whole job."""
    actor.require(Permission.LINK_RECORDS)
    _check_threshold(threshold)
    model = _latest(store)
    with store.begin() as conn:
        row = next((r for kind, r in _source_rows(conn, source_kind, source_id)), None)
        if row is None:
            raise NotFoundError(f"no {source_kind.replace('_', ' ')} {source_id}",
                                field="record")
        features = _features(source_kind, row)  # UnusableRecordError: nothing is stored
        keys = person_keys(features) | person_key_buckets(features)
        (record_id,) = link_store.upsert_records(
            conn, PERSON, [(source_kind, source_id, features.as_dict(), keys)])
        found = link_store.candidates(conn, record_id, keys, limit=MAX_CANDIDATES)
    settings = model.settings["splink"]
    scored = splink_job.score_against(
        {"unique_id": record_id, **features.as_dict()},
        [{"unique_id": c.id, **c.features} for c in found], settings,
        cache_key=f"drachma-person-model-{model.id}")
    above = [p for p in scored if p.match_weight >= threshold]
    with store.begin() as conn:
        new = link_store.save_pairs(conn, PERSON, model.id, splink_job.pair_rows(above))
        audit.record(conn, actor, LinkageRun(model_id=model.id, kind_=PERSON,
                                             scored=len(scored), new_pairs=new,
                                             record=f"{source_kind}:{source_id}"))
    others = [(p.right if p.left == record_id else p.left, p.match_weight) for p in above]
    return LinkResult(record_id, model.id, len(found), len(scored), new,
                      sorted(others, key=lambda o: -o[1]))


def _source_rows(conn: Any, source_kind: str, source_id: int) -> Iterator[tuple[str, Any]]:
    readers = {
        "person": link_store.source_persons,
        "mention": link_store.source_person_mentions,
        "incident_subject": link_store.source_incident_subjects,
        "investigation_subject": link_store.source_investigation_subjects,
    }
    if source_kind not in readers:
        raise ValidationError(f"unknown record kind {source_kind!r}", field="record")
    for row in readers[source_kind](conn, source_id):
        yield source_kind, row
