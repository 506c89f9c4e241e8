"""The notification list and marking notices read."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from factcheck.auth.security import login_required
from factcheck.db import utcnow
from factcheck.errors import DomainError
from factcheck.extensions import db
from factcheck.forms import ActionForm
from factcheck.notifications import services

bp = Blueprint("notifications", __name__)


@bp.route("/")
@login_required
def index():
    items = services.recent(db.session, current_user)
    return render_template("notifications/index.html", items=items, form=ActionForm())


@bp.route("/read", methods=["POST"], defaults={"notification_id": None})
@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int | None):
    if not ActionForm().validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(url_for("notifications.index"))
    try:
        services.mark_read(
            db.session,
            user=current_user._get_current_object(),
            now=utcnow(),
            notification_id=notification_id,
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("notifications.index"))
    db.session.commit()
    return redirect(url_for("notifications.index"))
