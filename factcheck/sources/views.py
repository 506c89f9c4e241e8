"""Read articles that were taken in."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request

from factcheck.claims.models import Sentence
from factcheck.extensions import db
from factcheck.security import login_required
from factcheck.sources.models import Article

bp = Blueprint("sources", __name__)


@bp.route("/")
@login_required
def articles():
    """List articles, newest first."""
    page = db.paginate(
        sa.select(Article).order_by(Article.ingested_at.desc(), Article.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("sources/articles.html", page=page)


@bp.route("/<int:article_id>")
@login_required
def article(article_id: int):
    """Show one article with its sentences."""
    item = db.session.get(Article, article_id)
    if item is None:
        abort(404)
    sentences = db.session.scalars(
        sa.select(Sentence).where(Sentence.article_id == item.id).order_by(Sentence.position)
    ).all()
    return render_template("sources/article.html", article=item, sentences=sentences)
