"""Password hashing with argon2id, and the password rules (NCSC guidance: a minimum length, a
deny-list of common passwords, no composition rules).

Each argon2 check takes 64 MiB; a semaphore bounds how many run at once, so a flood of wrong
log-ins queues (and is told to try again) instead of exhausting the server's memory.
"""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from drachma.access.policy import deny_list, login_policy
from drachma.errors import DrachmaError, ValidationError

_hasher = PasswordHasher()
MIN_LENGTH = login_policy().min_password
MAX_LENGTH = login_policy().max_password
_hashing = threading.BoundedSemaphore(login_policy().hashing_concurrency)


class HashingBusy(DrachmaError):
    """Too many password checks are running at once; the caller should try again shortly."""

    kind = "busy"
    http_status = 503


def check_strength(password: str) -> None:
    """Refuse a password that is too short, too long, or common."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            f"password must be at least {MIN_LENGTH} characters long", field="password"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"password must be at most {MAX_LENGTH} characters long",
                              field="password")
    folded = password.casefold()
    if folded in deny_list() or len(set(folded)) <= 2:
        raise ValidationError("that password is too common or too easy to guess; choose "
                              "another (a few unrelated words make a good one)", field="password")


class _Slot:
    def __enter__(self) -> None:
        if not _hashing.acquire(timeout=login_policy().hashing_wait_seconds):
            raise HashingBusy("the server is busy checking passwords; try again in a minute",
                              field="password")

    def __exit__(self, *_: object) -> None:
        _hashing.release()


def hash_password(password: str) -> str:
    with _Slot():
        return str(_hasher.hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False  # never spend a hash on it
    with _Slot():
        try:
            return bool(_hasher.verify(password_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


# A hash to verify against when the user does not exist, so timing does not reveal usernames.
DUMMY_HASH = hash_password("not-a-real-password-for-timing")
