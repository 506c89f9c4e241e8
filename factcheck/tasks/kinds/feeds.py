"""Feed polls ("poll_feed", payload {"feed_id"}, key "feed:<id>") and the periodic sweep
that enqueues them for every active feed that is due.

A poll fetches the feed conditionally (ETag / Last-Modified; 304: nothing new), records
the items it has not listed before (one commit, with the feed's validators and next poll
time), then ingests the pending items one at a time, each committed with the job's
progress: a poll interrupted anywhere is resumed by its retry (or the next poll) at the
first item not committed, and an item already ingested is never taken in again. A feed
that cannot be fetched or read keeps the error and backs off; the job fails with the same
message (no job retry: the feed's own schedule tries again).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.exc import IntegrityError

from factcheck.claims.services import FlagPolicy
from factcheck.classifier.loader import get_classifier
from factcheck.db import utcnow
from factcheck.errors import Conflict, DomainError, InvalidInput, NotFound
from factcheck.feeds.models import Feed, FeedItem
from factcheck.feeds.queries import due_feed_ids, pending_item_ids
from factcheck.feeds.services import (
    POLL_KIND,
    FeedSettings,
    Ingesting,
    enqueue_poll,
    fetch_feed,
    ingest_item,
    mark_duplicate,
    mark_failed,
    record_error,
    record_fetch,
)
from factcheck.jobs.runner import JobContext, job_kind
from factcheck.jobs.services import NEW_JOBS
from factcheck.matching.services import MatchSettings
from factcheck.sources.fetch import FetchPolicy
from factcheck.sources.limits import ExtractLimits
from factcheck.sources.services import DuplicateArticle
from factcheck.tasks.schedule import periodic

log = logging.getLogger("factcheck.feeds")

# Feeds enqueued per sweep at most (the rest on the next sweep, JOB_POLL_SECONDS later).
MAX_ENQUEUED_PER_SWEEP = 100


@periodic
def enqueue_due_feeds(session: so.Session, now: datetime) -> None:
    """Enqueue a poll of every active feed whose next poll is due. The next poll time is
    moved on by the interval at once, so a poll that never finishes (a job out of
    attempts) is not enqueued again on every sweep; the poll sets it properly."""
    for feed_id in due_feed_ids(session, now=now, limit=MAX_ENQUEUED_PER_SWEEP):
        feed = session.get(Feed, feed_id)
        if feed is None:
            continue
        enqueue_poll(session, feed_id, actor_id=None)
        feed.next_poll_at = now + timedelta(minutes=feed.interval_minutes)
    session.flush()


@job_kind(POLL_KIND, title="Poll a feed", max_attempts=3)
def poll_feed(ctx: JobContext) -> dict[str, Any]:
    """payload: {"feed_id": int}. Result: {"feed_id", "not_modified", "new_items",
    "ingested", "duplicates", "failed", "article_ids"}."""
    config = current_app.config
    settings = FeedSettings.from_config(config)
    feed_id = int(ctx.payload.get("feed_id") or 0)
    session = ctx.session
    feed = session.get(Feed, feed_id)
    if feed is None:
        raise InvalidInput("The feed no longer exists.")
    policy = FetchPolicy.from_config(config)
    try:
        outcome = fetch_feed(feed, policy, settings)
    except DomainError as exc:
        session.rollback()
        feed = session.get(Feed, feed_id)
        if feed is not None:
            record_error(session, feed, exc.message, now=utcnow(), settings=settings)
            ctx.checkpoint()  # the error and the backoff are kept; the job fails
        raise
    new = record_fetch(session, feed, outcome, now=utcnow(), settings=settings)
    pending = pending_item_ids(
        session,
        feed_id,
        max_attempts=settings.item_max_attempts,
        limit=settings.max_items_per_poll,
    )
    done = ctx.job.progress
    counts = {"ingested": 0, "duplicate": 0, "failed": 0}
    articles: list[int] = []
    summary = {
        "feed_id": feed_id,
        "not_modified": outcome.not_modified,
        "new_items": len(new),
    }
    ctx.checkpoint(done, total=done + len(pending), result=summary)
    how = Ingesting(
        classifier=get_classifier(),
        fetch=policy,
        limits=ExtractLimits.from_config(config),
        flags=FlagPolicy.from_config(config),
        matching=MatchSettings.from_config(config),
    )
    for item_id in pending:
        item = _ingest_one(session, item_id, how)
        if item is None:
            continue
        counts[item.status] = counts.get(item.status, 0) + 1
        if item.status == "ingested" and item.article_id is not None:
            articles.append(item.article_id)
        done += 1
        ctx.checkpoint(
            done,
            result={
                **summary,
                "ingested": counts["ingested"],
                "duplicates": counts["duplicate"],
                "failed": counts["failed"],
                "article_ids": articles[:100],
            },
        )
    return {
        **summary,
        "ingested": counts["ingested"],
        "duplicates": counts["duplicate"],
        "failed": counts["failed"],
        "article_ids": articles[:100],
    }


def _ingest_one(session: so.Session, item_id: int, how: Ingesting) -> FeedItem | None:
    """Ingest one item, recording a duplicate or a failure on it (flushed; the caller
    commits it with the job's progress). None when it is no longer pending."""
    for attempt in (1, 2):
        item = session.get(FeedItem, item_id)
        if item is None or item.status not in ("new", "failed"):
            return None
        try:
            return ingest_item(session, item, how, now=utcnow())
        except DuplicateArticle as exc:
            session.rollback()
            item = session.get(FeedItem, item_id)
            return mark_duplicate(session, item, exc.existing_id, now=utcnow()) if item else None
        except IntegrityError:
            # Another worker stored the same text (or URL) a moment ago: once more, and
            # the duplicate check sees it.
            session.rollback()
            if attempt == 2:
                raise
        except DomainError as exc:
            session.rollback()
            item = session.get(FeedItem, item_id)
            log.info("feed item %s failed: %s", item_id, exc.message)
            return mark_failed(session, item, exc.message, now=utcnow()) if item else None
    return None


def poll_now(session: so.Session, feed_id: int) -> dict[str, Any] | None:
    """Poll a feed in this process (the CLI): enqueue its job and run it here. Returns the
    job's result; raises DomainError when the poll failed, when there is no such feed, or
    when a poll of it is already queued or running elsewhere (left to its worker)."""
    from factcheck.jobs.models import Job
    from factcheck.jobs.runner import run_job

    if session.get(Feed, feed_id) is None:
        raise NotFound(f"There is no feed {feed_id}.")
    job = enqueue_poll(session, feed_id, actor_id=None)
    # Run here, not handed to the configured runner (a Celery worker would race us for it).
    mine = session.info.get(NEW_JOBS, [])
    ours = job.id in mine
    if ours:
        mine.remove(job.id)
    session.commit()
    outcome = run_job(
        session, job.id, worker="cli", lease_seconds=current_app.config["JOB_LEASE_SECONDS"]
    )
    job = session.get(Job, job.id, populate_existing=True)
    if job is None:
        return None
    if outcome == "skipped" and not ours:
        raise Conflict(
            f"A poll of this feed is already queued or running (job {job.id}, {job.status})."
        )
    if job.status == "failed":
        raise DomainError(job.error or "The poll failed.")
    return job.result
