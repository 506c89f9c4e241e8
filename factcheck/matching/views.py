"""The buttons on a claim's matches: same claim, not the same, attach the ruling, undo."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from factcheck.auth.roles import Role
from factcheck.auth.security import roles_allowed
from factcheck.claims.lifecycle import get_claim
from factcheck.db import utcnow
from factcheck.errors import DomainError, NotFound
from factcheck.extensions import db
from factcheck.matching import decisions
from factcheck.matching.forms import MatchDecisionForm
from factcheck.matching.models import ClaimMatch

bp = Blueprint("matching", __name__)


def _form_error(form: MatchDecisionForm) -> str:
    messages = [e for errors in form.errors.values() for e in errors]
    return "; ".join(messages) or "The form could not be read; reload the page and try again."


def _done(match: ClaimMatch, decision: str, into_id: int | None) -> str:
    """What the desk is told after the decision committed."""
    target = (
        f"claim #{match.earlier_claim_id}"
        if match.earlier_claim_id is not None
        else f"the ruling by {match.external_ruling.publisher_name}"
    )
    if decision == "reject":
        return f"Marked {target} as not the same claim; it will not be suggested again."
    if decision == "undo":
        if match.earlier_claim_id is None:
            return f"Withdrawn: {target} is no longer marked as about claim #{match.claim_id}."
        return (
            f"The repeat link is undone: claim #{match.claim_id} is back in the queue, and "
            f"its article no longer counts for claim #{match.earlier_claim_id}."
        )
    if match.earlier_claim_id is None:
        return f"Confirmed: {target} is about claim #{match.claim_id}."
    if decision == "attach":
        return (
            f"Claim #{match.claim_id} now carries the published ruling of claim #{into_id}; "
            "its article is listed among the ruling's appearances."
        )
    return (
        f"Claim #{match.claim_id} is now a repeat of claim #{into_id}: its article and "
        f"claimant were added there, and claim #{into_id} moved up the queue."
    )


@bp.route("/<int:claim_id>/matches", methods=["POST"])
@roles_allowed(Role.FACT_CHECKER)
def decide(claim_id: int):
    """Decide one of the claim's matches (or undo a repeat linked into it)."""
    get_claim(db.session, claim_id)  # 404 for a claim that does not exist
    back = url_for("claims.claim", claim_id=claim_id) + "#matches"
    form = MatchDecisionForm()
    if not form.validate_on_submit():
        flash(_form_error(form), "error")
        return redirect(back)
    decision = form.decision.data
    actor = current_user._get_current_object()
    try:
        # The match row first, then the claim it would change: two people pressing a
        # button on the same match take turns (PostgreSQL row locks; SQLite writes in turn).
        match = db.session.scalar(
            sa.select(ClaimMatch).where(ClaimMatch.id == form.match_id.data).with_for_update()
        )
        if match is None:
            raise NotFound("That match is not on this claim any more; reload the page.")
        # The claim page of the newer claim, of the earlier one, or of the claim the
        # repeat joined (the end of a duplicate chain) shows the match's buttons.
        shown_on = (match.claim_id, match.earlier_claim_id, match.claim.duplicate_of_id)
        if claim_id not in shown_on:
            raise NotFound("That match is not on this claim any more; reload the page.")
        get_claim(db.session, match.claim_id, for_update=True)
        now = utcnow()
        into_id = None
        if decision == "accept":
            into_id = decisions.accept(db.session, match, actor=actor, now=now).id
        elif decision == "attach":
            into_id = decisions.attach_ruling(db.session, match, actor=actor, now=now).id
        elif decision == "reject":
            decisions.reject(db.session, match, actor=actor, now=now)
        else:
            decisions.undo(db.session, match, actor=actor, now=now)
        message = _done(match, decision, into_id)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    db.session.commit()
    flash(message, "success")
    return redirect(back)
