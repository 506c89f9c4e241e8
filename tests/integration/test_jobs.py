"""The job state machine and runner (factcheck.jobs) and dispatch after commit
(factcheck.tasks.dispatch), on each database."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from factcheck.errors import Conflict, InvalidInput
from factcheck.extensions import db
from factcheck.jobs import runner as job_runner
from factcheck.jobs import services
from factcheck.jobs.models import Job
from factcheck.jobs.runner import KINDS, JobContext, JobKind, run_job
from factcheck.jobs.services import NEW_JOBS, LeaseLost
from factcheck.settings import ConfigError
from factcheck.tasks import dispatch


@pytest.fixture
def kinds(monkeypatch: pytest.MonkeyPatch):
    """Register test kinds of job for one test: kinds("name", handler, retry=...)."""

    def add(name: str, handler, *, retry: bool = True, max_attempts: int = 3) -> None:  # noqa: ANN001
        monkeypatch.setitem(KINDS, name, JobKind(name, name, handler, max_attempts, retry))

    return add


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """The runner's clock, moved on by clock.advance(seconds)."""

    class Clock:
        now = services.utc_now()

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

    c = Clock()
    monkeypatch.setattr(services, "utc_now", lambda: c.now)
    return c


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _queued(kind: str = "test", payload: dict | None = None, **kwargs) -> int:  # noqa: ANN003
    """Enqueue without dispatching (the eager runner is told nothing), commit, return id."""
    job = services.enqueue(db.session, kind, payload or {}, actor_id=None, **kwargs)
    db.session.info.pop(NEW_JOBS, None)
    db.session.commit()
    return job.id


def test_a_job_is_claimed_once_and_a_second_claim_gets_nothing(app, clock):
    job_id = _queued()
    first = services.claim(db.session, job_id, worker="a", now=clock.now, lease_seconds=30)
    db.session.commit()
    second = services.claim(db.session, job_id, worker="b", now=clock.now, lease_seconds=30)
    assert first is not None and first.lease_owner == "a" and first.attempts == 1
    assert second is None
    assert run_job(db.session, job_id, worker="c", lease_seconds=30) == "skipped"


@pytest.mark.real_commits
def test_workers_racing_for_a_job_claim_it_once(app):
    job_id = _queued()
    db.session.remove()
    start = threading.Barrier(4)
    won: list[str] = []
    errors: list[BaseException] = []

    def race(name: str) -> None:
        try:
            with app.app_context():
                start.wait(5)
                taken = services.claim(
                    db.session, job_id, worker=name, now=services.utc_now(), lease_seconds=30
                )
                db.session.commit()
                if taken is not None:
                    won.append(name)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert len(won) == 1
    job = _job(job_id)
    assert job.status == "running" and job.lease_owner == won[0] and job.attempts == 1


def test_a_lapsed_lease_is_taken_over_and_the_old_worker_cannot_write(app, clock, kinds):
    job_id = _queued(total=10)
    old = services.claim(db.session, job_id, worker="old", now=clock.now, lease_seconds=5)
    db.session.commit()
    old_ctx = JobContext(db.session, old, "old", 5)
    old_ctx.checkpoint(3)
    assert _job(job_id).progress == 3

    clock.advance(4)  # not lapsed yet: nobody may take it
    assert services.claim(db.session, job_id, worker="new", now=clock.now, lease_seconds=5) is None
    clock.advance(2)
    assert services.due_job_ids(db.session, now=clock.now) == [job_id]
    new = services.claim(db.session, job_id, worker="new", now=clock.now, lease_seconds=5)
    db.session.commit()
    assert new is not None and new.lease_owner == "new" and new.attempts == 2
    assert new.progress == 3  # it resumes where the old worker's last checkpoint left it

    with pytest.raises(LeaseLost):
        JobContext(db.session, _job(job_id), "old", 5).checkpoint(4)
    db.session.rollback()
    with pytest.raises(LeaseLost):
        services.finish(db.session, _job(job_id), worker="old", now=clock.now, result={})
    db.session.rollback()
    job = _job(job_id)
    assert (job.status, job.lease_owner, job.progress) == ("running", "new", 3)


def test_a_domain_error_fails_the_job_at_once_with_its_message(app, kinds):
    def refuse(ctx: JobContext) -> None:
        raise InvalidInput("The file is not a CSV.")

    kinds("test", refuse)
    job_id = _queued()
    assert run_job(db.session, job_id, worker="w", lease_seconds=30) == "failed"
    job = _job(job_id)
    assert (job.status, job.attempts, job.error) == ("failed", 1, "The file is not a CSV.")
    assert job.finished_at is not None and job.lease_owner is None


