"""CPIA disclosure schedules (MG6C/D/E) and redacted copies, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest

from drachma.access.actor import Actor
from drachma.errors import PermissionDenied, ValidationError
from drachma.evidence import disclosure
from drachma.evidence.custody import history, redact_event
from drachma.evidence.exhibits import Handover, add_exhibits, add_producer, get_exhibit
from drachma.evidence.locker import Locker, locker_in
from drachma.evidence.pack import build_pack, verify_pack
from drachma.evidence.verify import verify_locker
from drachma.model.incident import Investigation
from drachma.model.roles import Role
from drachma.store.db import Store
from drachma.store.entities import insert_investigation
from tests.conftest import ActorFactory


@pytest.fixture
def case(store: Store) -> int:
    with store.begin() as conn:
        return insert_investigation(conn, Investigation("OP-WILLOW", "DS Example", "West "
                                                        "Yorkshire Police"))


@pytest.fixture
def officer(make_actor: ActorFactory) -> Actor:
    return make_actor(Role.DISCLOSURE_OFFICER)


def test_items_are_numbered_across_schedules_and_keep_their_numbers_when_revised(
        store: Store, officer: Actor, case: int) -> None:
    one = disclosure.add_item(store, officer, case, "MG6C", "Officer's notebook entry")
    two = disclosure.add_item(store, officer, case, "MG6D", "Informant contact log",
                              sensitivity="given in confidence")
    three = disclosure.add_item(store, officer, case, "mg6c", "CCTV request, no footage")
    assert [one.number, two.number, three.number] == [1, 2, 3]
    moved = disclosure.revise_item(store, officer, case, 2, schedule="MG6C",
                                   description="Contact log (sensitivity since lifted)")
    assert moved.number == 2 and moved.schedule == "MG6C" and moved.sensitivity is None
    assert [i.number for i in disclosure.schedule_items(store, officer, case, "MG6C")] == [1, 2, 3]
    four = disclosure.add_item(store, officer, case, "MG6D", "Address of a witness",
                               sensitivity="risk to the witness")
    assert four.number == 4


def test_only_the_disclosure_officer_edits_and_bad_items_are_refused(
        store: Store, officer: Actor, make_actor: ActorFactory, case: int) -> None:
    investigator = make_actor(Role.INVESTIGATOR)
    with pytest.raises(PermissionDenied):
        disclosure.add_item(store, investigator, case, "MG6C", "anything")
    with pytest.raises(ValidationError, match="reason for sensitivity"):
        disclosure.add_item(store, officer, case, "MG6D", "no reason given")
    with pytest.raises(ValidationError, match="not MG6C or MG6D"):
        disclosure.add_item(store, officer, case, "MG6X", "wrong schedule")
    with pytest.raises(ValidationError, match="points to item 9"):
        disclosure.write_report(store, officer, case, "Nothing undermines.", [9])
    assert disclosure.schedule_items(store, investigator, case) == []


def test_item_numbers_have_no_gaps_under_concurrent_requests(store: Store, officer: Actor,
                                                             case: int) -> None:
    errors: list[BaseException] = []

    def add(n: int) -> None:
        try:
            for i in range(3):
                disclosure.add_item(store, officer, case, "MG6C", f"item {n}-{i}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = [i.number for i in disclosure.schedule_items(store, officer, case)]
    assert numbers == list(range(1, 13))


def test_schedules_as_csv_and_pdf_and_the_officers_report(store: Store, officer: Actor,
                                                          case: int) -> None:
    disclosure.add_item(store, officer, case, "MG6C", "Officer's notebook entry")
    disclosure.add_item(store, officer, case, "MG6D", "Informant contact log",
                        sensitivity="given in confidence")
    report = disclosure.write_report(store, officer, case, "Item 1 may assist the defence.", [1])
    assert report.revision == 1 and report.items == [1]
    rows = list(csv.reader(io.StringIO(disclosure.schedule_csv(store, officer, case, "MG6D"))))
    assert rows[0][0].startswith("MG6D") and rows[0][0].endswith("OP-WILLOW")
    assert rows[2] == ["2", "Informant contact log", "", "given in confidence"]
    mg6e = list(csv.reader(io.StringIO(disclosure.schedule_csv(store, officer, case, "MG6E"))))
    assert mg6e[2] == ["1", "Item 1 may assist the defence.", "1"]
    for kind in ("MG6C", "MG6D", "MG6E"):
        assert disclosure.schedule_pdf(store, officer, case, kind).startswith(b"%PDF")


def test_a_redacted_copy_is_a_new_exhibit_linked_to_its_unchanged_original(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    locker = locker_in(tmp_path)
    actor = make_actor(Role.INVESTIGATOR)
    add_producer(store, actor, "JS", "Jo Sands")
    original = tmp_path / "chat.txt"
    original.write_bytes(b"invented chat naming a witness")
    add_exhibits(store, actor, locker, [original], Handover("JS", "Northfield Watch", "handed"))
    before = get_exhibit(store, actor, "JS/1")
    redacted = tmp_path / "chat-redacted.txt"
    redacted.write_bytes(b"invented chat naming a [redacted]")
    receipt = disclosure.add_redacted_copy(store, actor, locker, "JS/1", redacted,
                                           "witness's name removed for MG6C", "JS")
    copy = get_exhibit(store, actor, receipt.lines[0].reference)
    assert copy.reference == "JS/2" and copy.redaction_of == "JS/1"
    after = get_exhibit(store, actor, "JS/1")
    assert (after.sha256, after.size) == (before.sha256, before.size)
    assert [e.action.value for e in history(store, actor, "JS/1")] == ["received", "copied"]
    assert verify_locker(store, locker).ok


# --- the disclosure pack ---


@pytest.fixture
def pack(store: Store, make_actor: ActorFactory, tmp_path: Path, case: int,
         officer: Actor) -> tuple[Path, Locker]:
    locker = locker_in(tmp_path)
    actor = make_actor(Role.INVESTIGATOR)
    add_producer(store, actor, "JS", "Jo Sands")
    for name in ("chat log.txt", "screen.png"):
        (tmp_path / name).write_bytes(f"invented {name}".encode())
        add_exhibits(store, actor, locker, [tmp_path / name],
                     Handover("JS", "Northfield Watch", "handed over"))
    redact_event(store, actor, 0, "retention review")
    disclosure.add_item(store, officer, case, "MG6C", "Chat log", exhibit="JS/1")
    out = tmp_path / "pack.zip"
    summary = build_pack(store, actor, locker, case, ["JS/1", "JS/2"], out, "for the CPS")
    assert summary.exhibits == ["JS/1", "JS/2"] and summary.events == 4
    return out, locker


def test_a_pack_checks_with_sha256sum_and_verify_pack_alone(pack: tuple[Path, Locker],
                                                            tmp_path: Path) -> None:
    path, locker = pack
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(unpacked)
        names = archive.namelist()
    assert "exhibits/JS-1_chat_log.txt" in names and "schedules/MG6C.pdf" in names
    done = subprocess.run(["sha256sum", "-c", "MANIFEST"], cwd=unpacked, capture_output=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    report = verify_pack(path, locker.verifier_key)
    assert report.ok, report.problems
    assert (report.exhibits, report.events) == (2, 4)


def rewrite_member(path: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(path) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist()}
    entries[name] = data
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in entries.items():
            archive.writestr(member, content)


def test_a_changed_exhibit_in_a_pack_is_named(pack: tuple[Path, Locker]) -> None:
    path, locker = pack
    rewrite_member(path, "exhibits/JS-2_screen.png", b"something else")
    report = verify_pack(path, locker.verifier_key)
    assert report.problems == [
        "file exhibits/JS-2_screen.png: its SHA-256 is not the one in the MANIFEST (changed)",
        "exhibit JS/2: its content's SHA-256 is not the recorded one"]


def test_a_pack_with_a_substituted_key_is_named(pack: tuple[Path, Locker],
                                                tmp_path: Path) -> None:
    path, _ = pack
    other = locker_in(tmp_path / "elsewhere")
    report = verify_pack(path, other.verifier_key)
    assert report.problems == ["public key: the pack's key is not the one you were given"]


def test_a_changed_custody_event_in_a_pack_is_named(pack: tuple[Path, Locker]) -> None:
    path, locker = pack
    with zipfile.ZipFile(path) as archive:
        events = json.loads(archive.read("custody/events.json"))
    events[1]["reason"] = "something else"
    rewrite_member(path, "custody/events.json", json.dumps(events).encode())
    problems = verify_pack(path, locker.verifier_key).problems
    assert "event #1 (JS/2 received): its details do not match its digest" in problems
