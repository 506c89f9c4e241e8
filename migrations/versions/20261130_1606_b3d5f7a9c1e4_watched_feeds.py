"""watched feeds

Issue 17: feeds (RSS, Atom, sitemaps) per outlet, polled on a schedule with conditional
GETs and backoff, and the items each poll found with what ingesting them gave. An index on
articles.url lets a poll see that an item's URL is already an article (hash on PostgreSQL:
equality only, no B-tree row size limit on long URLs). Indexes are created outside batch
mode so SQLite does not rebuild articles (its search triggers stay).

Revision ID: b3d5f7a9c1e4
Revises: a1c3e5f7b9d2
Create Date: 2026-11-30 16:06:57.242479+00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3d5f7a9c1e4"
down_revision = "a1c3e5f7b9d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=True),
        sa.Column("detected_kind", sa.String(length=10), nullable=True),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consecutive_errors", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("items_found", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "detected_kind IS NULL OR detected_kind IN ('rss', 'atom', 'sitemap')",
            name=op.f("ck_feeds_detected_kind_valid"),
        ),
        sa.CheckConstraint(
            "kind IS NULL OR kind IN ('rss', 'atom', 'sitemap')", name=op.f("ck_feeds_kind_valid")
        ),
        sa.CheckConstraint(
            "url LIKE 'http://%' OR url LIKE 'https://%'", name=op.f("ck_feeds_url_http")
        ),
        sa.CheckConstraint("consecutive_errors >= 0", name=op.f("ck_feeds_errors_nonnegative")),
        sa.CheckConstraint(
            "interval_minutes BETWEEN 1 AND 10080", name=op.f("ck_feeds_interval_bounded")
        ),
        sa.CheckConstraint("items_found >= 0", name=op.f("ck_feeds_items_found_nonnegative")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_feeds_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlets.id"],
            name=op.f("fk_feeds_outlet_id_outlets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feeds")),
        sa.UniqueConstraint("url", name=op.f("uq_feeds_url")),
    )
    op.create_index("ix_feeds_due", "feeds", ["active", "next_poll_at"], unique=False)
    op.create_index(op.f("ix_feeds_outlet_id"), "feeds", ["outlet_id"], unique=False)

    op.create_table(
        "feed_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("guid", sa.String(length=500), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'new') = (processed_at IS NULL)",
            name=op.f("ck_feed_items_processed_unless_new"),
        ),
        sa.CheckConstraint(
            "status IN ('new', 'ingested', 'duplicate', 'failed', 'skipped')",
            name=op.f("ck_feed_items_status_valid"),
        ),
        sa.CheckConstraint(
            "url LIKE 'http://%' OR url LIKE 'https://%'", name=op.f("ck_feed_items_url_http")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_feed_items_attempts_nonnegative")),
        sa.CheckConstraint(
            "content_hash IS NULL OR length(content_hash) = 64",
            name=op.f("ck_feed_items_content_hash_sha256"),
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_feed_items_article_id_articles"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name=op.f("fk_feed_items_feed_id_feeds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_items")),
        sa.UniqueConstraint("feed_id", "url", name="uq_feed_items_feed_url"),
    )
    op.create_index("ix_feed_items_article", "feed_items", ["article_id"], unique=False)
    op.create_index(
        "ix_feed_items_feed_seen", "feed_items", ["feed_id", "first_seen_at"], unique=False
    )
    op.create_index(
        "ix_feed_items_url", "feed_items", ["url"], unique=False, postgresql_using="hash"
    )
    op.create_index("ix_articles_url", "articles", ["url"], unique=False, postgresql_using="hash")


def downgrade():
    op.drop_index("ix_articles_url", table_name="articles")
    op.drop_index("ix_feed_items_url", table_name="feed_items")
    op.drop_index("ix_feed_items_feed_seen", table_name="feed_items")
    op.drop_index("ix_feed_items_article", table_name="feed_items")
    op.drop_table("feed_items")
    op.drop_index(op.f("ix_feeds_outlet_id"), table_name="feeds")
    op.drop_index("ix_feeds_due", table_name="feeds")

    op.drop_table("feeds")
