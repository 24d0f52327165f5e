"""Reports: add, read, list and search graded reports, and read the mentions out of a stored one.

The plain functions behind ``drachma reports ...``, the report pages and ``/api/reports``:

- :mod:`drachma.reports.drafts`: a report as submitted, checked (:func:`validate`) and stored
  (:func:`add_report`);
- :mod:`drachma.reports.read`: one report (:func:`get_report`, checked against its handling
  conditions and audited), a page of them (:func:`list_page`, by cursor or shallow offset),
  ranked full-text search (:func:`search_reports`) and filters typed by people
  (:func:`parse_filters`);
- :mod:`drachma.reports.mentions`: extraction run on a stored report (:func:`extract_report`,
  :func:`mentions_of`).

Taking in files in bulk is :mod:`drachma.intake`; reviewing mentions is :mod:`drachma.link`.
"""

from drachma.reports.drafts import (
    DEFAULT_REVIEW_YEARS,
    MAX_BODY,
    MAX_TITLE,
    ReportDraft,
    add_report,
    content_hash,
    parse_source_kind,
    validate,
)
from drachma.reports.mentions import extract_report, known_groups, mentions_of
from drachma.reports.read import (
    MAX_LIST_OFFSET,
    ReportList,
    SearchPage,
    get_report,
    list_page,
    list_reports,
    parse_filters,
    search_page,
    search_reports,
)

__all__ = [
    "DEFAULT_REVIEW_YEARS",
    "MAX_BODY",
    "MAX_LIST_OFFSET",
    "MAX_TITLE",
    "ReportDraft",
    "ReportList",
    "SearchPage",
    "add_report",
    "content_hash",
    "extract_report",
    "get_report",
    "known_groups",
    "list_page",
    "list_reports",
    "mentions_of",
    "parse_filters",
    "parse_source_kind",
    "search_page",
    "search_reports",
    "validate",
]
