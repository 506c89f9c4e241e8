"""Ingest jobs: one article from a URL, a file or pasted text ("ingest"), and a .csv or
.jsonl file of articles ("ingest_bulk"), each row committed with the job's progress.

Both are idempotent, so a job run twice (at-least-once delivery, a worker lost mid-job)
duplicates nothing: an article already in is a duplicate, reported as a success, and a
bulk job resumes at the first row whose article was not committed.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.services import FlagPolicy
from factcheck.classifier.loader import get_classifier
from factcheck.errors import DomainError, InvalidInput
from factcheck.intake import ingest
from factcheck.jobs.runner import JobContext, job_kind
from factcheck.jobs.services import job_file
from factcheck.matching.services import MatchSettings
from factcheck.sources import bulk
from factcheck.sources.document import from_text, with_overrides
from factcheck.sources.extract import from_file
from factcheck.sources.fetch import FetchPolicy, from_url
from factcheck.sources.limits import ExtractLimits
from factcheck.sources.services import DuplicateArticle

# The most row errors a bulk job's result keeps (it counts them all).
MAX_ERRORS_KEPT = 100


def _actor(ctx: JobContext) -> User | None:
    """Who started the job (None: the system, as for a feed); they must still be allowed
    to ingest."""
    if ctx.job.created_by_id is None:
        return None
    user = ctx.session.get(User, ctx.job.created_by_id)
    if user is None:
        raise InvalidInput("The person who started this job no longer exists.")
    ensure_role(user, Role.FACT_CHECKER)
    return user


@job_kind("ingest", title="Ingest an article")
def ingest_article(ctx: JobContext) -> dict[str, Any]:
    """payload: {"source": "url"|"file"|"text", "url"?, "text"?, "overrides"?, "feed_id"?};
    a file's bytes are the job's file 0."""
    config = current_app.config
    payload = ctx.payload
    limits = ExtractLimits.from_config(config)
    source = payload.get("source")
    if source == "url":
        document = from_url(str(payload.get("url") or ""), FetchPolicy.from_config(config), limits)
    elif source == "file":
        name, data = job_file(ctx.session, ctx.job, 0)
        document = from_file(name, data, limits)
    elif source == "text":
        document = from_text(str(payload.get("text") or ""))
    else:
        raise InvalidInput(f"Unknown source of an article: {source!r}.")
    document = with_overrides(document, payload.get("overrides"))
    actor = _actor(ctx)
    ctx.renew()  # the fetch may have taken most of the lease; scoring comes next
    try:
        result = ingest(
            ctx.session,
            document,
            actor=actor,
            classifier=get_classifier(),
            source_kind=source,
            policy=FlagPolicy.from_config(config),
            matching=MatchSettings.from_config(config),
        )
    except DuplicateArticle as exc:
        ctx.session.rollback()
        return {"article_id": exc.existing_id, "duplicate": True, "summary": exc.message}
    out: dict[str, Any] = {
        "article_id": result.article.id,
        "summary": result.summary(),
        "claims": len(result.claims),
    }
    if payload.get("feed_id") is not None:
        out["feed_id"] = payload["feed_id"]
    return out


@job_kind("ingest_bulk", title="Ingest a file of articles")
def ingest_bulk(ctx: JobContext) -> dict[str, Any]:
    """Job file 0 is a .csv or .jsonl of articles (factcheck.sources.bulk); each row is
    ingested and committed together with the job's progress, so an interrupted job
    resumes at its first row not committed. A bad row is an error entry in the result
    (with its line), not a failure of the job."""
    config = current_app.config
    name, data = job_file(ctx.session, ctx.job, 0)
    total = bulk.count_rows(name, data, max_rows=int(config["BULK_INGEST_MAX_ROWS"]))
    actor = _actor(ctx)
    classifier = get_classifier()
    policy = FlagPolicy.from_config(config)
    matching = MatchSettings.from_config(config)
    previous = ctx.job.result or {}
    result: dict[str, Any] = {
        "articles": list(previous.get("articles", [])),
        "duplicates": int(previous.get("duplicates", 0)),
        "errors": list(previous.get("errors", [])),
        "failed": int(previous.get("failed", 0)),
    }
    start = ctx.job.progress
    if ctx.job.total != total:
        ctx.checkpoint(start, total=total)
    for index, (line, row) in enumerate(bulk.rows_from_bytes(name, data)):
        if index < start:
            continue
        try:
            if isinstance(row, bulk.BadRow):
                raise row
            outcome = ingest(
                ctx.session,
                bulk.bulk_document(row),
                actor=actor,
                classifier=classifier,
                source_kind="bulk",
                policy=policy,
                matching=matching,
            )
        except DuplicateArticle as exc:
            ctx.session.rollback()
            result["duplicates"] += 1
            if exc.existing_id not in result["articles"]:
                result["articles"].append(exc.existing_id)
        except (bulk.BadRow, DomainError, IntegrityError, ValueError) as exc:
            # This row's failure, never the job's (a database or model outage is not
            # caught here: the job is retried and resumes at this row).
            ctx.session.rollback()
            _row_error(result, line, exc)
        else:
            result["articles"].append(outcome.article.id)
        ctx.checkpoint(index + 1, result=result)
    return result


def _row_error(result: dict[str, Any], line: int, exc: Exception) -> None:
    result["failed"] += 1
    if len(result["errors"]) >= MAX_ERRORS_KEPT:
        return
    if isinstance(exc, bulk.BadRow | DomainError):
        message = exc.message
    else:
        detail = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        message = f"could not be saved ({detail})"
    result["errors"].append({"line": line, "message": message})
