"""Sources of information. The identity column is restricted: only access.sources reads it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from drachma.model.report import Source, SourceKind
from drachma.store.db import constraint_error
from drachma.store.tables import sources


def insert_source(conn: Connection, source: Source) -> int:
    try:
        result = conn.execute(
            insert(sources)
            .values(
                kind=source.kind.value,
                reference=source.reference,
                identity=source.identity,
                created_at=datetime.now(UTC),
            )
            .returning(sources.c.id)
        )
    except IntegrityError as exc:  # the reference is taken
        raise constraint_error(exc) from exc
    source.id = int(result.scalar_one())
    return source.id


def get_source(conn: Connection, source_id: int, *, with_identity: bool) -> Source | None:
    columns = [sources.c.id, sources.c.kind, sources.c.reference]
    if with_identity:
        columns.append(sources.c.identity)
    row = conn.execute(select(*columns).where(sources.c.id == source_id)).first()
    if row is None:
        return None
    return Source(
        id=row.id,
        kind=SourceKind(row.kind),
        reference=row.reference,
        identity=row.identity if with_identity else None,
    )
