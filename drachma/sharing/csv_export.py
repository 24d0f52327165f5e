"""An export as one CSV file: one row per record, the same columns for every kind.

A cell that a spreadsheet would run as a formula (starting ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) gets a leading apostrophe: text from outside (a group's post, a report) must not
become a formula on the receiving analyst's machine (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io

from drachma.model.dates import uk_datetime
from drachma.sharing.shared import Shared
from drachma.sharing.wording import (
    NOT_GRADED,
    PERSON_STATEMENT,
    PROFILE_STATEMENT,
    grading_statement,
    incident_description,
    person_description,
    report_text,
)

COLUMNS = ("record", "id", "name", "date", "place", "force", "grading", "handling_conditions",
           "text", "linked_incidents", "marking")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _ids(values: tuple[int, ...]) -> str:
    return " ".join(str(v) for v in values)


def csv_rows(shared: Shared) -> list[dict[str, str]]:
    rows: list[dict[str, object]] = []
    for group in shared.groups:
        about = [f"status: {group.status}"]
        if group.aliases:
            about.append(f"aliases: {', '.join(group.aliases)}")
        if group.pages:
            about.append(f"pages: {', '.join(group.pages)}")
        rows.append({"record": "group", "id": group.id or "", "name": group.name,
                     "force": group.area_force, "text": "; ".join(about),
                     "marking": NOT_GRADED})
    for incident in shared.incidents:
        rows.append({"record": "incident", "id": incident.id,
                     "name": f"Incident {incident.id}", "date": uk_datetime(incident.occurred_at),
                     "place": incident.place.name if incident.place else "",
                     "force": incident.force, "text": incident_description(incident),
                     "marking": NOT_GRADED})
    for person in shared.persons:
        rows.append({"record": "person", "id": person.key, "name": person.name,
                     "date": person.date_of_birth.isoformat() if person.date_of_birth else "",
                     "text": person_description(person),
                     "linked_incidents": _ids(person.incident_ids),
                     "marking": PERSON_STATEMENT})
        for statement in person.profile:  # one row per value of the linkage profile
            dated = statement.property == "date of birth"
            rows.append({"record": "person statement", "id": person.key,
                         "name": "" if dated else statement.value,
                         "date": statement.value if dated else "",
                         "text": f"{statement.property}: {statement.source}",
                         "marking": PROFILE_STATEMENT})
    for report in shared.reports:
        rows.append({"record": "report", "id": report.id, "name": report.title,
                     "date": uk_datetime(report.received_at), "force": report.force,
                     "grading": report.grading.code,
                     "handling_conditions": report.grading.conditions,
                     "text": report_text(report),
                     "linked_incidents": _ids(report.incident_ids),
                     "marking": grading_statement(report.grading)})
    return [{column: safe_cell(row.get(column)) for column in COLUMNS} for row in rows]


def csv_text(shared: Shared) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(csv_rows(shared))
    # A byte-order mark so spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
