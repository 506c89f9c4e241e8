"""Load test: gunicorn on PostgreSQL with many claims, driven by wrk; prints figures.

    .venv/bin/python bench/bench_load.py [--claims 100000] [--workers 4]
        [--connections 20] [--duration 30] [--server-url postgresql+psycopg://postgres@127.0.0.1:5432]

Needs a PostgreSQL server (a throwaway database `fc_load` is created on it and dropped
afterwards; --keep leaves it), gunicorn (pip install -e '.[server]') and wrk
(apt-get install wrk). It fills the database through the real migrations with --claims
claims (bench_queue's data: 2,000 articles, 50 outlets, every status), creates an editor
and an API token, starts `gunicorn -w WORKERS wsgi:app` with a deployment-like config
(INFO logging, Redis rate-limit counters when Redis answers), signs in over HTTP as a
browser would, then runs wrk for --duration seconds with --connections connections
against, in turn: the review queue page, a claim page (signed-in session cookie) and
the API's claim list (bearer token). Each gets a short warm-up first. It prints
requests/s, latency p50/p95/p99 and errors (connection errors, timeouts and non-2xx/3xx
answers) for each; the target is p95 under 50 ms on the queue page. Then each target
again over one connection: the time to serve one request when nothing queues.

With C connections kept busy, latency is about C / throughput (Little's law): p95 under
50 ms at 20 connections needs some 400 queue pages a second, which takes more cores than
a 2-core machine shared by wrk, four workers and PostgreSQL has.

The API's per-token rate limit is raised for the run: one token making thousands of
requests a second is the load being measured, not abuse to refuse.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# wrk's own report gives 50/75/90/99; this prints the percentiles asked for, in microseconds.
REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def _admin_sql(server_url: str, statement: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(server_url.rstrip("/") + "/test", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(statement)
    except sa.exc.OperationalError as exc:
        raise SystemExit(f"PostgreSQL at {server_url} did not answer: {exc.orig}") from None
    finally:
        engine.dispose()


def _redis_answers() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _prepare(database_url: str, claims: int) -> tuple[str, str, str, int]:
    """Migrate and fill the database; return the editor's email, password, API token and
    a claim id to open."""
    import sqlalchemy as sa
    from bench_queue import fill
    from flask_migrate import upgrade

    from factcheck.app import create_app
    from factcheck.auth.config import password_policy, passwords
    from factcheck.auth.roles import Role
    from factcheck.auth.services import create_user
    from factcheck.auth.tokens import create_token
    from factcheck.claims.models import Claim
    from factcheck.db import utcnow
    from factcheck.extensions import db

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench-" + "x" * 40})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        fill(db, claims)
        print(f"{claims:,} claims inserted in {time.perf_counter() - start:.1f} s", flush=True)
        email, password = "load.editor@example.com", secrets.token_urlsafe(18)
        editor, _ = create_user(
            db.session,
            email=email,
            display_name="Load Editor",
            password=password,
            roles=[Role.FACT_CHECKER, Role.EDITOR],
            passwords=passwords(),
            policy=password_policy(),
            actor=None,
        )
        _, token = create_token(db.session, user=editor, name="load test", now=utcnow())
        claim_id = db.session.scalar(
            sa.select(Claim.id).where(Claim.status == "new").order_by(Claim.priority.desc())
        )
        db.session.commit()
        db.engine.dispose()
    return email, password, token, claim_id


def _sign_in(base: str, email: str, password: str) -> str:
    """Sign in as a browser would; return the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page
    )
    assert token, "no CSRF token on the sign-in page"
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": email, "password": password}
    ).encode()
    opener.open(base + "/login", data=body).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    check = urllib.request.Request(base + "/claims/", headers={"Cookie": cookie})  # noqa: S310
    with urllib.request.urlopen(check) as response:  # noqa: S310  (our own loopback server)
        assert "Review queue" in response.read().decode(), "signing in did not work"
    return cookie


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


