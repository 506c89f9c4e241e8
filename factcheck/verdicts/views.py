"""The verdict editor, and earlier revisions with what each one changed."""

from __future__ import annotations

import sqlalchemy.exc as sa_exc
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from factcheck.auth.roles import Role
from factcheck.auth.security import roles_allowed
from factcheck.claims.lifecycle import get_claim
from factcheck.db import utcnow
from factcheck.errors import DomainError
from factcheck.extensions import csrf, db
from factcheck.forms import refuse
from factcheck.review.leases import require_holder
from factcheck.review.queries import holder
from factcheck.verdicts import services
from factcheck.verdicts.diff import diff_revisions
from factcheck.verdicts.forms import STALE_FORM, VerdictForm
from factcheck.verdicts.models import VerdictRevision
from factcheck.verdicts.ratings import active_ratings

bp = Blueprint("verdicts", __name__)


def _render(claim, form, *, newer=None, status: int = 200):  # noqa: ANN001
    if form.csrf_token.errors and STALE_FORM not in form.form_errors:
        form.form_errors.append(STALE_FORM)
    form.add_blank_rows()
    latest = services.latest_revision(db.session, claim)
    newer_diff = None
    if newer is not None:
        # Show what the other person changed relative to the revision this form started from.
        base = db.session.get(VerdictRevision, form.base_revision_id() or 0)
        newer_diff = diff_revisions(base, newer)
        # The next save builds on their revision, keeping what this person typed.
        form.base_revision.data = str(newer.id)
    return (
        render_template(
            "verdicts/edit.html",
            claim=claim,
            form=form,
            latest=latest,
            newer=newer,
            newer_diff=newer_diff,
            lease=holder(db.session, claim, utcnow()),
        ),
        status,
    )


def _busy(claim, form):  # noqa: ANN001, ANN202
    """The save could not take the write lock in time: if the save holding it was of this
    verdict, say whose it was, as for any conflict; else ask to save again. The typed text
    stays in the form either way."""
    newest = services.latest_revision(db.session, claim)
    if newest is not None and newest.id != form.base_revision_id():
        stale = services.StaleVerdict(newest)
        form.form_errors.append(stale.message)
        return _render(claim, form, newer=newest, status=409)
    form.form_errors.append(
        "Someone saved at the same moment and the database was busy; nothing was saved. "
        "Your text is still below: save again."
    )
    body, status = _render(claim, form, status=503)
    return body, status, {"Retry-After": "2"}


@bp.route("/<int:claim_id>/verdict", methods=["GET", "POST"])
@roles_allowed(Role.FACT_CHECKER)
@csrf.exempt  # checked by the form itself, so a stale token keeps what was typed
def edit(claim_id: int):
    """Write or revise the verdict; every save is a new revision."""
    claim = get_claim(db.session, claim_id)
    form = VerdictForm()
    form.set_ratings(active_ratings(db.session))
    if not form.is_submitted():
        try:  # only the lease holder may write: say so before anyone types a verdict
            require_holder(db.session, claim, current_user._get_current_object(), utcnow())
        except DomainError as exc:
            flash(exc.message, "warning")
            return redirect(url_for("claims.claim", claim_id=claim.id))
        form.fill_from(claim, services.latest_revision(db.session, claim))
        return _render(claim, form)
    if not form.validate():
        return _render(claim, form, status=422)
    actor = current_user._get_current_object()
    now = utcnow()
    try:
        revision, changed = services.save_revision(
            db.session,
            claim,
            form.to_input(),
            actor=actor,
            base_revision_id=form.base_revision_id(),
            now=now,
        )
        if form.submit_for_approval.data:
            services.submit(db.session, claim, actor=actor, revision_id=revision.id, now=now)
        db.session.commit()  # inside the try: a commit refused by a busy database is caught
    except services.StaleVerdict as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _render(claim, form, newer=exc.latest, status=409)
    except DomainError as exc:
        return _render(claim, form, status=refuse(db.session, form, exc))
    except sa_exc.OperationalError:
        # SQLite: another save held the single write lock past busy_timeout.
        db.session.rollback()
        return _busy(claim, form)
    if form.submit_for_approval.data:
        flash(f"Revision {revision.number} is submitted to the editors.", "success")
        return redirect(url_for("claims.claim", claim_id=claim.id))
    if changed:
        flash(f"Saved as revision {revision.number}.", "success")
    else:
        flash(f"Nothing changed since revision {revision.number}; nothing new was saved.", "info")
    return redirect(url_for("verdicts.edit", claim_id=claim.id))
