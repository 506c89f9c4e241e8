"""The rulings export on PostgreSQL: one COPY ... TO STDOUT, streamed.

The whole row (correlated subqueries for the sentence, score, evidence, fact-checker and
corrections included) is computed and CSV-encoded by the server; Python only passes the
bytes on. Same columns and cell rules as the portable path in services.py.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql

from factcheck.auth.models import User
from factcheck.claims.models import Claim, Sentence, SentenceScore, claim_sentences
from factcheck.editorial.models import Correction, EditorialDecision, Ruling
from factcheck.export.sql import iso_date, iso_timestamp, safe_text
from factcheck.sources.models import Article, Outlet
from factcheck.verdicts.models import EvidenceSource, Rating, RatingScale, VerdictRevision


def copy_query(filters, base_url: str) -> sa.Select:  # noqa: ANN001
    from factcheck.export.services import apply_filters

    editor = so.aliased(User)
    first_rev = so.aliased(VerdictRevision)
    first_dec = so.aliased(EditorialDecision)
    author = so.aliased(User)
    first_sentence = (
        sa.select(Sentence.id)
        .join(claim_sentences, claim_sentences.c.sentence_id == Sentence.id)
        .where(claim_sentences.c.claim_id == Claim.id)
        .order_by(Sentence.article_id, Sentence.position)
        .limit(1)
        .scalar_subquery()
    )
    latest_score = (
        sa.select(SentenceScore)
        .where(SentenceScore.sentence_id == first_sentence)
        .order_by(SentenceScore.scored_at.desc(), SentenceScore.id.desc())
        .limit(1)
        .subquery()
        .lateral("latest_score")
    )
    evidence = (
        sa.select(sa.func.string_agg(EvidenceSource.url, sa.literal(" | ")))
        .where(EvidenceSource.revision_id == VerdictRevision.id)
        .scalar_subquery()
    )
    corrections = (
        sa.select(sa.func.string_agg(Correction.note, sa.literal(" | ")))
        .where(Correction.ruling_id == Ruling.id)
        .scalar_subquery()
    )
    checker = (
        sa.select(author.display_name)
        .select_from(first_dec)
        .join(first_rev, first_rev.id == first_dec.revision_id)
        .join(author, author.id == first_rev.author_id)
        .where(first_rev.claim_id == Ruling.claim_id, first_dec.decision == "approved")
        .order_by(first_dec.decided_at, first_dec.id)
        .limit(1)
        .scalar_subquery()
    )
    sentence = sa.select(Sentence.text).where(Sentence.id == first_sentence).scalar_subquery()
    prefix = base_url.rstrip("/") + "/rulings/"
    query = (
        sa.select(
            Ruling.id,
            Ruling.status,
            Claim.id,
            safe_text(VerdictRevision.claim_text),
            safe_text(VerdictRevision.claimant_name),
            safe_text(VerdictRevision.claimant_role),
            iso_date(VerdictRevision.claimed_on),
            safe_text(Article.title),
            Article.url,
            safe_text(Outlet.name),
            safe_text(sentence),
            latest_score.c.score,
            latest_score.c.model_name + " " + latest_score.c.model_version,
            safe_text(Rating.label),
            Rating.value,
            RatingScale.min_value,
            RatingScale.max_value,
            safe_text(VerdictRevision.summary),
            safe_text(VerdictRevision.explanation),
            evidence,
            safe_text(checker),
            safe_text(editor.display_name),
            iso_timestamp(EditorialDecision.decided_at),
            iso_timestamp(Ruling.published_at),
            iso_timestamp(Ruling.updated_at),
            safe_text(corrections),
            sa.literal(prefix) + sa.cast(Claim.id, sa.String),
        )
        .select_from(Ruling)
        .join(Claim, Claim.id == Ruling.claim_id)
        .join(EditorialDecision, EditorialDecision.id == Ruling.decision_id)
        .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
        .join(editor, editor.id == EditorialDecision.editor_id)
        .outerjoin(Rating, Rating.id == VerdictRevision.rating_id)
        .outerjoin(RatingScale, RatingScale.id == Rating.scale_id)
        .outerjoin(Article, Article.id == Claim.article_id)
        .outerjoin(Outlet, Outlet.id == Article.outlet_id)
        .outerjoin(latest_score, sa.true())
        .where(Ruling.status.in_(filters.statuses))
        .order_by(Ruling.published_at, Ruling.id)
    )
    return apply_filters(query, filters)


def copy_chunks(session: so.Session, filters, base_url: str) -> Iterator[str]:  # noqa: ANN001
    """The CSV rows (no header) as text chunks, straight from COPY."""
    sql = str(
        copy_query(filters, base_url).compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    raw = session.connection().connection.dbapi_connection
    decoder = codecs.getincrementaldecoder("utf-8")()
    with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
        for data in copy:
            text = decoder.decode(bytes(data))
            if text:
                yield text
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail
