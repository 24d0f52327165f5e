"""Groups resolved the same way as people: Splink scores pairs of groups on name, shared pages
or URLs, area and period, and the pairs go to the same review queue.

A force knows tens or hundreds of groups, too few for EM to learn from, so the group model's
parameters are set rather than trained (m and u below, chosen from what tells groups apart: a
shared Facebook page is near-proof, the same force area is common among strangers). They are
stored as a model version like the person model's, and every pair names the version that scored
it. Groups are few, so every pair is compared (no blocking), in process with DuckDB.

Confirming a group pair in the queue makes the other group's name, aliases and pages aliases of
the group kept, and marks it merged (``groups.merged_into``); undo takes that back exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import LinkageModelTrained, LinkageRun
from drachma.access.permissions import Permission
from drachma.link import splink_job
from drachma.safeguarding.names import fold
from drachma.store import linkage as link_store
from drachma.store.db import Store

GROUP = "group"
MODEL_VERSION_NOTE = "group model 1: parameters set, not trained"
# Words groups add to their names without becoming another group.
FILLER = frozenset({"uk", "official", "the", "team", "group", "page", "original", "real",
                    "england", "national"})
THRESHOLD = 0.0


@dataclass(frozen=True, slots=True)
class GroupRunResult:
    model_id: int
    version: int
    groups: int
    scored: int
    new_pairs: int


def core_name(name: str) -> str:
    """A group's name without the words groups add to it: "The X UK Official" -> "x"."""
    words = [w for w in fold(name).split() if w not in FILLER]
    return " ".join(words) or fold(name)


def page_key(text: str) -> str | None:
    """A page or URL as host + path, lower case, no scheme, no ``www.``, no trailing slash."""
    value = text.strip().lower()
    if not value:
        return None
    if "://" not in value and "." not in value.split("/")[0]:
        return None  # a page name, not an address
    parts = urlsplit(value if "://" in value else f"https://{value}")
    host = parts.netloc.removeprefix("www.").removeprefix("m.")
    return (host + parts.path.rstrip("/"))[:200] or None


def _features(row: Any, pages: list[tuple[str, str]], years: set[int]) -> dict[str, Any]:
    names = [row.name] + [alias for kind, alias in pages if kind != "page"]
    urls = sorted({k for _, alias in pages if (k := page_key(alias))})
    return {
        "name": fold(row.name),
        "name_core": core_name(row.name),
        "names_core": sorted({core_name(n) for n in names}),
        "pages": urls or None,
        "force": row.area_force,
        "years": sorted(years) or None,
    }


def _settings() -> dict[str, Any]:
    def level(sql: str, label: str, m: float, u: float) -> dict[str, Any]:
        return {"sql_condition": sql, "label_for_charts": label, "m_probability": m,
                "u_probability": u}

    def null(sql: str, label: str) -> dict[str, Any]:
        return {"sql_condition": sql, "label_for_charts": label, "is_null_level": True}

    def other(m: float, u: float) -> dict[str, Any]:
        return level("ELSE", "all other comparisons", m, u)

    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 0.01,
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
        "blocking_rules_to_generate_predictions": ["1=1"],
        "comparisons": [
            {"output_column_name": "name_core", "comparison_description": "name",
             "comparison_levels": [
                 null('"name_core_l" IS NULL OR "name_core_r" IS NULL', "name is NULL"),
                 level('"name_core_l" = "name_core_r"', "same name but for UK, Official...",
                       0.7, 0.002),
                 level('len(list_intersect("names_core_l", "names_core_r")) > 0',
                       "a name or alias in common", 0.15, 0.005),
                 level('levenshtein("name_core_l", "name_core_r") <= 2',
                       "name spelt within 2 letters", 0.1, 0.01),
                 other(0.05, 0.983)]},
            {"output_column_name": "pages", "comparison_description": "pages and URLs",
             "comparison_levels": [
                 null('"pages_l" IS NULL OR "pages_r" IS NULL', "pages is NULL"),
                 level('len(list_intersect("pages_l", "pages_r")) > 0', "a page in common",
                       0.6, 0.0005),
                 other(0.4, 0.9995)]},
            {"output_column_name": "force", "comparison_description": "area",
             "comparison_levels": [
                 null('"force_l" IS NULL OR "force_r" IS NULL', "area is NULL"),
                 level('"force_l" = "force_r"', "same police force area", 0.8, 0.05),
                 other(0.2, 0.95)]},
            {"output_column_name": "years", "comparison_description": "period",
             "comparison_levels": [
                 null('"years_l" IS NULL OR "years_r" IS NULL', "period is NULL"),
                 level('len(list_intersect("years_l", "years_r")) > 0',
                       "active in the same year", 0.8, 0.4),
                 other(0.2, 0.6)]},
        ],
    }


def _model(store: Store, actor: Actor, records: int) -> link_store.StoredModel:
    settings = _settings()
    with store.begin() as conn:
        model = link_store.latest_model(conn, GROUP)
        if model is not None and model.settings.get("splink") == settings:
            return model
        stored = link_store.insert_model(conn, GROUP, "duckdb",
                                         {"splink": settings, "note": MODEL_VERSION_NOTE},
                                         records, True, actor.name)
        audit.record(conn, actor, LinkageModelTrained(
            model_id=stored.id, kind_=GROUP, version=stored.version, backend="duckdb",
            records=records))
    return stored


def run_groups(store: Store, actor: Actor, *, threshold: float = THRESHOLD) -> GroupRunResult:
    """Score every pair of groups not merged; pairs at or above ``threshold`` go to review."""
    actor.require(Permission.LINK_RECORDS)
    with store.begin() as conn:
        rows = link_store.source_groups(conn)
        pages = link_store.group_pages(conn, [r.id for r in rows])
        years = link_store.group_years(conn)
        items = []
        for row in rows:
            features = _features(row, pages.get(row.id, []), years.get(row.name.lower(), set()))
            items.append(("group", int(row.id), features, {f"g:{features['name_core']}"}))
        record_ids = link_store.upsert_records(conn, GROUP, items)
    model = _model(store, actor, len(items))
    frame = pd.DataFrame([{"unique_id": rid, **item[2]}
                          for rid, item in zip(record_ids, items, strict=True)])
    new = scored = 0
    if len(frame) >= 2:
        chunks: list[pd.DataFrame] = []
        scored = splink_job.predict(frame, splink_job.db_api("duckdb"), model.settings["splink"],
                                    threshold=threshold, on_frame=chunks.append)
        pairs = [p for chunk in chunks
                 for p in splink_job.scored_pairs(chunk, model.settings["splink"])]
        with store.begin() as conn:
            new = link_store.save_pairs(conn, GROUP, model.id, splink_job.pair_rows(pairs))
    with store.begin() as conn:
        audit.record(conn, actor, LinkageRun(model_id=model.id, kind_=GROUP, scored=scored,
                                             new_pairs=new))
    return GroupRunResult(model.id, model.version, len(items), scored, new)
