"""Uploaded files taken in, one run each: behind the upload page and ``POST /api/ingest``.

The web layer only turns the multipart request into ``(file name, stream)`` pairs and the
:class:`UploadOutcome` list into a page or JSON; what an outcome is, and what counts as a failure,
is decided here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from drachma.access.actor import Actor
from drachma.access.permissions import Permission
from drachma.errors import DrachmaError
from drachma.intake.ingest import DEFAULT_GRADING, IngestFailure, IngestOptions, ingest_upload
from drachma.store.db import Store

# Every upload request is limited in size (the web layer refuses more before reading it).
UPLOAD_LIMIT_BYTES = 50 * 1024 * 1024
UPLOAD_LIMIT_TEXT = "50 MB"
NOTHING_FOUND = "no report could be found in the file"

Outcome = Literal["stored", "duplicate", "partial", "failed"]


@dataclass(slots=True)
class UploadOutcome:
    """What became of one uploaded file."""

    filename: str
    run_id: int | None
    stored: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    failures: list[IngestFailure] = field(default_factory=list)

    @property
    def outcome(self) -> Outcome:
        """stored: new reports; duplicate: all already stored; partial: some items failed;
        failed: nothing was taken in."""
        if not self.stored and not self.duplicates:
            return "failed"
        if self.failures:
            return "partial"
        return "stored" if self.stored else "duplicate"


@dataclass(frozen=True, slots=True)
class UploadTotals:
    stored: int
    duplicates: int
    failed: int


def upload_totals(outcomes: Sequence[UploadOutcome]) -> UploadTotals:
    """Reports stored, duplicates and failures over all the files of one upload."""
    return UploadTotals(
        stored=sum(len(o.stored) for o in outcomes),
        duplicates=sum(len(o.duplicates) for o in outcomes),
        failed=sum(len(o.failures) for o in outcomes),
    )


def upload_options(grading: str | None, conditions: str | None, visible_to: Sequence[str],
                   source_kind: str | None) -> IngestOptions:
    """The options of an upload from what was typed, checked (an error names the bad field).

    An empty grading means the intake default (``2CP``); an empty source kind, the reader's guess.
    """
    return IngestOptions(
        grading=(grading or "").strip() or DEFAULT_GRADING,
        conditions=(conditions or "").strip() or None,
        visible_to=tuple(v for v in visible_to if v.strip()),
        source_kind=(source_kind or "").strip() or None,
    ).checked()


def ingest_files(store: Store, actor: Actor, files: Iterable[tuple[str, BinaryIO]],
                 options: IngestOptions, *, home: Path | None = None) -> list[UploadOutcome]:
    """Take in each ``(file name, stream)`` as its own run; one file failing never stops the others.

    A file with nothing in it that could be a report is a failure with that reason. Only a refusal
    (not logged in, not allowed) or an unreachable database stops the whole upload.
    """
    actor.require(Permission.INGEST)
    options = options.checked()
    outcomes: list[UploadOutcome] = []
    for filename, stream in files:
        name = filename or "upload"
        try:
            result = ingest_upload(store, actor, name, stream.read(), options, home=home)
        except DrachmaError as exc:
            if exc.http_status in (401, 403, 503):
                raise
            outcomes.append(UploadOutcome(name, None, failures=[
                IngestFailure(name, None, exc.message)]))
            continue
        outcome = UploadOutcome(result.filename, result.run_id, list(result.stored),
                                list(result.duplicates), list(result.failures))
        if not (outcome.stored or outcome.duplicates or outcome.failures):
            outcome.failures.append(IngestFailure(outcome.filename, None, NOTHING_FOUND))
        outcomes.append(outcome)
    return outcomes
