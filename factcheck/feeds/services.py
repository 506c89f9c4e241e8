"""Register feeds, record what a poll found, and ingest each new item once.

Services flush; the admin views, the CLI and the poll job commit. The poll's steps are
separate functions so the job can commit after each (poll_feed in factcheck.tasks.kinds):
fetch and record the document's new items (one commit), then ingest the pending items
one by one (a commit each with the job's progress)."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import changes_between, record, snapshot
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.services import FlagPolicy
from factcheck.classifier import Classifier
from factcheck.db import end_read_transaction
from factcheck.errors import Conflict, InvalidInput
from factcheck.feeds.models import FEED_KINDS, MAX_INTERVAL_MINUTES, Feed, FeedItem
from factcheck.feeds.parse import FeedError, Parsed, clean_url, parse
from factcheck.feeds.queries import article_with_url, known_urls
from factcheck.intake import ingest
from factcheck.jobs.models import Job
from factcheck.jobs.services import enqueue
from factcheck.matching.services import MatchSettings
from factcheck.sources.fetch import FetchPolicy, check_url, fetch, from_url
from factcheck.sources.limits import ExtractLimits
from factcheck.sources.models import Article
from factcheck.sources.services import content_hash, get_or_create_outlet

MAX_ERROR_CHARS = 2000
# The job kind that polls a feed (registered by factcheck.tasks.kinds.feeds).
POLL_KIND = "poll_feed"


@dataclass(frozen=True)
class FeedSettings:
    """The deployment's bounds on feeds (the FEED_* settings)."""

    min_interval: int = 5
    max_interval: int = 1440
    default_interval: int = 60
    max_items_per_poll: int = 50
    max_bytes: int = 5 * 1024 * 1024
    max_backoff_minutes: int = 1440
    item_max_attempts: int = 3

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FeedSettings:
        return cls(
            min_interval=int(config["FEED_MIN_INTERVAL_MINUTES"]),
            max_interval=min(int(config["FEED_MAX_INTERVAL_MINUTES"]), MAX_INTERVAL_MINUTES),
            default_interval=int(config["FEED_DEFAULT_INTERVAL_MINUTES"]),
            max_items_per_poll=int(config["FEED_MAX_ITEMS_PER_POLL"]),
            max_bytes=int(config["FEED_MAX_BYTES"]),
            max_backoff_minutes=int(config["FEED_MAX_BACKOFF_MINUTES"]),
            item_max_attempts=int(config["FEED_ITEM_MAX_ATTEMPTS"]),
        )

    def check_interval(self, minutes: int | None) -> int:
        if minutes is None:
            return self.default_interval
        if not self.min_interval <= minutes <= self.max_interval:
            raise InvalidInput(
                f"The interval must be between {self.min_interval} and {self.max_interval} minutes."
            )
        return minutes


# --- Registering feeds -----------------------------------------------------------------

EDITABLE = ("interval_minutes", "active", "kind")


def feed_url(url: str) -> str:
    """A feed's address as stored: http(s), ASCII, no fragment, at most 2,048 characters."""
    checked = check_url(url)
    clean = clean_url(checked, checked)
    if clean is None:
        raise InvalidInput(
            "Enter the feed's web address (http or https, at most 2,048 characters)."
        )
    return clean


def _kind(kind: str | None) -> str | None:
    kind = (kind or "").strip().lower() or None
    if kind in (None, "auto"):
        return None
    if kind not in FEED_KINDS:
        raise InvalidInput(f"The kind must be auto, {', '.join(FEED_KINDS)}.")
    return kind


def add_feed(
    session: so.Session,
    *,
    url: str,
    outlet: str,
    actor: User | None,
    settings: FeedSettings,
    kind: str | None = None,
    interval_minutes: int | None = None,
    now: datetime,
) -> Feed:
    """Register a feed of an outlet (created by name if new), due at once; flush."""
    ensure_role(actor, Role.ADMIN)
    url = feed_url(url)
    name = " ".join((outlet or "").split())
    if not name:
        raise InvalidInput("Name the outlet the feed belongs to.")
    if len(name) > 200:
        raise InvalidInput("The outlet's name is longer than 200 characters.")
    existing = session.scalar(sa.select(Feed.id).where(Feed.url == url))
    if existing is not None:
        raise Conflict(f"This feed is already registered (feed {existing}).")
    feed = Feed(
        url=url,
        outlet=get_or_create_outlet(session, name),
        kind=_kind(kind),
        interval_minutes=settings.check_interval(interval_minutes),
        active=True,
        next_poll_at=now,
        consecutive_errors=0,
        items_found=0,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
    )
    session.add(feed)
    session.flush()
    record(
        session,
        actor=actor,
        action="feed.add",
        entity_type="feed",
        entity_id=feed.id,
        extra={"url": feed.url, "outlet": name, "kind": feed.kind or "auto"},
    )
    return feed


