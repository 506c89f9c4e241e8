"""The home page and the health checks (README, "Production": "Health checks").

/healthz is the load balancer's check: 200 {"status": "ok"} while this process and its
database answer, 503 {"status": "down"} when the database does not. It says nothing else.

/health is the monitoring check: database, broker, worker heartbeats and queue depth,
summed up as "ok", "degraded" or "down":
  down (503):     the database does not answer; or a broker is configured and does not
                  answer PING; or jobs are due and no worker is alive to run them.
  degraded (200): work still flows but needs a look: workers are needed and none is
                  alive (nothing is due yet); or the oldest due job has waited longer than
                  HEALTH_QUEUE_MAX_AGE_SECONDS.
  ok (200):       otherwise.
Anyone gets the status word and the HTTP status (from a report at most 5 s old, made
once per process for all of them). The details (counts, ages, the names of
the errors, never their messages, addresses or versions) go only to a caller that sends
`Authorization: Bearer <HEALTH_TOKEN>`, to a signed-in admin, or to a client address in
HEALTH_ALLOWED_ADDRESSES (as the app sees it: behind a proxy, set TRUSTED_PROXIES).
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from factcheck.auth.roles import Role
from factcheck.auth.security import login_required, public
from factcheck.editorial.queries import recent_rulings
from factcheck.extensions import db
from factcheck.jobs.queries import queue_counts, worker_counts
from factcheck.jobs.services import utc_now
from factcheck.review.counts import status_counts
from factcheck.sources.queries import latest_articles

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    """Show what is waiting, the latest rulings and the latest articles."""
    return render_template(
        "main/index.html",
        counts=status_counts(db.session),
        latest=latest_articles(db.session, limit=10),
        published=recent_rulings(db.session, limit=5),
    )


# The database check's bound on PostgreSQL (milliseconds per statement), and the broker's
# (seconds to connect, and to answer PING).
DATABASE_TIMEOUT_MS = 2000
BROKER_TIMEOUT_S = 1.0
NO_STORE = {"Cache-Control": "no-store"}
# Callers who get the status word only are answered from a report this recent (per process).
ANONYMOUS_REPORT_SECONDS = 5
REPORT_CACHE = "factcheck.health_report"


@bp.record_once
def _check_health_settings(state: Any) -> None:
    """Refuse to start with a health setting that cannot work (not at the first check)."""
    config = state.app.config
    _allowed_networks(config["HEALTH_ALLOWED_ADDRESSES"])
    token = config["HEALTH_TOKEN"]
    if not isinstance(token, str) or (token and len(token) < 24):
        raise ValueError("HEALTH_TOKEN must be empty or a random string of 24+ characters")


def _allowed_networks(entries: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    if not isinstance(entries, list):
        raise ValueError("HEALTH_ALLOWED_ADDRESSES must be a list of addresses or networks")
    try:
        return [ipaddress.ip_network(str(e), strict=False) for e in entries]
    except ValueError as exc:
        raise ValueError(f"HEALTH_ALLOWED_ADDRESSES: {exc}") from exc


@bp.route("/healthz")
@public
def health():
    """Tell a load balancer whether this process and its database answer."""
    database = _check_database()
    if database["status"] != "ok":
        return {"status": "down"}, 503, NO_STORE
    return {"status": "ok"}, 200, NO_STORE


@bp.route("/health")
@public
def health_details():
    """Database, broker, workers and queue, for monitoring (details to the trusted only)."""
    trusted = _trusted_caller()
    if not trusted:
        # The status word for everyone else comes from a report at most
        # ANONYMOUS_REPORT_SECONDS old: a flood of anonymous calls costs one round of
        # checks per process every few seconds, not one per call.
        report = _recent_report()
        trusted = report["checks"]["database"]["status"] == "ok" and _signed_in_admin()
        if not trusted:
            return {"status": report["status"]}, _status_code(report), NO_STORE
    report = _fresh_report()
    return report, _status_code(report), NO_STORE


def _status_code(report: dict[str, Any]) -> int:
    return 503 if report["status"] == "down" else 200


def _fresh_report() -> dict[str, Any]:
    report = health_report()
    current_app.extensions[REPORT_CACHE] = (time.monotonic(), report)
    return report


def _recent_report() -> dict[str, Any]:
    made, report = current_app.extensions.get(REPORT_CACHE, (None, None))
    if made is None or time.monotonic() - made > ANONYMOUS_REPORT_SECONDS:
        return _fresh_report()
    return report


def health_report() -> dict[str, Any]:
    """Every check, and the status they add up to (the rules are in the module's doc)."""
    config = current_app.config
    problems: list[str] = []
    database = _check_database()
    broker = _check_broker(config["CELERY_BROKER_URL"])
    runner = config["JOB_RUNNER"] or ("celery" if config["CELERY_BROKER_URL"] else "threads")
    checks: dict[str, Any] = {"database": database, "broker": broker}
    stuck = False  # jobs due and nobody to run them
    if database["status"] != "ok":
        problems.append("the database does not answer")
        checks["workers"] = checks["queue"] = {"status": "unknown"}
    else:
        now = utc_now()
        try:
            workers = worker_counts(
                db.session, now=now, heartbeat_seconds=config["WORKER_HEARTBEAT_SECONDS"]
            )
            queue = queue_counts(db.session, now=now)
        except sa_exc.SQLAlchemyError as exc:  # a schema not upgraded, a query timed out
            _rollback()
            error = {"status": "down", "error": type(exc).__name__}
            checks["workers"] = checks["queue"] = error
            return {
                "status": "down",
                "problems": ["the job tables cannot be read"],
                "checks": checks,
            }
        db.session.rollback()  # end the read (and PostgreSQL's SET LOCAL) here
        waiting = queue.due + queue.stalled
        needed = runner != "eager"  # eager runs each job in the request that made it
        checks["workers"] = {
            "status": "ok" if workers.alive or not needed else "none alive",
            "runner": runner,
            "alive": workers.alive,
            "known": workers.known,
            "alive_by_mode": workers.alive_by_mode,
            "newest_heartbeat_age_s": workers.newest_heartbeat_age_s,
        }
        checks["queue"] = {
            "due": queue.due,
            "scheduled": queue.scheduled,
            "running": queue.running,
            "stalled": queue.stalled,
            "failed_last_day": queue.failed_last_day,
            "oldest_due_age_s": queue.oldest_due_age_s,
        }
        if needed and not workers.alive:
            stuck = waiting > 0
            problems.append(
                f"{waiting} job(s) due and no worker alive"
                if waiting
                else "no worker alive (no job is due yet)"
            )
        age = queue.oldest_due_age_s
        if age is not None and age > config["HEALTH_QUEUE_MAX_AGE_SECONDS"]:
            problems.append(f"the oldest due job has waited {age:.0f} s")
    if broker["status"] == "down":
        problems.append("the broker does not answer")
    down = database["status"] != "ok" or broker["status"] == "down" or stuck
    status = "down" if down else "degraded" if problems else "ok"
    return {"status": status, "problems": problems, "checks": checks}


def _check_database() -> dict[str, Any]:
    """SELECT 1, bounded on PostgreSQL by a statement timeout (a connection that cannot be
    made at all is bounded by the URL's connect_timeout: README, "Production")."""
    started = time.perf_counter()
    try:
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text(f"SET LOCAL statement_timeout = {DATABASE_TIMEOUT_MS}"))
        db.session.execute(sa.select(1))
    except sa_exc.SQLAlchemyError as exc:
        _rollback()
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "ms": _ms(started)}


