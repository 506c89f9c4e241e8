"""The job state machine: enqueue, claim under a lease, checkpoint, finish, fail, retry.

Every change is one UPDATE guarded by the state it expects (status, lease owner), so two
workers racing for a job, or a worker whose lease lapsed while another took the job over,
cannot both win: the loser's statement matches no row. Services flush; the runner (the
job's equivalent of a view) commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.db import utcnow
from factcheck.errors import Conflict, InvalidInput, NotFound
from factcheck.jobs.models import ACTIVE_STATUSES, Job, JobFile, JobWorker
from factcheck.requestids import current_request_id

# session.info key: ids of jobs enqueued in the session's transaction, published to the
# workers once it commits (factcheck.tasks.dispatch), dropped if it rolls back.
NEW_JOBS = "factcheck.jobs.new"
MAX_ERROR_CHARS = 4000


class LeaseLost(RuntimeError):
    """This worker no longer holds the job (its lease lapsed and another took it over,
    or it was cancelled): it must stop without writing."""


def enqueue(
    session: so.Session,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    actor_id: int | None,
    total: int | None = None,
    key: str | None = None,
    files: Sequence[tuple[str, bytes]] = (),
    max_attempts: int = 3,
    run_after: datetime | None = None,
) -> Job:
    """Add a queued job (and the files it reads); flush. With a `key`, an active job with
    the same key is returned instead of a second one."""
    if key is not None:
        existing = session.scalar(
            sa.select(Job).where(Job.key == key, Job.status.in_(ACTIVE_STATUSES))
        )
        if existing is not None:
            return existing
    payload = dict(payload or {})
    if (request_id := current_request_id.get()) is not None:
        # The job's log line names the request that started it.
        payload.setdefault("request_id", request_id)
    job = Job(
        kind=kind,
        payload=payload,
        status="queued",
        total=total,
        key=key,
        created_by_id=actor_id,
        max_attempts=max_attempts,
        run_after=run_after,
        created_at=utcnow(),
    )
    job.files = [JobFile(name=name[:255], size=len(data), content=data) for name, data in files]
    session.add(job)
    session.flush()
    session.info.setdefault(NEW_JOBS, []).append(job.id)
    return job


def get_job(session: so.Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("No such job.")
    return job


def _due(now: datetime) -> sa.ColumnElement[bool]:
    """Jobs a worker may take now: queued and due, or running with a lapsed lease."""
    return sa.or_(
        sa.and_(Job.status == "queued", sa.or_(Job.run_after.is_(None), Job.run_after <= now)),
        sa.and_(Job.status == "running", Job.lease_expires_at < now),
    )


def due_job_ids(session: so.Session, *, now: datetime, limit: int = 20) -> list[int]:
    """Ids of jobs a worker may take now, oldest first."""
    query = sa.select(Job.id).where(_due(now)).order_by(Job.created_at, Job.id).limit(limit)
    return list(session.scalars(query))


def claim(
    session: so.Session, job_id: int, *, worker: str, now: datetime, lease_seconds: float
) -> Job | None:
    """Take job `job_id` for `worker` under a lease if it is due (queued, or running with
    a lapsed lease); count the attempt; flush. None when it is not due or another worker
    took it first. A lapsed job out of attempts is failed instead (None)."""
    expires = now + timedelta(seconds=lease_seconds)
    taken = session.execute(
        sa.update(Job)
        .where(Job.id == job_id, _due(now), Job.attempts < Job.max_attempts)
        .values(
            status="running",
            lease_owner=worker,
            lease_expires_at=expires,
            attempts=Job.attempts + 1,
            started_at=sa.func.coalesce(Job.started_at, now),
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        session.execute(
            sa.update(Job)
            .where(Job.id == job_id, _due(now), Job.attempts >= Job.max_attempts)
            .values(
                status="failed",
                lease_owner=None,
                lease_expires_at=None,
                finished_at=now,
                error=sa.func.coalesce(
                    Job.error, "The worker running it stopped; no attempts left."
                ),
            )
            .execution_options(synchronize_session=False)
        )
        return None
    return session.get(Job, job_id, populate_existing=True)


def checkpoint(
    session: so.Session,
    job: Job,
    *,
    worker: str,
    now: datetime,
    lease_seconds: float,
    progress: int | None = None,
    total: int | None = None,
    result: dict[str, Any] | None = None,
) -> None:
    """Record progress (and a partial result) and renew the lease; flush. Raises LeaseLost
    if the worker no longer holds the job. Commit it with the work it counts."""
    values: dict[str, Any] = {"lease_expires_at": now + timedelta(seconds=lease_seconds)}
    if progress is not None:
        values["progress"] = progress
    if total is not None:
        values["total"] = total
    if result is not None:
        values["result"] = result
    _guarded(session, job, worker, values)


def finish(
    session: so.Session, job: Job, *, worker: str, now: datetime, result: dict[str, Any] | None
) -> None:
    """Mark the job done with its result; flush."""
    values: dict[str, Any] = {
        "status": "done",
        "finished_at": now,
        "lease_owner": None,
        "lease_expires_at": None,
        "error": None,
    }
    if result is not None:
        values["result"] = result
    if job.total is not None:
        values["progress"] = max(job.progress, job.total)
    _guarded(session, job, worker, values)


def fail(
    session: so.Session,
    job: Job,
    *,
    worker: str,
    now: datetime,
    error: str,
    retry_after: float | None = None,
) -> bool:
    """Record a failed attempt; flush. With `retry_after` seconds and attempts left, the
    job is queued again after that delay; otherwise it is failed for good (a person may
    retry it). Return True when it will be retried."""
    again = retry_after is not None and job.attempts < job.max_attempts
    values: dict[str, Any] = {
        "status": "queued" if again else "failed",
        "error": error[:MAX_ERROR_CHARS],
        "lease_owner": None,
        "lease_expires_at": None,
        "run_after": now + timedelta(seconds=retry_after or 0) if again else None,
        "finished_at": None if again else now,
    }
    _guarded(session, job, worker, values)
    return again


def release(session: so.Session, job: Job, *, worker: str) -> None:
    """Give a running job back because this worker is stopping: queued again at once,
    this attempt not counted (the job did nothing wrong), published after commit; it
    resumes at its progress. Flush; LeaseLost if the worker no longer holds it."""
    values: dict[str, Any] = {
        "status": "queued",
        "lease_owner": None,
        "lease_expires_at": None,
        "run_after": None,
        "attempts": Job.attempts - 1,
    }
    _guarded(session, job, worker, values)
    session.info.setdefault(NEW_JOBS, []).append(job.id)


def retry(session: so.Session, job: Job, *, now: datetime) -> Job:
    """Queue a failed or cancelled job again with fresh attempts; it resumes at its
    progress (the work committed so far stays). Flush."""
    if job.status not in ("failed", "cancelled"):
        raise Conflict("Only a failed or cancelled job can be retried.")
    if job.key is not None and session.scalar(
        sa.select(Job.id).where(Job.key == job.key, Job.status.in_(ACTIVE_STATUSES))
    ):
        raise Conflict("The same work is already queued or running.")
    job.status, job.attempts, job.run_after, job.finished_at = "queued", 0, None, None
    job.lease_owner = job.lease_expires_at = None
    session.flush()
    session.info.setdefault(NEW_JOBS, []).append(job.id)
    return job


def cancel(session: so.Session, job: Job, *, now: datetime) -> Job:
    """Stop a queued or running job (a running one stops at its next checkpoint). Flush."""
    if job.finished:
        raise Conflict("The job has already finished.")
    job.status, job.finished_at = "cancelled", now
    job.lease_owner = job.lease_expires_at = None
    session.flush()
    return job


def job_file(session: so.Session, job: Job, index: int = 0) -> tuple[str, bytes]:
    """The name and bytes of a job's `index`th file."""
    row = session.execute(
        sa.select(JobFile.name, JobFile.content)
        .where(JobFile.job_id == job.id)
        .order_by(JobFile.id)
        .offset(index)
        .limit(1)
    ).first()
    if row is None:
        raise InvalidInput(
            "The job's file is no longer kept (files are deleted some days after their job "
            "ends: JOB_FILES_KEEP_DAYS); start the work again."
        )
    return row.name, row.content


