"""The evidence locker's JSON API, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from drachma.config import load_evidence_settings
from drachma.evidence.keys import ensure_evidence_keys
from drachma.model.incident import Investigation
from drachma.model.roles import Role
from drachma.store.db import Store
from drachma.store.entities import insert_investigation
from tests.conftest import PASSWORD, ActorFactory


def bearer(client: Any, make_actor: ActorFactory, role: Role) -> dict[str, str]:
    actor = make_actor(role)
    answer = client.post("/api/login", json={"username": actor.name, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.fixture
def investigator(client: Any, make_actor: ActorFactory, tmp_path: Path) -> dict[str, str]:
    ensure_evidence_keys(load_evidence_settings(tmp_path))
    headers = bearer(client, make_actor, Role.INVESTIGATOR)
    from drachma.evidence.exhibits import add_producer

    add_producer(client.app.state.store, make_actor(Role.INVESTIGATOR), "JS", "Jo Sands")
    return headers


def upload(client: Any, headers: dict[str, str], files: dict[str, bytes],
           **form: str) -> Any:
    data = {"producer": "JS", "received_from": "Northfield Watch",
            "reason": "handed over at the counter", **form}
    return client.post("/api/evidence/exhibits", headers=headers, data=data,
                       files=[("files", (name, body)) for name, body in files.items()])


def test_upload_list_open_and_custody(client: Any, investigator: dict[str, str]) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("chat.txt", "invented chat")
    answer = upload(client, investigator, {"export.zip": archive.getvalue(),
                                           "note.txt": b"invented note"})
    assert answer.status_code == 201, answer.text
    assert [line["reference"] for line in answer.json()["lines"]] == ["JS/1", "JS/1/1", "JS/2"]

    listed = client.get("/api/evidence/exhibits", headers=investigator).json()
    assert listed["total"] == 3
    assert "content" not in listed["exhibits"][0]

    refused = client.post("/api/evidence/open", headers=investigator,
                          json={"reference": "JS/2", "reason": "  "})
    assert refused.status_code == 422 and refused.json()["field"] == "reason"
    opened = client.post("/api/evidence/open", headers=investigator,
                         json={"reference": "JS/2", "reason": "checking the note"})
    assert opened.status_code == 200
    assert opened.content == b"invented note"
    assert opened.headers["content-type"] == "application/octet-stream"
    assert opened.headers["content-disposition"].startswith("attachment")

    detail = client.get("/api/evidence/exhibit", params={"reference": "JS/2"},
                        headers=investigator).json()
    assert [e["action"] for e in detail["custody"]] == ["received", "viewed"]
    moved = client.post("/api/evidence/custody", headers=investigator,
                        json={"reference": "JS/2", "action": "transferred",
                              "reason": "to the forensic unit"})
    assert moved.status_code == 200
    note = client.get("/api/evidence/checkpoint", headers=investigator).text
    assert note.split("\n")[1] == "5"
    proof = client.get("/api/evidence/proof/4", headers=investigator).json()
    assert proof["tree_size"] == 5


def test_a_hostile_archive_upload_is_refused_with_its_reason(
        client: Any, investigator: dict[str, str]) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../escape.txt", "x")
    answer = upload(client, investigator, {"bad.zip": archive.getvalue()})
    assert answer.status_code == 422
    assert answer.json()["error"] == "hostile_archive" and "unsafe path" in answer.json()["message"]
    assert client.get("/api/evidence/exhibits", headers=investigator).json()["total"] == 0


def test_roles_without_the_permission_are_refused(client: Any, make_actor: ActorFactory,
                                                  investigator: dict[str, str]) -> None:
    analyst = bearer(client, make_actor, Role.ANALYST)
    assert client.get("/api/evidence/exhibits", headers=analyst).status_code == 403
    assert upload(client, analyst, {"a.txt": b"x"}).status_code == 403
    client.cookies.clear()  # log-in also set a cookie
    assert client.get("/api/evidence/exhibits").status_code == 401


def test_schedules_are_edited_by_the_disclosure_officer_only(
        client: Any, store: Store, make_actor: ActorFactory,
        investigator: dict[str, str]) -> None:
    with store.begin() as conn:
        case = insert_investigation(conn, Investigation("OP-ELM", "DS Example", None))
    officer = bearer(client, make_actor, Role.DISCLOSURE_OFFICER)
    item = {"schedule": "MG6C", "description": "Officer's notes"}
    url = f"/api/evidence/investigations/{case}/items"
    assert client.post(url, headers=investigator, json=item).status_code == 403
    made = client.post(url, headers=officer, json=item)
    assert made.status_code == 201 and made.json()["number"] == 1
    revised = client.patch(f"{url}/1", headers=officer,
                           json={"schedule": "MG6D", "sensitivity": "given in confidence"})
    assert revised.json()["number"] == 1 and revised.json()["schedule"] == "MG6D"
    schedule = client.get(f"/api/evidence/investigations/{case}/schedules/MG6D",
                          headers=investigator).json()
    assert schedule["rows"] == [["1", "Officer's notes", "", "given in confidence"]]
    pdf = client.get(f"/api/evidence/investigations/{case}/schedules/MG6D",
                     params={"format": "pdf"}, headers=investigator)
    assert pdf.content.startswith(b"%PDF")
