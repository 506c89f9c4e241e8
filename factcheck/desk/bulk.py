"""Bulk triage from the queue: one POST decides many claims, each on its own.

The queue's checkboxes and buttons belong to one form (`form="bulk-form"`), so this
works without script. Every claim goes through the service that decides one claim
(factcheck.review.bulk), in its own savepoint: refusals are listed, the rest is
committed at once, and the queue shows what was done and what was refused.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, url_for
from flask_login import current_user

from factcheck.auth.models import User
from factcheck.auth.queries import fact_checkers
from factcheck.auth.roles import Role, ensure_role
from factcheck.auth.security import roles_allowed
from factcheck.claims.models import Claim
from factcheck.db import bounded_int, utcnow
from factcheck.errors import Conflict, DomainError
from factcheck.extensions import db
from factcheck.matching import decisions as matches
from factcheck.matching.models import ClaimMatch
from factcheck.review import bulk as service
from factcheck.review.bulk import Outcome, apply_each
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
    """Dismiss, assign, merge the selected claims, or accept or reject their suggested
    matches; say what was done and what was refused."""
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
    if action == "accept":
        ensure_role(actor, Role.FACT_CHECKER)
        outcome = apply_each(
            db.session, form.selection, lambda c: _accept_best(c, actor=actor, now=now)
        )
        return outcome, "Linked {claims} as repeats of their closest suggested match"
    ensure_role(actor, Role.FACT_CHECKER)
    outcome = apply_each(db.session, form.selection, lambda c: _reject_all(c, actor=actor, now=now))
    return outcome, "Rejected the suggested matches of {claims}"


def _suggested(claim: Claim, *, earlier_only: bool = False) -> list[ClaimMatch]:
    """The claim's matches still waiting for a person, most similar first."""
    query = sa.select(ClaimMatch).where(
        ClaimMatch.claim_id == claim.id, ClaimMatch.state == "suggested"
    )
    if earlier_only:
        query = query.where(ClaimMatch.earlier_claim_id.is_not(None))
    return list(db.session.scalars(query.order_by(ClaimMatch.similarity.desc(), ClaimMatch.id)))


def _accept_best(claim: Claim, *, actor: User, now: datetime) -> None:
    """Link the claim as a repeat of its most similar suggested earlier claim (one only: a
    claim becomes the repeat of one claim). Rulings from elsewhere are confirmed on the
    claim's page, one by one."""
    found = _suggested(claim, earlier_only=True)
    if not found:
        raise Conflict("This claim has no suggested repeat.")
    matches.accept(db.session, found[0], actor=actor, now=now)


def _reject_all(claim: Claim, *, actor: User, now: datetime) -> None:
    """Mark every suggested match of the claim (earlier claims and rulings from elsewhere)
    as not the same claim; none is offered again."""
    found = _suggested(claim)
    if not found:
        raise Conflict("This claim has no suggested match.")
    for match in found:
        matches.reject(db.session, match, actor=actor, now=now)
