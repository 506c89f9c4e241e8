"""The home page and the health check."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, render_template

from factcheck.auth.security import login_required, public
from factcheck.extensions import db
from factcheck.review.counts import status_counts
from factcheck.sources.models import Article

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    """Show what is waiting, and the latest articles."""
    counts = status_counts(db.session)
    latest = db.session.scalars(
        sa.select(Article)
        .options(so.load_only(Article.id, Article.title, Article.ingested_at, Article.outlet_id))
        .options(so.joinedload(Article.outlet))
        .order_by(Article.ingested_at.desc(), Article.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "main/index.html", counts=counts, latest=latest, published=_recent_rulings(limit=5)
    )


def _recent_rulings(limit: int) -> list[sa.Row]:
    """The latest published rulings: claim, rating and when."""
    from factcheck.editorial.models import EditorialDecision, Ruling
    from factcheck.verdicts.models import Rating, VerdictRevision

    return db.session.execute(
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


@bp.route("/healthz")
@public
def health():
    """Tell a load balancer whether the app and its database answer."""
    db.session.execute(sa.select(1))
    return {"status": "ok"}
