"""/health and /healthz on PostgreSQL with many job rows; prints median and p95 (ms).

    .venv/bin/python bench/bench_health.py [--jobs 100000] [--workers 20] [--calls 30]
        [--server-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a throwaway database on the server (dropped afterwards) with the models' schema,
--jobs job rows (half done, 40 % failed over the past week, 10 % queued, half of those
for later) and --workers worker heartbeats, then calls each endpoint --calls times through
the app's test client (no HTTP server: the checks' own cost), /health as a trusted caller
(a fresh report every call).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa

import factcheck.models  # noqa: F401  (the whole schema)
from factcheck.app import create_app
from factcheck.db import Base, utcnow
from factcheck.jobs.models import Job, JobWorker


def fill(engine: sa.Engine, jobs: int, workers: int) -> None:
    now = utcnow()
    rows = []
    for i in range(jobs):
        status = "done" if i % 10 < 5 else "failed" if i % 10 < 9 else "queued"
        when = now - timedelta(minutes=i % 10000)
        rows.append(
            {
                "kind": "ingest",
                "payload": {},
                "status": status,
                "progress": 0,
                "attempts": 1,
                "max_attempts": 3,
                "created_at": when,
                "finished_at": when if status != "queued" else None,
                "run_after": now + timedelta(hours=1) if i % 20 == 9 else None,
            }
        )
    beats = [
        {
            "id": f"w{i}",
            "mode": "celery",
            "hostname": "h",
            "pid": i,
            "started_at": now,
            "heartbeat_at": now - timedelta(seconds=i),
            "jobs_done": 0,
        }
        for i in range(workers)
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(Job), rows)
        conn.execute(sa.insert(JobWorker), beats)
        conn.exec_driver_sql("ANALYZE")


def timed(client, path: str, calls: int) -> str:  # noqa: ANN001
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 503), response.status_code
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    return f"{path}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument(
        "--server-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    server = sa.create_engine(args.server_url, isolation_level="AUTOCOMMIT")
    name = f"fc_health_{uuid.uuid4().hex[:8]}"
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.url.set(database=name).render_as_string(hide_password=False)
    try:
        engine = sa.create_engine(url)
        Base.metadata.create_all(engine)
        fill(engine, args.jobs, args.workers)
        engine.dispose()
        app = create_app(
            {
                "DATABASE_URL": url,
                "JOB_RUNNER": "off",
                "LOG_REQUESTS": False,
                "HEALTH_ALLOWED_ADDRESSES": ["127.0.0.1"],
            }
        )
        client = app.test_client()
        print("status:", client.get("/health").json["status"])
        print(f"{args.jobs} jobs, {args.workers} workers, {args.calls} calls each")
        print(timed(client, "/health", args.calls))
        print(timed(client, "/healthz", args.calls))
        with app.app_context():
            from factcheck.extensions import db

            db.engine.dispose()
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


if __name__ == "__main__":
    main()
