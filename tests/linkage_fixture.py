"""A small invented world for the linkage tests: 80 background people (each a person record, half
of them also an incident subject, as the demo set has), two groups, one incident and one open
investigation, then the demo's variant people (:mod:`drachma.demo.people`) on top."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from drachma.demo.people import load_demo_people
from drachma.model.entities import Group, GroupStatus, Person
from drachma.model.grading import parse_grading
from drachma.model.incident import Incident, IncidentSubject, Investigation, SubjectRole
from drachma.model.mention import Mention, MentionType, Review
from drachma.model.report import Report, SourceKind
from drachma.model.roles import Role
from drachma.store import entities as entity_store
from drachma.store import groups as group_store
from drachma.store import incidents as incident_store
from drachma.store import linkage as link_store
from drachma.store import mentions as mention_store
from drachma.store.db import Store
from drachma.store.reports import insert_report

GIVEN = ["Adam", "Barry", "Colin", "Derek", "Edward", "Frank", "Gavin", "Harold", "Ivan", "Keith",
         "Lionel", "Martin", "Neville", "Oliver", "Philip", "Roger", "Simon", "Trevor"]
SURNAMES = ["Quenby", "Rattenbury", "Sallowfield", "Tanhouse", "Umberleigh", "Vardenfield",
            "Wrexholme", "Yelverton", "Zouchby", "Abbotsley", "Brimblecombe", "Cattermole",
            "Dunkerton", "Effingbury", "Fothergale", "Gillingtree"]


@dataclass(frozen=True, slots=True)
class World:
    incident_id: int
    investigation_id: int
    group_ids: list[int]
    restricted_mention_id: int
    restricted_name: str


def seed_world(store: Store) -> World:
    rng = random.Random(11)
    with store.begin() as conn:
        incident_id = entity_store.insert_incident(conn, Incident(
            occurred_at=datetime(2019, 5, 4, 20, 0, tzinfo=UTC), place="Rochdale",
            force="greater-manchester", groups=["Lantern Watch"]))
        investigation_id = entity_store.insert_investigation(conn, Investigation(
            reference="OP TESTLINK", owner="DS Invented", force="greater-manchester"))
        people = []
        for number in range(80):
            name = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"
            dob = date(1950, 1, 1) + timedelta(days=rng.randrange(18_000))
            people.append(Person(name=name, date_of_birth=dob,
                                 addresses=[f"{number + 1} Invented Street, Rochdale"]))
        entity_store.insert_persons(conn, people)
        for person in people[:40]:
            incident_store.insert_subject(conn, incident_id, IncidentSubject(
                role=SubjectRole.SUBJECT, name=person.name, date_of_birth=person.date_of_birth,
                address=person.addresses[0]))
        groups = [Group(name="Lantern Watch", aliases=["LW"],
                        pages=["https://www.facebook.com/lanternwatch"],
                        area_force="greater-manchester", status=GroupStatus.ACTIVE,
                        confirmed=True),
                  Group(name="Harbour Shield", pages=["https://www.facebook.com/harbourshield"],
                        area_force="merseyside", status=GroupStatus.ACTIVE, confirmed=True)]
        group_ids = [group_store.insert_group(conn, g) for g in groups]
    load_demo_people(store, incident_ids=[incident_id], investigation_ids=[investigation_id])
    with store.begin() as conn:
        # A report under handling code C (investigators only) naming a background man, with the
        # name confirmed: a mention record that analysts may not see.
        first = people[0]
        body = f"Restricted: a source names {first.name} as a member of a group's chat."
        report_id = insert_report(conn, Report(
            title="Restricted naming", body=body, received_at=datetime(2019, 5, 5, tzinfo=UTC),
            source_kind=SourceKind.OFFICER,
            grading=parse_grading("2BC", "investigators only"),
            visible_to=frozenset({Role.INVESTIGATOR})))
        start = body.index(first.name)
        (mention,) = mention_store.replace_pending(conn, report_id, [Mention(
            type=MentionType.PERSON, start=start, end=start + len(first.name), text=first.name,
            value=first.name, confidence=0.9)])
        mention_store.record_review(conn, mention, decision=Review.CONFIRMED, actor_id=None,
                                    actor_name="test")
    return World(incident_id, investigation_id, group_ids, mention.id or 0, first.name)


def record_id(store: Store, source_kind: str, source_id: int) -> int:
    with store.begin() as conn:
        found = link_store.record_by_source(conn, source_kind, source_id)
    assert found is not None
    return found.id


def source_ids(store: Store, surname: str) -> dict[str, list[int]]:
    """Linkage record ids by source kind for records whose surname starts with ``surname``."""
    found: dict[str, list[int]] = {}
    with store.begin() as conn:
        for record in link_store.iter_records(conn, "person"):
            if str(record.features.get("surname") or "").startswith(surname):
                found.setdefault(record.source_kind, []).append(record.id)
    return found
