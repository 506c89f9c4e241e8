"""background jobs

Issue 17: jobs gain attempts allowed, a dedup key for active jobs, a not-before time and
the lease owner; job_files holds what a job reads (an upload) where every worker can
reach it; job_workers records each worker's heartbeat.

Revision ID: a1c3e5f7b9d2
Revises: f1b3d5e7a9c2
Create Date: 2026-11-30 16:02:59.545273+00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a1c3e5f7b9d2"
down_revision = "f1b3d5e7a9c2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_workers",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("jobs_done", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_workers")),
    )
    with op.batch_alter_table("job_workers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_job_workers_heartbeat_at"), ["heartbeat_at"], unique=False
        )

    op.create_table(
        "job_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_job_files_size_nonnegative")),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_files_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_files")),
    )
    with op.batch_alter_table("job_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_files_job_id"), ["job_id"], unique=False)

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("max_attempts", sa.Integer(), nullable=False, server_default="3")
        )
        batch_op.create_check_constraint(op.f("ck_jobs_max_attempts_positive"), "max_attempts >= 1")
        batch_op.add_column(sa.Column("key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("run_after", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=120), nullable=True))
        batch_op.create_index("ix_jobs_created_by", ["created_by_id", "created_at"], unique=False)
        batch_op.create_index(
            "uq_jobs_active_key",
            ["key"],
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        )


def downgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_jobs_active_key",
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        )
        batch_op.drop_index("ix_jobs_created_by")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("run_after")
        batch_op.drop_column("key")
        batch_op.drop_constraint(op.f("ck_jobs_max_attempts_positive"), type_="check")
        batch_op.drop_column("max_attempts")

    with op.batch_alter_table("job_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_files_job_id"))

    op.drop_table("job_files")
    with op.batch_alter_table("job_workers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_workers_heartbeat_at"))

    op.drop_table("job_workers")
