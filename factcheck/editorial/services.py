"""Editors' decisions: approve or return a submitted revision, publish, correct, retract."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.claims.models import Claim
from factcheck.editorial.models import Correction, EditorialDecision, Ruling
from factcheck.errors import Conflict, InvalidInput, PermissionDenied
from factcheck.notifications.services import notify
from factcheck.review.models import Assignment
from factcheck.review.services import change_status, open_assignment
from factcheck.security import ensure_role
from factcheck.verdicts.models import VerdictRevision
from factcheck.verdicts.services import (
    StaleVerdict,
    VerdictInput,
    append_revision,
    check_submittable,
    clean_verdict,
    latest_revision,
)

COMMENT_MAX = 5000


def _comment(text: str | None, *, required: bool, what: str) -> str | None:
    text = (text or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"Write {what}.")
        return None
    if len(text) > COMMENT_MAX:
        raise InvalidInput(f"Keep the {what.split()[-1]} under {COMMENT_MAX} characters.")
    return text


def _submitted_revision(session: so.Session, claim: Claim, revision_id: int) -> VerdictRevision:
    if claim.status != "submitted":
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


def last_approval(session: so.Session, claim: Claim) -> EditorialDecision | None:
    return session.scalar(
        sa.select(EditorialDecision)
        .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
        .where(VerdictRevision.claim_id == claim.id, EditorialDecision.decision == "approved")
        .order_by(EditorialDecision.decided_at.desc(), EditorialDecision.id.desc())
        .limit(1)
    )


def decisions(session: so.Session, claim: Claim) -> list[EditorialDecision]:
    """Every decision on the claim's revisions, oldest first."""
    return list(
        session.scalars(
            sa.select(EditorialDecision)
            .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
            .where(VerdictRevision.claim_id == claim.id)
            .order_by(EditorialDecision.decided_at, EditorialDecision.id)
        )
    )


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
    if revision.author_id == actor.id and not allow_self_approval:
        raise PermissionDenied("You wrote this revision; another editor has to approve it.")
    comment = _comment(comment, required=False, what="a comment")
    decision = EditorialDecision(
        revision_id=revision.id,
        decision="approved",
        editor_id=actor.id,
        comment=comment,
        decided_at=now,
    )
    session.add(decision)
    change_status(claim, "approved")
    session.flush()
    record(
        session,
        actor=actor,
        action="verdict.approve",
        entity_type="claim",
        entity_id=claim.id,
        changes={"status": ["submitted", "approved"]},
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
    comment = _comment(comment, required=True, what="a comment saying what to fix")
    decision = EditorialDecision(
        revision_id=revision.id,
        decision="returned",
        editor_id=actor.id,
        comment=comment,
        decided_at=now,
    )
    session.add(decision)
    change_status(claim, "returned")
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
        changes={"status": ["submitted", "returned"]},
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


def ruling_of(session: so.Session, claim: Claim) -> Ruling | None:
    """The claim's published (or retracted) ruling, if it has one."""
    return session.scalar(sa.select(Ruling).where(Ruling.claim_id == claim.id))


def publish(session: so.Session, claim: Claim, *, actor: User, now: datetime) -> Ruling:
    """Make the approved verdict the public ruling on the claim."""
    ensure_role(actor, Role.EDITOR)
    if claim.status != "approved":
        raise Conflict(
            f"This claim is {claim.status.replace('_', ' ')}; only approved verdicts can be "
            "published."
        )
    approval = last_approval(session, claim)
    if approval is None:  # the status says approved; the data must agree
        raise Conflict("This claim has no approved revision.")
    if ruling_of(session, claim) is not None:
        raise Conflict("This claim already has a published ruling; correct it instead.")
    ruling = Ruling(
        claim_id=claim.id,
        decision_id=approval.id,
        published_by_id=actor.id,
        fact_checker_id=approval.revision.author_id,
        published_at=now,
        updated_at=now,
    )
    session.add(ruling)
    change_status(claim, "published")
    session.flush()
    record(
        session,
        actor=actor,
        action="ruling.publish",
        entity_type="claim",
        entity_id=claim.id,
        changes={"status": ["approved", "published"]},
        extra={"ruling_id": ruling.id, "revision_id": approval.revision_id},
    )
    _tell_author(
        session,
        claim,
        approval.revision,
        actor,
        "published",
        f"{actor.display_name} published the ruling on claim #{claim.id}.",
    )
    return ruling


def _tell_author(
    session: so.Session,
    claim: Claim,
    revision: VerdictRevision,
    actor: User,
    kind: str,
    message: str,
) -> None:
    if revision.author_id != actor.id:
        notify(session, user=revision.author, kind=kind, message=message, claim=claim)


def correct(
    session: so.Session,
    claim: Claim,
    data: VerdictInput,
    *,
    note: str,
    base_revision_id: int,
    actor: User,
    now: datetime,
) -> Correction:
    """An editor corrects a published ruling: a new approved revision and a public note."""
    ensure_role(actor, Role.EDITOR)
    if claim.status != "published":
        raise Conflict("Only published rulings can be corrected.")
    ruling = ruling_of(session, claim)
    if ruling is None or ruling.status != "published":
        raise Conflict("This claim has no published ruling to correct.")
    note = _comment(note, required=True, what="a correction note for readers")
    data = clean_verdict(session, data, now.date())
    revision = append_revision(
        session, claim, data, actor=actor, base_revision_id=base_revision_id, now=now
    )
    check_submittable(revision)
    revision.submitted_at = now
    decision = EditorialDecision(
        revision_id=revision.id,
        decision="approved",
        editor_id=actor.id,
        comment=note,
        decided_at=now,
    )
    session.add(decision)
    session.flush()
    previous = ruling.decision_id
    ruling.decision_id = decision.id
    ruling.updated_at = now
    correction = Correction(
        ruling_id=ruling.id,
        decision_id=decision.id,
        note=note,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(correction)
    session.flush()
    record(
        session,
        actor=actor,
        action="ruling.correct",
        entity_type="claim",
        entity_id=claim.id,
        changes={"ruling_decision_id": [previous, decision.id]},
        extra={"revision": revision.number, "revision_id": revision.id, "note": note},
    )
    first = session.get(EditorialDecision, previous)
    if first is not None:
        _tell_author(
            session,
            claim,
            first.revision,
            actor,
            "corrected",
            f"{actor.display_name} corrected the ruling on claim #{claim.id}: {note}",
        )
    return correction


def retract(session: so.Session, claim: Claim, *, note: str, actor: User, now: datetime) -> Ruling:
    """Withdraw a published ruling; the record stays, marked retracted, with the reason."""
    ensure_role(actor, Role.EDITOR)
    if claim.status != "published":
        raise Conflict("Only published rulings can be retracted.")
    ruling = ruling_of(session, claim)
    if ruling is None or ruling.status != "published":
        raise Conflict("This claim has no published ruling to retract.")
    note = _comment(note, required=True, what="a retraction note for readers")
    ruling.status = "retracted"
    ruling.retracted_at = now
    ruling.retraction_note = note
    ruling.updated_at = now
    change_status(claim, "retracted")
    session.flush()
    record(
        session,
        actor=actor,
        action="ruling.retract",
        entity_type="claim",
        entity_id=claim.id,
        changes={"status": ["published", "retracted"]},
        extra={"ruling_id": ruling.id, "note": note},
    )
    _tell_author(
        session,
        claim,
        ruling.decision.revision,
        actor,
        "retracted",
        f"{actor.display_name} retracted the ruling on claim #{claim.id}: {note}",
    )
    return ruling
