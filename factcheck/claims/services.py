"""From text to claims: segment, score, attribute, and store as one unit of work."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.lifecycle import ClaimStatus
from factcheck.claims.models import (
    Claim,
    ClaimEmbedding,
    Sentence,
    SentenceScore,
    claim_sentences,
)
from factcheck.claims.priority import priority_of, refresh_priority
from factcheck.classifier import Classifier
from factcheck.classifier.features import SentenceInput
from factcheck.classifier.paraphrase import ENTITY_BONUS, same_claim
from factcheck.classifier.ranker import reason_for
from factcheck.errors import Conflict, InvalidInput
from factcheck.sources.models import Article
from factcheck.text.attribution import Attribution, attribute
from factcheck.text.segment import Span, segment
from factcheck.text.structure import missing_body_message


@dataclass(frozen=True)
class FlagPolicy:
    """How a document's scored sentences become queue items (README, "Claim detection")."""

    # An article never queues more claims than this share of its body sentences (at
    # least one): the rest stay visible with their scores, and can be promoted.
    max_share: float = 0.40
    # Flagged sentences of one article are one claim when their embeddings have at least
    # this cosine similarity and nothing sets them apart (paraphrase.same_claim; tuned on
    # tests/data/paraphrase_pairs.tsv).
    same_claim: float = 0.55

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> FlagPolicy:
        """The policy set by FLAG_MAX_SHARE and SAME_CLAIM_SIMILARITY."""
        default = cls()
        return cls(
            float(config.get("FLAG_MAX_SHARE", default.max_share)),  # type: ignore[arg-type]
            float(config.get("SAME_CLAIM_SIMILARITY", default.same_claim)),  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class SentenceAnalysis:
    """One sentence with its kind, score, rank, attribution and the claim it belongs to."""

    span: Span
    score: float
    attribution: Attribution
    is_claim: bool
    # Rank among the document's body sentences by score (1 = most check-worthy).
    rank: int | None = None
    reason: str | None = None
    # Position (in the analysis) of the sentence whose claim this one joins: its own
    # position when it leads its claim; None when not flagged.
    group: int | None = None

    def as_json(self) -> dict:
        """The `factcheck claims extract --json` record."""
        a = self.attribution
        return {
            "start": self.span.start,
            "end": self.span.end,
            "kind": self.span.kind,
            "sentence": self.span.text,
            "score": round(self.score, 6),
            "rank": self.rank,
            "is_claim": self.is_claim,
            "claim": a.claim if self.is_claim else None,
            "group": self.group,
            "reason": self.reason,
            "claimant": a.claimant,
            "claimant_role": a.claimant_role,
            "reporting_verb": a.reporting_verb,
            "claimed_on": a.claimed_on.isoformat() if a.claimed_on else None,
            "hedged": a.hedged,
        }


@dataclass(frozen=True)
class Analysis:
    """A document's sentences, analysed, and the embeddings of the claims they lead."""

    sentences: list[SentenceAnalysis]
    # Position of each claim-leading sentence → its unit-length embedding.
    embeddings: dict[int, np.ndarray]

    def __iter__(self) -> Iterator[SentenceAnalysis]:
        return iter(self.sentences)

    def __len__(self) -> int:
        return len(self.sentences)

    def __getitem__(self, index: int) -> SentenceAnalysis:
        return self.sentences[index]


def analyse(
    text: str,
    classifier: Classifier,
    *,
    language: str = "en",
    published_on: date | None = None,
    policy: FlagPolicy | None = None,
    hints: Mapping[str, str] | None = None,
) -> Analysis:
    """Split, score, rank, attribute and group every sentence of a text (no database).

    Only body sentences are flagged: those scoring at least the threshold, best first, one
    claim per group of sentences that say the same thing, and no more claims than
    the policy's share of the body sentences (at least one). `hints` name the kind of
    some paragraphs (from a Word document's styles).
    """
    policy = policy or FlagPolicy()
    spans = segment(text, language=language or "en", hints=hints)
    if message := missing_body_message(spans):
        raise InvalidInput(message)
    return flag(spans, attribute(spans, published_on=published_on), classifier, policy)


def flag(
    spans: Sequence[Span],
    attributions: Sequence[Attribution],
    classifier: Classifier,
    policy: FlagPolicy,
) -> Analysis:
    """Score a document's attributed sentences in context, rank the body sentences, and
    flag the best of them as claims (grouping those that say the same thing)."""
    items = [
        SentenceInput(
            span.text,
            span.kind,
            span.speaker or a.claimant,
            a.reporting_verb,
            turn=span.speaker is not None,
        )
        for span, a in zip(spans, attributions, strict=True)
    ]
    scores = classifier.score_document(items)
    body = sorted(
        (i for i, span in enumerate(spans) if span.kind == "body"), key=lambda i: (-scores[i], i)
    )
    rank = {i: r for r, i in enumerate(body, start=1)}
    threshold = classifier.threshold_for(items)
    candidates = [i for i in body if scores[i] >= threshold]
    vectors = classifier.embed([attributions[i].claim for i in candidates]) if candidates else []
    limit = max(1, int(policy.max_share * len(body)))
    leaders: dict[int, np.ndarray] = {}
    group: dict[int, int] = {}
    ids: list[int] = []  # leaders in order, their vectors in the rows of `matrix`
    matrix = np.zeros((min(limit, len(candidates)), len(vectors[0]) if candidates else 0))
    for n, i in enumerate(candidates):
        # One claim per allegation: a sentence joins the most similar claim (its leading
        # sentence) that says the same thing; else it leads a claim of its own. Only
        # leaders are compared, with one matrix product, and the text checks run only for
        # pairs near the cosine bar.
        cosines = matrix[: len(ids)] @ vectors[n]
        twin = None
        for k in np.argsort(-cosines):
            if cosines[k] < policy.same_claim - ENTITY_BONUS:
                break
            claim_text = attributions[ids[k]].claim
            if same_claim(attributions[i].claim, claim_text, float(cosines[k]), policy.same_claim):
                twin = ids[k]
                break
        if twin is not None:
            group[i] = twin
        elif len(ids) < limit:
            matrix[len(ids)] = vectors[n]
            ids.append(i)
            leaders[i] = vectors[n]
            group[i] = i
    results = [
        SentenceAnalysis(
            span,
            scores[i],
            attributions[i],
            i in group,
            rank.get(i),
            reason_for(items[i]) if i in group else None,
            group.get(i),
        )
        for i, span in enumerate(spans)
    ]
    return Analysis(results, leaders)


def text_key(text: str) -> str:
    """A key equal for claims whose words are the same (case, punctuation aside)."""
    words = " ".join(re.findall(r"[a-z0-9]+", text.lower()))
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:40]


