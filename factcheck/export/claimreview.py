"""schema.org ClaimReview for published rulings (the markup search engines read).

Fields follow schema.org's ClaimReview, Rating, Claim and CreativeWork types and Google's
ClaimReview structured-data guidelines: claimReviewed, reviewRating (alternateName, and
ratingValue/bestRating/worstRating when the rating lies on the numeric scale), url,
author (the organisation), datePublished, itemReviewed (a Claim with its author,
datePublished and appearance) and inLanguage.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy.orm as so

from factcheck.claims.models import Claim
from factcheck.editorial.models import Ruling
from factcheck.export.queries import appearances, claim_review_query
from factcheck.export.services import ExportFilters, ruling_url
from factcheck.sources.models import Article
from factcheck.verdicts.models import VerdictRevision


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _appearance(article: Article) -> dict[str, Any]:
    """An article a claim appeared in, as a schema.org CreativeWork."""
    appearance: dict[str, Any] = {"@type": "CreativeWork"}
    if article.url:
        appearance["url"] = article.url
    if article.title:
        appearance["headline"] = article.title
    if article.published_on:
        appearance["datePublished"] = article.published_on.isoformat()
    if article.outlet is not None:
        appearance["publisher"] = {"@type": "Organization", "name": article.outlet.name}
    return appearance


def claim_review(
    ruling: Ruling,
    revision: VerdictRevision,
    claim: Claim,
    article: Article | None,
    *,
    organisation: str,
    organisation_url: str,
    base_url: str,
    appearances: Sequence[Article] | None = None,
) -> dict[str, Any]:
    """The ClaimReview of one ruling as a JSON-LD object.

    `appearances`: every article the claim appeared in, earliest first
    (export.queries.appearances); without it, the claim's own article only."""
    rating = revision.rating
    review_rating: dict[str, Any] = {"@type": "Rating"}
    if rating is not None:
        review_rating["alternateName"] = rating.label
        if rating.value is not None:
            review_rating.update(
                ratingValue=_number(rating.value),
                bestRating=_number(rating.scale.max_value),
                worstRating=_number(rating.scale.min_value),
            )
    if revision.summary:
        review_rating["ratingExplanation"] = revision.summary

    item: dict[str, Any] = {"@type": "Claim"}
    if revision.claimant_name:
        author: dict[str, Any] = {"@type": "Person", "name": revision.claimant_name}
        if revision.claimant_role:
            author["jobTitle"] = revision.claimant_role
        item["author"] = author
    if revision.claimed_on:
        item["datePublished"] = revision.claimed_on.isoformat()
    shown = [
        _appearance(a)
        for a in (appearances if appearances is not None else [article] if article else [])
        if a.url or a.title
    ]
    if shown:
        item["appearance"] = shown
        item["firstAppearance"] = shown[0]

    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": ruling_url(base_url, claim.id),
        "claimReviewed": revision.claim_text,
        "reviewRating": review_rating,
        "itemReviewed": item,
        "author": {"@type": "Organization", "name": organisation, "url": organisation_url},
        "datePublished": ruling.published_at.date().isoformat(),
        "inLanguage": (article.language if article is not None and article.language else "en"),
    }
    if ruling.corrections:
        review["dateModified"] = ruling.updated_at.date().isoformat()
    return review


def claim_reviews(
    session: so.Session,
    filters: ExportFilters,
    *,
    organisation: str,
    organisation_url: str,
    base_url: str,
    batch: int = 500,
) -> Iterator[dict[str, Any]]:
    """ClaimReview objects of the published rulings matching the filters, oldest first."""
    if filters.statuses != ("published",):
        filters = ExportFilters(**{**filters.__dict__, "statuses": ("published",)})
    query = claim_review_query(filters).execution_options(yield_per=batch)
    for rows in session.execute(query).partitions(batch):
        # Each claim's articles, for its appearance list: one lookup per batch of rulings.
        articles = appearances(session, [row[2].id for row in rows])
        for ruling, revision, claim, article in rows:
            yield claim_review(
                ruling,
                revision,
                claim,
                article,
                organisation=organisation,
                organisation_url=organisation_url,
                base_url=base_url,
                appearances=articles.get(claim.id),
            )


def jsonl_chunks(reviews: Iterator[dict[str, Any]], batch: int = 500) -> Iterator[str]:
    """One compact JSON object per line, in chunks."""
    lines: list[str] = []
    for review in reviews:
        lines.append(json.dumps(review, ensure_ascii=False, separators=(",", ":")))
        if len(lines) == batch:
            yield "\n".join(lines) + "\n"
            lines.clear()
    if lines:
        yield "\n".join(lines) + "\n"
