"""The job kinds "rescore", "export" and "mail", how they are started (the admin's button,
the export page, `--queue`, a notice's commit), and the CLI's folder ingest and export.

Jobs run eagerly at commit under the test settings (JOB_RUNNER = "eager"); a test that
wants a job to wait sets JOB_RUNNER = "off" and runs it with run_job."""

from __future__ import annotations

import csv
import io
import json
import smtplib
from pathlib import Path

import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.auth.roles import Role
from factcheck.claims.models import Claim
from factcheck.claims.services import FlagPolicy
from factcheck.classifier.loader import set_classifier
from factcheck.export.files import export_chunks
from factcheck.export.services import ExportFilters
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.jobs.models import Job
from factcheck.jobs.runner import run_job
from factcheck.matching.rescore import queue_rescore
from factcheck.notifications.services import notify
from factcheck.sources.document import Document
from factcheck.sources.models import Article
from tests.conftest import csrf_token, post_form
from tests.fakes import KeywordClassifier
from tests.workflow import add_claim, publish, user


class _Shifted(KeywordClassifier):
    """A "new model version": only sentences with a dollar amount are check-worthy."""

    version = "test-2"

    def score(self, texts):  # noqa: ANN001, ANN201
        return [0.9 if "$" in t else 0.1 for t in texts]


def _articles(classifier: KeywordClassifier) -> list:
    texts = [
        "The mayor said the wall cost $48 million.\n\n"
        "Crime fell 30 percent in 2025, the police chief claimed.",
        "The minister said unemployment rose to 9 percent.\n\n"
        "Residents gathered outside the hall on Tuesday evening.",
        "Taxes rose 4 percent, the council said.\n\nThe bridge cost $12 million.",
    ]
    policy = FlagPolicy(max_share=1.0, same_claim=1.01)
    results = [
        ingest(db.session, Document(text=t), actor=None, classifier=classifier, policy=policy)
        for t in texts
    ]
    db.session.commit()
    return results


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _run_again(job_id: int) -> str:
    """Run a job whose retry waits for its backoff now (as the worker would later)."""
    job = _job(job_id)
    job.run_after = None
    db.session.commit()
    return run_job(db.session, job_id, worker="test-worker", lease_seconds=60)


# --- rescore ------------------------------------------------------------------------------


def test_rescore_job_changes_only_unstarted_claims(app, fake_classifier):
    results = _articles(fake_classifier)
    started = next(c for c in results[1].claims if "nemployment" in c.text)
    started.status = "in_review"
    db.session.commit()
    crime = next(c for c in results[0].claims if "Crime" in c.text)
    set_classifier(app, _Shifted())
    job, new = queue_rescore(db.session, _Shifted(), everything=True, actor_id=None)
    assert new and job.total == 3
    db.session.commit()  # runs it (eager)
    job = _job(job.id)
    assert job.status == "done", job.error
    assert job.progress == 3 and job.result["counts"]["articles"] == 3
    assert job.result["counts"]["unflagged"] >= 1 and job.result["model"] == "keyword-fake test-2"
    assert job.result["summary"].startswith("Scored ")
    assert db.session.get(Claim, crime.id).status == "dismissed"
    kept = db.session.get(Claim, started.id)
    assert kept.status == "in_review"


def test_rescore_job_resumes_after_the_last_article_done(app, fake_classifier, monkeypatch):
    results = _articles(fake_classifier)
    ids = [r.article.id for r in results]
    set_classifier(app, _Shifted())
    import factcheck.tasks.kinds.rescore as kind

    real = kind.rescore_and_match
    calls: list[int] = []
    broken = {"on": True}

    def flaky(session, article_id, *args):  # noqa: ANN001, ANN002, ANN202
        calls.append(article_id)
        if article_id == ids[1] and broken["on"]:
            raise RuntimeError("the database went away")
        return real(session, article_id, *args)

    monkeypatch.setattr(kind, "rescore_and_match", flaky)
    job, _ = queue_rescore(db.session, _Shifted(), everything=False, actor_id=None)
    db.session.commit()
    job = _job(job.id)
    # The first article is committed with the progress; the second failed: a retry waits.
    assert job.status == "queued" and job.progress == 1 and job.run_after is not None
    assert job.result["last_id"] == ids[0] and "database went away" in job.error
    flagged_once = db.session.scalar(sa.select(sa.func.count()).select_from(Claim))
    broken["on"] = False
    assert _run_again(job.id) == "done"
    job = _job(job.id)
    assert job.progress == 3 and job.result["counts"]["articles"] == 3
    # The retry started after the first article: none was rescored twice.
    assert calls == [ids[0], ids[1], ids[1], ids[2]]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) >= flagged_once


