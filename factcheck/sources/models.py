"""Outlets and the articles ingested from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.db import Base, enum_check, utcnow

if TYPE_CHECKING:
    from factcheck.auth.models import User

SOURCE_KINDS = ("text", "url", "file", "bulk", "api", "demo")


class Outlet(Base):
    """A publication, broadcaster or other source of articles."""

    __tablename__ = "outlets"
    __table_args__ = (sa.CheckConstraint("length(trim(name)) > 0", name="name_present"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    # Lower-case host name, e.g. "www.example.com", used to match URLs to outlets.
    domain: so.Mapped[str | None] = so.mapped_column(sa.String(253), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Outlet id={self.id!r} name={self.name!r}>"


class Article(Base):
    """A text taken in for checking: a news article, transcript or statement."""

    __tablename__ = "articles"
    __table_args__ = (
        sa.CheckConstraint("length(trim(title)) > 0", name="title_present"),
        sa.CheckConstraint("length(content_hash) = 64", name="content_hash_sha256"),
        enum_check("source_kind", SOURCE_KINDS, "source_kind_valid"),
        sa.CheckConstraint(
            "url IS NULL OR url LIKE 'http://%' OR url LIKE 'https://%'", name="url_http"
        ),
        sa.Index("ix_articles_ingested_at", "ingested_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(500))
    url: so.Mapped[str | None] = so.mapped_column(sa.String(2048))
    outlet_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("outlets.id", ondelete="SET NULL"), index=True
    )
    author: so.Mapped[str | None] = so.mapped_column(sa.String(300))
    published_on: so.Mapped[date | None]
    # BCP 47 tag, e.g. "en".
    language: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    # SHA-256 of the normalised text; refuses exact re-ingest of the same text.
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    source_kind: so.Mapped[str] = so.mapped_column(sa.String(10), default="text")
    ingested_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    ingested_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    outlet: so.Mapped[Outlet | None] = so.relationship()
    ingested_by: so.Mapped[User | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<Article id={self.id!r} title={self.title[:40]!r}>"
