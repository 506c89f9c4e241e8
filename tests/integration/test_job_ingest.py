"""The "ingest" and "ingest_bulk" kinds of job (factcheck.tasks.kinds.ingest), run by the
eager runner of the test settings, with the fake classifier."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from factcheck.auth.roles import Role
from factcheck.claims.models import Claim, Sentence
from factcheck.extensions import db
from factcheck.jobs import services
from factcheck.jobs.models import Job
from factcheck.jobs.runner import run_job
from factcheck.sources.document import Document
from factcheck.sources.models import Article
from factcheck.tasks.kinds import ingest as ingest_kind

STATEMENT = "The mayor said crime rose 20% in 2024. It was a sunny day in the city."


def _count(model) -> int:  # noqa: ANN001
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _enqueue(kind: str, payload: dict | None = None, **kwargs) -> Job:  # noqa: ANN003
    """Enqueue and commit (the eager runner runs it); return the job as it ended."""
    job = services.enqueue(db.session, kind, payload or {}, **{"actor_id": None, **kwargs})
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Job, job.id)


def _rows(count: int, start: int = 0) -> bytes:
    return b"".join(
        json.dumps(
            {"text": f"The council said spending rose {i} percent in {2000 + i}.", "title": f"R{i}"}
        ).encode()
        + b"\n"
        for i in range(start, start + count)
    )


def test_pasted_text_becomes_an_article_with_the_overrides(app, make_user):
    editor = make_user(Role.FACT_CHECKER)
    job = _enqueue(
        "ingest",
        {
            "source": "text",
            "text": f"Title: From the header\n\n{STATEMENT}",
            "overrides": {"outlet": "Daily Post", "published_on": "2024-05-06", "url": ""},
        },
        actor_id=editor.id,
    )
    assert job.status == "done", job.error
    article = db.session.get(Article, job.result["article_id"])
    assert article.title == "From the header"  # the text's own header, not overridden
    assert article.published_on == date(2024, 5, 6)
    assert article.ingested_by_id == editor.id
    assert job.result["claims"] == 1 and job.result["summary"] == "1 claims flagged."
    assert job.progress == 0 and job.attempts == 1


def test_the_same_text_again_is_a_duplicate_and_a_success(app):
    first = _enqueue("ingest", {"source": "text", "text": STATEMENT})
    again = _enqueue("ingest", {"source": "text", "text": STATEMENT})
    assert again.status == "done"
    assert again.result["duplicate"] is True
    assert again.result["article_id"] == first.result["article_id"]
    assert "already ingested" in again.result["summary"]
    assert _count(Article) == 1


def test_a_file_is_read_from_the_job(app):
    job = _enqueue(
        "ingest",
        {"source": "file", "overrides": {"title": "Given title"}},
        files=[("statement.txt", STATEMENT.encode())],
    )
    assert job.status == "done", job.error
    article = db.session.get(Article, job.result["article_id"])
    assert article.title == "Given title" and article.source_kind == "file"


def test_a_url_is_fetched_with_the_configured_policy(app, monkeypatch):
    seen = {}

    def fetched(url, policy, limits):  # noqa: ANN001, ANN202
        seen.update(url=url, timeout=policy, limits=limits)
        return Document(text=STATEMENT, title="Fetched", url=url)

    monkeypatch.setattr(ingest_kind, "from_url", fetched)
    job = _enqueue("ingest", {"source": "url", "url": "https://news.example/a"})
    assert job.status == "done", job.error
    article = db.session.get(Article, job.result["article_id"])
    assert (article.title, article.url, article.source_kind) == (
        "Fetched",
        "https://news.example/a",
        "url",
    )
    assert seen["limits"].max_pages == app.config["INGEST_MAX_PAGES"]


@pytest.mark.parametrize(
    ("payload", "files", "words"),
    [
        ({"source": "text", "text": "  "}, [], "The text is empty."),
        ({"source": "url", "url": "ftp://x.example/"}, [], "http:// or https://"),
        ({"source": "file"}, [], "The job's file is no longer kept"),
        ({"source": "file"}, [("a.exe", b"MZ")], ""),
        ({"source": "carrier pigeon"}, [], "Unknown source"),
        (
            {"source": "text", "text": STATEMENT, "overrides": {"published_on": "May 6"}},
            [],
            "is not YYYY-MM-DD",
        ),
    ],
)
def test_bad_input_fails_the_job_at_once_with_a_reason(app, payload, files, words):
    job = _enqueue("ingest", payload, files=files)
    assert job.status == "failed" and job.attempts == 1
    assert words in job.error and job.error
    assert _count(Article) == 0


def test_a_starter_who_may_no_longer_ingest_fails_the_job(app, make_user):
    viewer = make_user(Role.VIEWER)
    job = _enqueue("ingest", {"source": "text", "text": STATEMENT}, actor_id=viewer.id)
    assert job.status == "failed" and _count(Article) == 0
    bulk = _enqueue("ingest_bulk", files=[("a.jsonl", _rows(2))], actor_id=viewer.id)
    assert bulk.status == "failed" and bulk.progress == 0 and _count(Article) == 0


def test_bulk_ingests_each_row_and_reports_bad_rows_by_line(app, make_user):
    editor = make_user(Role.FACT_CHECKER)
    lines = [
        b'{"text": "Crime rose 20% in 2024.", "title": "One"}',
        b'{"text": 42}',
        b"",
        b"not json",
        b'{"text": "Crime rose 20% in 2024.", "title": "Again"}',
        b'{"text": "Taxes fell 3% in 2023.", "published_on": "2023-02-01"}',
        b'{"text": "Wages rose.", "published_on": "2025-13-01"}',
    ]
    job = _enqueue(
        "ingest_bulk", files=[("rows.jsonl", b"\n".join(lines) + b"\n")], actor_id=editor.id
    )
    assert job.status == "done", job.error
    assert (job.progress, job.total) == (6, 6)  # the blank line is not a row
    result = job.result
    assert len(result["articles"]) == 2 and result["duplicates"] == 1
    assert result["failed"] == 3
    assert result["errors"] == [
        {"line": 2, "message": "text must be a string, not a number"},
        {"line": 4, "message": "not valid JSON (Expecting value at column 1)"},
        {
            "line": 7,
            "message": "published_on is not a valid date ('2025-13-01'; use YYYY-MM-DD)",
        },
    ]
    assert _count(Article) == 2
    dated = db.session.get(Article, result["articles"][1])
    assert dated.published_on == date(2023, 2, 1) and dated.source_kind == "bulk"
    assert dated.ingested_by_id == editor.id


def test_bulk_csv_with_a_byte_order_mark(app):
    data = (
        "\ufefftitle,text\nOne,Crime rose 20% in 2024.\n"
        'Two,"Taxes fell 3% in 2023.\nThe mayor said so."\nThree,\n'
    ).encode()
    job = _enqueue("ingest_bulk", files=[("rows.csv", data)])
    assert job.status == "done", job.error
    assert job.total == 3 and len(job.result["articles"]) == 2
    assert job.result["errors"] == [{"line": 5, "message": "The text is empty."}]


def test_bulk_keeps_the_first_hundred_errors_and_counts_them_all(app):
    data = b"".join(b'{"text": 1}\n' for _ in range(130)) + _rows(1)
    job = _enqueue("ingest_bulk", files=[("rows.jsonl", data)])
    assert job.status == "done"
    assert job.result["failed"] == 130 and len(job.result["errors"]) == 100
    assert job.result["errors"][-1]["line"] == 100 and len(job.result["articles"]) == 1


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("rows.txt", _rows(2), "must be a .csv or a .jsonl"),
        ("rows.jsonl", b"\n\n", "The file has no rows"),
        ("rows.jsonl", _rows(4), "more than 3 rows"),
    ],
)
def test_a_bulk_file_that_cannot_be_taken_fails_whole(app, name, data, words):
    app.config["BULK_INGEST_MAX_ROWS"] = 3
    job = _enqueue("ingest_bulk", files=[(name, data)])
    assert job.status == "failed" and words in job.error
    assert _count(Article) == 0


def test_an_interrupted_bulk_job_resumes_at_its_progress_with_no_duplicates(app, monkeypatch):
    """A failure at row 6 (an outage: retried) leaves rows 1-5 committed with progress 5;
    the next attempt starts at row 6 and no article is made twice."""
    real_ingest = ingest_kind.ingest
    calls: list[str] = []
    broken = {"on": True}

    def ingest(session, document, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls.append(document.title)
        if broken["on"] and document.title == "R5":
            raise ConnectionError("the database went away")
        return real_ingest(session, document, **kwargs)

    monkeypatch.setattr(ingest_kind, "ingest", ingest)
    now = services.utc_now()
    monkeypatch.setattr(services, "utc_now", lambda: now)
    job = _enqueue("ingest_bulk", files=[("rows.jsonl", _rows(12))])
    assert (job.status, job.progress, job.total) == ("queued", 5, 12)
    assert job.error == "ConnectionError: the database went away"
    assert len(job.result["articles"]) == 5 and _count(Article) == 5

    broken["on"] = False
    later = now + timedelta(seconds=60)
    monkeypatch.setattr(services, "utc_now", lambda: later)
    assert run_job(db.session, job.id, worker="w2", lease_seconds=30) == "done"
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.status, job.progress, job.attempts) == ("done", 12, 2)
    assert job.result["duplicates"] == 0 and job.result["failed"] == 0
    assert len(set(job.result["articles"])) == 12
    assert calls == [f"R{i}" for i in range(6)] + [f"R{i}" for i in range(5, 12)]
    assert _count(Article) == 12 and _count(Sentence) == 12
    per_article = db.session.execute(
        sa.select(Claim.article_id, sa.func.count()).group_by(Claim.article_id)
    ).all()
    assert len(per_article) == 12 and all(n == 1 for _, n in per_article)


def test_a_bulk_job_whose_lease_was_lost_stops_without_writing_its_row(app, monkeypatch):
    """The old worker's row after the takeover is not committed: its checkpoint fails."""
    real_ingest = ingest_kind.ingest

    def ingest(session, document, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if document.title == "R2":
            # Another worker takes the job over (committed elsewhere) meanwhile.
            session.execute(
                sa.update(Job).where(Job.kind == "ingest_bulk").values(lease_owner="other")
            )
            session.commit()
        return real_ingest(session, document, **kwargs)

    monkeypatch.setattr(ingest_kind, "ingest", ingest)
    job = _enqueue("ingest_bulk", files=[("rows.jsonl", _rows(4))])
    assert (job.status, job.progress, job.lease_owner) == ("running", 2, "other")
    assert _count(Article) == 2  # R0 and R1; R2 was rolled back with its checkpoint