def test_rescore_twice_changes_nothing_more(app, fake_classifier):
    _articles(fake_classifier)
    set_classifier(app, _Shifted())
    first, _ = queue_rescore(db.session, _Shifted(), everything=True, actor_id=None)
    db.session.commit()
    claims = {c.id: (c.status, c.score) for c in db.session.scalars(sa.select(Claim))}
    second, new = queue_rescore(db.session, _Shifted(), everything=True, actor_id=None)
    assert new and second.id != first.id  # the first finished: a new one may start
    db.session.commit()
    db.session.expire_all()
    assert {c.id: (c.status, c.score) for c in db.session.scalars(sa.select(Claim))} == claims
    counts = _job(second.id).result["counts"]
    assert counts["flagged"] == 0 and counts["unflagged"] == 0


@pytest.mark.parametrize("app_overrides", [{"JOB_RUNNER": "off"}])
def test_rescore_queue_option_queues_one_job_at_a_time(app, fake_classifier, runner):
    _articles(fake_classifier)
    result = runner.invoke(args=["model", "rescore", "--all", "--queue"])
    assert result.exit_code == 0, result.output
    assert "Queued job" in result.output and "3 article(s)" in result.output
    result = runner.invoke(args=["model", "rescore", "--queue"])
    assert result.exit_code == 0, result.output
    assert "already queued" in result.output
    jobs = db.session.scalars(sa.select(Job).where(Job.kind == "rescore")).all()
    assert len(jobs) == 1 and jobs[0].payload["all"] is True
    assert run_job(db.session, jobs[0].id, worker="w", lease_seconds=60) == "done"


def test_rescore_queue_option_runs_at_commit_when_eager(app, fake_classifier, runner):
    _articles(fake_classifier)
    set_classifier(app, _Shifted())
    result = runner.invoke(args=["model", "rescore", "--queue"])
    assert result.exit_code == 0, result.output
    job = db.session.scalars(sa.select(Job).where(Job.kind == "rescore")).one()
    assert job.status == "done" and job.total == 3 and job.payload["ids"]


