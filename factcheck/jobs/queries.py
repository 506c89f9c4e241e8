"""Counts over the jobs and workers tables for the health endpoint and the jobs pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.jobs.models import Job, JobWorker

# A worker is alive while its last heartbeat is at most this many heartbeat periods old.
HEARTBEATS_MISSED = 3


@dataclass(frozen=True)
class WorkerCounts:
    """Workers that have beaten recently, and how old the newest heartbeat is."""

    alive: int
    known: int  # rows in job_workers, alive or not (a killed worker's row stays)
    alive_by_mode: dict[str, int]
    newest_heartbeat_age_s: float | None  # None: no worker ever beat


@dataclass(frozen=True)
class QueueCounts:
    """How much work waits and how it went lately."""

    due: int  # queued and due now (run_after passed or unset)
    scheduled: int  # queued for later (a retry's backoff, a scheduled poll)
    running: int  # running under a live lease
    stalled: int  # running with a lapsed lease: its worker stopped; another will take it
    failed_last_day: int
    oldest_due_age_s: float | None  # how long the oldest due job has waited


def worker_counts(session: so.Session, *, now: datetime, heartbeat_seconds: float) -> WorkerCounts:
    """Count workers alive: a heartbeat within HEARTBEATS_MISSED heartbeat periods."""
    cutoff = now - timedelta(seconds=HEARTBEATS_MISSED * heartbeat_seconds)
    rows = session.execute(
        sa.select(JobWorker.mode, sa.func.count())
        .where(JobWorker.heartbeat_at >= cutoff)
        .group_by(JobWorker.mode)
    ).all()
    known, newest = session.execute(
        sa.select(sa.func.count(), sa.func.max(JobWorker.heartbeat_at))
    ).one()
    by_mode = {mode: count for mode, count in rows}
    return WorkerCounts(
        alive=sum(by_mode.values()),
        known=known,
        alive_by_mode=by_mode,
        newest_heartbeat_age_s=_age(now, newest),
    )


def queue_counts(session: so.Session, *, now: datetime) -> QueueCounts:
    """Count queued (due, and for later), running, stalled and recently failed jobs."""
    due = sa.and_(Job.status == "queued", sa.or_(Job.run_after.is_(None), Job.run_after <= now))
    live = sa.and_(Job.status == "running", Job.lease_expires_at >= now)
    stalled = sa.and_(
        Job.status == "running",
        sa.or_(Job.lease_expires_at.is_(None), Job.lease_expires_at < now),
    )
    failed = sa.and_(Job.status == "failed", Job.finished_at >= now - timedelta(days=1))

    def count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.count().filter(condition)

    row = session.execute(
        sa.select(
            count(due),
            count(sa.and_(Job.status == "queued", sa.not_(due))),
            count(live),
            count(stalled),
            count(failed),
            sa.func.min(sa.case((due, sa.func.coalesce(Job.run_after, Job.created_at)))),
        ).where(Job.status.in_(("queued", "running", "failed")))
    ).one()
    return QueueCounts(
        due=row[0],
        scheduled=row[1],
        running=row[2],
        stalled=row[3],
        failed_last_day=row[4],
        oldest_due_age_s=_age(now, row[5]),
    )


def _age(now: datetime, then: datetime | str | None) -> float | None:
    if then is None:
        return None
    if isinstance(then, str):  # SQLite's MIN() over a column returns the stored text
        then = datetime.fromisoformat(then)
    if then.tzinfo is None:
        then = then.replace(tzinfo=now.tzinfo)
    return round(max(0.0, (now - then).total_seconds()), 1)
