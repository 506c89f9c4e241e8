"""The HTTP error pages and the API's JSON error shape, for the domain errors of
factcheck.errors and for everything else a request can fail with."""

from __future__ import annotations

import logging
import uuid

import sqlalchemy.exc as sa_exc
from flask import Flask, current_app, g, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from factcheck.errors import DomainError

log = logging.getLogger(__name__)
# Security events that are logged rather than audited (refused requests that wrote nothing).
security_log = logging.getLogger("factcheck.auth.security")


_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Upload too large",
    422: "Invalid input",
    429: "Too many requests",
    500: "Something went wrong",
}
_MESSAGES = {
    400: "The request could not be understood.",
    403: "Your account does not have permission to do this. Ask an administrator if you need it.",
    404: "There is nothing at this address. It may have been moved or never existed.",
    405: "This address does not accept that kind of request.",
    409: "The request clashes with the current state of the data.",
    413: "The upload is larger than this installation accepts.",
    422: "The input could not be processed.",
    429: "Too many attempts. Wait a moment and try again.",
    500: "An unexpected error stopped this request. Nothing was saved. "
    "If it keeps happening, give the reference below to your administrator.",
}


def api_error(code: int, message: str, fields: dict[str, list[str]] | None = None):
    """A JSON error: the same shape for every API failure."""
    from flask import jsonify

    if not g.get("request_id"):
        g.request_id = uuid.uuid4().hex[:12]
    body = {
        "error": {
            "status": code,
            "title": _TITLES.get(code, "Error"),
            "message": message,
            "request_id": g.get("request_id"),
        }
    }
    if fields:
        body["error"]["fields"] = fields
    response = jsonify(body)
    response.status_code = code
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="factcheck"'
    return response


def _is_api() -> bool:
    return request.path.startswith("/api/")


# The database failing: unreachable, connection cut, write lock busy, pool exhausted.
DATABASE_DOWN = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def _render(code: int, message: str | None = None):
    if _is_api():
        return api_error(code, message or _MESSAGES.get(code, "The request failed."))
    if not g.get("request_id"):  # failed in a hook that runs before the id is assigned
        g.request_id = uuid.uuid4().hex[:12]
    context = {
        "code": code,
        "title": _TITLES.get(code, "Error"),
        "message": message or _MESSAGES.get(code, "The request failed."),
        "request_id": g.get("request_id"),
    }
    if code < 500:
        try:
            return render_template("errors/error.html", **context), code
        except DATABASE_DOWN:
            # The page's navigation needs the signed-in user and the claim counts.
            pass
    return _render_bare(context), code


def _render_bare(context: dict[str, object]) -> str:
    """The error page without the context processors: Flask-Login's would load the
    signed-in user, and the navigation would count claims, from a database that may be
    the very thing that failed."""
    return current_app.jinja_env.get_template("errors/fatal.html").render(**context)


def _too_many(error: HTTPException):
    """A rate limit was hit: say which; a refused sign-in is logged as a security event.

    Logged, not written to the audit table: an error handler never commits, and the limit
    is there to shed a flood of requests, so each refusal must cost no database write."""
    limit = getattr(error, "description", "") or "a rate limit"
    message = f"Too many requests ({limit}). Wait a minute and try again."
    if request.endpoint == "auth.login":
        security_log.warning(
            "sign-in rate limited: %s from %s, request %s",
            limit,
            request.remote_addr,
            g.get("request_id"),
        )
        message = f"Too many sign-in attempts from your address ({limit}). Wait a minute."
    return _render(429, message)


def register_errorhandlers(app: Flask) -> None:
    """Render error pages that say what happened without leaking internals."""

    @app.before_request
    def _assign_request_id() -> None:
        if not g.get("request_id"):  # factcheck.logs may have taken the client's X-Request-ID
            g.request_id = uuid.uuid4().hex[:12]

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return _render(
            400,
            "The form expired or was sent from another page. Reload the page and try again; "
            "nothing was saved.",
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code is None or error.code >= 500:
            return _render(error.code or 500)
        if error.code == 429:
            return _too_many(error)
        return _render(error.code)

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        from factcheck.extensions import db

        db.session.rollback()
        if _is_api():
            return api_error(error.status_code, error.message, getattr(error, "fields", None))
        return _render(error.status_code, error.message)

    @app.errorhandler(StaleDataError)
    def _concurrent_change(error: StaleDataError):
        # Optimistic locking (a row's version moved under this request): someone else's
        # change to the same claim or verdict committed first. Nothing of this request
        # was written: the transaction is rolled back whole.
        from factcheck.extensions import db

        db.session.rollback()
        log.info("concurrent change refused, request %s: %s", g.get("request_id"), error)
        return _render(
            409,
            "Someone else changed this at the same moment and theirs was saved first; "
            "nothing of yours was saved. Reload the page to see their change.",
        )

    def _database_unavailable(error: sa_exc.SQLAlchemyError):
        # The database could not answer: it is down or restarting, a connection was cut
        # (pg_terminate_backend), SQLite's write lock stayed busy past the timeout, or the
        # pool had no connection to give in time. The pool discards broken connections
        # (and pre-pings the next), so retrying works; nothing of this request was saved.
        # The page needs no database: the signed-in user is not loaded to render it.
        from factcheck.extensions import db

        try:
            db.session.rollback()
        except sa_exc.SQLAlchemyError:
            db.session.invalidate()
        log.warning(
            "database unavailable, request %s %s %s: %s",
            g.get("request_id"),
            request.method,
            request.path,
            getattr(error, "orig", None) or error,
        )
        response = _render(
            503,
            "The database was busy or briefly unreachable; nothing was saved. "
            "Try again in a moment.",
        )
        response = make_response(response)
        response.headers["Retry-After"] = "2"
        return response

    for failure in DATABASE_DOWN:
        app.register_error_handler(failure, _database_unavailable)

    @app.errorhandler(InternalServerError)
    def _internal_error(error: InternalServerError):
        from factcheck.extensions import db

        db.session.rollback()
        original = getattr(error, "original_exception", None)
        log.error(
            "unhandled error, request %s %s %s",
            g.get("request_id"),
            request.method,
            request.path,
            exc_info=original,
        )
        return _render(500)
