"""Groups (OCAGs) and their aliases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from drachma.model.entities import Group, GroupStatus
from drachma.store.tables import group_aliases, groups


def _groups(conn: Connection, rows: list[Any]) -> list[Group]:
    ids = [r.id for r in rows]
    aliases: dict[int, list[str]] = {}
    pages: dict[int, list[str]] = {}
    if ids:
        for a in conn.execute(
            select(group_aliases).where(group_aliases.c.group_id.in_(ids)).order_by(
                group_aliases.c.id
            )
        ):
            (pages if a.kind == "page" else aliases).setdefault(a.group_id, []).append(a.alias)
    return [
        Group(
            id=r.id,
            name=r.name,
            aliases=aliases.get(r.id, []),
            pages=pages.get(r.id, []),
            area_force=r.area_force,
            status=GroupStatus(r.status),
            confirmed=bool(r.confirmed),
        )
        for r in rows
    ]


def insert_group(conn: Connection, group: Group) -> int:
    group_id = int(
        conn.execute(
            insert(groups)
            .values(
                name=group.name,
                area_force=group.area_force,
                status=group.status.value,
                confirmed=group.confirmed,
                created_at=datetime.now(UTC),
            )
            .returning(groups.c.id)
        ).scalar_one()
    )
    names = dict.fromkeys(group.aliases)
    rows = [{"group_id": group_id, "alias": a, "kind": "alias"} for a in names]
    rows += [{"group_id": group_id, "alias": p, "kind": "page"} for p in dict.fromkeys(group.pages)]
    if rows:
        conn.execute(insert(group_aliases), rows)
    group.id = group_id
    return group_id


def all_groups(conn: Connection, *, confirmed_only: bool = False) -> list[Group]:
    query = select(groups).order_by(groups.c.name)
    if confirmed_only:
        query = query.where(groups.c.confirmed.is_(True))
    return _groups(conn, list(conn.execute(query)))


def find_group(conn: Connection, name: str) -> Group | None:
    """A group whose name or alias is ``name`` (case-insensitive)."""
    key = name.strip().lower()
    alias_ids = select(group_aliases.c.group_id).where(func.lower(group_aliases.c.alias) == key)
    row = conn.execute(
        select(groups).where(or_(func.lower(groups.c.name) == key, groups.c.id.in_(alias_ids)))
    ).first()
    return _groups(conn, [row])[0] if row else None


def confirm_group(conn: Connection, group_id: int) -> None:
    conn.execute(update(groups).where(groups.c.id == group_id).values(confirmed=True))
