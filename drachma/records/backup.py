"""``drachma backup DEST`` and ``drachma restore SRC``.

A backup is a folder::

    BACKUP.json          what was copied: format, database kind, schema revision, when
    database.sqlite3     SQLite: a consistent snapshot made with the online backup API
    database.pgdump      PostgreSQL: ``pg_dump --format=custom`` of the store's schema
    files/evidence/...   the evidence locker's encrypted blobs
    files/keys/...       the locker's master key and checkpoint signing key
    files/attachments/.. intake attachments kept under the Drachma home
    MANIFEST.sha256      one ``<sha256>  <path>`` line per file (``sha256sum -c`` reads it),
                         ``BACKUP.json`` last; written last, so a backup without it never finished

The database is copied first and the files after it: blobs and attachments are written before
the rows that point at them are committed and are never changed, so every file the copied
database names is in the copy (a few newer files may be there too, unused).

``restore`` checks the whole manifest before it changes anything, then fills an installation
that has no tables, no evidence, no keys and no attachments; anything else is refused. It then
rebuilds the search index from the restored reports (a new generation, so no index left from
before is taken for current).

Both are audited: a backup as ``BackupMade`` in the running installation's log (after the copy,
so the copy itself does not hold it), a restore as ``BackupRestored`` in the restored log. The
API (:func:`backup_to_folder`, :func:`list_backups`, :func:`check_named_backup`) only ever
writes into the one configured folder (``DRACHMA_BACKUP_DIR``), under a name it chooses itself;
restore stays on the command line (docs/operations.md says why).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import BackupChecked, BackupMade, BackupRestored, BackupsListed
from drachma.access.permissions import Permission
from drachma.config import Settings
from drachma.errors import ConflictError, DrachmaError, NotFoundError
from drachma.store import backup as backup_store
from drachma.store import search_index
from drachma.store.db import Store

FORMAT = "drachma-backup-1"
MANIFEST = "MANIFEST.sha256"
INFO = "BACKUP.json"
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
_LINE = re.compile(r"^([0-9a-f]{64})  (.+)$")

Progress = Callable[[str, int, int], None]  # (stage, done, total)


class BackupError(DrachmaError):
    """A backup could not be made (the destination is not empty, a copy failed)."""

    kind = "backup"


class DamagedBackupError(DrachmaError):
    """A backup is incomplete or altered; nothing was restored."""

    kind = "damaged_backup"


class NotEmptyError(DrachmaError):
    """The installation to restore into already holds data."""

    kind = "not_empty"
    http_status = 409


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    dialect: str
    revision: str | None
    files: int
    bytes: int


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


def file_sources(settings: Settings) -> dict[str, Path]:
    """Each folder or file of the installation that a backup carries, by its name in the backup."""
    evidence = settings.evidence_settings()
    return {
        "files/evidence": evidence.directory,
        "files/keys/evidence-master.key": evidence.master_key,
        "files/keys/checkpoint.pem": evidence.signing_key,
        "files/attachments": settings.home / "attachments",
    }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _files_under(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def _copy_files(settings: Settings, dest: Path, progress: Progress) -> None:
    for name, source in file_sources(settings).items():
        target = dest / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        elif source.is_dir():
            # a blob still being written (evidence/tmp) is not yet a blob
            skip = source / "tmp" if name == "files/evidence" else None
            members = [p for p in _files_under(source) if skip is None or skip not in p.parents]
            for done, path in enumerate(members, 1):
                out = target / path.relative_to(source)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, out)
                progress(name, done, len(members))


def _write_manifest(dest: Path, info: dict[str, object]) -> tuple[int, int]:
    """Hash every file; BACKUP.json (with the count) is the last line. Returns (files, bytes)."""
    paths = [p for p in _files_under(dest) if p.name not in (MANIFEST, INFO)]
    info["files"] = len(paths) + 1
    (dest / INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    lines = [f"{sha256_file(p)}  {p.relative_to(dest).as_posix()}" for p in paths]
    lines.append(f"{sha256_file(dest / INFO)}  {INFO}")
    partial = dest / (MANIFEST + ".partial")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(partial, dest / MANIFEST)
    return len(lines), sum(p.stat().st_size for p in paths)


def backup(store: Store, settings: Settings, dest: Path,
           progress: Progress = _quiet, *, actor: Actor | None = None,
           via: str = "cli") -> BackupResult:
    """Copy the database, every file it points at and a manifest of SHA-256 sums into ``dest``
    (a new or empty folder), while the installation keeps running; audited (``actor`` None: the
    command line)."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} is not an empty folder; back up into a new one", field="dest")
    revision = backup_store.schema_revision(store)
    if revision is None:
        raise BackupError(f"database {store.safe_url} has no Drachma schema; nothing to back up",
                          field="database_url")
    dest.mkdir(parents=True, exist_ok=True)
    info: dict[str, object] = {
        "format": FORMAT, "dialect": store.dialect, "revision": revision,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    progress("database", 0, 1)
    if store.is_sqlite:
        backup_store.sqlite_snapshot(store, dest / "database.sqlite3")
    else:
        info["schema"] = backup_store.pg_dump(store, dest / "database.pgdump")
    progress("database", 1, 1)
    _copy_files(settings, dest, progress)
    info["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    files, size = _write_manifest(dest, info)
    with store.begin() as conn:
        audit.record(conn, actor, BackupMade(backup=dest.name[:200], files=files, bytes=size,
                                             revision=revision, via=via), actor_name="cli")
    return BackupResult(dest, store.dialect, revision, files, size)


def check_backup(src: Path, progress: Progress = _quiet) -> dict[str, object]:
    """Check a backup against its manifest and return its BACKUP.json; raise
    :class:`DamagedBackupError` naming the first thing missing, extra, altered or cut short."""
    manifest = src / MANIFEST
    if not manifest.is_file():
        raise DamagedBackupError(f"{src} has no {MANIFEST}: the backup is partial (it never "
                                 "finished) or is not a Drachma backup", field="src")
    if manifest.stat().st_size > MAX_MANIFEST_BYTES:
        raise DamagedBackupError(f"{MANIFEST} is larger than {MAX_MANIFEST_BYTES} bytes")
    text = manifest.read_text(encoding="utf-8", errors="replace")
    if not text.endswith("\n"):
        raise DamagedBackupError(f"{MANIFEST} is truncated (its last line is cut short)")
    listed: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        found = _LINE.match(line)
        if found is None:
            raise DamagedBackupError(f"{MANIFEST} line {number} is not '<sha256>  <path>'")
        name = found[2]
        if name.startswith("/") or ".." in Path(name).parts or name in listed:
            raise DamagedBackupError(f"{MANIFEST} line {number} names {name!r}, which is "
                                     "outside the backup or listed twice")
        listed[name] = found[1]
    if list(listed)[-1:] != [INFO]:
        raise DamagedBackupError(f"{MANIFEST} is truncated: its last line is not {INFO}")
    present = {p.relative_to(src).as_posix() for p in _files_under(src)} - {MANIFEST}
    for name in sorted(set(listed) - present):
        raise DamagedBackupError(f"{name} is listed in {MANIFEST} but missing from the backup")
    for name in sorted(present - set(listed)):
        raise DamagedBackupError(f"{name} is in the backup but not in {MANIFEST}")
    for done, (name, expected) in enumerate(listed.items(), 1):
        if sha256_file(src / name) != expected:
            raise DamagedBackupError(f"{name} does not match its SHA-256 in {MANIFEST}: it was "
                                     "altered or damaged")
        progress("checking", done, len(listed))
    try:
        info = json.loads((src / INFO).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DamagedBackupError(f"{INFO} is not valid JSON: {exc}") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise DamagedBackupError(f"{INFO} is not a {FORMAT} description")
    if info.get("files") != len(listed):
        raise DamagedBackupError(f"{MANIFEST} lists {len(listed)} files but {INFO} says "
                                 f"{info.get('files')}: the manifest is incomplete")
    return info


def _not_empty(store: Store, settings: Settings) -> str | None:
    tables = backup_store.table_names(store)
    if tables:
        return f"database {store.safe_url} already has tables ({', '.join(tables[:3])}...)"
    for source in file_sources(settings).values():
        if source.is_file() or (source.is_dir() and any(_files_under(source))):
            return f"{source} already exists and holds data"
    return None


def restore(store: Store, settings: Settings, src: Path,
            progress: Progress = _quiet) -> dict[str, object]:
    """Bring a checked backup into an empty installation; returns the backup's BACKUP.json.

    Nothing is changed unless the whole backup checks out and the installation is empty."""
    info = check_backup(src, progress)
    problem = _not_empty(store, settings)
    if problem:
        raise NotEmptyError(f"restore needs an empty installation: {problem}; nothing was "
                            "changed", field="database_url")
    if info.get("dialect") != store.dialect:
        raise BackupError(f"the backup is of a {info.get('dialect')} database but the target is "
                          f"{store.dialect}; restore into the same kind", field="database_url")
    progress("database", 0, 1)
    if store.is_sqlite:
        copy = src / "database.sqlite3"
        with tempfile.TemporaryDirectory() as work:
            checked = Path(work) / "check.sqlite3"
            shutil.copyfile(copy, checked)
            verdict = backup_store.sqlite_check(checked)
            if verdict != "ok":
                raise DamagedBackupError(f"database.sqlite3 fails SQLite's check: {verdict}")
        backup_store.sqlite_place(store, copy)
    else:
        backup_store.pg_restore(store, src / "database.pgdump")
    progress("database", 1, 1)
    for name, target in file_sources(settings).items():
        source = src / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            if name.startswith("files/keys/"):
                os.chmod(target, 0o600)
        elif source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
    with store.begin() as conn:
        audit.record(conn, None, BackupRestored(
            backup=src.resolve().name[:200], made_at=str(info.get("finished"))[:40],
            revision=str(info.get("revision"))[:40]), actor_name="cli")
    return {**info, "search_index": _rebuild_search_index(store, progress)}


def _rebuild_search_index(store: Store, progress: Progress) -> int | None:
    """Build the search index again from the restored reports: an index left from before (the
    folder of a lost database, or another's) would answer with reports the backup does not hold,
    and a large database's first search would be refused until it is rebuilt. Returns how many
    reports were indexed; None if the restored schema predates the search index (migration 0017:
    ``drachma db upgrade`` then ``drachma search-index rebuild``)."""
    if not {"search_index_state", "search_outbox"} <= set(backup_store.table_names(store)):
        return None
    progress("search index", 0, 0)
    return search_index.rebuild(
        store.engine, lambda done: progress("search index", done.done, done.total))


# --- through the API: the configured folder only -------------------------------------------------

_NAME = re.compile(r"^drachma-\d{8}T\d{6}Z(-\d{1,3})?$")
_one_at_a_time = threading.Lock()


@dataclass(frozen=True, slots=True)
class BackupEntry:
    name: str
    finished: str | None  # None: not finished (no manifest) or unreadable
    dialect: str | None
    revision: str | None
    files: int | None


def _folder(settings: Settings) -> Path:
    if settings.backup_dir is None:
        raise ConflictError("no backup folder is configured: set DRACHMA_BACKUP_DIR on the "
                            "server (docs/operations.md)", field="backup_dir")
    return settings.backup_dir


def backup_to_folder(store: Store, actor: Actor, settings: Settings) -> BackupResult:
    """A backup into a new folder, named for the time, in the configured backup folder: the
    caller names no path. One at a time; a second while one runs is refused."""
    actor.require(Permission.MAKE_BACKUPS)
    folder = _folder(settings)
    if not _one_at_a_time.acquire(blocking=False):
        raise ConflictError("a backup is being made already; try again when it has finished",
                            field="backup")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"drachma-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
        dest = folder / stem
        for n in range(1, 1000):
            if not dest.exists():
                break
            dest = folder / f"{stem}-{n}"
        return backup(store, settings, dest, actor=actor, via="api")
    finally:
        _one_at_a_time.release()


def _entry(path: Path) -> BackupEntry:
    try:
        info = json.loads((path / INFO).read_text(encoding="utf-8")) \
            if (path / MANIFEST).is_file() else None
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict):
        return BackupEntry(path.name, None, None, None, None)
    files = info.get("files")
    return BackupEntry(path.name, str(info.get("finished"))[:40], str(info.get("dialect"))[:20],
                       str(info.get("revision"))[:40], files if isinstance(files, int) else None)


def list_backups(store: Store, actor: Actor, settings: Settings,
                 limit: int = 100) -> list[BackupEntry]:
    """The backups in the configured folder, newest first (at most ``limit``)."""
    actor.require(Permission.MAKE_BACKUPS)
    folder = _folder(settings)
    names = sorted((p for p in folder.iterdir() if p.is_dir() and _NAME.match(p.name)),
                   key=lambda p: p.name, reverse=True)[:limit] if folder.is_dir() else []
    found = [_entry(p) for p in names]
    with store.begin() as conn:
        audit.record(conn, actor, BackupsListed(shown=len(found)))
    return found


def check_named_backup(store: Store, actor: Actor, settings: Settings, name: str) -> str:
    """Check one backup of the configured folder against its manifest: "ok", or what is wrong."""
    actor.require(Permission.MAKE_BACKUPS)
    folder = _folder(settings)
    if not _NAME.match(name) or not (folder / name).is_dir():
        raise NotFoundError(f"no backup called {name[:60]!r} in the backup folder",
                            field="name")
    try:
        check_backup(folder / name)
        verdict = "ok"
    except DamagedBackupError as exc:
        verdict = exc.message
    with store.begin() as conn:
        audit.record(conn, actor, BackupChecked(backup=name, verdict=verdict[:500]))
    return verdict
