"""People known to Drachma. Personal data: every read is checked and audited."""

from __future__ import annotations

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import PersonRead, PersonRefused
from drachma.access.permissions import Permission
from drachma.errors import NotFoundError, PermissionDenied
from drachma.model.entities import Person
from drachma.store import entities as entity_store
from drachma.store.db import Store


def get_person(store: Store, actor: Actor, person_id: int) -> Person:
    """Read one person's record; the read (or the refusal) is audited."""
    with store.begin() as conn:
        if not actor.can(Permission.READ_PERSONS):
            audit.record(conn, actor, PersonRefused(person_id=person_id))
            person = None
        else:
            person = entity_store.get_person(conn, person_id)
            if person is None:
                raise NotFoundError(f"no person {person_id}", field="person_id")
            audit.record(conn, actor, PersonRead(person_id=person_id))
    if person is None:
        raise PermissionDenied(f"the {actor.role.label} role may not read persons", field="role")
    return person
