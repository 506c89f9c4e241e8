"""The API and the search page with background jobs (issue 17): POST /api/v1/articles
answers 201 for text scored in the request and 202 with a job for a URL or any other
text (the ingest form's rule, factcheck.offload.scores_inline); GET /api/v1/jobs/<id>;
and, where jobs run on Celery workers, POST /api/v1/score and similar-meaning search
scored by a worker while the request waits (API_SCORE_WAIT_SECONDS), never by the web
process.

The test settings run jobs eagerly (when the request commits). The Celery tests set the
dispatcher's mode to "celery" with a stand-in for the broker: one that runs the job at
once in the same thread (as a worker would, in its own app context and session), one
that hands it to a worker thread on its own connection (real commits: the request polls
the job row while the thread runs it), and one that delivers nothing (the time-out).
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time

import pytest
import sqlalchemy as sa

from factcheck.api.openapi import spec
from factcheck.auth.roles import Role
from factcheck.classifier import ModelUnavailable
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.jobs import services
from factcheck.jobs.models import Job
from factcheck.jobs.runner import KINDS, run_job
from factcheck.sources.document import Document
from factcheck.sources.limits import ExtractionError
from factcheck.sources.models import Article
from factcheck.tasks.dispatch import dispatcher
from factcheck.tasks.kinds import ingest as ingest_kind
from tests.fakes import KeywordClassifier
from tests.integration.test_api import TEXT, error_of, token_for  # noqa: F401  (a fixture)
from tests.workflow import user

# Which process the model ran in: "web" unless a stand-in worker set "worker".
WHERE: contextvars.ContextVar[str] = contextvars.ContextVar("where", default="web")


class RecordingClassifier(KeywordClassifier):
    """The fake model, recording where each call ran; `loaded` as a TransformerClassifier
    has it (False: a web process that has not loaded the model)."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded = True
        self.ran_in: list[str] = []
        self.fail = False

    def score(self, texts):  # noqa: ANN001, ANN201
        self.ran_in.append(WHERE.get())
        if self.fail:
            raise ModelUnavailable("no model here")
        return super().score(texts)

    def embed(self, texts):  # noqa: ANN001, ANN201
        self.ran_in.append(WHERE.get())
        return super().embed(texts)


@pytest.fixture
def fake_classifier() -> RecordingClassifier:
    return RecordingClassifier()


def _jobs() -> list[Job]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Job).order_by(Job.id)))


def _count(model) -> int:  # noqa: ANN001
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _work(app, job_id: int) -> str:  # noqa: ANN001
    """Run one job as a worker does: its own app context and session."""
    token = WHERE.set("worker")
    try:
        with app.app_context():
            return run_job(db.session, job_id, worker="stand-in", lease_seconds=60)
    finally:
        WHERE.reset(token)


@pytest.fixture
def celery(app, fake_classifier, monkeypatch):  # noqa: ANN001, ANN201
    """The job runner in "celery" mode, in a web process that has not loaded the model;
    the returned list collects the ids the broker was sent (nothing runs them unless a
    test sets `deliver`)."""

    class Broker:
        sent: list[int] = []
        deliver = None  # a function of a job id, run for each message

        def send(self, job_ids: list[int]) -> int:
            for job_id in job_ids:
                self.sent.append(job_id)
                if self.deliver is not None:
                    self.deliver(job_id)
            return len(job_ids)

    broker = Broker()
    broker.sent = []
    monkeypatch.setattr(dispatcher(app), "mode", "celery")
    monkeypatch.setattr(dispatcher(app), "send", broker.send)
    fake_classifier.loaded = False
    return broker


# --- POST /api/v1/articles: 201 inline, 202 a job -----------------------------------------


def _fetched(monkeypatch, text: str = TEXT) -> list[str]:  # noqa: ANN001
    """The job's fetch stands in for the web; returns the URLs it was asked for."""
    asked: list[str] = []

    def from_url(url, policy, limits):  # noqa: ANN001, ANN202
        asked.append(url)
        return Document(text=text, title="Fetched title", url=url)

    monkeypatch.setattr(ingest_kind, "from_url", from_url)
    return asked


