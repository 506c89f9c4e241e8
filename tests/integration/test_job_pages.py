"""The job pages (/jobs, /jobs/<id>, its JSON status, retry and cancel) and the ingest
form going through jobs.

The page tests make their jobs' states directly through factcheck.jobs.services (and a
kind registered here), with the runner off so a job stays where the test put it; the
ingest tests run under the test settings' eager runner: the job runs when the form's
transaction commits, so the redirect goes to a finished job's page.
"""

from __future__ import annotations

import io
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.auth.roles import Role
from factcheck.errors import InvalidInput
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.jobs import services
from factcheck.jobs.models import Job
from factcheck.jobs.runner import job_kind, run_job
from factcheck.sources.document import Document
from factcheck.sources.models import Article
from tests.conftest import post_form

KIND = "test_job_pages"
REFRESH = re.compile(r'<meta http-equiv="refresh" content="2">')


@job_kind(KIND, title="Page test work")
def _work(ctx):  # noqa: ANN001, ANN202
    if ctx.payload.get("fail"):
        raise InvalidInput("The test says no.")
    return {"summary": "All tested."}


@pytest.fixture
def app_overrides() -> dict[str, object]:
    # Jobs stay as each test leaves them (no runner picks them up).
    return {"JOB_RUNNER": "off"}


def _job(user_id: int | None, **payload) -> Job:  # noqa: ANN003
    job = services.enqueue(db.session, KIND, payload, actor_id=user_id)
    db.session.commit()
    return job


def _running(job: Job, *, progress: int = 0, total: int | None = None) -> Job:
    now = services.utc_now()
    claimed = services.claim(db.session, job.id, worker="test", now=now, lease_seconds=60)
    assert claimed is not None
    if progress or total:
        services.checkpoint(
            db.session,
            claimed,
            worker="test",
            now=now,
            lease_seconds=60,
            progress=progress,
            total=total,
        )
    db.session.commit()
    return claimed


def _finished(job: Job, result: dict) -> Job:
    job = _running(job)
    services.finish(db.session, job, worker="test", now=services.utc_now(), result=result)
    db.session.commit()
    return job


def _failed(job: Job, error: str = "The page answered with HTTP 500.") -> Job:
    job = _running(job)
    services.fail(db.session, job, worker="test", now=services.utc_now(), error=error)
    db.session.commit()
    return job


