"""Queue priority of a claim: how much a desk should want to look at it now."""

from __future__ import annotations

import math
from datetime import date, datetime

from factcheck.claims.models import Claim
from factcheck.db import utcnow

# Queue priority (README, "The review queue"):
#   priority = score + REPEAT_WEIGHT * ln(articles)
#              + days(claim date - PRIORITY_EPOCH) / RECENCY_DAYS
# A claim repeated in a second article gains 0.10; a claim 14 days newer gains 0.10. The
# recency term grows with the date itself, so stored priorities never go stale: comparing
# two claims gives the same answer today and next month.
REPEAT_WEIGHT = 0.15
RECENCY_DAYS = 140.0
PRIORITY_EPOCH = date(2024, 1, 1)


def priority_of(
    score: float | None, article_count: int = 1, claim_date: date | datetime | None = None
) -> float:
    """Queue priority from the classifier score, how often it recurs and how recent it is."""
    when = claim_date or utcnow()
    if isinstance(when, datetime):
        when = when.date()
    recency = (when - PRIORITY_EPOCH).days / RECENCY_DAYS
    repeats = REPEAT_WEIGHT * math.log(max(article_count or 1, 1))
    return round((score or 0.0) + repeats + recency, 6)


def refresh_priority(claim: Claim) -> None:
    """Recompute a claim's stored priority after its score, repeats or date changed."""
    claim.priority = priority_of(
        claim.score, claim.article_count, claim.claimed_on or claim.created_at
    )


