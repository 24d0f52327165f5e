"""CPIA disclosure schedules (MG6C/D/E) and redacted copies, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pytest

from drachma.access.actor import Actor
from drachma.errors import PermissionDenied, ValidationError
from drachma.evidence import disclosure
from drachma.evidence.blobs import FilesystemBlobStore
from drachma.evidence.custody import history
from drachma.evidence.exhibits import Handover, add_exhibits, add_producer, get_exhibit
from drachma.evidence.keys import (
    create_master_key,
    create_signing_key,
    load_master_key,
    load_signing_key,
)
from drachma.evidence.locker import Limits, Locker
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
    create_master_key(tmp_path / "m.key")
    create_signing_key(tmp_path / "s.pem")
    locker = Locker(FilesystemBlobStore(tmp_path / "ev", load_master_key(tmp_path / "m.key")),
                    load_signing_key(tmp_path / "s.pem"), "drachma.test/custody", Limits())
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
