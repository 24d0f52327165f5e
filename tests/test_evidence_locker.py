"""Exhibits and the custody log, on SQLite and PostgreSQL: handovers, references under concurrent
requests, hostile input refused with nothing stored, and tampering caught and named."""

from __future__ import annotations

import io
import os
import threading
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from drachma.errors import PermissionDenied, ValidationError
from drachma.evidence import merkle
from drachma.evidence.archive import HostileArchiveError, safe_name
from drachma.evidence.blobs import BlobTooLargeError, FilesystemBlobStore
from drachma.evidence.checkpoint import CheckpointBody, open_note, sign
from drachma.evidence.custody import (
    NewEvent,
    inclusion,
    make_checkpoint,
    record_events,
    redact_event,
    source,
)
from drachma.evidence.exhibits import (
    Handover,
    UnknownProducerError,
    add_exhibits,
    add_producer,
    list_exhibits,
    open_exhibit,
    record_custody,
)
from drachma.evidence.keys import (
    create_master_key,
    create_signing_key,
    load_master_key,
    load_signing_key,
)
from drachma.evidence.locker import Limits, Locker
from drachma.evidence.verify import verify_locker
from drachma.model.evidence import CustodyAction
from drachma.model.roles import Role
from drachma.store import evidence as evidence_store
from drachma.store.db import Store
from drachma.store.tables import (
    custody_checkpoints,
    custody_events,
    custody_log_head,
    custody_log_leaves,
    exhibits,
)
from tests.conftest import ActorFactory

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17) + b"invented test image"
LIMITS = Limits(max_bytes=4 * 1024 * 1024, max_archive_bytes=8 * 1024 * 1024,
                max_archive_files=20, max_ratio=200)


@pytest.fixture
def locker(tmp_path: Path) -> Locker:
    create_master_key(tmp_path / "keys" / "master.key")
    create_signing_key(tmp_path / "keys" / "sign.pem")
    blobs = FilesystemBlobStore(tmp_path / "evidence", load_master_key(tmp_path / "keys" /
                                                                       "master.key"), 256)
    return Locker(blobs, load_signing_key(tmp_path / "keys" / "sign.pem"),
                  "drachma.test/custody", LIMITS)


@pytest.fixture
def investigator(store: Store, make_actor: ActorFactory) -> object:
    actor = make_actor(Role.INVESTIGATOR)
    add_producer(store, actor, "JS", "Jo Sands")
    return actor


def handover(**changes: object) -> Handover:
    values: dict[str, object] = {
        "producer": "JS", "received_from": "Northfield Watch (group)",
        "reason": "handed over at the front counter", "received_place": "Leeds Central"}
    values.update(changes)
    return Handover(**values)  # type: ignore[arg-type]


def blob_files(locker: Locker) -> list[Path]:
    assert isinstance(locker.blobs, FilesystemBlobStore)
    return [p for p in (locker.blobs.root / "objects").rglob("*") if p.is_file()]


