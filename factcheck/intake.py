"""Taking a document in: the article (sources), its sentences scored and its claims
flagged (claims), and the new claims matched to earlier claims and imported rulings
(matching), flushed together in one short write transaction.

It lives in claims, not sources, because claims build on articles: sources knows
nothing of claims, and the web, CLI and job runner all ingest through here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import sqlalchemy.orm as so

from factcheck.auth.models import User
from factcheck.auth.roles import Role, ensure_role
from factcheck.claims.models import Claim
from factcheck.claims.services import FlagPolicy, analyse, store_analysis
from factcheck.classifier import Classifier
from factcheck.db import end_read_transaction, utcnow
from factcheck.errors import InvalidInput
from factcheck.matching.services import MatchSettings, match_claims
from factcheck.sources.document import Document
from factcheck.sources.models import Article
from factcheck.sources.services import (
    DuplicateArticle,
    create_article,
    find_duplicate,
    normalise_text,
)


@dataclass(frozen=True)
class IngestResult:
    """The stored article and the claims flagged in it."""

    article: Article
    claims: list[Claim]
    # Claims already queued from other articles that this one repeats word for word
    # (no new claim was made for them).
    repeated: list[Claim] = field(default_factory=list)
    # New claims linked at once as repeats of earlier claims in other words (matching).
    linked: list[Claim] = field(default_factory=list)
    # New claims left in the queue with suggested matches (earlier claims or rulings).
    suggested: list[Claim] = field(default_factory=list)

    def summary(self) -> str:
        """What a person is told: "7 claims flagged", "3 claims, all already in the queue",
        and how many were linked as repeats or have possible matches."""
        new, old = len(self.claims), len(self.repeated)
        if old == 0:
            text = f"{new} claims flagged."
        elif new == 0:
            text = f"{old} claims, all already in the queue from other articles."
        else:
            text = f"{new + old} claims flagged, {old} of them already in the queue."
        notes = []
        if self.linked:
            notes.append(
                f"{len(self.linked)} linked as a repeat of an earlier claim in other words"
            )
        if self.suggested:
            notes.append(f"{len(self.suggested)} with possible matches to check")
        return f"{text} {'; '.join(notes)}." if notes else text


def ingest(
    session: so.Session,
    document: Document,
    *,
    actor: User | None,
    classifier: Classifier,
    source_kind: str = "text",
    policy: FlagPolicy | None = None,
    matching: MatchSettings | None = None,
) -> IngestResult:
    """Take a document in: article, sentences, scores and claims, flushed together.

    The text is scored before anything is written and outside any transaction (the
    caller's reads are ended first, unless it has already written), so the write
    transaction stays short; the caller commits once, and a failure anywhere leaves
    nothing behind. The new claims are then matched (`matching`: the MATCH_* settings,
    the defaults when not given) with the embeddings already in memory.
    """
    ensure_role(actor, Role.FACT_CHECKER)
    body = normalise_text(document.text)
    if not body.strip():
        raise InvalidInput("The text is empty.")
    existing = find_duplicate(session, body)
    if existing is not None:
        raise DuplicateArticle(existing)
    # Score outside any transaction (seconds of CPU for a long text): the reads so far
    # end here, and the writes below open a short transaction of their own, which
    # checks for a duplicate again.
    end_read_transaction(session)
    analysis = analyse(
        body,
        classifier,
        language=document.language or "en",
        published_on=document.published_on,
        policy=policy,
        hints=dict(document.hints),
    )
    article = create_article(
        session, replace(document, text=body), actor=actor, source_kind=source_kind
    )
    repeated: list[Claim] = []
    claims = store_analysis(
        session, article, analysis, classifier=classifier, actor=actor, repeated=repeated
    )
    vectors = [analysis.embeddings[_leader(claim)] for claim in claims]
    outcome = match_claims(
        session,
        claims,
        np.array(vectors, dtype=np.float32),
        actor=actor,
        now=utcnow(),
        settings=matching or MatchSettings(),
        model=(classifier.name, classifier.version, len(vectors[0])) if vectors else None,
    )
    return IngestResult(article, claims, repeated, outcome.linked, outcome.suggested)


def _leader(claim: Claim) -> int:
    """The position of the sentence that flagged a new claim (its embedding's key)."""
    return claim.flag_score.sentence.position
