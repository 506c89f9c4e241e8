"""Logging: plain text or one JSON object per line (LOG_FORMAT), a request id on every
request, and one "request" line per request (README, "Production": "Logs").

A request's id comes from an incoming X-Request-ID header when it is a short, safe token
(REQUEST_ID_PATTERN: letters, digits, "-", "_", ".", 8 to 64 characters), so a proxy's id
follows the request through; anything else is replaced by a fresh random id. The id is
echoed in the X-Request-ID response header, shown on error pages, and added to every log
line written while the request runs.

The request line never carries query string values (a token or a search may be in them):
only the parameter names. This module imports only the standard library and Flask.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, request

from factcheck.requestids import current_request_id

LOG_FORMATS = ("text", "json")
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{8,64}")
REQUEST_ID_HEADER = "X-Request-ID"
# The logger of the per-request lines ("event": "request").
request_log = logging.getLogger("factcheck.request")


# LogRecord attributes that are not "extra" fields.
_RECORD_FIELDS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime"}
)
_HANDLER_MARK = "_factcheck_handler"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: timestamp (UTC, ISO 8601, milliseconds), level, logger,
    message, the record's `extra` fields (an "event" among them for request and job
    lines), the current request id, and an exception as one "exception" string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if "request_id" not in entry and (rid := current_request_id.get()) is not None:
            entry["request_id"] = rid
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str, ensure_ascii=False)


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for LOG_FORMAT "text" or "json"."""
    if log_format == "json":
        return JsonFormatter()
    return logging.Formatter(TEXT_FORMAT)


def configure(log_format: str, level: str | int = "INFO", *, handler: bool = False) -> None:
    """Give the "factcheck" logger `level`, and log in `log_format`.

    JSON (or `handler=True`: what gunicorn's worker hook asks for, so the request lines
    show in text too) puts one stderr handler of ours on the root logger, however often
    this is called, and gives gunicorn's and Celery's own handlers the same formatter.
    Text without `handler` leaves the process's logging as it is (a CLI command's output
    and progress bars are not interleaved with INFO lines; a host's set-up is kept), only
    reformatting our handler when one is there."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    root = logging.getLogger()
    chosen = formatter(log_format)
    ours = [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]
    if not ours and (log_format == "json" or handler):
        writer = logging.StreamHandler(sys.stderr)
        setattr(writer, _HANDLER_MARK, True)
        root.addHandler(writer)
        ours = [writer]
    for writer in ours:
        writer.setFormatter(chosen)
    app_logger = logging.getLogger("factcheck")
    app_logger.setLevel(level)
    if ours:
        # Flask's default handler (plain text on stderr) would write each line twice.
        from flask.logging import default_handler

        app_logger.removeHandler(default_handler)
    if log_format == "json":
        for name in ("gunicorn.error", "gunicorn.access", "celery", "celery.task"):
            for writer in logging.getLogger(name).handlers:
                writer.setFormatter(chosen)


def init_app(app: Flask) -> None:
    """Configure logging from LOG_FORMAT and LOG_LEVEL, and log each request
    (LOG_REQUESTS) with its request id."""
    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    if app.config["LOG_FORMAT"] == "json":
        _keep_celery_off_our_handlers()
    # First of all hooks: a hook that answers early (sign-in redirect, 401) still leaves an
    # id for the error page and the log line.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_finish_request)
    app.teardown_request(_forget_request)


def _keep_celery_off_our_handlers() -> None:
    """A Celery worker replaces the root logger's handlers with its own text ones unless
    something answers its setup_logging signal: keep ours (JSON) in the worker too."""
    try:
        from celery import signals
    except ImportError:  # Celery is only needed with a broker
        return
    signals.setup_logging.connect(_celery_setup_logging, weak=False)


def _celery_setup_logging(loglevel: Any = None, **kwargs: Any) -> None:
    """Celery's setup_logging signal: the app configured logging already; Celery's own
    loggers get the worker's --loglevel (the root logger stays at WARNING: other
    libraries' INFO chatter stays out)."""
    if loglevel:
        logging.getLogger("celery").setLevel(loglevel)


def incoming_request_id(value: str | None) -> str | None:
    """An incoming X-Request-ID when it is safe to log and echo, else None."""
    if value and REQUEST_ID_PATTERN.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex[:12]


def _start_request() -> None:
    g.request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER)) or (new_request_id())
    g.request_started = time.perf_counter()
    g.request_id_token = current_request_id.set(g.request_id)


def _finish_request(response: Any) -> Any:
    request_id = g.get("request_id")
    if request_id is None:  # a request the hooks did not see start (should not happen)
        request_id = g.request_id = new_request_id()
    response.headers[REQUEST_ID_HEADER] = request_id
    from flask import current_app

    if current_app.config["LOG_REQUESTS"]:
        started = g.get("request_started")
        duration = (time.perf_counter() - started) * 1000 if started is not None else None
        path = request.path
        if request.args:
            # Names only: values may hold tokens, e-mail addresses or searches.
            path += "?" + "&".join(sorted(set(request.args.keys())))
        fields = {
            "event": "request",
            "request_id": request_id,
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": round(duration, 1) if duration is not None else None,
            "user_id": _user_id(),
            "remote_addr": request.remote_addr,
        }
        request_log.info(
            "%s %s %s %.1f ms",
            request.method,
            path,
            response.status_code,
            duration or 0.0,
            extra=fields,
        )
    return response


def _forget_request(exc: BaseException | None) -> None:
    if (token := g.pop("request_id_token", None)) is not None:
        try:
            current_request_id.reset(token)
        except ValueError:  # set in another context (a streamed response's generator)
            current_request_id.set(None)


def _user_id() -> int | None:
    """The signed-in user's (or API token owner's) id when this request loaded it; never
    loads a user for the log line (the database may be what failed)."""
    user = g.get("_login_user")  # Flask-Login's cache of current_user
    if user is not None and getattr(user, "is_authenticated", False):
        return getattr(user, "id", None)
    api_user = g.get("api_user") or request.environ.get("factcheck.bearer_user")
    return getattr(api_user, "id", None)
