"""Linkage blocking keys as columns of ``linkage_records``, one a kind of key, instead of rows
of ``linkage_keys``.

The whole linkage job of a million people wrote about 14 million key rows and built two indexes
over them, most of what Drachma added to Splink's own work. The same keys as columns (``key_n``
for ``n:`` keys and so on; ``key_x1``/``key_x2`` and ``key_y1``/``key_y2`` for the two kinds a
record has twice, given name and surname, in sorted order) are a million rows. Six kinds have
a partial index each; the eight kinds that hold a postcode or a date of birth are found through
two *bucket* columns, ``key_pc`` (``pc:`` and the postcode) and ``key_born`` (``born:`` and
the date of birth with day and month in either order), which are indexed instead
(``drachma.store.tables.LINKAGE_KEY_BUCKETS``, ``docs/linkage.md``).

The keys already stored are moved into the columns (the smallest key of a kind first, compared
byte by byte on both databases, as ``drachma.store.linkage.key_row`` orders them), the buckets
are filled from each record's stored features (its ``postcode`` and ``dob_key``); then
``linkage_keys`` is dropped. The downgrade moves the keys back.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

#: (kind of key, its columns), as ``drachma.store.tables.LINKAGE_KEY_SLOTS`` at this revision
SLOTS = (("n", ("key_n",)), ("d", ("key_d",)), ("s", ("key_s",)), ("p", ("key_p",)),
         ("q", ("key_q",)), ("w", ("key_w",)), ("b", ("key_b",)), ("a", ("key_a",)),
         ("r", ("key_r",)), ("t", ("key_t",)), ("x", ("key_x1", "key_x2")),
         ("y", ("key_y1", "key_y2")), ("h", ("key_h",)), ("g", ("key_g",)),
         ("pc", ("key_pc",)), ("born", ("key_born",)))
COLUMNS = tuple(c for _, columns in SLOTS for c in columns)
#: the buckets and the features they are read from
BUCKETS = {"pc": "postcode", "born": "dob_key"}
BUCKETED = ("p", "q", "a", "x", "d", "s", "b", "y")
INDEXED = tuple(c for kind, columns in SLOTS if kind not in BUCKETED for c in columns)


def _index(name: str) -> None:
    op.create_index(f"ix_linkage_records_{name}", "linkage_records", [name],
                    sqlite_where=sa.text(f"{name} IS NOT NULL"),
                    postgresql_where=sa.text(f"{name} IS NOT NULL"))


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    binary = ' COLLATE "C"' if postgresql else ""
    for name in COLUMNS:
        op.add_column("linkage_records", sa.Column(name, sa.String(120)))
    for kind, feature in BUCKETS.items():
        value = (f"(features::json ->> '{feature}')" if postgresql
                 else f"json_extract(features, '$.{feature}')")
        op.execute(f"UPDATE linkage_records SET key_{kind} = substr('{kind}:' || {value}, 1, 120) "
                   f"WHERE {value} IS NOT NULL AND {value} <> ''")
    for kind, columns in SLOTS:
        if kind in BUCKETS:
            continue
        of_kind = (f"FROM linkage_keys k WHERE k.record_id = linkage_records.id "
                   f"AND k.key LIKE '{kind}:%'")
        op.execute(f"UPDATE linkage_records SET {columns[0]} = "
                   f"(SELECT min(k.key{binary}) {of_kind})")
        for before, column in zip(columns, columns[1:], strict=False):
            op.execute(f"UPDATE linkage_records SET {column} = (SELECT min(k.key{binary}) "
                       f"{of_kind} AND k.key{binary} > linkage_records.{before}{binary}) "
                       f"WHERE {before} IS NOT NULL")
    for name in INDEXED:
        _index(name)
    op.drop_table("linkage_keys")


def downgrade() -> None:
    op.create_table(
        "linkage_keys",
        sa.Column("record_id", sa.Integer, sa.ForeignKey("linkage_records.id",
                                                         ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
    )
    for kind, columns in SLOTS:
        for name in columns if kind not in BUCKETS else ():
            op.execute(f"INSERT INTO linkage_keys (record_id, key) SELECT id, {name} "
                       f"FROM linkage_records WHERE {name} IS NOT NULL")
    op.create_index("ix_linkage_keys_key", "linkage_keys", ["key", "record_id"])
    op.create_index("ix_linkage_keys_record", "linkage_keys", ["record_id"])
    for name in INDEXED:
        op.drop_index(f"ix_linkage_records_{name}", table_name="linkage_records")
    with op.batch_alter_table("linkage_records") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
