"""Publishing an approved verdict as the claim's public ruling, and retracting a
published ruling (the record stays, marked retracted, with the reason).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.lifecycle import ClaimStatus, change_status
from factcheck.claims.models import Claim
from factcheck.editorial.approval import clean_comment, tell_author
from factcheck.editorial.corrections import close_proposal
from factcheck.editorial.lookups import last_approval, pending_correction, ruling_of
from factcheck.editorial.models import Ruling
from factcheck.errors import Conflict
from factcheck.verdicts.services import lock_claim


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
    tell_author(
        session,
        claim,
        approval.revision,
        actor,
        "published",
        f"{actor.display_name} published the ruling on claim #{claim.id}.",
    )
    return ruling


def retract(session: so.Session, claim: Claim, *, note: str, actor: User, now: datetime) -> Ruling:
    """Withdraw a published ruling; the record stays, marked retracted, with the reason."""
    ensure_role(actor, Role.EDITOR)
    lock_claim(session, claim)  # not while a correction of it is being approved
    if claim.status != ClaimStatus.PUBLISHED:
        raise Conflict("Only published rulings can be retracted.")
    ruling = ruling_of(session, claim)
    if ruling is None or ruling.status != "published":
        raise Conflict("This claim has no published ruling to retract.")
    note = clean_comment(note, required=True, what="a retraction note for readers")
    ruling.status = "retracted"
    ruling.retracted_at = now
    ruling.retraction_note = note
    ruling.updated_at = now
    change_status(claim, ClaimStatus.RETRACTED)
    if (waiting := pending_correction(session, claim)) is not None:
        close_proposal(waiting, "declined", actor=actor, now=now)  # nothing left to correct
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
    tell_author(
        session,
        claim,
        ruling.decision.revision,
        actor,
        "retracted",
        f"{actor.display_name} retracted the ruling on claim #{claim.id}: {note}",
    )
    return ruling
