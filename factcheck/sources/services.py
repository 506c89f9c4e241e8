"""Take articles in: normalise text, refuse exact duplicates, audit."""

from __future__ import annotations

import hashlib
import unicodedata

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.errors import Conflict, InvalidInput
from factcheck.sources.document import Document, guess_title
from factcheck.sources.fetch import check_url
from factcheck.sources.models import SOURCE_KINDS, Article, Outlet


class DuplicateArticle(Conflict):
    """The exact text was ingested before; `existing_id` names that article."""

    def __init__(self, existing_id: int) -> None:
        super().__init__(f"This text was already ingested as article {existing_id}.")
        self.existing_id = existing_id


def normalise_text(text: str) -> str:
    """Return the text with Unicode NFC, Unix newlines, no NUL characters (which no
    database text column takes) and no trailing spaces per line."""
    text = unicodedata.normalize("NFC", text).replace("\x00", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
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


def _one_line(value: str | None, limit: int) -> str | None:
    """Metadata as one line of single spaces within its column's size; blank is none."""
    cleaned = " ".join((value or "").split())[:limit].strip()
    return cleaned or None


def find_duplicate(session: so.Session, text: str) -> int | None:
    """Return the id of an article with exactly this (normalised) text, if any."""
    return session.scalar(sa.select(Article.id).where(Article.content_hash == content_hash(text)))


def create_article(
    session: so.Session,
    document: Document,
    *,
    actor: User | None,
    source_kind: str = "text",
) -> Article:
    """Store an article's text and metadata; refuse text that was ingested before."""
    ensure_role(actor, Role.FACT_CHECKER)
    body = normalise_text(document.text)
    if not body.strip():
        raise InvalidInput("The text is empty.")
    if source_kind not in SOURCE_KINDS:
        raise InvalidInput(f"Unknown source kind {source_kind!r}.")
    url = _one_line(document.url, 2048)
    if url:
        url = check_url(url)
    title = (
        _one_line(document.title, 500) or _one_line(guess_title(body), 500) or "Untitled article"
    )
    outlet = _one_line(document.outlet, 200)
    existing = find_duplicate(session, body)
    if existing is not None:
        raise DuplicateArticle(existing)
    article = Article(
        title=title,
        text=body,
        url=url,
        outlet=get_or_create_outlet(session, outlet) if outlet else None,
        author=_one_line(document.author, 300),
        published_on=document.published_on,
        language=_one_line(document.language, 16) or "en",
        content_hash=content_hash(body),
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
