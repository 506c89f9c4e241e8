"""Sentences of articles, their classifier scores, and the claims drawn from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.claims.statuses import (
    CLAIM_STATUSES,
    OPEN_STATUSES,
    ClaimStatus,
    transition_guard_ddl,
)
from factcheck.db import Base, enum_check, utcnow

if TYPE_CHECKING:
    from factcheck.sources.models import Article

DISMISS_REASONS = ("not_a_claim", "not_check_worthy")
# What a stored sentence is in its document (factcheck.text.structure); only body
# sentences are ever flagged, the others are shown dimmed.
SENTENCE_KINDS = (
    "body",
    "headline",
    "standfirst",
    "subhead",
    "section",
    "byline",
    "dateline",
    "update",
    "caption",
    "credit",
)
# The partial index of the waiting claims (OPEN_STATUSES).
_WAITING = f"status IN ({', '.join(repr(str(s)) for s in OPEN_STATUSES)})"
CLAIM_TYPES = ("numerical", "quote", "causal", "prediction", "comparison", "policy", "other")


class Sentence(Base):
    """One sentence of an article, with its exact character span in the article text."""

    __tablename__ = "sentences"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "position"),
        sa.CheckConstraint("position >= 0", name="position_nonnegative"),
        sa.CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="span_valid"),
        sa.CheckConstraint("length(text) > 0", name="text_present"),
        enum_check("kind", SENTENCE_KINDS, "kind_valid"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    article_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    position: so.Mapped[int]
    kind: so.Mapped[str] = so.mapped_column(sa.String(20), default="body", server_default="body")
    # Who asserts it, as attribution found it (or the transcript speaker); a claim drawn
    # from several sentences lists each of their claimants.
    claimant: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # Paragraph (or speaker turn) number within the article, from 0.
    paragraph: so.Mapped[int] = so.mapped_column(default=0)
    start_offset: so.Mapped[int]
    end_offset: so.Mapped[int]
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    # The speaker of a transcript line ("SPEAKER: text"), when known.
    speaker: so.Mapped[str | None] = so.mapped_column(sa.String(200))

    article: so.Mapped[Article] = so.relationship()
    scores: so.Mapped[list[SentenceScore]] = so.relationship(
        back_populates="sentence", cascade="all, delete-orphan", passive_deletes=True
    )


class SentenceScore(Base):
    """A check-worthiness score given to a sentence by one version of a model."""

    __tablename__ = "sentence_scores"
    __table_args__ = (
        sa.UniqueConstraint("sentence_id", "model_name", "model_version"),
        sa.CheckConstraint("score >= 0 AND score <= 1", name="score_in_unit_interval"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    sentence_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("sentences.id", ondelete="CASCADE")
    )
    score: so.Mapped[float]
    model_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    model_version: so.Mapped[str] = so.mapped_column(sa.String(64))
    scored_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    sentence: so.Mapped[Sentence] = so.relationship(back_populates="scores")


claim_sentences = sa.Table(
    "claim_sentences",
    Base.metadata,
    sa.Column("claim_id", sa.ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("sentence_id", sa.ForeignKey("sentences.id", ondelete="CASCADE"), primary_key=True),
)


class Claim(Base):
    """A check-worthy assertion: normalised text, who claimed it, and where it stands."""

    __tablename__ = "claims"
    __table_args__ = (
        enum_check("status", CLAIM_STATUSES, "status_valid"),
        sa.CheckConstraint(
            f"dismiss_reason IS NULL OR dismiss_reason IN "
            f"({', '.join(repr(r) for r in DISMISS_REASONS)})",
            name="dismiss_reason_valid",
        ),
        sa.CheckConstraint(
            f"claim_type IS NULL OR claim_type IN ({', '.join(repr(t) for t in CLAIM_TYPES)})",
            name="claim_type_valid",
        ),
        sa.CheckConstraint(
            f"(status = '{ClaimStatus.DISMISSED}') = (dismiss_reason IS NOT NULL)",
            name="dismissed_has_reason",
        ),
        sa.CheckConstraint(
            f"(status = '{ClaimStatus.MERGED}') = (duplicate_of_id IS NOT NULL)",
            name="merged_has_target",
        ),
        sa.CheckConstraint(
            "duplicate_of_id IS NULL OR duplicate_of_id <> id", name="not_duplicate_of_self"
        ),
        sa.CheckConstraint("length(trim(text)) > 0", name="text_present"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 1)", name="score_valid"),
        # Queue order: highest priority first, id breaks ties (keyset pagination).
        sa.Index("ix_claims_status_priority", "status", "priority", "id"),
        sa.Index("ix_claims_created_at", "created_at"),
        # The default queue (waiting claims by priority): a partial index keeps its pages
        # index-only walks however many claims are closed (bench/bench_queue.py).
        sa.Index(
            "ix_claims_waiting_priority",
            "priority",
            "id",
            sqlite_where=sa.text(_WAITING),
            postgresql_where=sa.text(_WAITING),
        ),
        # Full-text search over claim text (PostgreSQL; SQLite matches words with LIKE).
        sa.Index(
            "ix_claims_text_search",
            sa.text("to_tsvector('english', text)"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    claimant_name: so.Mapped[str | None] = so.mapped_column(sa.String(200), index=True)
    claimant_role: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    claimed_on: so.Mapped[date | None]
    # "claimed", "said", "according to"... as found in the text; None when unattributed.
    reporting_verb: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    # The source hedged the claim ("allegedly", "reportedly").
    hedged: so.Mapped[bool] = so.mapped_column(default=False)
    # The article it was first found in (a claim may later be linked to several).
    article_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    # Who created it: None when the classifier flagged it, else the person who promoted it.
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # Normalised words of the text: finds the same claim repeated in other articles.
    text_key: so.Mapped[str | None] = so.mapped_column(sa.String(64), index=True)
    # How many articles carry this claim (boosts priority).
    article_count: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    status: so.Mapped[str] = so.mapped_column(sa.String(20), default=ClaimStatus.NEW.value)
    # The classifier's score of the source sentence, and the derived queue priority.
    score: so.Mapped[float | None]
    # The sentence score that flagged it (or, for a promoted sentence, the score it had):
    # its sentence is the claim's source sentence, its model the model that flagged it.
    # Set once when the claim is made; the export and API read the sentence through it.
    score_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("sentence_scores.id", ondelete="SET NULL")
    )
    priority: so.Mapped[float] = so.mapped_column(default=0.0)
    # Why the model flagged it, in a few words ("allegation by NAME", "statistic").
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    claim_type: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    dismiss_reason: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    dismiss_note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    duplicate_of_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("claims.id"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic locking: every UPDATE checks and bumps it.
    version: so.Mapped[int] = so.mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    sentences: so.Mapped[list[Sentence]] = so.relationship(
        secondary=claim_sentences, order_by="Sentence.position"
    )
    article: so.Mapped[Article | None] = so.relationship()
    flag_score: so.Mapped[SentenceScore | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<Claim id={self.id!r} status={self.status!r}>"

    @property
    def claimants(self) -> list[str]:
        """Everyone its source sentences attribute it to, first mention first."""
        names = [self.claimant_name] if self.claimant_name else []
        for sentence in self.sentences:
            if sentence.claimant and sentence.claimant not in names:
                names.append(sentence.claimant)
        return names


class ClaimEmbedding(Base):
    """A claim's sentence embedding (float32 bytes) and the model that made it.

    Written in the scoring pass; claims of one article that embed alike were merged into
    one then, and matching across articles can compare against these without re-encoding.
    """

    __tablename__ = "claim_embeddings"

    claim_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    model_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    model_version: so.Mapped[str] = so.mapped_column(sa.String(64))
    dimensions: so.Mapped[int]
    vector: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    claim: so.Mapped[Claim] = so.relationship()


# The trigger is part of the table's schema (create_all makes it, as the migrations do),
# so it is declared with the table rather than registered by create_app.
@sa.event.listens_for(Claim.__table__, "after_create")
def _create_transition_guard(target, connection, **kw) -> None:  # noqa: ANN001
    for statement in transition_guard_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)
