"""Reads of one claim's editorial record: its ruling, its approvals and the decisions on
its revisions, and the correction waiting for a second editor. Nothing here writes; lists
of rulings across claims are factcheck.editorial.queries.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.claims.models import Claim
from factcheck.editorial.models import CorrectionProposal, EditorialDecision, Ruling
from factcheck.verdicts.models import VerdictRevision


def last_approval(session: so.Session, claim: Claim) -> EditorialDecision | None:
    """The latest approval of one of the claim's revisions, if any."""
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


def ruling_of(session: so.Session, claim: Claim) -> Ruling | None:
    """The claim's published (or retracted) ruling, if it has one."""
    return session.scalar(sa.select(Ruling).where(Ruling.claim_id == claim.id))


def pending_correction(session: so.Session, claim: Claim) -> CorrectionProposal | None:
    """The rating-changing correction waiting for a second editor on the claim, if any."""
    return session.scalar(
        sa.select(CorrectionProposal).where(
            CorrectionProposal.claim_id == claim.id, CorrectionProposal.decided_at.is_(None)
        )
    )