def test_admin_starts_a_rescore_from_the_settings_page(app, fake_classifier, login_as):
    _articles(fake_classifier)
    admin = login_as(Role.ADMIN)
    page = admin.get("/admin/scales").get_data(as_text=True)
    assert "Re-score the archive" in page
    response = admin.post(
        "/admin/rescore", data={"csrf_token": csrf_token(admin, "/admin/scales"), "all": "1"}
    )
    assert response.status_code == 303
    job = db.session.scalars(sa.select(Job).where(Job.kind == "rescore")).one()
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert job.created_by_id == admin.account.id and job.status == "done"
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "job.start")).one()
    assert entry.actor_id == admin.account.id and entry.entity_id == job.id
    assert "Scored " in admin.get(f"/jobs/{job.id}").get_data(as_text=True)
    # Without a CSRF token nothing is queued.
    assert admin.post("/admin/rescore", data={}).status_code in (303, 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
    editor = login_as(Role.EDITOR)
    token = csrf_token(editor, "/")
    assert editor.post("/admin/rescore", data={"csrf_token": token}).status_code == 403


# --- export -------------------------------------------------------------------------------


@pytest.fixture
def rulings(app, make_user):
    fc = user(make_user(Role.FACT_CHECKER, name="Fiona Checker"))
    ed = user(make_user(Role.EDITOR, name="Edna Editor"))
    claims = []
    for text in ("Prices fell in Malmö", "Crime rose 20% in Zürich", "=HYPERLINK(1)"):
        claim = add_claim(text)
        publish(claim, fc, ed, claim_text=text)
        claims.append(claim)
    db.session.commit()
    return claims


def _prepare(client, data: dict):  # noqa: ANN001, ANN202
    return post_form(client, "/export/prepare", data, token_from="/export/")


@pytest.mark.parametrize(
    ("fmt", "direct"),
    [
        ("rulings", "/export/rulings.csv?status=published"),
        ("evidence", "/export/rulings.csv?status=published&kind=evidence"),
        ("claimreview", "/export/claimreview.jsonl?status=published"),
    ],
)
def test_export_job_file_is_the_direct_download(app, rulings, login_as, fmt, direct):
    viewer = login_as(Role.VIEWER)
    expected = viewer.get(direct).get_data()
    response = _prepare(viewer, {"status": "published", "format": fmt})
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    job = db.session.scalars(sa.select(Job).where(Job.kind == "export")).one()
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert job.status == "done", job.error
    result = job.result
    assert result["download_file"] == 0 and result["format"] == fmt
    assert result["rows"] == 3  # three rulings, each with one evidence source
    download = viewer.get(f"/jobs/{job.id}/files/0")
    assert download.status_code == 200
    assert download.get_data() == expected
    assert "attachment" in download.headers["Content-Disposition"]
    assert result["name"] in download.headers["Content-Disposition"]
    suffix = "jsonl" if fmt == "claimreview" else "csv"
    assert result["name"].endswith(f".{suffix}")
    media = "text/csv" if suffix == "csv" else "application/x-ndjson"
    assert download.headers["Content-Type"].split(";")[0] == media
    # The job's page offers the file.
    page = viewer.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f"/jobs/{job.id}/files/0" in page and f"3 rows in {result['name']}" in page


def test_export_file_is_for_its_starter_editors_and_admins(app, rulings, login_as):
    viewer = login_as(Role.VIEWER)
    assert _prepare(viewer, {"status": "published", "format": "rulings"}).status_code == 303
    job = db.session.scalars(sa.select(Job).where(Job.kind == "export")).one()
    path = f"/jobs/{job.id}/files/0"
    assert login_as(Role.VIEWER).get(path).status_code == 404
    assert login_as(Role.FACT_CHECKER).get(path).status_code == 404
    assert login_as(Role.EDITOR).get(path).status_code == 200
    assert login_as(Role.ADMIN).get(path).status_code == 200
    assert app.test_client().get(path).status_code in (302, 401)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "job.start")).one()
    assert entry.actor_id == viewer.account.id and entry.extra["rows"] == 3


def test_a_big_direct_download_is_sent_to_the_job(app, rulings, login_as):
    app.config["EXPORT_DIRECT_MAX_ROWS"] = 2
    viewer = login_as(Role.VIEWER)
    for path, fmt in [
        ("/export/rulings.csv?status=published", "rulings"),
        ("/export/claimreview.jsonl", "claimreview"),
    ]:
        response = viewer.get(path)
        assert response.status_code == 303
        assert "/export/prepare" in response.headers["Location"]
        assert f"format={fmt}" in response.headers["Location"]
        page = viewer.get(response.headers["Location"]).get_data(as_text=True)
        assert "more than the 2 rows a direct download serves" in page
        assert "<strong>3</strong> rows" in page
    # Two rows or fewer still stream at once.
    small = viewer.get("/export/rulings.csv?status=published&until=2026-01-01")
    assert small.status_code == 200


def test_export_job_refuses_more_rows_than_its_bound(app, rulings, login_as):
    app.config["EXPORT_JOB_MAX_ROWS"] = 2
    viewer = login_as(Role.VIEWER)
    response = _prepare(viewer, {"status": "published", "format": "rulings"})
    assert response.status_code == 422
    assert "more than the 2 rows a prepared file may hold" in response.get_data(as_text=True)
    page = viewer.get("/export/prepare?status=published").get_data(as_text=True)
    assert "more than <strong>2</strong> rows" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


@pytest.mark.parametrize(
    "data",
    [
        {"format": "spreadsheet"},
        {"since": "2026-13-45", "format": "rulings"},
        {"since": "2026-02-01", "until": "2026-01-01", "format": "rulings"},
    ],
)
def test_export_job_bad_input_is_refused_with_a_message(app, rulings, login_as, data):
    viewer = login_as(Role.VIEWER)
    response = _prepare(viewer, data)
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_export_page_offers_the_job(app, login_as):
    viewer = login_as(Role.VIEWER)
    page = viewer.get("/export/").get_data(as_text=True)
    assert "Prepare as a file (background job)" in page
    page = viewer.get("/export/prepare?status=published&kind=evidence").get_data(as_text=True)
    assert 'value="evidence" selected' in page and "Prepare the file" in page
    assert viewer.get("/export/prepare").status_code == 200  # no filters: everything


