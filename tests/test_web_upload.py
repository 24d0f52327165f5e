"""Uploading files for intake: the /ingest page and POST /api/ingest.

Storage tests run on SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from drachma.access.actor import Actor, system_actor
from drachma.intake.upload import UPLOAD_LIMIT_BYTES
from drachma.model.roles import Role
from drachma.reports import get_report, list_reports
from drachma.store.db import Store
from tests.conftest import PASSWORD, ActorFactory
from tests.web import log_in

TXT = b"Lanternfield Watch streamed a confrontation outside a shop in Wigan on Sunday."
CSV = (b"title,body\n"
       b"Stream in Oldham,Group Shadow Patrol North streamed a sting at a retail park in Oldham.\n"
       b"Leaflets,Leaflets naming a man were posted through doors in Heywood.\n")
BINARY = bytes(range(256)) * 8


def report_count(store: Store) -> int:
    return list_reports(store, system_actor())[1]


def result_row(page: str, filename: str) -> str:
    found = re.search(rf'<tr class="govuk-table__row outcome-[a-z]+">\s*'
                      rf'<th scope="row" class="govuk-table__header filename">'
                      rf'{re.escape(filename)}</th>.*?</tr>', page, re.S)
    assert found, f"no result row for {filename}"
    return found.group(0)


def linked_reports(fragment: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a class="govuk-link" href="/reports/(\d+)">', fragment)]


Files = list[tuple[str, tuple[str, bytes, str]]]


def files(*named: tuple[str, bytes]) -> Files:
    return [("files", (name, data, "application/octet-stream")) for name, data in named]


# --- the page ----------------------------------------------------------------------------------

def test_each_uploaded_file_gets_its_own_outcome(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    csrf = log_in(client, analyst)
    form = client.get("/ingest")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text and 'name="files"' in form.text
    assert 'type="file" multiple' in form.text

    response = client.post(
        "/ingest",
        data={"csrf_token": csrf, "grading": "3DP", "source_kind": "group"},
        files=files(("tip.txt", TXT), ("two-rows.csv", CSV), ("again.txt", TXT),
                    ("photo.bin", BINARY)),
    )
    assert response.status_code == 200, response.text
    page = response.text
    assert report_count(store) == 3
    assert "4 files: 3 reports stored, 1 already stored, 1 not taken in." in page

    tip = result_row(page, "tip.txt")
    assert "Stored</strong>" in tip
    [tip_id] = linked_reports(tip)
    stored = get_report(store, analyst, tip_id)
    assert stored.body == TXT.decode()
    assert stored.grading.code == "3DP" and stored.source_kind.value == "group"

    rows = result_row(page, "two-rows.csv")
    assert "Stored</strong>" in rows and "Stored as reports" in rows
    assert len(linked_reports(rows)) == 2

    again = result_row(page, "again.txt")
    assert "Already stored (duplicate)" in again and linked_reports(again) == [tip_id]

    bad = result_row(page, "photo.bin")
    assert "Not taken in" in bad and "binary data" in bad and linked_reports(bad) == []

    # The options chosen stay in the form for the next upload.
    assert re.search(r'id="grading" name="grading" type="text"[^>]* value="3DP"', page)
    assert '<option value="group" selected>' in page


def test_a_file_name_is_shown_escaped_and_without_its_path(
    client: TestClient, make_actor: ActorFactory
) -> None:
    csrf = log_in(client, make_actor(Role.ANALYST))
    page = client.post("/ingest", data={"csrf_token": csrf},
                       files=files(("../notes/Tom & <i>Jo.txt", b"A note about a stream in Bury."))
                       ).text
    assert "<i>" not in page and "../" not in page
    assert 'class="govuk-table__header filename">Tom &amp; _i_Jo.txt</th>' in page


def test_a_handling_code_c_upload_needs_roles_and_keeps_them(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    csrf = log_in(client, analyst)
    missing = client.post("/ingest", data={"csrf_token": csrf, "grading": "2BC",
                                           "handling_conditions": "Analysts only"},
                          files=files(("tip.txt", TXT)))
    assert missing.status_code == 422
    assert 'id="visible_to-error"' in missing.text and "Nothing was stored." in missing.text
    assert report_count(store) == 0

    done = client.post("/ingest", data={"csrf_token": csrf, "grading": "2BC",
                                         "handling_conditions": "Analysts only",
                                         "visible_to": ["analyst"]},
                       files=files(("tip.txt", TXT)))
    [report_id] = linked_reports(result_row(done.text, "tip.txt"))
    report = get_report(store, analyst, report_id)
    assert report.grading.conditions == "Analysts only"
    assert {r.value for r in report.visible_to} == {"analyst"}


def test_bad_options_or_no_file_show_the_form_again_with_the_error_by_the_field(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    csrf = log_in(client, make_actor(Role.SUPERVISOR))
    bad = client.post("/ingest", data={"csrf_token": csrf, "grading": "4BP"},
                      files=files(("tip.txt", TXT)))
    assert bad.status_code == 422
    assert 'id="grading-error"' in bad.text and "must be 1, 2 or 3" in bad.text
    assert re.search(r'id="grading"[^>]*value="4BP"', bad.text)
    assert re.search(r'class="govuk-input[^"]*govuk-input--error" id="grading"[^>]*'
                     r'aria-describedby="grading-hint grading-error"', bad.text)

    # A browser sends an empty, nameless part when no file was chosen.
    none = client.post("/ingest", data={"csrf_token": csrf}, files=files(("", b"")))
    assert none.status_code == 422
    assert 'id="files-error"' in none.text and "choose at least one file" in none.text
    assert report_count(store) == 0


def test_an_upload_without_its_csrf_token_is_refused_and_nothing_is_stored(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    log_in(client, make_actor(Role.ANALYST))
    for data in ({}, {"csrf_token": "wrong"}):
        response = client.post("/ingest", data=data, files=files(("tip.txt", TXT)))
        assert response.status_code == 403
    assert report_count(store) == 0


@pytest.mark.parametrize(
    "role", [Role.OFFICER, Role.INVESTIGATOR, Role.DISCLOSURE_OFFICER, Role.ADMIN]
)
def test_roles_without_intake_rights_get_403_and_no_link(
    client: TestClient, store: Store, make_actor: ActorFactory, role: Role
) -> None:
    csrf = log_in(client, make_actor(role))
    assert client.get("/ingest").status_code == 403
    refused = client.post("/ingest", data={"csrf_token": csrf}, files=files(("tip.txt", TXT)))
    assert refused.status_code == 403
    assert 'href="/ingest"' not in client.get("/").text
    assert report_count(store) == 0


@pytest.mark.parametrize("role", [Role.ANALYST, Role.SUPERVISOR])
def test_roles_with_intake_rights_see_the_link(
    client: TestClient, make_actor: ActorFactory, role: Role
) -> None:
    log_in(client, make_actor(role))
    assert re.search(r'<a class="govuk-service-navigation__link" href="/ingest"[^>]*>\s*'
                     r'Take in files\s*</a>', client.get("/reports").text)


def test_the_upload_page_needs_a_login(client: TestClient) -> None:
    response = client.get("/ingest", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fingest"


def test_an_upload_over_the_limit_is_refused_with_a_clear_message(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    csrf = log_in(client, make_actor(Role.ANALYST))
    big = b"x" * (UPLOAD_LIMIT_BYTES + 1)
    response = client.post("/ingest", data={"csrf_token": csrf}, files=files(("big.txt", big)))
    assert response.status_code == 413
    assert "larger than 50 MB in all" in response.text and 'id="files-error"' in response.text
    assert 'name="files"' in response.text  # the form again, ready for smaller files
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert report_count(store) == 0

    # Other forms keep the general limit, with the same kind of page.
    form = client.post("/reports/new", data={"csrf_token": csrf, "grading": "2BP",
                                             "body": "x" * (11 * 1024 * 1024)})
    assert form.status_code == 413 and "larger than 10 MB" in form.text


# --- the API -----------------------------------------------------------------------------------

def bearer(client: TestClient, actor: Actor) -> dict[str, str]:
    response = client.post("/api/login", json={"username": actor.name, "password": PASSWORD})
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_the_api_takes_an_upload_and_answers_per_file(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    headers = bearer(client, make_actor(Role.ANALYST))
    response = client.post("/api/ingest", headers=headers, data={"grading": "2BP"},
                           files=files(("tip.txt", TXT), ("two-rows.csv", CSV),
                                       ("again.txt", TXT), ("photo.bin", BINARY)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["stored"], body["duplicates"], body["failed"]) == (3, 1, 1)
    outcome = {item["filename"]: item for item in body["items"]}
    assert [item["filename"] for item in body["items"]] == [
        "tip.txt", "two-rows.csv", "again.txt", "photo.bin"]
    assert outcome["tip.txt"]["outcome"] == "stored" and len(outcome["tip.txt"]["stored"]) == 1
    assert outcome["two-rows.csv"]["outcome"] == "stored"
    assert len(outcome["two-rows.csv"]["stored"]) == 2
    assert outcome["again.txt"]["outcome"] == "duplicate"
    assert outcome["again.txt"]["duplicates"] == outcome["tip.txt"]["stored"]
    assert outcome["photo.bin"]["outcome"] == "failed"
    assert "binary data" in outcome["photo.bin"]["failures"][0]["reason"]
    assert isinstance(outcome["photo.bin"]["run_id"], int)
    assert report_count(store) == 3


def test_the_api_upload_refuses_bad_input_roles_and_missing_csrf(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = bearer(client, make_actor(Role.ANALYST))
    no_files = client.post("/api/ingest", headers=analyst, data={"grading": "2BP"})
    assert no_files.status_code == 422 and no_files.json()["field"] == "files"
    bad = client.post("/api/ingest", headers=analyst, data={"grading": "2ZP"},
                      files=files(("tip.txt", TXT)))
    assert bad.status_code == 422 and bad.json()["field"].startswith("grading")
    unknown_kind = client.post("/api/ingest", headers=analyst, data={"source_kind": "rumour"},
                               files=files(("tip.txt", TXT)))
    assert unknown_kind.status_code == 422 and unknown_kind.json()["field"] == "source_kind"

    officer = bearer(client, make_actor(Role.OFFICER))
    assert client.post("/api/ingest", headers=officer,
                       files=files(("tip.txt", TXT))).status_code == 403

    login = client.post("/api/login", json={"username": "analyst1", "password": PASSWORD})
    no_csrf = client.post("/api/ingest", files=files(("tip.txt", TXT)))
    assert no_csrf.status_code == 403 and no_csrf.json()["field"] == "csrf_token"
    assert report_count(store) == 0
    with_csrf = client.post("/api/ingest", files=files(("tip.txt", TXT)),
                            headers={"X-CSRF-Token": login.json()["csrf_token"]})
    assert with_csrf.status_code == 200 and with_csrf.json()["stored"] == 1


def test_the_api_upload_over_the_limit_is_413_json(
    client: TestClient, make_actor: ActorFactory
) -> None:
    headers = bearer(client, make_actor(Role.ANALYST))
    big = b"x" * (UPLOAD_LIMIT_BYTES + 1)
    response = client.post("/api/ingest", headers=headers, files=files(("big.txt", big)))
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert "larger than 50 MB" in response.json()["message"]
