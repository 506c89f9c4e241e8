"""Editors' decisions: approve or return a submitted revision, publish, correct, retract."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.lifecycle import ClaimStatus, change_status
from factcheck.claims.models import Claim
from factcheck.editorial.models import Correction, CorrectionProposal, EditorialDecision, Ruling
from factcheck.errors import Conflict, InvalidInput, PermissionDenied
from factcheck.notifications.services import notify, notify_editors
from factcheck.review.models import Assignment
from factcheck.review.queries import open_assignment
from factcheck.verdicts.inputs import VerdictInput, check_submittable, clean_verdict
from factcheck.verdicts.models import VerdictRevision
from factcheck.verdicts.ratings import active_ratings
from factcheck.verdicts.services import (
    StaleVerdict,
    append_revision,
    claim_fields,
    latest_revision,
    lock_claim,
    record_claim_edit,
    set_claim_fields,
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
            # The pages list each decision's revision and editor: loaded with it.
            .options(
                so.contains_eager(EditorialDecision.revision),
                so.selectinload(EditorialDecision.editor),
            )
            .order_by(EditorialDecision.decided_at, EditorialDecision.id)
        )
    )


def revisions_since_approval(session: so.Session, claim: Claim) -> list[VerdictRevision]:
    """The claim's revisions newer than its last approved one (all of them if none), in order."""
    approval = last_approval(session, claim)
    query = sa.select(VerdictRevision).where(VerdictRevision.claim_id == claim.id)
    if approval is not None:
        query = query.where(VerdictRevision.number > approval.revision.number)
    return list(session.scalars(query.order_by(VerdictRevision.number)))


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
    comment = _comment(comment, required=False, what="a comment")
    decision = EditorialDecision(
        revision_id=revision.id,
        decision="approved",
        editor_id=actor.id,
        comment=comment,
        decided_at=now,
    )
    session.add(decision)
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
    comment = _comment(comment, required=True, what="a comment saying what to fix")
    decision = EditorialDecision(
        revision_id=revision.id,
        decision="returned",
        editor_id=actor.id,
        comment=comment,
        decided_at=now,
    )
    session.add(decision)
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


def ruling_of(session: so.Session, claim: Claim) -> Ruling | None:
    """The claim's published (or retracted) ruling, if it has one."""
    return session.scalar(sa.select(Ruling).where(Ruling.claim_id == claim.id))


