"""The id of the request the current code runs for (standard library only, so domain code
such as jobs.services may read it without importing Flask). factcheck.logs sets it for
each request; log lines written meanwhile carry it, and a job enqueued by the request may
record it in its payload ("request_id") for the job's own log line."""

from __future__ import annotations

import contextvars

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "factcheck_request_id", default=None
)
