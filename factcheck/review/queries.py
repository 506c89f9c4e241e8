"""Reads of the review queue: who holds a claim now, the queue's filters, search and
keyset pages, and each person's claims. Nothing here writes."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.auth.models import User
from factcheck.claims.lifecycle import CLAIM_STATUSES, OPEN_STATUSES, ClaimStatus
from factcheck.claims.models import CLAIM_TYPES, Claim
from factcheck.db import MAX_ID
from factcheck.errors import InvalidInput
from factcheck.review.models import Assignment
from factcheck.sources.models import Article

# Who holds a claim ------------------------------------------------------------------------


def open_assignment(session: so.Session, claim: Claim) -> Assignment | None:
    """Return the claim's unreleased assignment (expired or not), if any."""
    return session.scalar(
        sa.select(Assignment).where(
            Assignment.claim_id == claim.id, Assignment.released_at.is_(None)
        )
    )


def holder(session: so.Session, claim: Claim, now: datetime) -> Assignment | None:
    """Return the assignment whose lease is live now, if someone holds the claim."""
    current = open_assignment(session, claim)
    if current is None or current.lease_expires_at <= now:
        return None
    return current


def lapsed_leases(now: datetime) -> sa.Select:
    """Ids of claims whose open lease ran out by `now` and is not yet released."""
    return sa.select(Assignment.claim_id).where(
        Assignment.released_at.is_(None), Assignment.lease_expires_at <= now
    )


def statuses_now(session: so.Session, claims: Sequence[Claim], now: datetime) -> dict[int, str]:
    """Each claim's status as it stands at `now`, computed without writing: a claim in
    review whose lease ran out is waiting in the queue again ("new"), as
    `factcheck review expire-leases` (or the next take or assign) will record."""
    reviewing = [c.id for c in claims if c.status == ClaimStatus.IN_REVIEW]
    lapsed = (
        set(session.scalars(lapsed_leases(now).where(Assignment.claim_id.in_(reviewing))))
        if reviewing
        else set()
    )
    return {c.id: ClaimStatus.NEW if c.id in lapsed else c.status for c in claims}


def holders_of(
    session: so.Session, claim_ids: Sequence[int], now: datetime
) -> dict[int, Assignment]:
    """Live assignments of the given claims, by claim id."""
    if not claim_ids:
        return {}
    rows = session.scalars(
        sa.select(Assignment)
        .options(so.joinedload(Assignment.assignee))
        .where(
            Assignment.claim_id.in_(claim_ids),
            Assignment.released_at.is_(None),
            Assignment.lease_expires_at > now,
        )
    ).all()
    return {a.claim_id: a for a in rows}


def held_count(session: so.Session, user: User, now: datetime) -> int:
    """How many claims the user holds now."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(Assignment)
        .where(
            Assignment.assignee_id == user.id,
            Assignment.released_at.is_(None),
            Assignment.lease_expires_at > now,
        )
    )


def my_claims(session: so.Session, user: User, now: datetime) -> list[tuple[Claim, Assignment]]:
    """The claims the user holds now, soonest expiry first."""
    rows = session.execute(
        sa.select(Claim, Assignment)
        .join(Assignment, Assignment.claim_id == Claim.id)
        .where(
            Assignment.assignee_id == user.id,
            Assignment.released_at.is_(None),
            Assignment.lease_expires_at > now,
        )
        .order_by(Assignment.lease_expires_at)
    ).all()
    return [(c, a) for c, a in rows]


# The queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows; every field is optional."""

    statuses: tuple[str, ...] = OPEN_STATUSES
    min_score: float | None = None
    max_score: float | None = None
    outlet_id: int | None = None
    claimant: str | None = None
    found_from: date | None = None
    found_to: date | None = None
    # A user id, or "none" for claims nobody holds.
    assignee: int | str | None = None
    claim_type: str | None = None
    search: str | None = None

    def __post_init__(self) -> None:
        unknown = set(self.statuses) - set(CLAIM_STATUSES)
        if unknown:
            raise InvalidInput(f"Unknown status: {', '.join(sorted(unknown))}.")
        for value in (self.min_score, self.max_score):
            if value is not None and not 0.0 <= value <= 1.0:
                raise InvalidInput("Scores run from 0 to 1.")
        if (
            self.min_score is not None
            and self.max_score is not None
            and self.min_score > self.max_score
        ):
            raise InvalidInput("The lowest score is above the highest.")
        if self.found_from and self.found_to and self.found_from > self.found_to:
            raise InvalidInput("The start date is after the end date.")
        if self.claim_type is not None and self.claim_type not in CLAIM_TYPES:
            raise InvalidInput("Unknown claim type.")


