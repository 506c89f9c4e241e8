"""Admin pages: people and their roles."""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from factcheck.admin.forms import (
    ActionForm,
    AuditFilterForm,
    RatingForm,
    UserCreateForm,
    UserEditForm,
)
from factcheck.admin.queries import AuditFilters, accounts, audit_log
from factcheck.admin.services import deactivate as deactivate_account
from factcheck.auth.config import one_time_lifetime, password_policy, passwords
from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.auth.security import roles_allowed
from factcheck.auth.services import create_user, reset_password, set_active, update_user
from factcheck.db import bounded_int, utcnow
from factcheck.errors import Conflict, DomainError
from factcheck.extensions import db
from factcheck.forms import refuse
from factcheck.paging import filter_args
from factcheck.verdicts.queries import scales_by_name

bp = Blueprint("admin", __name__)


def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _actor() -> User:
    return current_user._get_current_object()


@bp.route("/users")
@roles_allowed(Role.ADMIN)
def users():
    """List every account."""
    return render_template("admin/users.html", users=accounts(db.session), action_form=ActionForm())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_allowed(Role.ADMIN)
def create():
    """Create an account."""
    form = UserCreateForm()
    status = 200
    if form.validate_on_submit():
        try:
            user, one_time = create_user(
                db.session,
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data or None,
                roles=form.roles.data,
                passwords=passwords(),
                policy=password_policy(),
                actor=_actor(),
                one_time_lifetime=one_time_lifetime(),
            )
        except DomainError as exc:
            status = refuse(db.session, form, exc)
        else:
            db.session.commit()
            if one_time:
                return render_template("admin/one_time_password.html", user=user, password=one_time)
            flash(f"Created {user.email}.", "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 400
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_allowed(Role.ADMIN)
def edit(user_id: int):
    """Change a user's display name and roles."""
    user = _get_user(user_id)
    form = UserEditForm(obj=user)  # posted values win over the stored ones
    status = 200
    if form.validate_on_submit():
        try:
            changes = update_user(
                db.session,
                user,
                display_name=form.display_name.data,
                roles=form.roles.data,
                actor=_actor(),
            )
        except DomainError as exc:
            status = refuse(db.session, form, exc)
        else:
            db.session.commit()
            flash(f"Saved {user.email}." if changes else "Nothing changed.", "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 400
    return (
        render_template("admin/user_form.html", form=form, user=user, action_form=ActionForm()),
        status,
    )


def _account_action(user_id: int, action, done_message: str):  # noqa: ANN001
    user = _get_user(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        result = action(user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.edit", user_id=user.id)), exc.status_code
    db.session.commit()
    if isinstance(result, str):
        return render_template("admin/one_time_password.html", user=user, password=result)
    flash(done_message.format(email=user.email), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@roles_allowed(Role.ADMIN)
def deactivate(user_id: int):
    """Deactivate an account; the user is signed out at once."""
    return _account_action(
        user_id,
        lambda u: deactivate_account(db.session, u, actor=_actor(), now=utcnow()),
        "Deactivated {email}.",
    )


@bp.route("/users/<int:user_id>/activate", methods=["POST"])
@roles_allowed(Role.ADMIN)
def activate(user_id: int):
    """Reactivate an account."""
    return _account_action(
        user_id,
        lambda u: set_active(db.session, u, active=True, actor=_actor()),
        "Reactivated {email}.",
    )


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@roles_allowed(Role.ADMIN)
def reset(user_id: int):
    """Give the user a new one-time password, shown once."""
    return _account_action(
        user_id,
        lambda u: reset_password(
            db.session,
            u,
            passwords=passwords(),
            actor=_actor(),
            one_time_lifetime=one_time_lifetime(),
        ),
        "",
    )


@bp.route("/audit")
@roles_allowed(Role.ADMIN)
def audit():
    """The audit log, newest first, filtered; read-only (nothing here edits an entry)."""
    form = AuditFilterForm(request.args)
    # The form's fields are named as the filters are; none apply unless all are valid.
    valid = form.validate()
    filters = AuditFilters(**{f.name: form[f.name].data for f in fields(AuditFilters) if valid})
    before = bounded_int(request.args.get("before"))
    limit = current_app.config["PAGE_SIZE"]
    rows = audit_log(db.session, filters, before=before, limit=limit)
    args = filter_args(form)
    next_url = (
        url_for("admin.audit", **args, before=rows[limit - 1].id) if len(rows) > limit else None
    )
    return render_template(
        "admin/audit.html",
        form=form,
        entries=rows[:limit],
        next_url=next_url,
        first_url=url_for("admin.audit", **args) if before else None,
    )


@bp.route("/scales", methods=["GET", "POST"])
@roles_allowed(Role.ADMIN)
def scales():
    """Rating scales: the default scale's ratings; add one, retire or restore one."""
    from factcheck.verdicts.ratings import add_rating, default_scale

    form = RatingForm()
    status = 200
    if form.validate_on_submit():
        try:
            scale = default_scale(db.session)
            if scale is None:
                raise Conflict(
                    "There is no default rating scale: run `factcheck db upgrade`, "
                    "which creates it."
                )
            add_rating(
                db.session,
                scale,
                label=form.label.data,
                bucket=form.bucket.data,
                value=float(form.value.data) if form.value.data is not None else None,
                definition=form.definition.data or "",
                colour=form.colour.data,
                actor=_actor(),
            )
        except DomainError as exc:
            status = refuse(db.session, form, exc)
        else:
            db.session.commit()
            flash(f"Added the rating {form.label.data.strip()}.", "success")
            return redirect(url_for("admin.scales"))
    elif form.is_submitted():
        status = 422
    all_scales = scales_by_name(db.session)
    settings = {
        key: current_app.config[key]
        for key in (
            "ORGANISATION_NAME",
            "ORGANISATION_URL",
            "REVIEW_LEASE_HOURS",
            "ALLOW_SELF_APPROVAL",
            "PUBLIC_RULINGS",
            "PAGE_SIZE",
            "CLASSIFIER_THRESHOLD",
            "MAIL_ENABLED",
            "MAX_CONTENT_LENGTH",
        )
    }
    return (
        render_template(
            "admin/scales.html",
            scales=all_scales,
            form=form,
            action_form=ActionForm(),
            settings=settings,
        ),
        status,
    )


@bp.route("/ratings/<int:rating_id>/<any(activate, deactivate):change>", methods=["POST"])
@roles_allowed(Role.ADMIN)
def rating_active(rating_id: int, change: str):
    from factcheck.verdicts.models import Rating
    from factcheck.verdicts.ratings import set_rating_active

    rating = db.session.get(Rating, rating_id)
    if rating is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        set_rating_active(db.session, rating, active=change == "activate", actor=_actor())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.scales"))
    db.session.commit()
    flash(f"{rating.label} is {'back in use' if change == 'activate' else 'retired'}.", "success")
    return redirect(url_for("admin.scales"))
