"""Reads of articles and outlets for the pages that list them. Nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.sources.models import Article, Outlet


def newest_articles() -> sa.Select[tuple[Article]]:
    """Articles newest first, each with its outlet, for the lists that show them (title,
    outlet, dates): the article text, the largest column, is not read."""
    return (
        sa.select(Article)
        .options(
            so.load_only(
                Article.id,
                Article.title,
                Article.ingested_at,
                Article.published_on,
                Article.outlet_id,
            ),
            so.joinedload(Article.outlet),
        )
        .order_by(Article.ingested_at.desc(), Article.id.desc())
    )


def latest_articles(session: so.Session, limit: int) -> Sequence[Article]:
    """The `limit` newest articles (the home page)."""
    return session.scalars(newest_articles().limit(limit)).all()


def outlets_by_name(session: so.Session) -> Sequence[Outlet]:
    """Every outlet, by name: the choices of the queue's and the export's outlet filter."""
    return session.scalars(sa.select(Outlet).order_by(Outlet.name)).all()
