"""Security: personal API tokens, a second factor (TOTP) with recovery codes, the half-way state of
a log-in waiting for its code, and notices shown to a user at their next log-in.

* ``api_tokens``: a user's named, expiring, revocable tokens for scripts (only a hash is kept).
* ``user_mfa``: a user's TOTP secret, encrypted with a key derived from the evidence master key;
  ``confirmed_at`` is NULL until the first code is typed; ``last_step`` refuses a code replayed.
* ``mfa_recovery_codes``: one-time codes for a lost phone (only hashes are kept).
* ``login_challenges``: a right password waiting for its second factor (hash of the token in the
  browser's cookie, a few minutes, a few attempts).
* ``account_notices``: "your password was changed", "your password is too short now", shown at
  the user's next log-in.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("last_used_at", TZ),
        sa.Column("revoked_at", TZ),
    )
    op.create_index("ix_api_tokens_user", "api_tokens", ["user_id", "id"])
    op.create_table(
        "user_mfa",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("secret_encrypted", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("confirmed_at", TZ),
        sa.Column("last_step", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "mfa_recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("used_at", TZ),
    )
    op.create_index("ix_mfa_recovery_codes_user", "mfa_recovery_codes", ["user_id"])
    op.create_table(
        "login_challenges",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("address", sa.String(64)),
    )
    op.create_table(
        "account_notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("seen_at", TZ),
    )
    op.create_index("ix_account_notices_user", "account_notices", ["user_id", "seen_at"])


def downgrade() -> None:
    op.drop_index("ix_account_notices_user", "account_notices")
    op.drop_table("account_notices")
    op.drop_table("login_challenges")
    op.drop_index("ix_mfa_recovery_codes_user", "mfa_recovery_codes")
    op.drop_table("mfa_recovery_codes")
    op.drop_table("user_mfa")
    op.drop_index("ix_api_tokens_user", "api_tokens")
    op.drop_table("api_tokens")
