"""Background work (ingest, bulk ingest, rescoring, exports, mail, feed polls) tracked in
our own database: the job row is the truth whatever runs it (README, "Background jobs")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.db import Base, enum_check, utcnow

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")
# A job in one of these may still be picked up (queued, or running with a lapsed lease).
ACTIVE_STATUSES = ("queued", "running")


class Job(Base):
    """A unit of background work; its row is the source of truth whatever runs it.

    `progress` of `total` counts units of work committed (articles ingested, claims
    rescored): a handler commits each unit together with the new progress, so a job
    interrupted anywhere resumes at the first unit not committed.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        enum_check("status", JOB_STATUSES, "status_valid"),
        sa.CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
        sa.CheckConstraint("progress >= 0", name="progress_nonnegative"),
        sa.CheckConstraint("max_attempts >= 1", name="max_attempts_positive"),
        sa.Index("ix_jobs_status_created", "status", "created_at"),
        sa.Index("ix_jobs_created_by", "created_by_id", "created_at"),
        # One active job per key (a feed's poll, a model's rescore): enqueueing it again
        # while one waits or runs returns the one there.
        sa.Index(
            "uq_jobs_active_key",
            "key",
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    payload: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="queued")
    progress: so.Mapped[int] = so.mapped_column(default=0)
    total: so.Mapped[int | None]
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    max_attempts: so.Mapped[int] = so.mapped_column(default=3)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    result: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    # Deduplicates active jobs (see uq_jobs_active_key); None for most jobs.
    key: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Not before this time (a retry's backoff, a scheduled poll); None: at once.
    run_after: so.Mapped[datetime | None]
    started_at: so.Mapped[datetime | None]
    finished_at: so.Mapped[datetime | None]
    # The worker holding a running job, and until when: it must finish or renew before
    # then, else another worker takes the job over (it resumes at `progress`).
    lease_owner: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    lease_expires_at: so.Mapped[datetime | None]

    created_by = so.relationship("User", lazy="raise")
    files: so.Mapped[list[JobFile]] = so.relationship(
        back_populates="job", cascade="all, delete-orphan", lazy="raise", order_by="JobFile.id"
    )

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.progress / self.total))


class JobFile(Base):
    """An uploaded file a job reads (a bulk CSV, a PDF): kept in the database, not on one
    machine's disk, so a worker on any machine can read it."""

    __tablename__ = "job_files"
    __table_args__ = (sa.CheckConstraint("size >= 0", name="size_nonnegative"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    job_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(255))
    size: so.Mapped[int]
    content: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)

    job: so.Mapped[Job] = so.relationship(back_populates="files", lazy="raise")


class JobWorker(Base):
    """A worker process that runs jobs (a thread pool in the web process, or a Celery
    worker): its heartbeat tells the health endpoint and the jobs page it is alive."""

    __tablename__ = "job_workers"

    id: so.Mapped[str] = so.mapped_column(sa.String(120), primary_key=True)
    mode: so.Mapped[str] = so.mapped_column(sa.String(20))  # threads | celery | cli
    hostname: so.Mapped[str] = so.mapped_column(sa.String(255))
    pid: so.Mapped[int]
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    heartbeat_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
    jobs_done: so.Mapped[int] = so.mapped_column(default=0)
