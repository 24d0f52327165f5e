"""One's own sessions, personal API tokens, the second factor (TOTP secret and recovery codes),
log-ins waiting for their second factor, and notices shown at the next log-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from drachma.model.roles import Role
from drachma.model.user import User
from drachma.store.tables import (
    account_notices,
    api_tokens,
    login_challenges,
    mfa_recovery_codes,
    sessions,
    user_mfa,
    users,
)


def aware(value: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; every stored time is UTC."""
    return None if value is None else (value if value.tzinfo else value.replace(tzinfo=UTC))


def _at(value: datetime | None) -> datetime:
    found = aware(value)
    assert found is not None
    return found


# --- sessions ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    token_hash: str
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime | None
    address: str | None


def user_sessions(conn: Connection, user_id: int, limit: int) -> list[SessionRow]:
    rows = conn.execute(select(sessions).where(sessions.c.user_id == user_id)
                        .order_by(sessions.c.id.desc()).limit(limit))
    return [SessionRow(r.id, r.token_hash, _at(r.created_at), _at(r.expires_at),
                       aware(r.last_seen_at), r.address) for r in rows]


def delete_user_session(conn: Connection, user_id: int, session_id: int) -> bool:
    result = conn.execute(delete(sessions).where(sessions.c.id == session_id,
                                                 sessions.c.user_id == user_id))
    return result.rowcount > 0


# --- API tokens --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TokenRow:
    id: int
    user_id: int
    name: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _token(row: Any) -> TokenRow:
    return TokenRow(row.id, row.user_id, row.name, _at(row.created_at), _at(row.expires_at),
                    aware(row.last_used_at), aware(row.revoked_at))


def insert_token(conn: Connection, *, user_id: int, name: str, token_hash: str,
                 created_at: datetime, expires_at: datetime) -> TokenRow:
    token_id = conn.execute(insert(api_tokens).values(
        user_id=user_id, name=name, token_hash=token_hash, created_at=created_at,
        expires_at=expires_at).returning(api_tokens.c.id)).scalar_one()
    return TokenRow(int(token_id), user_id, name, created_at, expires_at, None, None)


def user_tokens(conn: Connection, user_id: int, limit: int) -> list[TokenRow]:
    rows = conn.execute(select(api_tokens).where(api_tokens.c.user_id == user_id)
                        .order_by(api_tokens.c.id.desc()).limit(limit))
    return [_token(r) for r in rows]


def live_token_count(conn: Connection, user_id: int, now: datetime) -> int:
    return int(conn.execute(select(func.count()).select_from(api_tokens).where(
        api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None),
        api_tokens.c.expires_at > now)).scalar_one())


def token_owner(conn: Connection, token_hash: str) -> tuple[User, TokenRow] | None:
    row = conn.execute(
        select(api_tokens, users.c.username, users.c.display_name, users.c.role, users.c.active)
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_hash == token_hash)).first()
    if row is None:
        return None
    user = User(id=row.user_id, username=row.username, display_name=row.display_name,
                role=Role(row.role), active=bool(row.active))
    return user, _token(row)


def touch_token(conn: Connection, token_id: int, at: datetime) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at))


def revoke_token(conn: Connection, user_id: int, token_id: int, at: datetime) -> bool:
    result = conn.execute(update(api_tokens).where(
        api_tokens.c.id == token_id, api_tokens.c.user_id == user_id,
        api_tokens.c.revoked_at.is_(None)).values(revoked_at=at))
    return result.rowcount > 0


def revoke_user_tokens(conn: Connection, user_id: int, at: datetime) -> list[int]:
    ids = list(conn.execute(select(api_tokens.c.id).where(
        api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))).scalars())
    if ids:
        conn.execute(update(api_tokens).where(api_tokens.c.id.in_(ids)).values(revoked_at=at))
    return [int(i) for i in ids]


# --- the second factor -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class MfaRow:
    user_id: int
    secret_encrypted: str
    created_at: datetime
    confirmed_at: datetime | None
    last_step: int


def get_mfa(conn: Connection, user_id: int) -> MfaRow | None:
    row = conn.execute(select(user_mfa).where(user_mfa.c.user_id == user_id)).first()
    if row is None:
        return None
    return MfaRow(row.user_id, row.secret_encrypted, _at(row.created_at),
                  aware(row.confirmed_at), int(row.last_step))


def put_pending_mfa(conn: Connection, user_id: int, secret_encrypted: str, at: datetime) -> None:
    """A new, unconfirmed secret (replacing an unconfirmed one; never a confirmed one)."""
    conn.execute(delete(user_mfa).where(user_mfa.c.user_id == user_id,
                                        user_mfa.c.confirmed_at.is_(None)))
    conn.execute(insert(user_mfa).values(user_id=user_id, secret_encrypted=secret_encrypted,
                                         created_at=at, last_step=0))


