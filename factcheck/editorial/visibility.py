"""Who may read verdicts that are not published.

A verdict is the desk's working material until an editor publishes it: drafts, submitted
and returned revisions, approved ones not yet published, proposed corrections, and the
editors' comments on them. Fact-checkers and editors (the desk) read all of it. Viewers
and admin-only accounts read published rulings only: on the claim page, the revision pages
and in the API they see the revisions a ruling has shown (the one first published and
each published correction), and the claim's timeline without the verdict's working steps.

Two things are deliberately not hidden. The claim itself (its wording, claimant, role, date
and type) is the queue item as the desk currently states it: the desk edits it while
working (a verdict save or a proposed correction may reword it), and every reader of the
queue sees that current wording, as they see the claim in the queue list. The public
ruling page, the exports and ClaimReview use the published revision's wording only. And the
admin audit log (/admin/audit) shows every recorded change in full, drafts included: it is
the installation's record for audits, read by admins, and redacting it would defeat it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.auth.roles import Role
from factcheck.claims.models import Claim
from factcheck.editorial.lookups import ruling_of
from factcheck.editorial.models import EditorialDecision
from factcheck.verdicts.models import VerdictRevision
from factcheck.verdicts.services import revisions

# The roles that read unpublished verdicts (an editor also holds FACT_CHECKER).
DESK = (Role.FACT_CHECKER, Role.EDITOR)
# Audit actions (prefixes) about unpublished verdicts: hidden from readers off the desk.
DRAFT_ACTIONS = ("verdict.", "ruling.correction_")


def sees_drafts(user: Any) -> bool:
    """Whether the user may read unpublished verdicts (None: nobody signed in)."""
    return bool(user is not None and user.is_authenticated and user.has_role(*DESK))


def published_revision_ids(session: so.Session, claim: Claim) -> set[int]:
    """Ids of the claim's revisions that a ruling has shown: the one it was published
    with and each published correction (a retracted ruling keeps its record)."""
    ruling = ruling_of(session, claim)
    if ruling is None:
        return set()
    decision_ids = {ruling.decision_id} | {c.decision_id for c in ruling.corrections}
    if ruling.corrections:
        # Publication took the claim's last approval; every approval after it is a
        # correction's, so the first published one is the last approval of no correction.
        first = session.scalar(
            sa.select(EditorialDecision.id)
            .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
            .where(
                VerdictRevision.claim_id == claim.id,
                EditorialDecision.decision == "approved",
                EditorialDecision.id.not_in(decision_ids),
            )
            .order_by(EditorialDecision.decided_at.desc(), EditorialDecision.id.desc())
            .limit(1)
        )
        if first is not None:
            decision_ids.add(first)
    return set(
        session.scalars(
            sa.select(EditorialDecision.revision_id).where(EditorialDecision.id.in_(decision_ids))
        )
    )


def visible_revisions(session: so.Session, claim: Claim, user: Any) -> list[VerdictRevision]:
    """The claim's revisions this user may read, oldest first."""
    history = revisions(session, claim)
    if sees_drafts(user):
        return history
    shown = published_revision_ids(session, claim)
    return [r for r in history if r.id in shown]


def hidden_actions(user: Any) -> tuple[str, ...]:
    """Audit action prefixes left out of the claim's timeline for this user."""
    return () if sees_drafts(user) else DRAFT_ACTIONS
