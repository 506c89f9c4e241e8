"""Editors' decisions on a submitted verdict: approve it or return it to its author, under
the second-editor rule (no editor approves what they wrote since the last approval); and
the comment checks and author notices every editorial decision shares.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.lifecycle import ClaimStatus, change_status
from factcheck.claims.models import Claim
from factcheck.editorial.lookups import last_approval, revisions_since_approval
from factcheck.editorial.models import EditorialDecision
from factcheck.errors import Conflict, InvalidInput, PermissionDenied
from factcheck.notifications.services import notify
from factcheck.review.models import Assignment
from factcheck.review.queries import open_assignment
from factcheck.verdicts.models import VerdictRevision
from factcheck.verdicts.services import StaleVerdict, latest_revision

COMMENT_MAX = 5000


def clean_comment(text: str | None, *, required: bool, what: str) -> str | None:
    """An editor's comment or note trimmed, or None when empty and not required; refused
    when required and empty, or longer than COMMENT_MAX."""
    text = (text or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"Write {what}.")
        return None
    if len(text) > COMMENT_MAX:
        raise InvalidInput(f"Keep the {what.split()[-1]} under {COMMENT_MAX} characters.")
    return text


def _submitted_revision(session: so.Session, claim: Claim, revision_id: int) -> VerdictRevision:
    if claim.status != ClaimStatus.SUBMITTED:
        raise Conflict(
            f"This claim is {claim.status.replace('_', ' ')}; only submitted verdicts can be "
            "approved or returned."
        )
    latest = latest_revision(session, claim)
    if latest is None or latest.submitted_at is None:
        raise Conflict("There is no submitted revision to decide on.")
    if latest.id != revision_id:
        # Approval pins the exact revision the editor read; anything else is refused.
        raise StaleVerdict(latest)
    return latest


def _numbers(numbers: list[int]) -> str:
    words = [str(n) for n in numbers]
    if len(words) == 1:
        return f"revision {words[0]}"
    return f"revisions {', '.join(words[:-1])} and {words[-1]}"


def second_editor_problem(
    session: so.Session,
    claim: Claim,
    actor: User,
    pending: list[VerdictRevision] | None = None,
) -> str | None:
    """Why the actor may not approve the claim's pending revision, or None if they may.

    An approval needs an editor who wrote none of the revisions since the last approved
    one (`pending`, by default): checking only the latest author let an editor approve
    their own verdict after a fact-checker re-saved it with one character changed.
    """
    if pending is None:
        pending = revisions_since_approval(session, claim)
    mine = [r.number for r in pending if r.author_id == actor.id]
    if not mine:
        return None
    if last_approval(session, claim) is None:
        return (
            f"You wrote part of this verdict ({_numbers(mine)}), and it has not been approved "
            "yet; another editor must approve it."
        )
    return (
        f"You wrote part of this verdict since it was last approved ({_numbers(mine)}); "
        "another editor must approve it."
    )


def decide(
    session: so.Session,
    revision_id: int,
    decision: str,
    *,
    editor: User,
    comment: str | None,
    now: datetime,
) -> EditorialDecision:
    """Record an editor's decision ("approved" or "returned") on one revision; the
    caller moves the claim and writes the audit entry that says why."""
    row = EditorialDecision(
        revision_id=revision_id,
        decision=decision,
        editor_id=editor.id,
        comment=comment,
        decided_at=now,
    )
    session.add(row)
    return row


def approve(
    session: so.Session,
    claim: Claim,
    *,
    revision_id: int,
    actor: User,
    now: datetime,
    comment: str | None = None,
    allow_self_approval: bool = False,
) -> EditorialDecision:
    """Approve exactly the submitted revision the editor read."""
    ensure_role(actor, Role.EDITOR)
    revision = _submitted_revision(session, claim, revision_id)
    if not allow_self_approval and (problem := second_editor_problem(session, claim, actor)):
        raise PermissionDenied(problem)
    comment = clean_comment(comment, required=False, what="a comment")
    decision = decide(session, revision.id, "approved", editor=actor, comment=comment, now=now)
    change_status(claim, ClaimStatus.APPROVED)
    session.flush()
    record(
        session,
        actor=actor,
        action="verdict.approve",
        entity_type="claim",
        entity_id=claim.id,
        changes={"status": [ClaimStatus.SUBMITTED, ClaimStatus.APPROVED]},
        extra={"revision": revision.number, "revision_id": revision.id, "comment": comment},
    )
    if revision.author_id != actor.id:
        notify(
            session,
            user=revision.author,
            kind="approved",
            message=f"{actor.display_name} approved your verdict on claim #{claim.id}.",
            claim=claim,
        )
    return decision


def return_verdict(
    session: so.Session,
    claim: Claim,
    *,
    revision_id: int,
    comment: str,
    actor: User,
    now: datetime,
    lease_hours: float,
) -> EditorialDecision:
    """Send a submitted revision back to its author with a comment; they hold it again."""
    ensure_role(actor, Role.EDITOR)
    revision = _submitted_revision(session, claim, revision_id)
    comment = clean_comment(comment, required=True, what="a comment saying what to fix")
    decision = decide(session, revision.id, "returned", editor=actor, comment=comment, now=now)
    change_status(claim, ClaimStatus.RETURNED)
    author = revision.author
    if open_assignment(session, claim) is None and author.is_active:
        session.add(
            Assignment(
                claim_id=claim.id,
                assignee_id=author.id,
                assigned_by_id=actor.id,
                assigned_at=now,
                lease_expires_at=now + timedelta(hours=lease_hours),
            )
        )
    session.flush()
    record(
        session,
        actor=actor,
        action="verdict.return",
        entity_type="claim",
        entity_id=claim.id,
        changes={"status": [ClaimStatus.SUBMITTED, ClaimStatus.RETURNED]},
        extra={"revision": revision.number, "revision_id": revision.id, "comment": comment},
    )
    notify(
        session,
        user=author,
        kind="returned",
        message=f"{actor.display_name} returned your verdict on claim #{claim.id}: {comment}",
        claim=claim,
    )
    return decision


def tell_author(
    session: so.Session,
    claim: Claim,
    revision: VerdictRevision,
    actor: User,
    kind: str,
    message: str,
) -> None:
    """Tell the revision's author about a decision on their work, unless they made it."""
    if revision.author_id != actor.id:
        notify(session, user=revision.author, kind=kind, message=message, claim=claim)