def use_step(conn: Connection, user_id: int, step: int, *, confirm_at: datetime | None = None
             ) -> bool:
    """Record a TOTP time step as used; False if it (or a later one) was used before: a code is
    good once."""
    values: dict[str, Any] = {"last_step": step}
    if confirm_at is not None:
        values["confirmed_at"] = confirm_at
    result = conn.execute(update(user_mfa).where(user_mfa.c.user_id == user_id,
                                                 user_mfa.c.last_step < step).values(**values))
    return result.rowcount > 0


def delete_mfa(conn: Connection, user_id: int) -> bool:
    conn.execute(delete(mfa_recovery_codes).where(mfa_recovery_codes.c.user_id == user_id))
    result = conn.execute(delete(user_mfa).where(user_mfa.c.user_id == user_id))
    return result.rowcount > 0


def confirmed_mfa_users(conn: Connection, user_ids: list[int]) -> set[int]:
    rows = conn.execute(select(user_mfa.c.user_id).where(
        user_mfa.c.user_id.in_(user_ids), user_mfa.c.confirmed_at.is_not(None)))
    return {int(r) for r in rows.scalars()}


def replace_recovery_codes(conn: Connection, user_id: int, hashes: list[str]) -> None:
    conn.execute(delete(mfa_recovery_codes).where(mfa_recovery_codes.c.user_id == user_id))
    conn.execute(insert(mfa_recovery_codes),
                 [{"user_id": user_id, "code_hash": h} for h in hashes])


def spend_recovery_code(conn: Connection, user_id: int, code_hash: str, at: datetime) -> bool:
    result = conn.execute(update(mfa_recovery_codes).where(
        mfa_recovery_codes.c.user_id == user_id, mfa_recovery_codes.c.code_hash == code_hash,
        mfa_recovery_codes.c.used_at.is_(None)).values(used_at=at))
    return result.rowcount > 0


def recovery_codes_left(conn: Connection, user_id: int) -> int:
    return int(conn.execute(select(func.count()).select_from(mfa_recovery_codes).where(
        mfa_recovery_codes.c.user_id == user_id,
        mfa_recovery_codes.c.used_at.is_(None))).scalar_one())


# --- log-ins waiting for their second factor -----------------------------------------------------

@dataclass(frozen=True, slots=True)
class ChallengeRow:
    id: int
    user_id: int
    expires_at: datetime
    attempts: int
    address: str | None


def insert_challenge(conn: Connection, *, token_hash: str, user_id: int, created_at: datetime,
                     expires_at: datetime, address: str | None) -> None:
    conn.execute(delete(login_challenges).where(login_challenges.c.expires_at < created_at))
    conn.execute(insert(login_challenges).values(
        token_hash=token_hash, user_id=user_id, created_at=created_at, expires_at=expires_at,
        attempts=0, address=address))


def get_challenge(conn: Connection, token_hash: str) -> ChallengeRow | None:
    row = conn.execute(select(login_challenges)
                       .where(login_challenges.c.token_hash == token_hash)).first()
    if row is None:
        return None
    return ChallengeRow(row.id, row.user_id, _at(row.expires_at), int(row.attempts), row.address)


def count_attempt(conn: Connection, challenge_id: int) -> None:
    conn.execute(update(login_challenges).where(login_challenges.c.id == challenge_id)
                 .values(attempts=login_challenges.c.attempts + 1))


def delete_challenge(conn: Connection, challenge_id: int) -> None:
    conn.execute(delete(login_challenges).where(login_challenges.c.id == challenge_id))


# --- notices at the next log-in ------------------------------------------------------------------

def add_notice(conn: Connection, user_id: int, kind: str, at: datetime) -> None:
    """A notice for the user's next log-in (one of each kind waits at a time)."""
    waiting = conn.execute(select(account_notices.c.id).where(
        account_notices.c.user_id == user_id, account_notices.c.kind == kind,
        account_notices.c.seen_at.is_(None))).first()
    if waiting is None:
        conn.execute(insert(account_notices).values(user_id=user_id, kind=kind, created_at=at))


def unseen_notices(conn: Connection, user_id: int) -> list[tuple[str, datetime]]:
    rows = conn.execute(select(account_notices.c.kind, account_notices.c.created_at).where(
        account_notices.c.user_id == user_id, account_notices.c.seen_at.is_(None))
        .order_by(account_notices.c.id).limit(20))
    return [(r.kind, _at(r.created_at)) for r in rows]


def mark_notices_seen(conn: Connection, user_id: int, at: datetime) -> None:
    conn.execute(update(account_notices).where(and_(
        account_notices.c.user_id == user_id, account_notices.c.seen_at.is_(None)))
        .values(seen_at=at))
