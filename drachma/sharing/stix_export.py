"""An export as a STIX 2.1 bundle (the ``stix2`` library).

Mapping (``docs/sharing.md``): a report is a ``report``; an incident an ``incident``; its place a
``location``; a group a ``threat-actor`` of type ``activist`` (not an ``intrusion-set``: police
know the group by the name it chose and the people behind it, which is what STIX means by a
threat actor; an intrusion set is a cluster of behaviour and tooling whose owner may be unknown);
the subject of a group's allegation an ``identity`` of class ``individual`` whose description
says the allegation is unproven, joined to the incident by a relationship of type
``subject-of-allegation-in``, never one that states an offence. A group is ``named-in`` an
incident; an incident is ``located-at`` its place.

Each report carries its 3x5x2 grading three ways: a custom marking ``x-uk-3x5x2-grading`` (the
machine-readable code, and the conditions of handling code C), a statement marking saying the
same in words (readable by any STIX tool), and TLP (GREEN for P, AMBER for C) so a tool that reads
only TLP still keeps it from the public. Other objects carry a statement marking: police records,
not graded, not for publication; a person's adds that the allegation is unproven.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import stix2
from stix2.properties import StringProperty
from stix2.v21 import CustomMarking

from drachma.incidents.records import force_name
from drachma.model.grading import HandlingCode
from drachma.model.incident import SubjectRole
from drachma.sharing.shared import Shared, SharedIncident, SharedPerson, SharedReport
from drachma.sharing.wording import (
    NOT_GRADED,
    PERSON_STATEMENT,
    grading_statement,
    incident_description,
    person_description,
    report_text,
)

GRADING_MARKING = "x-uk-3x5x2-grading"
DEFAULT_SENDER = "UK police force (Drachma)"


class _GradingMarking:
    """The 3x5x2 grading as a STIX custom marking (``definition_type`` ``x-uk-3x5x2-grading``)."""


# Registered with stix2 on import, so that stix2.parse reads these markings back.
GradingMarking: Any = CustomMarking(GRADING_MARKING, [
    ("code", StringProperty(required=True)),
    ("source_evaluation", StringProperty(required=True)),
    ("intelligence_assessment", StringProperty(required=True)),
    ("handling_code", StringProperty(required=True)),
    ("handling_conditions", StringProperty()),
])(_GradingMarking)


def _stix_time(value: datetime) -> datetime:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=(aware.microsecond // 1000) * 1000)


class _Ids:
    """Stable STIX ids: the same record from the same sender gets the same id in every export
    (UUIDv5 under a namespace made from the sender's name), so a receiver can match updates."""

    def __init__(self, sender: str) -> None:
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, "drachma:" + sender)

    def __call__(self, stix_type: str, key: str) -> str:
        return f"{stix_type}--{uuid.uuid5(self.namespace, f'{stix_type}:{key}')}"


