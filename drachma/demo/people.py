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

from datetime import UTC, date, datetime

from drachma.model.entities import Group, GroupStatus, Person
from drachma.model.grading import parse_grading
from drachma.model.incident import IncidentSubject, InvestigationSubject, SubjectRole
from drachma.model.mention import Mention, MentionType, Review
from drachma.model.report import Report, SourceKind
from drachma.safeguarding.deconfliction import keys_for
from drachma.store import entities as entity_store
from drachma.store import groups as group_store
from drachma.store import incidents as incident_store
from drachma.store import mentions as mention_store
from drachma.store import reports as report_store
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
        ("mention", "Dan Pellingham", None, None, None, ["dan_pell84"]),
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
        ("mention", "Steve Wolstenholm", None, None, None, ["stevewolst"]),
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
        ("mention", "Jonny Hebblethwaite", None, None, None, ["jonnyhebb88"]),
    ),
    (
        # Another man of the same name as the first: nothing else in common.
        ("person", "Daniel Pellingham", date(1961, 10, 30), "2 Harbour Row, Truro", "TR1 2HD",
         []),
    ),
)


def _confirmed_mention(conn: Connection, name: str, handles: list[str], now: datetime) -> None:
    """An invented group post naming the man, with the name read out and confirmed by an
    analyst (the post says where he was named, not what he did)."""
    handle = f" (@{handles[0]})" if handles else ""
    body = (f"Screenshot of a post on an activist group's page naming {name}{handle} and "
            "saying the group had passed chat logs to the police. Invented demo text.")
    report = Report(title=f"Group post naming {name}", body=body, received_at=now,
                    source_kind=SourceKind.GROUP, grading=parse_grading("2CP"))
    report_id = report_store.insert_report(conn, report)
    start = body.index(name)
    found = Mention(type=MentionType.PERSON, start=start, end=start + len(name), text=name,
                    value=name, confidence=0.9,
                    attributes={"handle": handles[0]} if handles else {})
    (mention,) = mention_store.replace_pending(conn, report_id, [found])
    mention_store.record_review(conn, mention, decision=Review.CONFIRMED, actor_id=None,
                                actor_name="demo")


def load_demo_people(store: Store, *, incident_ids: list[int] | None = None,
                     investigation_ids: list[int] | None = None) -> int:
    """Insert the invented variant people (and the two variant groups); returns how many
    records were added. Incident subjects and investigation subjects are attached to the first
    incidents and investigations of the store; each confirmed mention comes with a new invented
    report (a group's post) that names the man."""
    now = datetime.now(UTC)
    with store.begin() as conn:
        incidents = incident_ids if incident_ids is not None else incident_store.all_incident_ids(
            conn)
        if investigation_ids is None:
            rows, _ = sg_store.list_investigations(conn, limit=100, offset=0)
            investigation_ids = [int(r.id) for r in rows]
    added = 0
    positions = {"incident_subject": 0, "investigation_subject": 0}
    with store.begin() as conn:
        for person in DEMO_VARIANT_PEOPLE:
            for kind, name, dob, address, postcode, handles in person:
                if kind == "person":
                    entity_store.insert_persons(conn, [Person(
                        name=name, date_of_birth=dob,
                        addresses=[f"{address} {postcode}".strip()] if address else [])])
                elif kind == "incident_subject" and incidents:
                    incident_id = incidents[positions[kind] % len(incidents)]
                    incident_store.insert_subject(conn, incident_id, IncidentSubject(
                        role=SubjectRole.SUBJECT, name=name, date_of_birth=dob,
                        address=address, postcode=postcode, handles=handles))
                elif kind == "investigation_subject" and investigation_ids:
                    subject = InvestigationSubject(
                        name=name, date_of_birth=dob, postcodes=[postcode] if postcode else [],
                        handles=handles,
                        investigation_id=investigation_ids[positions[kind]
                                                           % len(investigation_ids)])
                    sg_store.insert_investigation_subjects(conn, [subject], [keys_for(subject)])
                elif kind == "mention":
                    _confirmed_mention(conn, name, handles, now)
                else:
                    continue
                positions[kind] = positions.get(kind, 0) + 1
                added += 1
        for group in group_store.all_groups(conn, confirmed_only=True)[:2]:
            variant = f"Team {group.name} UK"
            if group_store.find_group(conn, variant) is None:
                group_store.insert_group(conn, Group(
                    name=variant, pages=list(group.pages), area_force=group.area_force,
                    status=GroupStatus.ACTIVE, confirmed=False))
                added += 1
    return added


def link_demo(store: Store) -> None:
    """Train the person model on the demo records and fill the review queues (people, groups)."""
    from drachma.access.actor import system_actor
    from drachma.link.groups import run_groups
    from drachma.link.linkage import run, train

    actor = system_actor("demo")
    train(store, actor)
    run(store, actor)
    run_groups(store, actor)
