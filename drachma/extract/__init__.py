"""Extraction: reads report text into typed mentions (groups, people, places, forces, platforms,
dates, ages, outcomes, offences, statistics) with rules over spaCy; no statistical model needed."""

from drachma.extract.dates import find_report_date
from drachma.extract.pipeline import (
    CORPUS_FIELDS,
    Extractor,
    installed_models,
    to_corpus_annotation,
)

__all__ = [
    "CORPUS_FIELDS",
    "Extractor",
    "find_report_date",
    "installed_models",
    "to_corpus_annotation",
]
