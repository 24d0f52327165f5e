"""The Splink model of who is who: settings, unsupervised training, prediction, one-record scoring.

This module knows Splink and nothing of the database: it takes rows of features (see
:mod:`drachma.link.features`) and gives back trained settings (a JSON-able dict) and scored pairs
with the waterfall of their comparison weights. :mod:`drachma.link.linkage` stores them.

Backends (Splink's own): ``duckdb`` (in process, the default), ``postgres`` (Splink's
``PostgresAPI``: the job's SQL runs inside the force's PostgreSQL) and ``spark`` (Splink's
``SparkAPI``, an optional extra: ``pip install 'drachma[spark]'``). The comparisons use only
exact matches, Levenshtein distance and array intersection, which all three translate.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from drachma.errors import ValidationError
from drachma.link.features import BLOCKING_COLUMNS, CROSSED_NAME_RULES

# Splink logs each EM iteration at INFO; Drachma's faces print their own summary.
logging.getLogger("splink").setLevel(logging.WARNING)

FEATURE_COLUMNS = ("first_name", "formal_first", "formal_names", "surname", "surname_sound",
                   "dob", "dob_key", "address", "postcode", "postcode_district", "handles",
                   "handle", "name_pair", "address_start", "address_words", "street")
MIN_RECORDS = 20  # fewer than this and EM has nothing to learn from
MAX_ITERATIONS = 100
FIX_ELSE_M = True
EM_CONVERGENCE = 0.0001
U_PAIRS = 2e6  # pairs sampled to estimate u (kept modest: two cores shared)


class ModelNotConvergedError(ValidationError):
    """Training did not give a usable model (EM did not converge, or a parameter is missing)."""

    kind = "model_not_converged"


@dataclass(frozen=True, slots=True)
class WaterfallStep:
    """One bar of the waterfall: a comparison, the level it fell in, and its weight (log2)."""

    comparison: str
    level: str
    weight: float
    left: str
    right: str


@dataclass(frozen=True, slots=True)
class ScoredPair:
    left: int
    right: int
    match_weight: float
    match_probability: float
    waterfall: tuple[WaterfallStep, ...]


def _levels(column: str, label: str, middle: list[tuple[Any, str, float]],
            other_m: float) -> Any:
    """A comparison: NULL, the given levels (level, label, starting m), everything else.

    The starting m values are priors: EM replaces each with what the data shows, and a level
    the training pairs never fall in keeps its prior rather than a guess of zero. The m of
    "everything else" is set, not trained: on a force's few thousand records EM drives it towards
    zero, which would let one typo veto a match (and underflows PostgreSQL's float8)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    levels = [made.configure(label_for_charts=text, m_probability=m)
              for made, text, m in middle]
    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=label,
        comparison_levels=[cll.NullLevel(column), *levels,
                           cll.ElseLevel().configure(m_probability=other_m,
                                                     fix_m_probability=FIX_ELSE_M)],
    )


def _swapped() -> Any:
    import splink.comparison_level_library as cll

    # levenshtein is DuckDB's and PostgreSQL's (fuzzystrmatch) alike
    return cll.CustomLevel('levenshtein("first_name_l", "surname_r") <= 2 AND '
                           'levenshtein("surname_l", "first_name_r") <= 2')


def _crossed() -> Any:
    import splink.comparison_level_library as cll

    # one record's given name is the other's surname (within one letter), either way round
    return cll.CustomLevel('levenshtein("first_name_l", "surname_r") <= 1 OR '
                           'levenshtein("surname_l", "first_name_r") <= 1')


