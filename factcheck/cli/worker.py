"""`factcheck worker` (a Celery worker for this app) and `factcheck jobs list|run|retry`."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def broker_problem(url: str, timeout: float = 2.0) -> str | None:
    """Why the Redis broker at `url` cannot be used, or None when it answers."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except ValueError as exc:
        return f"CELERY_BROKER_URL is not a Redis URL ({exc})"
    except redis.RedisError as exc:
        return f"the broker at {_safe_url(url)} does not answer ({type(exc).__name__}: {exc})"
    return None


def _safe_url(url: str) -> str:
    """The URL without its password, to print."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


def start_worker(app: Flask, *, concurrency: int = 1, loglevel: str = "INFO") -> None:
    """Run a Celery worker for `app` in this process until it is stopped (a test may call
    this with an app of its own)."""
    from factcheck.classifier import loader as classifier_loader
    from factcheck.tasks.celeryapp import QUEUE, make_celery

    url = str(app.config.get("CELERY_BROKER_URL") or "")
    if not url:
        _fail(
            "CELERY_BROKER_URL is not set (FACTCHECK_CELERY_BROKER_URL, e.g. "
            "redis://127.0.0.1:6379/2): `factcheck worker` takes jobs from a Redis broker. "
            "Without one, the web processes run jobs themselves, or run `factcheck jobs run`."
        )
    if problem := broker_problem(url):
        _fail(f"{problem}. Start Redis or fix CELERY_BROKER_URL.")
    # Each pool process loads the model (after the fork); N of them share the cores.
    classifier_loader.share_cores(app, concurrency)
    celery = make_celery(app, worker=True)
    celery.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--loglevel={loglevel.upper()}",
            "--pool=prefork",
            f"--hostname=factcheck-{os.getpid()}@%h",
            f"--queues={QUEUE}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@click.command("worker")
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (each loads the model once and runs one job at a time).",
)
@click.option(
    "--loglevel",
    default="INFO",
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
)
def worker_command(concurrency: int, loglevel: str) -> None:
    """Run a Celery worker that takes this app's jobs from CELERY_BROKER_URL."""
    start_worker(current_app._get_current_object(), concurrency=concurrency, loglevel=loglevel)


@click.group("jobs")
def jobs() -> None:
    """Background jobs: list them, run due ones here, retry a failed one."""


@jobs.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--status",
    type=click.Choice(["queued", "running", "done", "failed", "cancelled"]),
    help="Only jobs in this state.",
)
def list_command(limit: int, status: str | None) -> None:
    """The most recent jobs: id, kind, status, progress and error."""
    import sqlalchemy as sa

    from factcheck.extensions import db
    from factcheck.jobs.models import Job

    query = sa.select(Job).order_by(Job.id.desc()).limit(limit)
    if status:
        query = query.where(Job.status == status)
    rows = db.session.scalars(query).all()
    if not rows:
        click.echo("No jobs.")
        return
    click.echo(f"{'id':>6}  {'kind':<12} {'status':<9} {'progress':>11}  error")
    for job in rows:
        progress = f"{job.progress}/{job.total}" if job.total is not None else str(job.progress)
        error = (job.error or "").splitlines()[0][:80] if job.error else ""
        click.echo(f"{job.id:>6}  {job.kind:<12} {job.status:<9} {progress:>11}  {error}")


@jobs.command("run")
@click.option(
    "--limit", type=click.IntRange(1), help="Stop after this many jobs (default: all due)."
)
def run_command(limit: int | None) -> None:
    """Run due jobs in this process until none is left (for scripts, and for set-ups
    with JOB_RUNNER = "off")."""
    from tqdm.auto import tqdm

    from factcheck.extensions import db
    from factcheck.jobs import services
    from factcheck.jobs.runner import run_job
    from factcheck.tasks.pool import sweep, worker_id

    app = current_app._get_current_object()
    lease = float(app.config["JOB_LEASE_SECONDS"])
    me = worker_id()
    sweep(db.session)  # periodic work that is due (feed polls) is enqueued first
    outcomes: dict[str, int] = {}
    bar = tqdm(desc="jobs", unit="job", file=sys.stderr)
    try:
        while limit is None or bar.n < limit:
            ids = services.due_job_ids(db.session, now=services.utc_now(), limit=10)
            db.session.rollback()
            ran = False
            for job_id in ids:
                outcome = run_job(db.session, job_id, worker=me, lease_seconds=lease)
                if outcome == "skipped":
                    continue
                ran = True
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                bar.update()
                bar.set_postfix(outcomes, refresh=False)
                if limit is not None and bar.n >= limit:
                    break
            if not ran:
                break
    finally:
        bar.close()
    summary = ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "no due jobs"
    click.echo(f"Ran {bar.n} job(s): {summary}.")
    if outcomes.get("retry"):
        click.echo("Jobs to retry later are queued with a delay; run this again then.")


@jobs.command("retry")
@click.argument("job_id", type=click.IntRange(1))
def retry_command(job_id: int) -> None:
    """Queue failed or cancelled job JOB_ID again (it resumes where it stopped)."""
    from factcheck.errors import DomainError
    from factcheck.extensions import db
    from factcheck.jobs import services

    try:
        job = services.retry(
            db.session, services.get_job(db.session, job_id), now=services.utc_now()
        )
    except DomainError as exc:
        db.session.rollback()
        _fail(exc.message)
    db.session.commit()
    click.echo(f"Job {job.id} ({job.kind}) is queued again from {job.progress} done.")
