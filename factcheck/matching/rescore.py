"""Re-score stored articles with the active model and match the claims it newly flags.

What `factcheck model rescore` does and the "rescore" job does (factcheck.tasks.kinds.
rescore), one article at a time: claims.rescore re-scores the article and brings its
untouched claims in line; the claims it newly flags are matched against earlier claims as
at ingest. It lives in matching because matching sits above claims (README, "Packages and
their directions"); callers commit each article's changes.

Rescoring an article twice leaves it as once: the second pass finds the same scores, the
same flags and the claims the first made, so it updates nothing but the score rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.claims.rescore import RescoreCounts, rescore_article, stale_articles
from factcheck.claims.services import FlagPolicy
from factcheck.classifier import Classifier
from factcheck.db import utcnow
from factcheck.jobs.models import ACTIVE_STATUSES, Job
from factcheck.jobs.services import enqueue
from factcheck.matching.services import MatchSettings, match_claims
from factcheck.sources.models import Article


@dataclass
class RescoreTotals:
    """What a rescoring run changed, added up over its articles."""

    articles: int = 0
    sentences: int = 0
    updated: int = 0
    flagged: int = 0
    unflagged: int = 0
    linked: int = 0
    suggested: int = 0

    def add(self, counts: RescoreCounts, linked: int = 0, suggested: int = 0) -> None:
        for name in ("articles", "sentences", "updated", "flagged", "unflagged"):
            setattr(self, name, getattr(self, name) + getattr(counts, name))
        self.linked += linked
        self.suggested += suggested

    def merge(self, other: RescoreTotals) -> None:
        for name, value in other.__dict__.items():
            setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RescoreTotals:
        known = cls().__dict__
        return cls(**{k: int(v) for k, v in (data or {}).items() if k in known})

    def summary(self) -> str:
        return (
            f"Scored {self.sentences} sentences in {self.articles} articles; claims: "
            f"{self.updated} updated, {self.flagged} newly flagged, {self.unflagged} "
            f"unflagged; of the new ones {self.linked} linked as repeats, {self.suggested} "
            "with possible matches."
        )


def articles_to_rescore(
    session: so.Session, classifier: Classifier, *, everything: bool
) -> list[int]:
    """Ids of the articles to rescore, in id order: every article, or only those with a
    sentence the active model has not scored."""
    if everything:
        return list(session.scalars(sa.select(Article.id).order_by(Article.id)))
    return stale_articles(session, classifier)


def rescore_and_match(
    session: so.Session,
    article_id: int,
    classifier: Classifier,
    policy: FlagPolicy,
    matching: MatchSettings,
) -> RescoreTotals:
    """Re-score one article and match the claims it newly flags; flush, never commit.
    An article deleted since it was listed counts as nothing."""
    totals = RescoreTotals()
    article = session.get(Article, article_id)
    if article is None:
        return totals
    counts = rescore_article(session, article, classifier, policy)
    linked = suggested = 0
    if counts.created:
        # Newly flagged claims are matched as at ingest (same transaction).
        outcome = match_claims(
            session,
            counts.created,
            np.array(counts.vectors, dtype=np.float32),
            actor=None,
            now=utcnow(),
            settings=matching,
            model=(classifier.name, classifier.version, len(counts.vectors[0])),
        )
        linked, suggested = len(outcome.linked), len(outcome.suggested)
    totals.add(counts, linked, suggested)
    return totals


# The "rescore" job (factcheck.tasks.kinds.rescore): one at a time, whoever starts it.
RESCORE_KEY = "rescore"


def queue_rescore(
    session: so.Session, classifier: Classifier, *, everything: bool, actor_id: int | None
) -> tuple[Job, bool]:
    """Enqueue the "rescore" job for the articles to rescore now (fixed here, so a job that
    resumes after an interruption does the same set); flush. Return it and True, or, while
    one is queued or running, that one and False (one at a time)."""
    running = session.scalar(
        sa.select(Job).where(Job.key == RESCORE_KEY, Job.status.in_(ACTIVE_STATUSES))
    )
    if running is not None:
        return running, False
    ids = articles_to_rescore(session, classifier, everything=everything)
    # Every article: the id range (the list could be long); else the list itself.
    if everything:
        payload: dict[str, Any] = {"all": True, "first_id": ids[0] if ids else 0}
        payload["last_id"] = ids[-1] if ids else 0
    else:
        payload = {"all": False, "ids": ids}
    payload["model"] = f"{classifier.name} {classifier.version}"
    job = enqueue(session, "rescore", payload, actor_id=actor_id, total=len(ids), key=RESCORE_KEY)
    return job, True


def job_articles(session: so.Session, payload: dict[str, Any]) -> list[int]:
    """The ids a "rescore" job's payload names, in id order."""
    if payload.get("all"):
        return list(
            session.scalars(
                sa.select(Article.id)
                .where(Article.id.between(int(payload["first_id"]), int(payload["last_id"])))
                .order_by(Article.id)
            )
        )
    return sorted(int(i) for i in payload.get("ids") or ())