def test_a_url_answers_202_and_its_job_makes_the_article(app, token_for, monkeypatch):  # noqa: F811
    asked = _fetched(monkeypatch)
    headers, owner = token_for(Role.FACT_CHECKER)
    client = app.test_client()
    response = client.post(
        "/api/v1/articles",
        json={"url": "HTTPS://news.example/a", "title": "Jobs", "published_on": "2026-11-02"},
        headers=headers,
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    (job,) = _jobs()
    assert response.headers["Location"] == f"/api/v1/jobs/{job.id}"
    body = response.get_json()
    # The eager runner ran the job when the request committed: the answer says so.
    assert body == {
        "job": {
            "id": job.id,
            "status": "done",
            "url": f"/api/v1/jobs/{job.id}",
            "progress": 0,
            "total": None,
        }
    }
    assert asked == ["https://news.example/a"]
    assert job.kind == "ingest" and job.created_by_id == owner.id
    assert job.payload["source"] == "url" and job.payload["url"] == "https://news.example/a"
    assert job.payload["overrides"]["title"] == "Jobs"
    assert job.payload["overrides"]["published_on"] == "2026-11-02"

    state = client.get(response.headers["Location"], headers=headers)
    assert state.status_code == 200, state.get_data(as_text=True)
    data = state.get_json()
    article = db.session.scalars(sa.select(Article)).one()
    assert (data["status"], data["kind"], data["attempts"], data["error"]) == (
        "done",
        "ingest",
        1,
        None,
    )
    assert data["result"]["article_id"] == article.id and data["result"]["claims"] >= 1
    assert data["article"]["id"] == article.id and data["article"]["title"] == "Jobs"
    assert data["article_url"] == f"/articles/{article.id}"
    assert article.source_kind == "url" and article.url == "https://news.example/a"
    texts = [c["text"] for c in data["claims"]]
    assert any("unemployment fell to 3.5%" in t.lower() for t in texts), texts
    assert len(texts) == data["result"]["claims"]
    assert all(c["article_id"] == article.id and c["status"] for c in data["claims"])
    assert data["created_at"] and data["started_at"] and data["finished_at"]


def test_short_text_still_scores_in_the_request(app, token_for, fake_classifier):  # noqa: F811
    headers, _ = token_for(Role.FACT_CHECKER)
    response = app.test_client().post("/api/v1/articles", json={"text": TEXT}, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert set(response.get_json()) == {"article", "claims"} and response.get_json()["claims"]
    assert "Location" not in response.headers
    assert _jobs() == [] and set(fake_classifier.ran_in) == {"web"}


@pytest.mark.parametrize("app_overrides", [{"JOB_INLINE_MAX_CHARS": 60}])
def test_text_over_the_inline_limit_answers_202(app, token_for):  # noqa: F811
    assert len(TEXT) > 60
    headers, _ = token_for(Role.FACT_CHECKER)
    client = app.test_client()
    response = client.post(
        "/api/v1/articles", json={"text": TEXT, "outlet": "Wire"}, headers=headers
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    (job,) = _jobs()
    assert job.payload["source"] == "text" and job.payload["text"] == TEXT
    data = client.get(response.headers["Location"], headers=headers).get_json()
    assert data["status"] == "done" and data["claims"]
    assert db.session.get(Article, data["article"]["id"]).outlet.name == "Wire"
    # The same text again: the job reports the article it duplicates, as a success.
    again = client.post("/api/v1/articles", json={"text": TEXT}, headers=headers)
    assert again.status_code == 202
    data = client.get(again.headers["Location"], headers=headers).get_json()
    assert data["status"] == "done" and data["result"]["duplicate"] is True
    assert data["article"]["id"] == data["result"]["article_id"] and _count(Article) == 1


def test_a_model_not_loaded_sends_short_text_to_a_job(app, token_for, fake_classifier):  # noqa: F811
    fake_classifier.loaded = False  # a web process that has not loaded the model yet
    headers, _ = token_for(Role.FACT_CHECKER)
    response = app.test_client().post("/api/v1/articles", json={"text": TEXT}, headers=headers)
    assert response.status_code == 202
    assert [job.payload["source"] for job in _jobs()] == ["text"]


@pytest.mark.parametrize("app_overrides", [{"JOB_INLINE_MAX_CHARS": 0}])
@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"url": "ftp://news.example/a"}, 422, "http:// or https://"),
        ({"url": "https://user:pw@news.example/a"}, 422, "user name or password"),
        ({"text": "   "}, 422, "The text is empty."),
        ({"text": TEXT, "url": "https://news.example/a"}, 400, "exactly one"),
        ({"title": "Nothing else"}, 400, "exactly one"),
    ],
)
def test_bad_input_is_refused_at_once_with_no_job(app, token_for, body, status, words):  # noqa: F811
    headers, _ = token_for(Role.FACT_CHECKER)
    response = app.test_client().post("/api/v1/articles", json=body, headers=headers)
    assert response.status_code == status
    error = error_of(response)
    assert words in error["message"] or words in str(error.get("fields")), error
    assert _jobs() == [] and _count(Article) == 0


