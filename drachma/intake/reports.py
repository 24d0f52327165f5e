"""Moved to :mod:`drachma.reports` (issue 7). Kept only so branches written before the move still
import; nothing in Drachma imports it (``tests/test_layout.py`` checks), and it goes once those
branches are merged."""

from drachma.reports import (
    DEFAULT_REVIEW_YEARS,
    ReportDraft,
    add_report,
    content_hash,
    get_report,
    list_reports,
    parse_filters,
    parse_source_kind,
    search_reports,
    validate,
)

__all__ = [
    "DEFAULT_REVIEW_YEARS",
    "ReportDraft",
    "add_report",
    "content_hash",
    "get_report",
    "list_reports",
    "parse_filters",
    "parse_source_kind",
    "search_reports",
    "validate",
]
