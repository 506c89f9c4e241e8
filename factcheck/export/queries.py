"""The export queries: one SELECT per export (a CSV's columns in order, the ClaimReview
feed's rows), and the people the export page filters by.

Which rulings an export holds is editorial.queries.matching(), the selection the API's
list of rulings and the ClaimReview feed use too; this module adds the CSV's columns. The
same on SQLite and PostgreSQL, walking the rulings in publication order with
primary-key joins only: what would need an aggregate per row is stored when it comes to
exist (the claim's flagging score, the ruling's fact-checker, a revision's evidence
addresses). Correction notes, rare, are aggregated only for rulings that have some.
services.py turns the values into cells (spreadsheet-safe text, ISO 8601 times).
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.auth.models import User
from factcheck.claims.models import Claim, Sentence, SentenceScore, claim_sentences
from factcheck.editorial.models import Correction, EditorialDecision, Ruling
from factcheck.editorial.queries import RulingFilters, matching
from factcheck.sources.models import Article, Outlet
from factcheck.verdicts.models import (
    EVIDENCE_SEPARATOR,
    EvidenceSource,
    Rating,
    RatingScale,
    VerdictRevision,
)


def _ruling_url(prefix: str, claim_id: sa.ColumnElement) -> sa.ColumnElement:
    return sa.literal(prefix, sa.String) + sa.cast(claim_id, sa.String)


def _correction_notes() -> sa.ColumnElement:
    """The ruling's correction notes joined with " | ", oldest first.

    The notes are aggregated over an ordered derived table, which keeps their order on
    SQLite (no ORDER BY inside group_concat before 3.44) and PostgreSQL alike; the EXISTS
    probe skips the aggregate for the many rulings never corrected.
    """
    ordered = (
        sa.select(Correction.note)
        .where(Correction.ruling_id == Ruling.id)
        .order_by(Correction.created_at, Correction.id)
        .correlate(Ruling)
        .subquery()
    )
    notes = sa.select(
        sa.func.aggregate_strings(ordered.c.note, EVIDENCE_SEPARATOR)
    ).scalar_subquery()
    has_any = sa.exists().where(Correction.ruling_id == Ruling.id)
    return sa.case((has_any, notes), else_=sa.null())


def rulings_query(filters: RulingFilters, base_url: str) -> sa.Select:
    """One row per ruling, in RULING_COLUMNS order, oldest publication first."""
    editor = so.aliased(User)
    checker = so.aliased(User)
    prefix = base_url.rstrip("/") + "/rulings/"
    query = sa.select(
        Ruling.id,
        Ruling.status,
        Claim.id,
        VerdictRevision.claim_text,
        VerdictRevision.claimant_name,
        VerdictRevision.claimant_role,
        VerdictRevision.claimed_on,
        Article.title,
        Article.url,
        Outlet.name,
        Sentence.text,
        SentenceScore.score,
        SentenceScore.model_name + " " + SentenceScore.model_version,
        Rating.label,
        Rating.value,
        RatingScale.min_value,
        RatingScale.max_value,
        VerdictRevision.summary,
        VerdictRevision.explanation,
        VerdictRevision.evidence_urls,
        checker.display_name,
        editor.display_name,
        EditorialDecision.decided_at,
        Ruling.published_at,
        Ruling.updated_at,
        _correction_notes(),
        _ruling_url(prefix, Claim.id),
    )
    return (
        matching(query, filters)
        .join(editor, editor.id == EditorialDecision.editor_id)
        .join(checker, checker.id == Ruling.fact_checker_id)
        .outerjoin(Rating, Rating.id == VerdictRevision.rating_id)
        .outerjoin(RatingScale, RatingScale.id == Rating.scale_id)
        .outerjoin(Outlet, Outlet.id == Article.outlet_id)
        .outerjoin(SentenceScore, SentenceScore.id == Claim.score_id)
        .outerjoin(Sentence, Sentence.id == SentenceScore.sentence_id)
        .order_by(Ruling.published_at, Ruling.id)
    )


def evidence_query(filters: RulingFilters, base_url: str) -> sa.Select:
    """One row per evidence source of each exported ruling's current revision."""
    prefix = base_url.rstrip("/") + "/rulings/"
    query = sa.select(
        Ruling.id,
        Claim.id,
        EvidenceSource.position,
        EvidenceSource.url,
        EvidenceSource.title,
        EvidenceSource.publisher,
        EvidenceSource.accessed_on,
        EvidenceSource.note,
        _ruling_url(prefix, Claim.id),
    )
    return (
        matching(query, filters)
        .join(EvidenceSource, EvidenceSource.revision_id == VerdictRevision.id)
        .order_by(Ruling.published_at, Ruling.id, EvidenceSource.position)
    )


def claim_review_query(filters: RulingFilters) -> sa.Select:
    """(ruling, revision shown, claim, article) of each ruling the filters select, oldest
    publication first, with what a ClaimReview shows beyond them (the rating and its
    scale, the outlet, the corrections) loaded a statement per batch, not per ruling."""
    return (
        matching(sa.select(Ruling, VerdictRevision, Claim, Article), filters)
        .order_by(Ruling.published_at, Ruling.id)
        .options(
            so.selectinload(VerdictRevision.rating).selectinload(Rating.scale),
            so.selectinload(Article.outlet),
            so.selectinload(Ruling.corrections),
        )
    )


def appearances(session: so.Session, claim_ids: Collection[int]) -> dict[int, list[Article]]:
    """Every article each claim appeared in, earliest first: its own, those of its source
    sentences (repeats found word for word or linked by matching add theirs), and those of
    the claims merged into it. Two statements for any number of claims (the ClaimReview
    `appearance` list of a whole feed batch)."""
    ids = list(set(claim_ids))
    if not ids:
        return {}
    own = sa.select(Claim.id.label("claim_id"), Claim.article_id.label("article_id")).where(
        Claim.id.in_(ids), Claim.article_id.is_not(None)
    )
    said = (
        sa.select(claim_sentences.c.claim_id, Sentence.article_id)
        .join(Sentence, Sentence.id == claim_sentences.c.sentence_id)
        .where(claim_sentences.c.claim_id.in_(ids))
    )
    repeats = sa.select(Claim.duplicate_of_id, Claim.article_id).where(
        Claim.duplicate_of_id.in_(ids), Claim.article_id.is_not(None)
    )
    pairs = sa.union(own, said, repeats).subquery()
    rows = session.execute(
        sa.select(pairs.c.claim_id, Article)
        .join(Article, Article.id == pairs.c.article_id)
        .options(
            so.load_only(
                Article.title,
                Article.url,
                Article.published_on,
                Article.language,
                Article.outlet_id,
                Article.ingested_at,
            ),
            so.selectinload(Article.outlet),
        )
    ).all()
    found: dict[int, list[Article]] = {claim_id: [] for claim_id in ids}
    for claim_id, article in rows:
        found[claim_id].append(article)
    for articles in found.values():
        # Publication date, else the day it was ingested.
        articles.sort(key=lambda a: (a.published_on or a.ingested_at.date(), a.id))
    return found
