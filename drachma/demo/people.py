"""Invented people who turn up more than once, spelt differently, for the linkage review queue.

Each invented man appears as several records of different kinds (a person record, a subject at
an incident, a subject of an open investigation, a name an analyst confirmed in a report), with
the variants real records have: a nickname (Danny for Daniel), a spelling (Pelingham), a
date of birth with day and month swapped, a handle with digits added. One more man shares a name
with another but nothing else, so the queue shows a pair worth rejecting as well as pairs worth
confirming. Two invented groups also call themselves by a longer form of a known group's name
("Team ... UK"), with its page. Everything here is invented; addresses and postcodes are
made up (postcodes in the right shape, for the right towns).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date

from drachma.analytics import upkeep
from drachma.model.entities import Group, GroupStatus, Person
from drachma.model.incident import IncidentSubject, InvestigationSubject, SubjectRole
from drachma.model.mention import Mention, MentionType, Review
from drachma.safeguarding.deconfliction import keys_for
from drachma.store import entities as entity_store
from drachma.store import groups as group_store
from drachma.store import incidents as incident_store
from drachma.store import linkage as link_store
from drachma.store import mentions as mention_store
from drachma.store import safeguarding as sg_store
from drachma.store.db import Connection, Store

# (kind, name, date of birth, address, postcode, handles)
Appearance = tuple[str, str, date | None, str | None, str | None, list[str]]

DEMO_VARIANT_PEOPLE: tuple[tuple[Appearance, ...], ...] = (
    (
        ("person", "Daniel Pellingham", date(1984, 3, 7), "14 Fernlea Road, Rochdale", "OL16 2XY",
         []),
        ("incident_subject", "Danny Pellingham", date(1984, 7, 3), "14 Fernlea Rd, Rochdale",
         "OL16 2XY", ["@dan_pell84"]),
        ("investigation_subject", "Daniel Pelingham", date(1984, 3, 7), None, None,
         ["danpell"]),
    ),
    (
        ("person", "Christopher Brackenbury", date(1979, 11, 2), "3 Oakworth Close, Bradford",
         "BD7 1QZ", []),
        ("incident_subject", "Chris Brackenbury", date(1979, 11, 2), None, "BD7 1QZ",
         ["chrisb_79"]),
        ("investigation_subject", "Kristopher Brackenbury", date(1979, 2, 11), None, "BD7 1QZ",
         []),
    ),
    (
        ("person", "Stephen Wolstenholme", date(1990, 5, 21), "22 Kiln Street, Burnley",
         "BB11 4RT", ["stevewolst90"]),
        ("incident_subject", "Steven Wolstenholme", date(1990, 5, 21), None, "BB11 4RT", []),
    ),
    (
        ("person", "William Gargrave", date(1972, 8, 14), "7 Moor View, Skipton", "BD23 2LP",
         []),
        ("incident_subject", "Bill Gargrave", date(1972, 8, 14), "7 Moor View, Skipton",
         "BD23 2LP", []),
        ("investigation_subject", "William Gargreave", date(1972, 8, 15), None, "BD23 2LP",
         []),
    ),
    (
        ("person", "Jonathan Hebblethwaite", date(1988, 1, 12), "51 Chapel Lane, Halifax",
         "HX1 5TW", []),
        ("incident_subject", "Jon Hebblethwaite", date(1988, 12, 1), None, "HX1 5TW",
         ["jonnyhebb"]),
    ),
    (
        # Another man of the same name as the first: nothing else in common.
        ("person", "Daniel Pellingham", date(1961, 10, 30), "2 Harbour Row, Truro", "TR1 2HD",
         []),
    ),
)


def _confirm_named_subjects(conn: Connection, count: int) -> int:
    """Confirmed PERSON mentions of demo subjects where a demo report names them (the group's
    post, the officer's report): the same man as a mention, a person and an incident subject."""
    made = 0
    for person_id, name in link_store.first_person_names(conn, 60):
        found = link_store.report_naming(conn, name)
        if found is None:
            continue
        report_id, body = found
        start = body.index(name)
        mention = Mention(type=MentionType.PERSON, start=start, end=start + len(name), text=name,
                          value=name, confidence=0.9, attributes={"person_id": str(person_id)})
        existing = mention_store.for_report(conn, report_id)
        stored = mention_store.replace_pending(conn, report_id, [*existing, mention])
        for kept in stored:
            if (kept.type is MentionType.PERSON and kept.start == start
                    and kept.review is Review.PENDING):
                mention_store.record_review(conn, kept, decision=Review.CONFIRMED,
                                            actor_id=None, actor_name="demo")
                made += 1
        if made >= count:
            break
    return made


@dataclass(slots=True)
class DemoPeople:
    """What :func:`load_demo_people` added."""

    persons: int = 0  # rows of ``persons``
    subjects: int = 0  # incident and investigation subjects
    mentions: int = 0  # confirmed PERSON mentions of demo subjects in demo reports
    groups: int = 0


def load_demo_people(store: Store, *, incident_ids: list[int] | None = None,
                     investigation_ids: list[int] | None = None) -> DemoPeople:
    """Insert the invented variant people (and the two variant groups); says what was added.
    Incident subjects and investigation subjects are attached to the first incidents and
    investigations of the store; three demo subjects named in demo reports get a confirmed
    PERSON mention there."""
    with store.begin() as conn:
        incidents = incident_ids if incident_ids is not None else incident_store.all_incident_ids(
            conn)
        if investigation_ids is None:
            rows, _ = sg_store.list_investigations(conn, limit=100, offset=0)
            investigation_ids = [int(r.id) for r in rows]
    added = DemoPeople()
    positions = {"incident_subject": 0, "investigation_subject": 0}
    with store.begin() as conn:
        for person in DEMO_VARIANT_PEOPLE:
            for kind, name, dob, address, postcode, handles in person:
                if kind == "person":
                    entity_store.insert_persons(conn, [Person(
                        name=name, date_of_birth=dob,
                        addresses=[f"{address} {postcode}".strip()] if address else [])])
                    added.persons += 1
                elif kind == "incident_subject" and incidents:
                    incident_id = incidents[positions[kind] % len(incidents)]
                    incident_store.insert_subject(conn, incident_id, IncidentSubject(
                        role=SubjectRole.SUBJECT, name=name, date_of_birth=dob,
                        address=address, postcode=postcode, handles=handles))
                    added.subjects += 1
                elif kind == "investigation_subject" and investigation_ids:
                    subject = InvestigationSubject(
                        name=name, date_of_birth=dob, postcodes=[postcode] if postcode else [],
                        handles=handles,
                        investigation_id=investigation_ids[positions[kind]
                                                           % len(investigation_ids)])
                    sg_store.insert_investigation_subjects(conn, [subject], [keys_for(subject)])
                    added.subjects += 1
                else:
                    continue
                positions[kind] = positions.get(kind, 0) + 1
        added.mentions = _confirm_named_subjects(conn, 3)
        with upkeep.groups_changing(conn):  # counts by group in step (analytics)
            for group in group_store.all_groups(conn, confirmed_only=True)[:2]:
                variant = f"Team {group.name} UK"
                if group_store.find_group(conn, variant) is None:
                    group_store.insert_group(conn, Group(
                        name=variant, pages=list(group.pages), area_force=group.area_force,
                        status=GroupStatus.ACTIVE, confirmed=False))
                    added.groups += 1
    return added


def link_demo(store: Store) -> None:
    """Train the person model on the demo records and fill the review queues (people, groups);
    a demo set too small to train on leaves the person queue empty."""
    from drachma.access.actor import system_actor
    from drachma.link.groups import run_groups
    from drachma.link.linkage import deduplicate
    from drachma.link.splink_job import ModelNotConvergedError

    actor = system_actor("demo")
    with suppress(ModelNotConvergedError):  # a demo set too small to train on: queue empty
        deduplicate(store, actor)
    run_groups(store, actor)
