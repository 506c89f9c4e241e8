"""Short jobs a web request waits for when its process must not load the model (job runner
"celery": factcheck.offload): "score" (POST /api/v1/score) and "embed" (the search page's
similar-meaning mode). One attempt each (the request has gone by the time a retry would
run); the request reads the result and deletes the job.

Payloads are bounded like the API's scoring: at most API_SCORE_MAX_SENTENCES texts and
API_SCORE_MAX_CHARS characters in all; a larger one fails the job, scoring nothing.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from factcheck.classifier.loader import get_classifier
from factcheck.errors import InvalidInput
from factcheck.jobs.runner import JobContext, job_kind


def _texts(ctx: JobContext, name: str) -> list[str]:
    texts = ctx.payload.get(name)
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise InvalidInput(f"The job's payload has no list of texts under {name!r}.")
    count_cap = int(current_app.config["API_SCORE_MAX_SENTENCES"])
    char_cap = int(current_app.config["API_SCORE_MAX_CHARS"])
    if len(texts) > count_cap or sum(map(len, texts)) > char_cap:
        raise InvalidInput(
            f"At most {count_cap} texts and {char_cap} characters a job; this one has "
            f"{len(texts)} texts, {sum(map(len, texts))} characters."
        )
    return texts


@job_kind("score", title="Score sentences", max_attempts=1, retry=False)
def score(ctx: JobContext) -> dict[str, Any]:
    """payload {"sentences": [str]}; result {"scores": [float], "model", "version",
    "threshold"} (the worker's model, which the answer names)."""
    sentences = _texts(ctx, "sentences")
    classifier = get_classifier()
    scores = classifier.score(sentences) if sentences else []
    return {
        "scores": [float(v) for v in scores],
        "model": classifier.name,
        "version": classifier.version,
        "threshold": float(classifier.threshold),
    }


@job_kind("embed", title="Embed a search", max_attempts=1, retry=False)
def embed(ctx: JobContext) -> dict[str, Any]:
    """payload {"texts": [str]}; result {"vectors": [[float]]}, one row a text."""
    texts = _texts(ctx, "texts")
    vectors = get_classifier().embed(texts) if texts else []
    return {"vectors": [[float(x) for x in row] for row in vectors]}