def _page(client, job: Job) -> str:  # noqa: ANN001
    response = client.get(f"/jobs/{job.id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _article(fake_classifier, text: str = "Crime rose 20% in 2024.") -> Article:  # noqa: ANN001
    result = ingest(
        db.session, Document(text=text, title="Crime"), actor=None, classifier=fake_classifier
    )
    db.session.commit()
    return result.article


class TestJobPage:
    def test_a_queued_job_refreshes_itself_and_can_be_cancelled(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        job = _job(client.account.id)
        page = _page(client, job)
        assert "<h1>Page test work" in page and "queued" in page
        assert re.search(r"Started by Fact-checker \d+\s+on \d{4}-\d\d-\d\d \d\d:\d\d UTC", page)
        # Without script the page reloads itself while the job is active; with script
        # (the <noscript> ignored) jobs.js polls instead.
        assert "<noscript>" in page and REFRESH.search(page)
        assert "js/jobs.js" in page
        assert f'action="/jobs/{job.id}/cancel"' in page and "Retry" not in page
        assert "<progress" in page

    def test_a_running_job_shows_its_bar_count_rate_and_eta(self, login_as, monkeypatch):
        client = login_as(Role.FACT_CHECKER)
        job = _running(_job(client.account.id), progress=3, total=10)
        now = services.utc_now()
        job.started_at = now - timedelta(seconds=30)
        db.session.commit()
        monkeypatch.setattr(services, "utc_now", lambda: now)  # the page's clock, fixed
        page = _page(client, job)
        assert re.search(r'<progress id="job-bar" aria-label="Progress" max="10" value="3">', page)
        assert "3 of 10 (30 %)" in page
        # 3 in 30 s: 6 a minute, 7 left → about 70 s.
        assert "6.0 a minute, about 1 min left" in page
        assert "attempt 1 of 3" in page
        assert REFRESH.search(page)

    def test_a_done_ingest_links_to_its_article(self, login_as, fake_classifier):
        client = login_as(Role.FACT_CHECKER)
        article = _article(fake_classifier)
        job = _finished(
            _job(client.account.id), {"article_id": article.id, "summary": "1 claims flagged."}
        )
        page = _page(client, job)
        assert f'href="/articles/{article.id}"' in page and "1 claims flagged." in page
        assert "Ingested" in page
        assert not REFRESH.search(page) and "js/jobs.js" not in page
        assert "/cancel" not in page and "Retry" not in page

    def test_a_duplicate_says_already_in_with_a_link(self, login_as, fake_classifier):
        client = login_as(Role.FACT_CHECKER)
        article = _article(fake_classifier)
        job = _finished(
            _job(client.account.id),
            {"article_id": article.id, "duplicate": True, "summary": "Seen before."},
        )
        page = _page(client, job)
        assert "already in" in page and f'href="/articles/{article.id}"' in page

    def test_a_bulk_result_counts_and_lists_bad_rows(self, login_as, fake_classifier):
        client = login_as(Role.FACT_CHECKER)
        article = _article(fake_classifier)
        job = _finished(
            _job(client.account.id),
            {
                "articles": [article.id, article.id + 1, article.id + 2],
                "duplicates": 2,
                "errors": [{"line": 4, "message": "text is empty"}],
            },
        )
        page = _page(client, job)
        assert "1 article ingested, 2 already in, 1 with errors." in page
        assert "Line 4: text is empty" in page
        # More bad rows than the result keeps: it says how many are listed.
        job = _finished(
            _job(client.account.id),
            {
                "articles": [],
                "duplicates": 0,
                "failed": 150,
                "errors": [{"line": 2, "message": "x"}],
            },
        )
        assert "(the first 1 of 150)" in _page(client, job)

    def test_a_failed_job_shows_its_error_and_a_retry_button(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        job = _failed(_job(client.account.id), "The page answered with HTTP 500.")
        page = _page(client, job)
        assert "failed" in page and "The page answered with HTTP 500." in page
        assert f'action="/jobs/{job.id}/retry"' in page
        assert not REFRESH.search(page)

    def test_retry_queues_it_again_audits_and_it_then_completes(self, app, login_as):
        client = login_as(Role.FACT_CHECKER)
        job = _failed(_job(client.account.id))
        response = post_form(client, f"/jobs/{job.id}/retry", token_from=f"/jobs/{job.id}")
        assert response.status_code == 302 and response.headers["Location"] == f"/jobs/{job.id}"
        db.session.refresh(job)
        assert (job.status, job.attempts) == ("queued", 0)
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "job.retry")
        ).one()
        assert (entry.entity_id, entry.actor_id) == (job.id, client.account.id)
        assert entry.changes == {"status": ["failed", "queued"]}
        assert run_job(db.session, job.id, worker="test", lease_seconds=60) == "done"
        page = _page(client, job)
        assert "All tested." in page and "done" in page

    def test_cancel_stops_a_queued_job_and_audits(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        job = _job(client.account.id)
        response = post_form(client, f"/jobs/{job.id}/cancel", token_from=f"/jobs/{job.id}")
        assert response.status_code == 302
        db.session.refresh(job)
        assert job.status == "cancelled"
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "job.cancel"))
            == 1
        )
        # Cancelling a finished job again is refused with a message, nothing changes.
        response = post_form(
            client, f"/jobs/{job.id}/cancel", token_from=f"/jobs/{job.id}", follow_redirects=True
        )
        assert "already finished" in response.get_data(as_text=True)

    def test_a_post_without_the_form_token_changes_nothing(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        job = _failed(_job(client.account.id))
        response = client.post(f"/jobs/{job.id}/retry")
        assert response.status_code == 400
        db.session.refresh(job)
        assert job.status == "failed"

    def test_status_json(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        job = _running(_job(client.account.id), progress=1, total=4)
        state = client.get(f"/jobs/{job.id}.json").get_json()
        assert state["status"] == "running" and state["finished"] is False
        assert (state["progress"], state["total"], state["percent"]) == (1, 4, 25)
        assert state["result_html"] is None and state["error"] is None
        failed = _failed(_job(client.account.id), "Out of luck.")
        state = client.get(f"/jobs/{failed.id}.json").get_json()
        assert state["finished"] is True and state["error"] == "Out of luck."
        assert "Out of luck." in state["result_html"]

    def test_who_sees_and_who_may_change_a_job(self, login_as, make_user):
        owner = login_as(Role.FACT_CHECKER)
        job = _failed(_job(owner.account.id))
        other = login_as(Role.FACT_CHECKER)
        for path in (f"/jobs/{job.id}", f"/jobs/{job.id}.json"):
            assert other.get(path).status_code == 404
        # The same answer as for a job that does not exist.
        assert other.get("/jobs/999999").status_code == 404
        response = post_form(other, f"/jobs/{job.id}/retry", token_from="/jobs")
        assert response.status_code == 404
        assert login_as(Role.VIEWER).get(f"/jobs/{job.id}").status_code == 404
        editor = login_as(Role.EDITOR)
        page = _page(editor, job)
        assert "Retry" not in page  # an editor sees it but does not run others' jobs
        assert post_form(editor, f"/jobs/{job.id}/retry", token_from="/jobs").status_code == 403
        admin = login_as(Role.ADMIN)
        assert "Retry" in _page(admin, job)
        assert post_form(admin, f"/jobs/{job.id}/retry", token_from="/jobs").status_code == 302
        db.session.refresh(job)
        assert job.status == "queued"

    def test_the_list_shows_my_jobs_and_editors_see_everyones(self, login_as):
        mine = login_as(Role.FACT_CHECKER)
        theirs = login_as(Role.FACT_CHECKER)
        own = _job(mine.account.id)
        failed = _failed(_job(mine.account.id))
        other = _job(theirs.account.id)
        page = mine.get("/jobs").get_data(as_text=True)
        assert f'href="/jobs/{own.id}"' in page and f'href="/jobs/{failed.id}"' in page
        assert f'href="/jobs/{other.id}"' not in page
        # Newest first.
        assert page.index(f'href="/jobs/{failed.id}"') < page.index(f'href="/jobs/{own.id}"')
        editor = login_as(Role.EDITOR)
        page = editor.get("/jobs").get_data(as_text=True)
        assert all(f'href="/jobs/{j.id}"' in page for j in (own, failed, other))
        page = editor.get("/jobs?status=failed").get_data(as_text=True)
        assert f'href="/jobs/{failed.id}"' in page and f'href="/jobs/{other.id}"' not in page
        # A status that is no status filters nothing rather than failing.
        assert editor.get("/jobs?status=bogus").status_code == 200

    def test_the_list_pages(self, app, login_as):
        app.config["PAGE_SIZE"] = 2
        client = login_as(Role.FACT_CHECKER)
        for _ in range(3):
            _job(client.account.id)
        first = client.get("/jobs").get_data(as_text=True)
        assert "Page 1 of 2" in first and "/jobs?page=2" in first
        assert "Page 2 of 2" in client.get("/jobs?page=2").get_data(as_text=True)

    def test_jobs_is_in_the_account_menu(self, login_as):
        client = login_as(Role.VIEWER)
        assert 'href="/jobs"' in client.get("/").get_data(as_text=True)
        assert "No jobs" in client.get("/jobs").get_data(as_text=True)

    def test_an_export_result_offers_its_file(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        job = services.enqueue(
            db.session, KIND, {}, actor_id=client.account.id, files=[("claims.csv", b"id\n1\n")]
        )
        db.session.commit()
        job = _finished(job, {"download_file": 0, "summary": "1 claim exported."})
        page = _page(client, job)
        assert f'href="/jobs/{job.id}/files/0"' in page and "claims.csv" in page
        response = client.get(f"/jobs/{job.id}/files/0")
        assert response.status_code == 200 and response.data == b"id\n1\n"
        assert "attachment" in response.headers["Content-Disposition"]
        assert client.get(f"/jobs/{job.id}/files/1").status_code == 404
        assert login_as(Role.FACT_CHECKER).get(f"/jobs/{job.id}/files/0").status_code == 404

    def test_files_are_deleted_days_after_their_job_ends_and_the_page_says_so(self, app, login_as):
        from factcheck.jobs.models import JobFile
        from factcheck.tasks import schedule

        client = login_as(Role.FACT_CHECKER)
        old, recent, waiting = (
            services.enqueue(
                db.session, KIND, {}, actor_id=client.account.id, files=[(name, b"id\n1\n")]
            )
            for name in ("old.csv", "recent.csv", "waiting.csv")
        )
        db.session.commit()
        old = _finished(old, {"download_file": 0})
        recent = _finished(recent, {"download_file": 0})
        days = app.config["JOB_FILES_KEEP_DAYS"]
        old.finished_at = services.utc_now() - timedelta(days=days, minutes=1)
        db.session.commit()

        schedule._last_prune.clear()  # this process has not pruned within the hour
        schedule.prune_job_files(db.session, services.utc_now())
        db.session.commit()
        left = db.session.scalars(sa.select(JobFile.name).order_by(JobFile.name)).all()
        assert left == ["recent.csv", "waiting.csv"]  # the queued job keeps its upload
        assert db.session.get(Job, old.id).result == {"download_file": 0}  # the row stays

        response = client.get(f"/jobs/{old.id}/files/0", follow_redirects=True)
        assert response.request.path == f"/jobs/{old.id}"
        assert "no longer kept" in response.get_data(as_text=True)
        assert client.get(f"/jobs/{recent.id}/files/0").data == b"id\n1\n"
        # Once an hour per process: a second sweep straight after deletes nothing more.
        recent.finished_at = old.finished_at
        db.session.commit()
        schedule.prune_job_files(db.session, services.utc_now())
        assert db.session.scalar(sa.select(sa.func.count()).select_from(JobFile)) == 2


# --- The ingest form and the bulk page, through jobs run eagerly ---------------------------


def _post_ingest(client, **fields):  # noqa: ANN001, ANN003, ANN202
    data = {"text": "", "url": "", "title": "", "language": "en"}
    data.update(fields)
    return post_form(
        client,
        "/articles/ingest",
        data,
        token_from="/articles/ingest",
        content_type="multipart/form-data",
    )


def _job_of(response) -> Job:  # noqa: ANN001
    assert response.status_code == 303, (
        response.status_code,
        response.get_data(as_text=True)[:2000],
    )
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return db.session.get(Job, int(match.group(1)))


def _count(model) -> int:  # noqa: ANN001
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


ARTICLE_HTML = (
    b"<html><head><title>Council vote</title></head><body><article><h1>Council vote</h1>"
    b"<p>The council voted 7 to 2 to raise the transit budget by 12 percent in 2026.</p>"
    b"<p>The mayor said ridership grew 30 percent last year.</p></article></body></html>"
)


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = ARTICLE_HTML if self.path == "/article" else b"missing"
        self.send_response(200 if self.path == "/article" else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture
def pages():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class TestIngestThroughJobs:
    @pytest.fixture
    def app_overrides(self) -> dict[str, object]:
        return {"JOB_RUNNER": "eager", "INGEST_ALLOW_PRIVATE_URLS": True}

    def test_a_url_is_fetched_in_a_job_whose_page_links_the_article(self, login_as, pages):
        client = login_as(Role.FACT_CHECKER)
        job = _job_of(_post_ingest(client, url=f"{pages}/article", outlet="City Wire"))
        assert job.kind == "ingest" and job.payload["source"] == "url"
        assert job.payload["overrides"]["outlet"] == "City Wire"
        assert job.status == "done", job.error
        article = db.session.scalars(sa.select(Article)).one()
        assert article.url == f"{pages}/article" and article.outlet.name == "City Wire"
        page = _page(client, job)
        assert f'href="/articles/{article.id}"' in page and "claims" in page
        assert not REFRESH.search(page)
        # The same address again: a duplicate is a success that points at the article.
        again = _job_of(_post_ingest(client, url=f"{pages}/article"))
        assert again.status == "done" and again.result["duplicate"] is True
        assert "already in" in _page(client, again) and _count(Article) == 1

    def test_a_failed_fetch_keeps_its_error_on_the_job(self, login_as, pages):
        client = login_as(Role.FACT_CHECKER)
        job = _job_of(_post_ingest(client, url=f"{pages}/gone"))
        assert job.status == "failed"
        page = _page(client, job)
        assert "HTTP 404" in page and "Retry" in page and _count(Article) == 0

    def test_a_file_is_ingested_in_a_job_with_the_forms_metadata(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        response = _post_ingest(
            client,
            file=(io.BytesIO(b"Crime rose 20% in 2024, the mayor said."), "notes.txt"),
            title="Mayor on crime",
            published_on="2026-03-04",
        )
        job = _job_of(response)
        assert job.payload["source"] == "file"
        assert job.payload["overrides"]["published_on"] == "2026-03-04"
        assert services.job_file(db.session, job, 0)[0] == "notes.txt"
        assert job.status == "done", job.error
        article = db.session.scalars(sa.select(Article)).one()
        assert (article.title, str(article.published_on)) == ("Mayor on crime", "2026-03-04")

    def test_what_can_be_told_at_once_is_refused_at_once(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        cases = [
            ({"file": (io.BytesIO(b""), "empty.txt")}, 422, "The file is empty."),
            ({"file": (io.BytesIO(b"MZ"), "tool.exe")}, 400, "Upload a .txt"),
            ({"url": "ftp://example.com/x"}, 422, "starting with http"),
            ({"text": "   "}, 400, "Paste some text"),
        ]
        for fields, status, words in cases:
            response = _post_ingest(client, **fields)
            assert response.status_code == status, (fields, response.status_code)
            assert words in response.get_data(as_text=True)
        assert _count(Job) == 0 and _count(Article) == 0

    def test_short_text_scores_inline_when_the_model_is_loaded(self, login_as, fake_classifier):
        client = login_as(Role.FACT_CHECKER)
        response = _post_ingest(client, text="Crime rose 20% in 2024.")
        assert response.status_code == 302
        article = db.session.scalars(sa.select(Article)).one()
        assert response.headers["Location"] == f"/articles/{article.id}"
        assert _count(Job) == 0

    def test_long_text_or_a_model_not_loaded_goes_to_a_job(self, app, login_as, fake_classifier):
        client = login_as(Role.FACT_CHECKER)
        app.config["JOB_INLINE_MAX_CHARS"] = 30
        job = _job_of(
            _post_ingest(client, text="Crime rose 20% in 2024, the mayor said on Monday.")
        )
        assert job.payload["source"] == "text" and job.status == "done", job.error
        app.config["JOB_INLINE_MAX_CHARS"] = 20_000
        fake_classifier.loaded = False  # a web process that has not loaded the model
        job = _job_of(_post_ingest(client, text="Taxes fell 5% in 2023."))
        assert job.payload["source"] == "text" and job.status == "done", job.error
        assert _count(Article) == 2

    def test_a_bulk_upload_ingests_rows_and_lists_the_bad_one(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        assert "Bulk ingest" in client.get("/jobs").get_data(as_text=True)
        assert "/articles/bulk" in client.get("/articles/ingest").get_data(as_text=True)
        rows = (
            "title,text,published_on\n"
            "One,Crime rose 20% in 2024.,2026-01-02\n"
            "Two,Taxes fell 5% in 2023.,2026-01-03\n"
            "Three,Rents rose 9% in 2025.,not a date\n"
            "Four,Exports grew 3% in 2022.,\n"
        )
        response = post_form(
            client,
            "/articles/bulk",
            {"file": (io.BytesIO(rows.encode()), "wire.csv")},
            token_from="/articles/bulk",
            content_type="multipart/form-data",
        )
        job = _job_of(response)
        assert job.kind == "ingest_bulk" and job.total == 4
        assert job.status == "done", job.error
        assert len(job.result["articles"]) == 3 and job.result["errors"][0]["line"] == 4
        page = _page(client, job)
        assert (
            "3 articles ingested, 0 already in, 1 with errors." in page
            and "Line 4:" in page
            and "not a valid date" in page
        )
        assert _count(Article) == 3

    def test_a_bulk_upload_of_the_wrong_kind_is_refused_at_once(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        for name, content, words in [
            ("wire.xlsx", b"PK\x03\x04", "Upload a .csv or .jsonl file."),
            ("wire.csv", b"", "no rows"),
        ]:
            response = post_form(
                client,
                "/articles/bulk",
                {"file": (io.BytesIO(content), name)},
                token_from="/articles/bulk",
                content_type="multipart/form-data",
            )
            assert response.status_code in (400, 422), response.status_code
            assert words in response.get_data(as_text=True)
        response = post_form(client, "/articles/bulk", {}, token_from="/articles/bulk")
        assert response.status_code == 400 and "Choose a .csv" in response.get_data(as_text=True)
        assert _count(Job) == 0

    def test_a_bulk_file_over_the_row_limit_is_refused_whole(self, app, login_as):
        app.config["BULK_INGEST_MAX_ROWS"] = 2
        client = login_as(Role.FACT_CHECKER)
        rows = "text\nCrime rose 20%.\nTaxes fell 5%.\nRents rose 9%.\n"
        response = post_form(
            client,
            "/articles/bulk",
            {"file": (io.BytesIO(rows.encode()), "wire.csv")},
            token_from="/articles/bulk",
            content_type="multipart/form-data",
        )
        assert response.status_code == 422
        assert "more than 2 rows" in response.get_data(as_text=True)
        assert _count(Job) == 0 and _count(Article) == 0

    def test_viewers_cannot_bulk_ingest(self, login_as):
        assert login_as(Role.VIEWER).get("/articles/bulk").status_code == 403
