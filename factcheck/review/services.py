"""The review queue: finding claims, leases on them, dismissing and merging.

Services take the session, the acting user and the time explicitly, check roles and
the claim's state, make one change with its audit entry, and flush. Callers commit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.claims.lifecycle import (
    CLAIM_STATUSES,
    OPEN_STATUSES,
    TAKEABLE_STATUSES,
    ClaimStatus,
    change_status,
)
from factcheck.claims.models import CLAIM_TYPES, DISMISS_REASONS, Claim
from factcheck.claims.priority import refresh_priority
from factcheck.db import MAX_ID, serialise_writers
from factcheck.errors import Conflict, InvalidInput, NotFound
from factcheck.notifications.services import notify, notify_editors
from factcheck.review.models import Assignment
from factcheck.security import ensure_role
from factcheck.sources.models import Article

DISMISS_NOTE_MAX = 2000

# Leases -------------------------------------------------------------------------------


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


def _release(
    session: so.Session,
    assignment: Assignment,
    *,
    reason: str,
    actor: User | None,
    now: datetime,
) -> None:
    assignment.released_at = max(now, assignment.assigned_at)
    assignment.release_reason = reason
    session.flush()
    record(
        session,
        actor=actor,
        action=f"claim.lease_{reason}",
        entity_type="claim",
        entity_id=assignment.claim_id,
        extra={"assignee_id": assignment.assignee_id, "assignment_id": assignment.id},
    )


def _lease(
    session: so.Session,
    claim: Claim,
    *,
    assignee: User,
    assigned_by: User,
    now: datetime,
    lease_hours: float,
) -> Assignment:
    assignment = Assignment(
        claim_id=claim.id,
        assignee_id=assignee.id,
        assigned_by_id=assigned_by.id,
        assigned_at=now,
        lease_expires_at=now + timedelta(hours=lease_hours),
    )
    try:
        with session.begin_nested():
            session.add(assignment)
            session.flush()
    except sa_exc.IntegrityError as exc:
        # The unique index on open assignments: someone took it a moment ago.
        raise Conflict("Someone else took this claim a moment ago.") from exc
    return assignment


def _free_expired(session: so.Session, claim: Claim, now: datetime) -> None:
    current = open_assignment(session, claim)
    if current is not None and current.lease_expires_at <= now:
        _expire(session, current, now)


def _expire(session: so.Session, assignment: Assignment, now: datetime) -> None:
    _release(session, assignment, reason="expired", actor=None, now=now)
    claim = session.get(Claim, assignment.claim_id)
    if claim is not None and claim.status == ClaimStatus.IN_REVIEW:
        change_status(claim, ClaimStatus.NEW)
        session.flush()


def expire_leases(session: so.Session, now: datetime) -> int:
    """Release every lease past its expiry; claims in review go back to the queue."""
    expired = session.scalars(
        sa.select(Assignment)
        .where(Assignment.released_at.is_(None), Assignment.lease_expires_at <= now)
        .order_by(Assignment.id)
    ).all()
    for assignment in expired:
        _expire(session, assignment, now)
    return len(expired)


def _holder_conflict(session: so.Session, assignment: Assignment) -> Conflict:
    who = session.get(User, assignment.assignee_id)
    name = who.display_name if who else "someone"
    return Conflict(
        f"{name} holds this claim until "
        f"{assignment.lease_expires_at:%Y-%m-%d %H:%M} UTC. Ask an editor to reassign it."
    )


def take(
    session: so.Session, claim: Claim, *, actor: User, now: datetime, lease_hours: float
) -> Assignment:
    """Give the actor a lease on a claim waiting in the queue."""
    ensure_role(actor, Role.FACT_CHECKER)
    _free_expired(session, claim, now)
    current = open_assignment(session, claim)
    if current is not None:
        if current.assignee_id == actor.id:
            raise Conflict("You already hold this claim.")
        raise _holder_conflict(session, current)
    if claim.status not in TAKEABLE_STATUSES:
        raise Conflict(
            f"This claim is {claim.status.replace('_', ' ')}; only claims waiting in the "
            "queue can be taken."
        )
    assignment = _lease(
        session, claim, assignee=actor, assigned_by=actor, now=now, lease_hours=lease_hours
    )
    if claim.status == ClaimStatus.NEW:
        change_status(claim, ClaimStatus.IN_REVIEW)
    session.flush()
    record(
        session,
        actor=actor,
        action="claim.take",
        entity_type="claim",
        entity_id=claim.id,
        extra={
            "assignee_id": actor.id,
            "lease_expires_at": assignment.lease_expires_at,
        },
    )
    return assignment


def take_next(
    session: so.Session, *, actor: User, now: datetime, lease_hours: float
) -> Assignment | None:
    """Give the actor the highest-priority claim nobody holds; None when the queue is empty."""
    ensure_role(actor, Role.FACT_CHECKER)
    serialise_writers(session)  # SQLite: ten people pressing "next" take turns
    expire_leases(session, now)
    held = sa.select(Assignment.claim_id).where(Assignment.released_at.is_(None))
    query = (
        sa.select(Claim)
        .where(Claim.status.in_(TAKEABLE_STATUSES), Claim.id.not_in(held))
        .order_by(Claim.priority.desc(), Claim.id.desc())
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two fact-checkers pressing "next" together get different claims.
        query = query.with_for_update(skip_locked=True)
    for _ in range(3):
        claim = session.scalar(query)
        if claim is None:
            return None
        try:
            return take(session, claim, actor=actor, now=now, lease_hours=lease_hours)
        except Conflict:
            continue  # taken by someone else in between; try the next one
    return None


def _check_assignee(user: User | None) -> User:
    if user is None:
        raise NotFound("There is no such person.")
    if not user.is_active:
        raise InvalidInput(f"{user.display_name}'s account is deactivated.")
    if not user.has_role(Role.FACT_CHECKER):
        raise InvalidInput(f"{user.display_name} is not a fact-checker.")
    return user


def assign(
    session: so.Session,
    claim: Claim,
    *,
    assignee: User | None,
    actor: User,
    now: datetime,
    lease_hours: float,
) -> Assignment:
    """An editor gives a claim to a fact-checker, taking it from whoever held it."""
    ensure_role(actor, Role.EDITOR)
    assignee = _check_assignee(assignee)
    if claim.status not in (*TAKEABLE_STATUSES, ClaimStatus.IN_REVIEW):
        raise Conflict(
            f"This claim is {claim.status.replace('_', ' ')}; only claims in the queue or "
            "in review can be assigned."
        )
    _free_expired(session, claim, now)
    current = open_assignment(session, claim)
    previous = None
    if current is not None:
        if current.assignee_id == assignee.id:
            raise Conflict(f"{assignee.display_name} already holds this claim.")
        previous = current.assignee_id
        _release(session, current, reason="reassigned", actor=actor, now=now)
    assignment = _lease(
        session, claim, assignee=assignee, assigned_by=actor, now=now, lease_hours=lease_hours
    )
    if claim.status == ClaimStatus.NEW:
        change_status(claim, ClaimStatus.IN_REVIEW)
    session.flush()
    record(
        session,
        actor=actor,
        action="claim.reassign" if previous else "claim.assign",
        entity_type="claim",
        entity_id=claim.id,
        changes={"assignee_id": [previous, assignee.id]},
        extra={"lease_expires_at": assignment.lease_expires_at},
    )
    if assignee.id != actor.id:
        notify(
            session,
            user=assignee,
            kind="assignment",
            message=f"{actor.display_name} assigned you claim #{claim.id}: {_short(claim.text)}",
            claim=claim,
        )
    return assignment


def release(session: so.Session, claim: Claim, *, actor: User, now: datetime) -> None:
    """Give up a lease: the holder themselves, or an editor for anyone."""
    ensure_role(actor, Role.FACT_CHECKER)
    current = open_assignment(session, claim)
    if current is None:
        raise Conflict("Nobody holds this claim.")
    if current.assignee_id != actor.id and not actor.has_role(Role.EDITOR):
        raise _holder_conflict(session, current)
    _release(session, current, reason="released", actor=actor, now=now)
    if claim.status == ClaimStatus.IN_REVIEW:
        change_status(claim, ClaimStatus.NEW)
        session.flush()


def release_leases_of(
    session: so.Session, user: User, *, actor: User | None, now: datetime
) -> list[Assignment]:
    """Release every lease the user holds because their account was deactivated.

    Claims being researched go back to the queue (saved revisions are kept), each release
    is audited, and every active editor is told which claims came free, so they can
    reassign them instead of waiting for the leases to expire.
    """
    held = session.scalars(
        sa.select(Assignment)
        .where(Assignment.assignee_id == user.id, Assignment.released_at.is_(None))
        .order_by(Assignment.id)
    ).all()
    claims = []
    for assignment in held:
        _release(session, assignment, reason="deactivated", actor=actor, now=now)
        claim = session.get(Claim, assignment.claim_id)
        if claim is not None:
            claims.append(claim)
            if claim.status == ClaimStatus.IN_REVIEW:
                change_status(claim, ClaimStatus.NEW)
    session.flush()
    if claims:
        ids = ", ".join(f"#{c.id}" for c in claims[:10]) + (" …" if len(claims) > 10 else "")
        count = f"{len(claims)} claim{'s' if len(claims) != 1 else ''}"
        message = (
            f"{user.display_name}'s account was deactivated; {count} they held "
            f"({ids}) are free to reassign."
            if len(claims) != 1
            else f"{user.display_name}'s account was deactivated; claim {ids} they held "
            f"is free to reassign: {_short(claims[0].text)}"
        )
        notify_editors(
            session,
            kind="released",
            message=message,
            claim=claims[0] if len(claims) == 1 else None,
            exclude=[user.id],
        )
    return list(held)


def require_holder(session: so.Session, claim: Claim, actor: User, now: datetime) -> Assignment:
    """Refuse unless the actor holds a live lease on the claim."""
    current = holder(session, claim, now)
    if current is None:
        expired = open_assignment(session, claim)
        if expired is not None and expired.assignee_id == actor.id:
            raise Conflict(
                "Your lease on this claim expired. Take it again to go on; your saved "
                "revisions are kept."
            )
        raise Conflict("Take this claim first: only the person holding it can work on it.")
    if current.assignee_id != actor.id:
        raise _holder_conflict(session, current)
    return current


# Dismiss, reopen, merge ------------------------------------------------------------------


def _check_open_for_actor(session: so.Session, claim: Claim, actor: User, now: datetime) -> None:
    if claim.status not in OPEN_STATUSES:
        raise Conflict(f"This claim is {claim.status.replace('_', ' ')} and cannot be changed.")
    current = holder(session, claim, now)
    if current is not None and current.assignee_id != actor.id and not actor.has_role(Role.EDITOR):
        raise _holder_conflict(session, current)


def dismiss(
    session: so.Session,
    claim: Claim,
    *,
    reason: str,
    note: str | None,
    actor: User,
    now: datetime,
) -> None:
    """Take a flagged sentence out of the queue; the reason is kept as training data."""
    ensure_role(actor, Role.FACT_CHECKER)
    if reason not in DISMISS_REASONS:
        raise InvalidInput("Choose why: not a claim, or not check-worthy.")
    note = (note or "").strip() or None
    if note and len(note) > DISMISS_NOTE_MAX:
        raise InvalidInput(f"Keep the note under {DISMISS_NOTE_MAX} characters.")
    _check_open_for_actor(session, claim, actor, now)
    current = open_assignment(session, claim)
    if current is not None:
        _release(session, current, reason="released", actor=actor, now=now)
    before = claim.status
    change_status(claim, ClaimStatus.DISMISSED)
    claim.dismiss_reason = reason
    claim.dismiss_note = note
    session.flush()
    record(
        session,
        actor=actor,
        action="claim.dismiss",
        entity_type="claim",
        entity_id=claim.id,
        changes={"status": [before, ClaimStatus.DISMISSED], "dismiss_reason": [None, reason]},
        extra={"note": note},
    )


def reopen(session: so.Session, claim: Claim, *, actor: User) -> None:
    """An editor puts a dismissed claim back in the queue."""
    ensure_role(actor, Role.EDITOR)
    if claim.status != ClaimStatus.DISMISSED:
        raise Conflict("Only dismissed claims can be reopened.")
    reason = claim.dismiss_reason
    change_status(claim, ClaimStatus.NEW)
    claim.dismiss_reason = None
    claim.dismiss_note = None
    session.flush()
    record(
        session,
        actor=actor,
        action="claim.reopen",
        entity_type="claim",
        entity_id=claim.id,
        changes={
            "status": [ClaimStatus.DISMISSED, ClaimStatus.NEW],
            "dismiss_reason": [reason, None],
        },
    )


def merge(
    session: so.Session, claim: Claim, *, into: Claim | None, actor: User, now: datetime
) -> Claim:
    """Mark a claim as a duplicate of another; the survivor gains its sentences' weight."""
    ensure_role(actor, Role.FACT_CHECKER)
    if into is None:
        raise NotFound("There is no claim with that number.")
    while into.status == ClaimStatus.MERGED and into.duplicate_of_id is not None:
        into = session.get(Claim, into.duplicate_of_id)  # follow to the surviving claim
    if into.id == claim.id:
        raise InvalidInput("A claim cannot be merged into itself.")
    if into.status in (ClaimStatus.DISMISSED, ClaimStatus.RETRACTED):
        raise Conflict(f"Claim #{into.id} is {into.status}; merge into a live claim.")
    _check_open_for_actor(session, claim, actor, now)
    current = open_assignment(session, claim)
    if current is not None:
        _release(session, current, reason="released", actor=actor, now=now)
    before = claim.status
    change_status(claim, ClaimStatus.MERGED)
    claim.duplicate_of_id = into.id
    articles = {
        a for c in (into, claim) for a in [c.article_id, *(s.article_id for s in c.sentences)]
    } - {None}
    old_count = into.article_count
    into.article_count = max(into.article_count, len(articles))
    if claim.score is not None and (into.score is None or claim.score > into.score):
        into.score = claim.score
    refresh_priority(into)
    session.flush()
    record(
        session,
        actor=actor,
        action="claim.merge",
        entity_type="claim",
        entity_id=claim.id,
        changes={"status": [before, ClaimStatus.MERGED], "duplicate_of_id": [None, into.id]},
    )
    record(
        session,
        actor=actor,
        action="claim.merge_into",
        entity_type="claim",
        entity_id=into.id,
        changes={"article_count": [old_count, into.article_count]},
        extra={"merged_claim_id": claim.id},
    )
    return into


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
