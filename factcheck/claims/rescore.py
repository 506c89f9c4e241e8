"""Re-score stored articles with the active model (`factcheck model rescore`).

Each article is read again as a document (its stored sentences, kinds and speakers; the
attribution is run again, as it is cheap and deterministic), scored in context, ranked and
flagged with the same rules as at ingest. Then:
- every sentence gets a score row for the active model (an existing one is updated);
- claims nobody has started (status "new", flagged by the model) follow the new flags:
  still flagged, their score, reason and priority are updated; no longer flagged, they
  leave the queue (dismissed as not check-worthy, with a note naming the model);
- sentences the new model flags that belong to no claim yet become new claims.
Claims a person has touched (taken, promoted, submitted, ...) are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.claims.lifecycle import ClaimStatus, change_status
from factcheck.claims.models import Claim, Sentence, SentenceScore, claim_sentences
from factcheck.claims.priority import refresh_priority
from factcheck.claims.services import FlagPolicy, claim_embedding, flag, new_claim
from factcheck.classifier import Classifier
from factcheck.sources.models import Article
from factcheck.text.attribution import attribute
from factcheck.text.segment import Span


@dataclass
class RescoreCounts:
    """What one rescoring changed."""

    articles: int = 0
    sentences: int = 0
    updated: int = 0
    flagged: int = 0
    unflagged: int = 0
    # The claims this rescoring flagged, with their embeddings (rows, same order), for the
    # caller to match against earlier claims (matching sits above claims).
    created: list[Claim] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)

    def add(self, other: RescoreCounts) -> None:
        for name in ("articles", "sentences", "updated", "flagged", "unflagged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def stale_articles(session: so.Session, classifier: Classifier) -> list[int]:
    """Ids of articles with a sentence the active model has not scored."""
    scored = (
        sa.select(SentenceScore.sentence_id)
        .where(
            SentenceScore.model_name == classifier.name,
            SentenceScore.model_version == classifier.version,
        )
        .scalar_subquery()
    )
    return list(
        session.scalars(
            sa.select(Sentence.article_id)
            .where(Sentence.id.not_in(scored))
            .distinct()
            .order_by(Sentence.article_id)
        )
    )


def rescore_article(
    session: so.Session, article: Article, classifier: Classifier, policy: FlagPolicy
) -> RescoreCounts:
    """Re-score one article and bring its untouched claims in line; flushes, never commits."""
    counts = RescoreCounts(articles=1)
    sentences = list(
        session.scalars(
            sa.select(Sentence).where(Sentence.article_id == article.id).order_by(Sentence.position)
        )
    )
    if not any(s.kind == "body" for s in sentences):
        return counts
    spans = [
        Span(s.start_offset, s.end_offset, s.text, s.paragraph, s.speaker, s.kind)
        for s in sentences
    ]
    analysis = flag(spans, attribute(spans, published_on=article.published_on), classifier, policy)
    scores = _store_scores(session, sentences, [item.score for item in analysis], classifier)
    counts.sentences = len(sentences)
    position = {s.id: i for i, s in enumerate(sentences)}
    claimed: set[int] = set()
    for claim, sentence_id in session.execute(
        sa.select(Claim, claim_sentences.c.sentence_id)
        .join(claim_sentences, claim_sentences.c.claim_id == Claim.id)
        .where(claim_sentences.c.sentence_id.in_(list(position)))
    ).all():
        claimed.add(position[sentence_id])
        if claim.status != ClaimStatus.NEW or claim.created_by_id is not None:
            continue
        lead = position.get(claim.flag_score.sentence_id) if claim.flag_score else None
        if lead is None or lead != position[sentence_id]:
            continue  # one decision per claim: at its own flagging sentence
        item = analysis[lead]
        if item.is_claim:
            leader = analysis[item.group]
            before = {"score": claim.score, "priority": claim.priority}
            claim.score, claim.reason = leader.score, leader.reason
            refresh_priority(claim)
            counts.updated += 1
            _audit(session, claim, "claim.rescore", before, classifier)
        else:
            before = {"status": claim.status, "score": claim.score}
            change_status(claim, ClaimStatus.DISMISSED)
            claim.dismiss_reason = "not_check_worthy"
            claim.dismiss_note = f"Not flagged by {classifier.name} {classifier.version}."
            claim.score = item.score
            counts.unflagged += 1
            _audit(session, claim, "claim.unflag", before, classifier)
    for leader, vector in analysis.embeddings.items():
        members = [i for i, item in enumerate(analysis) if item.group == leader]
        if any(i in claimed for i in members):
            continue
        item = analysis[leader]
        claim = new_claim(article, item.attribution, scores[leader], sentences[leader])
        claim.sentences = [sentences[i] for i in members]
        claim.reason = item.reason
        session.add(claim)
        session.add(claim_embedding(claim, vector, classifier))
        session.flush()
        counts.flagged += 1
        counts.created.append(claim)
        counts.vectors.append(vector)
        _audit(session, claim, "claim.flag", {}, classifier)
    session.flush()
    return counts


def _store_scores(
    session: so.Session, sentences: list[Sentence], values: list[float], classifier: Classifier
) -> list[SentenceScore]:
    existing = {
        score.sentence_id: score
        for score in session.scalars(
            sa.select(SentenceScore).where(
                SentenceScore.sentence_id.in_([s.id for s in sentences]),
                SentenceScore.model_name == classifier.name,
                SentenceScore.model_version == classifier.version,
            )
        )
    }
    rows = []
    for sentence, value in zip(sentences, values, strict=True):
        row = existing.get(sentence.id)
        if row is None:
            row = SentenceScore(
                sentence_id=sentence.id,
                score=value,
                model_name=classifier.name,
                model_version=classifier.version,
            )
            session.add(row)
        else:
            row.score = value
        rows.append(row)
    session.flush()
    return rows


def _audit(
    session: so.Session, claim: Claim, action: str, before: dict, classifier: Classifier
) -> None:
    record(
        session,
        actor=None,
        action=action,
        entity_type="claim",
        entity_id=claim.id,
        changes={key: [value, getattr(claim, key)] for key, value in before.items()},
        extra={"model": f"{classifier.name} {classifier.version}", "score": claim.score},
    )
