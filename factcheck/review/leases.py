"""Leases on claims: take, take the next, assign, release, expire, and the holder check.

Services take the session, the acting user and the time explicitly, check roles and
the claim's state, make one change with its audit entry, and flush. Callers commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.lifecycle import TAKEABLE_STATUSES, ClaimStatus, change_status
from factcheck.claims.models import Claim
from factcheck.db import serialise_writers
from factcheck.errors import Conflict, InvalidInput, NotFound
from factcheck.notifications.services import notify, notify_editors
from factcheck.review.models import Assignment
from factcheck.review.queries import holder, open_assignment


def end_lease(
    session: so.Session,
    assignment: Assignment,
    *,
    reason: str,
    actor: User | None,
    now: datetime,
) -> None:
    """Close an assignment for `reason` ("released", "expired"...), audited."""
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
    """Open an assignment on the claim and move a new claim into review (take and assign)."""
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
    if claim.status == ClaimStatus.NEW:
        change_status(claim, ClaimStatus.IN_REVIEW)
        session.flush()
    return assignment


def _free_expired(session: so.Session, claim: Claim, now: datetime) -> None:
    current = open_assignment(session, claim)
    if current is not None and current.lease_expires_at <= now:
        _expire(session, current, now)


def _expire(session: so.Session, assignment: Assignment, now: datetime) -> None:
    end_lease(session, assignment, reason="expired", actor=None, now=now)
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


def holder_conflict(session: so.Session, assignment: Assignment) -> Conflict:
    """The error telling someone who else holds the claim, and until when."""
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
        raise holder_conflict(session, current)
    if claim.status not in TAKEABLE_STATUSES:
        raise Conflict(
            f"This claim is {claim.status.replace('_', ' ')}; only claims waiting in the "
            "queue can be taken."
        )
    assignment = _lease(
        session, claim, assignee=actor, assigned_by=actor, now=now, lease_hours=lease_hours
    )
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
    notify_assignee: bool = True,
) -> Assignment:
    """An editor gives a claim to a fact-checker, taking it from whoever held it. The
    assignee is notified unless `notify_assignee` is false (a bulk assignment sends one
    notice for all its claims instead)."""
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
        end_lease(session, current, reason="reassigned", actor=actor, now=now)
    assignment = _lease(
        session, claim, assignee=assignee, assigned_by=actor, now=now, lease_hours=lease_hours
    )
    record(
        session,
        actor=actor,
        action="claim.reassign" if previous else "claim.assign",
        entity_type="claim",
        entity_id=claim.id,
        changes={"assignee_id": [previous, assignee.id]},
        extra={"lease_expires_at": assignment.lease_expires_at},
    )
    if notify_assignee and assignee.id != actor.id:
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
        raise holder_conflict(session, current)
    end_lease(session, current, reason="released", actor=actor, now=now)
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
        end_lease(session, assignment, reason="deactivated", actor=actor, now=now)
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
        raise holder_conflict(session, current)
    return current


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
