"""CPIA disclosure for an investigation: MG6C (unused non-sensitive material), MG6D (sensitive
unused material, each with the reason it is sensitive) and MG6E (the disclosure officer's report,
pointing to items by number), as CSV and PDF; and redacted copies of exhibits.

Items are numbered consecutively per investigation across every schedule ever issued (one
counter, row-locked), and an item keeps its number when it is revised or moved between MG6C and
MG6D. Only the disclosure officer role edits; every change is audited.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import (
    DisclosureItemAdded,
    DisclosureItemRevised,
    DisclosureReportWritten,
    DisclosureScheduleRead,
    ExhibitRedacted,
)
from drachma.access.permissions import Permission
from drachma.errors import NotFoundError, ValidationError
from drachma.evidence.custody import check_reason, record_event
from drachma.evidence.exhibits import Handover, Receipt, add_exhibits
from drachma.evidence.locker import Locker
from drachma.evidence.receipt import latin, uk_time
from drachma.model.evidence import CustodyAction, DisclosureItem
from drachma.store import evidence as evidence_store
from drachma.store.db import Store

SCHEDULES = ("MG6C", "MG6D")
MAX_DESCRIPTION = 2000
TITLES = {
    "MG6C": "MG6C Police schedule of non-sensitive unused material",
    "MG6D": "MG6D Police schedule of sensitive material",
    "MG6E": "MG6E Disclosure officer's report",
}


@dataclass(frozen=True, slots=True)
class OfficerReport:
    revision: int
    text: str
    items: list[int]
    created_at: datetime


def _check_schedule(schedule: str) -> str:
    value = schedule.strip().upper()
    if value not in SCHEDULES:
        raise ValidationError(f"schedule {schedule!r} is not MG6C or MG6D", field="schedule")
    return value


def _check_text(text: str, name: str) -> str:
    value = (text or "").strip()
    if not value:
        raise ValidationError(f"the {name} is required", field=name)
    if len(value) > MAX_DESCRIPTION:
        raise ValidationError(f"the {name} is longer than {MAX_DESCRIPTION} characters",
                              field=name)
    return value


def _investigation(store: Store, investigation_id: int) -> str:
    with store.begin() as conn:
        reference = evidence_store.investigation_reference(conn, investigation_id)
    if reference is None:
        raise NotFoundError(f"no investigation {investigation_id}", field="investigation")
    return reference


def _sensitivity(schedule: str, sensitivity: str | None) -> str | None:
    if schedule == "MG6D":
        return _check_text(sensitivity or "", "reason for sensitivity")
    if sensitivity:
        raise ValidationError("only MG6D items carry a reason for sensitivity",
                              field="sensitivity")
    return None


def add_item(store: Store, actor: Actor, investigation_id: int, schedule: str,
             description: str, *, sensitivity: str | None = None,
             exhibit: str | None = None) -> DisclosureItem:
    """Schedule an item; it gets the investigation's next item number."""
    actor.require(Permission.EDIT_DISCLOSURE)
    schedule = _check_schedule(schedule)
    description = _check_text(description, "description")
    sensitivity = _sensitivity(schedule, sensitivity)
    _investigation(store, investigation_id)
    with store.begin() as conn:
        exhibit_id = None
        if exhibit:
            exhibit_id = evidence_store.exhibit_id(conn, exhibit.strip().upper())
            if exhibit_id is None:
                raise NotFoundError(f"no exhibit {exhibit}", field="exhibit")
        number = evidence_store.allocate_item_number(conn, investigation_id)
        evidence_store.insert_item(conn, investigation_id=investigation_id, number=number,
                                   schedule=schedule, description=description,
                                   sensitivity=sensitivity, exhibit_id=exhibit_id,
                                   actor_name=actor.name)
        audit.record(conn, actor, DisclosureItemAdded(item=f"{investigation_id}/{number}",
                                                      schedule=schedule))
    return next(i for i in schedule_items(store, actor, investigation_id) if i.number == number)


def revise_item(store: Store, actor: Actor, investigation_id: int, number: int, *,
                description: str | None = None, schedule: str | None = None,
                sensitivity: str | None = None) -> DisclosureItem:
    """Revise an item's description or move it between schedules; its number never changes."""
    actor.require(Permission.EDIT_DISCLOSURE)
    current = {i.number: i for i in schedule_items(store, actor, investigation_id)}.get(number)
    if current is None:
        raise NotFoundError(f"investigation {investigation_id} has no item {number}",
                            field="item")
    new_schedule = _check_schedule(schedule) if schedule else current.schedule
    values: dict[str, str | None] = {
        "schedule": new_schedule,
        "description": _check_text(description, "description") if description is not None
        else current.description,
        "sensitivity": _sensitivity(new_schedule, sensitivity if sensitivity is not None
                                    else current.sensitivity if new_schedule == "MG6D"
                                    else None),
        "updated_by": actor.name,
    }
    with store.begin() as conn:
        evidence_store.update_item(conn, investigation_id, number, values)
        audit.record(conn, actor, DisclosureItemRevised(
            item=f"{investigation_id}/{number}", schedule=f"{current.schedule}->{new_schedule}"))
    return next(i for i in schedule_items(store, actor, investigation_id) if i.number == number)