def person_comparisons() -> list[Any]:
    """Names (with nicknames and sound), date of birth (with transpositions), address, postcode,
    handles."""
    import splink.comparison_level_library as cll

    return [
        _levels("first_name", "given name", [
            (cll.ExactMatchLevel("first_name"), "same given name", 0.85),
            (cll.ArrayIntersectLevel("formal_names", 1), "nickname of the same name", 0.06),
            (cll.LevenshteinLevel("first_name", 2), "given name spelt within 2 letters", 0.05),
            (_crossed(), "given name written as the surname (within 1 letter)", 0.02),
        ], 0.04),
        _levels("surname", "surname", [
            (cll.ExactMatchLevel("surname"), "same surname", 0.85),
            (cll.ExactMatchLevel("surname_sound"), "surname sounds the same", 0.06),
            (cll.LevenshteinLevel("surname", 2), "surname spelt within 2 letters", 0.05),
            (_swapped(), "given name and surname swapped (within 2 letters)", 0.01),
        ], 0.04),
        _levels("dob", "date of birth", [
            (cll.ExactMatchLevel("dob"), "same date of birth", 0.85),
            (cll.ExactMatchLevel("dob_key"), "day and month swapped", 0.05),
            (cll.LevenshteinLevel("dob", 1), "date of birth one digit different", 0.05),
            (cll.LevenshteinLevel("dob", 2), "date of birth two digits different", 0.02),
        ], 0.05),
        _levels("postcode", "postcode", [
            (cll.ExactMatchLevel("postcode"), "same postcode", 0.8),
            (cll.ExactMatchLevel("postcode_district"), "same postcode district", 0.1),
        ], 0.1),
        _levels("address", "address", [
            (cll.ExactMatchLevel("address"), "same address", 0.6),
            (cll.LevenshteinLevel("address", 4), "address within 4 letters", 0.2),
            (cll.ArrayIntersectLevel("address_words", 3), "three or more address words in common",
             0.1),
            (cll.ArrayIntersectLevel("address_words", 2), "two address words in common", 0.05),
        ], 0.2),
        _levels("handles", "online handles", [
            (cll.ArrayIntersectLevel("handles", 1), "a handle in common", 0.6),
        ], 0.4),
    ]


LinkType = Literal["link_only", "link_and_dedupe", "dedupe_only"]


def person_settings(link_type: LinkType = "dedupe_only") -> Any:
    """The untrained settings of the person model."""
    from splink import SettingsCreator, block_on
    from splink.blocking_rule_library import CustomRule

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=person_comparisons(),
        blocking_rules_to_generate_predictions=[
            *(block_on(*cols) for cols in BLOCKING_COLUMNS),
            *(CustomRule(sql) for sql in CROSSED_NAME_RULES)],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        max_iterations=MAX_ITERATIONS,
        em_convergence=EM_CONVERGENCE,
    )


# ------------------------------------------------------------------------------------------
# Backends


def db_api(backend: str, *, engine: Any = None, schema: str | None = None,
           spark: Any = None) -> Any:
    """Splink's database API for a backend name."""
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI()
    if backend == "postgres":
        from splink.backends.postgres import PostgresAPI

        return PostgresAPI(engine=engine, schema=schema or "splink")
    if backend == "spark":
        from splink import SparkAPI

        return SparkAPI(spark_session=spark)  # type: ignore[no-untyped-call]
    raise ValidationError(f"unknown linkage backend {backend!r}: duckdb, postgres or spark",
                          field="backend")


# ------------------------------------------------------------------------------------------
# Training and prediction


U_UNSEEN = 1e-5  # u of a level never seen among random pairs: rarer than the sample could show


def fill_unlearnt(model: dict[str, Any]) -> list[str]:
    """Give levels that training could not learn a value that is honest about it, and name them.

    A level never seen among matches (m unknown) counts for nothing (m = u, weight 0); a level
    never seen among random pairs (u unknown) is taken as rarer than the sample could show,
    except "everything else", which then counts for nothing too."""
    missing: list[str] = []
    for comparison in model.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            if level.get("is_null_level"):
                continue
            label = f"{comparison.get('output_column_name')}: {level.get('label_for_charts')}"
            u = level.get("u_probability")
            if u is None or not 0 < float(u) <= 1:
                # "everything else" never seen among random pairs (say, no two sampled records
                # both had handles) says nothing: weight 0, not a rare and strong agreement
                m = level.get("m_probability")
                elsewise = str(level.get("sql_condition", "")).strip().upper() == "ELSE"
                level["u_probability"] = float(m) if elsewise and m else U_UNSEEN
                missing.append(f"{label} (u)")
            m = level.get("m_probability")
            if m is None or not 0 < float(m) <= 1:
                level["m_probability"] = level["u_probability"]
                missing.append(f"{label} (m)")
    return missing


@dataclass(frozen=True, slots=True)
class TrainedModel:
    settings: dict[str, Any]  # Splink's settings with the trained parameters
    not_learnt: list[str]  # levels training saw no examples of (see :func:`fill_unlearnt`)
    iterations: list[int]  # EM iterations of each session


