"""Logging in, as an attacker would try it: throttling and lock-out per account and per address
(each failure and lock-out audited, a supervisor can unlock), passwords per NCSC guidance,
bounded password hashing, usernames cut to size before the audit log, sessions that end when
idle or old, and log-out or a password change ending every session of the user.

Storage tests run on SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from drachma.access import passwords
from drachma.access.actor import system_actor
from drachma.access.audit import view_audit
from drachma.access.policy import PolicyFileError, login_policy, read_deny_list, read_policy
from drachma.access.throttle import LoginLocked, unlock
from drachma.access.users import (
    change_password,
    log_in,
    log_out,
    session_actor,
    set_password,
)
from drachma.cli.app import app as cli_app
from drachma.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from drachma.model.roles import Role
from drachma.store.audit import AuditFilters
from drachma.store.db import Store
from drachma.store.tables import sessions
from tests.conftest import PASSWORD, ActorFactory
from tests.web import hidden_csrf
from tests.web import log_in as page_log_in

POLICY = login_policy()


def wrong(store: Store, username: str, times: int, address: str = "192.0.2.1") -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationError):
            log_in(store, username, "not the password at all", address)


def failures(store: Store) -> list[Any]:
    return view_audit(store, system_actor(), AuditFilters(action="login_failed"), limit=500)[0]


# --- throttling and lock-out -------------------------------------------------------------------

def test_an_account_locks_after_too_many_wrong_passwords_even_for_the_right_one(
        store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    wrong(store, analyst.name, POLICY.account.max_failures)
    with pytest.raises(LoginLocked) as locked:
        log_in(store, analyst.name, PASSWORD, "198.51.100.9")  # another address: still locked
    assert locked.value.http_status == 429
    events = failures(store)
    lockouts = [e for e in events if e.record_kind == "login_lockout"]
    assert [e.detail["lockout"] for e in lockouts] == ["account"]
    # every failure is audited, and so is the refused right password
    assert len([e for e in events if e.record_kind == "user"]) == POLICY.account.max_failures + 1


def test_an_unknown_username_locks_the_same_way_so_a_lock_reveals_nothing(store: Store) -> None:
    wrong(store, "nobody.here", POLICY.account.max_failures)
    with pytest.raises(LoginLocked):
        log_in(store, "nobody.here", "whatever it is", "192.0.2.1")


def test_one_address_trying_many_usernames_is_locked_out(store: Store,
                                                         make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    for n in range(POLICY.address.max_failures):
        wrong(store, f"guess{n}", 1, address="203.0.113.5")
    with pytest.raises(LoginLocked):
        log_in(store, officer.name, PASSWORD, "203.0.113.5")
    assert log_in(store, officer.name, PASSWORD, "192.0.2.44").user.username == officer.name


def test_a_right_password_before_the_limit_clears_the_account_count(
        store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    wrong(store, analyst.name, POLICY.account.max_failures - 1)
    log_in(store, analyst.name, PASSWORD, "192.0.2.1")
    wrong(store, analyst.name, POLICY.account.max_failures - 1)
    assert log_in(store, analyst.name, PASSWORD, "192.0.2.1").token


def test_a_supervisor_or_admin_can_unlock_but_no_other_role(
        store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    wrong(store, analyst.name, POLICY.account.max_failures)
    with pytest.raises(PermissionDenied):
        unlock(store, analyst, analyst.name)
    assert unlock(store, make_actor(Role.SUPERVISOR), analyst.name).account
    assert log_in(store, analyst.name, PASSWORD, "192.0.2.1").token
    with pytest.raises(NotFoundError):
        unlock(store, make_actor(Role.ADMIN), analyst.name)  # nothing left to unlock
    unlocks = view_audit(store, system_actor(), AuditFilters(record_kind="login_lockout",
                                                             action="change"))[0]
    assert unlocks and unlocks[0].actor_name == "supervisor1"


def test_unlock_from_the_command_line(store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    wrong(store, analyst.name, POLICY.account.max_failures)
    result = CliRunner().invoke(cli_app, ["--database", store.url, "users", "unlock",
                                          analyst.name])
    assert result.exit_code == 0, result.output
    assert log_in(store, analyst.name, PASSWORD, "192.0.2.1").token


def test_a_huge_or_hostile_username_is_cut_to_size_before_the_audit_log(
        store: Store, client: TestClient) -> None:
    huge = "a" * 900_000
    with pytest.raises(AuthenticationError):
        log_in(store, huge, "x", "192.0.2.1")
    form = client.get("/login")
    answer = client.post("/login", data={"username": "evil\x00name" + "b" * 5000,
                                         "password": "x", "csrf_token": hidden_csrf(form.text)})
    assert answer.status_code == 401
    for event in failures(store):
        assert len(event.actor_name) <= POLICY.max_username
        assert len(event.detail.get("username", "")) <= POLICY.max_username
        assert "\x00" not in event.actor_name


# --- passwords -----------------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["short", "password1234", "Qwertyuiop1", "aaaaaaaaaaaa",
                                      "x" * (POLICY.max_password + 1)])
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        passwords.check_strength(password)


def test_no_composition_rules_a_long_phrase_of_plain_words_is_fine() -> None:
    passwords.check_strength("kettle orchard mudguard")


def test_the_policy_and_deny_list_are_data_and_broken_files_are_loud(tmp_path: Path) -> None:
    assert "password123" in read_deny_list()
    broken = tmp_path / "login.toml"
    broken.write_text("[account]\nmax_failures = 0\n")
    with pytest.raises(PolicyFileError):
        read_policy(broken)
    short = tmp_path / "deny.txt"
    short.write_text("password\n")
    with pytest.raises(PolicyFileError):
        read_deny_list(short)
    from drachma.access.policy import POLICY_FILE  # the shipped file, a priority out of range
    bad_nice = tmp_path / "nice.toml"
    shipped, changed = re.subn(r"(?m)^hashing_nice = \d+$", "hashing_nice = 20",
                               POLICY_FILE.read_text(encoding="utf-8"))
    assert changed == 1
    bad_nice.write_text(shipped, encoding="utf-8")
    with pytest.raises(PolicyFileError, match="hashing_nice"):
        read_policy(bad_nice)


class AtOnce:
    """Wraps a function so that each call takes 50 ms and counts how many ran at once."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        with self.lock:
            self.running -= 1
        return self.real(*args, **kwargs)