def publish(session: so.Session, claim: Claim, *, actor: User, now: datetime) -> Ruling:
    """Make the approved verdict the public ruling on the claim."""
    ensure_role(actor, Role.EDITOR)
    if claim.status != ClaimStatus.APPROVED:
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
    change_status(claim, ClaimStatus.PUBLISHED)
    session.flush()
    record(
        session,
        actor=actor,
        action="ruling.publish",
        entity_type="claim",
        entity_id=claim.id,
        changes={"status": [ClaimStatus.APPROVED, ClaimStatus.PUBLISHED]},
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


PROPOSE_CORRECTION = "ruling.correction_propose"


def pending_correction(session: so.Session, claim: Claim) -> CorrectionProposal | None:
    """The rating-changing correction waiting for a second editor on the claim, if any."""
    return session.scalar(
        sa.select(CorrectionProposal).where(
            CorrectionProposal.claim_id == claim.id, CorrectionProposal.decided_at.is_(None)
        )
    )


def waiting_message(waiting: CorrectionProposal) -> str:
    return (
        f"A correction by {waiting.proposed_by.display_name} that changes the rating is "
        "waiting for a second editor; approve or decline it first."
    )


def correct(
    session: so.Session,
    claim: Claim,
    data: VerdictInput,
    *,
    note: str,
    base_revision_id: int,
    actor: User,
    now: datetime,
    allow_one_step: bool = False,
) -> Correction | CorrectionProposal:
    """An editor corrects a published ruling: a new revision and a public note.

    A correction that keeps the rating is published at once. One that changes the
    rating waits for a second editor (approve_correction), unless `allow_one_step`
    (the ALLOW_ONE_STEP_CORRECTIONS setting); the published ruling stays as it was.
    """
    ensure_role(actor, Role.EDITOR)
    if claim.status != ClaimStatus.PUBLISHED:
        raise Conflict("Only published rulings can be corrected.")
    ruling = ruling_of(session, claim)
    if ruling is None or ruling.status != "published":
        raise Conflict("This claim has no published ruling to correct.")
    if (waiting := pending_correction(session, claim)) is not None:
        raise Conflict(waiting_message(waiting))
    note = _comment(note, required=True, what="a correction note for readers")
    data = clean_verdict(data, now.date(), ratings=active_ratings(session))
    published = ruling.decision.revision
    claim_type_before = claim.claim_type
    revision = append_revision(
        session, claim, data, actor=actor, base_revision_id=base_revision_id, now=now
    )
    check_submittable(revision)
    revision.submitted_at = now
    if revision.rating_id == published.rating_id or allow_one_step:
        return _publish_correction(
            session, claim, ruling, revision, note=note, author=actor, actor=actor, now=now
        )
    session.flush()
    old_rating = published.rating.label if published.rating else None
    new_rating = revision.rating.label if revision.rating else None
    record(
        session,
        actor=actor,
        action=PROPOSE_CORRECTION,
        entity_type="claim",
        entity_id=claim.id,
        changes={"rating": [old_rating, new_rating]},
        extra={"revision": revision.number, "revision_id": revision.id, "note": note},
    )
    notify_editors(
        session,
        kind="correction",
        message=(
            f"{actor.display_name} proposed a correction to the ruling on claim #{claim.id} "
            f"that changes the rating from {old_rating} to {new_rating}; another editor must "
            f"approve it: {note}"
        ),
        claim=claim,
        exclude=(actor.id,),
    )
    proposal = CorrectionProposal(
        claim_id=claim.id,
        revision_id=revision.id,
        note=note,
        proposed_by_id=actor.id,
        proposed_at=now,
        previous_claim_type=claim_type_before,
    )
    try:
        with session.begin_nested():
            session.add(proposal)
            session.flush()
    except sa_exc.IntegrityError as exc:  # another editor proposed one a moment ago
        raise Conflict("Another correction was proposed a moment ago; reload the page.") from exc
    return proposal


def _publish_correction(
    session: so.Session,
    claim: Claim,
    ruling: Ruling,
    revision: VerdictRevision,
    *,
    note: str,
    author: User,
    actor: User,
    now: datetime,
) -> Correction:
    """Approve the corrected revision and show it as the ruling, with the public note."""
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
        created_by_id=author.id,
        created_at=now,
    )
    session.add(correction)
    session.flush()
    extra = {"revision": revision.number, "revision_id": revision.id, "note": note}
    if author.id != actor.id:
        extra["proposed_by_id"] = author.id
    record(
        session,
        actor=actor,
        action="ruling.correct",
        entity_type="claim",
        entity_id=claim.id,
        changes={"ruling_decision_id": [previous, decision.id]},
        extra=extra,
    )
    first = session.get(EditorialDecision, previous)
    if first is not None and first.revision.author_id != author.id:
        _tell_author(
            session,
            claim,
            first.revision,
            actor,
            "corrected",
            f"{actor.display_name} corrected the ruling on claim #{claim.id}: {note}",
        )
    if author.id != actor.id:
        notify(
            session,
            user=author,
            kind="corrected",
            message=(
                f"{actor.display_name} approved your correction; it is published on "
                f"claim #{claim.id}."
            ),
            claim=claim,
        )
    return correction


def _the_pending(session: so.Session, claim: Claim, revision_id: int) -> CorrectionProposal:
    # Two editors deciding at once: the second waits here, then finds it decided.
    lock_claim(session, claim)
    ruling = ruling_of(session, claim)
    if claim.status != ClaimStatus.PUBLISHED or ruling is None or ruling.status != "published":
        raise Conflict("This ruling is no longer published; the correction cannot go ahead.")
    waiting = pending_correction(session, claim)
    if waiting is None:
        raise Conflict("No correction is waiting for approval on this claim.")
    if waiting.revision.id != revision_id:
        raise StaleVerdict(waiting.revision)
    return waiting


