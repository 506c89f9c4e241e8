"""Editors' decisions on verdict revisions, published rulings and their corrections."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.db import Base, enum_check, utcnow

if TYPE_CHECKING:
    from factcheck.auth.models import User
    from factcheck.claims.models import Claim
    from factcheck.verdicts.models import VerdictRevision

DECISIONS = ("approved", "returned")
RULING_STATUSES = ("published", "retracted")


class EditorialDecision(Base):
    """An editor approving a revision exactly as it stands, or returning it with a comment."""

    __tablename__ = "editorial_decisions"
    __table_args__ = (
        # One decision per revision: approval pins that exact revision.
        sa.UniqueConstraint("revision_id"),
        enum_check("decision", DECISIONS, "decision_valid"),
        sa.CheckConstraint(
            "decision <> 'returned' OR length(trim(comment)) > 0", name="return_has_comment"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    revision_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("verdict_revisions.id"))
    decision: so.Mapped[str] = so.mapped_column(sa.String(10))
    # An approval always names its editor and time (NOT NULL).
    editor_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    comment: so.Mapped[str | None] = so.mapped_column(sa.Text)
    decided_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    revision: so.Mapped[VerdictRevision] = so.relationship()
    editor: so.Mapped[User] = so.relationship()


class Ruling(Base):
    """The published verdict on a claim: at most one per claim, pointing at an approval."""

    __tablename__ = "rulings"
    __table_args__ = (
        sa.UniqueConstraint("claim_id"),
        enum_check("status", RULING_STATUSES, "status_valid"),
        sa.CheckConstraint(
            "(status = 'retracted') = (retracted_at IS NOT NULL)", name="retraction_dated"
        ),
        sa.CheckConstraint(
            "status <> 'retracted' OR length(trim(retraction_note)) > 0",
            name="retraction_has_note",
        ),
        # Export and API order (published_at, id): an index walk, no sort of every ruling.
        sa.Index("ix_rulings_published_at", "published_at", "id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    claim_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("claims.id"))
    # The approval of the revision now shown; corrections move it to a newer approval.
    decision_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("editorial_decisions.id"))
    published_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    # The byline: who wrote the verdict first published (an editor's later correction
    # does not change it).
    fact_checker_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    published_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    status: so.Mapped[str] = so.mapped_column(sa.String(10), default="published")
    retracted_at: so.Mapped[datetime | None]
    retraction_note: so.Mapped[str | None] = so.mapped_column(sa.Text)

    claim: so.Mapped[Claim] = so.relationship()
    decision: so.Mapped[EditorialDecision] = so.relationship()
    corrections: so.Mapped[list[Correction]] = so.relationship(
        back_populates="ruling", order_by="Correction.created_at"
    )


class Correction(Base):
    """A public correction to a ruling, pointing at the approval it published."""

    __tablename__ = "corrections"
    __table_args__ = (sa.CheckConstraint("length(trim(note)) > 0", name="note_present"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    ruling_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rulings.id"), index=True)
    decision_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("editorial_decisions.id"))
    note: so.Mapped[str] = so.mapped_column(sa.Text)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    ruling: so.Mapped[Ruling] = so.relationship(back_populates="corrections")


PROPOSAL_OUTCOMES = ("approved", "declined")


class CorrectionProposal(Base):
    """A correction that changes a published rating, waiting for a second editor.

    The proposed revision is saved (and submitted) like any other; the ruling keeps
    pointing at the published one until another editor approves the proposal. At most one
    proposal per claim is open (undecided) at a time.
    """

    __tablename__ = "correction_proposals"
    __table_args__ = (
        sa.UniqueConstraint("revision_id"),
        sa.Index(
            "uq_correction_proposals_open_claim",
            "claim_id",
            unique=True,
            sqlite_where=sa.text("decided_at IS NULL"),
            postgresql_where=sa.text("decided_at IS NULL"),
        ),
        enum_check("outcome", PROPOSAL_OUTCOMES, "outcome_valid"),
        sa.CheckConstraint(
            "(outcome IS NULL) = (decided_at IS NULL) AND (outcome IS NULL) = "
            "(decided_by_id IS NULL)",
            name="decision_complete",
        ),
        sa.CheckConstraint("length(trim(note)) > 0", name="note_present"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    claim_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"))
    revision_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("verdict_revisions.id"))
    # The public correction note it will be published with.
    note: so.Mapped[str] = so.mapped_column(sa.Text)
    proposed_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    proposed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # The claim's type before the proposal (revisions do not keep it), restored on decline.
    previous_claim_type: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    outcome: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None]

    revision: so.Mapped[VerdictRevision] = so.relationship()
    proposed_by: so.Mapped[User] = so.relationship(foreign_keys=[proposed_by_id])

    def __repr__(self) -> str:
        return (
            f"<CorrectionProposal id={self.id!r} claim_id={self.claim_id!r} "
            f"outcome={self.outcome!r}>"
        )
