"""Sign in, sign out, change password."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from factcheck.auth.config import login_policy, password_policy, passwords
from factcheck.auth.forms import ChangePasswordForm, LoginForm, LogoutForm, TokenForm
from factcheck.auth.security import login_required, public
from factcheck.auth.services import (
    LoginFailed,
    authenticate,
    sign_out,
)
from factcheck.auth.services import (
    change_password as change_password_service,
)
from factcheck.errors import InvalidInput
from factcheck.extensions import db, limiter
from factcheck.forms import refuse

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """Accept only a local path as a post-login destination (no open redirects)."""
    if not target:
        return None
    target = target.replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


DEVICE_COOKIE = "factcheck_device"
_DEVICE_SALT = "factcheck.device"
_DEVICES_KEPT = 8


def _device_cookie_name() -> str:
    """Over HTTPS the cookie gets the __Host- prefix, like the session cookie: the browser
    then refuses it unless Secure, host-only and for the whole site."""
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    return f"__Host-{DEVICE_COOKIE}" if secure else DEVICE_COOKIE


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_DEVICE_SALT)


def _device() -> tuple[str | None, list[str]]:
    """This browser's device id and the accounts it has signed in to (digests), from the
    signed device cookie; (None, []) without a valid one."""
    raw = request.cookies.get(_device_cookie_name())
    if not raw or len(raw) > 2000:
        return None, []
    max_age = current_app.config["LOGIN_DEVICE_COOKIE_DAYS"] * 86400
    try:
        value = _device_serializer().loads(raw, max_age=max_age)
    except BadSignature:
        return None, []
    if not isinstance(value, dict) or not isinstance(value.get("d"), str):
        return None, []
    accounts = value.get("a")
    return value["d"], [a for a in accounts if isinstance(a, str)] if isinstance(
        accounts, list
    ) else []


def _remember_device(response, email: str):  # noqa: ANN001, ANN202
    """Mark this browser as one the account has signed in from (its own throttle bucket,
    and exempt from the all-addresses lock: auth/throttle.py)."""
    from factcheck.auth.throttle import email_digest

    device_id, known = _device()
    digest = email_digest(email)[:32]
    accounts = [digest, *(d for d in known if d != digest)][:_DEVICES_KEPT]
    cfg = current_app.config
    response.set_cookie(
        _device_cookie_name(),
        _device_serializer().dumps({"d": device_id or secrets.token_urlsafe(16), "a": accounts}),
        max_age=cfg["LOGIN_DEVICE_COOKIE_DAYS"] * 86400,
        secure=cfg["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/",
    )
    return response


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        from factcheck.auth.throttle import email_digest

        device_id, known = _device()
        trusted = device_id is not None and email_digest(form.email.data)[:32] in known
        client = f"device:{device_id}" if trusted else (request.remote_addr or "unknown")
        try:
            user = authenticate(
                db.session,
                email=form.email.data,
                password=form.password.data,
                passwords=passwords(),
                policy=login_policy(),
                client=client,
                trusted_device=trusted,
            )
        except LoginFailed as exc:
            db.session.commit()  # keep the failure counter and the audit entry
            form.form_errors.append(exc.message)
            status = 401
        else:
            db.session.commit()
            session.clear()  # a fresh session on sign-in (no fixation)
            login_user(user)
            session.permanent = True
            session["signed_in_at"] = session["last_seen"] = int(time.time())
            target = _safe_next(request.args.get("next")) or url_for("main.index")
            return _remember_device(redirect(target), user.email)
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out: the session ends for good (a copy of the cookie no longer works)."""
    if LogoutForm().validate_on_submit():
        sign_out(db.session, user=current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.clear()
        flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Let a user change their own password (required after a one-time password)."""
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            revoked = change_password_service(
                db.session,
                user,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                passwords=passwords(),
                policy=password_policy(),
            )
        except InvalidInput as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            login_user(user)  # the session token changed; keep this session signed in
            message = "Your password has been changed. Other sessions were signed out."
            if revoked:
                message += (
                    f" Your {revoked} API token{'s were' if revoked != 1 else ' was'} revoked;"
                    " create new ones under API tokens."
                )
            flash(message, "success")
            return redirect(url_for("main.index"))
    elif form.is_submitted():
        status = 400
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """My API tokens: create one (its secret is shown once), see them, revoke them."""
    from factcheck.auth.tokens import create_token, tokens_of
    from factcheck.db import utcnow
    from factcheck.errors import DomainError

    form = TokenForm()
    secret = None
    status = 200
    if form.validate_on_submit():
        try:
            _, secret = create_token(
                db.session,
                user=current_user._get_current_object(),
                name=form.name.data,
                now=utcnow(),
                expires_in_days=form.expires_in_days.data,
            )
        except DomainError as exc:
            status = refuse(db.session, form, exc)
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    elif form.is_submitted():
        status = 422
    from factcheck.auth.tokens import revoked_for_recovery

    mine = tokens_of(db.session, current_user)
    return (
        render_template(
            "auth/tokens.html",
            form=form,
            secret=secret,
            tokens=mine,
            recovered=revoked_for_recovery(mine, now=utcnow()),
            revoke_form=LogoutForm(),
            now=utcnow(),
        ),
        status,
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    from factcheck.auth.tokens import revoke_token
    from factcheck.db import utcnow
    from factcheck.errors import DomainError

    if not LogoutForm().validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(url_for("auth.tokens"))
    try:
        token = revoke_token(
            db.session, user=current_user._get_current_object(), token_id=token_id, now=utcnow()
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("auth.tokens"))
    db.session.commit()
    flash(f"Revoked the token “{token.name}”; it no longer works.", "success")
    return redirect(url_for("auth.tokens"))
