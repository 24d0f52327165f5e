"""Bulk intake: files and folders (or an upload) in, graded reports out, resumable.

The plain functions behind ``drachma ingest``, the API and the upload page:

- :func:`ingest_paths` reads files and folders (recursively, streaming: memory stays flat however
  many items), makes each item a report with the run's default grading and source kind (per-item
  columns override), and stores them in batches. Each batch commits the reports, their audit
  events, their attachments, the failures met and how far each file got, together: a run that is
  interrupted loses nothing it reported as stored, and :func:`resume_run` (or running the same
  command again, thanks to content hashes) carries on without duplicates.
- :func:`ingest_upload` does the same for one uploaded file.

A file that cannot be read (empty, binary, undecodable, truncated) is a failure named with its
reason; the run goes on. Items already stored are recognised by their content hash and counted as
duplicates, never stored twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import IngestRunFinished, IngestRunResumed, IngestRunStarted, ReportAdded
from drachma.access.permissions import Permission
from drachma.analytics import upkeep
from drachma.config import load_evidence_settings, load_settings
from drachma.errors import ConstraintError, DrachmaError, NotFoundError, ValidationError
from drachma.evidence.blobs import BlobStore
from drachma.evidence.locker import open_blob_store
from drachma.intake.attachments import store_attachment
from drachma.intake.readers import (
    SNIFF_BYTES,
    IntakeAttachment,
    IntakeFileError,
    IntakeItem,
    Origin,
    ReadResult,
    UnreadableItem,
    check_format,
    choose_reader,
)
from drachma.intake.readers.base import MAX_WHOLE_FILE_BYTES
from drachma.intake.readers.eml import safe_filename
from drachma.intake.readers.mapping import parse_mapping
from drachma.model.grading import parse_grading
from drachma.model.report import Report, SourceKind
from drachma.model.roles import parse_role
from drachma.reports import ReportDraft, parse_source_kind, validate
from drachma.store import audit as audit_store
from drachma.store import intake as intake_store
from drachma.store import reports as report_store
from drachma.store.db import Connection, Store
from drachma.store.intake import AttachmentRecord, FailureRecord, FileProgress

DEFAULT_GRADING = "2CP"
DEFAULT_SOURCE_KIND = SourceKind.PUBLIC
BATCH_SIZE = 500
# A batch is also committed when the text (and attachments) waiting in it pass this size.
BATCH_BYTES = 32 * 1024 * 1024
# Failures kept in a result in memory; every failure is stored with the run and sent to listeners.
FAILURES_KEPT = 1000
UPLOAD_PREFIX = "upload:"


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """What a run applies to every item; per-item columns (when mapped) override the first four.

    ``source_kind`` None means the reader's guess (HTML: news, e-mail: public), else ``public``.
    """

    grading: str = DEFAULT_GRADING
    conditions: str | None = None
    visible_to: tuple[str, ...] = ()
    source_kind: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    format: str = "auto"
    batch_size: int = BATCH_SIZE

    def checked(self) -> IngestOptions:
        """The options with every value checked, or an error naming the bad one."""
        grading = parse_grading(self.grading, self.conditions)
        roles = tuple(parse_role(r).value for r in self.visible_to if r.strip())
        if grading.handling.value == "C" and not roles:
            raise ValidationError(
                "handling code C: name the roles the conditions allow with --visible-to",
                field="visible_to",
            )
        kind = parse_source_kind(self.source_kind).value if self.source_kind else None
        if self.batch_size < 1:
            raise ValidationError("batch size must be at least 1", field="batch_size")
        return IngestOptions(
            grading=grading.code, conditions=grading.conditions, visible_to=roles,
            source_kind=kind, mapping=dict(self.mapping), format=check_format(self.format),
            batch_size=self.batch_size,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "grading": self.grading, "conditions": self.conditions,
            "visible_to": list(self.visible_to), "source_kind": self.source_kind,
            "mapping": dict(self.mapping), "format": self.format, "batch_size": self.batch_size,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IngestOptions:
        return cls(
            grading=str(data.get("grading") or DEFAULT_GRADING),
            conditions=data.get("conditions"),
            visible_to=tuple(data.get("visible_to") or ()),
            source_kind=data.get("source_kind"),
            mapping=dict(data.get("mapping") or {}),
            format=str(data.get("format") or "auto"),
            batch_size=int(data.get("batch_size") or BATCH_SIZE),
        )


def options_from_cli(
    *, grading: str = DEFAULT_GRADING, conditions: str | None = None,
    visible_to: Sequence[str] = (), source_kind: str | None = None,
    mappings: Sequence[str] = (), fmt: str = "auto", batch_size: int = BATCH_SIZE,
) -> IngestOptions:
    """Options from the words a user typed (``--map title=Headline`` ...), checked."""
    return IngestOptions(
        grading=grading, conditions=conditions, visible_to=tuple(visible_to),
        source_kind=source_kind, mapping=parse_mapping(mappings), format=fmt,
        batch_size=batch_size,
    ).checked()


@dataclass(slots=True)
class IngestCounts:
    stored: int = 0
    duplicates: int = 0
    failed: int = 0

    @property
    def read(self) -> int:
        return self.stored + self.duplicates + self.failed

    def as_dict(self) -> dict[str, int]:
        return {"stored": self.stored, "duplicates": self.duplicates, "failed": self.failed}


@dataclass(frozen=True, slots=True)
class IngestFailure:
    """A file or an item of a file that was not taken in, and why."""

    file: str
    where: str | None
    reason: str

    def describe(self) -> str:
        return f"{self.file}{' ' + self.where if self.where else ''}: {self.reason}"

    def as_dict(self) -> dict[str, str | None]:
        return {"file": self.file, "where": self.where, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    origin: Origin
    status: Literal["stored", "duplicate"]
    report_id: int


class IngestListener:
    """Hooks a caller can override to follow a run (progress bar, per-failure lines, tests).

    ``item_read`` is called for each item before it is committed: an exception raised there
    stops the run as a crash would (the uncommitted batch is lost and resuming recovers it).
    """

    wants_total = False  # True: size up the input first (a streaming walk) for a progress total

    def started(self, run_id: int, total_bytes: int | None) -> None:
        """The run exists; ``total_bytes`` is set when ``wants_total``."""

    def item_read(self, origin: Origin) -> None:
        """An item was read (stored or not yet)."""

    def failed(self, failure: IngestFailure) -> None:
        """A file or item could not be taken in."""

    def progressed(self, bytes_done: int) -> None:
        """Bytes of input read so far."""

    def committed(self, outcomes: Sequence[ItemOutcome], totals: IngestCounts) -> None:
        """A batch was committed; ``totals`` counts this invocation so far."""


@dataclass(slots=True)
class IngestRunResult:
    """What a run (or this part of a resumed run) did; ``totals`` counts the whole run."""

    run_id: int
    counts: IngestCounts
    totals: IngestCounts
    failures: list[IngestFailure]
    finished: bool
    resumed: bool = False

    @property
    def nothing_read(self) -> bool:
        """True when there were failures and not one item could be read."""
        return self.counts.failed > 0 and self.counts.stored + self.counts.duplicates == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "finished": self.finished, "resumed": self.resumed,
            **self.counts.as_dict(), "totals": self.totals.as_dict(),
            "failures": [f.as_dict() for f in self.failures],
        }


@dataclass(slots=True)
class IngestItemResult:
    """The result of one upload: the reports stored, the duplicates (with their twin), failures."""

    filename: str
    run_id: int
    stored: list[int]
    duplicates: list[int]
    failures: list[IngestFailure]

    def as_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename, "run_id": self.run_id, "stored": self.stored,
            "duplicates": self.duplicates, "failures": [f.as_dict() for f in self.failures],
        }


def attachment_path(home: Path, sha256: str) -> Path:
    """Where a plain file with this SHA-256 is kept (content-addressed, under the home)."""
    return home / "attachments" / sha256[:2] / sha256


def keep_attachment(home: Path, data: bytes) -> tuple[str, str]:
    """Write the bytes once as a plain file, by their SHA-256; (sha256, path relative to home).

    E-mail attachments no longer come here (they go into the evidence blob store:
    :mod:`drachma.intake.attachments`); public reports' screenshots still do, until they move
    onto the blob store too. Files are read-only, without an extension, never opened.
    """
    digest = hashlib.sha256(data).hexdigest()
    target = attachment_path(home, digest)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{digest}.{uuid.uuid4().hex}.tmp")
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o440)
        os.replace(temporary, target)
    return digest, target.relative_to(home).as_posix()


# --- walking the input -------------------------------------------------------------------------


def _inside(root: Path, entry: os.DirEntry[str]) -> bool:
    """A symbolic link is followed only when it stays inside the folder given (security: a link
    to a system file in the inbox must not become a report every role can read)."""
    try:
        target = Path(entry.path).resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return target.is_relative_to(root) and target.is_file()


def _walk(root: Path) -> Iterator[Path]:
    """Files under a folder, depth first, streamed (hidden files and folders are left out;
    symbolic links only when they lead to a file inside the folder; linked folders never)."""
    root = root.resolve()
    stack = [root]
    while stack:
        folder = stack.pop()
        subfolders: list[str] = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        subfolders.append(entry.path)
                    elif entry.is_symlink():
                        if _inside(root, entry):
                            yield Path(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        yield Path(entry.path)
        except OSError:
            continue
        stack.extend(Path(p) for p in sorted(subfolders, reverse=True))


def _files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path


def _check_paths(paths: Sequence[str | Path]) -> list[Path]:
    if not paths:
        raise ValidationError("give at least one file or folder to take in", field="paths")
    checked: list[Path] = []
    for given in paths:
        path = Path(given).expanduser()
        if not path.exists():
            raise ValidationError(f"no such file or folder: {given}", field="paths")
        if not (path.is_dir() or path.is_file()):
            raise ValidationError(f"{given} is neither a file nor a folder", field="paths")
        checked.append(path.resolve())
    return checked


# --- the run -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Pending:
    report: Report
    origin: Origin
    attachments: list[IntakeAttachment]
    encoding: str | None


class _Run:
    def __init__(self, store: Store, actor: Actor, options: IngestOptions, run_id: int,
                 home: Path, listener: IngestListener, *, resuming: bool) -> None:
        self.store = store
        self.actor = actor
        self.options = options
        self.run_id = run_id
        self.home = home
        self._blobs: BlobStore | None = None
        self.listener = listener
        self.resuming = resuming
        self.counts = IngestCounts()
        self.failures: list[IngestFailure] = []
        self.pending: list[_Pending] = []
        self.pending_failures: list[FailureRecord] = []
        self.pending_files: dict[str, FileProgress] = {}
        self.pending_bytes = 0
        self.bytes_done = 0

    # Reading ------------------------------------------------------------------------------

    def take_files(self, sources: Iterator[tuple[Path, str]]) -> None:
        for path, display in sources:
            self.take_file(path, display)

    def take_file(self, path: Path, display: str) -> None:
        key = str(path)
        skip = 0
        if self.resuming:
            with self.store.begin() as conn:
                progress = intake_store.file_progress(conn, self.run_id, key)
            if progress is not None and progress.done:
                self._advance_file(path)
                return
            skip = progress.position if progress else 0
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError as exc:
            self._file_failed(key, display, None, f"cannot be read: {exc.strerror or exc}", 0)
            return
        self.take(key, display, path, head, size, skip)
        self._advance_file(path)

    def _advance_file(self, path: Path) -> None:
        with contextlib.suppress(OSError):
            self.bytes_done += path.stat().st_size
        self.listener.progressed(self.bytes_done)

    def take(self, key: str, display: str, source: Path | bytes, head: bytes, size: int,
             skip: int = 0) -> None:
        """Read one file and queue its items; ``skip`` items were committed by an earlier part."""
        position = skip
        try:
            reader = choose_reader(display, head, self.options.format, self.options.mapping,
                                   complete=len(head) >= size)
            if not reader.streams and size > MAX_WHOLE_FILE_BYTES:
                raise IntakeFileError(
                    f"file is {size / (1024 * 1024):.0f} MB; {reader.format} files over "
                    f"{MAX_WHOLE_FILE_BYTES // (1024 * 1024)} MB are not taken in")
            results = reader.read(source, display)
        except IntakeFileError as exc:
            self._file_failed(key, display, exc.where, exc.reason, position)
            return
        encoding: str | None = None
        while True:
            try:
                result: ReadResult = next(results)
            except StopIteration:
                break
            except IntakeFileError as exc:
                self._file_failed(key, display, exc.where, exc.reason, position + 1,
                                  encoding=encoding)
                return
            except Exception as exc:
                # Whatever a reader or the library under it trips on (a malformed e-mail, an
                # I/O error), it is this file's failure, never the end of the run.
                reason = f"cannot be read ({type(exc).__name__}: {exc})"
                self._file_failed(key, display, None, reason, position + 1, encoding=encoding)
                return
            index = result.origin.index
            if index < skip:
                continue
            origin = Origin(display, index, result.origin.where, result.origin.offset)
            self.listener.item_read(origin)
            if isinstance(result, UnreadableItem):
                self._item_failed(key, origin, result.reason)
            else:
                encoding = encoding or result.encoding
                self._queue(key, result, origin)
            position = index + 1
            self.pending_files[key] = FileProgress(key, position, False, encoding)
            if origin.offset is not None:
                self.listener.progressed(self.bytes_done + origin.offset)
            if self._batch_full():
                self.flush()
        self.pending_files[key] = FileProgress(key, position, True, encoding)
        if self._batch_full():
            self.flush()

    def _queue(self, key: str, item: IntakeItem, origin: Origin) -> None:
        try:
            report = self._report(item)
        except DrachmaError as exc:
            self._item_failed(key, origin, exc.message)
            return
        self.pending.append(_Pending(report, origin, item.attachments, item.encoding))
        self.pending_bytes += len(report.body) + sum(len(a.data) for a in item.attachments)

    def _report(self, item: IntakeItem) -> Report:
        for text in (item.title, item.body):
            if "\x00" in text:
                raise ValidationError("text contains NUL characters: binary data, not text",
                                      field="body")
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise ValidationError(
                    "text contains characters that are not valid Unicode (unpaired surrogates)",
                    field="body") from None
        options = self.options
        kind = (item.source_kind or options.source_kind
                or (item.kind_hint or DEFAULT_SOURCE_KIND).value)
        draft = ReportDraft(
            title=item.title,
            body=item.body,
            grading=item.grading or options.grading,
            source_kind=kind,
            handling_conditions=item.conditions or options.conditions,
            visible_to=list(item.visible_to or options.visible_to),
            legacy_grading=item.legacy_grading,
            received_at=item.received_at,
            occurred_on=item.published_on,
            sanitised_text=item.sanitised_text,
            force=item.force,
        )
        report = validate(draft, creator_role=self.actor.role)
        report.created_by = self.actor.user.id
        return report

    def _batch_full(self) -> bool:
        waiting = len(self.pending) + len(self.pending_failures)
        return waiting >= self.options.batch_size or self.pending_bytes >= BATCH_BYTES

    def _failure(self, failure: IngestFailure) -> None:
        if len(self.failures) < FAILURES_KEPT:
            self.failures.append(failure)
        self.listener.failed(failure)

    def _item_failed(self, key: str, origin: Origin, reason: str) -> None:
        failure = IngestFailure(origin.file, origin.where, reason)
        self.pending_failures.append(FailureRecord(key, origin.where, reason))
        self._failure(failure)

    def _file_failed(self, key: str, display: str, where: str | None, reason: str,
                     position: int, *, encoding: str | None = None) -> None:
        self.pending_failures.append(FailureRecord(key, where, reason))
        self.pending_files[key] = FileProgress(key, position, True, encoding, reason)
        self._failure(IngestFailure(display, where, reason))
        if self._batch_full():
            self.flush()

    # Writing ------------------------------------------------------------------------------

    def blobs(self) -> BlobStore:
        """The evidence blob store, opened at the first attachment (its key is then needed)."""
        if self._blobs is None:
            self._blobs = open_blob_store(load_evidence_settings(self.home))
        return self._blobs

    def flush(self) -> None:
        if not (self.pending or self.pending_failures or self.pending_files):
            return
        for attempt in range(3):
            try:
                with self.store.begin() as conn:
                    outcomes = self._write(conn)
                break
            except ConstraintError:
                # Another writer stored one of these texts between our check and our insert:
                # nothing was committed; check again and write the batch once more.
                if attempt == 2:
                    raise
        stored = sum(1 for o in outcomes if o.status == "stored")
        self.counts.stored += stored
        self.counts.duplicates += len(outcomes) - stored
        self.counts.failed += len(self.pending_failures)
        self.pending.clear()
        self.pending_failures.clear()
        self.pending_files.clear()
        self.pending_bytes = 0
        self.listener.committed(outcomes, self.counts)

    def _write(self, conn: Connection) -> list[ItemOutcome]:
        hashes = sorted({p.report.content_hash for p in self.pending if p.report.content_hash})
        existing = intake_store.ids_for_hashes(conn, hashes)
        fresh: dict[str, _Pending] = {}
        twins: list[tuple[_Pending, str]] = []
        for pending in self.pending:
            digest = pending.report.content_hash
            assert digest is not None
            if digest in existing or digest in fresh:
                twins.append((pending, digest))
            else:
                fresh[digest] = pending
        to_store = list(fresh.values())
        report_store.insert_many(conn, [p.report for p in to_store])
        upkeep.settle(conn, reports=[p.report.id or 0 for p in to_store])  # counts in step

        attachments: list[AttachmentRecord] = []
        events = []
        for pending in to_store:
            report_id = pending.report.id
            assert report_id is not None
            for attachment in pending.attachments:
                digest = store_attachment(self.blobs(), attachment.data)
                attachments.append(AttachmentRecord(
                    report_id, attachment.filename, attachment.media_type,
                    len(attachment.data), digest))
            events.append(audit.entry(self.actor, ReportAdded(
                report_id=report_id, grading=pending.report.grading.code,
                ingest_run=self.run_id, origin=pending.origin.describe(),
                encoding=pending.encoding or None,
                attachments=len(pending.attachments) or None,
            )))
        intake_store.insert_attachments(conn, attachments)
        audit_store.append_many(conn, events)
        intake_store.insert_failures(conn, self.run_id, self.pending_failures)
        intake_store.save_file_progress(conn, self.run_id, self.pending_files.values())
        intake_store.add_counts(conn, self.run_id, stored=len(to_store), duplicates=len(twins),
                                failed=len(self.pending_failures))

        outcomes = [ItemOutcome(p.origin, "stored", p.report.id or 0) for p in to_store]
        for pending, digest in twins:
            twin = existing.get(digest)
            if twin is None:
                twin = fresh[digest].report.id or 0
            outcomes.append(ItemOutcome(pending.origin, "duplicate", twin))
        outcomes.sort(key=lambda o: (o.origin.file, o.origin.index))
        return outcomes


def _home(home: Path | None) -> Path:
    return home if home is not None else load_settings().home


def _execute(run: _Run, read: Callable[[], None]) -> None:
    try:
        read()
        run.flush()
    except BaseException:
        # A crash or Ctrl-C: what was committed stays; mark the run so it can be resumed.
        try:
            with run.store.begin() as conn:
                intake_store.set_status(conn, run.run_id, intake_store.INTERRUPTED)
        except Exception:  # the database may be what failed; the run stays "running"
            pass
        raise


def _finish(run: _Run, *, resumed: bool) -> IngestRunResult:
    with run.store.begin() as conn:
        intake_store.set_status(conn, run.run_id, intake_store.FINISHED, finished=True)
        record = intake_store.get_run(conn, run.run_id)
        assert record is not None
        audit.record(conn, run.actor, IngestRunFinished(
            run_id=run.run_id, stored=record.stored, duplicates=record.duplicates,
            failed=record.failed, status=intake_store.FINISHED))
    totals = IngestCounts(record.stored, record.duplicates, record.failed)
    return IngestRunResult(run.run_id, run.counts, totals, run.failures, True, resumed)


def _total_bytes(paths: Sequence[Path]) -> int:
    total = 0
    for path in _files(paths):
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return total


def _display(path: Path, root: Path, given: str | Path) -> str:
    if path == root:
        return str(given)
    return str(Path(given) / path.relative_to(root))


def _sources(roots: Sequence[Path], given: Sequence[str | Path]) -> Iterator[tuple[Path, str]]:
    for root, name in zip(roots, given, strict=True):
        for path in _files([root]):
            yield path, _display(path, root, name)


def ingest_paths(
    store: Store,
    actor: Actor,
    paths: Sequence[str | Path],
    options: IngestOptions = IngestOptions(),
    *,
    listener: IngestListener | None = None,
    home: Path | None = None,
) -> IngestRunResult:
    """Take in files and folders (recursively) as reports; see the module docstring.

    Raises an error before anything is stored when an option or a path is wrong.
    """
    actor.require(Permission.INGEST)
    options = options.checked()
    roots = _check_paths(paths)
    listener = listener or IngestListener()
    with store.begin() as conn:
        run_id = intake_store.create_run(
            conn, actor_id=actor.user.id, actor_name=actor.name,
            paths=[str(p) for p in roots], options=options.as_json())
        audit.record(conn, actor, IngestRunStarted(run_id=run_id, grading=options.grading,
                                                   paths=len(roots)))
    listener.started(run_id, _total_bytes(roots) if listener.wants_total else None)
    run = _Run(store, actor, options, run_id, _home(home), listener, resuming=False)
    _execute(run, lambda: run.take_files(_sources(roots, list(paths))))
    return _finish(run, resumed=False)


def resume_run(
    store: Store,
    actor: Actor,
    run_id: int,
    *,
    listener: IngestListener | None = None,
    home: Path | None = None,
) -> IngestRunResult:
    """Carry on an interrupted run: files finished are skipped, a file half read goes on from its
    last committed item; anything stored in between is recognised by its content hash."""
    actor.require(Permission.INGEST)
    with store.begin() as conn:
        record = intake_store.get_run(conn, run_id)
        if record is None:
            raise NotFoundError(f"no ingest run {run_id}", field="run_id")
        previous = intake_store.failures_for_run(conn, run_id, limit=FAILURES_KEPT)
    failures = [IngestFailure(f.path, f.location, f.reason) for f in previous]
    if record.status == intake_store.FINISHED:
        totals = IngestCounts(record.stored, record.duplicates, record.failed)
        return IngestRunResult(run_id, IngestCounts(), totals, failures, True, True)
    if any(p.startswith(UPLOAD_PREFIX) for p in record.paths):
        raise ValidationError(
            f"ingest run {run_id} was an upload; upload the file again (what was stored is "
            "recognised and not stored twice)", field="run_id")
    options = IngestOptions.from_json(record.options).checked()
    roots = [Path(p) for p in record.paths]
    for root in roots:
        if not root.exists():
            raise ValidationError(
                f"ingest run {run_id}: {root} is no longer there; put it back to resume",
                field="paths")
    listener = listener or IngestListener()
    with store.begin() as conn:
        intake_store.set_status(conn, run_id, intake_store.RUNNING)
        audit.record(conn, actor, IngestRunResumed(run_id=run_id))
    listener.started(run_id, _total_bytes(roots) if listener.wants_total else None)
    run = _Run(store, actor, options, run_id, _home(home), listener, resuming=True)
    run.failures = failures
    _execute(run, lambda: run.take_files(_sources(roots, [str(r) for r in roots])))
    return _finish(run, resumed=True)


class _Collect(IngestListener):
    def __init__(self) -> None:
        self.outcomes: list[ItemOutcome] = []

    def committed(self, outcomes: Sequence[ItemOutcome], totals: IngestCounts) -> None:
        self.outcomes.extend(outcomes)


def ingest_upload(
    store: Store,
    actor: Actor,
    filename: str,
    data: bytes,
    options: IngestOptions = IngestOptions(),
    *,
    home: Path | None = None,
) -> IngestItemResult:
    """Take in one uploaded file (any supported format; a CSV or JSON file gives many reports)."""
    actor.require(Permission.INGEST)
    options = options.checked()
    name = safe_filename(filename, "upload")
    key = UPLOAD_PREFIX + name
    collect = _Collect()
    with store.begin() as conn:
        run_id = intake_store.create_run(
            conn, actor_id=actor.user.id, actor_name=actor.name, paths=[key],
            options=options.as_json())
        audit.record(conn, actor, IngestRunStarted(run_id=run_id, grading=options.grading,
                                                   upload=name))
    run = _Run(store, actor, options, run_id, _home(home), collect, resuming=False)
    _execute(run, lambda: run.take(key, name, data, data[:SNIFF_BYTES], len(data)))
    _finish(run, resumed=False)
    return IngestItemResult(
        filename=name,
        run_id=run_id,
        stored=[o.report_id for o in collect.outcomes if o.status == "stored"],
        duplicates=[o.report_id for o in collect.outcomes if o.status == "duplicate"],
        failures=run.failures,
    )