def train(input_table: Any, api: Any, *, records: int, link_type: LinkType = "dedupe_only",
          seed: int | None = 7, max_iterations: int = MAX_ITERATIONS) -> TrainedModel:
    """Train the model unsupervised: u by random sampling, m by EM on two blocking rules (each
    learns the comparisons it does not block on). Refuses (ModelNotConvergedError) when an EM
    session stops at ``max_iterations`` without its parameters settling."""
    from splink import Linker, block_on

    if records < MIN_RECORDS:
        raise ModelNotConvergedError(
            f"{records} records are too few to train on (at least {MIN_RECORDS}); nothing "
            "was stored", field="records")
    settings = person_settings(link_type)
    settings.max_iterations = max_iterations
    linker = Linker(input_table, settings, db_api=api, set_up_basic_logging=False)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("surname", "first_name", "dob")], recall=0.7)
    # Splink takes a seed on DuckDB and Spark only (its seeded sample SQL fails on PostgreSQL)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=U_PAIRS, seed=seed)  # type: ignore[arg-type]
    iterations = []
    for rule in (block_on("dob"), block_on("surname_sound", "formal_first")):
        session = linker.training.estimate_parameters_using_expectation_maximisation(rule)
        done = len(getattr(session, "_core_model_settings_history", [])) - 1
        iterations.append(done)
        if done >= max_iterations:
            raise ModelNotConvergedError(
                f"the model did not converge: EM was still changing its parameters after "
                f"{max_iterations} iterations (training pairs blocked on "
                f"{rule.get_blocking_rule('duckdb').blocking_rule_sql}); nothing was stored",
                field="model")
    model = dict(linker.misc.save_model_to_json())
    return TrainedModel(model, fill_unlearnt(model), iterations)


def _label_lookup(model: dict[str, Any]) -> dict[str, dict[int, str]]:
    found: dict[str, dict[int, str]] = {}
    for comparison in model.get("comparisons", []):
        levels = comparison.get("comparison_levels", [])
        top = len(levels) - 2  # the null level is -1; the others count down to 0
        column = str(comparison.get("output_column_name"))
        found[column] = {}
        for position, level in enumerate(levels):
            value = -1 if level.get("is_null_level") else top - (position - 1)
            found[column][value] = str(level.get("label_for_charts") or "")
    return found


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, list | tuple) or hasattr(value, "tolist"):
        items = value.tolist() if hasattr(value, "tolist") else value
        return ", ".join(str(v) for v in items)
    return str(value)


def prior_weight(model: dict[str, Any]) -> float:
    p = float(model.get("probability_two_random_records_match") or 1e-4)
    return math.log2(p / (1 - p))


def scored_pairs(frame: pd.DataFrame, model: dict[str, Any]) -> Iterable[ScoredPair]:
    """Pairs out of a Splink prediction frame, each with its waterfall."""
    labels = _label_lookup(model)
    prior = prior_weight(model)
    columns = list(labels)
    for row in frame.to_dict("records"):
        steps = [WaterfallStep("prior", "two records picked at random", round(prior, 3), "", "")]
        for column in columns:
            gamma = int(row.get(f"gamma_{column}", -1))
            bf = float(row.get(f"bf_{column}", 1.0) or 1.0)
            steps.append(WaterfallStep(
                column, labels[column].get(gamma, ""),
                round(math.log2(bf), 3) if bf > 0 else -30.0,
                _text(row.get(f"{column}_l")), _text(row.get(f"{column}_r"))))
        left, right = int(row["unique_id_l"]), int(row["unique_id_r"])
        if left > right:  # the lower id first, each value beside its own record
            left, right = right, left
            steps = [WaterfallStep(s.comparison, s.level, s.weight, s.right, s.left)
                     for s in steps]
        yield ScoredPair(left, right, float(row["match_weight"]),
                         float(row["match_probability"]), tuple(steps))


def pair_rows(pairs: Iterable[ScoredPair]
              ) -> list[tuple[int, int, float, float, list[dict[str, Any]]]]:
    """Pairs as the store keeps them: (left, right, weight, probability, waterfall as dicts)."""
    return [(p.left, p.right, p.match_weight, p.match_probability,
             [{"comparison": s.comparison, "level": s.level, "weight": s.weight,
               "left": s.left, "right": s.right} for s in p.waterfall]) for p in pairs]


