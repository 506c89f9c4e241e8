"""Jobs run by real workers: the in-process thread pool, and Celery workers in their own
processes fed through the real Redis at 127.0.0.1:6379, one of them killed with SIGKILL
in the middle of a bulk ingest and the job finished by the next with no duplicate rows.

The Celery workers run `python -m tests.jobworker` (factcheck worker's start_worker with
the fake classifier, slowed down per article so a test can stop one part-way), with a
3 s lease and a 0.5 s poll.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from factcheck.claims.models import Claim, Sentence
from factcheck.classifier.loader import get_classifier
from factcheck.extensions import db
from factcheck.jobs import services
from factcheck.jobs.models import Job, JobWorker
from factcheck.settings import ROOT
from factcheck.sources.models import Article
from factcheck.tasks import dispatch
from tests.conftest import server_answers
from tests.jobworker import TEST_TIMINGS, redis_test_url

ROWS = 40


def _rows(count: int) -> bytes:
    return b"".join(
        json.dumps(
            {"text": f"The council said spending rose {i} percent in {2000 + i}.", "title": f"R{i}"}
        ).encode()
        + b"\n"
        for i in range(count)
    )


def _job(job_id: int) -> Job:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Job, job_id)


def wait_for(check: Callable[[], object], timeout: float, what: str, log: Path | None = None):  # noqa: ANN201
    """Poll `check` until it returns something true, or fail saying what did not happen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout} s waiting for {what}\n{tail}")


def _enqueue_bulk(count: int) -> int:
    job = services.enqueue(
        db.session, "ingest_bulk", {}, actor_id=None, files=[("rows.jsonl", _rows(count))]
    )
    db.session.commit()  # published to the workers here
    return job.id


def _assert_each_row_once(job_id: int, count: int) -> None:
    job = _job(job_id)
    assert job.status == "done", job.error
    assert (job.progress, job.total) == (count, count)
    assert job.result["duplicates"] == 0 and job.result["errors"] == []
    assert len(set(job.result["articles"])) == count
    titles = db.session.scalars(sa.select(Article.title)).all()
    assert sorted(titles) == sorted(f"R{i}" for i in range(count))
    for model in (Article, Sentence, Claim):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == count
    per_article = db.session.execute(
        sa.select(Claim.article_id, sa.func.count()).group_by(Claim.article_id)
    ).all()
    assert len(per_article) == count and {n for _, n in per_article} == {1}


# --- the in-process pool ------------------------------------------------------------------
class TestThreads:
    @pytest.fixture
    def app_overrides(self) -> dict[str, object]:
        return {"JOB_RUNNER": "threads", "JOB_THREADS": 2, **TEST_TIMINGS}

    @pytest.mark.slow  # seconds
    @pytest.mark.timeout(90)
    def test_the_thread_pool_runs_a_bulk_job_to_done(self, app, client):
        pool = dispatch.dispatcher(app).pool
        assert not pool.running  # never started at app creation
        try:
            client.get("/login")  # the first request starts it
            assert pool.running
            job_id = _enqueue_bulk(ROWS)
            wait_for(lambda: _job(job_id).finished, 60, "the job to finish")
            _assert_each_row_once(job_id, ROWS)
            worker = db.session.scalars(sa.select(JobWorker)).one()
            assert worker.mode == "threads" and worker.id == pool.id
        finally:
            pool.stop()
        assert not pool.running
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobWorker)) == 0

    @pytest.mark.slow  # seconds
    @pytest.mark.timeout(90)
    def test_a_pool_stopped_mid_job_gives_it_back_and_the_next_one_finishes_it(
        self, app, monkeypatch
    ):
        """A gunicorn worker restarting: its pool stops at the running job's next
        checkpoint and queues it again; the next process's pool resumes it at once."""
        monkeypatch.setattr(get_classifier(app), "score", _slowly(get_classifier(app).score))
        pool = dispatch.dispatcher(app).pool
        pool.ensure_started()
        try:
            job_id = _enqueue_bulk(ROWS)
            wait_for(lambda: _job(job_id).progress >= 5, 60, "progress part-way")
        finally:
            pool.stop(timeout=10)
        job = _job(job_id)
        assert (job.status, job.attempts, job.lease_owner) == ("queued", 0, None)
        assert 5 <= job.progress < ROWS
        restarted = dispatch.dispatcher(app).pool
        restarted.ensure_started()
        try:
            wait_for(lambda: _job(job_id).finished, 60, "the job to finish")
        finally:
            restarted.stop()
        assert _job(job_id).attempts == 1
        _assert_each_row_once(job_id, ROWS)


def _slowly(score: Callable) -> Callable:
    def slow(texts):  # noqa: ANN001, ANN202
        time.sleep(0.1)
        return score(texts)

    return slow


# --- Celery workers -----------------------------------------------------------------------
@pytest.fixture
def redis_url() -> Iterator[str]:
    if not server_answers(6379):
        pytest.skip("no Redis at 127.0.0.1:6379 (the Celery tests need a real broker)")
    import redis

    url = redis_test_url()
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


