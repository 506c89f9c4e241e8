"""sign-in throttles, token revocation reasons, one-time password expiry

Failed sign-ins are counted per email address typed and client address, and per email
address overall, in login_throttles (factcheck/auth/throttle.py), instead of on the user
row: the old per-account counter told attackers which addresses had accounts and let
anyone lock anyone out. Current counts are dropped with the columns (a lock lasted 15
minutes). API tokens record why they were revoked; one-time passwords get an expiry
(existing ones: 72 hours from this upgrade).

Revision ID: c3e5a7b9d1f4
Revises: b2d4f6a8c0e2
Create Date: 2026-11-30 07:17:09.066325+00:00

"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3e5a7b9d1f4"
down_revision = "b2d4f6a8c0e2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_login_throttles_failures_nonnegative")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_throttles_email_key"), ["email_key"])
        batch_op.create_index(batch_op.f("ix_login_throttles_locked_until"), ["locked_until"])

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_reason", sa.String(length=200), nullable=True))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("password_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.drop_constraint(
            batch_op.f("ck_users_failed_login_count_nonnegative"), type_="check"
        )
        batch_op.drop_column("failed_login_count")
        batch_op.drop_column("locked_until")

    users = sa.table(
        "users",
        sa.column("must_change_password", sa.Boolean),
        sa.column("password_expires_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        users.update()
        .where(users.c.must_change_password.is_(True))
        .values(password_expires_at=datetime.now(UTC) + timedelta(hours=72))
    )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("failed_login_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_users_failed_login_count_nonnegative"), "failed_login_count >= 0"
        )
        batch_op.drop_column("password_expires_at")

    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("revoked_reason")

    with op.batch_alter_table("login_throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_throttles_locked_until"))
        batch_op.drop_index(batch_op.f("ix_login_throttles_email_key"))

    op.drop_table("login_throttles")