def test_another_error_is_retried_with_backoff_then_fails_after_max_attempts(app, kinds, clock):
    calls = []

    def flaky(ctx: JobContext) -> None:
        calls.append(ctx.job.attempts)
        raise ConnectionError("the server went away")

    kinds("test", flaky)
    job_id = _queued(max_attempts=3)
    assert run_job(db.session, job_id, worker="w", lease_seconds=30) == "retry"
    job = _job(job_id)
    assert job.status == "queued" and job.error == "ConnectionError: the server went away"
    assert job.run_after == clock.now + timedelta(seconds=job_runner.BACKOFF[0])
    # Not due before its backoff is over.
    assert run_job(db.session, job_id, worker="w", lease_seconds=30) == "skipped"
    clock.advance(job_runner.BACKOFF[0])
    assert run_job(db.session, job_id, worker="w", lease_seconds=30) == "retry"
    assert _job(job_id).run_after == clock.now + timedelta(seconds=job_runner.BACKOFF[1])
    clock.advance(job_runner.BACKOFF[1])
    assert run_job(db.session, job_id, worker="w", lease_seconds=30) == "failed"
    job = _job(job_id)
    assert (job.status, job.attempts) == ("failed", 3)
    assert calls == [1, 2, 3]
    assert run_job(db.session, job_id, worker="w", lease_seconds=30) == "skipped"


def test_a_kind_without_retry_fails_on_the_first_error(app, kinds):
    def broken(ctx: JobContext) -> None:
        raise RuntimeError("boom")

    kinds("test", broken, retry=False)
    job_id = _queued()
    assert run_job(db.session, job_id, worker="w", lease_seconds=30) == "failed"
    assert _job(job_id).error == "RuntimeError: boom"


def test_a_retried_job_keeps_its_progress_and_resumes_there(app, kinds, clock):
    seen: list[int] = []
    fail_at = {"row": 3}

    def rows(ctx: JobContext) -> dict:
        seen.append(ctx.job.progress)
        for row in range(ctx.job.progress, 5):
            if row == fail_at["row"]:
                raise InvalidInput(f"row {row} is bad")
            ctx.checkpoint(row + 1, total=5)
        return {"rows": 5}

    kinds("test", rows)
    job_id = _queued()
    assert run_job(db.session, job_id, worker="w", lease_seconds=30) == "failed"
    job = _job(job_id)
    assert (job.status, job.progress, job.total, job.error) == ("failed", 3, 5, "row 3 is bad")

    fail_at["row"] = None
    services.retry(db.session, job, now=clock.now)
    db.session.info.pop(NEW_JOBS, None)
    db.session.commit()
    job = _job(job_id)
    assert (job.status, job.attempts, job.progress, job.error) == ("queued", 0, 3, "row 3 is bad")
    assert run_job(db.session, job_id, worker="w", lease_seconds=30) == "done"
    job = _job(job_id)
    assert (job.status, job.progress, job.result, job.error) == ("done", 5, {"rows": 5}, None)
    assert seen == [0, 3]
    with pytest.raises(Conflict):
        services.retry(db.session, job, now=clock.now)


def test_a_cancelled_job_is_not_run_and_a_running_one_stops_at_its_checkpoint(app, kinds):
    ran: list[int] = []

    def counted(ctx: JobContext) -> None:
        ran.append(ctx.job.id)

    kinds("test", counted)
    queued = _queued()
    services.cancel(db.session, _job(queued), now=services.utc_now())
    db.session.commit()
    assert run_job(db.session, queued, worker="w", lease_seconds=30) == "skipped"
    assert ran == [] and _job(queued).status == "cancelled"

    def cancelled_midway(ctx: JobContext) -> None:
        ctx.checkpoint(1, total=3)
        # Someone cancels the job (committed) while it runs ...
        services.cancel(ctx.session, ctx.job, now=services.utc_now())
        ctx.session.commit()
        ran.append(ctx.job.id)
        ctx.checkpoint(2)  # ... and its next checkpoint stops it

    kinds("test", cancelled_midway)
    running = _queued()
    assert run_job(db.session, running, worker="w", lease_seconds=30) == "lost"
    job = _job(running)
    assert (job.status, job.progress) == ("cancelled", 1)
    with pytest.raises(Conflict):
        services.cancel(db.session, job, now=services.utc_now())


