"""The pages, driven as a browser without JavaScript would: plain form posts with the CSRF
token. A live incident from the form to a charge, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from drachma.model.incident import InvestigationSubject
from drachma.model.roles import Role
from drachma.safeguarding import deconfliction
from drachma.store.db import Store
from tests.conftest import ActorFactory
from tests.test_incidents_support import GROUP, STREAM, add_group, preserve_stream, row_counts
from tests.web import log_in


def test_a_live_incident_through_the_pages(client: TestClient, store: Store,
                                           make_actor: ActorFactory, tmp_path: Path) -> None:
    add_group(store)
    owner = make_actor(Role.INVESTIGATOR)
    deconfliction.open_investigation(store, owner, "OP ROWAN", "DS Jo Kettering", owner.name,
                                     "0161 496 0123", None, [InvestigationSubject(
                                         name="Lee Cartwright", date_of_birth=date(1990, 5, 6))])
    officer = make_actor(Role.OFFICER)
    csrf = log_in(client, officer)
    form = client.get("/incidents/new")
    assert form.status_code == 200 and 'name="csrf_token"' in form.text

    before = row_counts(store, "incidents")
    wrong = client.post("/incidents/new", data={
        "csrf_token": csrf, "place": "Nowhere Junction", "group": GROUP, "stream_url": STREAM})
    assert wrong.status_code == 422 and "not in the gazetteer" in wrong.text
    assert 'name="new_place"' in wrong.text  # offered as new
    assert row_counts(store, "incidents") == before
    assert client.post("/incidents/new", data={"place": "Rochdale", "group": GROUP}
                       ).status_code == 403  # no CSRF token

    made = client.post("/incidents/new", data={
        "csrf_token": csrf, "place": "Rochdale", "group": GROUP, "stream_url": STREAM},
        follow_redirects=False)
    assert made.status_code == 303
    url = made.headers["location"]
    number = int(url.rsplit("/", 1)[1])

    added = client.post(f"{url}/people", data={
        "csrf_token": csrf, "name": "Lee Cartwright", "role": "subject", "dob": "05/06/1990"})
    assert added.status_code == 200
    assert "DS Jo Kettering (0161 496 0123)" in added.text and "OP ROWAN" not in added.text
    assert "the subject" in added.text

    assessed = client.post(f"{url}/assess", data={
        "csrf_token": csrf, "focus": "household", "factor": ["children_in_household"],
        "note_vulnerability": "Two children at home"})
    assert assessed.status_code == 200 and "Referral to children" in assessed.text
    task_id = re.search(r'action="/tasks/(\d+)/done"', assessed.text)
    assert task_id
    done = client.post(f"/tasks/{task_id.group(1)}/done", data={
        "csrf_token": csrf, "note": "referred", "back": url})
    assert done.status_code == 200

    client.post(f"{url}/takedowns", data={"csrf_token": csrf, "url": STREAM,
                                          "kind": "live_stream", "basis": "harassment"})
    page = client.get(url).text
    takedown = re.search(r'action="/takedowns/(\d+)/status"', page)
    assert takedown
    t = takedown.group(1)
    refused = client.post(f"/takedowns/{t}/status", data={"csrf_token": csrf, "status": "sent"})
    assert refused.status_code == 422 and "preserved copy" in refused.text
    [kept] = preserve_stream(store, make_actor(Role.INVESTIGATOR), tmp_path, "JK")
    client.post(f"/takedowns/{t}/preservation", data={"csrf_token": csrf, "exhibit": kept})
    assert client.post(f"/takedowns/{t}/status",
                       data={"csrf_token": csrf, "status": "sent"}).status_code == 200
    client.post(f"{url}/events", data={"csrf_token": csrf, "kind": "arrest"})
    assert "Suggested after the arrest: contempt_of_court" in client.get(url).text
    client.post(f"/takedowns/{t}/status", data={"csrf_token": csrf, "status": "removed"})
    client.post(f"{url}/events", data={"csrf_token": csrf, "kind": "charge"})
    final = client.get(url).text
    for label in ("created", "alert raised", "assessed", "task done", "takedown sent",
                  "arrest", "takedown answered", "charge"):
        assert f'govuk-table__cell">{label}</td>' in final, label
    text = client.get(f"/takedowns/{t}/text")
    assert text.status_code == 200 and STREAM in text.text
    listing = client.get("/incidents", params={"area": "Rochdale"})
    assert f'href="/incidents/{number}"' in listing.text

    client.post("/logout", data={"csrf_token": csrf})
    csrf = log_in(client, owner)
    inbox = client.get("/alerts")
    assert inbox.status_code == 200 and "1 unread" in inbox.text
    assert "Alerts (1 unread)" in client.get("/reports").text  # the count on every page


def test_an_incident_is_opened_from_a_report_page(client: TestClient, store: Store,
                                                  make_actor: ActorFactory) -> None:
    from drachma.reports import ReportDraft, add_report

    add_group(store)
    officer = make_actor(Role.OFFICER)
    text = (f"Members of {GROUP} streamed a confrontation in Rochdale on Facebook with a man "
            "who believed he was talking to a 13-year-old girl.")
    report = add_report(store, officer, ReportDraft(title="Stream", body=text, grading="2BP"))
    csrf = log_in(client, officer)
    page = client.get(f"/reports/{report.id}").text
    assert "Open an incident from this report" in page
    opened = client.post(f"/reports/{report.id}/incident", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert opened.status_code == 303
    incident = client.get(opened.headers["location"]).text
    assert "Rochdale" in incident and GROUP in incident
    assert "read by machine" in incident.lower()

    # A report that names no place brings the live form back, filled with what was read.
    bare = add_report(store, officer, ReportDraft(title="Tip", body=f"{GROUP} plan a stream.",
                                                  grading="2BP"))
    refused = client.post(f"/reports/{bare.id}/incident", data={"csrf_token": csrf})
    assert refused.status_code == 422 and "names no place" in refused.text
    # Without the form's token nothing is opened.
    assert client.post(f"/reports/{report.id}/incident", data={}).status_code == 403


def test_roles_that_do_not_handle_incidents_see_no_button(client: TestClient, store: Store,
                                                          make_actor: ActorFactory) -> None:
    from drachma.reports import ReportDraft, add_report

    analyst = make_actor(Role.ANALYST)
    report = add_report(store, analyst, ReportDraft(title="t", body="A stream in Bury.",
                                                    grading="2BP"))
    log_in(client, analyst)
    assert "Open an incident from this report" not in client.get(f"/reports/{report.id}").text