def find_repeated(session: so.Session, claim_text: str, article_id: int) -> Claim | None:
    """Return a live claim from another article with the same words, if there is one."""
    return session.scalar(
        sa.select(Claim)
        .where(
            Claim.text_key == text_key(claim_text),
            Claim.status.not_in((ClaimStatus.MERGED, ClaimStatus.DISMISSED)),
            Claim.article_id != article_id,
        )
        .order_by(Claim.id)
        .limit(1)
    )


def store_analysis(
    session: so.Session,
    article: Article,
    analysis: Analysis,
    *,
    classifier: Classifier,
    actor: User | None,
    repeated: list[Claim] | None = None,
) -> list[Claim]:
    """Add the article's sentences, scores and flagged claims (one per group of sentences
    that say the same thing, with its embedding); return the new claims. A claim already
    queued from another article gains this article instead (and is appended to
    `repeated` when given)."""
    sentences: list[Sentence] = []
    scores: list[SentenceScore] = []
    for position, item in enumerate(analysis):
        sentence = Sentence(
            article_id=article.id,
            position=position,
            kind=item.span.kind,
            paragraph=item.span.paragraph,
            start_offset=item.span.start,
            end_offset=item.span.end,
            text=item.span.text,
            speaker=item.span.speaker,
            claimant=item.attribution.claimant if item.span.kind == "body" else None,
        )
        score = SentenceScore(
            score=item.score, model_name=classifier.name, model_version=classifier.version
        )
        sentence.scores.append(score)
        session.add(sentence)
        sentences.append(sentence)
        scores.append(score)
    created: list[Claim] = []
    for leader, vector in analysis.embeddings.items():
        item = analysis[leader]
        members = [sentences[i] for i, other in enumerate(analysis) if other.group == leader]
        twin = find_repeated(session, item.attribution.claim, article.id)
        if twin is not None:
            _record_repeat(session, twin, article, members, item.score, actor)
            if repeated is not None:
                repeated.append(twin)
            continue
        claim = new_claim(article, item.attribution, scores[leader], sentences[leader])
        claim.sentences = members
        claim.reason = item.reason
        session.add(claim)
        session.add(claim_embedding(claim, vector, classifier))
        created.append(claim)
    session.flush()
    for claim in created:
        record(
            session,
            actor=actor,
            action="claim.flag",
            entity_type="claim",
            entity_id=claim.id,
            extra={
                "article_id": article.id,
                "score": claim.score,
                "sentences": len(claim.sentences),
                "model": f"{classifier.name} {classifier.version}",
            },
        )
    return created


