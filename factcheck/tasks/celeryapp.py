"""Celery for the job runner ("celery" mode): a Celery app built from the Flask app's
settings, with one task, `factcheck.run_job(job_id)`.

The jobs table is the truth; a message only says "look at job N". Delivery is
at-least-once: the message is acknowledged after the job ran (task_acks_late), and given
back when the worker process running it dies (task_reject_on_worker_lost), so a job may
be delivered twice, which is harmless: run_job claims a job once and skips a job that is
not due. Every worker also runs a sweeper thread that publishes due jobs (queued jobs a
message was never sent for, retries whose time has come, running jobs whose lease
lapsed): that, not the broker, is what guarantees a job finishes.

What Redis does with a message whose worker was SIGKILLed: kombu's Redis transport keeps
a delivered, unacknowledged message in its "unacked" hash and puts it back in the queue
only after `visibility_timeout` (kombu's default, kept here: 1 hour), when a live
worker's consumer scans for it (every ~100 s). A worker killed outright (the whole
process group, the OOM killer, a lost machine) therefore does not get its message back
for an hour; the sweeper republishes the job once its lease (JOB_LEASE_SECONDS) lapses,
and the old message, when it comes back, is a no-op. (When only a pool child dies, the
parent rejects its message and Celery requeues it at once.) A worker stopped gently
(SIGTERM, a warm shutdown) gives its running job back at the job's next checkpoint,
queued and published for another worker to resume at once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import time
from typing import Any

import sqlalchemy as sa
from celery import Celery, signals
from flask import Flask

from factcheck.extensions import db
from factcheck.jobs import services
from factcheck.jobs.models import Job
from factcheck.jobs.runner import run_job
from factcheck.tasks.dispatch import RUN_JOB_TASK
from factcheck.tasks.pool import sweep, worker_id

log = logging.getLogger("factcheck.jobs")

QUEUE = "factcheck-jobs"


def make_celery(app: Flask, *, worker: bool = False) -> Celery:
    """A Celery app for this Flask app: publishers (web processes) get short broker
    timeouts; a worker (`factcheck worker`) also gets the task and the sweeper."""
    timeout = float(app.config.get("CELERY_BROKER_TIMEOUT_SECONDS") or 2)
    celery = Celery("factcheck", set_as_current=False)
    celery.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        # The job row is the result; nothing is stored in the broker.
        result_backend=None,
        task_ignore_result=True,
        task_default_queue=QUEUE,
        # At-least-once: acknowledge after the job ran, and give the message back when
        # the process running it dies; one message reserved at a time per process.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_connection_timeout=timeout,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None if worker else 0,
        broker_transport_options={
            "socket_connect_timeout": timeout,
            # A worker's consumer blocks on BRPOP for 1 s at a time: give it room.
            "socket_timeout": max(timeout, 10.0) if worker else timeout,
            "max_retries": 1,
        },
        # A web request never waits on a broker that is down: one try, then the job
        # stays queued for a sweeper.
        task_publish_retry=False,
    )
    if worker:
        _add_worker_parts(celery, app)
    return celery


# --- the worker side ------------------------------------------------------------------
class _WorkerState:
    """This process's worker id and the app (set in each pool process at start)."""

    id = ""


STATE = _WorkerState()


def _add_worker_parts(celery: Celery, app: Flask) -> None:
    lease = float(app.config["JOB_LEASE_SECONDS"])
    # Set by the main process when the worker begins a warm shutdown (SIGTERM); the pool
    # processes, forked after it was made, see it, and give their running job back at
    # its next checkpoint instead of holding the shutdown until the job ends.
    shutting_down = multiprocessing.get_context("fork").Event()

    @celery.task(name=RUN_JOB_TASK, ignore_result=True)
    def run(job_id: int) -> str:
        if not STATE.id:
            STATE.id = worker_id()
        with app.app_context():
            return run_job(
                db.session,
                int(job_id),
                worker=STATE.id,
                lease_seconds=lease,
                stopping=shutting_down.is_set,
            )

    def process_init(**_: Any) -> None:
        # A pool process is daemonic, and multiprocessing refuses to start a child from a
        # daemonic process; but reading a fetched page or an uploaded file runs in a
        # child with a deadline (factcheck.sources.deadline). That child is itself a
        # daemon killed at its deadline, so clearing the flag here orphans nothing.
        multiprocessing.current_process()._config["daemon"] = False  # type: ignore[attr-defined]  # type: ignore[attr-defined]
        # A forked pool process must not share the parent's database connections.
        with app.app_context():
            db.engine.dispose(close=False)
        STATE.id = worker_id()
        _load_model(app)

    sweeper = Sweeper(app, celery)

    def ready(**_: Any) -> None:
        sweeper.start()

    def shutdown(**_: Any) -> None:
        sweeper.stop()

    def shutting(**_: Any) -> None:
        shutting_down.set()

    # Celery's signals are process-wide; weak=False keeps these closures alive.
    signals.worker_process_init.connect(process_init, weak=False)
    signals.worker_ready.connect(ready, weak=False)
    signals.worker_shutdown.connect(shutdown, weak=False)
    signals.worker_shutting_down.connect(shutting, weak=False)
    celery.factcheck_sweeper = sweeper  # type: ignore[attr-defined]


