"""The blob store: content addressed, write-once, streamed, encrypted so any tampering is caught."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drachma.evidence import segments
from drachma.evidence.blobs import (
    BlobIntegrityError,
    BlobTooLargeError,
    FilesystemBlobStore,
    StorageFullError,
    copy_blob,
)
from drachma.evidence.keys import (
    KeyFileError,
    MasterKey,
    create_master_key,
    create_signing_key,
    load_master_key,
    load_signing_key,
)

SEGMENT = 64  # small segments so that tests cover many of them cheaply


@pytest.fixture
def key(tmp_path: Path) -> MasterKey:
    create_master_key(tmp_path / "keys" / "master.key")
    return load_master_key(tmp_path / "keys" / "master.key")


@pytest.fixture
def blobs(tmp_path: Path, key: MasterKey) -> FilesystemBlobStore:
    return FilesystemBlobStore(tmp_path / "evidence", key, segment_size=SEGMENT)


def stored_files(blobs: FilesystemBlobStore) -> list[Path]:
    return sorted(p for p in (blobs.root / "objects").rglob("*") if p.is_file())


def read_all(blobs: FilesystemBlobStore, sha256: str) -> bytes:
    out = io.BytesIO()
    copy_blob(blobs, sha256, out)
    return out.getvalue()


def only_file(blobs: FilesystemBlobStore) -> Path:
    files = stored_files(blobs)
    assert len(files) == 1
    return files[0]


def rewrite(path: Path, data: bytes) -> None:
    os.chmod(path, 0o600)
    path.write_bytes(data)


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=SEGMENT * 5 + 7))
def test_what_goes_in_comes_out_under_its_sha256(tmp_path_factory: pytest.TempPathFactory,
                                                 data: bytes) -> None:
    root = tmp_path_factory.mktemp("blobs")
    create_master_key(root / "k")
    blobs = FilesystemBlobStore(root / "e", load_master_key(root / "k"), segment_size=SEGMENT)
    stored = blobs.put(io.BytesIO(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    assert read_all(blobs, stored.sha256) == data
    assert blobs.verify(stored.sha256) == len(data)


def test_the_file_on_disk_is_ciphertext_named_by_neither_the_hash_nor_the_content(
        blobs: FilesystemBlobStore) -> None:
    data = b"chat log: see you at the station " * 20
    stored = blobs.put(io.BytesIO(data))
    path = only_file(blobs)
    assert stored.sha256 not in str(path)
    assert b"chat log" not in path.read_bytes()
    assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_the_same_content_is_stored_once_and_never_rewritten(blobs: FilesystemBlobStore) -> None:
    first = blobs.put(io.BytesIO(b"same bytes"))
    before = only_file(blobs).read_bytes()
    second = blobs.put(io.BytesIO(b"same bytes"))
    assert first.created and not second.created
    assert only_file(blobs).read_bytes() == before


def test_a_size_limit_refuses_and_leaves_nothing(blobs: FilesystemBlobStore) -> None:
    with pytest.raises(BlobTooLargeError, match="larger than the limit of 100 bytes"):
        blobs.put(io.BytesIO(b"x" * 101), max_bytes=100)
    assert stored_files(blobs) == []
    assert list((blobs.root / "tmp").iterdir()) == []


class BrokenStream(io.RawIOBase):
    """A source that fails part-way, like a dropped upload or an unplugged disk."""

    def __init__(self, good: int) -> None:
        self.left = good

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.left <= 0:
            raise OSError(errno.EIO, "device went away")
        n = min(len(buffer), self.left, 10)
        buffer[:n] = b"a" * n
        self.left -= n
        return n


def test_an_interrupted_write_leaves_no_blob_and_no_partial_file(
        blobs: FilesystemBlobStore) -> None:
    with pytest.raises(OSError, match="device went away"):
        blobs.put(io.BufferedReader(BrokenStream(SEGMENT * 3)))
    assert stored_files(blobs) == []
    assert list((blobs.root / "tmp").iterdir()) == []


def test_a_disk_that_fills_mid_write_is_a_clear_error_and_leaves_nothing(
        blobs: FilesystemBlobStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StorageFullError, match="evidence store is full"):
        blobs.put(io.BytesIO(b"y" * 500))
    monkeypatch.undo()
    assert stored_files(blobs) == []
    assert list((blobs.root / "tmp").iterdir()) == []


def test_memory_stays_flat_for_a_large_stream(blobs: FilesystemBlobStore) -> None:
    """The writer reads one segment ahead: it never asks the source for more than that."""
    asked: list[int] = []

    class Counting(io.RawIOBase):
        left = SEGMENT * 1000

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            asked.append(size)
            n = min(size, self.left)
            self.left -= n
            return b"z" * n

    blobs.put(Counting())  # type: ignore[arg-type]
    assert max(asked) == SEGMENT


# --- tampering: each kind is caught and named -------------------------------------------------


def sealed_segments(path: Path) -> tuple[bytes, list[bytes]]:
    raw = path.read_bytes()
    header, body = raw[: segments.HEADER_SIZE], raw[segments.HEADER_SIZE:]
    size = SEGMENT + segments.TAG
    return header, [body[i : i + size] for i in range(0, len(body), size)]


@pytest.fixture
def four_segments(blobs: FilesystemBlobStore) -> str:
    data = bytes(range(256))[: SEGMENT * 3] + b"tail"
    return blobs.put(io.BytesIO(data)).sha256


def test_a_flipped_bit_is_caught_naming_the_segment(blobs: FilesystemBlobStore,
                                                     four_segments: str) -> None:
    path = only_file(blobs)
    raw = bytearray(path.read_bytes())
    raw[segments.HEADER_SIZE + (SEGMENT + segments.TAG) + 5] ^= 0x01
    rewrite(path, bytes(raw))
    with pytest.raises(BlobIntegrityError, match="segment 1 fails authentication"):
        blobs.verify(four_segments)


def test_a_changed_header_is_caught(blobs: FilesystemBlobStore, four_segments: str) -> None:
    path = only_file(blobs)
    raw = bytearray(path.read_bytes())
    raw[20] ^= 0x80  # inside the nonce prefix
    rewrite(path, bytes(raw))
    with pytest.raises(BlobIntegrityError, match="header"):
        blobs.verify(four_segments)


def test_reordered_segments_are_caught(blobs: FilesystemBlobStore, four_segments: str) -> None:
    path = only_file(blobs)
    header, segs = sealed_segments(path)
    rewrite(path, header + segs[1] + segs[0] + segs[2] + segs[3])
    with pytest.raises(BlobIntegrityError, match="segment 0 fails authentication"):
        blobs.verify(four_segments)


@pytest.mark.parametrize("keep", [1, 2, 3])
def test_a_truncated_blob_is_caught_even_at_a_segment_boundary(
        blobs: FilesystemBlobStore, four_segments: str, keep: int) -> None:
    path = only_file(blobs)
    header, segs = sealed_segments(path)
    rewrite(path, header + b"".join(segs[:keep]))
    with pytest.raises(BlobIntegrityError, match=f"segment {keep - 1} fails authentication"):
        blobs.verify(four_segments)


def test_a_blob_cut_inside_its_header_is_caught(blobs: FilesystemBlobStore,
                                                four_segments: str) -> None:
    path = only_file(blobs)
    rewrite(path, path.read_bytes()[:30])
    with pytest.raises(BlobIntegrityError, match="truncated"):
        blobs.verify(four_segments)


def test_an_appended_segment_is_caught(blobs: FilesystemBlobStore, four_segments: str) -> None:
    path = only_file(blobs)
    header, segs = sealed_segments(path)
    rewrite(path, header + b"".join(segs) + segs[1])
    with pytest.raises(BlobIntegrityError, match="segment 3 fails authentication"):
        blobs.verify(four_segments)


def test_a_segment_swapped_in_from_another_blob_is_caught(blobs: FilesystemBlobStore,
                                                          four_segments: str) -> None:
    path = only_file(blobs)
    other = blobs.put(io.BytesIO(bytes(reversed(range(256)))[: SEGMENT * 3] + b"tail"))
    other_path = next(p for p in stored_files(blobs) if p != path)
    header, segs = sealed_segments(path)
    _, foreign = sealed_segments(other_path)
    rewrite(path, header + segs[0] + foreign[1] + segs[2] + segs[3])
    with pytest.raises(BlobIntegrityError, match="segment 1 fails authentication"):
        blobs.verify(four_segments)
    assert blobs.verify(other.sha256) == SEGMENT * 3 + 4


def test_a_whole_blob_swapped_for_another_is_caught(blobs: FilesystemBlobStore) -> None:
    one = blobs.put(io.BytesIO(b"first exhibit"))
    two = blobs.put(io.BytesIO(b"second exhibit"))
    path_one, path_two = blobs._path(one.sha256), blobs._path(two.sha256)
    rewrite(path_one, path_two.read_bytes())
    with pytest.raises(BlobIntegrityError, match="a different blob's file"):
        blobs.verify(one.sha256)


def test_reading_stops_at_the_damage_so_a_caller_can_discard_what_it_got(
        blobs: FilesystemBlobStore, four_segments: str) -> None:
    path = only_file(blobs)
    header, segs = sealed_segments(path)
    rewrite(path, header + segs[0] + segs[2] + segs[1] + segs[3])
    got: list[bytes] = []
    chunks: Iterator[bytes] = blobs.chunks(four_segments)
    with pytest.raises(BlobIntegrityError):
        for chunk in chunks:
            got.append(chunk)
    assert len(got) == 1  # only the authentic first segment came out


# --- keys ------------------------------------------------------------------------------------


def test_the_wrong_master_key_is_named_as_such_not_as_damage(tmp_path: Path,
                                                             blobs: FilesystemBlobStore) -> None:
    stored = blobs.put(io.BytesIO(b"material"))
    create_master_key(tmp_path / "other.key")
    wrong = FilesystemBlobStore(blobs.root, load_master_key(tmp_path / "other.key"),
                                segment_size=SEGMENT)
    assert not wrong.contains(stored.sha256)  # file names depend on the key too
    wrong._path = blobs._path  # type: ignore[method-assign]
    with pytest.raises(KeyFileError, match="wrong master key"):
        wrong.verify(stored.sha256)


def test_key_files_are_owner_only_and_never_overwritten(tmp_path: Path) -> None:
    master, signing = tmp_path / "k" / "master.key", tmp_path / "k" / "sign.pem"
    assert create_master_key(master) and create_signing_key(signing)
    for path in (master, signing):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = master.read_bytes(), signing.read_bytes()
    assert not create_master_key(master) and not create_signing_key(signing)
    assert (master.read_bytes(), signing.read_bytes()) == before
    load_signing_key(signing)


def test_missing_or_broken_key_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match=r"no evidence master key at .* run 'drachma init'"):
        load_master_key(tmp_path / "absent.key")
    (tmp_path / "bad.key").write_text("not a key\n")
    with pytest.raises(KeyFileError, match="is not a Drachma evidence master key"):
        load_master_key(tmp_path / "bad.key")
    with pytest.raises(KeyFileError, match="no checkpoint signing key"):
        load_signing_key(tmp_path / "absent.pem")
    (tmp_path / "bad.pem").write_text("-----BEGIN PRIVATE KEY-----\nxx\n")
    with pytest.raises(KeyFileError, match="not a PEM private key"):
        load_signing_key(tmp_path / "bad.pem")
