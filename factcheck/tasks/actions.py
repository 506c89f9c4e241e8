"""Views that start jobs of the kinds rescore and export owns outside a feature page: the
admin's "Re-score the archive" button. Routes on the "tasks" blueprint (job pages)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from factcheck.audit.services import record
from factcheck.auth.roles import Role
from factcheck.auth.security import roles_allowed
from factcheck.classifier import ModelUnavailable
from factcheck.classifier.loader import get_classifier
from factcheck.extensions import db
from factcheck.forms import ActionForm
from factcheck.matching.rescore import queue_rescore
from factcheck.tasks.views import bp


@bp.route("/admin/rescore", methods=["POST"])
@roles_allowed(Role.ADMIN)
def start_rescore():
    """Queue the "rescore" job (or show the one already queued or running)."""
    if not ActionForm().validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(url_for("admin.scales"), code=303)
    everything = request.form.get("all") == "1"
    try:
        job, new = queue_rescore(
            db.session, get_classifier(), everything=everything, actor_id=current_user.id
        )
    except ModelUnavailable as exc:
        db.session.rollback()
        flash(f"The model cannot be read: {exc}", "error")
        return redirect(url_for("admin.scales"), code=303)
    if not new:
        flash("A re-scoring is already queued or running; here it is.", "info")
    else:
        record(
            db.session,
            actor=current_user,
            action="job.start",
            entity_type="job",
            entity_id=job.id,
            extra={"kind": "rescore", "all": everything, "articles": job.total},
        )
    db.session.commit()
    return redirect(url_for("tasks.job", job_id=job.id), code=303)
