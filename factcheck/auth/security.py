"""Access control for every view, in one place, plus response security headers.

Each view declares who may use it with @roles_allowed(...) or @public. A single
before_request hook enforces the declaration; a view that declares nothing is refused
to everyone (fail closed), and a test walks the URL map to prove each one declares.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from factcheck.auth.roles import Role
from factcheck.db import bounded_int
from factcheck.extensions import db, login_manager

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
ANY_USER = "any-user"
API = "api"
_ATTR = "_factcheck_access"

# Requests that must not change anything (RFC 9110, 9.2.1): they never write to the database.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Endpoints a user who must change their password may still reach.
_PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "static", "main.health"}


def roles_allowed(*roles: Role) -> Callable[[F], F]:
    """Declare that the view is for signed-in users holding any of these roles."""
    if not roles:
        raise ValueError("name at least one role")

    def mark(view: F) -> F:
        setattr(view, _ATTR, frozenset(roles))
        return view

    return mark


def login_required(view: F) -> F:
    """Declare that the view is for any signed-in user, whatever their roles."""
    setattr(view, _ATTR, ANY_USER)
    return view


def public(view: F) -> F:
    """Declare that the view needs no login."""
    setattr(view, _ATTR, PUBLIC)
    return view


def api_roles(*roles: Role) -> Callable[[F], F]:
    """Declare a JSON API view: a bearer token of a user holding any of these roles."""
    if not roles:
        raise ValueError("name at least one role")

    def mark(view: F) -> F:
        setattr(view, _ATTR, (API, frozenset(roles)))
        return view

    return mark


def declared_access(view: Callable[..., Any]) -> Any:
    """Return what the view declared (a role set, ANY_USER, PUBLIC) or None."""
    return getattr(view, _ATTR, None)


def _enforce_session_lifetime() -> None:
    """End a signed-in session past its absolute lifetime or idle timeout.

    Both clocks live in the signed session cookie: `signed_in_at` is set at sign-in and
    never moves (PERMANENT_SESSION_LIFETIME counts from it, however busy the session),
    `last_seen` moves on each request (SESSION_IDLE_TIMEOUT counts from it). A cookie
    without them predates this rule and is ended too.
    """
    from flask import flash, session
    from flask_login import logout_user

    if "_user_id" not in session:
        return
    now = int(time.time())
    cfg = current_app.config
    started, seen = session.get("signed_in_at"), session.get("last_seen")
    absolute = current_app.permanent_session_lifetime.total_seconds()
    expired = (
        not isinstance(started, int)
        or not isinstance(seen, int)
        or now - started > absolute
        or now - seen > cfg["SESSION_IDLE_TIMEOUT"]
    )
    if expired:
        logout_user()
        session.clear()
        flash("Your session has ended; please sign in again.", "info")
        return
    if now - seen >= 30:  # the cookie is re-sent anyway; keep its clock coarse
        session["last_seen"] = now


def _authorize_request() -> Any:
    endpoint = request.endpoint
    if endpoint is None:  # 404 and 405 are answered by the router.
        return None
    if endpoint == "static":
        return None
    view = current_app.view_functions.get(endpoint)
    access = declared_access(view) if view else None
    if access is None:
        log.error("view %s declares no access rule; refused", endpoint)
        abort(403)
    if access == PUBLIC:
        return None
    if isinstance(access, tuple) and access[0] == API:
        return _authorize_api(access[1])
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.must_change_password and endpoint not in _PASSWORD_CHANGE_ALLOWED:
        return redirect(url_for("auth.change_password"))
    if access == ANY_USER or current_user.has_role(*access):
        return None
    log.warning("access denied: user %s to %s %s", current_user.id, request.method, request.path)
    abort(403)


def bearer_user() -> Any:
    """The active user whose live API token the request carries, or None. Looked up once a
    request: the rate limiter's key (checked before _authorize_request) asks first. Kept in
    the request's own environ, never in g, which requests may share inside one app context.

    A request that may change data (not GET, HEAD or OPTIONS) stamps the token's
    last_used_at (at most every few minutes) in the request's session: it is saved only
    if the request commits its own change. Reads write nothing."""
    from factcheck.auth.tokens import user_for_token
    from factcheck.db import utcnow

    key = "factcheck.bearer_user"
    if key not in request.environ:
        scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
        found = scheme.lower() == "bearer" and secret.strip()
        touch = request.method not in SAFE_METHODS
        request.environ[key] = (
            user_for_token(db.session, secret.strip(), utcnow(), touch=touch) if found else None
        )
    return request.environ[key]


def _authorize_api(roles: frozenset[Role]) -> Any:
    """Authenticate the request's bearer token (never the session cookie) and check roles."""
    from flask import g

    from factcheck.errorpages import api_error

    scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return api_error(401, "Send an API token: Authorization: Bearer <token>.")
    user = bearer_user()
    if user is None:
        db.session.rollback()
        return api_error(401, "The API token is unknown, revoked or expired.")
    if not user.has_role(*roles):
        log.warning("api access denied: user %s to %s %s", user.id, request.method, request.path)
        return api_error(403, "Your account does not have permission to do this.")
    g.api_user = user
    return None


def _load_user(session_id: str) -> Any:
    from factcheck.auth.models import User

    user_id, _, token = session_id.partition(":")
    ident = bounded_int(user_id)
    if ident is None or not token:
        return None
    user = db.session.get(User, ident)
    if user is None or not user.is_active:
        return None
    if not hmac.compare_digest(user.session_token, token):
        return None
    return user


def _security_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if _signed_in_session():
        headers["Cache-Control"] = "no-store"
    return response


def _signed_in_session() -> bool:
    """Whether the response is for a signed-in session, without loading the user: this
    runs after error pages too, and the database may be what failed."""
    from flask import g, session

    loaded = g.get("_login_user")
    if loaded is not None:
        return bool(loaded.is_authenticated)
    return session.get("_user_id") is not None


def init_app(app: Flask) -> None:
    """Wire login, the access rule and security headers into the app."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    app.before_request(_enforce_session_lifetime)
    app.before_request(_authorize_request)
    app.after_request(_security_headers)
