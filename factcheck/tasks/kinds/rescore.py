"""The "rescore" job: re-score stored articles with the active model, one article a unit.

Payload (factcheck.matching.rescore.queue_rescore): {"all": true, "first_id", "last_id"}
or {"all": false, "ids": [...]}, fixed when it was queued, and "model" (who queued it
thought would score). Each article's changes are committed with the job's progress and
the last article done (result["last_id"]; result["counts"] adds up what changed), so an
interrupted job resumes after that article and never rescores one twice; if it did,
nothing would change twice (rescoring is idempotent). Claims someone has started are
never changed.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from factcheck.claims.services import FlagPolicy
from factcheck.classifier import ModelUnavailable
from factcheck.classifier.loader import get_classifier
from factcheck.errors import InvalidInput
from factcheck.jobs.runner import JobContext, job_kind
from factcheck.matching.rescore import RescoreTotals, job_articles, rescore_and_match
from factcheck.matching.services import MatchSettings


@job_kind("rescore", title="Re-score articles")
def rescore(ctx: JobContext) -> dict[str, Any]:
    try:
        classifier = get_classifier()
    except ModelUnavailable as exc:
        raise InvalidInput(str(exc)) from exc
    model = f"{classifier.name} {classifier.version}"
    policy = FlagPolicy.from_config(current_app.config)
    matching = MatchSettings.from_config(current_app.config)
    state = dict(ctx.job.result or {})
    last = int(state.get("last_id") or 0)
    totals = RescoreTotals.from_dict(state.get("counts"))
    done = ctx.job.progress
    ids = [i for i in job_articles(ctx.session, ctx.payload) if i > last]
    ctx.session.rollback()  # the listing's read transaction; each article gets its own
    for article_id in ids:
        try:
            one = rescore_and_match(ctx.session, article_id, classifier, policy, matching)
        except ModelUnavailable as exc:
            # A missing or damaged model does not mend itself: failed, not retried.
            raise InvalidInput(str(exc)) from exc
        totals.merge(one)
        done += 1
        ctx.checkpoint(
            done,
            result={"counts": totals.as_dict(), "last_id": article_id, "model": model},
        )
    return {
        "counts": totals.as_dict(),
        "last_id": last if not ids else ids[-1],
        "model": model,
        "summary": totals.summary(),
    }
