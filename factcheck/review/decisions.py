"""Reviewers' decisions on a claim in the queue: dismiss it, reopen it, merge it.

A dismissal's reason is kept as training data (`factcheck train`). Services take the
session, the acting user and the time explicitly, make one change with its audit entry,
and flush. Callers commit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.lifecycle import OPEN_STATUSES, ClaimStatus, change_status
from factcheck.claims.models import DISMISS_REASONS, Claim
from factcheck.claims.priority import refresh_priority
from factcheck.errors import Conflict, InvalidInput, NotFound
from factcheck.review.leases import end_lease, holder_conflict
from factcheck.review.queries import holder, open_assignment

DISMISS_NOTE_MAX = 2000


def take_out_of_queue(
    session: so.Session, claim: Claim, status: ClaimStatus, *, actor: User | None, now: datetime
) -> str:
    """Move an open claim to `status` (dismissed, merged), ending any lease on it; return
    the status it had. Only its holder or an editor may do this while someone holds it,
    and nothing automatic (no actor: a repeat linked by matching) takes a held claim."""
    if claim.status not in OPEN_STATUSES:
        raise Conflict(f"This claim is {claim.status.replace('_', ' ')} and cannot be changed.")
    current = holder(session, claim, now)
    if current is not None and (
        actor is None or (current.assignee_id != actor.id and not actor.has_role(Role.EDITOR))
    ):
        raise holder_conflict(session, current)
    current = open_assignment(session, claim)
    if current is not None:
        end_lease(session, current, reason="released", actor=actor, now=now)
    before = claim.status
    change_status(claim, status)
    return before


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
    before = take_out_of_queue(session, claim, ClaimStatus.DISMISSED, actor=actor, now=now)
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
    before = take_out_of_queue(session, claim, ClaimStatus.MERGED, actor=actor, now=now)
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