def test_a_failed_job_shows_its_error(app, token_for, monkeypatch):  # noqa: F811
    def refused(url, policy, limits):  # noqa: ANN001, ANN202
        raise ExtractionError("The page answered 404 Not Found.")

    monkeypatch.setattr(ingest_kind, "from_url", refused)
    headers, _ = token_for(Role.FACT_CHECKER)
    client = app.test_client()
    response = client.post(
        "/api/v1/articles", json={"url": "https://news.example/gone"}, headers=headers
    )
    assert response.status_code == 202 and response.get_json()["job"]["status"] == "failed"
    data = client.get(response.headers["Location"], headers=headers).get_json()
    assert data["status"] == "failed" and data["error"] == "The page answered 404 Not Found."
    assert data["attempts"] == 1 and data["finished_at"]
    assert data["article"] is None and data["claims"] is None and data["result"] is None


# --- GET /api/v1/jobs/<id> ------------------------------------------------------------------


@pytest.mark.parametrize("app_overrides", [{"JOB_RUNNER": "off"}])
def test_a_job_is_shown_to_its_starter_editors_and_admins_only(app, token_for):  # noqa: F811
    mine, owner = token_for(Role.FACT_CHECKER)
    other, _ = token_for(Role.FACT_CHECKER)
    editor, _ = token_for(Role.EDITOR)
    admin, _ = token_for(Role.ADMIN)
    viewer, _ = token_for(Role.VIEWER)
    client = app.test_client()
    response = client.post("/api/v1/articles", json={"url": "https://news.example/a"}, headers=mine)
    assert response.status_code == 202
    ref = response.get_json()["job"]
    assert ref["status"] == "queued"  # nothing runs jobs here
    url = response.headers["Location"]
    for headers in (mine, editor, admin):
        data = client.get(url, headers=headers).get_json()
        assert "id" in data, data
        assert (data["id"], data["status"], data["attempts"]) == (ref["id"], "queued", 0)
        assert data["started_at"] is None and data["article"] is None
    hidden = client.get(url, headers=other)
    missing = client.get("/api/v1/jobs/2000000000", headers=other)
    assert hidden.status_code == missing.status_code == 404
    assert error_of(hidden)["message"] == error_of(missing)["message"]
    refused = client.get(url, headers=viewer)
    assert refused.status_code == 403
    assert client.get(f"{url}?verbose=1", headers=mine).status_code == 400
    # Progress as a worker records it.
    job = db.session.get(Job, ref["id"])
    services.claim(db.session, job.id, worker="w", now=services.utc_now(), lease_seconds=60)
    services.checkpoint(
        db.session, job, worker="w", now=services.utc_now(), lease_seconds=60, progress=2, total=5
    )
    db.session.commit()
    data = client.get(url, headers=mine).get_json()
    assert (data["status"], data["progress"], data["total"], data["attempts"]) == (
        "running",
        2,
        5,
        1,
    )


