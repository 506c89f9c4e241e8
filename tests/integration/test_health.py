"""The health checks: /healthz for load balancers, /health for monitoring (its status
rules, who sees its details), the job and worker counts behind them, and the request id
and request line every request gets (factcheck.logs)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
import sqlalchemy.exc as sa_exc

from factcheck.app import create_app
from factcheck.auth.roles import Role
from factcheck.db import utcnow
from factcheck.extensions import db
from factcheck.jobs import services
from factcheck.jobs.models import Job, JobWorker
from factcheck.jobs.queries import queue_counts, worker_counts
from factcheck.jobs.runner import job_kind, run_job
from tests.conftest import server_answers

TOKEN = "health-token-0123456789abcdef"
KIND = "test_health"


@job_kind(KIND, title="Health test work", max_attempts=2)
def _work(ctx):  # noqa: ANN001, ANN202
    if ctx.payload.get("boom"):
        raise RuntimeError("boom")
    return {"ok": True}


@pytest.fixture
def app_overrides() -> dict[str, object]:
    # Jobs stay where a test puts them; workers are needed (nothing runs jobs inline).
    return {"JOB_RUNNER": "off", "HEALTH_TOKEN": TOKEN}


def details(client, **headers):  # noqa: ANN001, ANN003, ANN201
    return client.get("/health", headers={"Authorization": f"Bearer {TOKEN}", **headers})


def beat(worker: str, *, ago: float = 0, mode: str = "celery") -> None:
    services.heartbeat(
        db.session, worker, mode=mode, hostname="h", pid=1, now=utcnow() - timedelta(seconds=ago)
    )
    db.session.commit()


def test_healthz_stays_minimal_for_load_balancers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    def gone(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise sa_exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "execute", gone)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json == {"status": "down"}
    response = details(client)
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "down" and body["checks"]["database"] == {
        "status": "down",
        "error": "OperationalError",
    }
    assert "server closed" not in response.get_data(as_text=True)  # names, never messages


def test_anonymous_callers_get_the_status_word_only(client):
    beat("w1")
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    # A wrong token, or an API-looking one, shows nothing more.
    response = client.get("/health", headers={"Authorization": "Bearer wrong-token-xxxxxxxxxxxx"})
    assert response.json == {"status": "ok"}


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_signed_in_non_admins_get_the_status_word_only(login_as, role):
    assert login_as(role).get("/health").json == {"status": "degraded"}  # no worker alive


def test_admins_and_the_token_get_the_details(client, login_as):
    beat("w1")
    for response in (details(client), login_as(Role.ADMIN).get("/health")):
        body = response.json
        assert response.status_code == 200 and body["status"] == "ok", body
        assert body["checks"]["database"]["status"] == "ok"
        assert body["checks"]["broker"] == {"status": "not configured"}
        assert body["checks"]["workers"]["alive"] == 1
        assert body["checks"]["queue"]["due"] == 0
        assert body["problems"] == []


def test_allowed_addresses_get_the_details(app, client):
    app.config["HEALTH_ALLOWED_ADDRESSES"] = ["10.0.0.0/8"]
    assert "checks" not in client.get("/health").json  # the test client is 127.0.0.1
    app.config["HEALTH_ALLOWED_ADDRESSES"] = ["127.0.0.0/8", "::1"]
    assert "checks" in client.get("/health").json


def test_jobs_due_with_no_worker_alive_is_down(client):
    services.enqueue(db.session, KIND, actor_id=None)
    db.session.commit()
    response = details(client)
    assert response.status_code == 503
    assert response.json["status"] == "down"
    assert response.json["problems"] == ["1 job(s) due and no worker alive"]
    assert response.json["checks"]["workers"]["status"] == "none alive"
    # A worker that stopped beating 3 periods ago (15 s each) is not alive.
    beat("old", ago=46)
    assert details(client).status_code == 503
    beat("w1", ago=10)
    response = details(client)
    assert response.status_code == 200 and response.json["status"] == "ok"
    assert response.json["checks"]["workers"]["alive"] == 1
    assert response.json["checks"]["workers"]["known"] == 2


def test_no_worker_and_nothing_due_is_degraded_not_down(client):
    response = details(client)
    assert response.status_code == 200 and response.json["status"] == "degraded"
    assert response.json["problems"] == ["no worker alive (no job is due yet)"]


def test_eager_runner_needs_no_worker(app, client):
    app.config["JOB_RUNNER"] = "eager"
    response = details(client)
    assert response.json["status"] == "ok"
    assert response.json["checks"]["workers"]["status"] == "ok"


def test_an_old_queue_is_degraded(app, client):
    beat("w1")
    job = services.enqueue(db.session, KIND, actor_id=None)
    job.created_at = utcnow() - timedelta(seconds=700)
    db.session.commit()
    response = details(client)
    assert response.status_code == 200 and response.json["status"] == "degraded"
    assert response.json["problems"][0].startswith("the oldest due job has waited 70")


def test_a_configured_broker_that_does_not_answer_is_down(app, client):
    beat("w1")
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = details(client)
    assert response.status_code == 503 and response.json["status"] == "down"
    assert response.json["checks"]["broker"] == {"status": "down", "error": "ConnectionError"}
    assert "127.0.0.1:1" not in response.get_data(as_text=True)  # no URL, no password
    # Anonymous callers learn it is down, not why.
    assert client.get("/health").json == {"status": "down"}


@pytest.mark.skipif(not server_answers(6379), reason="no Redis on 127.0.0.1:6379")
def test_a_broker_that_answers_is_ok(app, client):
    beat("w1")
    app.config["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/15"
    response = details(client)
    assert response.json["checks"]["broker"]["status"] == "ok", response.json
    assert response.json["status"] == "ok"


def test_queue_and_worker_counts(app):
    now = utcnow()
    due = services.enqueue(db.session, KIND, actor_id=None)
    due.created_at = now - timedelta(seconds=30)
    services.enqueue(db.session, KIND, actor_id=None, run_after=now + timedelta(hours=1))
    running = services.enqueue(db.session, KIND, actor_id=None)
    stalled = services.enqueue(db.session, KIND, actor_id=None)
    old_failure = services.enqueue(db.session, KIND, actor_id=None)
    new_failure = services.enqueue(db.session, KIND, actor_id=None)
    db.session.flush()
    running.status, running.lease_expires_at = "running", now + timedelta(seconds=60)
    stalled.status, stalled.lease_expires_at = "running", now - timedelta(seconds=1)
    old_failure.status, old_failure.finished_at = "failed", now - timedelta(days=2)
    new_failure.status, new_failure.finished_at = "failed", now - timedelta(hours=2)
    db.session.flush()

    queue = queue_counts(db.session, now=now)
    assert (queue.due, queue.scheduled, queue.running, queue.stalled) == (1, 1, 1, 1)
    assert queue.failed_last_day == 1
    assert 29 <= queue.oldest_due_age_s <= 31

    for worker, ago, mode in (("a", 5, "celery"), ("b", 20, "threads"), ("c", 100, "celery")):
        services.heartbeat(db.session, worker, mode=mode, hostname="h", pid=1, now=now)
        db.session.get(JobWorker, worker).heartbeat_at = now - timedelta(seconds=ago)
    db.session.flush()
    workers = worker_counts(db.session, now=now, heartbeat_seconds=15)
    assert workers.alive == 2 and workers.known == 3
    assert workers.alive_by_mode == {"celery": 1, "threads": 1}
    assert workers.newest_heartbeat_age_s == 5.0
    assert worker_counts(db.session, now=now, heartbeat_seconds=1).alive == 0


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("HEALTH_ALLOWED_ADDRESSES", ["10.0.0.300"], "HEALTH_ALLOWED_ADDRESSES"),
        ("HEALTH_ALLOWED_ADDRESSES", "10.0.0.0/8", "HEALTH_ALLOWED_ADDRESSES"),
        ("HEALTH_TOKEN", "short", "HEALTH_TOKEN"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT"),
    ],
)
def test_unusable_deployment_settings_stop_the_start(database_url, setting, value, message):
    with pytest.raises(ValueError, match=message):
        create_app({"DATABASE_URL": database_url, setting: value})


# --- The request id and the request line -------------------------------------------------


def request_lines(caplog) -> list[logging.LogRecord]:  # noqa: ANN001
    return [r for r in caplog.records if getattr(r, "event", None) == "request"]


def test_every_response_carries_a_request_id_and_one_request_line(client, caplog):
    caplog.set_level(logging.INFO, logger="factcheck.request")
    response = client.get("/healthz?token=s3cret&x=1")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 12
    [line] = request_lines(caplog)
    assert line.request_id == request_id
    assert (line.method, line.path, line.status) == ("GET", "/healthz?token&x", 200)
    assert line.user_id is None and line.remote_addr == "127.0.0.1"
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    assert "s3cret" not in caplog.text


def test_a_safe_incoming_request_id_is_kept_and_an_unsafe_one_replaced(client, caplog):
    caplog.set_level(logging.INFO, logger="factcheck.request")
    kept = client.get("/login", headers={"X-Request-ID": "proxy-7f3a9c2e"})
    assert kept.headers["X-Request-ID"] == "proxy-7f3a9c2e"
    replaced = client.get("/login", headers={"X-Request-ID": "bad id; X-Evil: 1"})
    assert replaced.headers["X-Request-ID"] not in ("bad id", "")
    assert "\n" not in replaced.headers["X-Request-ID"] and "X-Evil" not in caplog.text
    assert [r.request_id for r in request_lines(caplog)] == [
        "proxy-7f3a9c2e",
        replaced.headers["X-Request-ID"],
    ]


def test_the_error_page_shows_the_same_request_id(client):
    response = client.get("/claims/999999", headers={"X-Request-ID": "trace-0001-abcd"})
    # Anonymous: sent to sign in (answered by a hook before the view), still with the id.
    assert response.headers["X-Request-ID"] == "trace-0001-abcd"
    response = client.get("/no-such-page", headers={"X-Request-ID": "trace-0002-abcd"})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "trace-0002-abcd"
    assert "trace-0002-abcd" in response.get_data(as_text=True)


def test_the_request_line_names_the_signed_in_user(login_as, caplog):
    client = login_as(Role.VIEWER)
    caplog.set_level(logging.INFO, logger="factcheck.request")
    client.get("/")
    [line] = request_lines(caplog)
    assert line.user_id == client.account.id and line.status == 200


@pytest.mark.parametrize("app_overrides", [{"LOG_REQUESTS": False, "JOB_RUNNER": "off"}])
def test_request_lines_can_be_turned_off(client, caplog):
    caplog.set_level(logging.INFO, logger="factcheck.request")
    assert client.get("/healthz").headers["X-Request-ID"]
    assert request_lines(caplog) == []


# --- The job line ------------------------------------------------------------------------


def job_lines(caplog) -> list[logging.LogRecord]:  # noqa: ANN001
    return [r for r in caplog.records if getattr(r, "event", None) == "job"]


def test_each_job_run_writes_one_job_line(app, caplog):
    caplog.set_level(logging.INFO, logger="factcheck.jobs")
    ok = services.enqueue(db.session, KIND, {"request_id": "req-abcdef12"}, actor_id=None)
    bad = services.enqueue(db.session, KIND, {"boom": True}, actor_id=None, max_attempts=2)
    db.session.commit()
    assert run_job(db.session, ok.id, worker="w-test", lease_seconds=60) == "done"
    assert run_job(db.session, bad.id, worker="w-test", lease_seconds=60) == "retry"
    done, retry = job_lines(caplog)
    assert (done.job_id, done.job_kind, done.status, done.attempts) == (ok.id, KIND, "done", 1)
    assert done.worker == "w-test" and done.request_id == "req-abcdef12"
    assert isinstance(done.duration_ms, int) and done.levelno == logging.INFO
    assert (retry.job_id, retry.status, retry.attempts, retry.request_id) == (
        bad.id,
        "retry",
        1,
        None,
    )
    assert retry.levelno == logging.WARNING
    # The second attempt is the last: the job fails for good.
    db.session.execute(sa.update(Job).where(Job.id == bad.id).values(run_after=None))
    db.session.commit()
    assert run_job(db.session, bad.id, worker="w-test", lease_seconds=60) == "failed"
    assert job_lines(caplog)[-1].status == "failed" and job_lines(caplog)[-1].attempts == 2


def test_job_tables_that_cannot_be_read_are_down(client, monkeypatch):
    import factcheck.main.views as views

    def missing(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise sa_exc.OperationalError("SELECT", {}, Exception("no such table: job_workers"))

    monkeypatch.setattr(views, "worker_counts", missing)
    response = details(client)
    assert response.status_code == 503
    assert response.json["problems"] == ["the job tables cannot be read"]
    assert response.json["checks"]["workers"] == {"status": "down", "error": "OperationalError"}
    assert client.get("/healthz").status_code == 200  # this process and its database answer


def test_anonymous_callers_share_a_recent_report(client):
    beat("w1")
    assert client.get("/health").json == {"status": "ok"}
    services.enqueue(db.session, KIND, actor_id=None)
    services.forget_worker(db.session, "w1")
    db.session.commit()
    # Within ANONYMOUS_REPORT_SECONDS the word comes from the report made for the first call.
    assert client.get("/health").json == {"status": "ok"}
    # A trusted caller always gets a fresh report (and refreshes the shared one).
    assert details(client).json["status"] == "down"
    response = client.get("/health")
    assert response.status_code == 503 and response.json == {"status": "down"}
