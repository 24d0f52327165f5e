"""Incidents as plain JSON-ready dicts, for the CLI's ``--json``, the API and exports.

Wording: a person is "the subject" of an allegation; nothing here states guilt.
"""

from __future__ import annotations

from typing import Any

from drachma.incidents.checks import uk_time
from drachma.model.incident import IncidentDetail, IncidentSubject, TimelineEvent


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def incident_json(detail: IncidentDetail) -> dict[str, Any]:
    incident = detail.incident
    return {
        "id": incident.id,
        "occurred_at": _iso(incident.occurred_at),
        "occurred_uk": uk_time(incident.occurred_at),
        "place": incident.place,
        "address": detail.address,
        "district": detail.district,
        "force": incident.force,
        "groups": incident.groups,
        "decoy_age_claimed": incident.decoy_age_claimed,
        "live_streamed": incident.live_streamed,
        "platform": incident.platform,
        "stream_urls": incident.stream_urls,
        "viewers": incident.viewers,
        "police_called_at": _iso(detail.police_called_at),
        "police_arrived_at": _iso(detail.police_arrived_at),
        "police_attended": incident.police_attended,
        "outcome": incident.outcome,
        "status": detail.status.value,
        "risk_level": detail.risk_level,
        "report_ids": incident.report_ids,
        "read_by_machine": detail.machine_read,
        "created_by": detail.created_by,
    }


def subject_json(subject: IncidentSubject) -> dict[str, Any]:
    return {
        "id": subject.id,
        "role": subject.role.value,
        "role_label": subject.role.label,
        "name": subject.name,
        "aliases": subject.aliases,
        "date_of_birth": _iso(subject.date_of_birth),
        "address": subject.address,
        "postcode": subject.postcode,
        "handles": subject.handles,
    }


def event_json(event: TimelineEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind.value,
        "label": event.kind.label,
        "at": _iso(event.at),
        "at_uk": uk_time(event.at),
        "by": event.actor_name,
        "detail": event.detail,
    }
