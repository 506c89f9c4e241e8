"""Background work (bulk ingest, rescoring) tracked in our own database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.db import Base, enum_check, utcnow

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")


class Job(Base):
    """A unit of background work; its row is the source of truth whatever runs it."""

    __tablename__ = "jobs"
    __table_args__ = (
        enum_check("status", JOB_STATUSES, "status_valid"),
        sa.CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
        sa.CheckConstraint("progress >= 0", name="progress_nonnegative"),
        sa.Index("ix_jobs_status_created", "status", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    payload: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="queued")
    progress: so.Mapped[int] = so.mapped_column(default=0)
    total: so.Mapped[int | None]
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    result: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    started_at: so.Mapped[datetime | None]
    finished_at: so.Mapped[datetime | None]
    # A worker holding the job must finish or renew before this, else it is retried.
    lease_expires_at: so.Mapped[datetime | None]
