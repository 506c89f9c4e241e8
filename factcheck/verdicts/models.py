"""Rating scales, verdict revisions (append-only) and their evidence sources."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.db import Base, enum_check, listen_once, utcnow

if TYPE_CHECKING:
    from factcheck.auth.models import User

RATING_BUCKETS = ("true", "false", "mixed", "other")
SUMMARY_MAX = 280
# Between evidence addresses in VerdictRevision.evidence_urls and in the CSV export.
EVIDENCE_SEPARATOR = " | "


class RatingScale(Base):
    """A named scale of ratings, e.g. the default five-point truth scale."""

    __tablename__ = "rating_scales"
    __table_args__ = (
        sa.CheckConstraint("min_value < max_value", name="range_valid"),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_present"),
        # Exactly one scale may be the default.
        sa.Index(
            "uq_rating_scales_default",
            "is_default",
            unique=True,
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100), unique=True)
    description: so.Mapped[str | None] = so.mapped_column(sa.Text)
    min_value: so.Mapped[float]
    max_value: so.Mapped[float]
    is_default: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    ratings: so.Mapped[list[Rating]] = so.relationship(
        back_populates="scale", order_by="Rating.position"
    )

    def __repr__(self) -> str:
        return f"<RatingScale id={self.id!r} name={self.name!r}>"


class Rating(Base):
    """One rating on a scale; ratings off the numeric range (Misleading) have no value."""

    __tablename__ = "ratings"
    __table_args__ = (
        sa.UniqueConstraint("scale_id", "label"),
        enum_check("bucket", RATING_BUCKETS, "bucket_valid"),
        sa.CheckConstraint("length(trim(label)) > 0", name="label_present"),
        sa.CheckConstraint(
            "colour IS NULL OR (length(colour) = 7 AND substr(colour, 1, 1) = '#')",
            name="colour_hex",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    scale_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("rating_scales.id", ondelete="CASCADE")
    )
    label: so.Mapped[str] = so.mapped_column(sa.String(60))
    # Position on the scale's [min_value, max_value]; None for off-scale ratings.
    value: so.Mapped[float | None]
    definition: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    colour: so.Mapped[str | None] = so.mapped_column(sa.String(7))
    bucket: so.Mapped[str] = so.mapped_column(sa.String(10))
    position: so.Mapped[int] = so.mapped_column(default=0)
    is_active: so.Mapped[bool] = so.mapped_column(default=True)

    scale: so.Mapped[RatingScale] = so.relationship(back_populates="ratings")

    def __repr__(self) -> str:
        return f"<Rating id={self.id!r} label={self.label!r}>"


class VerdictRevision(Base):
    """One saved state of a claim's verdict. Rows are only ever added, never edited.

    Revisions of a claim are numbered 1, 2, 3...; `parent_id` points at the revision
    the author started from, and a unique parent keeps the history one linear chain.
    """

    __tablename__ = "verdict_revisions"
    __table_args__ = (
        sa.UniqueConstraint("claim_id", "number"),
        sa.UniqueConstraint("parent_id"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint("(number = 1) = (parent_id IS NULL)", name="first_has_no_parent"),
        sa.CheckConstraint(
            f"summary IS NULL OR length(summary) <= {SUMMARY_MAX}", name="summary_length"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    claim_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("claims.id", ondelete="CASCADE"))
    number: so.Mapped[int]
    parent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("verdict_revisions.id"))
    rating_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("ratings.id"))
    # The short conclusion (ClaimReview ratingExplanation) and the full write-up.
    summary: so.Mapped[str | None] = so.mapped_column(sa.Text)
    explanation: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # Snapshot of the claim's editable fields as this revision saw them.
    claim_text: so.Mapped[str] = so.mapped_column(sa.Text)
    claimant_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    claimant_role: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    claimed_on: so.Mapped[date | None]
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    # The evidence addresses joined with " | ", in position order: written with the
    # (immutable) revision so the export reads one column instead of aggregating.
    evidence_urls: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Set once, when the author sends this revision to an editor.
    submitted_at: so.Mapped[datetime | None]

    rating: so.Mapped[Rating | None] = so.relationship()
    author: so.Mapped[User] = so.relationship()
    evidence: so.Mapped[list[EvidenceSource]] = so.relationship(
        back_populates="revision", order_by="EvidenceSource.position", cascade="all"
    )

    def __repr__(self) -> str:
        return f"<VerdictRevision id={self.id!r} claim_id={self.claim_id!r} n={self.number!r}>"


class EvidenceSource(Base):
    """A source cited by a verdict revision."""

    __tablename__ = "evidence_sources"
    __table_args__ = (
        sa.UniqueConstraint("revision_id", "position"),
        sa.CheckConstraint("url LIKE 'http://%' OR url LIKE 'https://%'", name="url_http"),
        sa.CheckConstraint(
            "archived_url IS NULL OR archived_url LIKE 'http://%' OR archived_url LIKE 'https://%'",
            name="archived_url_http",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    revision_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("verdict_revisions.id", ondelete="CASCADE")
    )
    position: so.Mapped[int] = so.mapped_column(default=0)
    url: so.Mapped[str] = so.mapped_column(sa.String(2048))
    title: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    publisher: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    accessed_on: so.Mapped[date | None]
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    archived_url: so.Mapped[str | None] = so.mapped_column(sa.String(2048))

    revision: so.Mapped[VerdictRevision] = so.relationship(back_populates="evidence")


class RevisionImmutable(RuntimeError):
    """Raised when code tries to change a saved verdict revision or its evidence."""


def _revision_append_only(mapper, connection, target) -> None:  # noqa: ANN001
    # The one change allowed: stamping submitted_at, once, when the author submits.
    state = sa.inspect(target)
    changed = {
        attr.key
        for attr in state.attrs
        if attr.key not in ("rating", "author", "evidence") and attr.history.has_changes()
    }
    submitted = state.attrs.submitted_at.history
    resubmitted = any(value is not None for value in submitted.deleted)
    if changed - {"submitted_at"} or resubmitted:
        raise RevisionImmutable("verdict revisions are append-only")


def _refuse_change(mapper, connection, target) -> None:  # noqa: ANN001
    raise RevisionImmutable("verdict revisions and their evidence are append-only")


def register_guards() -> None:
    """Make saved revisions and their evidence append-only in the ORM (idempotent)."""
    listen_once(VerdictRevision, "before_update", _revision_append_only)
    listen_once(VerdictRevision, "before_delete", _refuse_change)
    listen_once(EvidenceSource, "before_delete", _refuse_change)
    listen_once(EvidenceSource, "before_update", _refuse_change)
