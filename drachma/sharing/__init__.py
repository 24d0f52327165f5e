"""Sharing with other forces and tools: exports as STIX 2.1, FollowTheMoney and CSV, and STIX
bundles from other forces taken in as graded reports for review (``docs/sharing.md``).

- :func:`export` gathers what a :class:`Selection` names under the actor's access rules
  (:mod:`drachma.sharing.shared`: audited, source identity stripped) and writes it in one format;
- :func:`import_stix` takes in a bundle (:mod:`drachma.sharing.stix_import`).

The CLI (``drachma export``, ``drachma import``), ``/api/export/...``, ``/api/import/stix`` and
the pages ``/sharing/export`` and ``/sharing/import`` call these and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from drachma.access.actor import Actor
from drachma.sharing.csv_export import csv_text
from drachma.sharing.ftm_export import ftm_lines
from drachma.sharing.shared import (
    MAX_RECORDS,
    ExportFormat,
    ExportKind,
    Selection,
    Shared,
    gather,
    parse_format,
    parse_kind,
)
from drachma.sharing.stix_export import DEFAULT_SENDER, stix_json
from drachma.sharing.stix_import import (
    DEFAULT_GRADING,
    MAX_BYTES,
    MAX_OBJECTS,
    BundleError,
    ImportResult,
    import_stix,
)
from drachma.store.db import Store

MEDIA_TYPES = {
    ExportFormat.STIX: "application/stix+json;version=2.1",
    ExportFormat.FTM: "application/x-ndjson",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}
SUFFIXES = {ExportFormat.STIX: "stix.json", ExportFormat.FTM: "ftm.ndjson",
            ExportFormat.CSV: "csv"}


@dataclass(frozen=True, slots=True)
class ExportFile:
    """An export ready to save or send: its name, media type and bytes."""

    filename: str
    media_type: str
    content: bytes
    records: int


def render(shared: Shared, fmt: ExportFormat, *, sender: str = DEFAULT_SENDER) -> bytes:
    if fmt is ExportFormat.STIX:
        return stix_json(shared, sender=sender)
    if fmt is ExportFormat.FTM:
        return ftm_lines(shared, sender=sender)
    return csv_text(shared)


def export(store: Store, actor: Actor, selection: Selection, fmt: ExportFormat, *,
           sender: str = DEFAULT_SENDER) -> ExportFile:
    """The export of ``selection`` as ``fmt``; only what ``actor`` may see, audited."""
    shared = gather(store, actor, selection, fmt)
    stamp = shared.exported_at.strftime("%Y%m%dT%H%M%SZ")
    name = selection.kind.value + (f"-{selection.record_id}" if selection.record_id else "")
    return ExportFile(f"drachma-{name}-{stamp}.{SUFFIXES[fmt]}", MEDIA_TYPES[fmt],
                      render(shared, fmt, sender=sender), shared.count)


__all__ = [
    "DEFAULT_GRADING",
    "DEFAULT_SENDER",
    "MAX_BYTES",
    "MAX_OBJECTS",
    "MAX_RECORDS",
    "BundleError",
    "ExportFile",
    "ExportFormat",
    "ExportKind",
    "ImportResult",
    "Selection",
    "export",
    "import_stix",
    "parse_format",
    "parse_kind",
    "parse_selection",
]


def parse_selection(kind: str, record_id: int | None = None, *,
                    report_filters: dict[str, str | None] | None = None,
                    incident_filters: dict[str, str | None] | None = None) -> Selection:
    """A selection from text as people type it: the kind, the record's number, and the same
    filters as the reports list (grading, source_kind, force, received_from, received_to) or the
    incidents list (since, until, area, force, group, status, risk)."""
    from drachma.incidents.records import parse_filters as incident_parse
    from drachma.reports import parse_filters as report_parse

    chosen = parse_kind(kind)
    if chosen is ExportKind.REPORTS:
        return Selection(chosen, report_filters=report_parse(**(report_filters or {})))
    if chosen is ExportKind.INCIDENTS:
        return Selection(chosen, incident_filters=incident_parse(**(incident_filters or {})))
    return Selection(chosen, record_id)
