"""Reads of claim matches for the queue and the claim page: what each claim was matched
with (earlier claims with their published ruling, rulings from elsewhere) and the
repeats linked into a claim. One statement for a whole queue page; nothing here writes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.claims.models import Claim
from factcheck.editorial.models import EditorialDecision, Ruling
from factcheck.matching.models import ClaimMatch, ExternalRuling
from factcheck.sources.models import Article
from factcheck.verdicts.models import Rating, VerdictRevision

# At most this many matches per claim are read (linked first, then the most similar);
# the matcher keeps fewer than this per claim.
MAX_PER_CLAIM = 20
# The queue page and the API ask for at most this many claims at once.
MAX_CLAIMS = 500
# Shown first: a link, then suggestions, then what a person rejected.
_STATE_ORDER = {"linked": 0, "suggested": 1, "rejected": 2}


@dataclass(frozen=True)
class MatchView:
    """One match of a claim, as the queue row and the claim page show it."""

    id: int
    claim_id: int
    similarity: float
    state: str
    automatic: bool
    kind: str  # "claim" (an earlier claim of ours) or "external" (a ruling from elsewhere)
    target_id: int
    text: str
    # An earlier claim: its status, claimant, what it was merged into (if it was), and its
    # published ruling's rating and day (None when it has none, or it was retracted).
    status: str | None = None
    claimant: str | None = None
    merged_into: int | None = None
    rating: str | None = None
    ruled_on: date | None = None
    # A ruling from elsewhere.
    publisher: str | None = None
    url: str | None = None

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)

    @property
    def ruled(self) -> bool:
        """An earlier ruling answers it: our published ruling, or an outside one with a
        rating."""
        return self.rating is not None


def _published_rating() -> sa.Subquery:
    """Each claim's published ruling with its rating label and day."""
    return (
        sa.select(
            Ruling.claim_id.label("claim_id"),
            Ruling.published_at.label("published_at"),
            Rating.label.label("rating"),
        )
        .join(EditorialDecision, EditorialDecision.id == Ruling.decision_id)
        .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
        .outerjoin(Rating, Rating.id == VerdictRevision.rating_id)
        .where(Ruling.status == "published")
        .subquery("published")
    )


