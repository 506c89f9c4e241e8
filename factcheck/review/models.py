"""Who is working on which claim, and until when."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.db import Base, utcnow

if TYPE_CHECKING:
    from factcheck.auth.models import User
    from factcheck.claims.models import Claim


class Assignment(Base):
    """A lease on a claim held by one fact-checker; released rows are kept as history."""

    __tablename__ = "assignments"
    __table_args__ = (
        sa.CheckConstraint("lease_expires_at > assigned_at", name="lease_after_assignment"),
        sa.CheckConstraint(
            "released_at IS NULL OR released_at >= assigned_at", name="release_after_assignment"
        ),
        # At most one open assignment per claim: two people never hold the same claim.
        sa.Index(
            "uq_assignments_open_claim",
            "claim_id",
            unique=True,
            sqlite_where=sa.text("released_at IS NULL"),
            postgresql_where=sa.text("released_at IS NULL"),
        ),
        sa.Index("ix_assignments_assignee_open", "assignee_id", "released_at"),
        sa.Index("ix_assignments_lease_expires_at", "lease_expires_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    claim_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"))
    assignee_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    assigned_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    assigned_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    lease_expires_at: so.Mapped[datetime]
    released_at: so.Mapped[datetime | None]
    # Why the lease ended: submitted, released, reassigned, expired.
    release_reason: so.Mapped[str | None] = so.mapped_column(sa.String(20))

    claim: so.Mapped[Claim] = so.relationship()
    assignee: so.Mapped[User] = so.relationship(foreign_keys=[assignee_id])
    assigned_by: so.Mapped[User] = so.relationship(foreign_keys=[assigned_by_id])
