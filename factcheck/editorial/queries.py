"""Reads of rulings, shared by the web pages, the API and the export: which rulings a set
of filters selects, a page of them with everything their JSON shows, and the latest
published. Nothing here writes.

One selection for every reader: the CSV and evidence exports (export.queries), the
ClaimReview feed (export.claimreview) and the API's list of rulings all start from
matching(), so a filter means the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.claims.models import Claim
from factcheck.editorial.models import RULING_STATUSES, EditorialDecision, Ruling
from factcheck.sources.models import Article
from factcheck.verdicts.models import Rating, VerdictRevision


class RulingFilters(Protocol):
    """Which rulings to read (export.services.ExportFilters is one); every field optional."""

    statuses: tuple[str, ...]
    since: date | None
    until: date | None
    rating_id: int | None
    outlet_id: int | None
    claimant: str | None
    fact_checker_id: int | None
    editor_id: int | None


def ruling_statuses(choice: str) -> tuple[str, ...]:
    """The statuses a status choice of a form or query string means ("both": either)."""
    return RULING_STATUSES if choice == "both" else (choice,)


def day_start(day: date, *, days: int = 0) -> datetime:
    """Midnight UTC at the start of `day` (plus `days`)."""
    return datetime.combine(day + timedelta(days=days), time(), UTC)


def matching(query: sa.Select, filters: RulingFilters) -> sa.Select:
    """`query` from the rulings through their claims, approvals, the revisions they show
    and (outer) the claims' articles, keeping the rulings the filters select.

    Primary-key joins only, so it walks the rulings in any order the caller sets.
    """
    query = (
        query.select_from(Ruling)
        .join(Claim, Claim.id == Ruling.claim_id)
        .join(EditorialDecision, EditorialDecision.id == Ruling.decision_id)
        .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
        .outerjoin(Article, Article.id == Claim.article_id)
        .where(Ruling.status.in_(filters.statuses))
    )
    if filters.since:
        query = query.where(Ruling.published_at >= day_start(filters.since))
    if filters.until:
        query = query.where(Ruling.published_at < day_start(filters.until, days=1))
    if filters.rating_id is not None:
        query = query.where(VerdictRevision.rating_id == filters.rating_id)
    if filters.outlet_id is not None:
        query = query.where(Article.outlet_id == filters.outlet_id)
    if filters.claimant:
        escaped = filters.claimant.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(VerdictRevision.claimant_name.ilike(f"%{escaped}%", escape="\\"))
    if filters.editor_id is not None:
        query = query.where(EditorialDecision.editor_id == filters.editor_id)
    if filters.fact_checker_id is not None:
        first_rev = so.aliased(VerdictRevision)
        query = query.where(
            sa.exists().where(
                first_rev.claim_id == Ruling.claim_id,
                first_rev.author_id == filters.fact_checker_id,
                first_rev.submitted_at.is_not(None),
            )
        )
    return query


def shown_with_rulings() -> tuple[so.interfaces.LoaderOption, ...]:
    """Loader options for rulings read through matching(): the approval and revision from
    its joins, the rating, evidence and corrections in one query each, not one per ruling."""
    revision = so.contains_eager(Ruling.decision).contains_eager(EditorialDecision.revision)
    return (
        revision.selectinload(VerdictRevision.rating),
        revision.selectinload(VerdictRevision.evidence),
        so.selectinload(Ruling.corrections),
    )


@dataclass(frozen=True)
class RulingsPage:
    items: Sequence[Ruling]
    # The last ruling's id, to ask for the page after it; None on the last page.
    next_after: int | None


def rulings_page(
    session: so.Session, filters: RulingFilters, *, after: int = 0, limit: int = 50
) -> RulingsPage:
    """One page of the rulings the filters select, by id after `after`, with their
    revisions, ratings, evidence and corrections loaded (the API shows them all)."""
    rows = session.scalars(
        matching(sa.select(Ruling), filters)
        .where(Ruling.id > after)
        .order_by(Ruling.id)
        .limit(limit + 1)
        .options(*shown_with_rulings())
    ).all()
    items = rows[:limit]
    return RulingsPage(items, items[-1].id if len(rows) > limit else None)


def recent_rulings(session: so.Session, limit: int) -> Sequence[sa.Row]:
    """The latest published rulings: claim id, claim text, claimant, rating and when."""
    return session.execute(
        sa.select(
            Ruling.claim_id,
            Ruling.published_at,
            VerdictRevision.claim_text,
            VerdictRevision.claimant_name,
            Rating.label.label("rating"),
        )
        .join(EditorialDecision, EditorialDecision.id == Ruling.decision_id)
        .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
        .outerjoin(Rating, Rating.id == VerdictRevision.rating_id)
        .where(Ruling.status == "published")
        .order_by(Ruling.published_at.desc(), Ruling.id.desc())
        .limit(limit)
    ).all()
