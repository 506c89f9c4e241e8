"""Queue priority of a claim: how much a desk should want to look at it now."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.claims.lifecycle import OPEN_STATUSES
from factcheck.claims.models import Claim
from factcheck.db import utcnow

# Queue priority (README, "The review workflow", the queue):
#   value    = max(score, SCORE_FLOOR) × articles ** REPEAT_WEIGHT
#   priority = value × 0.5 ** (age in days / HALF_LIFE_DAYS)      (what a row shows, now)
# Age counts from the claim's date (claimed_on, else the day it was found), never from a
# date after the day it was found. As time passes every priority halves at the same rate,
# so their order never changes; the claims.priority column stores that order as a
# time-invariant key in half-lives (ordering by it = ordering by priority, at any moment):
#   key = log2(value) + days(claim date − PRIORITY_EPOCH) / HALF_LIFE_DAYS
# A claim twice as valuable ranks with one a half-life newer. Changing a constant here
# changes the key: run `factcheck claims reprioritise --all` after deploying.
HALF_LIFE_DAYS = 14.0
# Ten articles repeating a claim double its value (10 ** 0.3 ≈ 2); a second one adds 23%.
REPEAT_WEIGHT = 0.3
# A missing or zero score counts as this (the key is a logarithm).
SCORE_FLOOR = 0.01
# The key's origin; any fixed day gives the same order.
PRIORITY_EPOCH = date(2024, 1, 1)
PRIORITY_RULE = (
    f"Ordered by priority: classifier score × articles^{REPEAT_WEIGHT:g} (a claim repeated in "
    f"ten articles counts double), halved for every {HALF_LIFE_DAYS:g} days of the claim's age."
)


def _day(when: date | datetime) -> date:
    if isinstance(when, datetime):
        return (when.astimezone(UTC) if when.tzinfo else when).date()
    return when


def claim_day(claim_date: date | datetime | None, found_at: date | datetime | None = None) -> date:
    """The day a claim's age counts from: its date, but never after the day it was found."""
    found = _day(found_at or utcnow())
    return min(_day(claim_date), found) if claim_date else found


def value_of(score: float | None, article_count: int | None = 1) -> float:
    """What a claim is worth checking, age aside: its score, boosted by its repeats."""
    return max(score or 0.0, SCORE_FLOOR) * max(article_count or 1, 1) ** REPEAT_WEIGHT


def priority_of(
    score: float | None,
    article_count: int | None = 1,
    claim_date: date | datetime | None = None,
    found_at: date | datetime | None = None,
) -> float:
    """The stored queue key of a claim (higher first); found_at defaults to now."""
    day = claim_day(claim_date, found_at)
    recency = (day - PRIORITY_EPOCH).days / HALF_LIFE_DAYS
    return round(math.log2(value_of(score, article_count)) + recency, 6)


def refresh_priority(claim: Claim) -> None:
    """Recompute a claim's stored priority after its score, repeats or date changed."""
    claim.priority = priority_of(
        claim.score,
        claim.article_count,
        claim.claimed_on or claim.created_at,
        claim.created_at,
    )


@dataclass(frozen=True)
class QueueReason:
    """Why a claim sits where it does in the queue: its parts and its priority today."""

    score: float | None
    articles: int
    since: date
    age_days: int
    priority: float

    @property
    def age(self) -> str:
        """The claim's age in words ("today", "3 days ago", "5 months ago")."""
        days = self.age_days
        if days <= 0:
            return "today"
        if days == 1:
            return "yesterday"
        if days < 60:
            return f"{days} days ago"
        if days < 730:
            return f"{days // 30} months ago"
        return f"{days // 365} years ago"


def reason_of(claim: Claim, now: datetime) -> QueueReason:
    """The parts of a claim's priority and the priority itself, as of now."""
    since = claim_day(claim.claimed_on or claim.created_at, claim.created_at)
    age = max((_day(now) - since).days, 0)
    value = value_of(claim.score, claim.article_count)
    return QueueReason(
        score=claim.score,
        articles=max(claim.article_count or 1, 1),
        since=since,
        age_days=age,
        priority=value * 0.5 ** (age / HALF_LIFE_DAYS),
    )


def queue_reasons(claims: Iterable[Claim], now: datetime) -> dict[int, QueueReason]:
    """reason_of() for each claim of a queue page, by claim id."""
    return {claim.id: reason_of(claim, now) for claim in claims}


def reprioritise(
    session: so.Session, *, actor: object | None, include_closed: bool = False, batch: int = 1000
) -> int:
    """Recompute stored priorities (of open claims, or all); return how many changed.

    A derived column, rewritten in place: the claims' version and updated_at stay as they
    were (nobody's edit is made stale by it). One audit entry records the run.
    """
    claims = Claim.__table__
    query = sa.select(
        claims.c.id,
        claims.c.score,
        claims.c.article_count,
        claims.c.claimed_on,
        claims.c.created_at,
        claims.c.priority,
    ).order_by(claims.c.id)
    if not include_closed:
        query = query.where(claims.c.status.in_(OPEN_STATUSES))
    update = (
        sa.update(claims)
        .where(claims.c.id == sa.bindparam("row_id"))
        .values(priority=sa.bindparam("new_priority"), updated_at=claims.c.updated_at)
    )
    changed, last_id = 0, 0
    while True:
        rows = session.execute(query.where(claims.c.id > last_id).limit(batch)).all()
        if not rows:
            break
        last_id = rows[-1].id
        updates = []
        for row in rows:
            key = priority_of(
                row.score, row.article_count, row.claimed_on or row.created_at, row.created_at
            )
            if not math.isclose(key, row.priority, rel_tol=0.0, abs_tol=1e-6):
                updates.append({"row_id": row.id, "new_priority": key})
        if updates:
            session.execute(update, updates)
            changed += len(updates)
    if changed:
        record(
            session,
            actor=actor,
            action="claims.reprioritise",
            entity_type="claim",
            entity_id=None,
            extra={
                "changed": changed,
                "scope": "all" if include_closed else "open",
                "half_life_days": HALF_LIFE_DAYS,
                "repeat_weight": REPEAT_WEIGHT,
            },
        )
    session.flush()
    return changed
