"""Read queries about feeds: due feeds, known item URLs, the feeds page's figures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.claims.models import Claim
from factcheck.feeds.models import PENDING_STATUSES, Feed, FeedItem
from factcheck.sources.models import Article

CHUNK = 500  # URLs per IN (...) list


def due_feed_ids(session: so.Session, *, now: datetime, limit: int = 100) -> list[int]:
    """Active feeds whose next poll is due, the most overdue first."""
    query = (
        sa.select(Feed.id)
        .where(Feed.active, sa.or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now))
        .order_by(Feed.next_poll_at.is_not(None), Feed.next_poll_at, Feed.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def known_urls(session: so.Session, feed_id: int, urls: Sequence[str]) -> set[str]:
    """Which of these URLs the feed has listed before."""
    found: set[str] = set()
    for start in range(0, len(urls), CHUNK):
        chunk = list(urls[start : start + CHUNK])
        found.update(
            session.scalars(
                sa.select(FeedItem.url).where(FeedItem.feed_id == feed_id, FeedItem.url.in_(chunk))
            )
        )
    return found


def article_with_url(
    session: so.Session, url: str, *, exclude_item: int | None = None
) -> int | None:
    """An article whose source URL is `url`, or that an item of any feed with this URL
    became (or duplicates): the cross-feed deduplication by URL."""
    article = session.scalar(sa.select(Article.id).where(Article.url == url).limit(1))
    if article is not None:
        return article
    query = sa.select(FeedItem.article_id).where(
        FeedItem.url == url,
        FeedItem.status.in_(("ingested", "duplicate")),
        FeedItem.article_id.is_not(None),
    )
    if exclude_item is not None:
        query = query.where(FeedItem.id != exclude_item)
    return session.scalar(query.limit(1))


def pending_item_ids(
    session: so.Session, feed_id: int, *, max_attempts: int, limit: int
) -> list[int]:
    """Items of the feed still to ingest (new, or failed with attempts left), oldest first."""
    query = (
        sa.select(FeedItem.id)
        .where(
            FeedItem.feed_id == feed_id,
            FeedItem.status.in_(PENDING_STATUSES),
            FeedItem.attempts < max_attempts,
        )
        .order_by(FeedItem.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def all_feeds(session: so.Session) -> list[Feed]:
    """Every feed with its outlet, by outlet then URL."""
    from factcheck.sources.models import Outlet

    query = (
        sa.select(Feed)
        .join(Feed.outlet)
        .options(so.contains_eager(Feed.outlet))
        .order_by(Outlet.name, Feed.url)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class FeedFigures:
    """A feed's counts for the feeds page."""

    by_status: dict[str, int]
    claims: int
    articles: int


def feed_figures(session: so.Session, feed_ids: Iterable[int]) -> dict[int, FeedFigures]:
    """Items per status, articles ingested and claims produced (claims of the articles its
    items became), per feed: three grouped queries, whatever the number of feeds."""
    ids = list(feed_ids)
    if not ids:
        return {}
    statuses: dict[int, dict[str, int]] = {i: {} for i in ids}
    rows = session.execute(
        sa.select(FeedItem.feed_id, FeedItem.status, sa.func.count())
        .where(FeedItem.feed_id.in_(ids))
        .group_by(FeedItem.feed_id, FeedItem.status)
    )
    for feed_id, status, count in rows:
        statuses[feed_id][status] = count
    claims = dict(
        session.execute(
            sa.select(FeedItem.feed_id, sa.func.count(Claim.id))
            .join(Claim, Claim.article_id == FeedItem.article_id)
            .where(FeedItem.feed_id.in_(ids), FeedItem.status == "ingested")
            .group_by(FeedItem.feed_id)
        ).all()
    )
    return {
        i: FeedFigures(statuses[i], claims.get(i, 0), statuses[i].get("ingested", 0)) for i in ids
    }


def recent_items(
    session: so.Session, feed_ids: Iterable[int], *, per_feed: int
) -> dict[int, list[FeedItem]]:
    """Each feed's latest `per_feed` items with their articles, newest first."""
    ids = list(feed_ids)
    if not ids:
        return {}
    ranked = (
        sa.select(
            FeedItem.id,
            sa.func.row_number()
            .over(partition_by=FeedItem.feed_id, order_by=FeedItem.id.desc())
            .label("n"),
        )
        .where(FeedItem.feed_id.in_(ids))
        .subquery()
    )
    items = session.scalars(
        sa.select(FeedItem)
        .join(ranked, ranked.c.id == FeedItem.id)
        .where(ranked.c.n <= per_feed)
        .options(so.selectinload(FeedItem.article))
        .order_by(FeedItem.id.desc())
    )
    out: dict[int, list[FeedItem]] = {i: [] for i in ids}
    for item in items:
        out[item.feed_id].append(item)
    return out
