"""A small, hand-countable world for the analytics tests (shared by test_analytics*, test_foi*).

Seven reports, three incidents, mentions, two invented groups. Facts come from the real
derivation (:func:`drachma.analytics.upkeep.rebuild`): incidents give their linked reports
place, group, platform and outcome; mentions not rejected give the rest.

- R1 2017-03-10 12:00, greater-manchester, 2BP officer: incident I1 (Rochdale, Alpha Hunters,
  Facebook, charged).
- R2 2017-03-20 09:00, greater-manchester, 2CP news: mentions "AH" (an alias), Salford, charged.
- R3 2017-07-01 10:00, greater-manchester, 3CC (*) public: mentions Alpha Hunters, Rochdale.
- R4 2018-01-05 08:00, greater-manchester, 1AP group: incident I2 (Manchester, Beta Justice,
  YouTube, wrong man) and a mention of Salford (a second district).
- R5 2018-02-11 15:00, merseyside, 2BP officer: incident I3 (Liverpool, Beta Justice, Facebook,
  jailed) and a rejected mention of Wigan.
- R6 2018-05-31 23:30, lancashire, 2BP officer: nothing.
- R7 2019-01-01 10:00, greater-manchester, 2BP officer: mentions Alpha Hunters, Rochdale.

(*) R3 is handling code C, readable by investigators only (and supervisors, who see all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from drachma import gazetteers
from drachma.access.actor import Actor
from drachma.analytics.upkeep import rebuild
from drachma.model.entities import Group, GroupStatus
from drachma.model.grading import Grading, HandlingCode, IntelligenceAssessment, SourceEvaluation
from drachma.model.incident import Incident
from drachma.model.mention import Mention, MentionType, Review
from drachma.model.report import Report, SourceKind
from drachma.model.roles import Role
from drachma.store import entities as entity_store
from drachma.store import groups as group_store
from drachma.store import mentions as mention_store
from drachma.store.db import Store
from drachma.store.reports import insert_report


def code(district: str) -> str:
    found = gazetteers.district_by_name(district)
    assert found is not None
    return found.code


@dataclass
class World:
    ids: dict[str, int]
    incidents: dict[str, int]


def _grading(text: str) -> Grading:
    conditions = "investigators only" if text[2] == "C" else None
    return Grading(SourceEvaluation(text[0]), IntelligenceAssessment(text[1]),
                   HandlingCode(text[2]), conditions)


REPORTS = (
    ("R1", datetime(2017, 3, 10, 12, tzinfo=UTC), "greater-manchester", "2BP", SourceKind.OFFICER),
    ("R2", datetime(2017, 3, 20, 9, tzinfo=UTC), "greater-manchester", "2CP", SourceKind.NEWS),
    ("R3", datetime(2017, 7, 1, 10, tzinfo=UTC), "greater-manchester", "3CC", SourceKind.PUBLIC),
    ("R4", datetime(2018, 1, 5, 8, tzinfo=UTC), "greater-manchester", "1AP", SourceKind.GROUP),
    ("R5", datetime(2018, 2, 11, 15, tzinfo=UTC), "merseyside", "2BP", SourceKind.OFFICER),
    ("R6", datetime(2018, 5, 31, 23, 30, tzinfo=UTC), "lancashire", "2BP", SourceKind.OFFICER),
    ("R7", datetime(2019, 1, 1, 10, tzinfo=UTC), "greater-manchester", "2BP", SourceKind.OFFICER),
)


def _mention(kind: MentionType, value: str, review: Review = Review.PENDING) -> Mention:
    return Mention(kind, 0, len(value), value, value, 0.9, review=review)


def build_world(store: Store, supervisor: Actor) -> World:
    ids: dict[str, int] = {}
    with store.begin() as conn:
        group_store.insert_group(conn, Group(name="Alpha Hunters", aliases=["AH"],
                                             pages=["https://example.org/alphahunters"],
                                             area_force="greater-manchester",
                                             status=GroupStatus.ACTIVE, confirmed=True))
        group_store.insert_group(conn, Group(name="Beta Justice", aliases=["BJ"],
                                             area_force="merseyside",
                                             status=GroupStatus.ACTIVE, confirmed=True))
        for name, at, force, grading, kind in REPORTS:
            visible = frozenset({Role.INVESTIGATOR}) if grading[2] == "C" else frozenset()
            ids[name] = insert_report(conn, Report(
                title=f"Report {name}", body=f"Invented report {name}.", received_at=at,
                source_kind=kind, grading=_grading(grading), visible_to=visible, force=force,
                content_hash=f"hash-{name}"))
        incidents = {
            "I1": Incident(datetime(2017, 3, 9, 19, tzinfo=UTC), "Rochdale",
                           "greater-manchester", ["Alpha Hunters"], platform="Facebook",
                           outcome="charged", report_ids=[ids["R1"]]),
            "I2": Incident(datetime(2018, 1, 4, 20, tzinfo=UTC), "Manchester",
                           "greater-manchester", ["Beta Justice"], platform="YouTube",
                           outcome="wrong_man", report_ids=[ids["R4"]]),
            "I3": Incident(datetime(2018, 2, 10, 18, tzinfo=UTC), "Liverpool", "merseyside",
                           ["Beta Justice"], platform="Facebook", outcome="jailed",
                           report_ids=[ids["R5"]]),
        }
        incident_ids = {k: entity_store.insert_incident(conn, v) for k, v in incidents.items()}
        G, P = MentionType.GROUP, MentionType.PLACE
        found = {
            "R2": [_mention(G, "AH"), _mention(P, "Salford"),
                   _mention(MentionType.OUTCOME, "charged")],
            "R3": [_mention(G, "Alpha Hunters"), _mention(P, "Rochdale")],
            "R4": [_mention(P, "Salford")],
            "R5": [_mention(P, "Wigan", Review.REJECTED)],
            "R7": [_mention(G, "Alpha Hunters"), _mention(P, "Rochdale")],
        }
        for name, items in found.items():
            stored = mention_store.replace_pending(conn, ids[name], items)
            for mention, wanted in zip(stored, items, strict=True):
                if wanted.review is Review.REJECTED:
                    mention_store.record_review(conn, mention, decision=Review.REJECTED,
                                                actor_id=None, actor_name="analyst1")
    rebuild(store, supervisor)  # written with the store's own functions: count them all
    return World(ids, incident_ids)
