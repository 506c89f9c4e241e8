"""Benchmark ingest end to end as jobs: the in-process pool vs Celery workers; prints figures.

    .venv/bin/python bench/bench_ingest.py [--articles 100] [--workers 2]
        [--broker redis://127.0.0.1:6379/14] [--database-url URL]

Builds a throwaway database through the real migrations (SQLite file by default;
--database-url names an empty PostgreSQL database), makes --articles wire-length
articles (about 500 words each: the news set's texts in tests/data/news, each copy opened
by a sentence of its own so no two are the same article; copies of one story repeat its
claims, as wires carrying one story do), and times, from the commit of one "ingest" job
per article until every job is done (fetching aside: the jobs carry the text):

1. in-process: the embedded default, the web process's own job pool (JOB_THREADS=1), the
   model already loaded;
2. Celery: --workers `factcheck worker --concurrency 1` processes on the --broker Redis
   (its database is flushed first: give one nothing else uses), each started and warmed
   (one job each) before the clock starts, CLASSIFIER_THREADS=1 each.

The database is emptied between the two runs. Prints articles/s and seconds per run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from throwaway import migrated_db

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def articles(count: int, tag: str) -> list[str]:
    texts = sorted((ROOT / "tests" / "data" / "news").glob("*.txt"))
    bodies = [path.read_text("utf-8") for path in texts]
    return [
        f"Desk copy {tag}-{number} of the day's wires.\n\n{bodies[number % len(bodies)]}"
        for number in range(count)
    ]


def enqueue_all(db, texts: list[str]) -> list[int]:  # noqa: ANN001
    from factcheck.jobs.services import enqueue

    ids = [
        enqueue(db.session, "ingest", {"source": "text", "text": text}, actor_id=None).id
        for text in texts
    ]
    db.session.commit()
    return ids


def wait_done(db, ids: list[int], timeout: float) -> None:  # noqa: ANN001
    import sqlalchemy as sa

    from factcheck.jobs.models import Job

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = db.session.execute(
            sa.select(Job.status, sa.func.count()).where(Job.id.in_(ids)).group_by(Job.status)
        ).all()
        db.session.rollback()
        counts = dict(rows)
        if counts.get("done", 0) + counts.get("failed", 0) == len(ids):
            if counts.get("failed"):
                sys.exit(f"{counts['failed']} job(s) failed")
            return
        time.sleep(0.2)
    sys.exit(f"jobs not done after {timeout:.0f} s")


def wipe(db) -> None:  # noqa: ANN001
    from factcheck.db import Base

    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in ("users", "user_roles", "rating_scales", "ratings"):
            db.session.execute(table.delete())
    db.session.commit()


def in_process(db, count: int) -> float:  # noqa: ANN001
    from flask import current_app

    from factcheck.classifier.loader import get_classifier
    from factcheck.tasks.pool import JobPool

    app = current_app._get_current_object()
    app.config.update(JOB_THREADS=1, JOB_POLL_SECONDS=0.2)
    get_classifier().load()
    ids = enqueue_all(db, articles(count, "threads"))
    pool = JobPool(app)
    started = time.perf_counter()
    pool.ensure_started()
    pool.wake()
    wait_done(db, ids, timeout=count * 30)
    elapsed = time.perf_counter() - started
    pool.stop()
    return elapsed


def celery_workers(db, count: int, workers: int, broker: str) -> float:  # noqa: ANN001
    import redis

    from factcheck.extensions import db as _db

    redis.Redis.from_url(broker).flushdb()
    url = _db.engine.url.render_as_string(hide_password=False)
    env = dict(
        os.environ,
        FACTCHECK_DATABASE_URL=url,
        FACTCHECK_CELERY_BROKER_URL=broker,
        FACTCHECK_CLASSIFIER_THREADS="1",
        FACTCHECK_JOB_POLL_SECONDS="1",
        FACTCHECK_SECRET_KEY="bench-" + "x" * 40,
        FACTCHECK_INSTANCE_PATH=tempfile.mkdtemp(prefix="fc-bench-worker-"),
    )
    factcheck = str(Path(sys.executable).with_name("factcheck"))
    children = [
        subprocess.Popen(  # noqa: S603
            [factcheck, "worker", "--concurrency", "1", "--loglevel", "WARNING"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(workers)
    ]
    try:
        from flask import current_app

        from factcheck.tasks.dispatch import Dispatcher

        app = current_app._get_current_object()
        app.config.update(CELERY_BROKER_URL=broker)
        sender = Dispatcher(app, "celery")
        warm = enqueue_all(db, articles(workers * 2, "warm"))
        sender.send(warm)
        wait_done(db, warm, timeout=300)
        ids = enqueue_all(db, articles(count, "celery"))
        started = time.perf_counter()
        sender.send(ids)
        wait_done(db, ids, timeout=count * 30)
        return time.perf_counter() - started
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                child.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--database-url", default="", help="An empty database (PostgreSQL).")
    args = parser.parse_args()
    os.environ["FACTCHECK_JOB_RUNNER"] = "off"  # the bench hands jobs to workers itself

    with migrated_db(args.database_url, "ingest") as db:
        backend = db.engine.dialect.name
        local = in_process(db, args.articles)
        wipe(db)
        remote = celery_workers(db, args.articles, args.workers, args.broker)
    cores = os.cpu_count()
    print(f"ingest of {args.articles} wire-length articles as jobs ({backend}, {cores} cores)")
    print(f"{'runner':<34}{'seconds':>10}{'articles/s':>12}")
    print(f"{'in-process pool, 1 thread':<34}{local:>10.1f}{args.articles / local:>12.2f}")
    label = f"Celery, {args.workers} workers x 1 thread"
    print(f"{label:<34}{remote:>10.1f}{args.articles / remote:>12.2f}")


if __name__ == "__main__":
    main()
