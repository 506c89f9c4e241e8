"""From text to claims: segment, score, attribute, and store as one unit of work."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.claims.attribution import Attribution, attribute
from factcheck.claims.models import Claim, Sentence, SentenceScore, claim_sentences
from factcheck.claims.priority import priority_of, refresh_priority
from factcheck.claims.segment import Span, segment
from factcheck.classifier import Classifier
from factcheck.errors import Conflict, InvalidInput
from factcheck.security import ensure_role
from factcheck.sources.models import Article

NEAR_DUPLICATE = 0.85


@dataclass(frozen=True)
class SentenceAnalysis:
    """One sentence with its score and attribution."""

    span: Span
    score: float
    attribution: Attribution
    is_claim: bool

    def as_json(self) -> dict:
        """The `factcheck claims extract --json` record."""
        a = self.attribution
        return {
            "start": self.span.start,
            "end": self.span.end,
            "sentence": self.span.text,
            "score": round(self.score, 6),
            "is_claim": self.is_claim,
            "claim": a.claim if self.is_claim else None,
            "claimant": a.claimant,
            "claimant_role": a.claimant_role,
            "reporting_verb": a.reporting_verb,
            "hedged": a.hedged,
        }


def analyse(text: str, classifier: Classifier, *, language: str = "en") -> list[SentenceAnalysis]:
    """Split, score and attribute every sentence of a text (no database involved)."""
    spans = segment(text, language=language or "en")
    scores = classifier.score([s.text for s in spans])
    attributions = attribute(spans)
    threshold = classifier.threshold
    return [
        SentenceAnalysis(span, score, attribution, score >= threshold)
        for span, score, attribution in zip(spans, scores, attributions, strict=True)
    ]


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


def _similar(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= NEAR_DUPLICATE


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
            Claim.status.not_in(("merged", "dismissed")),
            Claim.article_id != article_id,
        )
        .order_by(Claim.id)
        .limit(1)
    )


def store_analysis(
    session: so.Session,
    article: Article,
    analysis: Sequence[SentenceAnalysis],
    *,
    classifier: Classifier,
    actor: User | None,
) -> list[Claim]:
    """Add the article's sentences, scores and flagged claims; near-duplicates share a claim."""
    claims: list[tuple[frozenset[str], Claim]] = []
    created: list[Claim] = []
    for position, item in enumerate(analysis):
        sentence = Sentence(
            article_id=article.id,
            position=position,
            paragraph=item.span.paragraph,
            start_offset=item.span.start,
            end_offset=item.span.end,
            text=item.span.text,
            speaker=item.span.speaker,
        )
        score = SentenceScore(
            score=item.score, model_name=classifier.name, model_version=classifier.version
        )
        sentence.scores.append(score)
        session.add(sentence)
        if not item.is_claim:
            continue
        key = _words(item.attribution.claim)
        twin = next((c for k, c in claims if _similar(k, key)), None)
        if twin is not None:
            twin.sentences.append(sentence)
            twin.score = max(twin.score or 0.0, item.score)
            refresh_priority(twin)
            continue
        repeated = find_repeated(session, item.attribution.claim, article.id)
        if repeated is not None:
            _record_repeat(session, repeated, article, sentence, item.score, actor)
            claims.append((key, repeated))
            continue
        claim = _new_claim(article, item.attribution, score, sentence)
        session.add(claim)
        claims.append((key, claim))
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
                "model": f"{classifier.name} {classifier.version}",
            },
        )
    return created


def _record_repeat(
    session: so.Session,
    claim: Claim,
    article: Article,
    sentence: Sentence,
    score: float,
    actor: User | None,
) -> None:
    """Link a sentence of another article to an existing claim and boost its priority."""
    before = {"article_count": claim.article_count, "priority": claim.priority}
    claim.sentences.append(sentence)
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
        extra={"article_id": article.id, "sentence_id": sentence.id, "score": score},
    )


def _new_claim(
    article: Article,
    attribution: Attribution,
    flag_score: SentenceScore | None,
    sentence: Sentence,
    created_by: User | None = None,
) -> Claim:
    score = flag_score.score if flag_score is not None else 0.0
    return Claim(
        text=attribution.claim,
        text_key=text_key(attribution.claim),
        article_count=1,
        claimant_name=attribution.claimant,
        claimant_role=attribution.claimant_role,
        reporting_verb=attribution.reporting_verb,
        hedged=attribution.hedged,
        claimed_on=article.published_on,
        article_id=article.id,
        score=score,
        priority=priority_of(score, 1, article.published_on),
        status="new",
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
        [Span(s.start_offset, s.end_offset, s.text, s.paragraph, s.speaker) for s in spans]
    )
    attribution = attributions[[s.id for s in spans].index(sentence.id)]
    if text is not None:
        text = " ".join(text.split())
        if not text:
            raise InvalidInput("The claim text is empty.")
        attribution = Attribution(
            text,
            attribution.claimant,
            attribution.claimant_role,
            attribution.reporting_verb,
            attribution.hedged,
        )
    best = max(sentence.scores, key=lambda s: (s.score, s.id), default=None)
    claim = _new_claim(sentence.article, attribution, best, sentence, created_by=actor)
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
