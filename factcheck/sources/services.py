"""Take articles in: normalise text, refuse exact duplicates, audit."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.errors import Conflict, InvalidInput
from factcheck.security import ensure_role
from factcheck.sources.models import SOURCE_KINDS, Article, Outlet


class DuplicateArticle(Conflict):
    """The exact text was ingested before; `existing_id` names that article."""

    def __init__(self, existing_id: int) -> None:
        super().__init__(f"This text was already ingested as article {existing_id}.")
        self.existing_id = existing_id


def normalise_text(text: str) -> str:
    """Return the text with Unicode NFC, Unix newlines and no trailing spaces per line."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def content_hash(text: str) -> str:
    """Return the SHA-256 hex digest identifying this (normalised) text."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def get_or_create_outlet(session: so.Session, name: str) -> Outlet:
    """Return the outlet with this name, creating it if needed."""
    name = " ".join(name.split())
    outlet = session.scalar(sa.select(Outlet).where(Outlet.name == name))
    if outlet is None:
        outlet = Outlet(name=name)
        session.add(outlet)
        session.flush()
    return outlet


def create_article(
    session: so.Session,
    *,
    title: str,
    text: str,
    actor: User | None,
    url: str | None = None,
    outlet: str | None = None,
    author: str | None = None,
    published_on: date | None = None,
    language: str | None = "en",
    source_kind: str = "text",
) -> Article:
    """Store an article's text and metadata; refuse text that was ingested before."""
    ensure_role(actor, Role.FACT_CHECKER)
    body = normalise_text(text)
    if not body.strip():
        raise InvalidInput("The text is empty.")
    title = " ".join((title or "").split())
    if not title:
        raise InvalidInput("Give the article a title.")
    if source_kind not in SOURCE_KINDS:
        raise InvalidInput(f"Unknown source kind {source_kind!r}.")
    digest = content_hash(body)
    existing = session.scalar(sa.select(Article.id).where(Article.content_hash == digest))
    if existing is not None:
        raise DuplicateArticle(existing)
    article = Article(
        title=title[:500],
        text=body,
        url=url,
        outlet=get_or_create_outlet(session, outlet) if outlet else None,
        author=author,
        published_on=published_on,
        language=language,
        content_hash=digest,
        source_kind=source_kind,
        ingested_by_id=getattr(actor, "id", None),
    )
    session.add(article)
    session.flush()
    record(
        session,
        actor=actor,
        action="article.ingest",
        entity_type="article",
        entity_id=article.id,
        extra={"title": article.title, "source_kind": source_kind, "characters": len(body)},
    )
    return article
