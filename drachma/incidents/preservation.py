"""Whether the preserved copy a takedown request names exists in the evidence locker."""

from __future__ import annotations

import re

from drachma.store import incidents as incident_store
from drachma.store.db import Store

#: An exhibit reference: producer's initials and a number, sub-exhibits after further slashes.
EXHIBIT_REFERENCE = re.compile(r"^[A-Z]{1,4}/\d{1,6}(/\d{1,6})*$")


def preserved_copy_exists(store: Store, reference: str) -> bool:
    """True when ``reference`` (``JS/1``, ``JS/1/2``) is a well-formed exhibit reference and,
    when the database has the evidence locker's ``exhibits`` table, an exhibit with that
    reference is stored there. Without that table (a database from before the evidence locker)
    only the form of the reference can be checked, and a well-formed one is accepted."""
    cleaned = reference.strip().upper()
    if not EXHIBIT_REFERENCE.match(cleaned):
        return False
    with store.begin() as conn:
        stored = incident_store.exhibit_reference_exists(conn, cleaned)
    return True if stored is None else stored