def test_password_hashing_runs_at_most_the_policys_number_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    slow_verify = AtOnce(passwords._hasher.verify)

    class SlowHasher:
        def verify(self, hash_: str, password: str) -> bool:
            return bool(slow_verify(hash_, password))

    monkeypatch.setattr(passwords, "_hasher", SlowHasher())
    threads = [threading.Thread(target=passwords.verify_password,
                                args=(passwords.DUMMY_HASH, "wrong")) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 <= slow_verify.most <= POLICY.hashing_concurrency


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="a nice value per thread is Linux's")
def test_password_checks_run_below_the_servers_cpu_priority(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A burst of wrong log-ins hashes only in the CPU time the other answers leave
    (bench/load.py): each check, and each new hash, runs ``hashing_nice`` below the server."""
    base = os.getpriority(os.PRIO_PROCESS, os.getpid())
    if base >= 19:
        pytest.skip("the tests already run at the lowest priority")
    real = passwords._hasher
    seen: list[int] = []

    def here() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    class Watching:
        def verify(self, hash_: str, password: str) -> bool:
            seen.append(here())
            return bool(real.verify(hash_, password))

        def hash(self, password: str) -> str:
            seen.append(here())
            return str(real.hash(password))

    monkeypatch.setattr(passwords, "_hasher", Watching())
    assert not passwords.verify_password(passwords.DUMMY_HASH, "not the password at all")
    assert passwords.verify_password(passwords.hash_password("kettle orchard"), "kettle orchard")
    assert POLICY.hashing_nice >= 1
    assert seen == [min(19, base + POLICY.hashing_nice)] * 3
    assert here() == base  # the caller's own thread is left as it was


# --- sessions ------------------------------------------------------------------------------------

def _age_session(store: Store, token: str, *, last_seen: datetime | None = None,
                 expires: datetime | None = None) -> None:
    from drachma.access.users import _token_hash

    values: dict[str, datetime] = {}
    if last_seen:
        values["last_seen_at"] = last_seen
        values["created_at"] = last_seen
    if expires:
        values["expires_at"] = expires
    with store.begin() as conn:
        conn.execute(update(sessions).where(sessions.c.token_hash == _token_hash(token))
                     .values(**values))


def test_a_session_unused_for_longer_than_the_idle_limit_ends(
        store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    session = log_in(store, analyst.name, PASSWORD, "192.0.2.1")
    assert session_actor(store, session.token, None, idle_minutes=30) is not None
    _age_session(store, session.token, last_seen=datetime.now(UTC) - timedelta(minutes=31))
    assert session_actor(store, session.token, None, idle_minutes=30) is None
    _age_session(store, session.token, last_seen=datetime.now(UTC))
    assert session_actor(store, session.token, None) is None  # ended on the server, for good


def test_a_session_past_its_absolute_expiry_ends_however_busy(
        store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    session = log_in(store, analyst.name, PASSWORD, "192.0.2.1")
    _age_session(store, session.token, expires=datetime.now(UTC) - timedelta(seconds=1))
    assert session_actor(store, session.token, None) is None


def test_logging_out_ends_every_session_of_the_user(store: Store,
                                                    make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    laptop = log_in(store, analyst.name, PASSWORD, "192.0.2.1")
    script = log_in(store, analyst.name, PASSWORD, "192.0.2.2")
    found = session_actor(store, laptop.token, None)
    assert found is not None
    log_out(store, laptop.token, found[0])
    assert session_actor(store, script.token, None) is None


def test_changing_ones_password_needs_the_current_one_and_ends_every_session(
        store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    other = log_in(store, analyst.name, PASSWORD, "192.0.2.1")
    with pytest.raises(AuthenticationError):
        change_password(store, analyst, "not my password", "kettle orchard mudguard")
    with pytest.raises(ValidationError):
        change_password(store, analyst, PASSWORD, "password123")
    change_password(store, analyst, PASSWORD, "kettle orchard mudguard")
    assert session_actor(store, other.token, None) is None
    with pytest.raises(AuthenticationError):
        log_in(store, analyst.name, PASSWORD, "192.0.2.1")
    assert log_in(store, analyst.name, "kettle orchard mudguard", "192.0.2.1").token
    changes = view_audit(store, system_actor(), AuditFilters(action="change",
                                                             record_kind="user"))[0]
    assert any(e.detail.get("by") == "the user" for e in changes)


def test_an_administrator_or_the_operator_sets_a_password(store: Store,
                                                          make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    with pytest.raises(PermissionDenied):
        set_password(store, make_actor(Role.SUPERVISOR), analyst.name, "kettle orchard mudguard")
    set_password(store, make_actor(Role.ADMIN), analyst.name, "kettle orchard mudguard")
    result = CliRunner().invoke(cli_app, ["--database", store.url, "users", "passwd",
                                          analyst.name, "--password", "lantern biscuit quay"])
    assert result.exit_code == 0, result.output
    assert log_in(store, analyst.name, "lantern biscuit quay", "192.0.2.1").token


# --- the pages and the API -----------------------------------------------------------------------

def test_the_log_in_page_says_when_log_in_is_locked(client: TestClient,
                                                    make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    for _ in range(POLICY.account.max_failures):
        form = client.get("/login")
        client.post("/login", data={"username": analyst.name, "password": "nope nope nope",
                                    "csrf_token": hidden_csrf(form.text)})
    form = client.get("/login")
    answer = client.post("/login", data={"username": analyst.name, "password": PASSWORD,
                                         "csrf_token": hidden_csrf(form.text)})
    assert answer.status_code == 429 and "too many failed log-ins" in answer.text


def test_changing_ones_password_on_the_page(client: TestClient,
                                            make_actor: ActorFactory) -> None:
    csrf = page_log_in(client, make_actor(Role.OFFICER))
    page = client.get("/account/password")
    assert page.status_code == 200 and "Change your password" in page.text
    mismatch = client.post("/account/password", data={
        "csrf_token": csrf, "current_password": PASSWORD,
        "new_password": "kettle orchard mudguard", "confirm_password": "something else"})
    assert mismatch.status_code == 422 and 'href="#confirm_password"' in mismatch.text
    done = client.post("/account/password", data={
        "csrf_token": csrf, "current_password": PASSWORD,
        "new_password": "kettle orchard mudguard", "confirm_password": "kettle orchard mudguard"})
    assert done.status_code == 200 and "logged out everywhere" in done.text
    assert "/login" in client.get("/reports", follow_redirects=False).headers["location"]


def test_password_change_and_unlock_through_the_api(client: TestClient,
                                                    make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    token = client.post("/api/login", json={"username": analyst.name,
                                            "password": PASSWORD}).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    bad = client.post("/api/me/password", headers=bearer,
                      json={"current_password": PASSWORD, "new_password": "password123"})
    assert bad.status_code == 422
    ok = client.post("/api/me/password", headers=bearer, json={
        "current_password": PASSWORD, "new_password": "kettle orchard mudguard"})
    assert ok.status_code == 204
    assert client.get("/api/me", headers=bearer).status_code == 401  # the token ended
    for _ in range(POLICY.account.max_failures):
        client.post("/api/login", json={"username": analyst.name, "password": "wrong one!"})
    locked = client.post("/api/login", json={"username": analyst.name,
                                             "password": "kettle orchard mudguard"})
    assert locked.status_code == 429 and locked.json()["error"] == "locked"
    supervisor = make_actor(Role.SUPERVISOR)
    boss = client.post("/api/login", json={"username": supervisor.name,
                                           "password": PASSWORD}).json()["token"]
    unlocked = client.post("/api/login-locks/unlock", json={"username": analyst.name},
                           headers={"Authorization": f"Bearer {boss}"})
    assert unlocked.status_code == 200 and unlocked.json()["account"] is True
    assert client.post("/api/login", json={"username": analyst.name,
                                           "password": "kettle orchard mudguard"}
                       ).status_code == 200


def test_long_passphrases_are_allowed_and_stored_only_as_argon2id_hashes(
        store: Store, make_actor: ActorFactory) -> None:
    phrase = "the quick brown fox sleeps under the old oak tree by the river bank at dusk"
    assert len(phrase) >= 64
    passwords.check_strength(phrase)
    analyst = make_actor(Role.ANALYST)
    set_password(store, None, analyst.name, phrase)
    from drachma.store import users as user_store

    with store.begin() as conn:
        found = user_store.user_with_hash(conn, analyst.name)
    assert found is not None and found[1].startswith("$argon2id$") and phrase not in found[1]
    assert log_in(store, analyst.name, phrase, "192.0.2.1").token


def _burst(app: Any, how_many: int, username: str, password: str = "nope nope nope",
           address: str = "203.0.113.66") -> list[int]:
    """``how_many`` log-ins sent at once from ``address`` through the app; their statuses."""
    import anyio
    import httpx

    statuses: list[int] = []

    async def burst() -> None:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            async def one() -> None:
                answer = await client.post("/api/login", json={"username": username,
                                                               "password": password})
                statuses.append(answer.status_code)
            async with anyio.create_task_group() as group:
                for _ in range(how_many):
                    group.start_soon(one)

    # an event loop of its own, in a thread of its own (a browser test may hold this thread's)
    runner = threading.Thread(target=anyio.run, args=(burst,))
    runner.start()
    runner.join()
    return sorted(statuses)


class SlowChecks:
    """Password checks that take 0.2 s more, counted (so that a burst's log-ins overlap)."""

    def __init__(self) -> None:
        self.real = passwords._hasher
        self.checks = 0

    def verify(self, hash_: str, password: str) -> bool:
        self.checks += 1
        time.sleep(0.2)
        return bool(self.real.verify(hash_, password))

    def hash(self, password: str) -> str:
        return str(self.real.hash(password))


def test_a_burst_at_a_locked_account_takes_only_the_refusal_threads(
        store: Store, tmp_path: Path, make_actor: ActorFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Log-ins already locked out are refused in threads of their own (``REFUSAL_THREADS``), so
    a burst of them cannot take the pool every other answer is made in (bench/load.py), and
    without ``log_in`` (no second transaction); every one of them is audited."""
    from drachma.web import auth
    from drachma.web.app import create_app
    from tests.web import settings_for

    analyst = make_actor(Role.ANALYST)
    wrong(store, analyst.name, POLICY.account.max_failures)
    before = len(failures(store))
    slow_check = AtOnce(auth._locked)
    monkeypatch.setattr(auth, "_locked", slow_check)

    def no_log_in(*_: Any, **__: Any) -> None:
        raise AssertionError("a locked log-in reached log_in")

    monkeypatch.setattr(auth, "log_in", no_log_in)
    app = create_app(store, settings_for(store, tmp_path))
    assert _burst(app, 12, analyst.name) == [429] * 12
    assert 1 <= slow_check.most <= auth.REFUSAL_THREADS
    refused = failures(store)[: len(failures(store)) - before]
    assert len(refused) == 12 and {e.address for e in refused} == {"203.0.113.66"}


@pytest.mark.parametrize("known", [True, False], ids=["known", "unknown"])
def test_a_burst_of_wrong_log_ins_costs_only_checks_at_once_password_checks(
        store: Store, tmp_path: Path, make_actor: ActorFactory,
        monkeypatch: pytest.MonkeyPatch, known: bool) -> None:
    """30 wrong log-ins at once at one username from one address: only ``checks_at_once`` of
    them reach a password check (the rest are refused at once, 429, each audited, not counted
    as wrong passwords); the same for a username that does not exist."""
    from drachma.store import throttle as throttle_store
    from drachma.web.app import create_app
    from tests.web import settings_for

    name = make_actor(Role.ANALYST).name if known else "nobody.here"
    slow = SlowChecks()
    monkeypatch.setattr(passwords, "_hasher", slow)
    app = create_app(store, settings_for(store, tmp_path))
    at_once = POLICY.account.checks_at_once
    assert at_once < POLICY.account.max_failures  # else the lock would come first
    assert _burst(app, 30, name) == [401] * at_once + [429] * (30 - at_once)
    assert slow.checks == at_once
    events = failures(store)
    assert len(events) == 30 and {e.address for e in events} == {"203.0.113.66"}
    assert sorted(e.detail.get("busy", "") for e in events) == [""] * at_once + [
        "account"] * (30 - at_once)
    with store.begin() as conn:
        counted = throttle_store.get(conn, throttle_store.ACCOUNT, name)
    assert counted is not None and counted.failures == at_once
    if known:  # the gate let everyone out: the right password now logs in
        assert _burst(app, 1, name, PASSWORD) == [200]


def test_refused_log_ins_are_audited_in_batches_every_one_before_its_answer(
        store: Store, tmp_path: Path, make_actor: ActorFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A burst of refusals shares a few audit transactions, not one each; every line is written
    (in the order the log-ins came, each with its own time) before its refusal is answered."""
    from drachma.access import throttle
    from drachma.web.app import create_app
    from tests.web import settings_for

    batches: list[int] = []
    real = throttle.record_refusals

    def slow_write(store_: Store, entries: list[Any]) -> None:
        batches.append(len(entries))
        time.sleep(0.1)
        real(store_, entries)

    monkeypatch.setattr(throttle, "record_refusals", slow_write)
    monkeypatch.setattr(passwords, "_hasher", SlowChecks())
    app = create_app(store, settings_for(store, tmp_path))
    statuses = _burst(app, 20, make_actor(Role.ANALYST).name)
    assert statuses.count(429) == sum(batches) == 20 - POLICY.account.checks_at_once
    assert len(batches) < sum(batches)
    events = failures(store)  # newest first
    assert len(events) == 20
    refused = [e.at for e in events if e.detail.get("busy")]
    assert len(refused) == sum(batches) and refused == sorted(refused, reverse=True)


def test_a_wrong_log_in_at_an_unknown_username_costs_the_same_as_at_a_known_one(
        store: Store, tmp_path: Path, make_actor: ActorFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No timing oracle: before any lock, a wrong log-in runs the same SQL statements and one
    password check whether or not the username exists."""
    from sqlalchemy import event

    from drachma.web.app import create_app
    from tests.web import settings_for

    known = make_actor(Role.ANALYST).name
    slow = SlowChecks()
    monkeypatch.setattr(passwords, "_hasher", slow)
    app = create_app(store, settings_for(store, tmp_path))
    ran: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        ran.append(statement)

    costs = []
    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        for n, name in enumerate((known, "nobody.here")):
            ran.clear()
            checks = slow.checks
            assert _burst(app, 1, name, address=f"203.0.113.{70 + n}") == [401]
            costs.append((list(ran), slow.checks - checks))
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
    assert costs[0] == costs[1] and costs[0][1] == 1


def test_checks_at_once_is_in_the_policy_file_and_must_be_above_0(tmp_path: Path) -> None:
    from drachma.access.policy import POLICY_FILE

    shipped = POLICY_FILE.read_text(encoding="utf-8")
    assert POLICY.account.checks_at_once >= 1 and POLICY.address.checks_at_once >= 1
    for replacement in ("checks_at_once = 0", ""):
        changed = tmp_path / "login.toml"
        changed.write_text(re.sub(r"(?m)^checks_at_once = \d+$", replacement, shipped, count=1),
                           encoding="utf-8")
        with pytest.raises(PolicyFileError, match="checks_at_once"):
            read_policy(changed)
