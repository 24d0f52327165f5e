"""Reports from the public: the form at /public/report (no account), the triage queue graders
work from, and grading an item into a report with source kind ``public``.

Storage tests run on SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from limits import parse
from sqlalchemy import func, select

from drachma.access.actor import system_actor
from drachma.access.audit import view_audit
from drachma.config import load_evidence_settings
from drachma.errors import ConflictError, GradingError, NotFoundError, PermissionDenied
from drachma.evidence.custody import history
from drachma.evidence.exhibits import list_exhibits
from drachma.evidence.locker import locker_in
from drachma.evidence.verify import verify_locker
from drachma.intake.public import (
    LIMITS,
    PublicForm,
    PublicFormError,
    get_triage_item,
    grade_public_report,
    list_triage,
    sniff_screenshot,
    submit_public_report,
)
from drachma.intake.sources import read_source_identity
from drachma.model.report import SourceKind
from drachma.model.roles import Role
from drachma.reports import get_report
from drachma.store import intake as intake_store
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from drachma.store.tables import public_reports, reports
from drachma.web.ratelimit import PublicLimits, RateLimiter, load_public_limits
from tests.conftest import ActorFactory
from tests.web import log_in

# A real 1x1 PNG picture.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
REFERENCE = re.compile(r"PR-[2-9A-Z]{4}-[2-9A-Z]{4}")


def a_concern(**changes: Any) -> PublicForm:
    form = PublicForm(
        concern="group_activity",
        what_happened="A group said on its page that it will meet a man outside a shop in "
                      "Bury on Saturday and stream it.",
        when_text="Saturday evening", where_text="Bury town centre", platform="Facebook",
        links="https://example.org/a-post")
    for name, value in changes.items():
        setattr(form, name, value)
    return form


def queued(store: Store) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(public_reports)).scalar_one())


def report_count(store: Store) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


# --- the library ---------------------------------------------------------------------------------

def test_a_submission_gets_a_reference_and_waits_ungraded_in_the_queue(
        store: Store, tmp_path: Path, make_actor: ActorFactory) -> None:
    reference = submit_public_report(store, a_concern(), home=tmp_path)
    assert REFERENCE.fullmatch(reference)
    items, total = list_triage(store, make_actor(Role.ANALYST))
    assert total == 1 and items[0].reference == reference
    assert items[0].status == "ungraded" and items[0].report_id is None
    assert report_count(store) == 0  # not a report until graded
    events, _ = view_audit(store, system_actor(), AuditFilters(record_kind="public_report"))
    assert {e.actor_name for e in events} >= {"public", "analyst1"}
    assert any(e.detail.get("listed") == reference for e in events)  # the listing is audited


def test_contact_details_need_consent_and_are_dropped_without_it(store: Store,
                                                                 tmp_path: Path) -> None:
    with pytest.raises(PublicFormError) as refused:
        submit_public_report(store, a_concern(contact_email="sam@example.org"), home=tmp_path)
    assert "consent" in refused.value.problems
    assert queued(store) == 0


@pytest.mark.parametrize(("field", "value"), [
    ("what_happened", "x" * (LIMITS["what_happened"] + 1)),
    ("what_happened", "text with a NUL \x00 in it"),
    ("where_text", "two\nlines"),
    ("platform", "p" * 101),
    ("links", "\n".join(f"https://example.org/{i}" for i in range(21))),
    ("concern", "something else"),
    ("what_happened", "   "),
])
def test_bad_fields_are_refused_by_name_and_nothing_is_stored(
        store: Store, tmp_path: Path, field: str, value: str) -> None:
    with pytest.raises(PublicFormError) as refused:
        submit_public_report(store, a_concern(**{field: value}), home=tmp_path)
    assert field in refused.value.problems
    assert queued(store) == 0


def test_screenshots_are_sniffed_from_their_bytes_not_their_names(store: Store,
                                                                  tmp_path: Path) -> None:
    assert sniff_screenshot(PNG) == "image/png"
    assert sniff_screenshot(b"<script>alert(1)</script>") is None
    with pytest.raises(PublicFormError) as refused:
        submit_public_report(store, a_concern(screenshots=[("chat.png", b"MZ\x90\x00 not a pic")]),
                             home=tmp_path)
    assert "not a PNG" in refused.value.problems["screenshots"]
    with pytest.raises(PublicFormError):
        submit_public_report(store, a_concern(screenshots=[("a.png", PNG)] * 4), home=tmp_path)
    big = PNG + b"\x00" * (5 * 1024 * 1024)
    with pytest.raises(PublicFormError):
        submit_public_report(store, a_concern(screenshots=[("big.png", big)]), home=tmp_path)
    assert queued(store) == 0
    reference = submit_public_report(store, a_concern(screenshots=[("../../chat.png", PNG)]),
                                     home=tmp_path)
    item = get_triage_item(store, system_actor(), reference)
    assert [(f.filename, f.media_type) for f in item.files] == [("chat.png", "image/png")]
    assert (tmp_path / item.files[0].stored_path).read_bytes() == PNG


def test_only_roles_that_grade_see_the_queue_and_only_supervisors_the_contact_details(
        store: Store, tmp_path: Path, make_actor: ActorFactory) -> None:
    reference = submit_public_report(store, a_concern(
        contact_name="Sam Example", contact_email="sam@example.org", consent=True), home=tmp_path)
    with pytest.raises(PermissionDenied):
        list_triage(store, make_actor(Role.ADMIN))
    with pytest.raises(PermissionDenied):
        list_triage(store, make_actor(Role.DISCLOSURE_OFFICER))
    assert get_triage_item(store, make_actor(Role.ANALYST), reference).contact_email is None
    supervisor = make_actor(Role.SUPERVISOR)
    assert get_triage_item(store, supervisor, reference).contact_email == "sam@example.org"
    with pytest.raises(NotFoundError):
        get_triage_item(store, supervisor, "PR-0000-0000")


def test_grading_makes_a_public_report_with_its_screenshots_and_a_restricted_source(
        store: Store, tmp_path: Path, make_actor: ActorFactory) -> None:
    reference = submit_public_report(store, a_concern(
        contact_email="sam@example.org", consent=True, screenshots=[("chat.png", PNG)]),
        home=tmp_path)
    analyst = make_actor(Role.ANALYST)
    locker = locker_in(tmp_path)
    where: dict[str, Any] = {"home": tmp_path, "evidence": load_evidence_settings(tmp_path)}
    with pytest.raises(GradingError):
        grade_public_report(store, analyst, reference, "9ZZ", **where)
    assert report_count(store) == 0 and list_triage(store, analyst)[1] == 1
    [kept] = list((tmp_path / "attachments").rglob("*"))[-1:]

    report = grade_public_report(store, analyst, reference, "2CP", **where)
    assert report.id is not None
    stored = get_report(store, analyst, report.id)
    assert stored.source_kind is SourceKind.PUBLIC and stored.grading.code == "2CP"
    assert reference in stored.body and "sam@example.org" not in stored.body
    with store.begin() as conn:
        attachments = intake_store.attachments_for_report(conn, report.id)
    assert [a.media_type for a in attachments] == ["image/png"]
    # The screenshot is an exhibit now (producer PUB, linked to the report, received by the
    # grader), read by the report from the same encrypted blob; the plain file is gone.
    assert attachments[0].stored_path is None
    assert b"".join(locker.blobs.chunks(attachments[0].sha256)) == PNG
    assert not kept.is_file()
    [exhibit] = list_exhibits(store, make_actor(Role.INVESTIGATOR))[0]
    assert exhibit.reference.startswith("PUB/") and exhibit.sha256 == attachments[0].sha256
    assert reference in exhibit.description and ("report", report.id) in exhibit.links
    [event] = history(store, make_actor(Role.INVESTIGATOR), exhibit.reference)
    assert event.action.value == "received" and event.actor == analyst.name
    assert verify_locker(store, locker).ok
    assert stored.source_id is not None
    identity = read_source_identity(store, make_actor(Role.SUPERVISOR), stored.source_id)
    assert identity.identity is not None and "sam@example.org" in identity.identity
    assert list_triage(store, analyst)[1] == 0  # out of the waiting queue
    assert list_triage(store, analyst, "graded")[0][0].report_id == report.id
    with pytest.raises(ConflictError):
        grade_public_report(store, analyst, reference, "2CP", **where)
    assert report_count(store) == 1 and list_exhibits(store, make_actor(Role.SUPERVISOR))[1] == 1


def test_the_rate_limits_are_data_and_a_broken_file_is_a_loud_error(tmp_path: Path) -> None:
    limits = load_public_limits()
    assert limits.per_address.amount >= 1 and limits.overall.amount >= limits.per_address.amount
    broken = tmp_path / "limits.toml"
    broken.write_text('[public_report]\nper_address = "lots"\noverall = "1 per minute"\n')
    with pytest.raises(Exception, match="per_address"):
        load_public_limits(broken)


# --- the pages -----------------------------------------------------------------------------------

def public_form(client: TestClient) -> str:
    page = client.get("/public/report")
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def send(client: TestClient, token: str, **fields: str) -> Any:
    data = {"csrf_token": token, "concern": "adult_contacting_child",
            "what_happened": "A man in his forties keeps messaging my 13-year-old on a game.",
            "platform": "Roblox", "website": ""}
    data.update(fields)
    return client.post("/public/report", data=data,
                       files={"screenshots": ("chat.png", PNG, "image/png")})


def test_the_public_page_needs_no_account_and_gives_the_guidance_first(
        client: TestClient) -> None:
    page = client.get("/public/report")
    assert page.status_code == 200
    text = page.text
    for words in ("call 999", "CEOP", "Crimestoppers", "Do not contact or confront",
                  "Keep the messages"):
        assert words in text
    assert text.index("call 999") < text.index("<form")
    # Nothing is loaded from elsewhere: it renders with no network.
    assert not re.search(r'(src|href)="(https?:)?//', text)


def test_sending_the_form_gives_a_reference_and_nothing_else(
        client: TestClient, store: Store) -> None:
    answer = send(client, public_form(client))
    assert answer.status_code == 200
    references = REFERENCE.findall(answer.text)
    assert len(set(references)) == 1
    assert queued(store) == 1
    assert "Roblox" not in answer.text  # nothing said back about what is known


def test_a_mistake_shows_the_form_again_with_the_error_by_its_field(
        client: TestClient, store: Store) -> None:
    answer = send(client, public_form(client), what_happened="", contact_phone="01632 960 001")
    assert answer.status_code == 422
    assert "There is a problem" in answer.text
    assert 'href="#what_happened"' in answer.text and 'href="#consent"' in answer.text
    assert "01632 960 001" in answer.text  # what was typed is kept
    assert queued(store) == 0


def test_a_post_without_the_forms_token_or_with_the_honeypot_filled_stores_nothing(
        client: TestClient, store: Store) -> None:
    token = public_form(client)
    assert send(client, "forged").status_code == 403
    robot = send(client, token, website="https://spam.example")
    assert robot.status_code == 200 and REFERENCE.search(robot.text)
    assert queued(store) == 0


def test_a_flood_from_one_address_gets_try_again_later(client: TestClient, store: Store) -> None:
    client.app.state.rate_limiter = RateLimiter(  # type: ignore[attr-defined]
        limits=PublicLimits(parse("2 per minute"), parse("100 per minute")))
    token = public_form(client)
    assert send(client, token).status_code == 200
    assert send(client, token).status_code == 200
    busy = send(client, token)
    assert busy.status_code == 429
    assert "Try again later" in busy.text and int(busy.headers["retry-after"]) >= 1
    assert busy.headers["content-security-policy"]
    assert queued(store) == 2


def test_everyone_together_is_limited_too(client: TestClient, store: Store) -> None:
    client.app.state.rate_limiter = RateLimiter(  # type: ignore[attr-defined]
        limits=PublicLimits(parse("100 per minute"), parse("1 per minute")))
    token = public_form(client)
    assert send(client, token).status_code == 200
    assert send(client, token).status_code == 429


def test_a_grader_works_the_queue_through_the_pages(
        client: TestClient, store: Store, make_actor: ActorFactory) -> None:
    reference = submit_public_report(store, a_concern(), home=Path("."))
    csrf = log_in(client, make_actor(Role.ANALYST))
    queue = client.get("/triage")
    assert queue.status_code == 200 and reference in queue.text
    item = client.get(f"/triage/{reference}")
    assert "Unproven allegation" in item.text and "Bury town centre" in item.text
    wrong = client.post(f"/triage/{reference}", data={"csrf_token": csrf, "grading": "4BP"})
    assert wrong.status_code == 422 and "There is a problem" in wrong.text
    graded = client.post(f"/triage/{reference}", data={"csrf_token": csrf, "grading": "2CP"})
    assert graded.status_code == 200 and "graded 2CP" in graded.text
    assert report_count(store) == 1
    forged = client.post(f"/triage/{reference}", data={"csrf_token": "x", "grading": "2CP"})
    assert forged.status_code == 403


def test_the_admin_role_cannot_open_the_queue(client: TestClient,
                                              make_actor: ActorFactory) -> None:
    log_in(client, make_actor(Role.ADMIN))
    assert client.get("/triage").status_code == 403


# --- the API -------------------------------------------------------------------------------------

def test_the_queue_and_grading_through_the_api(client: TestClient, store: Store,
                                               make_actor: ActorFactory) -> None:
    reference = submit_public_report(store, a_concern(), home=Path("."))
    actor = make_actor(Role.OFFICER)
    login = client.post("/api/login", json={"username": actor.name,
                                            "password": "correct horse battery"}).json()
    bearer = {"Authorization": f"Bearer {login['token']}"}
    page = client.get("/api/public-reports", headers=bearer)
    assert page.status_code == 200 and page.json()["total"] == 1
    assert page.json()["items"][0]["reference"] == reference
    assert client.get("/api/public-reports?limit=100000", headers=bearer).status_code == 422
    graded = client.post(f"/api/public-reports/{reference}/grade", json={"grading": "3CP"},
                         headers=bearer)
    assert graded.status_code == 201 and graded.json()["grading"] == "3CP"
    again = client.post(f"/api/public-reports/{reference}/grade", json={"grading": "3CP"},
                        headers=bearer)
    assert again.status_code == 409
    missing = client.get("/api/public-reports/PR-2222-2222", headers=bearer)
    assert missing.status_code == 404


# --- the command line ----------------------------------------------------------------------------

def test_the_queue_from_the_command_line(store: Store, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from drachma.cli.app import app

    reference = submit_public_report(store, a_concern(), home=tmp_path)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["--database", store.url, *args])
        return result.exit_code, result.output

    code, out = run("public", "list")
    assert code == 0 and reference in out
    code, out = run("public", "show", reference)
    assert code == 0 and "Bury town centre" in out and "unproven" in out
    code, out = run("public", "grade", reference, "5ZZ")
    assert code == 1 and out.startswith("Error:")
    code, out = run("public", "grade", reference.lower(), "3CP")
    assert code == 0 and "graded 3CP" in out
    code, out = run("public", "list", "--status", "sideways")
    assert code == 1 and "status" in out