class _Builder:
    def __init__(self, shared: Shared, sender: str) -> None:
        self.shared = shared
        self.ids = _Ids(sender)
        self.created = _stix_time(shared.exported_at)
        self.objects: dict[str, Any] = {}
        self.sender = stix2.v21.Identity(
            id=self.ids("identity", "sender"), name=sender, identity_class="organization",
            created=self.created, modified=self.created)
        self.add(self.sender)
        self.not_graded = self._statement("not-graded", NOT_GRADED)
        self.person_marking = self._statement("person", PERSON_STATEMENT)

    def add(self, obj: Any) -> Any:
        self.objects.setdefault(obj.id, obj)
        return self.objects[obj.id]

    def _statement(self, key: str, text: str) -> Any:
        return self.add(stix2.v21.MarkingDefinition(
            id=self.ids("marking-definition", "statement:" + key + ":" + text),
            created=self.created, definition_type="statement",
            definition=stix2.v21.StatementMarking(statement=text),
            created_by_ref=self.sender.id))

    def common(self, markings: list[str]) -> dict[str, Any]:
        return {"created": self.created, "modified": self.created,
                "created_by_ref": self.sender.id, "object_marking_refs": markings}

    # ----------------------------------------------------------------------------------------

    def grading_markings(self, report: SharedReport) -> list[str]:
        grading = report.grading
        conditions = grading.conditions or None
        custom = self.add(stix2.v21.MarkingDefinition(
            id=self.ids("marking-definition", f"grading:{grading.code}:{conditions or ''}"),
            created=self.created, created_by_ref=self.sender.id,
            name=f"3x5x2 {grading.code}", definition_type=GRADING_MARKING,
            definition=GradingMarking(
                code=grading.code, source_evaluation=grading.source.value,
                intelligence_assessment=grading.intelligence.value,
                handling_code=grading.handling.value, handling_conditions=conditions)))
        statement = self._statement(f"grading:{grading.code}", grading_statement(grading))
        tlp = stix2.TLP_AMBER if grading.handling is HandlingCode.CONDITIONS else stix2.TLP_GREEN
        self.add(tlp)
        return [custom.id, statement.id, tlp.id]

    def location(self, incident: SharedIncident) -> str | None:
        place = incident.place
        if place is None:
            return None
        coords: dict[str, Any] = {}
        if place.latitude is not None and place.longitude is not None:
            coords = {"latitude": place.latitude, "longitude": place.longitude}
        key = f"{place.name}|{place.district or ''}|{place.force or ''}"
        return str(self.add(stix2.v21.Location(
            id=self.ids("location", key), name=place.name, country="GB",
            administrative_area=place.district or None, **coords,
            **self.common([self.not_graded.id]))).id)

    def group(self, name: str) -> str:
        found = next((g for g in self.shared.groups if g.name == name), None)
        aliases = list(found.aliases) if found else []
        lines = ["An online child abuse activist group (OCAG) as police know it."]
        if found:
            confirmed = "confirmed by an analyst" if found.confirmed else "not yet confirmed"
            lines.append(f"Status: {found.status}; {confirmed}.")
            if found.area_force:
                lines.append(f"Area: {force_name(found.area_force)}.")
            if found.pages:
                lines.append("Its own public pages: " + ", ".join(found.pages))
        return str(self.add(stix2.v21.ThreatActor(
            id=self.ids("threat-actor", name.lower()), name=name, aliases=aliases or None,
            threat_actor_types=["activist"], description="\n".join(lines),
            **self.common([self.not_graded.id]))).id)

    def relationship(self, source: str, kind: str, target: str, description: str) -> str:
        return str(self.add(stix2.v21.Relationship(
            id=self.ids("relationship", f"{source}|{kind}|{target}"), source_ref=source,
            target_ref=target, relationship_type=kind, description=description,
            **self.common([self.not_graded.id]))).id)

    def incident(self, incident: SharedIncident) -> str:
        stix_id = self.ids("incident", str(incident.id))
        self.add(stix2.v21.Incident(
            id=stix_id, name=f"Incident {incident.id}: confrontation by "
                             f"{', '.join(incident.groups) or 'a group'}",
            description=incident_description(incident),
            **self.common([self.not_graded.id])))
        location = self.location(incident)
        if location:
            self.relationship(stix_id, "located-at", location,
                              "Where the incident happened, as recorded.")
        for name in incident.groups:
            self.relationship(self.group(name), "named-in", stix_id,
                              "The group is named in this incident record.")
        return stix_id

    def person(self, person: SharedPerson, incidents: dict[int, str]) -> str:
        stix_id = self.ids("identity", person.key)
        self.add(stix2.v21.Identity(
            id=stix_id, name=person.name, identity_class="individual",
            description=person_description(person),
            **self.common([self.person_marking.id])))
        for incident_id in person.incident_ids:
            if incident_id in incidents:
                self.relationship(
                    stix_id, "subject-of-allegation-in", incidents[incident_id],
                    f"Named by the group as {SubjectRole.SUBJECT.label} of its allegation in "
                    "this incident. The allegation is unproven; it is not a finding of guilt.")
        return stix_id

    def report(self, report: SharedReport, incidents: dict[int, str]) -> str:
        refs = [incidents[i] for i in report.incident_ids if i in incidents]
        return str(self.add(stix2.v21.Report(
            id=self.ids("report", str(report.id)), name=report.title,
            description=report_text(report), published=_stix_time(report.received_at),
            report_types=["incident" if refs else "threat-report"],
            object_refs=refs or [self.sender.id],
            labels=[f"source-kind:{report.source_kind}"],
            **self.common(self.grading_markings(report)))).id)


def stix_bundle(shared: Shared, *, sender: str = DEFAULT_SENDER) -> stix2.v21.Bundle:
    """The bundle for ``shared``; every object and marking is built (and checked) by ``stix2``."""
    builder = _Builder(shared, sender.strip() or DEFAULT_SENDER)
    incidents = {i.id: builder.incident(i) for i in shared.incidents}
    for group in shared.groups:
        builder.group(group.name)
    for person in shared.persons:
        builder.person(person, incidents)
    for report in shared.reports:
        builder.report(report, incidents)
    return stix2.v21.Bundle(objects=list(builder.objects.values()))


def stix_json(shared: Shared, *, sender: str = DEFAULT_SENDER) -> bytes:
    # Not stix2's pretty=True: its key ordering is quadratic (minutes for 2,000 reports).
    return str(stix_bundle(shared, sender=sender).serialize()).encode("utf-8")


