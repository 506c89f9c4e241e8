"""How a committed job reaches a worker (README, "Background jobs").

Code that wants a job calls factcheck.jobs.services.enqueue and commits; enqueue records
the job's id in session.info[NEW_JOBS], and after the commit the listener here hands the
ids to the app's runner, chosen by JOB_RUNNER (empty: "celery" when CELERY_BROKER_URL is
set, else "threads"):

- "eager":   each job runs now, in this thread, in a nested app context (tests, scripts);
- "threads": the in-process pool (factcheck.tasks.pool) is woken;
- "celery":  a Celery task carrying the job's id is sent to the broker;
- "off":     nothing; another process (`factcheck worker`, `factcheck jobs run`) runs them.

A message is only a nudge: the job row is the truth, every worker's sweeper finds due
jobs in the table, and a job delivered twice is claimed once. So a broker that is down
loses nothing: the request goes on, and the job is published by a sweeper later.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from typing import Any

import sqlalchemy.orm as so
from flask import Flask, current_app, has_app_context, has_request_context

from factcheck.db import listen_once
from factcheck.extensions import db
from factcheck.jobs.runner import run_job
from factcheck.jobs.services import NEW_JOBS
from factcheck.offload import DISPATCHER_KEY
from factcheck.settings import ConfigError

log = logging.getLogger("factcheck.jobs")

MODES = ("eager", "threads", "celery", "off")
# The app's Dispatcher, in app.extensions; factcheck.offload reads its mode there (the
# API and search sit below tasks in the import layers).
_KEY = DISPATCHER_KEY
# After the broker failed to take a message, publishing is not tried again for this many
# seconds (each try would cost a request its connect timeout); sweepers publish meanwhile.
BROKER_BACKOFF_SECONDS = 15.0


def resolve_mode(config: Any) -> str:
    """The runner named by JOB_RUNNER, or the default for the broker setting."""
    mode = str(config.get("JOB_RUNNER") or "").strip().lower()
    broker = str(config.get("CELERY_BROKER_URL") or "").strip()
    if not mode:
        mode = "celery" if broker else "threads"
    if mode not in MODES:
        raise ConfigError(f"JOB_RUNNER must be one of {', '.join(MODES)} or empty, not {mode!r}")
    if mode == "celery" and not broker:
        raise ConfigError('JOB_RUNNER is "celery" but CELERY_BROKER_URL is not set')
    return mode


class Dispatcher:
    """The app's way of handing committed jobs to a worker."""

    def __init__(self, app: Flask, mode: str) -> None:
        self.app, self.mode = app, mode
        self._pool: Any = None
        self._celery: Any = None
        self._lock = threading.Lock()
        self._broker_down_until = 0.0

    # --- the in-process pool ("threads") -------------------------------------------
    @property
    def pool(self) -> Any:
        """The app's thread pool (created, not started, on first use)."""
        with self._lock:
            if self._pool is None:
                from factcheck.tasks.pool import JobPool

                self._pool = JobPool(self.app)
            return self._pool

    def start_pool(self) -> None:
        if self.mode == "threads":
            self.pool.ensure_started()

    # --- Celery ----------------------------------------------------------------------
    @property
    def celery(self) -> Any:
        with self._lock:
            if self._celery is None:
                from factcheck.tasks.celeryapp import make_celery

                self._celery = make_celery(self.app)
            return self._celery

    def send(self, job_ids: list[int]) -> int:
        """Send one Celery message per job; return how many the broker took. A broker
        that is down is logged, not raised: the jobs stay queued for a sweeper."""
        if time.monotonic() < self._broker_down_until:
            return 0
        sent = 0
        try:
            for job_id in job_ids:
                self.celery.send_task(RUN_JOB_TASK, args=[job_id])
                sent += 1
        except Exception as exc:  # noqa: BLE001  (kombu raises many kinds on a dead broker)
            self._broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
            log.warning(
                "the job broker did not take job(s) %s (%s: %s); they stay queued and a "
                "worker's sweeper will publish them",
                job_ids[sent:],
                type(exc).__name__,
                exc,
            )
        return sent

    # --- after a commit ----------------------------------------------------------------
    def publish(self, job_ids: list[int]) -> None:
        if not job_ids or self.mode == "off":
            return
        if self.mode == "eager":
            _run_eagerly(self.app, job_ids)
        elif self.mode == "threads":
            # A web process starts its pool (a CLI command's process leaves the jobs to
            # the web's pool, which polls the table).
            if has_request_context():
                self.pool.ensure_started()
            if self._pool is not None:
                self._pool.wake()
        elif self.mode == "celery":
            self.send(job_ids)


RUN_JOB_TASK = "factcheck.run_job"


def init_app(app: Flask) -> None:
    """Choose the app's runner, register the kinds of job and the after-commit hook."""
    import factcheck.tasks.kinds  # noqa: F401  (registers every kind of job)

    dispatcher = Dispatcher(app, resolve_mode(app.config))
    app.extensions[_KEY] = dispatcher
    listen_once(so.Session, "after_commit", _after_commit)
    listen_once(so.Session, "after_rollback", _after_rollback)
    if dispatcher.mode == "threads":
        # Started by the first request of each process (after gunicorn's fork), never at
        # import or app creation.
        app.before_request(_start_pool)


def dispatcher(app: Flask | None = None) -> Dispatcher:
    return (app or current_app).extensions[_KEY]


def _start_pool() -> None:
    dispatcher().start_pool()


def _after_commit(session: so.Session) -> None:
    job_ids = session.info.pop(NEW_JOBS, None)
    if not job_ids:
        return
    if not has_app_context() or _KEY not in current_app.extensions:
        log.info("jobs %s committed outside an app; a worker's sweeper will find them", job_ids)
        return
    try:
        dispatcher().publish(list(dict.fromkeys(job_ids)))
    except Exception:  # noqa: BLE001  (the commit has happened: never fail it afterwards)
        log.exception("could not hand jobs %s to a worker; they stay queued", job_ids)


def _after_rollback(session: so.Session) -> None:
    session.info.pop(NEW_JOBS, None)


# --- eager ------------------------------------------------------------------------------
_eager = threading.local()


def eager_worker_id() -> str:
    return f"eager:{os.getpid()}:{threading.get_ident()}"


def _run_eagerly(app: Flask, job_ids: list[int]) -> None:
    """Run the jobs now, one after another, each in its own app context (so its own
    session). A job that enqueues jobs has them run after it, not inside it."""
    pending: deque[int] | None = getattr(_eager, "pending", None)
    if pending is not None:
        pending.extend(job_ids)  # a job in this thread is running: these run after it
        return
    pending = _eager.pending = deque(job_ids)
    try:
        while pending:
            job_id = pending.popleft()
            with app.app_context():
                try:
                    run_job(
                        db.session,
                        job_id,
                        worker=eager_worker_id(),
                        lease_seconds=float(app.config["JOB_LEASE_SECONDS"]),
                    )
                except Exception:  # noqa: BLE001  (the committing code must go on)
                    db.session.rollback()
                    log.exception("job %s could not be run eagerly", job_id)
    finally:
        _eager.pending = None
