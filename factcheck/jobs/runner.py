"""Run one job: claim it under a lease, call its kind's handler, record the outcome.

The runner is to a job what a view is to a request: it commits. Whatever carries the job
to a worker (the in-process pool, a Celery task, `factcheck jobs run`) calls run_job with
the job's id inside an app context; the job row says whether there is anything to do, so
a message delivered twice, or for a job already finished, does nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy.orm as so

from factcheck.errors import DomainError
from factcheck.jobs import services
from factcheck.jobs.models import Job

log = logging.getLogger("factcheck.jobs")

# Seconds before the attempt after a failed one: 10 s, 60 s, 5 min, then 30 min.
BACKOFF = (10, 60, 300, 1800)


@dataclass
class JobContext:
    """What a handler gets: the session, its job, and checkpoint() to commit work done."""

    session: so.Session
    job: Job
    worker: str
    lease_seconds: float
    # True once the worker is stopping (a web process restarting): the job is then given
    # back at its next checkpoint, for another worker to resume at once.
    stopping: Callable[[], bool] | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload or {}

    def checkpoint(
        self,
        progress: int | None = None,
        *,
        total: int | None = None,
        result: dict[str, Any] | None = None,
    ) -> None:
        """Commit the work done so far together with the job's progress (and partial
        result), renewing the lease. Raises LeaseLost when the job was taken over or
        cancelled: the handler stops, and nothing of this unit is committed. Raises
        Interrupted, after committing, when the worker is stopping."""
        services.checkpoint(
            self.session,
            self.job,
            worker=self.worker,
            now=services.utc_now(),
            lease_seconds=self.lease_seconds,
            progress=progress,
            total=total,
            result=result,
        )
        self.session.commit()
        if self.stopping is not None and self.stopping():
            raise Interrupted(f"job {self.job.id}: the worker is stopping")

    def renew(self) -> None:
        """Keep the lease during a long step with nothing to commit yet."""
        self.checkpoint()


class Interrupted(Exception):  # noqa: N818  (not an error: the worker is stopping)
    """Raised by a checkpoint when the worker is stopping; the runner gives the job back."""


Handler = Callable[[JobContext], dict[str, Any] | None]


@dataclass(frozen=True)
class JobKind:
    """A kind of job: its handler, what people call it, how often it may be tried."""

    name: str
    title: str
    handler: Handler
    max_attempts: int = 3
    # Retry after an unexpected error (network, database)? Domain errors never are.
    retry: bool = True
    describe: Callable[[Job], str] | None = field(default=None, compare=False)


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str, *, title: str, max_attempts: int = 3, retry: bool = True
) -> Callable[[Handler], Handler]:
    """Register a handler for jobs of kind `name` (factcheck.tasks registers them all)."""

    def register(handler: Handler) -> Handler:
        KINDS[name] = JobKind(name, title, handler, max_attempts, retry)
        return handler

    return register


def run_job(
    session: so.Session,
    job_id: int,
    *,
    worker: str,
    lease_seconds: float,
    stopping: Callable[[], bool] | None = None,
) -> str:
    """Run job `job_id` if it is due; return what happened: "done", "failed", "retry",
    "lost" (another worker took it over, or it was cancelled), "released" (`stopping()`
    became true: the job was given back at a checkpoint, queued for another worker to
    resume) or "skipped" (not due)."""
    job = services.claim(
        session, job_id, worker=worker, now=services.utc_now(), lease_seconds=lease_seconds
    )
    session.commit()
    if job is None:
        return "skipped"
    kind = KINDS.get(job.kind)
    started = time.monotonic()
    # What the job line says (read now: a rollback below expires the row's attributes).
    about = {"job_id": job_id, "job_kind": job.kind, "attempts": job.attempts, "worker": worker}
    about["request_id"] = (job.payload or {}).get("request_id")
    if kind is None:
        failed = _failed(session, job, worker, f"Unknown kind of job: {job.kind!r}.", None)
        return _log_outcome(failed, about, started)
    context = JobContext(session, job, worker, lease_seconds, stopping)
    try:
        result = kind.handler(context)
    except services.LeaseLost:
        session.rollback()
        return _log_outcome("lost", about, started)
    except Interrupted:
        session.rollback()
        try:
            services.release(session, job, worker=worker)
            session.commit()
        except services.LeaseLost:
            session.rollback()
            return _log_outcome("lost", about, started)
        return _log_outcome("released", about, started)
    except DomainError as exc:
        session.rollback()
        return _log_outcome(_failed(session, job, worker, exc.message, None), about, started)
    except Exception as exc:  # noqa: BLE001  (any failure is recorded on the job)
        session.rollback()
        log.exception(
            "job %s (%s) failed on attempt %s",
            job_id,
            about["job_kind"],
            about["attempts"],
            extra={"job_id": job_id, "job_kind": about["job_kind"]},
        )
        delay = BACKOFF[min(about["attempts"], len(BACKOFF)) - 1] if kind.retry else None
        failed = _failed(session, job, worker, f"{type(exc).__name__}: {exc}", delay)
        return _log_outcome(failed, about, started)
    try:
        services.finish(session, job, worker=worker, now=services.utc_now(), result=result)
        session.commit()
    except services.LeaseLost:
        session.rollback()
        return _log_outcome("lost", about, started)
    return _log_outcome("done", about, started)


_OUTCOME_TEXT = {
    "done": "done",
    "failed": "failed",
    "retry": "failed; it will be retried",
    "lost": "lost its lease; another worker has it",
    "released": "given back at its last checkpoint (the worker is stopping)",
}


def _log_outcome(outcome: str, about: dict[str, Any], started: float) -> str:
    """One "job" line per run (README, "Production": "Logs"): its id, kind, outcome,
    attempt, duration, worker, and the id of the request that enqueued it when known."""
    seconds = time.monotonic() - started
    log.log(
        logging.INFO if outcome == "done" else logging.WARNING,
        "job %s (%s): %s (%.2f s)",
        about["job_id"],
        about["job_kind"],
        _OUTCOME_TEXT.get(outcome, outcome),
        seconds,
        extra={"event": "job", **about, "status": outcome, "duration_ms": round(seconds * 1000)},
    )
    return outcome


def _failed(
    session: so.Session, job: Job, worker: str, error: str, retry_after: float | None
) -> str:
    try:
        again = services.fail(
            session,
            job,
            worker=worker,
            now=services.utc_now(),
            error=error,
            retry_after=retry_after,
        )
        session.commit()
    except services.LeaseLost:
        session.rollback()
        return "lost"
    return "retry" if again else "failed"
