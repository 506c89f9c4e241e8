"""The application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from factcheck.audit.services import request_context
from factcheck.auth import config as auth_config
from factcheck.auth import security
from factcheck.classifier import loader as classifier_loader
from factcheck.db import MAX_ID
from factcheck.errorpages import register_errorhandlers
from factcheck.extensions import csrf, db, limiter, migrate
from factcheck.logs import init_app as logs_init_app
from factcheck.review import counts
from factcheck.settings import ROOT, TEMPLATE_DIR, load_settings
from factcheck.tasks import dispatch


def create_app(config: Mapping[str, Any] | str | None = None) -> Flask:
    """Create and configure an app; `config` is a mapping or a config/ profile name."""
    app = Flask(
        "factcheck",
        template_folder=str(TEMPLATE_DIR),
        instance_path=os.environ.get("FACTCHECK_INSTANCE_PATH") or str(ROOT / "instance"),
        instance_relative_config=True,
    )
    load_settings(app, config)
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Client address and scheme from the proxies we run; the Host header is never
        # taken from them (absolute links use PUBLIC_BASE_URL).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.url_map.converters["int"] = RowIdConverter
    logs_init_app(app)  # LOG_FORMAT, LOG_LEVEL; request ids and request lines
    register_extensions(app)
    register_listeners(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: a number that cannot be a row id (over 32 bits) does
    not match, so /claims/99999999999999999999 is a 404 rather than a database error."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:  # noqa: A002, ANN001
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register_extensions(app: Flask) -> None:
    """Bind the extension singletons to this app."""
    import factcheck.models  # noqa: F401  (every table must be known to the metadata)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    auth_config.init_app(app)
    classifier_loader.init_app(app)
    counts.init_app(app)
    dispatch.init_app(app)  # the kinds of job, and how committed jobs reach a worker
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)
            sa.event.listen(db.engine, "savepoint", _sqlite_savepoint)

    @app.before_request
    def _refuse_nul_bytes() -> Any:
        if request.path.startswith("/api/"):
            # The API's own body limit, set before anything reads the body.
            request.max_content_length = app.config["API_MAX_BODY_BYTES"]
        # No database text column takes U+0000 (PostgreSQL refuses it outright): a request
        # carrying one in its query string or form fields gets a 400, not a 500.
        values = [*request.args.items(multi=True), *request.form.items(multi=True)]
        if any("\x00" in k or "\x00" in v for k, v in values):
            from factcheck.errors import BadRequest

            raise BadRequest("The request contains a NUL character, which no field accepts.")
        return None

    @app.before_request
    def _audit_context() -> None:
        g.audit_context_token = request_context.set(
            {"ip": request.remote_addr, "user_agent": (request.user_agent.string or "")[:200]}
        )

    @app.teardown_request
    def _clear_audit_context(exc: BaseException | None) -> None:
        if (token := g.pop("audit_context_token", None)) is not None:
            request_context.reset(token)


def register_listeners(app: Flask) -> None:
    """Register the ORM event listeners (once per process, whatever the number of apps):
    the append-only guards of audit entries and verdict revisions, the email outbox sent
    after commit, and API tokens' last-use stamps applied in a request's commit. None is
    registered by importing a module."""
    from factcheck.audit.services import register_guards as guard_audit_log
    from factcheck.auth.tokens import register_stamp
    from factcheck.notifications.services import register_outbox
    from factcheck.verdicts.models import register_guards as guard_revisions

    guard_audit_log()
    guard_revisions()
    register_outbox()
    register_stamp()


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers run beside a writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_savepoint(connection: sa.Connection, name: str) -> None:
    # The sqlite3 module opens a transaction only before a write. A SAVEPOINT issued
    # before any write would open one by itself, and releasing it would COMMIT: a failure
    # later in the same unit of work would leave half a change saved. Open the real
    # transaction first so the savepoint nests inside it. (Reads before the first write
    # stay outside a transaction, as the sqlite3 module does by default.)
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        raw.execute("BEGIN")


def register_blueprints(app: Flask) -> None:
    """Attach each feature's views."""
    from factcheck.admin.views import bp as admin_bp
    from factcheck.api.openapi import init_app as api_init_app
    from factcheck.api.views import bp as api_bp
    from factcheck.auth.views import bp as auth_bp
    from factcheck.dashboard.views import bp as dashboard_bp
    from factcheck.desk.articles import bp as sources_bp
    from factcheck.desk.bulk import bp as bulk_bp
    from factcheck.desk.views import bp as claims_bp
    from factcheck.editorial.views import bp as editorial_bp
    from factcheck.export.rulings import bp as rulings_bp
    from factcheck.export.views import bp as export_bp
    from factcheck.feeds.views import bp as feeds_bp
    from factcheck.main.views import bp as main_bp
    from factcheck.matching.views import bp as matching_bp
    from factcheck.notifications.views import bp as notifications_bp
    from factcheck.review.views import bp as review_bp
    from factcheck.search.views import bp as search_bp
    from factcheck.tasks import actions  # noqa: F401  (its routes join the tasks blueprint)
    from factcheck.tasks.views import bp as tasks_bp
    from factcheck.verdicts.views import bp as verdicts_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(sources_bp, url_prefix="/articles")
    app.register_blueprint(claims_bp, url_prefix="/claims")
    app.register_blueprint(review_bp, url_prefix="/claims")
    app.register_blueprint(bulk_bp, url_prefix="/claims")
    app.register_blueprint(verdicts_bp, url_prefix="/claims")
    app.register_blueprint(editorial_bp, url_prefix="/claims")
    app.register_blueprint(matching_bp, url_prefix="/claims")
    app.register_blueprint(rulings_bp, url_prefix="/rulings")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(export_bp, url_prefix="/export")
    app.register_blueprint(dashboard_bp, url_prefix="/dashboard")
    app.register_blueprint(search_bp)
    app.register_blueprint(feeds_bp)  # /feeds, and /admin/feeds for admins
    app.register_blueprint(tasks_bp)  # /jobs: the job pages
    api_init_app(app, api_bp, url_prefix="/api/v1")  # flask-smorest: routes and document


def register_commands(app: Flask) -> None:
    """Add the `factcheck` CLI commands."""
    from factcheck.cli import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Make roles and settings available to every template."""
    from factcheck.auth.roles import Role

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "Role": Role,
            "organisation_name": app.config["ORGANISATION_NAME"],
            "nav_counts": _nav_counts,
        }


def _nav_counts() -> dict[str, int]:
    """Counts for the navigation (called by the template only for signed-in users)."""
    from flask_login import current_user

    from factcheck.claims.lifecycle import OPEN_STATUSES, ClaimStatus
    from factcheck.db import utcnow
    from factcheck.notifications.services import unread_count
    from factcheck.review.counts import status_counts
    from factcheck.review.queries import held_count

    counts = status_counts(db.session)
    return {
        "waiting": sum(counts.get(s, 0) for s in OPEN_STATUSES),
        "new": counts.get(ClaimStatus.NEW, 0),
        "submitted": counts.get(ClaimStatus.SUBMITTED, 0),
        "approved": counts.get(ClaimStatus.APPROVED, 0),
        "mine": held_count(db.session, current_user, utcnow()),
        "unread": unread_count(db.session, current_user),
        "by_status": counts,
    }
