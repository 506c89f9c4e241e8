"""Helpers for review-workflow tests: claims in the database, users as model objects."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from itertools import count

from factcheck.auth.models import User
from factcheck.claims.models import Claim
from factcheck.claims.priority import priority_of
from factcheck.claims.services import text_key
from factcheck.extensions import db
from factcheck.sources.models import Article, Outlet
from factcheck.verdicts.inputs import EvidenceInput, VerdictInput
from factcheck.verdicts.ratings import active_ratings

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
_n = count(1)


def later(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def user(account) -> User:  # noqa: ANN001
    """The User row of a tests.conftest.Account."""
    return db.session.get(User, account.id)


def add_claim(
    text: str | None = None,
    *,
    score: float = 0.8,
    claimant: str | None = "Jane Doe",
    outlet: str | None = None,
    published_on: date | None = date(2026, 11, 1),
) -> Claim:
    """An article with one flagged claim, flushed (not committed)."""
    n = next(_n)
    text = text or f"Unemployment fell to {n}.5% last year"
    article = Article(
        title=f"Article {n}",
        text=f"{text}. Filler {n}.",
        content_hash=hashlib.sha256(f"{n}{text}".encode()).hexdigest(),
        published_on=published_on,
        outlet=_outlet(outlet) if outlet else None,
    )
    db.session.add(article)
    db.session.flush()
    claim = Claim(
        text=text,
        text_key=text_key(text),
        claimant_name=claimant,
        article_id=article.id,
        score=score,
        priority=priority_of(score, 1, published_on),
        status="new",
        claimed_on=published_on,
    )
    db.session.add(claim)
    db.session.flush()
    return claim


def _outlet(name: str) -> Outlet:
    existing = db.session.query(Outlet).filter_by(name=name).one_or_none()
    if existing:
        return existing
    outlet = Outlet(name=name)
    db.session.add(outlet)
    return outlet


def verdict(**overrides) -> VerdictInput:  # noqa: ANN003
    """A complete verdict input: rating, conclusion, explanation and one source."""
    ratings = active_ratings(db.session)
    values = {
        "claim_text": "Unemployment fell to 3.5% last year",
        "rating_id": ratings[0].id,
        "summary": "Official statistics show unemployment rose.",
        "explanation": "The statistics office reports 4.1%.",
        "claimant_name": "Jane Doe",
        "claimant_role": "minister",
        "claimed_on": date(2026, 11, 1),
        "evidence": [
            EvidenceInput(
                url="https://stats.example.org/unemployment",
                title="Labour force survey",
                publisher="Statistics Office",
                accessed_on=date(2026, 11, 19),
            )
        ],
    }
    values.update(overrides)
    return VerdictInput(**values)


def publish(claim: Claim, fact_checker: User, editor: User, **verdict_overrides) -> None:  # noqa: ANN003
    """Take, write, submit, approve and publish a verdict on the claim (flushed)."""
    from factcheck.editorial import approval, publication
    from factcheck.review import leases
    from factcheck.verdicts import services as verdicts

    leases.take(db.session, claim, actor=fact_checker, now=NOW, lease_hours=48)
    rev, _ = verdicts.save_revision(
        db.session,
        claim,
        verdict(**verdict_overrides),
        actor=fact_checker,
        base_revision_id=None,
        now=NOW,
    )
    verdicts.submit(db.session, claim, actor=fact_checker, revision_id=rev.id, now=NOW)
    approval.approve(db.session, claim, revision_id=rev.id, actor=editor, now=later(1))
    publication.publish(db.session, claim, actor=editor, now=later(2))
