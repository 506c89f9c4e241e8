"""Matching new claims to earlier claims and imported rulings, as they are stored.

For each new claim: the most similar live claims of other articles and the most similar
imported rulings (matching.index.nearest, over the stored embeddings) at or above the
"suggest" similarity become ClaimMatch rows (state "suggested"), shown on the claim page
and the queue row; the most similar earlier claim at or above the "same claim"
similarity that also passes the text checks (matching.rule) is linked at once as a
repeat (matching.decisions.link, automatic, which a reviewer can undo). A ruling from
elsewhere is never linked automatically: it is another organisation's verdict.

Exact-text repeats are still caught before this, when the article is stored
(claims.services.find_repeated: the same words in another article add that article to
the existing claim and make no new claim), so only claims worded differently reach the
matcher.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.services import record
from factcheck.auth.models import User
from factcheck.claims.models import Claim
from factcheck.errors import DomainError
from factcheck.matching import decisions
from factcheck.matching.index import DEFAULT_MIN_INDEX_ROWS, ModelKey, Neighbour, nearest
from factcheck.matching.models import ClaimMatch
from factcheck.matching.rule import read, same_claim

SUGGEST = "claim.match_suggest"


@dataclass(frozen=True)
class MatchSettings:
    """The thresholds and sizes of matching (MATCH_* in config/default.toml)."""

    # At or above: shown as a possible match (cosine alone).
    suggest: float = 0.65
    # At or above, and passing the text checks: linked as a repeat automatically.
    same: float = 0.75
    # Matches kept per claim, of each kind (earlier claims; imported rulings).
    top: int = 5
    # Stored vectors of one kind above which an HNSW index replaces brute force.
    index_min_rows: int = DEFAULT_MIN_INDEX_ROWS

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> MatchSettings:
        default = cls()
        return cls(
            float(config.get("MATCH_SUGGEST_SIMILARITY", default.suggest)),  # type: ignore[arg-type]
            float(config.get("MATCH_SAME_SIMILARITY", default.same)),  # type: ignore[arg-type]
            int(config.get("MATCH_MAX_SUGGESTIONS", default.top)),  # type: ignore[call-overload]
            int(config.get("MATCH_INDEX_MIN_ROWS", default.index_min_rows)),  # type: ignore[call-overload]
        )


@dataclass
class MatchOutcome:
    """What matching did to a batch of new claims."""

    # New claims linked as repeats of earlier ones (now merged into them).
    linked: list[Claim] = field(default_factory=list)
    # New claims left in the queue with at least one suggested match.
    suggested: list[Claim] = field(default_factory=list)
    # Suggested matches written (claims and rulings together).
    matches: int = 0


def match_claims(
    session: so.Session,
    claims: Sequence[Claim],
    vectors: np.ndarray,
    *,
    actor: User | None,
    now: datetime,
    settings: MatchSettings,
    model: ModelKey | None = None,
) -> MatchOutcome:
    """Match new, flushed claims (rows of `vectors`, unit length, in the same order)
    against earlier claims of other articles and imported rulings; write the matches,
    link each claim to the best earlier claim that is the same claim; flush.

    `actor` is who stored the claims (audit only: the automatic link has no actor).
    """
    outcome = MatchOutcome()
    if not claims:
        return outcome
    vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    if len(vectors) != len(claims):
        raise ValueError("one vector per claim")
    own = _same_article_claims(session, claims)
    common = {
        "min_similarity": settings.suggest,
        "exclude_claim_ids": own,
        "model": model,
        "min_index_rows": settings.index_min_rows,
    }
    earlier = nearest(session, vectors, k=settings.top, kinds=("claim",), **common)
    external = nearest(session, vectors, k=settings.top, kinds=("external",), **common)
    texts = _texts(session, {n.id for row in earlier for n in row})
    for claim, claim_near, ruling_near in zip(claims, earlier, external, strict=True):
        matches = [_match(claim, n) for n in (*claim_near, *ruling_near)]
        if not matches:
            continue
        session.add_all(matches)
        session.flush()
        outcome.matches += len(matches)
        _audit(session, claim, claim_near, ruling_near, actor)
        best = _same(claim, claim_near, texts, settings.same)
        if best is not None:
            match = next(m for m in matches if m.earlier_claim_id == best.id)
            try:
                with session.begin_nested():
                    decisions.link(session, match, actor=None, now=now, automatic=True)
            except DomainError:
                pass  # e.g. the earlier claim was dismissed meanwhile: stays a suggestion
            else:
                outcome.linked.append(claim)
                continue
        outcome.suggested.append(claim)
    return outcome


def _same_article_claims(session: so.Session, claims: Sequence[Claim]) -> set[int]:
    """The ids of these claims and of every claim of their articles (never matched)."""
    articles = {c.article_id for c in claims if c.article_id is not None}
    ids = {c.id for c in claims}
    if articles:
        ids.update(session.scalars(sa.select(Claim.id).where(Claim.article_id.in_(articles))))
    return ids


def _texts(session: so.Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(sa.select(Claim.id, Claim.text).where(Claim.id.in_(ids))).all())


def _match(claim: Claim, neighbour: Neighbour) -> ClaimMatch:
    target = "earlier_claim_id" if neighbour.kind == "claim" else "external_ruling_id"
    return ClaimMatch(
        claim_id=claim.id,
        similarity=round(min(1.0, max(-1.0, neighbour.similarity)), 6),
        state="suggested",
        automatic=False,
        **{target: neighbour.id},
    )


def _same(
    claim: Claim, near: Sequence[Neighbour], texts: dict[int, str], threshold: float
) -> Neighbour | None:
    """The most similar earlier claim that is the same claim, if any."""
    reading = read(claim.text)
    for neighbour in near:
        if neighbour.similarity < threshold:
            break
        text = texts.get(neighbour.id)
        if text is not None and same_claim(reading, read(text), neighbour.similarity, threshold):
            return neighbour
    return None


def _audit(
    session: so.Session,
    claim: Claim,
    claim_near: Sequence[Neighbour],
    ruling_near: Sequence[Neighbour],
    actor: User | None,
) -> None:
    """One entry per claim that got matches: which, and how similar."""
    record(
        session,
        actor=actor,
        action=SUGGEST,
        entity_type="claim",
        entity_id=claim.id,
        extra={
            "earlier_claims": {str(n.id): round(n.similarity, 4) for n in claim_near},
            "external_rulings": {str(n.id): round(n.similarity, 4) for n in ruling_near},
        },
    )
