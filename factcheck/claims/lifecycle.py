"""The claim lifecycle: its statuses, the changes allowed between them, the loader.

Every feature that moves a claim (review, verdicts, editorial) imports from here; this
module imports no feature. The transition table is also enforced by a database trigger
generated from it (factcheck.claims.statuses.transition_guard_ddl).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.claims.models import Claim
from factcheck.claims.statuses import (
    CLAIM_STATUSES,
    CLAIM_TRANSITIONS,
    OPEN_STATUSES,
    TAKEABLE_STATUSES,
    WORKABLE_STATUSES,
    ClaimStatus,
    drop_transition_guard_ddl,
    may_become,
    transition_guard_ddl,
)
from factcheck.errors import Conflict, NotFound

__all__ = [
    "CLAIM_STATUSES",
    "CLAIM_TRANSITIONS",
    "OPEN_STATUSES",
    "TAKEABLE_STATUSES",
    "WORKABLE_STATUSES",
    "ClaimStatus",
    "change_status",
    "drop_transition_guard_ddl",
    "get_claim",
    "may_become",
    "transition_guard_ddl",
]


def get_claim(session: so.Session, claim_id: int, *, for_update: bool = False) -> Claim:
    """Return the claim or raise NotFound; on PostgreSQL optionally lock its row."""
    query = sa.select(Claim).where(Claim.id == claim_id)
    if for_update:
        query = query.with_for_update()
    claim = session.scalar(query)
    if claim is None:
        raise NotFound("There is no such claim.")
    return claim


def change_status(claim: Claim, new: ClaimStatus) -> None:
    """Move a claim to a new status, refusing what CLAIM_TRANSITIONS does not allow."""
    if new == claim.status:
        return
    if not may_become(claim.status, new):
        raise Conflict(
            f"A claim that is {claim.status.replace('_', ' ')} cannot become "
            f"{new.replace('_', ' ')}."
        )
    claim.status = new
