"""Work a worker does on a schedule: functions that enqueue due jobs (feed polls) or
tidy up (the files of old jobs).

Every worker's sweeper (the in-process pool's, each Celery worker's) calls each registered
function every JOB_POLL_SECONDS with a session and the time, then commits; the functions
enqueue with a job key, so two workers sweeping at once enqueue one job.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy.orm as so
from flask import current_app

from factcheck.jobs.services import prune_files

log = logging.getLogger("factcheck.jobs")

Periodic = Callable[[so.Session, datetime], None]
PERIODIC: list[Periodic] = []


def periodic(fn: Periodic) -> Periodic:
    """Register `fn(session, now)` to run on every sweep."""
    if fn not in PERIODIC:
        PERIODIC.append(fn)
    return fn


# Pruning is cheap but needs doing only now and then: once an hour per process.
PRUNE_EVERY_SECONDS = 3600.0
_last_prune: list[float] = []


@periodic
def prune_job_files(session: so.Session, now: datetime) -> None:
    """Delete the files of jobs that ended more than JOB_FILES_KEEP_DAYS ago: an upload
    (up to MAX_CONTENT_LENGTH) is kept in the database until then, for a retry, and an
    export for its download."""
    clock = time.monotonic()
    if _last_prune and clock - _last_prune[-1] < PRUNE_EVERY_SECONDS:
        return
    _last_prune[:] = [clock]
    days = float(current_app.config["JOB_FILES_KEEP_DAYS"])
    deleted = prune_files(session, finished_before=now - timedelta(days=days))
    if deleted:
        log.info("deleted the files of %s job(s) that ended over %s days ago", deleted, days)
