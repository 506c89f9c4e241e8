"""The in-process worker pool ("threads" mode, the embedded default): JOB_THREADS daemon
threads in each web process that run due jobs from the table.

Started by the first request of a process (after gunicorn forks its workers; never at
import, never in "eager" mode), each thread waits until a commit wakes it or
JOB_POLL_SECONDS pass, then runs due jobs (queued, a retry that is due, or running with a
lapsed lease) until none is left; run_job claims each one atomically, so threads and
processes never run one job twice at once. The first thread is also the sweeper: it
records the pool's heartbeat every WORKER_HEARTBEAT_SECONDS and runs the periodic
enqueuers (feed polls) on every poll. At exit (atexit: a gunicorn worker restarting or
stopping) a running job is given back at its next checkpoint, queued for another worker
to resume at once; one that reaches none within the stop timeout is resumed by the next
worker once its lease lapses.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

from flask import Flask

from factcheck.extensions import db
from factcheck.jobs import services
from factcheck.jobs.runner import run_job
from factcheck.tasks.schedule import PERIODIC

log = logging.getLogger("factcheck.jobs")


def worker_id() -> str:
    """A worker's id: host, process and a short random part (unique per thread/process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobPool:
    """JOB_THREADS threads running an app's jobs in this process."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pid: int | None = None
        self.id = ""
        self._done = 0
        self._done_lock = threading.Lock()

    # --- control ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._pid == os.getpid() and any(t.is_alive() for t in self._threads)

    def ensure_started(self) -> None:
        """Start the threads unless this process has them (a forked child has none)."""
        if self.running:
            return
        with self._lock:
            if self.running:
                return
            self._pid = os.getpid()
            self._stop = threading.Event()
            self._wake = threading.Event()
            self.id = worker_id()
            count = max(1, int(self.app.config["JOB_THREADS"]))
            self._threads = [
                threading.Thread(
                    target=self._loop,
                    args=(index,),
                    name=f"factcheck-jobs-{index}",
                    daemon=True,
                )
                for index in range(count)
            ]
            for thread in self._threads:
                thread.start()
            atexit.register(self.stop)
            log.info("job pool %s started with %s thread(s)", self.id, count)

    def wake(self) -> None:
        """Tell the threads there is work (a job was committed)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the threads (a running job is given back at its next checkpoint) and
        forget this worker."""
        if self._pid != os.getpid():
            return
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
        self._threads = []
        self._pid = None
        try:
            with self.app.app_context():
                services.forget_worker(db.session, self.id)
                db.session.commit()
        except Exception:  # noqa: BLE001  (at exit: the row simply stops beating)
            log.debug("could not remove worker %s", self.id, exc_info=True)

    # --- the threads --------------------------------------------------------------------
    def _loop(self, index: int) -> None:
        me = worker_id()
        stop, wake = self._stop, self._wake
        poll = float(self.app.config["JOB_POLL_SECONDS"])
        beat_every = float(self.app.config["WORKER_HEARTBEAT_SECONDS"])
        next_beat = 0.0
        while not stop.is_set():
            if index == 0 and time.monotonic() >= next_beat:
                self._safely(self._heartbeat)
                next_beat = time.monotonic() + beat_every
            if index == 0:
                self._safely(self._periodic)
            self._safely(lambda: self._drain(me, stop))
            wake.wait(poll)
            wake.clear()

    def _safely(self, step: Any) -> None:
        try:
            with self.app.app_context():
                step()
        except Exception:  # noqa: BLE001  (a database outage must not end the thread)
            log.exception("job pool %s: %s failed", self.id, getattr(step, "__name__", step))
            self._stop.wait(1.0)  # not a tight loop while the database is away

    def _drain(self, me: str, stop: threading.Event) -> None:
        """Run due jobs until none is left (or the pool stops)."""
        lease = float(self.app.config["JOB_LEASE_SECONDS"])
        while not stop.is_set():
            ids = services.due_job_ids(db.session, now=services.utc_now(), limit=10)
            db.session.rollback()  # end the read before running anything
            if not ids:
                return
            ran = False
            for job_id in ids:
                if stop.is_set():
                    return
                outcome = run_job(
                    db.session, job_id, worker=me, lease_seconds=lease, stopping=stop.is_set
                )
                if outcome == "released":
                    return  # the pool is stopping
                if outcome != "skipped":
                    ran = True
                    with self._done_lock:
                        self._done += outcome in ("done", "failed")
            if not ran:
                return  # every due job was taken by another worker meanwhile

    def _heartbeat(self) -> None:
        with self._done_lock:
            done, self._done = self._done, 0
        services.heartbeat(
            db.session,
            self.id,
            mode="threads",
            hostname=socket.gethostname(),
            pid=os.getpid(),
            now=services.utc_now(),
            done=done,
        )
        db.session.commit()

    def _periodic(self) -> None:
        sweep(db.session)


def sweep(session: Any) -> None:
    """Run every periodic enqueuer once (each in its own transaction), as every worker's
    sweeper does each JOB_POLL_SECONDS."""
    for fn in list(PERIODIC):
        try:
            fn(session, services.utc_now())
            session.commit()
        except Exception:  # noqa: BLE001  (one broken schedule must not stop the others)
            session.rollback()
            log.exception("periodic job enqueuer %s failed", getattr(fn, "__name__", fn))
