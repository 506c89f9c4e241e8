"""Editors: decide on submitted verdicts, publish, correct, retract; the public ruling page."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from factcheck.auth.roles import Role
from factcheck.auth.security import roles_allowed
from factcheck.claims.lifecycle import get_claim
from factcheck.db import bounded_int, utcnow
from factcheck.editorial import approval, corrections, lookups, publication
from factcheck.editorial.forms import (
    CorrectionDecisionForm,
    DecisionForm,
    PublishForm,
    RetractForm,
)
from factcheck.editorial.models import CorrectionProposal
from factcheck.errors import DomainError
from factcheck.extensions import csrf, db
from factcheck.forms import refuse
from factcheck.verdicts.diff import diff_revisions
from factcheck.verdicts.forms import STALE_FORM, CorrectionForm
from factcheck.verdicts.ratings import active_ratings
from factcheck.verdicts.services import StaleVerdict, latest_revision

bp = Blueprint("editorial", __name__)


def _actor():  # noqa: ANN202
    return current_user._get_current_object()


def _review_page(claim, form, status: int = 200):  # noqa: ANN001
    latest = latest_revision(db.session, claim)
    decisions = lookups.decisions(db.session, claim)
    # Compare with what an editor last decided on: the version returned (the editor wants
    # to see what was fixed) or the last approved one; a first review has neither.
    compared = decisions[-1] if decisions else None
    return (
        render_template(
            "editorial/review.html",
            claim=claim,
            rev=latest,
            compared=compared,
            changes=diff_revisions(compared.revision, latest) if latest and compared else [],
            form=form,
            decisions=decisions,
            self_authored=approval.second_editor_problem(db.session, claim, _actor()),
            allow_self=current_app.config["ALLOW_SELF_APPROVAL"],
        ),
        status,
    )


def _decision(claim, form, page, shown, decide):  # noqa: ANN001, ANN202
    """An editor's decision on one revision (a submitted verdict, or a correction waiting
    for a second editor). The form carries the id of the revision the editor was shown
    (`shown()` on first display), so a newer one saved in between is refused, not decided
    unseen; `decide(revision_id, now)` makes the change and says what was done."""
    if not form.is_submitted():
        revision_id = shown()
        form.revision_id.data = str(revision_id) if revision_id else ""
        return page(claim, form)
    if not form.validate():
        return page(claim, form, 422)
    try:
        message = decide(bounded_int(form.revision_id.data, default=0), utcnow())
    except DomainError as exc:
        return page(claim, form, refuse(db.session, form, exc))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("claims.claim", claim_id=claim.id))


@bp.route("/<int:claim_id>/review", methods=["GET", "POST"])
@roles_allowed(Role.EDITOR)
def review(claim_id: int):
    """The submitted revision with its evidence and the diff against the last approved one."""
    claim = get_claim(db.session, claim_id)
    form = DecisionForm()

    def shown() -> int | None:
        latest = latest_revision(db.session, claim)
        return latest.id if latest else None

    def decide(revision_id: int, now: datetime) -> str:
        if form.send_back.data:
            approval.return_verdict(
                db.session,
                claim,
                revision_id=revision_id,
                comment=form.comment.data,
                actor=_actor(),
                now=now,
                lease_hours=float(current_app.config["REVIEW_LEASE_HOURS"]),
            )
            return "The verdict is returned to the fact-checker with your comment."
        approval.approve(
            db.session,
            claim,
            revision_id=revision_id,
            actor=_actor(),
            now=now,
            comment=form.comment.data,
            allow_self_approval=current_app.config["ALLOW_SELF_APPROVAL"],
        )
        if form.approve_publish.data:
            publication.publish(db.session, claim, actor=_actor(), now=now)
            return "The verdict is approved and the ruling is published."
        return "The verdict is approved."

    return _decision(claim, form, _review_page, shown, decide)


@bp.route("/<int:claim_id>/publish", methods=["POST"])
@roles_allowed(Role.EDITOR)
def publish(claim_id: int):
    claim = get_claim(db.session, claim_id, for_update=True)
    if not PublishForm().validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(url_for("claims.claim", claim_id=claim_id))
    try:
        publication.publish(db.session, claim, actor=_actor(), now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("claims.claim", claim_id=claim_id))
    db.session.commit()
    flash("The ruling is published.", "success")
    return redirect(url_for("claims.claim", claim_id=claim_id))


@bp.route("/<int:claim_id>/retract", methods=["POST"])
@roles_allowed(Role.EDITOR)
def retract(claim_id: int):
    claim = get_claim(db.session, claim_id, for_update=True)
    form = RetractForm()
    if not form.validate_on_submit():
        flash("; ".join(e for errs in form.errors.values() for e in errs), "error")
        return redirect(url_for("claims.claim", claim_id=claim_id))
    try:
        publication.retract(db.session, claim, note=form.note.data, actor=_actor(), now=utcnow())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("claims.claim", claim_id=claim_id))
    db.session.commit()
    flash("The ruling is retracted; the record and the reason stay public.", "success")
    return redirect(url_for("claims.claim", claim_id=claim_id))


@bp.route("/<int:claim_id>/correct", methods=["GET", "POST"])
@roles_allowed(Role.EDITOR)
@csrf.exempt  # checked by the form itself, so a stale token keeps what was typed
def correct(claim_id: int):
    """Correct a published ruling: the verdict as corrected plus a public note."""
    claim = get_claim(db.session, claim_id)
    form = CorrectionForm()
    form.set_ratings(active_ratings(db.session))
    status = 200
    newer = None
    if not form.is_submitted():
        waiting = lookups.pending_correction(db.session, claim)
        if waiting is not None:
            flash(corrections.waiting_message(waiting), "warning")
            return redirect(url_for("editorial.correction", claim_id=claim.id))
        # Start from what is published (not from a declined proposal), building on the
        # newest revision.
        latest = latest_revision(db.session, claim)
        ruling = lookups.ruling_of(db.session, claim)
        form.fill_from(claim, ruling.decision.revision if ruling else latest)
        form.base_revision.data = str(latest.id) if latest else ""
    elif form.validate():
        try:
            result = corrections.correct(
                db.session,
                claim,
                form.to_input(),
                note=form.note.data,
                base_revision_id=form.base_revision_id(),
                actor=_actor(),
                now=utcnow(),
                allow_one_step=current_app.config["ALLOW_ONE_STEP_CORRECTIONS"],
            )
        except StaleVerdict as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            newer, status = exc.latest, 409
        except DomainError as exc:
            status = refuse(db.session, form, exc)
        else:
            db.session.commit()
            if isinstance(result, CorrectionProposal):
                flash(
                    "The correction changes the rating, so another editor must approve it "
                    "before it is published; the editors are notified. The ruling stays as "
                    "it was until then.",
                    "info",
                )
            else:
                flash("The correction is published with its note.", "success")
            return redirect(url_for("claims.claim", claim_id=claim.id))
    else:
        status = 422
        if form.csrf_token.errors:
            form.form_errors.append(STALE_FORM)
    form.add_blank_rows()
    return (
        render_template("editorial/correct.html", claim=claim, form=form, newer=newer),
        status,
    )


def _correction_page(claim, form, status: int = 200):  # noqa: ANN001
    waiting = lookups.pending_correction(db.session, claim)
    ruling = lookups.ruling_of(db.session, claim)
    published = ruling.decision.revision if ruling else None
    return (
        render_template(
            "editorial/correction.html",
            claim=claim,
            waiting=waiting,
            published=published,
            changes=diff_revisions(published, waiting.revision) if waiting else [],
            problem=(
                approval.second_editor_problem(db.session, claim, _actor(), [waiting.revision])
                if waiting
                else None
            ),
            form=form,
        ),
        status,
    )


@bp.route("/<int:claim_id>/correction", methods=["GET", "POST"])
@roles_allowed(Role.EDITOR)
def correction(claim_id: int):
    """A correction that changes the rating, waiting for a second editor: approve or decline."""
    claim = get_claim(db.session, claim_id)
    form = CorrectionDecisionForm()

    def shown() -> int | None:
        waiting = lookups.pending_correction(db.session, claim)
        return waiting.revision.id if waiting else None

    def decide(revision_id: int, now: datetime) -> str:
        if form.decline.data:
            corrections.decline_correction(
                db.session,
                claim,
                revision_id=revision_id,
                comment=form.comment.data,
                actor=_actor(),
                now=now,
            )
            return "The correction is declined; the ruling stays as it was."
        corrections.approve_correction(
            db.session, claim, revision_id=revision_id, actor=_actor(), now=now
        )
        return "The correction is approved and published with its note."

    return _decision(claim, form, _correction_page, shown, decide)
