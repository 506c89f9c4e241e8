"""How the whole triage does on labelled news: `factcheck model evaluate --news DIR`.

Each article goes through exactly what ingest runs (metadata header, structure, sentences,
attribution, scoring in context, threshold, share cap, grouping); every resulting span
takes the label of the labelled row it overlaps most.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from factcheck.claims.services import FlagPolicy, analyse
from factcheck.classifier import Classifier
from factcheck.classifier.metrics import average_precision
from factcheck.sources.document import from_text
from factcheck.triage.newsset import NewsArticle

STRUCTURAL_NEVER_FLAGGED = ("caption", "credit", "byline")


@dataclass
class ArticleResult:
    """One article's figures."""

    name: str
    body: int = 0
    flagged_body: int = 0
    # Flagged spans over a positive row, and positive rows with a flagged span.
    flagged_correct: int = 0
    true_positives: int = 0
    positives: int = 0
    queue_items: int = 0
    structural_flagged: int = 0
    kind_errors: int = 0
    labels: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)


def evaluate_article(
    article: NewsArticle, classifier: Classifier, policy: FlagPolicy
) -> ArticleResult:
    """Run the ingest pipeline over one labelled article and compare."""
    document = from_text(article.text)
    offset = len(article.text) - len(document.text)
    analysis = analyse(document.text, classifier, published_on=document.published_on, policy=policy)
    result = ArticleResult(article.name, queue_items=len(analysis.embeddings))
    result.positives = sum(row.flag for row in article.rows)
    found: set[int] = set()
    for item in analysis:
        row = article.label_of(item.span.start + offset, item.span.end + offset)
        if row is None:
            continue
        if (item.span.kind == "body") != (row.kind == "body"):
            result.kind_errors += 1
        if row.kind in STRUCTURAL_NEVER_FLAGGED and item.is_claim:
            result.structural_flagged += 1
        if item.span.kind == "body":
            result.body += 1
            result.flagged_body += item.is_claim
            result.labels.append(row.flag)
            result.scores.append(item.score)
        if item.is_claim and row.flag:
            result.flagged_correct += 1
            found.add(row.start)
    result.true_positives = len(found)
    return result


def summarise(results: list[ArticleResult]) -> dict:
    """Totals over the articles."""
    flagged = sum(r.flagged_body for r in results)
    correct = sum(r.flagged_correct for r in results)
    tp = sum(r.true_positives for r in results)
    positives = sum(r.positives for r in results)
    body = sum(r.body for r in results)
    labels = np.array([x for r in results for x in r.labels])
    scores = np.array([x for r in results for x in r.scores])
    return {
        "articles": len(results),
        "body_sentences": body,
        "positives": positives,
        "flagged": flagged,
        "precision": correct / max(flagged, 1),
        "recall": tp / max(positives, 1),
        "average_precision": average_precision(labels, scores) if labels.any() else 0.0,
        "body_share_flagged": flagged / max(body, 1),
        "structural_flagged": sum(r.structural_flagged for r in results),
        "kind_errors": sum(r.kind_errors for r in results),
        "queue_items": {r.name: r.queue_items for r in results},
    }