def update_feed(
    session: so.Session,
    feed: Feed,
    *,
    actor: User | None,
    settings: FeedSettings,
    interval_minutes: int,
    active: bool,
    kind: str | None,
    now: datetime,
) -> dict[str, list[Any]]:
    """Change a feed's interval, kind or whether it is polled; flush. A feed switched on
    again is due at once. Returns the changes (audited)."""
    ensure_role(actor, Role.ADMIN)
    before = snapshot(feed, EDITABLE)
    feed.interval_minutes = settings.check_interval(interval_minutes)
    feed.kind = _kind(kind)
    if active and not feed.active:
        feed.next_poll_at = now
        feed.consecutive_errors = 0
    feed.active = bool(active)
    changes = changes_between(before, snapshot(feed, EDITABLE))
    if changes:
        session.flush()
        record(
            session,
            actor=actor,
            action="feed.update",
            entity_type="feed",
            entity_id=feed.id,
            changes=changes,
        )
    return changes


def delete_feed(session: so.Session, feed: Feed, *, actor: User | None) -> None:
    """Remove a feed and its item records; the articles it brought in stay. Flush."""
    ensure_role(actor, Role.ADMIN)
    record(
        session,
        actor=actor,
        action="feed.delete",
        entity_type="feed",
        entity_id=feed.id,
        extra={"url": feed.url, "outlet": feed.outlet.name, "items_found": feed.items_found},
    )
    session.execute(sa.delete(FeedItem).where(FeedItem.feed_id == feed.id))
    session.delete(feed)
    session.flush()


def enqueue_poll(session: so.Session, feed_id: int, *, actor_id: int | None) -> Job:
    """Queue a poll of the feed, or return the one already queued or running (the job key
    "feed:<id>"); flush."""
    return enqueue(
        session, POLL_KIND, {"feed_id": feed_id}, actor_id=actor_id, key=f"feed:{feed_id}"
    )


# --- Polling ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchOutcome:
    """What fetching a feed document gave: not modified, or the parsed document."""

    not_modified: bool
    parsed: Parsed | None = None
    etag: str | None = None
    last_modified: str | None = None


def fetch_feed(feed: Feed, policy: FetchPolicy, settings: FeedSettings) -> FetchOutcome:
    """Fetch (conditionally) and parse a feed's document; raise FeedError or
    ExtractionError (both InvalidInput) saying what went wrong. No database access."""
    headers = {
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
        "text/xml;q=0.9, */*;q=0.5"
    }
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    page = fetch(
        feed.url, replace(policy, max_bytes=settings.max_bytes), headers=headers, content_types=None
    )
    etag = _header(page.headers, "ETag", 500)
    last_modified = _header(page.headers, "Last-Modified", 100)
    if page.status == 304:
        return FetchOutcome(True, None, etag or feed.etag, last_modified or feed.last_modified)
    content = gunzip_within(page.content, settings.max_bytes)
    parsed = parse(content, base_url=page.url, expected=feed.kind)
    return FetchOutcome(False, parsed, etag, last_modified)


def _header(headers: Mapping[str, str], name: str, limit: int) -> str | None:
    value = (headers.get(name) or "").strip()
    return value if value and len(value) <= limit else None


def gunzip_within(content: bytes, limit: int) -> bytes:
    """A gzipped sitemap (sitemap.xml.gz served as a file) unpacked, within the size cap."""
    if not content.startswith(b"\x1f\x8b"):
        return content
    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = unpacker.decompress(content, limit + 1)
    except (zlib.error, gzip.BadGzipFile) as exc:
        raise FeedError("The feed is a damaged gzip file.") from exc
    if len(out) > limit:
        raise FeedError(f"The feed unpacks to more than {limit / 1048576:.1f} MB.")
    return out