def _load_model(app: Flask) -> None:
    """Load the classifier once per worker process, before its first job."""
    from factcheck.classifier.loader import get_classifier

    try:
        with app.app_context():
            classifier = get_classifier(app)
            if hasattr(classifier, "load"):
                started = time.monotonic()
                classifier.load()
                log.info("model loaded in %.1f s", time.monotonic() - started)
    except Exception:  # noqa: BLE001  (jobs that need it fail with the reason, and retry)
        log.exception("the classifier could not be loaded in worker process %s", os.getpid())


class Sweeper:
    """A thread in each worker's main process: every JOB_POLL_SECONDS it records the
    worker's heartbeat, runs the periodic enqueuers, and publishes the jobs that are due
    but may have no message (see the module's docstring)."""

    def __init__(self, app: Flask, celery: Celery) -> None:
        self.app, self.celery = app, celery
        self.id = worker_id()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._published: dict[int, float] = {}

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="factcheck-sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        try:
            with self.app.app_context():
                services.forget_worker(db.session, self.id)
                db.session.commit()
        except Exception:  # noqa: BLE001
            log.debug("could not remove worker %s", self.id, exc_info=True)

    def _loop(self) -> None:
        poll = float(self.app.config["JOB_POLL_SECONDS"])
        beat_every = float(self.app.config["WORKER_HEARTBEAT_SECONDS"])
        next_beat = 0.0
        while not self._stop.is_set():
            try:
                with self.app.app_context():
                    if time.monotonic() >= next_beat:
                        services.heartbeat(
                            db.session,
                            self.id,
                            mode="celery",
                            hostname=socket.gethostname(),
                            pid=os.getpid(),
                            now=services.utc_now(),
                        )
                        db.session.commit()
                        next_beat = time.monotonic() + beat_every
                    sweep(db.session)
                    self.republish(db.session)
            except Exception:  # noqa: BLE001  (a database or broker outage: try again)
                log.exception("job sweeper %s failed", self.id)
            self._stop.wait(poll)

    def republish(self, session: Any) -> list[int]:
        """Send a message for each due job that may have none; return their ids."""
        config = self.app.config
        poll = float(config["JOB_POLL_SECONDS"])
        now = services.utc_now()
        # A queued job younger than this has its first message on the way (from the
        # process that committed it); one published by this sweeper less than `again`
        # ago still has its message in the queue or being run.
        grace = max(2.0 * poll, 1.0)
        again = max(float(config["JOB_LEASE_SECONDS"]), 4.0 * poll)
        ids = services.due_job_ids(session, now=now, limit=200)
        if not ids:
            session.rollback()
            return []
        rows = session.execute(
            sa.select(Job.id, Job.status, Job.created_at, Job.run_after).where(Job.id.in_(ids))
        ).all()
        session.rollback()
        clock = time.monotonic()
        self._published = {k: v for k, v in self._published.items() if clock - v < again}
        lapsed, waiting = [], []
        for row in rows:
            if row.id in self._published:
                continue
            if row.status != "queued":
                lapsed.append(row.id)  # its worker is gone; its message is unacked
                continue
            waited_since = max(row.created_at, row.run_after or row.created_at)
            if (now - waited_since).total_seconds() >= grace:
                waiting.append(row.id)
        if waiting and self._queue_depth() >= len(waiting):
            # The queue holds as many messages as there are waiting jobs: they have
            # theirs (workers are busy), and more copies would only lengthen the queue.
            waiting = []
        wanted = lapsed + waiting
        if not wanted:
            return []
        sent: list[int] = []
        try:
            for job_id in wanted:
                self.celery.send_task(RUN_JOB_TASK, args=[job_id])
                self._published[job_id] = clock
                sent.append(job_id)
        except Exception as exc:  # noqa: BLE001
            log.warning("job sweeper could not publish (%s: %s)", type(exc).__name__, exc)
        if sent:
            log.info("job sweeper published %s due job(s): %s", len(sent), sent[:20])
        return sent

    def _queue_depth(self) -> int:
        """Messages waiting in the jobs queue (0 when the broker cannot say)."""
        try:
            with self.celery.connection_for_write() as connection:
                declared = connection.default_channel.queue_declare(queue=QUEUE, passive=True)
                return int(declared.message_count)
        except Exception:  # noqa: BLE001  (then publish: a duplicate is harmless)
            return 0
