"""Password hashing with argon2id, and the password rules (NCSC guidance: a minimum length, a
deny-list of common and breached passwords, no composition rules; ASVS 2.1.7: nor a password made
of words of its context, such as the username, "drachma" or a police force's name).

Each argon2 check takes 64 MiB; a semaphore bounds how many run at once, so a flood of wrong
log-ins queues (and is told to try again) instead of exhausting the server's memory. The checks
run in threads of their own at a lower CPU priority (``hashing_nice``), so that a burst of them
uses only the CPU time the server's other answers leave.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from drachma.access.policy import deny_list, login_policy
from drachma.errors import DrachmaError, ValidationError

# argon2id with argon2-cffi's memory (64 MiB) and time (3 passes) costs, above OWASP's minimum
# (19 MiB, 2 passes, 1 lane), but one lane: a check keeps to one core (see login.toml).
_hasher = PasswordHasher(parallelism=1)
MIN_LENGTH = login_policy().min_password
MAX_LENGTH = login_policy().max_password
_hashing = threading.BoundedSemaphore(login_policy().hashing_concurrency)
_log = logging.getLogger(__name__)
_Result = TypeVar("_Result")


class HashingBusy(DrachmaError):
    """Too many password checks are running at once; the caller should try again shortly."""

    kind = "busy"
    http_status = 503


# Words of Drachma's own context: a password built of them is as weak as a common one.
SERVICE_WORDS = ("drachma", "police", "constabulary", "password", "passw0rd")
# Once its context words are taken out, this much of a password must be left (of at least 5
# different characters: "Drachma-2026-2027" leaves only a run of years).
CONTEXT_REST = 8
_NOT_ALNUM = re.compile(r"[^0-9a-z]")


@cache
def _force_words() -> frozenset[str]:
    from drachma.gazetteers import police_forces

    words: set[str] = set()
    for force in police_forces():
        for name in (force.code, force.name, *force.short_forms):
            words.update(w for w in _NOT_ALNUM.split(name.casefold()) if len(w) >= 4)
    return frozenset(words - {"police", "service", "constabulary", "force", "county"})


def context_words(context: Iterable[str] = ()) -> list[str]:
    """The words a password may not be made of: the user's own (their username and display name,
    each whole), the service's, and the words of police forces' names; longest first."""
    words = set(SERVICE_WORDS) | _force_words()
    for text in context:
        folded = text.casefold()
        if len(folded) >= 3:
            words.add(folded)
            words.add(_NOT_ALNUM.sub("", folded))  # "John Smith" as typed "johnsmith"
    return sorted(words, key=len, reverse=True)


def check_strength(password: str, context: Iterable[str] = ()) -> None:
    """Refuse a password that is too short, too long, common or breached, or made mostly of
    context words (``context``: the username and display name)."""
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
    rest = folded
    for word in context_words(context):
        rest = rest.replace(word, "")
    rest = _NOT_ALNUM.sub("", rest)
    if len(rest) < CONTEXT_REST or len(set(rest)) < 5 or rest in deny_list():
        raise ValidationError("that password is mostly your username, the service's or a police "
                              "force's name; choose another (a few unrelated words make a good "
                              "one)", field="password")


def meets_policy(password: str, context: Iterable[str] = ()) -> bool:
    """Whether a password (already known to be right) meets today's rules: an older, shorter one
    still logs in, and its user is asked to change it."""
    try:
        check_strength(password, context)
    except ValidationError:
        return False
    return True


class _Slot:
    def __enter__(self) -> None:
        if not _hashing.acquire(timeout=login_policy().hashing_wait_seconds):
            raise HashingBusy("the server is busy checking passwords; try again in a minute",
                              field="password")

    def __exit__(self, *_: object) -> None:
        _hashing.release()


def _lower_priority() -> None:
    """Run this thread (a password check's) ``hashing_nice`` steps below the server's priority.
    Linux keeps a nice value per thread; elsewhere the checks run at the server's priority."""
    nice = login_policy().hashing_nice
    if not nice or not sys.platform.startswith("linux"):
        return
    try:
        base = os.getpriority(os.PRIO_PROCESS, os.getpid())
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), min(19, base + nice))
    except OSError as exc:
        _log.warning("password checks run at the server's priority: %s", exc)


_check_threads: tuple[int, ThreadPoolExecutor] | None = None
_check_threads_lock = threading.Lock()


def _in_check_thread(work: Callable[[], _Result]) -> _Result:
    """``work()`` in one of the password checks' own threads (made anew in a forked process:
    threads do not survive a fork); the caller waits without using the CPU."""
    global _check_threads
    with _check_threads_lock:
        if _check_threads is None or _check_threads[0] != os.getpid():
            _check_threads = (os.getpid(), ThreadPoolExecutor(
                max_workers=login_policy().hashing_concurrency,
                thread_name_prefix="password-check", initializer=_lower_priority))
        threads = _check_threads[1]
    return threads.submit(work).result()


def hash_password(password: str) -> str:
    with _Slot():
        return _in_check_thread(partial(_hash, password))


def _hash(password: str) -> str:
    return str(_hasher.hash(password))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False  # never spend a hash on it
    with _Slot():
        return _in_check_thread(partial(_verify, password_hash, password))


# A hash to verify against when the user does not exist, so timing does not reveal usernames.
DUMMY_HASH = hash_password("not-a-real-password-for-timing")
