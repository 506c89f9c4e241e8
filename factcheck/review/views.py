"""Actions on claims in the queue: take, next, release, assign, dismiss, merge, reopen."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_login import current_user
from wtforms import SelectChoice

from factcheck.auth.models import User
from factcheck.auth.queries import fact_checkers
from factcheck.auth.roles import Role
from factcheck.auth.security import roles_allowed
from factcheck.claims.lifecycle import get_claim
from factcheck.claims.models import Claim
from factcheck.db import utcnow
from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.forms import ActionForm
from factcheck.review import decisions, leases
from factcheck.review.forms import AssignForm, DismissForm, MergeForm

bp = Blueprint("review", __name__)


def _actor() -> User:
    return current_user._get_current_object()


def _form_error(form) -> str:  # noqa: ANN001
    messages = [e for errors in form.errors.values() for e in errors]
    return "; ".join(messages) or "The form could not be read; reload the page and try again."


def _run(claim_id: int, form, action, success: str):  # noqa: ANN001
    """Validate the form, run the service, commit or roll back, and go back to the claim."""
    claim = get_claim(db.session, claim_id, for_update=True)
    target = url_for("claims.claim", claim_id=claim_id)
    if not form.validate_on_submit():
        flash(_form_error(form), "error")
        return redirect(target)
    try:
        action(claim)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(target)
    db.session.commit()
    flash(success, "success")
    return redirect(target)


def _lease_hours() -> float:
    return float(current_app.config["REVIEW_LEASE_HOURS"])


@bp.route("/<int:claim_id>/take", methods=["POST"])
@roles_allowed(Role.FACT_CHECKER)
def take(claim_id: int):
    hours = _lease_hours()
    return _run(
        claim_id,
        ActionForm(),
        lambda c: leases.take(db.session, c, actor=_actor(), now=utcnow(), lease_hours=hours),
        f"The claim is yours for the next {hours:g} hours.",
    )


@bp.route("/next", methods=["POST"])
@roles_allowed(Role.FACT_CHECKER)
def take_next():
    """Hand the fact-checker the top claim nobody holds."""
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_form_error(form), "error")
        return redirect(url_for("claims.index"))
    try:
        assignment = leases.take_next(
            db.session, actor=_actor(), now=utcnow(), lease_hours=_lease_hours()
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("claims.index"))
    db.session.commit()
    if assignment is None:
        flash("The queue is empty: every waiting claim is held by someone.", "info")
        return redirect(url_for("claims.index"))
    flash("This is the top claim in the queue; it is yours now.", "success")
    return redirect(url_for("claims.claim", claim_id=assignment.claim_id))


@bp.route("/<int:claim_id>/release", methods=["POST"])
@roles_allowed(Role.FACT_CHECKER)
def release(claim_id: int):
    return _run(
        claim_id,
        ActionForm(),
        lambda c: leases.release(db.session, c, actor=_actor(), now=utcnow()),
        "The claim is back in the queue.",
    )


@bp.route("/<int:claim_id>/assign", methods=["POST"])
@roles_allowed(Role.EDITOR)
def assign(claim_id: int):
    form = AssignForm()
    form.assignee.choices = [SelectChoice(u.id, u.display_name) for u in fact_checkers(db.session)]
    return _run(
        claim_id,
        form,
        lambda c: leases.assign(
            db.session,
            c,
            assignee=db.session.get(User, form.assignee.data),
            actor=_actor(),
            now=utcnow(),
            lease_hours=_lease_hours(),
        ),
        "The claim is assigned.",
    )


@bp.route("/<int:claim_id>/dismiss", methods=["POST"])
@roles_allowed(Role.FACT_CHECKER)
def dismiss(claim_id: int):
    form = DismissForm()
    return _run(
        claim_id,
        form,
        lambda c: decisions.dismiss(
            db.session,
            c,
            reason=form.reason.data,
            note=form.note.data,
            actor=_actor(),
            now=utcnow(),
        ),
        "The claim is dismissed; the reason is kept.",
    )


@bp.route("/<int:claim_id>/reopen", methods=["POST"])
@roles_allowed(Role.EDITOR)
def reopen(claim_id: int):
    return _run(
        claim_id,
        ActionForm(),
        lambda c: decisions.reopen(db.session, c, actor=_actor()),
        "The claim is back in the queue.",
    )


@bp.route("/<int:claim_id>/merge", methods=["POST"])
@roles_allowed(Role.FACT_CHECKER)
def merge(claim_id: int):
    form = MergeForm()
    return _run(
        claim_id,
        form,
        lambda c: decisions.merge(
            db.session,
            c,
            into=db.session.get(Claim, form.into.data) if form.into.data else None,
            actor=_actor(),
            now=utcnow(),
        ),
        "The claim is merged into the one it duplicates.",
    )
