"""Work a worker starts on a schedule (feed polls): functions that enqueue due jobs.

Every worker's sweeper (the in-process pool's, each Celery worker's) calls each registered
function every JOB_POLL_SECONDS with a session and the time, then commits; the functions
enqueue with a job key, so two workers sweeping at once enqueue one job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy.orm as so

Periodic = Callable[[so.Session, datetime], None]
PERIODIC: list[Periodic] = []


def periodic(fn: Periodic) -> Periodic:
    """Register `fn(session, now)` to run on every sweep."""
    if fn not in PERIODIC:
        PERIODIC.append(fn)
    return fn
