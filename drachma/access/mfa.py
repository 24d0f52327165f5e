"""A second factor at log-in: time-based one-time codes (TOTP, RFC 6238, ``pyotp``) from an
authenticator app, with one-time recovery codes for a lost phone.

* Enrolment: a new secret is shown once as a QR code (an SVG drawn on the server by ``segno``)
  and as text; it is switched on only when the first code typed from it is right. The secret is
  kept encrypted (AES-GCM) under a key derived from the evidence master key, so a copy of the
  database alone does not give it away.
* Log-in: after the right password, a code (or a recovery code) must be given; a code is good
  once (a replayed one is refused), and wrong codes count towards the log-in lock-out like wrong
  passwords (:mod:`drachma.access.throttle`). Every step is audited.
* Recovery codes: ten, shown once, kept only as SHA-256 hashes (each carries 50 random bits),
  each good once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from drachma.access import audit, throttle
from drachma.access.actor import Actor
from drachma.access.events import (
    RecoveryCodesRenewed,
    RecoveryCodeUsed,
    SecondFactorEnrolled,
    SecondFactorFailed,
    SecondFactorRemoved,
    SecondFactorStarted,
)
from drachma.config import load_settings
from drachma.errors import (
    ConflictError,
    DrachmaError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from drachma.store import credentials as cred_store
from drachma.store import users as user_store
from drachma.store.db import Connection, Store

ISSUER = "Drachma"
RECOVERY_CODES = 10
CODE_LIMIT = 32  # characters of a typed code read at all
_SPACES = re.compile(r"[\s-]")
_TOTP = re.compile(r"^[0-9]{6}$")
_RECOVERY = re.compile(r"^[a-z2-7]{10}$")


class SecretKeyError(DrachmaError):
    kind = "key_file"
    http_status = 500


@dataclass(frozen=True, slots=True)
class SecretBox:
    """Encrypts TOTP secrets (AES-256-GCM; the user's id is bound in as associated data)."""

    key: bytes

    def seal(self, user_id: int, secret: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self.key).encrypt(nonce, secret.encode(), f"totp:{user_id}".encode())
        return "v1:" + base64.b64encode(nonce + sealed).decode()

    def open(self, user_id: int, sealed: str) -> str:
        try:
            raw = base64.b64decode(sealed.removeprefix("v1:"))
            return AESGCM(self.key).decrypt(raw[:12], raw[12:], f"totp:{user_id}".encode()
                                            ).decode()
        except (InvalidTag, ValueError) as exc:
            raise SecretKeyError("a second-factor secret cannot be read with this server's key "
                                 "(the evidence master key changed?); the operator can reset it: "
                                 "drachma users mfa-reset", field="code") from exc


@cache
def _box(master_key: Path) -> SecretBox:
    from drachma.evidence.keys import create_master_key, load_master_key

    create_master_key(master_key)  # made once (owner-only), never overwritten
    return SecretBox(load_master_key(master_key).derive(b"totp-secrets"))


def secret_box(master_key: Path | None = None) -> SecretBox:
    """The box for the evidence master key at ``master_key`` (default: from the settings)."""
    return _box(master_key or load_settings().evidence_settings().master_key)


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What a person needs to add Drachma to an authenticator app: shown until confirmed."""

    secret: str
    uri: str
    qr_svg: str

    @property
    def secret_groups(self) -> str:
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


@dataclass(frozen=True, slots=True)
class SecondFactorStatus:
    enrolled: bool
    pending: bool
    recovery_codes_left: int


def _enrolment(username: str, secret: str) -> Enrolment:
    uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", xmldecl=False, scale=5, border=4,
                                    light="#ffffff", svgclass="drachma-qr",
                                    title="QR code for your authenticator app")
    return Enrolment(secret, uri, buffer.getvalue().decode())


def _user_id(actor: Actor) -> int:
    if actor.user.id is None:
        raise PermissionDenied("only a user who logs in has a second factor", field="user")
    return actor.user.id


def status(store: Store, actor: Actor) -> SecondFactorStatus:
    user_id = _user_id(actor)
    with store.begin() as conn:
        row = cred_store.get_mfa(conn, user_id)
        left = cred_store.recovery_codes_left(conn, user_id) if row else 0
    return SecondFactorStatus(bool(row and row.confirmed_at), bool(row and not row.confirmed_at),
                              left)


def is_enrolled(store: Store, user_id: int) -> bool:
    with store.begin() as conn:
        return bool(cred_store.confirmed_mfa_users(conn, [user_id]))


def start_enrolment(store: Store, actor: Actor, box: SecretBox) -> Enrolment:
    """The secret waiting to be confirmed (a new one if none waits). Refused when a second
    factor is already on."""
    user_id = _user_id(actor)
    with store.begin() as conn:
        row = cred_store.get_mfa(conn, user_id)
        if row is not None and row.confirmed_at is not None:
            raise ConflictError("a second factor is already set up; turn it off first to set up "
                                "a new phone", field="code")
        if row is not None:
            return _enrolment(actor.name, box.open(user_id, row.secret_encrypted))
        secret = pyotp.random_base32()
        cred_store.put_pending_mfa(conn, user_id, box.seal(user_id, secret), datetime.now(UTC))
        audit.record(conn, actor, SecondFactorStarted(user_id=user_id))
    return _enrolment(actor.name, secret)


def _clean(code: str) -> str:
    return _SPACES.sub("", code[:CODE_LIMIT]).lower()


def _step_of(secret: str, code: str, now: datetime) -> int | None:
    """The time step a TOTP code belongs to (this one or either neighbour), or None."""
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        at = now + timedelta(seconds=offset * totp.interval)
        if hmac.compare_digest(totp.at(at), code):
            return int(totp.timecode(at))
    return None


def _hash_code(code: str) -> str:
    return hashlib.sha256(f"drachma-recovery:{code}".encode()).hexdigest()


def _new_recovery_codes(conn: Connection, user_id: int) -> list[str]:
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    codes = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    cred_store.replace_recovery_codes(conn, user_id, [_hash_code(c) for c in codes])
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def record_wrong_code(store: Store, actor: Actor, stage: str) -> None:
    """A wrong code: audited, and counted towards the log-in lock-out like a wrong password."""
    with store.begin() as conn:
        audit.record(conn, actor, SecondFactorFailed(user_id=actor.user.id, stage=stage))
        throttle.record_failure(conn, actor.name, actor.address)


def _check_code(conn: Connection, user_id: int, secret: str, code: str, *,
                recovery: bool, confirm: bool = False) -> str | None:
    """``totp`` or ``recovery`` when the code is right (and now used up), else None."""
    cleaned = _clean(code)
    now = datetime.now(UTC)
    if _TOTP.match(cleaned):
        step = _step_of(secret, cleaned, now)
        if step is not None and cred_store.use_step(conn, user_id, step,
                                                    confirm_at=now if confirm else None):
            return "totp"
        return None
    if recovery and _RECOVERY.match(cleaned) and cred_store.spend_recovery_code(
            conn, user_id, _hash_code(cleaned), now):
        return "recovery"
    return None


def confirm_enrolment(store: Store, actor: Actor, box: SecretBox, code: str) -> list[str]:
    """Switch the second factor on with the first code from the app; returns the recovery codes
    (shown once)."""
    user_id = _user_id(actor)
    with store.begin() as conn:
        if throttle.check_not_locked(conn, actor.name, actor.address):
            raise throttle.LoginLocked(throttle.LOCKED_MESSAGE, field="code")
        row = cred_store.get_mfa(conn, user_id)
        if row is None or row.confirmed_at is not None:
            raise NotFoundError("no second factor is waiting to be confirmed; start again",
                                field="code")
        used = _check_code(conn, user_id, box.open(user_id, row.secret_encrypted), code,
                           recovery=False, confirm=True)
        if used:
            codes = _new_recovery_codes(conn, user_id)
            audit.record(conn, actor, SecondFactorEnrolled(user_id=user_id,
                                                           recovery_codes=len(codes)))
    if not used:
        record_wrong_code(store, actor, "enrolment")
        raise ValidationError("that code is not right: type the 6 digits the app shows now",
                              field="code")
    return codes


def _require_code(store: Store, actor: Actor, box: SecretBox, code: str, stage: str,
                  *, recovery: bool) -> None:
    user_id = _user_id(actor)
    with store.begin() as conn:
        if throttle.check_not_locked(conn, actor.name, actor.address):
            raise throttle.LoginLocked(throttle.LOCKED_MESSAGE, field="code")
        row = cred_store.get_mfa(conn, user_id)
        if row is None or row.confirmed_at is None:
            raise NotFoundError("no second factor is set up", field="code")
        used = _check_code(conn, user_id, box.open(user_id, row.secret_encrypted), code,
                           recovery=recovery)
    if not used:
        record_wrong_code(store, actor, stage)
        raise ValidationError("that code is not right", field="code")


def renew_recovery_codes(store: Store, actor: Actor, box: SecretBox, code: str) -> list[str]:
    """New recovery codes (the old ones stop working); needs a code from the app."""
    _require_code(store, actor, box, code, "recovery codes", recovery=False)
    user_id = _user_id(actor)
    with store.begin() as conn:
        codes = _new_recovery_codes(conn, user_id)
        audit.record(conn, actor, RecoveryCodesRenewed(user_id=user_id, recovery_codes=len(codes)))
    return codes


def turn_off(store: Store, actor: Actor, box: SecretBox, code: str,
             required_roles: Collection[str] = ()) -> None:
    """Turn one's second factor off (a code from the app or a recovery code is needed); refused
    for a role that must use one."""
    if actor.role.value in required_roles:
        raise PermissionDenied(f"the {actor.role.label} role must use a second factor",
                               field="code")
    _require_code(store, actor, box, code, "turn off", recovery=True)
    user_id = _user_id(actor)
    with store.begin() as conn:
        cred_store.delete_mfa(conn, user_id)
        audit.record(conn, actor, SecondFactorRemoved(user_id=user_id, by="the user"))


def reset(store: Store, actor: Actor | None, username: str) -> None:
    """The operator (or an administrator) removes a user's second factor, e.g. a lost phone
    with no recovery codes left; the user sets it up again after logging in."""
    if actor is not None:
        from drachma.access.permissions import Permission

        actor.require(Permission.MANAGE_USERS)
    name = username.strip().lower()
    with store.begin() as conn:
        found = user_store.user_with_hash(conn, name)
        if found is None or found[0].id is None:
            raise NotFoundError(f"no user {username!r}", field="username")
        if not cred_store.delete_mfa(conn, found[0].id):
            raise NotFoundError(f"{name} has no second factor", field="username")
        audit.record(conn, actor, SecondFactorRemoved(user_id=found[0].id, by="an administrator"),
                     actor_name="command-line")


def verify_at_log_in(conn: Connection, actor: Actor, box: SecretBox, code: str) -> bool:
    """Check a log-in's code inside the caller's transaction; a recovery code spent is audited."""
    user_id = _user_id(actor)
    row = cred_store.get_mfa(conn, user_id)
    if row is None or row.confirmed_at is None:
        return True
    used = _check_code(conn, user_id, box.open(user_id, row.secret_encrypted), code,
                       recovery=True)
    if used == "recovery":
        audit.record(conn, actor, RecoveryCodeUsed(
            user_id=user_id, left=cred_store.recovery_codes_left(conn, user_id)))
    return used is not None


def needs_code(conn: Connection, user_id: int) -> bool:
    return bool(cred_store.confirmed_mfa_users(conn, [user_id]))


