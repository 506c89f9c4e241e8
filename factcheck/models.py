"""Import every feature's models so the metadata (and Alembic) sees the whole schema."""

from factcheck.audit.models import AuditEntry
from factcheck.auth.models import ApiToken, Notification, User, UserRole
from factcheck.claims.models import (
    Claim,
    ClaimEmbedding,
    Sentence,
    SentenceScore,
    claim_sentences,
)
from factcheck.editorial.models import Correction, EditorialDecision, Ruling
from factcheck.feeds.models import Feed, FeedItem
from factcheck.jobs.models import Job, JobFile, JobWorker
from factcheck.matching.models import ClaimMatch, ExternalRuling
from factcheck.review.models import Assignment
from factcheck.search import models as search_models  # noqa: F401  (indexes and FTS)
from factcheck.sources.models import Article, Outlet
from factcheck.verdicts.models import EvidenceSource, Rating, RatingScale, VerdictRevision

__all__ = [
    "ApiToken",
    "Article",
    "Assignment",
    "AuditEntry",
    "Claim",
    "ClaimEmbedding",
    "ClaimMatch",
    "Correction",
    "EditorialDecision",
    "EvidenceSource",
    "ExternalRuling",
    "Feed",
    "FeedItem",
    "Job",
    "JobFile",
    "JobWorker",
    "Notification",
    "Outlet",
    "Rating",
    "RatingScale",
    "Ruling",
    "Sentence",
    "SentenceScore",
    "User",
    "UserRole",
    "VerdictRevision",
    "claim_sentences",
]
