"""What a web request does itself and what it hands to the job runner (README, "Background
jobs" and "JSON API").

The model loads once per worker process, and never in a web process when a broker is
configured (job runner "celery"): there the web only enqueues, and the Celery workers
score. The rules here are shared by the ingest form (factcheck.desk), the JSON API
(factcheck.api) and the search page (factcheck.search), which sit below factcheck.tasks
in the import layers, so the runner's mode is read from the Dispatcher that
factcheck.tasks.dispatch keeps in app.extensions[DISPATCHER_KEY], without importing it.

- scores_inline(text): pasted text is scored in the request only when the model is
  already loaded in this process and the text is at most JOB_INLINE_MAX_CHARS long; a
  URL, a file, or any other text becomes an "ingest" job.
- score(sentences) / embed(texts): the model's answer from this process, or, in "celery"
  mode when the model is not loaded here, from a short "score" or "embed" job
  (factcheck.tasks.kinds.score) the request waits for, polling the job row, at most
  API_SCORE_WAIT_SECONDS; then ModelBusy. The job is the request's errand: it is deleted
  once its answer is read or the wait is over (a worker that took it finds nothing to
  record), so the jobs list keeps only work someone asked to follow.
- job_visible_to(job, user): a job is shown to the person who started it, editors and
  admins; anyone else is told it does not exist.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app

from factcheck.auth.roles import Role
from factcheck.classifier import ModelUnavailable
from factcheck.classifier.loader import get_classifier
from factcheck.extensions import db
from factcheck.jobs.models import Job
from factcheck.jobs.services import enqueue

# Where factcheck.tasks.dispatch.init_app keeps the app's Dispatcher (it has a `mode`).
DISPATCHER_KEY = "factcheck.dispatch"
# Polling the job row while a request waits: the first look after FIRST_POLL seconds,
# then each gap POLL_GROWTH times the last, at most MAX_POLL seconds (a 20 s wait is
# about 90 reads of one row by its primary key).
FIRST_POLL = 0.02
POLL_GROWTH = 1.5
MAX_POLL = 0.25


class ModelBusy(Exception):  # noqa: N818  (a state, like ModelUnavailable)
    """No worker answered within API_SCORE_WAIT_SECONDS; try again after `retry_after`."""

    def __init__(self, waited: float) -> None:
        self.waited = waited
        self.retry_after = max(1, math.ceil(waited))
        super().__init__(f"no worker answered within {waited:g} s")


def job_runner_mode() -> str:
    """The app's job runner: "eager", "threads", "celery" or "off" (an app created
    without the dispatcher, as some unit tests do, counts as "eager")."""
    dispatcher = current_app.extensions.get(DISPATCHER_KEY)
    return str(getattr(dispatcher, "mode", "eager"))


def model_loaded() -> bool:
    """Whether the model is loaded in this process (a stand-in without the attribute
    counts as loaded)."""
    return bool(getattr(get_classifier(), "loaded", True))


def model_here() -> bool:
    """Whether this request may use the model in its own process: always, unless the
    jobs go to Celery workers and the model is not loaded here (a web worker then never
    loads it)."""
    return job_runner_mode() != "celery" or model_loaded()


def scores_inline(text: str) -> bool:
    """Whether pasted text is scored in the request (the ingest form and POST
    /api/v1/articles): only when the model is already loaded in this process, so the
    request never waits for it to load, and the text is at most JOB_INLINE_MAX_CHARS
    long, which takes about as long as opening a job page. Anything else (a first score,
    a long transcript, every URL and file) runs as an "ingest" job."""
    return model_loaded() and len(text) <= int(current_app.config["JOB_INLINE_MAX_CHARS"])


@dataclass(frozen=True)
class Scored:
    """Scores for the sentences, in order, and the model that gave them."""

    scores: list[float]
    model: str
    version: str
    threshold: float


def score(sentences: Sequence[str], *, actor_id: int | None) -> Scored:
    """Score the sentences here or through a "score" job (see model_here). Raises
    ModelUnavailable when the model cannot score, ModelBusy when no worker answered in
    time. The caller bounds the sentences (the API's caps): they are the job's payload."""
    if not sentences or model_here():
        classifier = get_classifier()
        scores = classifier.score(list(sentences)) if sentences else []
        return Scored(
            [float(v) for v in scores], classifier.name, classifier.version, classifier.threshold
        )
    result = _errand("score", {"sentences": list(sentences)}, actor_id=actor_id)
    return Scored(
        [float(v) for v in result["scores"]],
        str(result["model"]),
        str(result["version"]),
        float(result["threshold"]),
    )


def embed(texts: Sequence[str], *, actor_id: int | None) -> Any:
    """The texts' embeddings (a float32 array, one row a text), here or through an
    "embed" job; the same errors as score()."""
    import numpy as np

    if not texts or model_here():
        return get_classifier().embed(list(texts))
    result = _errand("embed", {"texts": list(texts)}, actor_id=actor_id)
    return np.asarray(result["vectors"], dtype=np.float32)


def _errand(kind: str, payload: dict[str, Any], *, actor_id: int | None) -> dict[str, Any]:
    """Enqueue a one-attempt job, commit (the dispatcher sends it to a worker), and poll
    its row until it is done, failed or the wait is over; then delete it."""
    wait = max(0.0, float(current_app.config["API_SCORE_WAIT_SECONDS"]))
    session = db.session
    job_id = enqueue(session, kind, payload, actor_id=actor_id, max_attempts=1).id
    session.commit()
    deadline = time.monotonic() + wait
    gap = FIRST_POLL
    try:
        while True:
            row = session.execute(
                sa.select(Job.status, Job.result, Job.error).where(Job.id == job_id)
            ).first()
            # End the read, so the next look sees what a worker has committed since (a
            # SQLite reader keeps its snapshot until its transaction ends).
            session.rollback()
            if row is None or row.status == "cancelled":
                raise ModelUnavailable(f"the {kind} job {job_id} was withdrawn")
            if row.status == "done":
                return dict(row.result or {})
            if row.status == "failed":
                raise ModelUnavailable(f"the {kind} job {job_id} failed: {row.error}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise ModelBusy(wait)
            time.sleep(min(gap, left))
            gap = min(MAX_POLL, gap * POLL_GROWTH)
    finally:
        session.rollback()
        session.execute(
            sa.delete(Job).where(Job.id == job_id).execution_options(synchronize_session=False)
        )
        session.commit()


def job_visible_to(job: Job, user: Any) -> bool:
    """Whether `user` may see `job`: they started it, or they are an editor or admin.
    The caller answers a job they may not see like a job that does not exist."""
    return job.created_by_id == user.id or bool(user.has_role(Role.EDITOR, Role.ADMIN))