def test_the_openapi_document_describes_202_and_the_jobs_endpoint(app):
    paths = spec()["paths"]
    answers = paths["/api/v1/articles"]["post"]["responses"]
    assert set(answers) >= {"201", "202", "409", "422", "503"}
    assert "Location" in answers["202"]["headers"]
    schema = answers["202"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/JobAccepted"}
    job = paths["/api/v1/jobs/{job_id}"]["get"]
    assert set(job["responses"]) >= {"200", "401", "403", "404"}
    assert "Retry-After" in paths["/api/v1/score"]["post"]["responses"]["503"]["headers"]


# --- Celery: ingest, score and similar search through jobs ------------------------------


def test_on_celery_the_web_never_scores_an_article(app, token_for, celery, fake_classifier):  # noqa: F811
    headers, _ = token_for(Role.FACT_CHECKER)
    client = app.test_client()
    for body in ({"text": "Crime rose 20% in 2024."}, {"url": "https://news.example/a"}):
        response = client.post("/api/v1/articles", json=body, headers=headers)
        assert response.status_code == 202, response.get_data(as_text=True)
        assert response.get_json()["job"]["status"] == "queued"
    assert celery.sent == [job.id for job in _jobs()] and len(celery.sent) == 2
    assert fake_classifier.ran_in == []


def test_on_celery_scores_come_from_a_worker(app, token_for, celery, fake_classifier):  # noqa: F811
    celery.deliver = lambda job_id: _work(app, job_id)
    headers, _ = token_for(Role.VIEWER)
    sentences = ["Crime rose 20% in 2024.", "It was sunny."]
    response = app.test_client().post(
        "/api/v1/score", json={"sentences": sentences}, headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    expected = KeywordClassifier().score(sentences)
    assert [r["score"] for r in body["results"]] == [round(v, 6) for v in expected]
    assert [r["is_claim"] for r in body["results"]] == [True, False]
    assert (body["model"], body["version"]) == ("keyword-fake", "test-1")
    assert fake_classifier.ran_in == ["worker"]
    assert len(celery.sent) == 1 and _jobs() == []  # the errand is deleted once read


@pytest.mark.parametrize("app_overrides", [{"API_SCORE_WAIT_SECONDS": 0.3}])
def test_on_celery_no_answer_in_time_is_503_with_retry_after(
    app,
    token_for,  # noqa: F811
    celery,
    fake_classifier,
):
    headers, _ = token_for(Role.VIEWER)
    started = time.monotonic()
    response = app.test_client().post(
        "/api/v1/score", json={"sentences": ["Crime rose 20% in 2024."]}, headers=headers
    )
    waited = time.monotonic() - started
    assert response.status_code == 503, response.get_data(as_text=True)
    # At least the wait (flask-limiter raises it to its window's reset, as on every answer).
    assert int(response.headers["Retry-After"]) >= 1
    assert "busy" in error_of(response)["message"] and "0.3 s" in error_of(response)["message"]
    assert 0.3 <= waited < 5
    assert len(celery.sent) == 1 and _jobs() == []  # withdrawn: a late worker finds nothing
    assert fake_classifier.ran_in == []
    # A worker that takes the message now has nothing to do.
    assert _work(app, celery.sent[0]) == "skipped"


def test_on_celery_a_failed_score_job_is_503(app, token_for, celery, fake_classifier):  # noqa: F811
    celery.deliver = lambda job_id: _work(app, job_id)
    fake_classifier.fail = True
    headers, _ = token_for(Role.VIEWER)
    response = app.test_client().post(
        "/api/v1/score", json={"sentences": ["Crime rose."]}, headers=headers
    )
    assert response.status_code == 503 and "not available" in error_of(response)["message"]
    assert fake_classifier.ran_in == ["worker"] and _jobs() == []


def test_other_runners_score_in_the_process(app, token_for, fake_classifier):  # noqa: F811
    fake_classifier.loaded = False  # eager (the test settings): loading here is allowed
    headers, _ = token_for(Role.VIEWER)
    response = app.test_client().post(
        "/api/v1/score", json={"sentences": ["Crime rose 20%."]}, headers=headers
    )
    assert response.status_code == 200 and fake_classifier.ran_in == ["web"] and _jobs() == []


@pytest.mark.real_commits
def test_on_celery_the_request_waits_for_a_worker_thread(app, token_for, celery, fake_classifier):  # noqa: F811
    """A worker on its own connection runs the job while the request polls the row."""
    messages: queue.Queue[int] = queue.Queue()
    celery.deliver = messages.put
    outcome: list[str] = []

    def worker() -> None:
        job_id = messages.get(timeout=30)
        time.sleep(0.2)  # the request is polling by now
        outcome.append(_work(app, job_id))

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    headers, _ = token_for(Role.VIEWER)
    response = app.test_client().post(
        "/api/v1/score", json={"sentences": ["Crime rose 20% in 2024."]}, headers=headers
    )
    thread.join(timeout=30)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"][0]["is_claim"] is True
    assert outcome == ["done"] and fake_classifier.ran_in == ["worker"]
    assert _jobs() == []


def _a_claim_to_find(make_user) -> int:  # noqa: ANN001
    checker = user(make_user(Role.FACT_CHECKER))
    result = ingest(
        db.session,
        Document(text="The mayor said crime fell by 20% in 2025.", title="Crime"),
        actor=checker,
        classifier=KeywordClassifier(),
    )
    db.session.commit()
    return result.claims[0].id


SIMILAR = {"q": "crime fell by 20 percent in 2025", "mode": "similar"}


def test_on_celery_similar_search_embeds_in_a_worker(app, login_as, make_user, celery):
    claim_id = _a_claim_to_find(make_user)
    celery.deliver = lambda job_id: _work(app, job_id)
    client = login_as(Role.VIEWER)
    response = client.get("/search", query_string=SIMILAR)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Similar in meaning" in body
    assert f"/claims/{claim_id}" in body
    assert len(celery.sent) == 1
    assert _jobs() == []
    # The same query embedded here gives the same page (the vector survived JSON).
    dispatcher(app).mode = "eager"
    assert f"/claims/{claim_id}" in client.get("/search", query_string=SIMILAR).get_data(
        as_text=True
    )


@pytest.mark.parametrize("app_overrides", [{"API_SCORE_WAIT_SECONDS": 0.2}])
def test_on_celery_similar_search_says_when_it_is_busy(
    app, login_as, make_user, celery, fake_classifier
):
    _a_claim_to_find(make_user)
    client = login_as(Role.VIEWER)
    response = client.get("/search", query_string=SIMILAR)
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert "Similar-claim search is busy" in response.get_data(as_text=True)
    assert fake_classifier.ran_in == [] and _jobs() == []
    # Searching by words does not need the model and still works.
    words = client.get("/search", query_string={"q": "crime"})
    assert words.status_code == 200 and "busy" not in words.get_data(as_text=True)


# --- The "score" and "embed" kinds ---------------------------------------------------------


def test_score_and_embed_are_registered_one_attempt_kinds():
    for name in ("score", "embed"):
        assert KINDS[name].max_attempts == 1 and KINDS[name].retry is False


@pytest.mark.parametrize("app_overrides", [{"API_SCORE_MAX_SENTENCES": 2}])
@pytest.mark.parametrize(
    ("kind", "payload", "words"),
    [
        ("score", {"sentences": ["a", "b", "c"]}, "At most 2 texts"),
        ("score", {"sentences": "not a list"}, "no list of texts"),
        ("embed", {"texts": [1, 2]}, "no list of texts"),
    ],
)
def test_a_score_job_over_the_caps_fails_and_scores_nothing(
    app, fake_classifier, kind, payload, words
):
    job = services.enqueue(db.session, kind, payload, actor_id=None, max_attempts=1)
    db.session.commit()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "failed" and words in job.error and job.attempts == 1
    assert fake_classifier.ran_in == []
