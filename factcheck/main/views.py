"""The home page and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from factcheck.auth.security import login_required, public
from factcheck.editorial.queries import recent_rulings
from factcheck.extensions import db
from factcheck.review.counts import status_counts
from factcheck.sources.queries import latest_articles

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    """Show what is waiting, the latest rulings and the latest articles."""
    return render_template(
        "main/index.html",
        counts=status_counts(db.session),
        latest=latest_articles(db.session, limit=10),
        published=recent_rulings(db.session, limit=5),
    )


@bp.route("/healthz")
@public
def health():
    """Tell a load balancer whether the app and its database answer."""
    db.session.execute(sa.select(1))
    return {"status": "ok"}
