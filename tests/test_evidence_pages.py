"""The evidence pages (GOV.UK Frontend): list, handover with its receipt, an exhibit with its
custody history, opening content with a reason, schedules. No page ever shows content."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
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


def links(page: str, text: str) -> str:
    """The href of the link whose text is ``text`` (HTML-unescaped)."""
    found = re.search(rf'<a class="govuk-link" href="([^"]+)"[^>]*>{text}</a>', page)
    assert found, f"no link {text!r} on the page"
    return html.unescape(found.group(1))


def test_the_receipt_page_offers_the_receipt_as_csv_and_pdf(client: Any, csrf: str) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("screen.png", PNG)
        z.writestr("chat.txt", b"invented chat log")
    note = b"invented covering note"
    page = hand_over(client, csrf, {"export.zip": archive.getvalue(), "note.txt": note}).text

    csv_answer = client.get(links(page, "CSV"))
    assert csv_answer.status_code == 200
    assert csv_answer.headers["content-type"].startswith("text/csv")
    assert csv_answer.headers["content-disposition"] == 'attachment; filename="receipt-JS-1.csv"'
    rows = list(csv.reader(io.StringIO(csv_answer.text)))
    assert ["From", "Northfield Watch"] in rows and ["Place", "Leeds Central"] in rows
    assert ["Reason", "handed over at the counter"] in rows
    lines = {row[0]: row for row in rows if row and row[0].startswith("JS/")}
    assert sorted(lines) == ["JS/1", "JS/1/1", "JS/1/2", "JS/2"]
    assert lines["JS/2"][1:4] == ["note.txt", str(len(note)), hashlib.sha256(note).hexdigest()]
    by_name = {row[1]: row for row in lines.values()}
    assert by_name["screen.png"][2:5] == [str(len(PNG)), hashlib.sha256(PNG).hexdigest(),
                                          "image/png"]

    pdf_answer = client.get(links(page, "PDF"))
    assert pdf_answer.status_code == 200 and pdf_answer.content.startswith(b"%PDF-")
    assert pdf_answer.headers["content-type"] == "application/pdf"


def test_an_exhibit_page_offers_its_handover_receipt(client: Any, csrf: str) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("chat.txt", b"invented chat log")
    hand_over(client, csrf, {"export.zip": archive.getvalue()})
    page = client.get("/evidence/exhibit", params={"reference": "JS/1/1"}).text
    answer = client.get(links(page, "CSV"))
    assert answer.status_code == 200 and "JS/1/1" in answer.text and "JS/1," in answer.text
    assert client.get(links(page, "PDF")).content.startswith(b"%PDF-")
    sub_only = client.get("/evidence/receipt.csv", params={"reference": "JS/1/1"})
    assert sub_only.status_code == 422 and "sub-exhibit" in sub_only.text


def test_the_schedule_page_offers_csv_and_pdf(client: Any, csrf: str, store: Store) -> None:
    with store.begin() as conn:
        case = insert_investigation(conn, Investigation("OP-ASH", "DS Example", None))
    page = client.get(f"/evidence/investigations/{case}/schedules/MG6C").text
    answer = client.get(links(page, "CSV"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    title = re.search(r'<h1 class="govuk-heading-l">([^<]+)</h1>', page)
    assert title and answer.text.splitlines()[0] == html.unescape(title.group(1))
    pdf = client.get(links(page, "PDF"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
