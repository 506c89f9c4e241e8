"""The reads behind the desk's pages, a fixed number of statements per page however many
sentences, claims or revisions it shows (tests/integration/test_query_counts.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.auth.models import User
from factcheck.claims.lifecycle import ClaimStatus
from factcheck.claims.models import Claim, Sentence, SentenceScore, claim_sentences
from factcheck.sources.models import Article
from factcheck.verdicts.models import VerdictRevision

# (model name, model version) of the score shown beside a sentence, with the score.
ScoreShown = tuple[float, str, str]


class Context(NamedTuple):
    """One of a claim's sentences with its neighbours and its latest score."""

    sentence: Sentence
    neighbours: list[Sentence]
    score: SentenceScore | None


def _latest_scores(session: so.Session, where: sa.ColumnElement[bool]) -> dict[int, SentenceScore]:
    """The latest score of each sentence that `where` selects (one statement)."""
    latest: dict[int, SentenceScore] = {}
    for score in session.scalars(
        sa.select(SentenceScore)
        .join(Sentence, Sentence.id == SentenceScore.sentence_id)
        .where(where)
        .order_by(SentenceScore.scored_at, SentenceScore.id)
    ):
        latest[score.sentence_id] = score
    return latest


def claim_contexts(session: so.Session, claim: Claim) -> list[Context]:
    """Each sentence of the claim with the sentence before and after it, and its latest
    score: three statements in all (sentences, neighbours, scores), not two per sentence."""
    sentences = list(claim.sentences)
    if not sentences:
        return []
    near = sa.or_(
        *(
            sa.and_(
                Sentence.article_id == s.article_id,
                Sentence.position.between(s.position - 1, s.position + 1),
            )
            for s in sentences
        )
    )
    around = session.scalars(
        sa.select(Sentence).where(near).order_by(Sentence.article_id, Sentence.position)
    ).all()
    scores = _latest_scores(session, Sentence.id.in_([s.id for s in sentences]))
    return [
        Context(
            s,
            [
                n
                for n in around
                if n.article_id == s.article_id and abs(n.position - s.position) <= 1
            ],
            scores.get(s.id),
        )
        for s in sentences
    ]


def waiting_for_editor(session: so.Session, author: User) -> Sequence[Claim]:
    """Claims submitted with a verdict revision by `author`, newest change first."""
    return session.scalars(
        sa.select(Claim)
        .where(
            Claim.status == ClaimStatus.SUBMITTED,
            Claim.id.in_(
                sa.select(VerdictRevision.claim_id).where(VerdictRevision.author_id == author.id)
            ),
        )
        .order_by(Claim.updated_at.desc())
    ).all()


def in_status(session: so.Session, status: ClaimStatus) -> Sequence[Claim]:
    """Claims in one status, longest waiting first."""
    return session.scalars(
        sa.select(Claim).where(Claim.status == status).order_by(Claim.updated_at)
    ).all()


def claim_counts(session: so.Session, article_ids: Sequence[int]) -> dict[int, int]:
    """How many claims each article produced."""
    if not article_ids:
        return {}
    return dict(
        session.execute(
            sa.select(Claim.article_id, sa.func.count())
            .where(Claim.article_id.in_(article_ids))
            .group_by(Claim.article_id)
        ).all()
    )


@dataclass(frozen=True)
class ArticleReading:
    """An article's sentences with what the article page shows beside each."""

    sentences: Sequence[Sentence]
    scores: dict[int, ScoreShown]
    claim_of: dict[int, Claim]


def article_reading(session: so.Session, article: Article) -> ArticleReading:
    """Sentences in order, each one's latest score, and the claim each belongs to."""
    sentences = session.scalars(
        sa.select(Sentence).where(Sentence.article_id == article.id).order_by(Sentence.position)
    ).all()
    scores = {
        sid: (s.score, s.model_name, s.model_version)
        for sid, s in _latest_scores(session, Sentence.article_id == article.id).items()
    }
    claim_of = {
        sid: claim
        for sid, claim in session.execute(
            sa.select(claim_sentences.c.sentence_id, Claim)
            .join(Claim, Claim.id == claim_sentences.c.claim_id)
            .join(Sentence, Sentence.id == claim_sentences.c.sentence_id)
            .where(Sentence.article_id == article.id)
            .options(so.selectinload(Claim.sentences), so.selectinload(Claim.flag_score))
        ).all()
    }
    return ArticleReading(sentences, scores, claim_of)
