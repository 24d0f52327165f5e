"""The words every export format uses for the same thing, so that STIX, FollowTheMoney and CSV
say the same: a person is the subject of an unproven allegation, a report's raw text is withheld
when it has no sanitised version, a grading is spelt out."""

from __future__ import annotations

from drachma.incidents.records import force_name
from drachma.model.dates import uk_datetime
from drachma.model.grading import Grading
from drachma.sharing.shared import SharedIncident, SharedPerson, SharedReport

NOT_GRADED = ("Police record shared for a policing purpose. Not graded with 3x5x2; the reports "
              "it is linked to carry their own grading. Not for publication.")
PERSON_STATEMENT = ("Personal data, shared for a policing purpose. This person is named as the "
                    "subject of an allegation made by an activist group. The allegation is "
                    "unproven: nothing here states that the person committed an offence. Not "
                    "for publication.")
TEXT_WITHHELD = ("Text withheld: this report has no sanitised version, and its raw text may "
                 "identify the source. Ask the sending force for a sanitised copy.")


def grading_statement(grading: Grading) -> str:
    text = f"3x5x2 grading {grading.describe()}."
    if grading.conditions:
        text += f" Handling conditions: {grading.conditions}"
    return text


def report_text(report: SharedReport) -> str:
    return report.text or TEXT_WITHHELD


def incident_description(incident: SharedIncident) -> str:
    lines = [f"A confrontation by an online child abuse activist group, recorded by police. "
             f"When: {uk_datetime(incident.occurred_at)} (UK time)."]
    if incident.place:
        where = incident.place.name
        if incident.place.district and incident.place.district != where:
            where += f", {incident.place.district}"
        lines.append(f"Where: {where}.")
    if incident.force:
        lines.append(f"Police force area: {force_name(incident.force)}.")
    if incident.groups:
        lines.append("Group(s) named: " + ", ".join(incident.groups) + ".")
    if incident.decoy_age_claimed is not None:
        lines.append(f"Age the decoy claimed: {incident.decoy_age_claimed}.")
    if incident.live_streamed:
        lines.append("Live-streamed" + (f" on {incident.platform}." if incident.platform
                                        else "."))
    lines.append("Police attended." if incident.police_attended else "Police attendance not "
                 "recorded.")
    if incident.outcome:
        lines.append(f"Outcome recorded: {incident.outcome}.")
    lines.append(f"Status: {incident.status}.")
    return "\n".join(lines)


def person_description(person: SharedPerson) -> str:
    lines = ["Named as the subject of an allegation made by an online child abuse activist "
             "group. The allegation is unproven: this record does not state that the person "
             "committed any offence."]
    if person.aliases:
        lines.append("Also known as: " + ", ".join(person.aliases) + ".")
    if person.date_of_birth:
        lines.append(f"Date of birth as recorded: {person.date_of_birth.isoformat()}.")
    lines += profile_lines(person)
    return "\n".join(lines)


PROFILE_STATEMENT = ("Linked records: an analyst confirmed that these records are about one "
                     "person. Each value is given with the record that said it; the records may "
                     "disagree, and none of them is a finding.")


def profile_lines(person: SharedPerson) -> list[str]:
    """The person's linkage profile, one value a line with the record that said it."""
    if not person.profile:
        return []
    return [PROFILE_STATEMENT, *(f"- {s.property}: {s.value} ({s.source})"
                                 for s in person.profile)]