def _day(value: datetime | date | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def matches_for_claims(
    session: so.Session, claim_ids: Collection[int]
) -> dict[int, list[MatchView]]:
    """Each claim's matches (linked first, then by similarity), in one statement; claims
    without a match are absent. At most MAX_PER_CLAIM per claim, MAX_CLAIMS claims."""
    ids = sorted(set(claim_ids))[:MAX_CLAIMS]
    if not ids:
        return {}
    state_rank = sa.case(
        *((ClaimMatch.state == s, n) for s, n in _STATE_ORDER.items()), else_=len(_STATE_ORDER)
    )
    ranked = (
        sa.select(
            ClaimMatch.id,
            sa.func.row_number()
            .over(
                partition_by=ClaimMatch.claim_id,
                order_by=(state_rank, ClaimMatch.similarity.desc(), ClaimMatch.id),
            )
            .label("n"),
        )
        .where(ClaimMatch.claim_id.in_(ids))
        .subquery("ranked")
    )
    published = _published_rating()
    earlier = so.aliased(Claim, name="earlier")
    rows = session.execute(
        sa.select(
            ClaimMatch.id,
            ClaimMatch.claim_id,
            ClaimMatch.similarity,
            ClaimMatch.state,
            ClaimMatch.automatic,
            ClaimMatch.earlier_claim_id,
            ClaimMatch.external_ruling_id,
            earlier.text,
            earlier.status,
            earlier.claimant_name,
            earlier.duplicate_of_id,
            published.c.rating,
            published.c.published_at,
            ExternalRuling.claim_reviewed,
            ExternalRuling.publisher_name,
            ExternalRuling.rating.label("external_rating"),
            ExternalRuling.reviewed_on,
            ExternalRuling.url,
            ExternalRuling.claimant.label("external_claimant"),
        )
        .join(ranked, ranked.c.id == ClaimMatch.id)
        .outerjoin(earlier, earlier.id == ClaimMatch.earlier_claim_id)
        .outerjoin(published, published.c.claim_id == ClaimMatch.earlier_claim_id)
        .outerjoin(ExternalRuling, ExternalRuling.id == ClaimMatch.external_ruling_id)
        .where(ranked.c.n <= MAX_PER_CLAIM)
        .order_by(ClaimMatch.claim_id, ranked.c.n)
    ).all()
    found: dict[int, list[MatchView]] = {}
    for row in rows:
        common = {
            "id": row.id,
            "claim_id": row.claim_id,
            "similarity": row.similarity,
            "state": row.state,
            "automatic": row.automatic,
        }
        if row.earlier_claim_id is not None:
            view = MatchView(
                **common,
                kind="claim",
                target_id=row.earlier_claim_id,
                text=row.text,
                status=row.status,
                claimant=row.claimant_name,
                merged_into=row.duplicate_of_id,
                rating=row.rating if row.published_at is not None else None,
                ruled_on=_day(row.published_at),
            )
        else:
            view = MatchView(
                **common,
                kind="external",
                target_id=row.external_ruling_id,
                text=row.claim_reviewed,
                claimant=row.external_claimant,
                rating=row.external_rating,
                ruled_on=row.reviewed_on,
                publisher=row.publisher_name,
                url=row.url,
            )
        found.setdefault(row.claim_id, []).append(view)
    return found


@dataclass(frozen=True)
class Summary:
    """What a queue row says about a claim's matches, in a few words."""

    repeat_of: int | None  # linked as a repeat of this claim
    ruled: MatchView | None  # the best match with a ruling (ours first, then elsewhere)
    similar: int  # suggestions still waiting for a person


def summary(matches: list[MatchView]) -> Summary:
    """The queue badge of one claim's matches."""
    live = [m for m in matches if m.state != "rejected"]
    link = next((m for m in live if m.kind == "claim" and m.state == "linked"), None)
    ruled = sorted(
        (m for m in live if m.ruled),
        key=lambda m: (m.state != "linked", m.kind != "claim", -m.similarity),
    )
    return Summary(
        repeat_of=link.target_id if link else None,
        ruled=ruled[0] if ruled else None,
        similar=sum(1 for m in live if m.state == "suggested"),
    )


@dataclass(frozen=True)
class RepeatView:
    """A claim linked into this one as a repeat, with the match that linked it."""

    match_id: int
    claim_id: int
    text: str
    claimant: str | None
    similarity: float
    automatic: bool
    article_id: int | None
    article_title: str | None
    linked_at: datetime | None

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)


def repeats_of(session: so.Session, claim_id: int, *, limit: int = 200) -> list[RepeatView]:
    """The claims linked to `claim_id` as repeats (through a linked match), oldest link
    first, with their article: one statement."""
    rows = session.execute(
        sa.select(
            ClaimMatch.id,
            ClaimMatch.similarity,
            ClaimMatch.automatic,
            ClaimMatch.decided_at,
            ClaimMatch.created_at,
            Claim.id.label("claim_id"),
            Claim.text,
            Claim.claimant_name,
            Claim.article_id,
            Article.title,
        )
        .join(Claim, Claim.id == ClaimMatch.claim_id)
        .outerjoin(Article, Article.id == Claim.article_id)
        .where(
            ClaimMatch.state == "linked",
            ClaimMatch.earlier_claim_id.is_not(None),
            Claim.duplicate_of_id == claim_id,
        )
        .order_by(ClaimMatch.decided_at, ClaimMatch.id)
        .limit(limit)
    ).all()
    return [
        RepeatView(
            match_id=row.id,
            claim_id=row.claim_id,
            text=row.text,
            claimant=row.claimant_name,
            similarity=row.similarity,
            automatic=row.automatic,
            article_id=row.article_id,
            article_title=row.title,
            linked_at=row.decided_at or row.created_at,
        )
        for row in rows
    ]