def claim_embedding(claim: Claim, vector: np.ndarray, classifier: Classifier) -> ClaimEmbedding:
    """The stored form of a claim's embedding (little-endian float32), with its model."""
    return ClaimEmbedding(
        claim=claim,
        model_name=classifier.name,
        model_version=classifier.version,
        dimensions=len(vector),
        vector=np.asarray(vector, dtype="<f4").tobytes(),
    )


def _record_repeat(
    session: so.Session,
    claim: Claim,
    article: Article,
    sentences: list[Sentence],
    score: float,
    actor: User | None,
) -> None:
    """Link another article's sentences to an existing claim and boost its priority."""
    before = {"article_count": claim.article_count, "priority": claim.priority}
    claim.sentences.extend(sentences)
    claim.article_count += 1
    refresh_priority(claim)
    session.flush()
    record(
        session,
        actor=actor,
        action="claim.repeat",
        entity_type="claim",
        entity_id=claim.id,
        changes={
            "article_count": [before["article_count"], claim.article_count],
            "priority": [before["priority"], claim.priority],
        },
        extra={
            "article_id": article.id,
            "sentence_ids": [sentence.id for sentence in sentences],
            "score": score,
        },
    )


def new_claim(
    article: Article,
    attribution: Attribution,
    flag_score: SentenceScore | None,
    sentence: Sentence,
    created_by: User | None = None,
) -> Claim:
    score = flag_score.score if flag_score is not None else 0.0
    claimed_on = attribution.claimed_on or article.published_on
    return Claim(
        text=attribution.claim,
        text_key=text_key(attribution.claim),
        article_count=1,
        claimant_name=attribution.claimant,
        claimant_role=attribution.claimant_role,
        reporting_verb=attribution.reporting_verb,
        hedged=attribution.hedged,
        claimed_on=claimed_on,
        article_id=article.id,
        score=score,
        priority=priority_of(score, 1, claimed_on),
        status=ClaimStatus.NEW,
        sentences=[sentence],
        flag_score=flag_score,
        created_by_id=getattr(created_by, "id", None),
    )


def claims_of_sentence(session: so.Session, sentence_id: int) -> list[Claim]:
    """Return the claims a sentence belongs to."""
    return list(
        session.scalars(
            sa.select(Claim)
            .join(claim_sentences)
            .where(claim_sentences.c.sentence_id == sentence_id)
        )
    )


def promote_sentence(
    session: so.Session, sentence: Sentence, *, actor: User | None, text: str | None = None
) -> Claim:
    """Make a claim of a sentence the model did not flag (a fact-checker's call)."""
    ensure_role(actor, Role.FACT_CHECKER)
    if claims_of_sentence(session, sentence.id):
        raise Conflict("This sentence is already part of a claim.")
    spans = session.scalars(
        sa.select(Sentence)
        .where(Sentence.article_id == sentence.article_id)
        .order_by(Sentence.position)
    ).all()
    attributions = attribute(
        [Span(s.start_offset, s.end_offset, s.text, s.paragraph, s.speaker, s.kind) for s in spans],
        published_on=sentence.article.published_on,
    )
    attribution = attributions[[s.id for s in spans].index(sentence.id)]
    if text is not None:
        text = " ".join(text.split())
        if not text:
            raise InvalidInput("The claim text is empty.")
        attribution = replace(attribution, claim=text)
    best = max(sentence.scores, key=lambda s: (s.score, s.id), default=None)
    claim = new_claim(sentence.article, attribution, best, sentence, created_by=actor)
    session.add(claim)
    session.flush()
    record(
        session,
        actor=actor,
        action="claim.promote",
        entity_type="claim",
        entity_id=claim.id,
        extra={"sentence_id": sentence.id, "score": claim.score},
    )
    return claim
