"""One's own account, as an attacker would try it: passwords of 12+ characters not on the shipped
deny-list of common and breached passwords nor made of context words; one's sessions listed and
ended; personal API tokens (shown once, stored hashed, expiring, revocable, listed); a TOTP
second factor (secret encrypted at rest, QR code as SVG, codes good once, recovery codes hashed,
wrong codes locked out like wrong passwords, required for chosen roles); and a user told of a
password change, in the app and by e-mail. Pages, API and CLI.

Storage tests run on SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from typer.testing import CliRunner

from drachma.access import account, mfa, passwords, tokens
from drachma.access.actor import Actor, system_actor
from drachma.access.audit import view_audit
from drachma.access.passwords import hash_password
from drachma.access.policy import login_policy, read_deny_list
from drachma.access.throttle import LoginLocked
from drachma.access.users import (
    SecondFactorNeeded,
    change_password,
    complete_log_in,
    log_in,
    session_actor,
    set_password,
)
from drachma.cli.app import app as cli_app
from drachma.config import Settings
from drachma.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from drachma.model.roles import Role
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from drachma.store.tables import api_tokens, mfa_recovery_codes, user_mfa, users
from drachma.web.app import create_app
from tests.conftest import PASSWORD, ActorFactory
from tests.test_deconfliction import _Inbox, smtp_server  # noqa: F401 (a fixture)
from tests.web import hidden_csrf, settings_for
from tests.web import log_in as page_log_in

ADDRESS = "192.0.2.10"


def audit_kinds(store: Store, kind: str) -> list[Any]:
    return view_audit(store, system_actor(), AuditFilters(record_kind=kind), limit=500)[0]


def box(tmp_path: Path) -> mfa.SecretBox:
    return mfa.secret_box(tmp_path / "keys" / "evidence-master.key")


def code_now(secret: str, offset: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(datetime.now(UTC) + timedelta(seconds=offset * totp.interval))


def enrol(store: Store, actor: Actor, tmp_path: Path) -> tuple[str, list[str]]:
    """Set up a second factor for ``actor``: (secret, recovery codes)."""
    enrolment = mfa.start_enrolment(store, actor, box(tmp_path))
    return enrolment.secret, mfa.confirm_enrolment(store, actor, box(tmp_path),
                                                   code_now(enrolment.secret, -1))


# --- passwords ---------------------------------------------------------------------------------

def test_passwords_need_12_characters_and_at_most_128() -> None:
    assert login_policy().min_password == 12 and login_policy().max_password == 128
    with pytest.raises(ValidationError, match="at least 12"):
        passwords.check_strength("lamp quartz")  # 11
    passwords.check_strength("lamp quartzy")  # 12
    with pytest.raises(ValidationError, match="at most 128"):
        passwords.check_strength("w" * 60 + " kettle " + "q" * 61)


def test_breached_passwords_from_the_shipped_list_are_refused_case_insensitively() -> None:
    listed = read_deny_list()
    assert len(listed) > 8000  # the breach-derived list shipped in the package, not a sample
    long_ones = sorted(w for w in listed if len(w) >= 12 and w.isalpha())[:20]
    assert long_ones
    for word in long_ones:
        with pytest.raises(ValidationError, match="too common"):
            passwords.check_strength(word.upper())
    licence = (Path(passwords.__file__).parent / "data" / "common_passwords.LICENSE").read_text()
    assert "Django Software Foundation" in licence


@pytest.mark.parametrize(("password", "context"), [
    ("jsmith-jsmith-2026", ["jsmith"]),
    ("Drachma-2026-2027", []),
    ("GreaterManchester1", []),
    ("Avon&Somerset2025", []),
    ("password-jsmith-1", ["jsmith"]),
    ("John Smith 2026!!", ["jsmith", "John Smith"]),
])
def test_passwords_made_of_context_words_are_refused(password: str, context: list[str]) -> None:
    with pytest.raises(ValidationError, match="username, the service's or a police"):
        passwords.check_strength(password, context)


@settings(max_examples=200, deadline=None)
@given(username=st.from_regex(r"[a-z][a-z0-9._-]{3,20}", fullmatch=True),
       padding=st.text(alphabet="0123456789!?.-_ ", max_size=7))
def test_a_username_with_digits_or_marks_around_it_is_never_a_password(
        username: str, padding: str) -> None:
    for password in (username + padding, padding + username, username.upper() + padding):
        with pytest.raises(ValidationError):
            passwords.check_strength(password, [username])


@settings(max_examples=200, deadline=None)
@given(password=st.text(min_size=1, max_size=140))
def test_whatever_is_accepted_is_long_enough_and_not_on_the_list(password: str) -> None:
    if passwords.meets_policy(password):
        assert 12 <= len(password) <= 128
        assert password.casefold() not in read_deny_list()


def test_a_long_phrase_with_a_context_word_in_it_is_still_fine() -> None:
    passwords.check_strength("jsmith likes kettle orchards", ["jsmith"])
    passwords.check_strength("admin-demo-login", ["admin"])  # the demo's, documented


def test_an_older_short_password_still_logs_in_and_is_asked_to_change(
        store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    with store.begin() as conn:  # set before the rule was 12
        conn.execute(update(users).where(users.c.username == analyst.name)
                     .values(password_hash=hash_password("tenletters")))
    session = log_in(store, analyst.name, "tenletters", ADDRESS)
    assert account.take_notices(store, Actor(session.user)) == [account.NOTICES["weak_password"]]
    assert account.take_notices(store, Actor(session.user)) == []  # shown once
    with pytest.raises(ValidationError):
        change_password(store, Actor(session.user), "tenletters", "elevenchars")


# --- sessions ----------------------------------------------------------------------------------

def test_a_user_lists_their_own_sessions_and_ends_one(store: Store,
                                                      make_actor: ActorFactory) -> None:
    analyst, officer = make_actor(Role.ANALYST), make_actor(Role.OFFICER)
    first = log_in(store, analyst.name, PASSWORD, "192.0.2.1")
    second = log_in(store, analyst.name, PASSWORD, "198.51.100.2")
    other = log_in(store, officer.name, PASSWORD, "192.0.2.3")
    listed = account.list_sessions(store, analyst, second.token)
    assert [s.address for s in listed] == ["198.51.100.2", "192.0.2.1"]
    assert [s.current for s in listed] == [True, False]
    with pytest.raises(NotFoundError):  # not one's own
        account.end_session(store, analyst, account.list_sessions(store, officer)[0].id)
    account.end_session(store, analyst, listed[1].id)
    assert session_actor(store, first.token, None) is None
    assert session_actor(store, second.token, None) is not None
    assert session_actor(store, other.token, None) is not None
    kinds = {(e.action.value, e.record_kind) for e in audit_kinds(store, "session")}
    assert kinds == {("read", "session"), ("logout", "session")}


def test_sessions_on_the_page_the_api_and_the_command_line(
        store: Store, client: TestClient, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    elsewhere = log_in(store, analyst.name, PASSWORD, "203.0.113.7")
    csrf = page_log_in(client, analyst)
    page = client.get("/account/sessions")
    assert page.status_code == 200 and "203.0.113.7" in page.text and "This session" in page.text
    ids = [int(i) for i in re.findall(r'action="/account/sessions/(\d+)/end"', page.text)]
    assert len(ids) == 2
    refused = client.post(f"/account/sessions/{min(ids)}/end", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    ended = client.post(f"/account/sessions/{min(ids)}/end", data={"csrf_token": csrf})
    assert ended.status_code == 200 and "The session has ended" in ended.text
    assert session_actor(store, elsewhere.token, None) is None
    api = client.get("/api/me/sessions").json()
    assert len(api) == 1 and api[0]["current"] is True
    assert client.delete(f"/api/me/sessions/{api[0]['id'] + 99}",
                         headers={"X-CSRF-Token": csrf}).status_code == 404
    again = log_in(store, analyst.name, PASSWORD, "203.0.113.8")
    result = CliRunner().invoke(cli_app, ["--database", store.url, "users", "sessions",
                                          analyst.name])
    assert result.exit_code == 0 and "203.0.113.8" in result.output, result.output
    newest = account.list_sessions(store, analyst)[0].id
    result = CliRunner().invoke(cli_app, ["--database", store.url, "users", "end-session",
                                          analyst.name, str(newest)])
    assert result.exit_code == 0, result.output
    assert session_actor(store, again.token, None) is None


# --- API tokens --------------------------------------------------------------------------------

def test_an_api_token_is_shown_once_stored_hashed_listed_and_revocable(
        store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    made = tokens.create_token(store, analyst, "nightly export", 7)
    assert made.secret.startswith("drachma_pat_") and len(made.secret) > 40
    with store.begin() as conn:
        stored = conn.execute(select(api_tokens)).one()
    assert stored.token_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert made.secret not in str(tuple(stored))
    found = session_actor(store, made.secret, ADDRESS)
    assert found is not None and found[0].name == analyst.name and found[1] == ""
    [listed] = tokens.list_tokens(store, analyst)
    assert (listed.name, listed.state) == ("nightly export", "active")
    assert listed.last_used_at is not None
    assert listed.expires_at - listed.created_at == timedelta(days=7)
    with pytest.raises(NotFoundError):
        tokens.revoke_token(store, make_actor(Role.OFFICER), listed.id)  # not theirs
    tokens.revoke_token(store, analyst, listed.id)
    assert session_actor(store, made.secret, ADDRESS) is None
    assert tokens.list_tokens(store, analyst)[0].state == "revoked"
    kinds = [e.action.value for e in audit_kinds(store, "api_token")]
    assert {"create", "read", "change"} <= set(kinds)


def test_an_api_token_expires(store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    made = tokens.create_token(store, analyst, "short lived", 1)
    with store.begin() as conn:
        conn.execute(update(api_tokens).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert session_actor(store, made.secret, ADDRESS) is None
    assert tokens.list_tokens(store, analyst)[0].state == "expired"


@pytest.mark.parametrize(("name", "days", "field"), [
    ("", 30, "name"), ("x" * 101, 30, "name"), ("bad\x00name", 30, "name"),
    ("fine", 0, "days"), ("fine", 366, "days")])
def test_bad_token_names_and_lifetimes_are_refused_by_field(
        store: Store, make_actor: ActorFactory, name: str, days: int, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        tokens.create_token(store, make_actor(Role.ANALYST), name, days)
    assert refused.value.field == field
    assert tokens.list_tokens(store, make_actor(Role.ANALYST)) == []


def test_a_user_has_at_most_twenty_live_tokens(store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    for n in range(tokens.MAX_LIVE):
        tokens.create_token(store, analyst, f"token {n}")
    with pytest.raises(ConflictError):
        tokens.create_token(store, analyst, "one too many")


def test_a_password_change_or_disabling_the_user_revokes_every_token(
        store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    one = tokens.create_token(store, analyst, "one")
    two = tokens.create_token(store, analyst, "two")
    change_password(store, analyst, PASSWORD, "violet kestrel harbour")
    assert session_actor(store, one.secret, None) is None
    assert session_actor(store, two.secret, None) is None
    whys = {e.detail.get("why") for e in audit_kinds(store, "api_token")}
    assert "password changed" in whys


def test_tokens_through_the_api_and_never_on_the_pages(
        store: Store, client: TestClient, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    csrf = page_log_in(client, analyst)
    made = client.post("/api/me/tokens", json={"name": "script", "days": 2},
                       headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201, made.text
    secret, token_id = made.json()["secret"], made.json()["token"]["id"]
    assert client.post("/api/me/tokens", json={"name": "no csrf"}).status_code == 403
    assert client.post("/api/me/tokens", json={"name": "x", "days": 10**20},
                       headers={"X-CSRF-Token": csrf}).status_code == 422
    listed = client.get("/api/me/tokens").json()
    assert [t["name"] for t in listed] == ["script"] and "secret" not in listed[0]
    script = TestClient(client.app)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert script.get("/api/me", headers=bearer).json()["username"] == analyst.name
    page = script.get("/reports", headers=bearer, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    script.cookies.set("drachma_session", secret)
    assert script.get("/api/me").status_code == 401  # a token is not a cookie
    script.cookies.clear()
    assert client.delete(f"/api/me/tokens/{token_id}",
                         headers={"X-CSRF-Token": csrf}).status_code == 204
    assert script.get("/api/me", headers=bearer).status_code == 401


def test_tokens_on_the_page_and_the_command_line(
        store: Store, client: TestClient, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    csrf = page_log_in(client, analyst)
    bad = client.post("/account/tokens", data={"csrf_token": csrf, "name": "", "days": "x"})
    assert bad.status_code == 422 and "govuk-error-summary" in bad.text
    made = client.post("/account/tokens", data={"csrf_token": csrf, "name": "<b>export</b>",
                                                "days": "10"})
    assert made.status_code == 200 and "shown only this once" in made.text
    secret = re.search(r"(drachma_pat_[\w-]+)", made.text)
    assert secret and "&lt;b&gt;export&lt;/b&gt;" in made.text
    listed = client.get("/account/tokens").text
    assert secret.group(1) not in listed and "&lt;b&gt;export&lt;/b&gt;" in listed
    token_id = re.search(r'/account/tokens/(\d+)/revoke', listed)
    assert token_id
    revoked = client.post(f"/account/tokens/{token_id.group(1)}/revoke",
                          data={"csrf_token": csrf})
    assert revoked.status_code == 200 and "revoked" in revoked.text
    runner = CliRunner()
    result = runner.invoke(cli_app, ["--database", store.url, "users", "token-add", analyst.name,
                                     "--name", "cron", "--days", "3"])
    assert result.exit_code == 0, result.output
    printed = re.search(r"(drachma_pat_[\w-]+)", result.output)
    assert printed and session_actor(store, printed.group(1), None) is not None
    result = runner.invoke(cli_app, ["--database", store.url, "users", "tokens", analyst.name])
    assert result.exit_code == 0 and "cron" in result.output and "revoked" in result.output
    cron = next(t for t in tokens.list_tokens(store, analyst) if t.name == "cron")
    result = runner.invoke(cli_app, ["--database", store.url, "users", "token-revoke",
                                     analyst.name, str(cron.id)])
    assert result.exit_code == 0, result.output
    assert session_actor(store, printed.group(1), None) is None


# --- the second factor -------------------------------------------------------------------------

def test_setting_up_a_second_factor_needs_a_right_code_and_keeps_the_secret_encrypted(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    analyst = make_actor(Role.ANALYST)
    enrolment = mfa.start_enrolment(store, analyst, box(tmp_path))
    assert enrolment.qr_svg.startswith("<svg") and "<script" not in enrolment.qr_svg
    assert enrolment.uri.startswith("otpauth://totp/Drachma:") and enrolment.secret in enrolment.uri
    assert mfa.start_enrolment(store, analyst, box(tmp_path)).secret == enrolment.secret
    with store.begin() as conn:
        sealed = conn.execute(select(user_mfa.c.secret_encrypted)).scalar_one()
    assert enrolment.secret not in sealed and sealed.startswith("v1:")
    with pytest.raises(ValidationError):
        mfa.confirm_enrolment(store, analyst, box(tmp_path), "000000" if code_now(
            enrolment.secret) != "000000" else "111111")
    assert not mfa.status(store, analyst).enrolled
    codes = mfa.confirm_enrolment(store, analyst, box(tmp_path), code_now(enrolment.secret))
    assert len(codes) == 10 and len(set(codes)) == 10
    state = mfa.status(store, analyst)
    assert state.enrolled and state.recovery_codes_left == 10
    with store.begin() as conn:
        hashes = list(conn.execute(select(mfa_recovery_codes.c.code_hash)).scalars())
    assert not set(hashes) & {c.replace("-", "") for c in codes}
    with pytest.raises(ConflictError):
        mfa.start_enrolment(store, analyst, box(tmp_path))
    other_key = mfa.SecretBox(b"\x01" * 32)
    with pytest.raises(mfa.SecretKeyError):
        other_key.open(analyst.user.id or 0, sealed)
    stages = [e.action.value for e in audit_kinds(store, "second_factor")]
    assert stages.count("login_failed") == 1 and "create" in stages and "change" in stages


def test_log_in_with_a_second_factor_a_code_is_good_once(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    analyst = make_actor(Role.ANALYST)
    secret, _ = enrol(store, analyst, tmp_path)
    key = tmp_path / "keys" / "evidence-master.key"
    with pytest.raises(SecondFactorNeeded) as needed:
        log_in(store, analyst.name, PASSWORD, ADDRESS, master_key=key)
    assert needed.value.challenge is None and needed.value.http_status == 401
    with pytest.raises(AuthenticationError):  # the wrong password is refused before any code
        log_in(store, analyst.name, "not the password", ADDRESS, code=code_now(secret),
               master_key=key)
    code = code_now(secret, 1)
    assert log_in(store, analyst.name, PASSWORD, ADDRESS, code=code, master_key=key).token
    with pytest.raises(AuthenticationError, match="used before"):  # replayed
        log_in(store, analyst.name, PASSWORD, ADDRESS, code=code, master_key=key)


def test_wrong_codes_lock_the_account_like_wrong_passwords(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    analyst = make_actor(Role.ANALYST)
    secret, _ = enrol(store, analyst, tmp_path)
    key = tmp_path / "keys" / "evidence-master.key"
    wrong = "123456" if code_now(secret) != "123456" else "654321"
    for _ in range(login_policy().account.max_failures):
        with pytest.raises(AuthenticationError):
            log_in(store, analyst.name, PASSWORD, ADDRESS, code=wrong, master_key=key)
    with pytest.raises(LoginLocked):
        log_in(store, analyst.name, PASSWORD, ADDRESS, code=code_now(secret, 1), master_key=key)
    failed = [e for e in audit_kinds(store, "second_factor") if e.action.value == "login_failed"]
    assert len(failed) == login_policy().account.max_failures


def test_the_log_in_challenge_expires_and_allows_few_attempts(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    analyst = make_actor(Role.ANALYST)
    secret, _ = enrol(store, analyst, tmp_path)
    key = tmp_path / "keys" / "evidence-master.key"
    with pytest.raises(SecondFactorNeeded) as needed:
        log_in(store, analyst.name, PASSWORD, ADDRESS, challenge=True, master_key=key)
    challenge = needed.value.challenge
    assert challenge
    with pytest.raises(AuthenticationError, match="expired"):
        complete_log_in(store, "made-up", code_now(secret), ADDRESS, master_key=key)
    done = complete_log_in(store, challenge, code_now(secret, 1), ADDRESS, master_key=key)
    assert done.user.username == analyst.name
    with pytest.raises(AuthenticationError, match="expired"):  # a challenge is used once
        complete_log_in(store, challenge, code_now(secret, 1), ADDRESS, master_key=key)


def test_recovery_codes_log_in_once_each(store: Store, make_actor: ActorFactory,
                                         tmp_path: Path) -> None:
    analyst = make_actor(Role.ANALYST)
    _, codes = enrol(store, analyst, tmp_path)
    key = tmp_path / "keys" / "evidence-master.key"
    assert log_in(store, analyst.name, PASSWORD, ADDRESS, code=codes[0].upper(),
                  master_key=key).token
    with pytest.raises(AuthenticationError):
        log_in(store, analyst.name, PASSWORD, ADDRESS, code=codes[0], master_key=key)
    assert mfa.status(store, analyst).recovery_codes_left == 9
    used = [e for e in audit_kinds(store, "second_factor") if e.action.value == "login"]
    assert used and used[0].detail["left"] == "9"


def test_turning_it_off_renewing_codes_and_the_operator_reset(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    supervisor = make_actor(Role.SUPERVISOR)
    secret, codes = enrol(store, supervisor, tmp_path)
    with pytest.raises(PermissionDenied):
        mfa.turn_off(store, supervisor, box(tmp_path), codes[0], required_roles=("supervisor",))
    fresh = mfa.renew_recovery_codes(store, supervisor, box(tmp_path), code_now(secret, 1))
    assert not set(fresh) & set(codes)
    with pytest.raises(ValidationError):
        mfa.turn_off(store, supervisor, box(tmp_path), codes[1])  # the old codes are gone
    mfa.turn_off(store, supervisor, box(tmp_path), fresh[0])
    assert not mfa.status(store, supervisor).enrolled
    enrol(store, supervisor, tmp_path)
    result = CliRunner().invoke(cli_app, ["--database", store.url, "users", "mfa-reset",
                                          supervisor.name])
    assert result.exit_code == 0, result.output
    assert not mfa.status(store, supervisor).enrolled
    result = CliRunner().invoke(cli_app, ["--database", store.url, "users", "mfa-reset",
                                          supervisor.name])
    assert result.exit_code != 0 and "no second factor" in result.output
    bys = [e.detail.get("by") for e in audit_kinds(store, "second_factor") if e.detail.get("by")]
    assert bys == ["an administrator", "the user"]  # newest first


def _settings(store: Store, tmp_path: Path, **changes: Any) -> Settings:
    base = settings_for(store, tmp_path)
    return Settings(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **changes})


def test_the_two_step_log_in_and_setting_up_on_the_pages(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    analyst = make_actor(Role.ANALYST)
    client = TestClient(create_app(store, _settings(store, tmp_path)))
    csrf = page_log_in(client, analyst)
    setup = client.get("/account/two-factor")
    assert setup.status_code == 200 and "<svg" in setup.text
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', setup.text)
    assert secret
    plain = secret.group(1).replace(" ", "")
    wrong = client.post("/account/two-factor/confirm", data={"csrf_token": csrf, "code": "12"})
    assert wrong.status_code == 422 and "not right" in wrong.text
    codes = client.post("/account/two-factor/confirm",
                        data={"csrf_token": csrf, "code": code_now(plain)})
    assert codes.status_code == 200 and len(re.findall(r"<li><code>", codes.text)) == 10
    client.cookies.clear()
    form = client.get("/login")
    first = client.post("/login", data={"username": analyst.name, "password": PASSWORD,
                                        "next": "/reports", "csrf_token": hidden_csrf(form.text)},
                        follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/login/code")
    assert "drachma_session" not in first.cookies
    step = client.get(first.headers["location"])
    assert step.status_code == 200 and "Type your code" in step.text
    bad = client.post("/login/code", data={"code": "000000x", "next": "/reports",
                                           "csrf_token": hidden_csrf(step.text)})
    assert bad.status_code == 401 and "not right" in bad.text
    done = client.post("/login/code", data={"code": code_now(plain, 1), "next": "/reports",
                                            "csrf_token": hidden_csrf(step.text)},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/reports"
    assert client.get("/reports").status_code == 200
    stale = TestClient(client.app)  # a made-up or spent half-done log-in: start again
    token = hidden_csrf(stale.get("/login").text)
    stale.cookies.set("drachma_login_challenge", "made-up", path="/login")
    gone = stale.post("/login/code", data={"code": "123456", "csrf_token": token},
                      follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/login?expired=1"
    assert "took too long" in stale.get("/login?expired=1").text


def test_the_api_log_in_takes_the_code(store: Store, make_actor: ActorFactory,
                                       client: TestClient, tmp_path: Path) -> None:
    analyst = make_actor(Role.ANALYST)
    csrf = page_log_in(client, analyst)
    started = client.post("/api/me/second-factor/start", headers={"X-CSRF-Token": csrf}).json()
    assert started["qr_svg"].startswith("<svg")
    confirmed = client.post("/api/me/second-factor/confirm", json={"code": code_now(
        started["secret"])}, headers={"X-CSRF-Token": csrf})
    assert confirmed.status_code == 200 and len(confirmed.json()["recovery_codes"]) == 10
    assert client.get("/api/me/second-factor").json()["enrolled"] is True
    api = TestClient(client.app)
    without = api.post("/api/login", json={"username": analyst.name, "password": PASSWORD})
    assert without.status_code == 401
    assert without.json()["error"] == "second_factor_required"
    answer = api.post("/api/login", json={"username": analyst.name, "password": PASSWORD,
                                          "code": code_now(started["secret"], 1)})
    assert answer.status_code == 200, answer.text


def test_a_role_that_must_use_a_second_factor_is_sent_to_set_one_up(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    supervisor, analyst = make_actor(Role.SUPERVISOR), make_actor(Role.ANALYST)
    app = create_app(store, _settings(store, tmp_path, mfa_required_roles=("supervisor",)))
    client = TestClient(app)
    csrf = page_log_in(client, analyst)  # not required: works as before
    assert client.get("/reports").status_code == 200
    client = TestClient(app)
    form = client.get("/login")
    client.post("/login", data={"username": supervisor.name, "password": PASSWORD,
                                "csrf_token": hidden_csrf(form.text)})
    sent = client.get("/reports", follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/account/two-factor"
    refused = client.get("/api/reports")
    assert refused.status_code == 403
    assert refused.json()["error"] == "second_factor_setup_required"
    assert client.get("/api/me/tokens").status_code == 403  # no token to get round it
    assert client.get("/api/me/second-factor").json()["required"] is True
    page = client.get("/account/two-factor")
    csrf = hidden_csrf(page.text)
    assert "Your role must use a second factor" in page.text
    plain = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)
    assert plain
    client.post("/account/two-factor/confirm",
                data={"csrf_token": csrf, "code": code_now(plain.group(1).replace(" ", ""))})
    assert client.get("/reports").status_code == 200
    with pytest.raises(ValueError, match="no such role"):
        create_app(store, _settings(store, tmp_path, mfa_required_roles=("chief",)))


# --- telling the user of a password change ------------------------------------------------------

def test_a_password_change_is_told_at_next_log_in_and_by_email(
        store: Store, make_actor: ActorFactory, smtp_server: _Inbox,  # noqa: F811
        client: TestClient) -> None:
    analyst = make_actor(Role.ANALYST)
    set_password(store, None, analyst.name, "violet kestrel harbour")
    [mail] = smtp_server.messages
    assert mail["To"] == f"{analyst.name}@police.example"
    assert "password was changed" in mail["Subject"]
    assert "violet" not in mail.as_string()
    form = client.get("/login")
    answer = client.post("/login", data={"username": analyst.name,
                                         "password": "violet kestrel harbour", "next": "/reports",
                                         "csrf_token": hidden_csrf(form.text)},
                         follow_redirects=False)
    assert answer.headers["location"] == "/account?next=%2Freports"
    shown = client.get(answer.headers["location"])
    assert "Your password was changed" in shown.text and 'href="/reports"' in shown.text
    assert "Your password was changed" not in client.get("/account").text  # once
    notified = [e for e in audit_kinds(store, "user") if "emailed" in e.detail]
    assert notified and notified[0].detail["emailed"] == "true"


def test_without_mail_the_notice_still_waits_and_the_api_log_in_returns_it(
        store: Store, make_actor: ActorFactory, client: TestClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRACHMA_SMTP_HOST", raising=False)
    analyst = make_actor(Role.ANALYST)
    change_password(store, analyst, PASSWORD, "violet kestrel harbour")
    answer = client.post("/api/login", json={"username": analyst.name,
                                             "password": "violet kestrel harbour"})
    assert answer.json()["notices"] == [account.NOTICES["password_changed"]]
    assert client.get("/api/me/notices").json()["notices"] == []


# --- abuse -------------------------------------------------------------------------------------

def test_account_changes_are_rate_limited_per_user(
        store: Store, client: TestClient, make_actor: ActorFactory) -> None:
    from limits import parse

    analyst = make_actor(Role.ANALYST)
    csrf = page_log_in(client, analyst)
    client.app.state.rate_limiter.account_limit = parse("3 per minute")  # type: ignore[attr-defined]
    answers = [client.post("/api/me/tokens", json={"name": f"t{n}"},
                           headers={"X-CSRF-Token": csrf}).status_code for n in range(5)]
    assert answers == [201, 201, 201, 429, 429]
    assert len(tokens.list_tokens(store, analyst)) == 3


def test_many_wrong_codes_at_once_still_lock_out(store: Store, make_actor: ActorFactory,
                                                 tmp_path: Path) -> None:
    analyst = make_actor(Role.ANALYST)
    enrol(store, analyst, tmp_path)
    key = tmp_path / "keys" / "evidence-master.key"
    errors: list[Exception] = []

    def attempt() -> None:
        try:
            log_in(store, analyst.name, PASSWORD, ADDRESS, code="999999", master_key=key)
        except Exception as exc:  # every one must be refused
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 8 and all(isinstance(e, AuthenticationError) for e in errors)


def test_hostile_input_to_the_new_forms_and_routes_is_a_clear_4xx(
        store: Store, client: TestClient, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    csrf = page_log_in(client, analyst)
    header = {"X-CSRF-Token": csrf}
    assert client.post("/api/me/second-factor/confirm", json={"code": "1" * 33},
                       headers=header).status_code == 422
    assert client.post("/api/me/second-factor/confirm", json={"code": "12\x003456"},
                       headers=header).status_code in (404, 422)
    assert client.post("/account/two-factor/confirm",
                       data={"csrf_token": csrf, "code": "9" * 5000}).status_code == 422
    assert client.delete(f"/api/me/tokens/{2**63}", headers=header).status_code == 422
    assert client.delete("/api/me/sessions/-1", headers=header).status_code == 422
    assert client.post("/api/me/tokens", json={"name": "x" * 101},
                       headers=header).status_code == 422
    assert client.post("/api/me/tokens", json={"name": "ok", "extra": 1},
                       headers=header).status_code == 422
    assert client.post("/api/login", json={"username": analyst.name, "password": PASSWORD,
                                           "code": "1" * 33}).status_code == 422
    form = client.get("/login")
    long_code = client.post("/login/code", data={"code": "1" * 5000,
                                                 "csrf_token": hidden_csrf(form.text)})
    assert long_code.status_code == 422
    assert tokens.list_tokens(store, analyst) == []
    assert not mfa.status(store, analyst).enrolled