# --- mail ---------------------------------------------------------------------------------


class FakeSMTP:
    """smtplib.SMTP's stand-in: records what it sends; `fail_at` (a message count) makes
    the next send after that many raise as a dropped connection would, once."""

    sent: list = []
    fail_at: int | None = None
    connections = 0

    def __init__(self, host, port, timeout):  # noqa: ANN001
        FakeSMTP.connections += 1

    def __enter__(self):  # noqa: ANN204
        return self

    def __exit__(self, *exc):  # noqa: ANN002, ANN204
        return False

    def send_message(self, message):  # noqa: ANN001, ANN201
        if FakeSMTP.fail_at is not None and len(FakeSMTP.sent) == FakeSMTP.fail_at:
            FakeSMTP.fail_at = None
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        if message["To"] == "refused@example.com":
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"No such user")})
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.sent, FakeSMTP.fail_at, FakeSMTP.connections = [], None, 0
    monkeypatch.setattr("factcheck.notifications.services.smtplib.SMTP", FakeSMTP)
    app.config["MAIL_ENABLED"] = True
    return FakeSMTP


def _people(make_user, *emails: str) -> list:
    return [user(make_user(Role.FACT_CHECKER, email=e)) for e in emails]


def test_mail_is_a_job_of_the_notices_transaction(app, smtp, make_user, login_as):
    a, b = _people(make_user, "a@example.com", "b@example.com")
    notify(db.session, user=a, kind="assignment", message="You have claim 1")
    notify(db.session, user=b, kind="published", message="Claim 2 was published")
    assert smtp.sent == []  # nothing before the commit
    db.session.commit()
    job = db.session.scalars(sa.select(Job).where(Job.kind == "mail")).one()
    assert job.status == "done" and job.total == 2 and job.result["sent"] == 2
    assert [m["To"] for m in smtp.sent] == ["a@example.com", "b@example.com"]
    assert smtp.sent[0]["Subject"] == "[factcheck] A claim was assigned to you"
    assert smtp.sent[1].get_content().strip() == "Claim 2 was published"
    assert smtp.connections == 1  # one connection for the job's messages
    page = login_as(Role.EDITOR).get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Sent 2 emails." in page


def test_a_rolled_back_change_queues_and_sends_nothing(app, smtp, make_user):
    (a,) = _people(make_user, "a@example.com")
    notify(db.session, user=a, kind="assignment", message="You have claim 1")
    db.session.rollback()
    db.session.commit()
    assert smtp.sent == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_no_mail_job_when_mail_is_off(app, smtp, make_user):
    app.config["MAIL_ENABLED"] = False
    (a,) = _people(make_user, "a@example.com")
    notify(db.session, user=a, kind="assignment", message="You have claim 1")
    db.session.commit()
    assert smtp.sent == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_an_smtp_failure_is_retried_without_resending(app, smtp, make_user):
    people = _people(make_user, "a@example.com", "b@example.com", "c@example.com")
    for person in people:
        notify(db.session, user=person, kind="assignment", message=f"Hi {person.email}")
    smtp.fail_at = 1  # the server drops the connection at the second message
    db.session.commit()
    job = db.session.scalars(sa.select(Job).where(Job.kind == "mail")).one()
    job = _job(job.id)
    assert job.status == "queued" and job.progress == 1 and job.run_after is not None
    assert "SMTPServerDisconnected" in job.error
    assert [m["To"] for m in smtp.sent] == ["a@example.com"]
    assert _run_again(job.id) == "done"
    # The retry sent the other two; the first was not sent again.
    assert [m["To"] for m in smtp.sent] == ["a@example.com", "b@example.com", "c@example.com"]
    assert _job(job.id).result["sent"] == 3


