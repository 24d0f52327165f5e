"""An export as FollowTheMoney entities (the ``followthemoney`` library), one JSON object a line:
what ``alephclient write-entities`` and ``ftm`` read, so Aleph can import it.

Mapping (``docs/sharing.md``): a group is an ``Organization``; a person a ``Person`` with a
``Note`` saying the allegation is unproven; an incident an ``Event`` with its place as an
``Address`` entity; a report a ``Document`` (title, sanitised text, grading in its description
and keywords) linked to its incidents by ``Documentation``. A person or group is joined to an
incident by an ``UnknownLink`` whose role says what the record says ("named as the subject of an
unproven allegation", "named in the incident record"), never ``involved`` or ``organizer``,
which would state a fact FollowTheMoney readers take as proven.
"""

from __future__ import annotations

import json

from followthemoney import model
from followthemoney.proxy import EntityProxy

from drachma.incidents.records import force_name
from drachma.sharing.shared import Shared, SharedIncident, SharedPerson, SharedReport
from drachma.sharing.stix_export import DEFAULT_SENDER
from drachma.sharing.wording import (
    NOT_GRADED,
    PERSON_STATEMENT,
    grading_statement,
    incident_description,
    person_description,
    profile_lines,
    report_text,
)


class _Entities:
    def __init__(self, sender: str) -> None:
        self.sender = sender
        self.entities: dict[str, EntityProxy] = {}

    def make(self, schema: str, *key: str) -> EntityProxy:
        entity = model.make_entity(schema)
        entity.make_id("drachma", self.sender, schema, *key)
        assert entity.id is not None
        return self.entities.setdefault(entity.id, entity)

    def link(self, subject: EntityProxy, target: EntityProxy, role: str) -> None:
        link = self.make("UnknownLink", str(subject.id), str(target.id))
        link.add("subject", subject)
        link.add("object", target)
        link.add("role", role)
        link.add("publisher", self.sender)

    def group(self, shared: Shared, name: str) -> EntityProxy:
        found = next((g for g in shared.groups if g.name == name), None)
        org = self.make("Organization", name.lower())
        org.add("name", name)
        org.add("country", "gb")
        org.add("publisher", self.sender)
        description = "An online child abuse activist group (OCAG) as police know it."
        if found:
            org.add("alias", list(found.aliases))
            org.add("website", list(found.pages), quiet=True)
            org.add("status", found.status)
            if found.area_force:
                org.add("jurisdiction", "gb")
                description += f" Area: {force_name(found.area_force)}."
        org.add("description", description + " " + NOT_GRADED)
        return org

    def incident(self, shared: Shared, incident: SharedIncident) -> EntityProxy:
        event = self.make("Event", "incident", str(incident.id))
        event.add("name", f"Incident {incident.id}: confrontation by "
                          f"{', '.join(incident.groups) or 'a group'}")
        event.add("date", incident.occurred_at.date().isoformat())
        event.add("description", incident_description(incident) + "\n" + NOT_GRADED)
        event.add("country", "gb")
        event.add("publisher", self.sender)
        if incident.place:
            place = incident.place
            address = self.make("Address", place.name, place.district or "", place.force or "")
            full = ", ".join(p for p in (place.name, place.district) if p)
            address.add("full", full)
            address.add("city", place.name)
            address.add("country", "gb")
            if place.latitude is not None and place.longitude is not None:
                address.add("latitude", place.latitude)
                address.add("longitude", place.longitude)
            event.add("location", full)
            event.add("addressEntity", address)
        for name in incident.groups:
            self.link(self.group(shared, name), event, "named in the incident record")
        return event

    def person(self, person: SharedPerson, events: dict[int, EntityProxy]) -> EntityProxy:
        entity = self.make("Person", person.key)
        entity.add("name", person.name)
        entity.add("alias", list(person.aliases))
        if person.date_of_birth:
            entity.add("birthDate", person.date_of_birth.isoformat())
        for statement in person.profile:  # provenance of each value: the profile's Note
            if statement.property == "date of birth":
                entity.add("birthDate", statement.value)
            elif statement.value.casefold() != person.name.casefold():
                entity.add("alias", statement.value)
        entity.add("description", person_description(person))
        entity.add("publisher", self.sender)
        note = self.make("Note", "person", person.key)
        note.add("entity", entity)
        note.add("name", "Unproven allegation")
        note.add("description", PERSON_STATEMENT)
        if person.profile:
            linked = self.make("Note", "profile", person.key)
            linked.add("entity", entity)
            linked.add("name", "Linked records")
            linked.add("description", "\n".join(profile_lines(person)))
        for incident_id in person.incident_ids:
            if incident_id in events:
                self.link(entity, events[incident_id],
                          "named as the subject of an unproven allegation")
        return entity

    def report(self, report: SharedReport, events: dict[int, EntityProxy]) -> EntityProxy:
        document = self.make("Document", "report", str(report.id))
        document.add("title", report.title)
        document.add("bodyText", report_text(report))
        document.add("date", report.received_at.date().isoformat())
        document.add("description", grading_statement(report.grading))
        document.add("keywords", [f"3x5x2:{report.grading.code}",
                                  f"source-kind:{report.source_kind}"])
        document.add("publisher", self.sender)
        for incident_id in report.incident_ids:
            if incident_id in events:
                link = self.make("Documentation", str(document.id), str(events[incident_id].id))
                link.add("document", document)
                link.add("entity", events[incident_id])
                link.add("role", "report linked to the incident")
        return document


def ftm_entities(shared: Shared, *, sender: str = DEFAULT_SENDER) -> list[EntityProxy]:
    built = _Entities(sender.strip() or DEFAULT_SENDER)
    events = {i.id: built.incident(shared, i) for i in shared.incidents}
    for group in shared.groups:
        built.group(shared, group.name)
    for person in shared.persons:
        built.person(person, events)
    for report in shared.reports:
        built.report(report, events)
    return list(built.entities.values())


def ftm_lines(shared: Shared, *, sender: str = DEFAULT_SENDER) -> bytes:
    """Line-delimited JSON, one entity a line, sorted keys (a stable file for the same data)."""
    return "".join(json.dumps(e.to_dict(), sort_keys=True, ensure_ascii=False) + "\n"
                   for e in ftm_entities(shared, sender=sender)).encode("utf-8")