def _rollback() -> None:
    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        db.session.invalidate()


def _check_broker(url: str) -> dict[str, Any]:
    """PING the Redis broker with a short timeout; "not configured" without one."""
    if not url:
        return {"status": "not configured"}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return {"status": "not checked", "error": "only Redis brokers are checked"}
    started = time.perf_counter()
    try:
        import redis

        client = redis.Redis.from_url(
            url, socket_timeout=BROKER_TIMEOUT_S, socket_connect_timeout=BROKER_TIMEOUT_S
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001  (any failure means the broker is not usable)
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "ms": _ms(started)}


def _trusted_caller() -> bool:
    """A caller with the health token, or from an allowed address (no database needed)."""
    config = current_app.config
    token = config["HEALTH_TOKEN"]
    scheme, _, secret = (request.headers.get("Authorization") or "").partition(" ")
    if token and scheme.lower() == "bearer":
        if hmac.compare_digest(secret.strip().encode(), token.encode()):
            return True
    networks = _allowed_networks(config["HEALTH_ALLOWED_ADDRESSES"])
    if networks and request.remote_addr:
        try:
            address = ipaddress.ip_address(request.remote_addr)
        except ValueError:
            return False
        return any(address in network for network in networks)
    return False


def _signed_in_admin() -> bool:
    """Whether a signed-in admin calls (loading the user needs the database)."""
    try:
        return bool(current_user.is_authenticated and current_user.has_role(Role.ADMIN))
    except sa_exc.SQLAlchemyError:
        _rollback()
        return False


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