def pair_rows_of(frame: pd.DataFrame, model: dict[str, Any]
                 ) -> list[tuple[int, int, float, float, str]]:
    """``pair_rows(scored_pairs(frame, model))`` with each waterfall already the JSON text the
    store keeps (``json.dumps`` of its dicts): the same values, read column by column instead of
    row by row through :class:`ScoredPair` (the whole job turns every pair it finds into one; at
    a million records that was 6 s). ``tests/test_linkage.py`` compares the two."""
    labels = _label_lookup(model)
    prior = {"comparison": "prior", "level": "two records picked at random",
             "weight": round(prior_weight(model), 3), "left": "", "right": ""}
    count = len(frame)

    def values(name: str, default: Any) -> list[Any]:
        if name not in frame.columns:
            return [default] * count
        found: list[Any] = frame[name].tolist()
        dtype = frame[name].dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "biuf":  # numpy numbers: no pd.NA
            return found
        return [None if v is pd.NA else v for v in found]  # as to_dict("records") gives them

    columns = [(column, labels[column], values(f"gamma_{column}", -1),
                values(f"bf_{column}", 1.0), values(f"{column}_l", None),
                values(f"{column}_r", None)) for column in labels]
    rows: list[tuple[int, int, float, float, str]] = []
    for n, (left, right, weight, probability) in enumerate(zip(
            values("unique_id_l", 0), values("unique_id_r", 0), values("match_weight", 0.0),
            values("match_probability", 0.0), strict=True)):
        left, right = int(left), int(right)
        swap = left > right  # the lower id first, each value beside its own record
        steps = [prior]
        for column, label, gammas, bfs, lefts, rights in columns:
            bf = float(bfs[n] or 1.0)
            mine, theirs = _text(lefts[n]), _text(rights[n])
            steps.append({"comparison": column, "level": label.get(int(gammas[n]), ""),
                          "weight": round(math.log2(bf), 3) if bf > 0 else -30.0,
                          "left": theirs if swap else mine, "right": mine if swap else theirs})
        rows.append((right, left, float(weight), float(probability), json.dumps(steps))
                    if swap else
                    (left, right, float(weight), float(probability), json.dumps(steps)))
    return rows


def predict(input_table: Any, api: Any, model: dict[str, Any], *, threshold: float,
            on_frame: Callable[[pd.DataFrame], None]) -> int:
    """Score every blocked pair with a trained model; frames of pairs above ``threshold`` (match
    weight) are handed to ``on_frame`` in chunks. Returns the number of pairs."""
    from splink import Linker

    linker = Linker(input_table, model, db_api=api, set_up_basic_logging=False)
    result = linker.inference.predict(threshold_match_weight=threshold)
    frame = result.as_pandas_dataframe()  # type: ignore[no-untyped-call]
    chunk = 20_000
    for start in range(0, len(frame), chunk):
        on_frame(frame.iloc[start:start + chunk])
    count = len(frame)
    result.drop_table_from_database_and_remove_from_cache()
    return count


def score_against(record: dict[str, Any], candidates: list[dict[str, Any]],
                  model: dict[str, Any], cache_key: str) -> list[ScoredPair]:
    """Score one record against a few candidates with a stored model, in process (DuckDB), without
    training or running the whole job."""
    if not candidates:
        return []
    from splink.internals.realtime import compare_records

    # ``cache_key`` names the stored model: Splink keeps the SQL it built for it, so the next
    # record scored with the same model skips building it again.
    frame = compare_records(frame_of([record]), frame_of(candidates), model, _duckdb(),
                            sql_cache_key=cache_key).as_pandas_dataframe()  # type: ignore[no-untyped-call]
    return list(scored_pairs(frame, model))


_DUCKDB: list[Any] = []


def _duckdb() -> Any:
    """One in-process DuckDB API for one-record scoring, made once (it costs ~0.1 s)."""
    if not _DUCKDB:
        from splink import DuckDBAPI

        _DUCKDB.append(DuckDBAPI())
    return _DUCKDB[0]


def frame_of(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """A pandas frame of feature rows with every column present (Splink needs them all)."""
    return _lists_as_null(pd.DataFrame(list(rows), columns=["unique_id", *FEATURE_COLUMNS]))


def frame_of_columns(columns: dict[str, list[Any]]) -> pd.DataFrame:
    """The same frame from column lists (a million records without a million dicts)."""
    return _lists_as_null(pd.DataFrame({c: columns[c] for c in ("unique_id", *FEATURE_COLUMNS)}))


def _lists_as_null(frame: pd.DataFrame) -> pd.DataFrame:
    # an empty list is not NULL to SQL: no handles is "not known", like any other missing value
    for column in ("handles", "formal_names", "address_words"):
        frame[column] = frame[column].apply(lambda v: list(v) if v else None)
    return frame