def queue_statuses(choice: str) -> tuple[str, ...]:
    """The statuses a status choice of the queue's form or the API means: "open" (the
    claims waiting for a fact-checker), "all" (no status filter) or one status."""
    return OPEN_STATUSES if choice == "open" else () if choice == "all" else (choice,)


def _search_terms(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())[:10]


def queue_query(session: so.Session, filters: QueueFilters, now: datetime) -> sa.Select:
    """The claims matching the filters, highest priority first (id breaks ties)."""
    query = sa.select(Claim)
    if filters.statuses:
        query = query.where(_status_now_in(filters.statuses, now))
    if filters.min_score is not None:
        query = query.where(Claim.score >= filters.min_score)
    if filters.max_score is not None:
        query = query.where(Claim.score <= filters.max_score)
    if filters.outlet_id is not None:
        query = query.where(
            Claim.article_id.in_(
                sa.select(Article.id).where(Article.outlet_id == filters.outlet_id)
            )
        )
    if filters.claimant:
        query = query.where(Claim.claimant_name.ilike(f"%{_like(filters.claimant)}%", escape="\\"))
    if filters.found_from:
        query = query.where(Claim.created_at >= datetime.combine(filters.found_from, time(), UTC))
    if filters.found_to:
        end = datetime.combine(filters.found_to + timedelta(days=1), time(), UTC)
        query = query.where(Claim.created_at < end)
    if filters.claim_type:
        query = query.where(Claim.claim_type == filters.claim_type)
    if filters.assignee is not None:
        live = sa.select(Assignment.claim_id).where(
            Assignment.released_at.is_(None), Assignment.lease_expires_at > now
        )
        if filters.assignee == "none":
            query = query.where(Claim.id.not_in(live))
        else:
            query = query.where(
                Claim.id.in_(live.where(Assignment.assignee_id == filters.assignee))
            )
    if filters.search and (terms := _search_terms(filters.search)):
        if session.get_bind().dialect.name == "postgresql":
            query = query.where(
                sa.func.to_tsvector("english", Claim.text).bool_op("@@")(
                    sa.func.plainto_tsquery("english", " ".join(terms))
                )
            )
        else:
            for term in terms:
                query = query.where(Claim.text.ilike(f"%{_like(term)}%", escape="\\"))
    return query


def _status_now_in(statuses: Sequence[str], now: datetime) -> sa.ColumnElement[bool]:
    """Claims whose status at `now` is one of `statuses` (see statuses_now)."""
    wanted = set(statuses)
    condition = Claim.status.in_(wanted)
    lapsed = sa.and_(Claim.status == ClaimStatus.IN_REVIEW, Claim.id.in_(lapsed_leases(now)))
    if ClaimStatus.IN_REVIEW in wanted and ClaimStatus.NEW not in wanted:
        condition = sa.and_(condition, sa.not_(lapsed))
    elif ClaimStatus.NEW in wanted and ClaimStatus.IN_REVIEW not in wanted:
        condition = sa.or_(condition, lapsed)
    return condition


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def parse_cursor(raw: str | None) -> tuple[float, int] | None:
    """Read a queue cursor ("priority_id", as queue_page hands out), or raise InvalidInput."""
    if not raw:
        return None
    priority, _, last_id = raw.partition("_")
    try:
        value, ident = float(priority), int(last_id)
    except ValueError as exc:
        raise InvalidInput("The page link is damaged; start again from the first page.") from exc
    if not math.isfinite(value) or not 0 <= ident <= MAX_ID:
        raise InvalidInput("The page link is damaged; start again from the first page.")
    return value, ident


def format_cursor(cursor: tuple[float, int] | None) -> str | None:
    return f"{cursor[0]!r}_{cursor[1]}" if cursor else None


@dataclass(frozen=True)
class QueuePage:
    items: Sequence[Claim]
    # (priority, id) of the last row, to ask for the page after it; None on the last page.
    next_cursor: tuple[float, int] | None


def queue_page(
    session: so.Session,
    filters: QueueFilters,
    *,
    now: datetime,
    after: tuple[float, int] | None = None,
    limit: int = 50,
) -> QueuePage:
    """One page of the queue by keyset: as fast on page 2,000 as on page 1."""
    query = queue_query(session, filters, now)
    if after is not None:
        priority, last_id = after
        # A row-value comparison walks the (priority, id) index from the cursor.
        query = query.where(sa.tuple_(Claim.priority, Claim.id) < sa.tuple_(priority, last_id))
    rows = session.scalars(
        query.order_by(Claim.priority.desc(), Claim.id.desc())
        .limit(limit + 1)
        # The page shows each claim's article title: one query for all, not the whole
        # article text once per row.
        .options(so.selectinload(Claim.article).load_only(Article.id, Article.title))
    ).all()
    items = rows[:limit]
    cursor = (items[-1].priority, items[-1].id) if len(rows) > limit else None
    return QueuePage(items, cursor)