def record_fetch(
    session: so.Session,
    feed: Feed,
    outcome: FetchOutcome,
    *,
    now: datetime,
    settings: FeedSettings,
) -> list[FeedItem]:
    """Record a successful fetch: the validators, the schedule, and the document's items
    this feed has not listed before (at most FEED_MAX_ITEMS_PER_POLL, in document order;
    the rest are recorded by later polls while the feed still lists them). Flush."""
    feed.last_polled_at = feed.last_success_at = now
    feed.consecutive_errors = 0
    feed.last_error = None
    feed.next_poll_at = now + timedelta(minutes=feed.interval_minutes)
    feed.etag, feed.last_modified = outcome.etag, outcome.last_modified
    new: list[FeedItem] = []
    if outcome.parsed is not None:
        feed.detected_kind = outcome.parsed.kind
        entries = outcome.parsed.entries
        seen = known_urls(session, feed.id, [e.url for e in entries])
        for entry in entries:
            if entry.url in seen:
                continue
            if len(new) >= settings.max_items_per_poll:
                break
            new.append(
                FeedItem(
                    feed_id=feed.id,
                    url=entry.url,
                    guid=entry.guid,
                    title=entry.title,
                    published=entry.published,
                    status="new",
                    attempts=0,
                    first_seen_at=now,
                )
            )
        session.add_all(new)
        feed.items_found += len(new)
    session.flush()
    return new


def record_error(
    session: so.Session, feed: Feed, message: str, *, now: datetime, settings: FeedSettings
) -> None:
    """Record a failed poll on the feed and back off: the next poll after interval ×
    2^errors minutes, at most FEED_MAX_BACKOFF_MINUTES. Flush."""
    feed.last_polled_at = now
    feed.consecutive_errors += 1
    feed.last_error = message[:MAX_ERROR_CHARS]
    feed.next_poll_at = now + timedelta(minutes=backoff_minutes(feed, settings))
    session.flush()


def backoff_minutes(feed: Feed, settings: FeedSettings) -> int:
    """Minutes to the next poll after `feed.consecutive_errors` failures in a row."""
    errors = min(feed.consecutive_errors, 30)  # 2**30 minutes is past any cap
    return min(feed.interval_minutes * 2**errors, max(settings.max_backoff_minutes, 1))


@dataclass(frozen=True)
class Ingesting:
    """What ingesting a feed's items needs (the same settings as the ingest form)."""

    classifier: Classifier
    fetch: FetchPolicy
    limits: ExtractLimits
    flags: FlagPolicy
    matching: MatchSettings
    actor: User | None = None


def ingest_item(session: so.Session, item: FeedItem, how: Ingesting, *, now: datetime) -> FeedItem:
    """Ingest one pending item: already an article by URL → duplicate; else the page is
    fetched and ingested → ingested. Flush. Raises DuplicateArticle (the same text is an
    article already: the caller rolls back and calls mark_duplicate) or a DomainError (a
    fetch, extraction or input error: the caller rolls back and calls mark_failed)."""
    existing = article_with_url(session, item.url, exclude_item=item.id)
    if existing is not None:
        return _done(item, "duplicate", existing, now=now)
    url, outlet, title, published = item.url, item.feed.outlet.name, item.title, item.published
    end_read_transaction(session)  # no transaction held open while the page downloads
    document = from_url(url, how.fetch, how.limits)
    final_url = document.url or url
    if final_url != url:
        existing = article_with_url(session, final_url, exclude_item=item.id)
        if existing is not None:
            return _done(item, "duplicate", existing, now=now, hash_of=document.text)
    # The feed's outlet and publication date are the publisher's own word (a page's date
    # may be guessed from its text); the page's title is kept when it has one.
    document = document.with_overrides(
        outlet=outlet, published_on=published.date() if published else None
    ).with_defaults(title=title)
    result = ingest(
        session,
        document,
        actor=how.actor,
        classifier=how.classifier,
        source_kind="url",
        policy=how.flags,
        matching=how.matching,
    )
    return _done(item, "ingested", result.article.id, now=now, hash_of=result.article.text)


def mark_duplicate(
    session: so.Session, item: FeedItem, article_id: int, *, now: datetime
) -> FeedItem:
    """Record that an item's text is already article `article_id` (its content hash);
    the caller has rolled back the attempt's writes. Flush."""
    _done(item, "duplicate", article_id, now=now)
    item.content_hash = session.scalar(
        sa.select(Article.content_hash).where(Article.id == article_id)
    )
    session.flush()
    return item


def _done(
    item: FeedItem, status: str, article_id: int, *, now: datetime, hash_of: str | None = None
) -> FeedItem:
    item.attempts += 1
    item.status, item.article_id, item.error, item.processed_at = status, article_id, None, now
    if hash_of is not None:
        item.content_hash = content_hash(hash_of)
    return item


def mark_failed(session: so.Session, item: FeedItem, error: str, *, now: datetime) -> FeedItem:
    """Record an item's failed attempt (tried again by later polls while it has attempts
    left); the caller has rolled back the attempt's writes. Flush."""
    item.attempts += 1
    item.status, item.error, item.processed_at = "failed", error[:MAX_ERROR_CHARS], now
    session.flush()
    return item