def approve_correction(
    session: so.Session, claim: Claim, *, revision_id: int, actor: User, now: datetime
) -> Correction:
    """A second editor approves a rating-changing correction; it is published at once."""
    ensure_role(actor, Role.EDITOR)
    waiting = _the_pending(session, claim, revision_id)
    # Declined proposals are closed: only the one waiting counts.
    if problem := second_editor_problem(session, claim, actor, [waiting.revision]):
        raise PermissionDenied(problem)
    ruling = ruling_of(session, claim)
    correction = _publish_correction(
        session,
        claim,
        ruling,
        waiting.revision,
        note=waiting.note,
        author=waiting.proposed_by,
        actor=actor,
        now=now,
    )
    _close(waiting, "approved", actor=actor, now=now)
    session.flush()
    return correction


def _close(proposal: CorrectionProposal, outcome: str, *, actor: User, now: datetime) -> None:
    proposal.outcome = outcome
    proposal.decided_by_id = actor.id
    proposal.decided_at = now


def decline_correction(
    session: so.Session,
    claim: Claim,
    *,
    revision_id: int,
    comment: str,
    actor: User,
    now: datetime,
) -> EditorialDecision:
    """Refuse (or, for its author, withdraw) a correction waiting for a second editor.

    The published ruling stays as it was; the claim's fields go back to the published
    revision's. The proposal stays in the history, marked declined.
    """
    ensure_role(actor, Role.EDITOR)
    waiting = _the_pending(session, claim, revision_id)
    comment = _comment(comment, required=True, what="a reason for declining")
    decision = EditorialDecision(
        revision_id=waiting.revision.id,
        decision="returned",
        editor_id=actor.id,
        comment=comment,
        decided_at=now,
    )
    session.add(decision)
    _close(waiting, "declined", actor=actor, now=now)
    published = ruling_of(session, claim).decision.revision
    before = claim_fields(claim)
    set_claim_fields(
        claim,
        text=published.claim_text,
        claimant_name=published.claimant_name,
        claimant_role=published.claimant_role,
        claimed_on=published.claimed_on,
        claim_type=waiting.previous_claim_type,
    )
    session.flush()
    record_claim_edit(session, claim, before, actor=actor, revision_number=published.number)
    record(
        session,
        actor=actor,
        action="ruling.correction_decline",
        entity_type="claim",
        entity_id=claim.id,
        extra={
            "revision": waiting.revision.number,
            "revision_id": waiting.revision.id,
            "comment": comment,
        },
    )
    if waiting.proposed_by.id != actor.id:
        notify(
            session,
            user=waiting.proposed_by,
            kind="correction",
            message=(
                f"{actor.display_name} declined your correction to the ruling on claim "
                f"#{claim.id}: {comment}"
            ),
            claim=claim,
        )
    return decision


def retract(session: so.Session, claim: Claim, *, note: str, actor: User, now: datetime) -> Ruling:
    """Withdraw a published ruling; the record stays, marked retracted, with the reason."""
    ensure_role(actor, Role.EDITOR)
    lock_claim(session, claim)  # not while a correction of it is being approved
    if claim.status != ClaimStatus.PUBLISHED:
        raise Conflict("Only published rulings can be retracted.")
    ruling = ruling_of(session, claim)
    if ruling is None or ruling.status != "published":
        raise Conflict("This claim has no published ruling to retract.")
    note = _comment(note, required=True, what="a retraction note for readers")
    ruling.status = "retracted"
    ruling.retracted_at = now
    ruling.retraction_note = note
    ruling.updated_at = now
    change_status(claim, ClaimStatus.RETRACTED)
    if (waiting := pending_correction(session, claim)) is not None:
        _close(waiting, "declined", actor=actor, now=now)  # nothing left to correct
    session.flush()
    record(
        session,
        actor=actor,
        action="ruling.retract",
        entity_type="claim",
        entity_id=claim.id,
        changes={"status": [ClaimStatus.PUBLISHED, ClaimStatus.RETRACTED]},
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