def test_a_key_allows_one_active_job(app, kinds):
    kinds("test", lambda ctx: None)
    first = services.enqueue(db.session, "test", {}, actor_id=None, key="feed:1")
    again = services.enqueue(db.session, "test", {}, actor_id=None, key="feed:1")
    other = services.enqueue(db.session, "test", {}, actor_id=None, key="feed:2")
    assert again.id == first.id and other.id != first.id
    db.session.commit()  # the eager runner runs them
    assert _job(first.id).status == "done"
    later = services.enqueue(db.session, "test", {}, actor_id=None, key="feed:1")
    assert later.id != first.id  # the first one is finished: a new one may start
    db.session.commit()
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Job).where(Job.key == "feed:1")
    )
    assert count == 2


def test_eager_jobs_run_after_commit_and_not_after_rollback(app, kinds):
    ran: list[int] = []
    kinds("test", lambda ctx: ran.append(ctx.job.id) or {"ok": True})

    job = services.enqueue(db.session, "test", {}, actor_id=None)
    assert ran == []  # not before the commit
    db.session.commit()
    assert ran == [job.id]
    assert _job(job.id).status == "done" and _job(job.id).result == {"ok": True}

    dropped = services.enqueue(db.session, "test", {}, actor_id=None)
    dropped_id = dropped.id
    db.session.rollback()
    assert NEW_JOBS not in db.session.info
    db.session.commit()  # a later commit does not carry the rolled-back job either
    assert ran == [job.id]
    assert db.session.get(Job, dropped_id) is None


def test_jobs_enqueued_by_an_eager_job_run_after_it_not_inside_it(app, kinds):
    order: list[str] = []

    def parent(ctx: JobContext) -> None:
        order.append("parent starts")
        services.enqueue(ctx.session, "child", {}, actor_id=None)
        ctx.checkpoint(1)  # commits the child job: it must not run in here
        order.append("parent ends")

    kinds("test", parent)
    kinds("child", lambda ctx: order.append("child"))
    job_id = _queued()
    db.session.info[NEW_JOBS] = [job_id]
    db.session.commit()
    assert order == ["parent starts", "parent ends", "child"]
    children = db.session.scalars(sa.select(Job).where(Job.kind == "child")).all()
    assert [c.status for c in children] == ["done"]


def test_off_mode_dispatches_nothing(app, kinds, monkeypatch):
    ran: list[int] = []
    kinds("test", lambda ctx: ran.append(1))
    monkeypatch.setattr(dispatch.dispatcher(app), "mode", "off")
    job = services.enqueue(db.session, "test", {}, actor_id=None)
    db.session.commit()
    assert ran == [] and _job(job.id).status == "queued"


@pytest.mark.parametrize(
    ("settings", "mode"),
    [
        ({"JOB_RUNNER": "", "CELERY_BROKER_URL": ""}, "threads"),
        ({"JOB_RUNNER": "", "CELERY_BROKER_URL": "redis://127.0.0.1:6379/2"}, "celery"),
        ({"JOB_RUNNER": "Eager", "CELERY_BROKER_URL": "redis://x"}, "eager"),
        ({"JOB_RUNNER": "off"}, "off"),
    ],
)
def test_the_runner_mode_follows_the_settings(settings, mode):
    assert dispatch.resolve_mode(settings) == mode


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"JOB_RUNNER": "celery", "CELERY_BROKER_URL": ""}, "CELERY_BROKER_URL is not set"),
        ({"JOB_RUNNER": "rq"}, "JOB_RUNNER must be one of"),
    ],
)
def test_a_bad_runner_setting_is_refused_with_a_reason(settings, words):
    with pytest.raises(ConfigError, match=words):
        dispatch.resolve_mode(settings)


def test_celery_mode_with_the_broker_down_leaves_the_job_queued_quickly(app, kinds, monkeypatch):
    """The web request goes on: the job stays queued for a sweeper to publish."""
    import time

    kinds("test", lambda ctx: None)
    sender = dispatch.Dispatcher(app, "celery")
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    app.config["CELERY_BROKER_TIMEOUT_SECONDS"] = 1
    monkeypatch.setitem(app.extensions, "factcheck.dispatch", sender)
    started = time.monotonic()
    job = services.enqueue(db.session, "test", {}, actor_id=None)
    db.session.commit()
    assert time.monotonic() - started < 5
    assert _job(job.id).status == "queued"
    # While the broker is known to be down, later commits do not wait on it again.
    started = time.monotonic()
    services.enqueue(db.session, "test", {}, actor_id=None)
    db.session.commit()
    assert time.monotonic() - started < 0.5


