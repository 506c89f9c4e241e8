"""Matches between claims (and imported rulings), and rulings imported from elsewhere."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.db import Base, enum_check, utcnow

if TYPE_CHECKING:
    from factcheck.claims.models import Claim

# suggested: shown on the claim page and queue row; linked: the claim was made a repeat
# of the earlier one (automatically at "same claim", or by a person); rejected: a person
# said it is not the same claim (or undid an automatic link), so it is not offered again.
MATCH_STATES = ("suggested", "linked", "rejected")


class ExternalRuling(Base):
    """A fact-check published by another organisation, imported from ClaimReview.

    Kept apart from our own rulings: shown as a match with its publisher, never exported
    as ours. `record_key` (publisher, url and claim reviewed, normalised) makes a
    re-import of the same file update rows instead of duplicating them.
    """

    __tablename__ = "external_rulings"
    __table_args__ = (
        sa.UniqueConstraint("record_key"),
        sa.CheckConstraint("length(trim(claim_reviewed)) > 0", name="claim_present"),
        sa.CheckConstraint("length(trim(publisher_name)) > 0", name="publisher_present"),
        sa.Index("ix_external_rulings_reviewed_on", "reviewed_on"),
        sa.Index("ix_external_rulings_claimant", "claimant"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    record_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    publisher_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    publisher_url: so.Mapped[str | None] = so.mapped_column(sa.String(2000))
    # The fact-check's own page.
    url: so.Mapped[str | None] = so.mapped_column(sa.String(2000))
    claim_reviewed: so.Mapped[str] = so.mapped_column(sa.Text)
    claimant: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    claimed_on: so.Mapped[date | None]
    # reviewRating.alternateName ("False", "Misleading"), and the numeric rating if given.
    rating: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    rating_value: so.Mapped[float | None]
    best_rating: so.Mapped[float | None]
    worst_rating: so.Mapped[float | None]
    reviewed_on: so.Mapped[date | None]
    language: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    # Where the claim appeared (itemReviewed.appearance / firstAppearance), when given.
    appearance_url: so.Mapped[str | None] = so.mapped_column(sa.String(2000))
    # The record as read (JSON), for what the columns above do not hold.
    raw: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    source_file: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    source_line: so.Mapped[int | None]
    imported_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    imported_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # The claim_reviewed text's embedding (little-endian float32), as ClaimEmbedding.
    model_name: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    model_version: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    dimensions: so.Mapped[int | None]
    vector: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)


class ClaimMatch(Base):
    """A claim found similar to an earlier claim or to an imported ruling.

    `claim` is the newer claim; exactly one of `earlier_claim` and `external_ruling` is
    set. Written when the newer claim is stored (or when rulings are imported), so the
    queue and the claim page read matches without computing them.
    """

    __tablename__ = "claim_matches"
    __table_args__ = (
        sa.CheckConstraint(
            "(earlier_claim_id IS NULL) <> (external_ruling_id IS NULL)", name="one_target"
        ),
        sa.CheckConstraint(
            "earlier_claim_id IS NULL OR earlier_claim_id <> claim_id", name="not_self"
        ),
        sa.CheckConstraint("similarity >= -1 AND similarity <= 1", name="similarity_valid"),
        enum_check("state", MATCH_STATES, "state_valid"),
        sa.UniqueConstraint("claim_id", "earlier_claim_id"),
        sa.UniqueConstraint("claim_id", "external_ruling_id"),
        sa.Index("ix_claim_matches_earlier_claim_id", "earlier_claim_id"),
        sa.Index("ix_claim_matches_external_ruling_id", "external_ruling_id"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    claim_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"))
    earlier_claim_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("claims.id", ondelete="CASCADE")
    )
    external_ruling_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("external_rulings.id", ondelete="CASCADE")
    )
    similarity: so.Mapped[float]
    state: so.Mapped[str] = so.mapped_column(sa.String(10), default="suggested")
    # Linked without a person (at or above the "same claim" threshold).
    automatic: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    decided_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: so.Mapped[datetime | None]

    claim: so.Mapped[Claim] = so.relationship(foreign_keys=[claim_id])
    earlier_claim: so.Mapped[Claim | None] = so.relationship(foreign_keys=[earlier_claim_id])
    external_ruling: so.Mapped[ExternalRuling | None] = so.relationship()