class Workers:
    """Celery worker processes started by a test, each in its own process group."""

    def __init__(self, database_url: str, broker_url: str, logs: Path) -> None:
        self.database_url, self.broker_url, self.logs = database_url, broker_url, logs
        self.started: list[subprocess.Popen] = []

    def start(self, *, row_delay: float) -> subprocess.Popen:
        log = self.logs / f"worker-{len(self.started)}.log"
        env = {
            **os.environ,
            "JOBWORKER_DATABASE_URL": self.database_url,
            "JOBWORKER_BROKER_URL": self.broker_url,
            "JOBWORKER_ROW_DELAY": str(row_delay),
            "FACTCHECK_INSTANCE_PATH": str(self.logs),
        }
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "tests.jobworker"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, pool children included
            )
        process.log = log  # type: ignore[attr-defined]
        self.started.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool processes, as the OOM killer or a lost machine
        would: nothing is acknowledged, rejected or cleaned up."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


class TestCelery:
    @pytest.fixture
    def app_overrides(self, redis_url: str) -> dict[str, object]:
        return {"JOB_RUNNER": "celery", "CELERY_BROKER_URL": redis_url, **TEST_TIMINGS}

    @pytest.fixture
    def workers(self, app, database_url, redis_url, tmp_path) -> Iterator[Workers]:  # noqa: ANN001
        started = Workers(database_url, redis_url, tmp_path)
        yield started
        started.stop_all()  # before the app fixture wipes the tables

    @pytest.mark.slow  # a worker process: seconds
    @pytest.mark.timeout(120)
    def test_a_celery_worker_runs_a_bulk_job_to_done(self, app, workers):
        worker = workers.start(row_delay=0.01)
        job_id = _enqueue_bulk(ROWS)
        wait_for(lambda: _job(job_id).finished, 90, "the job to finish", worker.log)
        _assert_each_row_once(job_id, ROWS)
        beat = db.session.scalars(sa.select(JobWorker)).one()
        assert beat.mode == "celery" and beat.pid == worker.pid

    @pytest.mark.slow  # two worker processes and a lapsed lease: ten seconds or more
    @pytest.mark.timeout(180)
    def test_a_worker_killed_mid_job_and_a_new_one_finish_it_with_no_duplicates(self, app, workers):
        first = workers.start(row_delay=0.15)
        job_id = _enqueue_bulk(ROWS)
        wait_for(lambda: _job(job_id).progress >= 8, 90, "progress part-way", first.log)
        workers.kill(first)

        job = _job(job_id)
        assert job.status in ("running", "queued") and job.progress < ROWS
        done_before = job.progress
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == done_before

        second = workers.start(row_delay=0.01)
        wait_for(lambda: _job(job_id).finished, 90, "the job to finish", second.log)
        job = _job(job_id)
        assert job.attempts == 2  # taken over once, after the lease lapsed
        _assert_each_row_once(job_id, ROWS)

    @pytest.mark.slow  # two worker processes: ten seconds or more
    @pytest.mark.timeout(180)
    def test_a_worker_stopped_gently_gives_its_job_back_for_the_next(self, app, workers):
        first = workers.start(row_delay=0.15)
        job_id = _enqueue_bulk(ROWS)
        wait_for(lambda: _job(job_id).progress >= 5, 90, "progress part-way", first.log)
        first.send_signal(signal.SIGTERM)  # a warm shutdown, as systemd or a deploy does
        assert first.wait(30) == 0, first.log.read_text(errors="replace")[-3000:]
        job = _job(job_id)
        assert (job.status, job.attempts, job.lease_owner) == ("queued", 0, None)
        assert 5 <= job.progress < ROWS

        second = workers.start(row_delay=0.01)
        wait_for(lambda: _job(job_id).finished, 90, "the job to finish", second.log)
        assert _job(job_id).attempts == 1
        _assert_each_row_once(job_id, ROWS)

    @pytest.mark.slow  # a worker process: seconds
    @pytest.mark.timeout(120)
    def test_a_celery_worker_reads_an_uploaded_page_in_its_deadline_child(self, app, workers):
        """Reading a page or file runs in a child process with a deadline; a Celery pool
        process is daemonic, which multiprocessing refuses to let start a child, so
        every URL and file ingest failed on the workers until process_init cleared it."""
        worker = workers.start(row_delay=0.0)
        page = (
            b"<html><head><title>Council budget</title></head><body><article>"
            b"<p>The council said spending rose 12 percent in 2024.</p>"
            b"<p>The mayor claimed the new tram line cut commuting times by half.</p>"
            b"</article></body></html>"
        )
        job = services.enqueue(
            db.session,
            "ingest",
            {"source": "file", "overrides": {}},
            actor_id=None,
            files=[("budget.html", page)],
        )
        db.session.commit()
        wait_for(lambda: _job(job.id).finished, 90, "the job to finish", worker.log)
        done = _job(job.id)
        assert done.status == "done", done.error
        article = db.session.get(Article, done.result["article_id"])
        assert "tram line" in article.text and done.attempts == 1
