"""E-mail attachments move onto the evidence blob store: ``report_attachments.stored_path`` may be
NULL (the content is then in the blob store under the row's ``sha256``).

This revision changes only the schema. Moving the files needs the evidence master key and the blob
folder, which Alembic has no business knowing, so ``drachma db upgrade`` (and ``drachma init``)
runs the data move in Python after it: ``drachma/intake/attachments.py``, which checks every file
against its recorded SHA-256 before anything changes and removes a plain file only after its blob
reads back identical (``docs/evidence.md``, "Attachments in the blob store").

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("report_attachments") as batch:
        batch.alter_column("stored_path", existing_type=sa.String(300), nullable=True)


def downgrade() -> None:
    # Only possible while every attachment is still a plain file (nothing has moved yet).
    with op.batch_alter_table("report_attachments") as batch:
        batch.alter_column("stored_path", existing_type=sa.String(300), nullable=False)
