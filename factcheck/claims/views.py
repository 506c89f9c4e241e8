"""Claims: the list of flagged claims, one claim in context, promoting a missed sentence."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from factcheck.auth.roles import Role
from factcheck.claims.models import CLAIM_STATUSES, Claim, Sentence, SentenceScore
from factcheck.claims.services import promote_sentence
from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.security import login_required, roles_allowed
from factcheck.sources.forms import PromoteForm

bp = Blueprint("claims", __name__)


@bp.route("/")
@login_required
def index():
    """Claims by priority, optionally of one status."""
    status = request.args.get("status") or None
    query = sa.select(Claim).order_by(Claim.priority.desc(), Claim.id.desc())
    if status:
        if status not in CLAIM_STATUSES:
            abort(404)
        query = query.where(Claim.status == status)
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("claims/index.html", page=page, status=status, statuses=CLAIM_STATUSES)


@bp.route("/<int:claim_id>")
@login_required
def claim(claim_id: int):
    """One claim: its sentence in context, claimant, score and model version."""
    item = db.session.get(Claim, claim_id)
    if item is None:
        abort(404)
    contexts = []
    for sentence in item.sentences:
        neighbours = db.session.scalars(
            sa.select(Sentence)
            .where(
                Sentence.article_id == sentence.article_id,
                Sentence.position.between(sentence.position - 1, sentence.position + 1),
            )
            .order_by(Sentence.position)
        ).all()
        score = db.session.scalars(
            sa.select(SentenceScore)
            .where(SentenceScore.sentence_id == sentence.id)
            .order_by(SentenceScore.scored_at.desc())
        ).first()
        contexts.append((sentence, neighbours, score))
    return render_template("claims/claim.html", claim=item, contexts=contexts)


@bp.route("/promote/<int:sentence_id>", methods=["POST"])
@roles_allowed(Role.FACT_CHECKER)
def promote(sentence_id: int):
    """Make a claim of a sentence the classifier did not flag."""
    sentence = db.session.get(Sentence, sentence_id)
    if sentence is None:
        abort(404)
    form = PromoteForm()
    if not form.validate_on_submit():
        flash(
            "; ".join(e for errs in form.errors.values() for e in errs) or "Invalid request.",
            "error",
        )
        return redirect(url_for("sources.article", article_id=sentence.article_id)), 400
    try:
        item = promote_sentence(
            db.session,
            sentence,
            actor=current_user._get_current_object(),
            text=form.claim_text.data or None,
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("sources.article", article_id=sentence.article_id))
    db.session.commit()
    flash("The sentence is now a claim in the queue.", "success")
    return redirect(url_for("claims.claim", claim_id=item.id))
