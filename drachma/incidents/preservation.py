"""Whether the preserved copy a takedown request names exists in the evidence locker."""

from __future__ import annotations

import re

from drachma.store import evidence as evidence_store
from drachma.store.db import Store

#: An exhibit reference: producer's initials and a number, sub-exhibits after further slashes.
EXHIBIT_REFERENCE = re.compile(r"^[A-Z]{1,4}/\d{1,6}(/\d{1,6})*$")


def preserved_copy_exists(store: Store, reference: str) -> bool:
    """True when ``reference`` (``JS/1``, ``JS/1/2``) is a well-formed exhibit reference of an
    exhibit stored in the evidence locker."""
    cleaned = reference.strip().upper()
    if not EXHIBIT_REFERENCE.match(cleaned):
        return False
    with store.begin() as conn:
        return evidence_store.reference_exists(conn, cleaned)