def _wrk(url: str, header: str, *, connections: int, duration: int, script: Path) -> dict:
    threads = str(min(connections, max(os.cpu_count() or 1, 2)))
    command = ["wrk", "-t", threads, "-c", str(connections), "-d", f"{duration}s"]
    command += ["--timeout", "10s", "-H", header, "-s", str(script), url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    match = re.search(r"^RESULT (.*)$", out, re.MULTILINE)
    assert match, out
    requests, micros, socket_errors, bad_status, p50, p95, p99 = map(int, match.group(1).split())
    return {
        "rps": requests / (micros / 1e6),
        "requests": requests,
        "errors": socket_errors + bad_status,
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--solo", type=int, default=10, help="seconds at one connection")
    parser.add_argument("--server-url", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", action="store_true", help="keep the fc_load database")
    args = parser.parse_args()

    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which(
        "gunicorn"
    )
    if not gunicorn:
        raise SystemExit("gunicorn is missing: .venv/bin/pip install -e '.[server]'")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    workdir = Path(tempfile.mkdtemp(prefix="fc-load-"))
    os.environ.setdefault("FACTCHECK_INSTANCE_PATH", str(workdir))
    database_url = args.server_url.rstrip("/") + "/fc_load"
    _admin_sql(args.server_url, "DROP DATABASE IF EXISTS fc_load")
    _admin_sql(args.server_url, "CREATE DATABASE fc_load")
    server = None
    try:
        email, password, token, claim_id = _prepare(database_url, args.claims)
        storage = "redis://127.0.0.1:6379/2" if _redis_answers() else "memory://"
        config = workdir / "load.toml"
        config.write_text(
            f'DATABASE_URL = "{database_url}"\n'
            f'SECRET_KEY = "{secrets.token_urlsafe(48)}"\n'
            f'RATELIMIT_STORAGE_URI = "{storage}"\n'
            'API_RATE_LIMIT = "10000000 per minute"\n'
            'LOG_LEVEL = "INFO"\n'
        )
        env = {**os.environ, "FACTCHECK_CONFIG": str(config)}
        base = f"http://127.0.0.1:{args.port}"
        server = subprocess.Popen(  # noqa: S603
            [gunicorn, "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / "gunicorn.log", "w"),  # noqa: SIM115
        )
        _wait_for(base + "/healthz")
        cookie = _sign_in(base, email, password)
        script = workdir / "report.lua"
        script.write_text(REPORT_LUA)
        targets = [
            ("queue page", "/claims/", f"Cookie: {cookie}"),
            (f"claim page (#{claim_id})", f"/claims/{claim_id}", f"Cookie: {cookie}"),
            ("API claim list", "/api/v1/claims", f"Authorization: Bearer {token}"),
        ]
        print(
            f"gunicorn -w {args.workers}, PostgreSQL, {args.claims:,} claims; wrk "
            f"{args.connections} connections x {args.duration} s per target; "
            f"{os.cpu_count()} CPU cores shared by wrk, gunicorn and PostgreSQL; "
            f"rate-limit storage {storage}"
        )
        print(f"{'target':<26}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
        results = {}
        for name, path, header in targets:
            if args.warmup:
                _wrk(
                    base + path,
                    header,
                    connections=args.connections,
                    duration=args.warmup,
                    script=script,
                )
            r = _wrk(
                base + path,
                header,
                connections=args.connections,
                duration=args.duration,
                script=script,
            )
            results[name] = r
            print(
                f"{name:<26}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}"
                f"{r['errors']:>8}",
                flush=True,
            )
        # The same requests one at a time: the time a request takes to serve, without
        # waiting behind the other connections for a CPU.
        print(f"one connection, {args.solo} s each (service time without queueing):")
        for name, path, header in targets:
            r = _wrk(base + path, header, connections=1, duration=args.solo, script=script)
            print(
                f"{name:<26}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}"
                f"{r['errors']:>8}",
                flush=True,
            )
        queue = results["queue page"]
        verdict = "met" if queue["p95"] < 50 and queue["errors"] == 0 else "NOT met"
        print(f"target p95 < 50 ms on the queue page with 0 errors: {verdict}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        if not args.keep:
            _admin_sql(args.server_url, "DROP DATABASE IF EXISTS fc_load WITH (FORCE)")


if __name__ == "__main__":
    main()
