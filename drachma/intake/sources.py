"""Sources: registered with a reference; a human source's identity is read only by those allowed.

Reports carry the source's reference; who the source is stays in the restricted identity field,
and every read of it is audited.
"""

from __future__ import annotations

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import SourceAdded, SourceIdentityRead, SourceIdentityRefused
from drachma.access.permissions import Permission
from drachma.errors import (
    ConflictError,
    ConstraintError,
    NotFoundError,
    PermissionDenied,
    ValidationError,
)
from drachma.model.report import Source, SourceKind
from drachma.store import sources as source_store
from drachma.store.db import Store


def add_source(
    store: Store, actor: Actor, kind: SourceKind, reference: str, identity: str | None = None
) -> Source:
    actor.require(Permission.CREATE_REPORTS)
    if not reference.strip():
        raise ValidationError("source reference is empty", field="reference")
    source = Source(kind=kind, reference=reference.strip(), identity=identity)
    with store.begin() as conn:
        try:
            source_store.insert_source(conn, source)
        except ConstraintError:
            raise ConflictError(f"source {reference!r} already exists", field="reference") from None
        audit.record(conn, actor, SourceAdded(source_id=source.id))
    return source


def get_source(store: Store, actor: Actor, source_id: int) -> Source:
    """The source without its identity (any role that reads reports)."""
    actor.require(Permission.READ_REPORTS)
    with store.begin() as conn:
        source = source_store.get_source(conn, source_id, with_identity=False)
    if source is None:
        raise NotFoundError(f"no source {source_id}", field="source_id")
    return source


def read_source_identity(store: Store, actor: Actor, source_id: int) -> Source:
    """Who the source is: restricted, and every read (or refused attempt) is audited."""
    with store.begin() as conn:
        source: Source | None = None
        if not actor.can(Permission.READ_SOURCE_IDENTITY):
            audit.record(conn, actor, SourceIdentityRefused(source_id=source_id))
            denied = True
        else:
            denied = False
            source = source_store.get_source(conn, source_id, with_identity=True)
            if source is None:
                raise NotFoundError(f"no source {source_id}", field="source_id")
            audit.record(conn, actor, SourceIdentityRead(source_id=source_id))
    if denied or source is None:
        raise PermissionDenied(
            f"the {actor.role.label} role may not read a source's identity", field="role"
        )
    return source