def write(path: Path, data: bytes, *, days_old: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    when = (datetime.now(UTC) - timedelta(days=days_old)).timestamp()
    os.utime(path, (when, when))
    return path


def count(store: Store, table: object) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


# --- handovers ---


def test_a_file_becomes_an_exhibit_with_a_sniffed_type_a_receipt_and_a_custody_event(
        store: Store, investigator: object, locker: Locker, tmp_path: Path) -> None:
    path = write(tmp_path / "in" / "notes.txt", PNG, days_old=40)  # the name says text
    receipt = add_exhibits(store, investigator, locker, [path], handover())  # type: ignore[arg-type]
    [line] = receipt.lines
    assert line.reference == "JS/1"
    assert line.media_type == "image/png"
    assert line.size == len(PNG)
    assert receipt.gap is not None and timedelta(days=39) < receipt.gap < timedelta(days=41)
    with store.begin() as conn:
        row = conn.execute(select(custody_events.c.action, custody_events.c.reason)).one()
    assert tuple(row) == ("received", "handed over at the front counter")
    assert verify_locker(store, locker).ok


def test_a_folder_becomes_an_exhibit_with_sub_exhibits_and_links_are_not_followed(
        store: Store, investigator: object, locker: Locker, tmp_path: Path) -> None:
    folder = tmp_path / "phone export"
    write(folder / "chats" / "chat-1.txt", b"invented chat one")
    write(folder / "chats" / "chat-2.txt", b"invented chat two")
    write(folder / "pictures" / "a.png", PNG)
    outside = write(tmp_path / "elsewhere.txt", b"must not be taken")
    (folder / "link.txt").symlink_to(outside)
    receipt = add_exhibits(store, investigator, locker, [folder], handover())  # type: ignore[arg-type]
    assert [line.reference for line in receipt.lines] == ["JS/1", "JS/1/1", "JS/1/2", "JS/1/3"]
    assert [line.name for line in receipt.lines[1:]] == [
        "chats/chat-1.txt", "chats/chat-2.txt", "pictures/a.png"]
    assert receipt.lines[0].media_type == "text/csv"  # the folder's manifest
    assert receipt.not_taken == [("phone export/link.txt", "symbolic link, not followed")]
    found, total = list_exhibits(store, investigator, parent="JS/1")  # type: ignore[arg-type]
    assert total == 4 and [e.reference for e in found] == ["JS/1/1", "JS/1/2", "JS/1/3"]


def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return path


def test_a_zip_archive_is_kept_whole_and_each_member_becomes_a_sub_exhibit(
        store: Store, investigator: object, locker: Locker, tmp_path: Path) -> None:
    path = make_zip(tmp_path / "handover.zip", {"log/a.txt": b"invented a", "b.png": PNG})
    receipt = add_exhibits(store, investigator, locker, [path], handover())  # type: ignore[arg-type]
    assert [(line.reference, line.name) for line in receipt.lines] == [
        ("JS/1", "handover.zip"), ("JS/1/1", "log/a.txt"), ("JS/1/2", "b.png")]
    assert receipt.lines[0].media_type == "application/zip"
    assert receipt.lines[2].media_type == "image/png"
    assert receipt.newest_inner_at is not None
    assert receipt.newest_inner_at.date().isoformat() == "2026-03-01"


def symlink_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("link")
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    return path


def oversized_zip(path: Path) -> Path:
    # text over four letters compresses about 4 times: far from a bomb, but too much in total
    four_letters = bytes(b"acgt"[i % 4] for i in range(256))
    return make_zip(path, {f"part{i}.txt": os.urandom(3 * 1024 * 1024).translate(four_letters)
                           for i in range(3)})


HOSTILE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "traversal": (lambda p: make_zip(p, {"ok.txt": b"x", "../../etc/x": b"y"}), "unsafe path"),
    "absolute": (lambda p: make_zip(p, {"/etc/passwd": b"y"}), "unsafe path"),
    "symlink": (symlink_zip, "symbolic link"),
    "bomb": (lambda p: make_zip(p, {"zeros.bin": bytes(3 * 1024 * 1024)}), "compression bomb"),
    "count": (lambda p: make_zip(p, {f"f{i}.txt": b"z" for i in range(25)}),
              "more than the limit of 20"),
    "duplicate": (lambda p: make_zip(p, {"A.txt": b"1", "a.txt": b"2"}), "more than once"),
    "total": (oversized_zip, "unpacks to more than the limit"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_archive_is_refused_with_its_reason_and_nothing_is_stored(
        store: Store, investigator: object, locker: Locker, tmp_path: Path, kind: str) -> None:
    good = write(tmp_path / "good.txt", b"fine on its own")
    make, reason = HOSTILE[kind]
    path = make(tmp_path / f"{kind}.zip")
    with pytest.raises(HostileArchiveError, match=reason):
        add_exhibits(store, investigator, locker, [good, path], handover())  # type: ignore[arg-type]
    assert count(store, exhibits) == 0 and count(store, custody_events) == 0
    assert blob_files(locker) == []


def test_an_archive_member_that_lies_about_its_size_leaves_nothing(
        store: Store, investigator: object, locker: Locker, tmp_path: Path) -> None:
    path = make_zip(tmp_path / "lie.zip", {"a.txt": b"A" * 5000, "b.txt": b"B" * 5000})
    raw = bytearray(path.read_bytes())
    at = raw.index(b"PK\x01\x02", raw.index(b"PK\x01\x02") + 4)  # second central entry
    raw[at + 16:at + 20] = b"\x00\x00\x00\x00"  # its CRC
    path.write_bytes(bytes(raw))
    with pytest.raises(Exception, match=r"CRC|Bad"):
        add_exhibits(store, investigator, locker, [path], handover())  # type: ignore[arg-type]
    assert count(store, exhibits) == 0 and blob_files(locker) == []


def test_bad_input_gets_a_clear_error_and_changes_nothing(
        store: Store, investigator: object, locker: Locker, tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", b"fine")
    empty = write(tmp_path / "empty.txt", b"")
    big = write(tmp_path / "big.bin", b"x" * (LIMITS.max_bytes + 1))
    cases: list[tuple[list[Path], Handover, type[Exception], str]] = [
        ([good, empty], handover(), ValidationError, "is empty"),
        ([big], handover(), BlobTooLargeError, "over the limit"),
        ([good], handover(producer="ZZ"), UnknownProducerError, "no producer with initials ZZ"),
        ([good], handover(reason="  "), ValidationError, "a reason is required"),
        ([good], handover(received_from=""), ValidationError, "who handed"),
        ([tmp_path / "absent.txt"], handover(), ValidationError, "does not exist"),
        ([good], handover(producer="J1"), ValidationError, "2 to 4 letters"),
    ]
    for paths, case, error, message in cases:
        with pytest.raises(error, match=message):
            add_exhibits(store, investigator, locker, paths, case)  # type: ignore[arg-type]
    assert count(store, exhibits) == 0 and blob_files(locker) == []


def test_only_a_permitted_role_may_take_in_or_open_evidence(
        store: Store, investigator: object, make_actor: ActorFactory, locker: Locker,
        tmp_path: Path) -> None:
    analyst = make_actor(Role.ANALYST)
    path = write(tmp_path / "a.txt", b"invented")
    with pytest.raises(PermissionDenied):
        add_exhibits(store, analyst, locker, [path], handover())
    add_exhibits(store, investigator, locker, [path], handover())  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        open_exhibit(store, analyst, locker, "JS/1", "curious")


def test_opening_content_needs_a_reason_and_is_itself_a_custody_event(
        store: Store, investigator: object, locker: Locker, tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"invented content")
    add_exhibits(store, investigator, locker, [path], handover())  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="reason"):
        open_exhibit(store, investigator, locker, "JS/1", "")  # type: ignore[arg-type]
    _, chunks = open_exhibit(store, investigator, locker, "JS/1",  # type: ignore[arg-type]
                             "reviewing for the MG6C")
    assert b"".join(chunks) == b"invented content"
    with store.begin() as conn:
        actions = conn.execute(select(custody_events.c.action).order_by(custody_events.c.seq)
                               ).scalars().all()
    assert actions == ["received", "viewed"]


def test_references_have_no_gaps_or_duplicates_under_concurrent_handovers(
        store: Store, investigator: object, locker: Locker, tmp_path: Path) -> None:
    paths = [write(tmp_path / f"item-{i}.txt", f"invented item {i}".encode()) for i in range(12)]
    errors: list[BaseException] = []

    def take(chunk: list[Path]) -> None:
        try:
            for path in chunk:
                add_exhibits(store, investigator, locker, [path], handover())  # type: ignore[arg-type]
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=take, args=(paths[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.begin() as conn:
        refs = conn.execute(select(exhibits.c.reference)).scalars().all()
        seqs = conn.execute(select(custody_events.c.seq)).scalars().all()
    assert sorted(refs, key=lambda r: int(r.split("/")[1])) == [f"JS/{n}" for n in range(1, 13)]
    assert sorted(seqs) == list(range(12))
    assert verify_locker(store, locker).ok


# --- the custody log: proofs, redaction, tampering ---


@pytest.fixture
def history(store: Store, investigator: object, locker: Locker, tmp_path: Path) -> None:
    """Three exhibits, a few actions on them, and a checkpoint after each step."""
    for i in range(3):
        path = write(tmp_path / f"h{i}.txt", f"invented history {i}".encode())
        add_exhibits(store, investigator, locker, [path], handover())  # type: ignore[arg-type]
    record_custody(store, investigator, "JS/1", CustodyAction.TRANSFERRED,  # type: ignore[arg-type]
                   "to the digital forensics unit")
    make_checkpoint(store, locker)
    record_custody(store, investigator, "JS/2", CustodyAction.RETURNED,  # type: ignore[arg-type]
                   "returned to the group's representative")
    make_checkpoint(store, locker)


def test_every_event_has_an_inclusion_proof_against_the_signed_checkpoint(
        store: Store, locker: Locker, history: None) -> None:
    for seq in range(5):
        proved = inclusion(store, seq)
        body = open_note(proved.checkpoint.note, locker.verifier_key)
        assert merkle.verify_inclusion(seq, body.tree_size, merkle.leaf_hash(proved.digest),
                                       proved.proof, body.root_hash)


def test_a_redacted_event_keeps_every_proof_valid(store: Store, locker: Locker,
                                                  investigator: object, history: None) -> None:
    redact_event(store, investigator, 3, "retention review: no longer needed")  # type: ignore[arg-type]
    with store.begin() as conn:
        row = conn.execute(select(custody_events).where(custody_events.c.seq == 3)).one()
    assert row.actor_name is None and row.reason is None and row.salt is None
    report = verify_locker(store, locker)
    assert report.ok, report.problems
    assert report.redacted == 1
    proved = inclusion(store, 3)
    assert merkle.verify_inclusion(3, proved.tree_size, merkle.leaf_hash(proved.digest),
                                   proved.proof, proved.checkpoint.root_hash)


def problems(store: Store, locker: Locker) -> list[str]:
    report = verify_locker(store, locker)
    assert not report.ok
    return [str(p) for p in report.problems]


def test_a_changed_event_row_is_caught_and_named(store: Store, locker: Locker,
                                                 history: None) -> None:
    with store.begin() as conn:
        conn.execute(update(custody_events).where(custody_events.c.seq == 3)
                     .values(reason="to somebody else"))
    assert problems(store, locker) == [
        "event #3 (JS/1 transferred): its recorded details no longer match the digest written "
        "in the log (the row was changed)"]


def test_a_changed_blob_byte_is_caught_and_named(store: Store, locker: Locker,
                                                 history: None) -> None:
    with store.begin() as conn:
        sha = conn.execute(select(exhibits.c.sha256).where(exhibits.c.reference == "JS/2")
                           ).scalar_one()
    assert isinstance(locker.blobs, FilesystemBlobStore)
    path = locker.blobs._path(sha)
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0xFF
    os.chmod(path, 0o600)
    path.write_bytes(bytes(raw))
    [problem] = problems(store, locker)
    assert problem.startswith("exhibit JS/2: blob ") and "segment 0 fails authentication" in problem


def test_a_deleted_event_is_caught_and_named(store: Store, locker: Locker, history: None) -> None:
    with store.begin() as conn:
        conn.execute(delete(custody_events).where(custody_events.c.seq == 2))
    assert problems(store, locker) == [
        "event #2: its row was deleted without a redaction record"]


def test_a_deleted_leaf_and_row_is_caught_by_the_checkpoints(store: Store, locker: Locker,
                                                             history: None) -> None:
    with store.begin() as conn:
        conn.execute(delete(custody_events).where(custody_events.c.seq == 4))
        conn.execute(delete(custody_log_leaves).where(custody_log_leaves.c.seq == 4))
        conn.execute(update(custody_log_head).values(size=4))
    found = problems(store, locker)
    assert any(p.startswith("checkpoint") and "it signs 5 events but the log holds only 4" in p
               for p in found)


def test_two_swapped_events_are_caught_and_named(store: Store, locker: Locker,
                                                 history: None) -> None:
    with store.begin() as conn:
        rows = {r.seq: r for r in conn.execute(select(custody_events)).all()}
        for seq, other in ((3, 4), (4, 3)):
            conn.execute(update(custody_events).where(custody_events.c.seq == seq).values(
                exhibit_id=rows[other].exhibit_id, action=rows[other].action,
                actor_name=rows[other].actor_name, reason=rows[other].reason,
                salt=rows[other].salt, at=rows[other].at))
    found = problems(store, locker)
    assert [p.split(":")[0] for p in found] == ["event #3 (JS/2 returned)",
                                                "event #4 (JS/1 transferred)"]


def test_a_rewritten_leaf_is_caught_by_the_signed_checkpoints(store: Store, locker: Locker,
                                                              history: None) -> None:
    with store.begin() as conn:
        conn.execute(update(custody_log_leaves).where(custody_log_leaves.c.seq == 1)
                     .values(digest=bytes(32)))
    found = problems(store, locker)
    assert any("history was rewritten" in p for p in found)
    assert any(p.startswith("event #1") for p in found)


def test_a_forged_checkpoint_is_caught_and_named(store: Store, locker: Locker, tmp_path: Path,
                                                 history: None) -> None:
    create_signing_key(tmp_path / "forger.pem")
    forger = load_signing_key(tmp_path / "forger.pem")
    with store.begin() as conn:
        last = conn.execute(select(custody_checkpoints).order_by(custody_checkpoints.c.id.desc())
                            ).first()
        assert last is not None
        forged = sign(CheckpointBody(locker.origin, last.tree_size, bytes(32),
                                     datetime.now(UTC)), forger)
        conn.execute(update(custody_checkpoints).where(custody_checkpoints.c.id == last.id)
                     .values(note=forged, root_hash=bytes(32)))
    [problem] = problems(store, locker)
    assert problem.startswith(f"checkpoint {last.id} (size 5): the note carries no signature")


def test_a_checkpoint_edited_after_signing_is_caught(store: Store, locker: Locker,
                                                     history: None) -> None:
    with store.begin() as conn:
        first = conn.execute(select(custody_checkpoints).order_by(custody_checkpoints.c.id)
                             ).first()
        assert first is not None
        edited = first.note.replace(f"\n{first.tree_size}\n", f"\n{first.tree_size - 1}\n")
        conn.execute(update(custody_checkpoints).where(custody_checkpoints.c.id == first.id)
                     .values(note=edited))
    [problem] = problems(store, locker)
    assert "does not verify (the note was changed or forged)" in problem


def test_checkpoints_are_readable_signed_notes(store: Store, locker: Locker,
                                               history: None) -> None:
    checkpoint = make_checkpoint(store, locker)
    assert checkpoint is not None
    lines = checkpoint.note.split("\n")
    assert lines[0] == "drachma.test/custody" and lines[1] == "5"
    assert lines[4] == "" and lines[5].startswith("\u2014 drachma.test/custody ")
    assert io.StringIO(checkpoint.note).read().endswith("\n")


def test_events_appended_in_batches_of_any_size_build_the_same_tree(
        store: Store, investigator: object, locker: Locker, tmp_path: Path) -> None:
    add_exhibits(store, investigator, locker, [write(tmp_path / "x.txt", b"invented")],  # type: ignore[arg-type]
                 handover())
    with store.begin() as conn:
        exhibit_id, sha = conn.execute(select(exhibits.c.id, exhibits.c.sha256)).one()
    for size in (1, 3, 4, 1, 7, 16, 2, 31):
        with store.begin() as conn:
            record_events(conn, [NewEvent(exhibit_id, "JS/1", sha, CustodyAction.VIEWED,
                                          "investigator1", f"batch of {size}")] * size)
    make_checkpoint(store, locker)
    running = merkle.RunningRoot()
    with store.begin() as conn:
        for _, digest in evidence_store.iter_leaves(conn):
            running.append(merkle.leaf_hash(digest))
        assert merkle.root(running.size, source(conn)) == running.root()
    assert running.size == 1 + 65
    assert verify_locker(store, locker).ok


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab./\\:\x00 ~C")), max_size=24))
def test_an_archive_name_judged_safe_never_leaves_the_folder(name: str) -> None:
    safe = safe_name(name)
    if safe is None:
        return
    root = Path("/srv/unpack")
    resolved = (root / safe).resolve()
    assert resolved.is_relative_to(root) and resolved != root
    assert "\\" not in safe and "\x00" not in safe and not safe.startswith("/")
