"""gunicorn settings for production (README, "Production").

    gunicorn -c config/gunicorn.conf.py wsgi:app

Sized for a 2-core machine behind nginx on the same host. Each value can be changed
without editing this file through the GUNICORN_* variables below (gunicorn's own
GUNICORN_CMD_ARGS, or flags on the command line, override them too). The app's settings
(FACTCHECK_*, FACTCHECK_CONFIG) are read by the app itself, not here, except LOG_FORMAT,
which the hooks below apply to gunicorn's own log lines.

Requests no longer fetch pages, read uploads' text or score claims: jobs do, in Celery
workers (`factcheck worker`) or, without a broker, in a small pool of threads inside
each web worker process (JOB_THREADS). So web requests are short and the timeouts are
short too.
"""

from __future__ import annotations

import os

# Where to listen. nginx on the same host proxies to it; never expose it directly.
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# 2 cores: 2 processes of 4 threads each. gthread suits this app (requests wait on
# PostgreSQL, not on the CPU), and the model is never loaded in a web worker when a
# broker is configured. Without a broker each web process runs JOB_THREADS job threads
# and loads the model on its first scoring job (about 0.7-1 GB each): there, prefer
# GUNICORN_WORKERS=1 and GUNICORN_THREADS=8 on a small machine.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A worker process whose main loop has not checked in for `timeout` seconds is killed and
# replaced. With gthread a slow request does not stop the main loop; a worker stuck whole
# does. 30 s is ample: the slowest page (a big export) streams, and fetching and scoring
# run as jobs.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a restart or stop (SIGTERM, SIGHUP, max_requests) a worker finishes its requests, and
# its job threads give their running job back at its next checkpoint (queued again at once
# and resumed there by another worker). A worker still busy after this many seconds is
# killed; a job it held resumes from its last checkpoint once its lease lapses
# (JOB_LEASE_SECONDS). Nothing is lost, nothing is done twice.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# nginx keeps connections to us open; a few seconds is enough on the same host.
keepalive = 5

# Replace each worker after this many requests (plus up to the jitter, so they do not all
# restart at once): bounds the growth of a long-lived process. 0 turns it off.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))

# Load the app in each worker after the fork, not in the master: the job threads
# (factcheck.tasks.pool, started by a process's first request) and the database
# connection pool must belong to the worker process. The pool also checks its process id
# and starts anew in a forked child, so preloading would not share threads by mistake, but
# with preload_app each worker's first request would still wait on a master-made pool.
preload_app = False

# The proxies whose X-Forwarded-Proto gunicorn believes (it sets the request's scheme).
# Name the same proxies as the app's TRUSTED_PROXIES (which reads X-Forwarded-For and
# -Proto through ProxyFix): nginx on this host, so the default is loopback only. Never "*".
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The app writes one line per request itself (LOG_REQUESTS: request id, user id, duration,
# in JSON with LOG_FORMAT = "json"), so gunicorn's access log is off by default. Set
# GUNICORN_ACCESS_LOG=- to get it too (on stdout).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# gunicorn's own messages (start, worker restarts, timeouts) go to stderr, like the app's.
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The request line and headers gunicorn accepts (its defaults, stated): a longer request
# line or more headers get a 400 before the app sees them.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# gunicorn's control socket (gunicornc: worker status, reloads) is off unless a path is
# given, e.g. GUNICORN_CONTROL_SOCKET=/run/factcheck/gunicorn.ctl: its default path in the
# home folder would be shared by every gunicorn the same user runs.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

# Workers' heartbeat files in memory, not on a disk that may stall (containers, /tmp on
# a slow volume).
SHARED_MEMORY = "/dev/shm"  # noqa: S108  (gunicorn's documented choice; not a temp file of ours)
if os.path.isdir(SHARED_MEMORY):
    worker_tmp_dir = SHARED_MEMORY


def _log_format() -> str:
    """LOG_FORMAT from the app's settings layers (default.toml, FACTCHECK_CONFIG,
    FACTCHECK_LOG_FORMAT); "text" when they cannot be read (the app then says why)."""
    try:
        from flask import Flask

        from factcheck.settings import load_settings

        probe = Flask("factcheck-gunicorn")
        load_settings(probe)
        return str(probe.config["LOG_FORMAT"])
    except Exception:  # noqa: BLE001  (the worker's create_app reports bad settings)
        return "text"


LOG_FORMAT = "text"  # read from the app's settings by on_starting, in the master


def on_starting(server) -> None:  # noqa: ANN001
    """In the master: gunicorn's own lines (start, worker exits) in the app's LOG_FORMAT."""
    global LOG_FORMAT  # noqa: PLW0603  (the workers inherit it through the fork)
    LOG_FORMAT = _log_format()
    if LOG_FORMAT == "json":
        from factcheck.logs import JsonFormatter

        for handler in server.log.error_log.handlers:
            handler.setFormatter(JsonFormatter())
        for handler in server.log.access_log.handlers:
            handler.setFormatter(JsonFormatter())


def post_fork(server, worker) -> None:  # noqa: ANN001
    """In each new worker, before it loads the app (which starts its job threads on its
    first request): the app's log lines (one per request) go to stderr in LOG_FORMAT,
    text included; say which process serves."""
    from factcheck.logs import configure

    configure(LOG_FORMAT, handler=True)
    server.log.info("worker %s started (pid %s)", worker.age, worker.pid)


def worker_int(worker) -> None:  # noqa: ANN001
    """A worker interrupted (SIGINT/SIGQUIT): note it; its job threads stop at exit and any
    job they held is resumed elsewhere once its lease lapses."""
    worker.log.info("worker %s interrupted; running jobs resume elsewhere", worker.pid)