def test_an_unreachable_server_keeps_the_mail_for_a_retry(app, smtp, make_user, monkeypatch):
    def down(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("factcheck.notifications.services.smtplib.SMTP", down)
    (a,) = _people(make_user, "a@example.com")
    notify(db.session, user=a, kind="assignment", message="You have claim 1")
    db.session.commit()
    job = db.session.scalars(sa.select(Job).where(Job.kind == "mail")).one()
    assert job.status == "queued" and job.progress == 0 and "refused" in job.error
    assert job.max_attempts == 5
    monkeypatch.setattr("factcheck.notifications.services.smtplib.SMTP", FakeSMTP)
    assert _run_again(job.id) == "done"
    assert [m["To"] for m in smtp.sent] == ["a@example.com"]


def test_a_refused_address_is_skipped_and_named(app, smtp, make_user):
    people = _people(make_user, "refused@example.com", "b@example.com")
    for person in people:
        notify(db.session, user=person, kind="assignment", message="Hi")
    db.session.commit()
    job = db.session.scalars(sa.select(Job).where(Job.kind == "mail")).one()
    assert job.status == "done"
    assert job.result["sent"] == 1 and job.result["refused"] == ["refused@example.com"]
    assert "refused refused@example.com" in job.result["summary"]
    assert [m["To"] for m in smtp.sent] == ["b@example.com"]


# --- the command line: folder ingest, export -------------------------------------------------


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "a.txt").write_text("The mayor said the wall cost $48 million in 2024.")
    (folder / "b.html").write_text(
        "<html><head><title>Budget</title></head><body><p>Taxes rose 4 percent last year, "
        "the council said.</p></body></html>"
    )
    (folder / "c-copy.txt").write_text("The mayor said the wall cost $48 million in 2024.")
    (folder / "d.pdf").write_bytes(b"this is no PDF")
    (folder / "notes.csv").write_text("not,an,article\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "e.txt").write_text("Inside a subfolder: not taken.")
    return folder


def test_ingest_folder_takes_each_file_once(app, runner, tmp_path):
    folder = _folder(tmp_path)
    result = runner.invoke(args=["ingest", str(folder), "--outlet", "Wire"])
    assert result.exit_code == 1, result.output
    assert "Ingested 2 of 4 file(s), skipped 1 already present, 1 failed." in result.output
    assert "d.pdf:" in result.output
    articles = db.session.scalars(sa.select(Article).order_by(Article.id)).all()
    assert len(articles) == 2
    assert all(a.outlet is not None and a.outlet.name == "Wire" for a in articles)
    # Again: everything is already in.
    (folder / "d.pdf").unlink()
    result = runner.invoke(args=["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Ingested 0 of 3 file(s), skipped 3 already present, 0 failed." in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 2


def test_ingest_folder_bounds_and_bad_options(app, runner, tmp_path):
    folder = _folder(tmp_path)
    app.config["INGEST_FOLDER_MAX_FILES"] = 3
    result = runner.invoke(args=["ingest", str(folder)])
    assert result.exit_code == 1
    assert "more than the 3 one run takes" in result.output
    result = runner.invoke(args=["ingest", str(folder), "--title", "One"])
    assert result.exit_code == 1 and "a folder's files are many" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(args=["ingest", str(empty)])
    assert result.exit_code == 1 and "no .txt, .html, .pdf or .docx files" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0


def test_export_commands_write_what_the_web_serves(app, rulings, runner, tmp_path, login_as):
    out = tmp_path / "rulings.csv"
    result = runner.invoke(args=["export", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 3 row(s)" in result.output
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    texts = ["Prices fell in Malmö", "Crime rose 20% in Zürich", "'=HYPERLINK(1)"]
    assert [r["claim_text"] for r in rows] == texts  # a formula is made text
    web = login_as(Role.VIEWER).get("/export/rulings.csv").get_data()
    assert out.read_bytes() == web
    jsonl = tmp_path / "reviews.jsonl"
    result = runner.invoke(args=["export", "claimreview", "-o", str(jsonl)])
    assert result.exit_code == 0, result.output
    reviews = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert len(reviews) == 3 and reviews[0]["@type"] == "ClaimReview"
    chunks = export_chunks(db.session, ExportFilters(), "claimreview", app.config)
    assert jsonl.read_bytes() == b"".join(chunks)
    result = runner.invoke(args=["export", "csv", "--since", "2026-13-01"])
    assert result.exit_code == 2 and "not a date" in result.output
