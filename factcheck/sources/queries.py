"""Reads of articles and outlets for the pages that list them. Nothing here writes."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.sources.models import Article, Outlet


def latest_articles(session: so.Session, limit: int) -> Sequence[Article]:
    """The newest articles with their outlets (one query): title, outlet, when ingested;
    the article text, the largest column, is not read."""
    return session.scalars(
        sa.select(Article)
        .options(so.load_only(Article.id, Article.title, Article.ingested_at, Article.outlet_id))
        .options(so.joinedload(Article.outlet))
        .order_by(Article.ingested_at.desc(), Article.id.desc())
        .limit(limit)
    ).all()


def outlets_by_name(session: so.Session) -> Sequence[Outlet]:
    """Every outlet, by name: the choices of the queue's and the export's outlet filter."""
    return session.scalars(sa.select(Outlet).order_by(Outlet.name)).all()


def newest_articles() -> sa.Select[tuple[Article]]:
    """Articles newest first, each with its outlet (one page of it goes to the list)."""
    return (
        sa.select(Article)
        .options(so.selectinload(Article.outlet))
        .order_by(Article.ingested_at.desc(), Article.id.desc())
    )
