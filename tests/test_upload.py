"""Uploaded files are taken in by one library function; the web only hands it the streams."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from drachma.errors import PermissionDenied
from drachma.intake.upload import ingest_files, upload_options, upload_totals
from drachma.model.roles import Role
from drachma.store.db import Store
from tests.conftest import ActorFactory


def test_each_file_has_its_outcome_and_one_bad_file_stops_nothing(
    store: Store, make_actor: ActorFactory, tmp_path: Path
) -> None:
    analyst = make_actor(Role.ANALYST)
    note = b"Officers in Bolton spoke to a man after a group streamed a confrontation."
    files = [
        ("note.txt", io.BytesIO(note)),
        ("again.txt", io.BytesIO(note)),
        ("empty.txt", io.BytesIO(b"")),
        ("blank.csv", io.BytesIO(b"title,body\n")),
    ]
    outcomes = ingest_files(store, analyst, files, upload_options("", "", [], ""), home=tmp_path)
    assert [(o.filename, o.outcome) for o in outcomes] == [
        ("note.txt", "stored"), ("again.txt", "duplicate"), ("empty.txt", "failed"),
        ("blank.csv", "failed"),
    ]
    assert outcomes[1].duplicates == outcomes[0].stored
    assert outcomes[3].failures[0].reason == "no report could be found in the file"
    totals = upload_totals(outcomes)
    assert (totals.stored, totals.duplicates, totals.failed) == (1, 1, 2)


def test_an_empty_grading_is_the_intake_default_and_a_role_without_intake_is_refused(
    store: Store, make_actor: ActorFactory, tmp_path: Path
) -> None:
    assert upload_options(" ", None, [" "], None).grading == "2CP"
    with pytest.raises(PermissionDenied):
        ingest_files(store, make_actor(Role.OFFICER), [("a.txt", io.BytesIO(b"text"))],
                     upload_options("", "", [], ""), home=tmp_path)
