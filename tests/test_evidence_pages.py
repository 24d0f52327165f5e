"""The evidence pages (GOV.UK Frontend): list, handover with its receipt, an exhibit with its
custody history, opening content with a reason, schedules. No page ever shows content."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from drachma.config import load_evidence_settings
from drachma.evidence.exhibits import add_producer
from drachma.evidence.keys import ensure_evidence_keys
from drachma.model.incident import Investigation
from drachma.model.roles import Role
from drachma.store.db import Store
from drachma.store.entities import insert_investigation
from tests.conftest import ActorFactory
from tests.web import field_error, log_in

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17) + b"invented"


@pytest.fixture
def csrf(client: Any, store: Store, make_actor: ActorFactory, tmp_path: Path) -> str:
    ensure_evidence_keys(load_evidence_settings(tmp_path))
    actor = make_actor(Role.INVESTIGATOR)
    add_producer(store, actor, "JS", "Jo Sands")
    return log_in(client, actor)


def hand_over(client: Any, csrf: str, files: dict[str, bytes], **form: str) -> Any:
    data = {"csrf_token": csrf, "producer": "JS", "received_from": "Northfield Watch",
            "place": "Leeds Central", "reason": "handed over at the counter", **form}
    return client.post("/evidence/handover", data=data,
                       files=[("files", (n, b)) for n, b in files.items()])


def test_a_handover_gives_a_receipt_and_the_list_never_shows_content(client: Any,
                                                                      csrf: str) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("screen.png", PNG)
    answer = hand_over(client, csrf, {"export.zip": archive.getvalue()})
    assert answer.status_code == 200, answer.text
    assert "Receipt" in answer.text and "JS/1/1" in answer.text and "image/png" in answer.text
    listing = client.get("/evidence")
    assert listing.status_code == 200 and "JS/1/1" in listing.text
    for page in (listing.text, answer.text, client.get("/evidence/exhibit",
                                                         params={"reference": "JS/1/1"}).text):
        assert "<img" not in page and "data:image" not in page


def test_bad_handovers_show_the_problem_by_its_field(client: Any, csrf: str) -> None:
    answer = hand_over(client, csrf, {"a.txt": b"invented"}, reason="")
    assert answer.status_code == 422
    assert field_error(answer.text, "reason") == "a reason is required for every action on evidence"
    answer = hand_over(client, csrf, {"empty.txt": b""})
    assert answer.status_code == 422 and "is empty" in answer.text
    assert "No exhibits yet" in client.get("/evidence").text
    forged = hand_over(client, "not-the-token", {"a.txt": b"x"})
    assert forged.status_code == 403


def test_opening_content_takes_a_reason_and_is_recorded(client: Any, csrf: str) -> None:
    hand_over(client, csrf, {"note.txt": b"invented note"})
    missing = client.post("/evidence/open", data={"csrf_token": csrf, "reference": "JS/1",
                                                  "reason": ""})
    assert missing.status_code == 422 and field_error(missing.text, "reason")
    opened = client.post("/evidence/open", data={"csrf_token": csrf, "reference": "JS/1",
                                                 "reason": "review for the MG6C"})
    assert opened.status_code == 200 and opened.content == b"invented note"
    assert opened.headers["content-disposition"].startswith("attachment")
    page = client.get("/evidence/exhibit", params={"reference": "JS/1"}).text
    assert "downloaded" in page and "review for the MG6C" in page


def test_the_schedule_page(client: Any, csrf: str, store: Store) -> None:
    with store.begin() as conn:
        case = insert_investigation(conn, Investigation("OP-OAK", "DS Example", None))
    page = client.get(f"/evidence/investigations/{case}/schedules/MG6C")
    assert page.status_code == 200 and "OP-OAK" in page.text and "Nothing on this schedule" \
        in page.text