def schedule_items(store: Store, actor: Actor, investigation_id: int,
                   schedule: str | None = None) -> list[DisclosureItem]:
    actor.require(Permission.MANAGE_EVIDENCE)
    chosen = _check_schedule(schedule) if schedule else None
    with store.begin() as conn:
        items = evidence_store.list_items(conn, investigation_id, chosen)
        audit.record(conn, actor, DisclosureScheduleRead(
            schedule=f"{investigation_id}/{chosen or 'all'}"))
    return items


def write_report(store: Store, actor: Actor, investigation_id: int, text: str,
                 items: list[int]) -> OfficerReport:
    """A new revision of the MG6E report; the items it points to must exist."""
    actor.require(Permission.EDIT_DISCLOSURE)
    text = _check_text(text, "report")
    known = {i.number for i in schedule_items(store, actor, investigation_id)}
    unknown = sorted(set(items) - known)
    if unknown:
        raise ValidationError(f"the report points to item {unknown[0]}, which is on no "
                              "schedule of this investigation", field="items")
    with store.begin() as conn:
        revision = evidence_store.insert_report(conn, investigation_id=investigation_id,
                                                text=text, items=sorted(set(items)),
                                                actor_name=actor.name)
        audit.record(conn, actor, DisclosureReportWritten(
            revision=f"{investigation_id}/{revision}"))
    report = officer_report(store, actor, investigation_id)
    assert report is not None
    return report


def officer_report(store: Store, actor: Actor, investigation_id: int) -> OfficerReport | None:
    actor.require(Permission.MANAGE_EVIDENCE)
    with store.begin() as conn:
        found = evidence_store.latest_report(conn, investigation_id)
    return None if found is None else OfficerReport(*found)


# --- CSV and PDF ---


def schedule_rows(store: Store, actor: Actor, investigation_id: int,
                  schedule: str) -> tuple[str, list[str], list[list[str]]]:
    """(title, header, rows) of MG6C, MG6D or MG6E for an investigation."""
    reference = _investigation(store, investigation_id)
    kind = schedule.strip().upper()
    if kind == "MG6E":
        report = officer_report(store, actor, investigation_id)
        title = f"{TITLES['MG6E']}: {reference}"
        if report is None:
            return title, ["revision", "report", "items"], []
        return title, ["revision", "report", "items"], [
            [str(report.revision), report.text, ", ".join(str(i) for i in report.items)]]
    kind = _check_schedule(kind)
    items = schedule_items(store, actor, investigation_id, kind)
    header = ["item", "description", "exhibit"] + (["reason for sensitivity"]
                                                    if kind == "MG6D" else [])
    rows = [[str(i.number), i.description, i.exhibit_reference or ""]
            + ([i.sensitivity or ""] if kind == "MG6D" else []) for i in items]
    return f"{TITLES[kind]}: {reference}", header, rows


def schedule_csv(store: Store, actor: Actor, investigation_id: int, schedule: str) -> str:
    title, header, rows = schedule_rows(store, actor, investigation_id, schedule)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([title])
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def schedule_pdf(store: Store, actor: Actor, investigation_id: int, schedule: str) -> bytes:
    title, header, rows = schedule_rows(store, actor, investigation_id, schedule)
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 8, latin(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(0, 6, f"Produced {uk_time(datetime.now(UTC))}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    with pdf.table(text_align="LEFT") as table:
        table.row([latin(h) for h in header])
        for row in rows:
            table.row([latin(cell) for cell in row])
    return bytes(pdf.output())


# --- redacted copies ---


def add_redacted_copy(store: Store, actor: Actor, locker: Locker, original: str, path: Path,
                      reason: str, producer: str) -> Receipt:
    """Take in a redacted copy as a new exhibit linked to its original (which never changes);
    the original's history records that a copy was made."""
    reason = check_reason(reason)
    with store.begin() as conn:
        source = evidence_store.get_exhibit(conn, original.strip().upper())
    if source is None or source.id is None:
        raise NotFoundError(f"no exhibit {original}", field="original")
    receipt = add_exhibits(store, actor, locker, [path], Handover(
        producer, f"redaction of {source.reference}", reason,
        description=f"Redacted copy of {source.reference}: {source.description}"[:500],
        category=source.disclosure_category, links=tuple(source.links)))
    with store.begin() as conn:
        evidence_store.set_redaction_of(conn, receipt.lines[0].reference, source.id)
        record_event(conn, exhibit_id=source.id, reference=source.reference,
                     sha256=source.sha256, action=CustodyAction.COPIED, actor_name=actor.name,
                     reason=f"redacted copy {receipt.lines[0].reference}: {reason}")
        audit.record(conn, actor, ExhibitRedacted(reference=receipt.lines[0].reference,
                                                  redaction_of=source.reference))
    return receipt