def test_jobs_cli_lists_runs_and_retries(app, runner, kinds, monkeypatch):
    outcomes = {"fail": True}

    def maybe(ctx: JobContext) -> dict:
        if outcomes["fail"]:
            raise InvalidInput("Not yet.")
        return {"ok": 1}

    kinds("test", maybe)
    monkeypatch.setattr(dispatch.dispatcher(app), "mode", "off")
    first = _queued()
    second = _queued()
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "Ran 2 job(s): 2 failed." in result.output
    listing = runner.invoke(args=["jobs", "list"])
    assert f"{second:>6}  test" in listing.output and "failed" in listing.output
    assert "Not yet." in listing.output

    outcomes["fail"] = False
    result = runner.invoke(args=["jobs", "retry", str(first)])
    assert result.exit_code == 0 and f"Job {first} (test) is queued again" in result.output
    assert runner.invoke(args=["jobs", "run"]).stdout.startswith("Ran 1 job(s): 1 done.")
    assert _job(first).status == "done" and _job(second).status == "failed"
    again = runner.invoke(args=["jobs", "retry", str(first)])
    assert again.exit_code == 1 and "Only a failed or cancelled job can be retried." in again.output
    assert runner.invoke(args=["jobs", "retry", "999999"]).exit_code == 1


def test_the_worker_command_refuses_without_a_broker(app, runner):
    app.config["CELERY_BROKER_URL"] = ""
    result = runner.invoke(args=["worker"])
    assert result.exit_code == 1
    assert "CELERY_BROKER_URL is not set" in result.output


def test_the_worker_command_refuses_when_redis_does_not_answer(app, runner):
    app.config["CELERY_BROKER_URL"] = "redis://:secret@127.0.0.1:1/0"
    result = runner.invoke(args=["worker"])
    assert result.exit_code == 1
    assert "the broker at redis://:***@127.0.0.1:1/0 does not answer" in result.output
    assert "secret" not in result.output


def test_a_celery_sweeper_publishes_due_jobs_that_may_have_no_message(app, kinds, clock):
    """A job whose message was never sent (the broker was down) or whose worker died is
    published by a worker's sweeper; one already waiting in the queue is not copied."""
    from tests.conftest import server_answers

    if not server_answers(6379):
        pytest.skip("no Redis at 127.0.0.1:6379")
    import redis

    from factcheck.tasks.celeryapp import Sweeper, make_celery
    from tests.jobworker import redis_test_url

    url = redis_test_url()
    broker = redis.Redis.from_url(url)
    broker.flushdb()
    app.config.update(CELERY_BROKER_URL=url, JOB_POLL_SECONDS=1, JOB_LEASE_SECONDS=30)
    sweeper = Sweeper(app, make_celery(app))
    try:
        kinds("test", lambda ctx: None)
        waiting = _queued()
        assert sweeper.republish(db.session) == []  # just committed: its message is on the way
        clock.advance(3)
        assert sweeper.republish(db.session) == [waiting]
        assert sweeper._queue_depth() == 1
        assert sweeper.republish(db.session) == []  # published a moment ago

        running = _queued()
        services.claim(db.session, running, worker="gone", now=clock.now, lease_seconds=5)
        db.session.commit()
        clock.advance(6)  # its lease lapses: the worker holding it is gone
        other = Sweeper(app, sweeper.celery)
        # `waiting` has its message in the queue already; the lapsed job gets one.
        assert other.republish(db.session) == [running]
        assert sweeper._queue_depth() == 2
    finally:
        broker.flushdb()
        broker.close()


def test_a_stopping_worker_gives_its_job_back_at_the_next_checkpoint(app, kinds, monkeypatch):
    """A web process restarting: the job is queued again at once, this attempt not
    counted, and the next worker resumes at the progress committed."""
    seen: list[int] = []
    stopping = {"now": False}

    def rows(ctx: JobContext) -> dict:
        seen.append(ctx.job.progress)
        for row in range(ctx.job.progress, 5):
            if row == 2:
                stopping["now"] = True  # the pool is told to stop while row 2 runs
            ctx.checkpoint(row + 1, total=5)
        return {"rows": 5}

    kinds("test", rows)
    monkeypatch.setattr(dispatch.dispatcher(app), "mode", "off")
    job_id = _queued()
    outcome = run_job(
        db.session, job_id, worker="w1", lease_seconds=30, stopping=lambda: stopping["now"]
    )
    assert outcome == "released"
    job = _job(job_id)
    assert (job.status, job.progress, job.attempts, job.lease_owner) == ("queued", 3, 0, None)
    assert services.due_job_ids(db.session, now=services.utc_now()) == [job_id]
    assert run_job(db.session, job_id, worker="w2", lease_seconds=30) == "done"
    job = _job(job_id)
    assert (job.status, job.progress, job.attempts) == ("done", 5, 1)
    assert seen == [0, 3]
