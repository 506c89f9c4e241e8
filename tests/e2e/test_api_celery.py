"""The API and the search page on a real Celery worker (Redis at 127.0.0.1:6379, the
worker process `python -m tests.jobworker` with the fake classifier): POST /api/v1/score
and similar-meaning search are answered by the worker while the request waits, and the
web app's model is never used; a URL posted to the API becomes a job the worker runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from factcheck.auth.roles import Role
from factcheck.auth.tokens import create_token
from factcheck.db import utcnow
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.jobs.models import Job, JobWorker
from factcheck.sources.document import Document
from tests.e2e.test_job_workers import Workers, _job, redis_url, wait_for  # noqa: F401
from tests.fakes import KeywordClassifier
from tests.jobworker import TEST_TIMINGS
from tests.workflow import user


class WebClassifier(KeywordClassifier):
    """The web process's model: not loaded, and it fails the test if it is used."""

    loaded = False

    def score(self, texts):  # noqa: ANN001, ANN201
        raise AssertionError("the web process scored")

    def embed(self, texts):  # noqa: ANN001, ANN201
        raise AssertionError("the web process embedded")


@pytest.fixture
def fake_classifier() -> WebClassifier:
    return WebClassifier()


@pytest.fixture
def app_overrides(redis_url: str) -> dict[str, object]:  # noqa: F811
    return {"JOB_RUNNER": "celery", "CELERY_BROKER_URL": redis_url, **TEST_TIMINGS}


@pytest.fixture
def worker(app, database_url, redis_url, tmp_path) -> Iterator[object]:  # noqa: ANN001, F811
    started = Workers(database_url, redis_url, tmp_path)
    process = started.start(row_delay=0)

    def alive() -> bool:
        db.session.rollback()
        return db.session.scalar(sa.select(sa.func.count()).select_from(JobWorker)) > 0

    wait_for(alive, 60, "the worker's first heartbeat", process.log)
    yield process
    started.stop_all()  # before the app fixture wipes the tables


@pytest.mark.slow  # a worker process: seconds
@pytest.mark.timeout(150)
def test_a_celery_worker_answers_score_and_similar_search(app, worker, make_user, login_as):
    reader = user(make_user(Role.VIEWER))
    _, secret = create_token(db.session, user=reader, name="script", now=utcnow())
    checker = user(make_user(Role.FACT_CHECKER))
    found = ingest(
        db.session,
        Document(text="The mayor said crime fell by 20% in 2025.", title="Crime"),
        actor=checker,
        classifier=KeywordClassifier(),
    )
    db.session.commit()
    client = app.test_client()
    sentences = ["Crime rose 20% in 2024.", "It was sunny."]
    response = client.post(
        "/api/v1/score",
        json={"sentences": sentences},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, (response.get_data(as_text=True), worker.log.read_text())
    expected = KeywordClassifier().score(sentences)
    assert [r["score"] for r in response.get_json()["results"]] == [round(v, 6) for v in expected]

    page = login_as(Role.VIEWER).get(
        "/search", query_string={"q": "crime fell by 20 percent in 2025", "mode": "similar"}
    )
    assert page.status_code == 200, worker.log.read_text()
    assert f"/claims/{found.claims[0].id}" in page.get_data(as_text=True)

    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0  # errands gone


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_a_url_posted_to_the_api_is_run_by_the_worker(app, worker, make_user):
    checker = user(make_user(Role.FACT_CHECKER))
    _, secret = create_token(db.session, user=checker, name="script", now=utcnow())
    db.session.commit()
    response = app.test_client().post(
        "/api/v1/articles",
        # Nothing listens there: the worker's fetch fails, and the job says why.
        json={"url": "http://127.0.0.1:9/article"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    job_id = response.get_json()["job"]["id"]
    job = wait_for(
        lambda: _job(job_id) if _job(job_id).finished else None, 60, "the job", worker.log
    )
    assert job.status == "failed" and job.error and job.attempts == 1
