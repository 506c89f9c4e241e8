"""Bulk triage from the queue: one POST decides many claims, each on its own.

The queue's checkboxes and buttons belong to one form (`form="bulk-form"`), so this
works without script. Every claim goes through the service that decides one claim
(factcheck.review.bulk), in its own savepoint: refusals are listed, the rest is
committed at once, and the queue shows what was done and what was refused.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_login import current_user

from factcheck.auth.models import User
from factcheck.auth.queries import fact_checkers
from factcheck.auth.roles import Role
from factcheck.auth.security import roles_allowed
from factcheck.db import bounded_int, utcnow
from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.review import bulk as service
from factcheck.review.bulk import Outcome
from factcheck.review.forms import BulkForm, bulk_form

bp = Blueprint("bulk", __name__)

# The queue's own query-string keys (its filters and page cursor), kept across the POST.
_QUEUE_ARGS = frozenset(
    {
        "status",
        "q",
        "min_score",
        "max_score",
        "outlet",
        "claimant",
        "found_from",
        "found_to",
        "assignee",
        "claim_type",
        "after",
    }
)


def _back(raw: str | None) -> str:
    """The queue page the form came from: only its own filters, never another address."""
    pairs = parse_qsl(raw or "", max_num_fields=len(_QUEUE_ARGS) * 2)
    args = {k: v[:200] for k, v in pairs if k in _QUEUE_ARGS}
    return url_for("claims.index", **args)


def _form_error(form: BulkForm) -> str:
    messages = [e for errors in form.errors.values() for e in errors]
    return "; ".join(messages) or "The form could not be read; reload the page and try again."


@bp.route("/bulk", methods=["POST"])
@roles_allowed(Role.FACT_CHECKER)
def bulk():
    """Dismiss, assign or merge the selected claims; say what was done and refused."""
    actor: User = current_user._get_current_object()
    people = fact_checkers(db.session) if actor.has_role(Role.EDITOR) else []
    form = bulk_form(actor, people)
    try:
        back = _back(form.back.data)
    except ValueError:  # more fields than a queue address has
        back = url_for("claims.index")
    if not form.validate_on_submit():
        flash(_form_error(form), "error")
        return redirect(back)
    now = utcnow()
    try:
        outcome, what = _decide(form, actor, now)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    db.session.commit()
    category = "success" if not outcome.refused else "info" if outcome.done else "error"
    flash(outcome.summary(what), category)
    return redirect(back)


def _decide(form: BulkForm, actor: User, now) -> tuple[Outcome, str]:  # noqa: ANN001
    """Run the chosen action; return its outcome and the summary's wording."""
    action = form.action.data
    if action == "dismiss":
        outcome = service.dismiss(
            db.session,
            form.selection,
            reason=form.reason.data,
            note=form.note.data,
            actor=actor,
            now=now,
        )
        return outcome, "Dismissed {claims}"
    if action == "assign":
        assignee_id = bounded_int(form.assignee.data)
        assignee = db.session.get(User, assignee_id) if assignee_id else None
        outcome = service.assign(
            db.session,
            form.selection,
            assignee=assignee,
            actor=actor,
            now=now,
            lease_hours=float(current_app.config["REVIEW_LEASE_HOURS"]),
        )
        who = "yourself" if assignee is not None and assignee.id == actor.id else None
        return outcome, "Assigned {claims} to " + (who or assignee.display_name)
    if action == "merge":
        into, outcome = service.merge(
            db.session, form.selection, into_id=form.into.data, actor=actor, now=now
        )
        return outcome, "Merged {claims} into #" + str(into.id)
    raise DomainError("That action is not available yet.")
