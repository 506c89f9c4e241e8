"""Correcting a published ruling: a correction that keeps the rating is published at once;
one that changes it waits for a second editor, who approves or declines it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.lifecycle import ClaimStatus
from factcheck.claims.models import Claim
from factcheck.editorial.approval import (
    clean_comment,
    decide,
    second_editor_problem,
    tell_author,
)
from factcheck.editorial.lookups import pending_correction, ruling_of
from factcheck.editorial.models import Correction, CorrectionProposal, EditorialDecision, Ruling
from factcheck.errors import Conflict, PermissionDenied
from factcheck.notifications.services import notify, notify_editors
from factcheck.verdicts.inputs import VerdictInput, check_submittable, clean_verdict
from factcheck.verdicts.models import VerdictRevision
from factcheck.verdicts.ratings import active_ratings
from factcheck.verdicts.services import (
    StaleVerdict,
    append_revision,
    claim_fields,
    lock_claim,
    record_claim_edit,
    set_claim_fields,
)

PROPOSE_CORRECTION = "ruling.correction_propose"


def waiting_message(waiting: CorrectionProposal) -> str:
    """Why nothing else can be done with the ruling while a correction waits."""
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
    note = clean_comment(note, required=True, what="a correction note for readers")
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
    decision = decide(session, revision.id, "approved", editor=actor, comment=note, now=now)
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
        tell_author(
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
    close_proposal(waiting, "approved", actor=actor, now=now)
    session.flush()
    return correction


def close_proposal(
    proposal: CorrectionProposal, outcome: str, *, actor: User, now: datetime
) -> None:
    """Mark a waiting correction decided ("approved" or "declined") by the actor."""
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
    comment = clean_comment(comment, required=True, what="a reason for declining")
    decision = decide(
        session, waiting.revision.id, "returned", editor=actor, comment=comment, now=now
    )
    close_proposal(waiting, "declined", actor=actor, now=now)
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