def prune_files(session: so.Session, *, finished_before: datetime) -> int:
    """Delete the files (uploads read, exports made) of jobs that ended before
    `finished_before`; the job rows and their results stay. Return how many; flush."""
    ended = sa.select(Job.id).where(
        Job.status.in_(("done", "failed", "cancelled")), Job.finished_at < finished_before
    )
    deleted = session.execute(
        sa.delete(JobFile)
        .where(JobFile.job_id.in_(ended))
        .execution_options(synchronize_session=False)
    )
    return deleted.rowcount or 0


def attach_file(session: so.Session, job: Job, name: str, data: bytes) -> int:
    """Add a file the job made (an export) to it; return its index (job_file's); flush.
    An earlier file of the same name (from an attempt that was interrupted after writing
    it) is replaced, so a retried job keeps one copy."""
    session.execute(
        sa.delete(JobFile)
        .where(JobFile.job_id == job.id, JobFile.name == name[:255])
        .execution_options(synchronize_session=False)
    )
    session.add(JobFile(job_id=job.id, name=name[:255], size=len(data), content=data))
    session.flush()
    count = session.scalar(
        sa.select(sa.func.count()).select_from(JobFile).where(JobFile.job_id == job.id)
    )
    return int(count or 1) - 1


def heartbeat(
    session: so.Session,
    worker: str,
    *,
    mode: str,
    hostname: str,
    pid: int,
    now: datetime,
    done: int = 0,
) -> None:
    """Record that `worker` is alive (and how many jobs it finished since the last beat);
    flush."""
    row = session.get(JobWorker, worker)
    if row is None:
        session.add(
            JobWorker(
                id=worker,
                mode=mode,
                hostname=hostname[:255],
                pid=pid,
                started_at=now,
                heartbeat_at=now,
                jobs_done=done,
            )
        )
    else:
        row.heartbeat_at = now
        row.jobs_done += done
    session.flush()


def forget_worker(session: so.Session, worker: str) -> None:
    """Remove a worker that is shutting down cleanly; flush."""
    session.execute(sa.delete(JobWorker).where(JobWorker.id == worker))


def _guarded(session: so.Session, job: Job, worker: str, values: dict[str, Any]) -> None:
    changed = session.execute(
        sa.update(Job)
        .where(Job.id == job.id, Job.status == "running", Job.lease_owner == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise LeaseLost(f"job {job.id} is no longer held by {worker}")
    session.refresh(job)


def utc_now() -> datetime:
    """The clock the runner uses (a test may patch it)."""
    return utcnow()
