"""Feeds (RSS, Atom, sitemaps) and the items each poll found in them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.db import Base, enum_check, utcnow
from factcheck.sources.models import Article, Outlet

if TYPE_CHECKING:
    from factcheck.auth.models import User

FEED_KINDS = ("rss", "atom", "sitemap")
ITEM_STATUSES = ("new", "ingested", "duplicate", "failed", "skipped")
# An item in one of these is (still) to be ingested by a poll.
PENDING_STATUSES = ("new", "failed")
# The widest interval the database accepts (a week); the form's bounds are settings.
MAX_INTERVAL_MINUTES = 10080


class Feed(Base):
    """An RSS/Atom feed or sitemap of an outlet, polled every `interval_minutes`."""

    __tablename__ = "feeds"
    __table_args__ = (
        sa.CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name="url_http"),
        sa.CheckConstraint("kind IS NULL OR kind IN ('rss', 'atom', 'sitemap')", name="kind_valid"),
        sa.CheckConstraint(
            "detected_kind IS NULL OR detected_kind IN ('rss', 'atom', 'sitemap')",
            name="detected_kind_valid",
        ),
        sa.CheckConstraint(
            f"interval_minutes BETWEEN 1 AND {MAX_INTERVAL_MINUTES}", name="interval_bounded"
        ),
        sa.CheckConstraint("consecutive_errors >= 0", name="errors_nonnegative"),
        sa.CheckConstraint("items_found >= 0", name="items_found_nonnegative"),
        sa.Index("ix_feeds_due", "active", "next_poll_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    outlet_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("outlets.id", ondelete="CASCADE"), index=True
    )
    # http(s), ASCII (non-ASCII characters percent-encoded), at most 2,048 characters.
    url: so.Mapped[str] = so.mapped_column(sa.String(2048), unique=True)
    # What the admin said it is; None: detected from each document.
    kind: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    # What the last successful poll found.
    detected_kind: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    interval_minutes: so.Mapped[int] = so.mapped_column(default=60)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    # Validators the server gave with the last document, sent back as If-None-Match and
    # If-Modified-Since so an unchanged feed answers 304 with no body.
    etag: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    last_modified: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    last_polled_at: so.Mapped[datetime | None]
    last_success_at: so.Mapped[datetime | None]
    # When the scheduler should poll next (None: at once).
    next_poll_at: so.Mapped[datetime | None]
    consecutive_errors: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Distinct items (URLs) this feed has listed, all polls together.
    items_found: so.Mapped[int] = so.mapped_column(default=0)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    outlet: so.Mapped[Outlet] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<Feed id={self.id!r} url={self.url[:60]!r}>"


class FeedItem(Base):
    """One URL a feed listed, and what ingesting it gave (an article, a duplicate, an
    error). Unique per feed and URL, so a feed repeating an item records nothing new."""

    __tablename__ = "feed_items"
    __table_args__ = (
        sa.UniqueConstraint("feed_id", "url", name="uq_feed_items_feed_url"),
        enum_check("status", ITEM_STATUSES, "status_valid"),
        sa.CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name="url_http"),
        sa.CheckConstraint("attempts >= 0", name="attempts_nonnegative"),
        sa.CheckConstraint(
            "content_hash IS NULL OR length(content_hash) = 64", name="content_hash_sha256"
        ),
        # Every item but a new one has been tried.
        sa.CheckConstraint(
            "(status = 'new') = (processed_at IS NULL)", name="processed_unless_new"
        ),
        sa.Index("ix_feed_items_feed_seen", "feed_id", "first_seen_at"),
        # Cross-feed deduplication looks items up by URL (hash: equality only, and no
        # B-tree row size limit on a 2,048-character URL).
        sa.Index("ix_feed_items_url", "url", postgresql_using="hash"),
        sa.Index("ix_feed_items_article", "article_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    feed_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("feeds.id", ondelete="CASCADE"))
    url: so.Mapped[str] = so.mapped_column(sa.String(2048))
    guid: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    title: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    published: so.Mapped[datetime | None]
    # SHA-256 of the fetched article's normalised text (sources.services.content_hash).
    content_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="new")
    # The article it became, or the article it duplicates (kept when the feed goes).
    article_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("articles.id", ondelete="SET NULL")
    )
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    first_seen_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    processed_at: so.Mapped[datetime | None]

    feed: so.Mapped[Feed] = so.relationship()
    article: so.Mapped[Article | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<FeedItem id={self.id!r} status={self.status!r} url={self.url[:60]!r}>"


# Cross-feed deduplication also asks whether an article already has the item's URL as its
# source: an index on articles.url for that lookup (hash on PostgreSQL, as above).
ARTICLE_URL_INDEX = sa.Index("ix_articles_url", Article.url, postgresql_using="hash")
