"""The job page in a real browser (Playwright driving Debian's headless Chromium, launched
as in test_browser.py): the bar moves in place as the job makes progress, and the result
shows once it finishes, with no reload by hand; with JavaScript switched off the page
refreshes itself until the result is there.

The test itself plays the worker: the live server runs with the runner off, and the test
claims the job, records progress and finishes it through factcheck.jobs.services, each
step committed to the database the server reads.

Needs /usr/bin/chromium and the playwright package: skipped without them on a
workstation, a failure under CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from factcheck.auth.roles import Role
from factcheck.classifier.loader import set_classifier
from factcheck.extensions import db
from factcheck.jobs import services
from factcheck.jobs.runner import job_kind
from tests.conftest import STRONG_PASSWORD, make_app
from tests.e2e.test_browser import CHROMIUM, FLAGS, _browser_available, _person
from tests.fakes import KeywordClassifier
from tests.live import serving, signed_in_page

pytestmark = pytest.mark.timeout(180)
KIND = "browser_job"
WORKER = "browser-test"


@job_kind(KIND, title="Browser test work")
def _never_run(ctx):  # noqa: ANN001, ANN202  (the test plays the worker; a title is all it needs)
    raise AssertionError("the runner is off in this test")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Flask, str, int]]:
    """The app on a real port with the runner off, a migrated SQLite file, one fact-checker."""
    app = make_app(f"sqlite:///{tmp_path / 'jobs.db'}", JOB_RUNNER="off")
    set_classifier(app, KeywordClassifier())
    with app.app_context():
        upgrade()
        user_id = _person("fiona@example.com", "Fiona Checker", Role.FACT_CHECKER).id
        db.session.commit()
        db.session.remove()
    with serving(app) as base:
        yield app, base, user_id


def _enqueue(app: Flask, user_id: int, total: int) -> int:
    with app.app_context():
        job = services.enqueue(db.session, KIND, {}, actor_id=user_id, total=total)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    return job_id


def _work(
    app: Flask, job_id: int, *, progress: int | None = None, result: dict | None = None
) -> None:
    """One step of the worker the test plays: claim the job (first step), record
    progress, or finish it with a result; committed."""
    with app.app_context():
        now = services.utc_now()
        job = services.get_job(db.session, job_id)
        if job.status == "queued":
            job = services.claim(db.session, job_id, worker=WORKER, now=now, lease_seconds=300)
            assert job is not None
        if result is not None:
            services.finish(db.session, job, worker=WORKER, now=now, result=result)
        else:
            services.checkpoint(
                db.session, job, worker=WORKER, now=now, lease_seconds=300, progress=progress
            )
        db.session.commit()
        db.session.remove()


def test_the_bar_moves_in_place_and_the_result_shows_without_a_reload(live) -> None:
    _browser_available()
    from playwright.sync_api import expect, sync_playwright

    app, base, user_id = live
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)

        def signed_in(**options):  # noqa: ANN003, ANN202
            return signed_in_page(
                browser, base, "fiona@example.com", STRONG_PASSWORD, "Fiona Checker", **options
            )

        # With script: jobs.js polls the JSON status and moves the bar in place.
        page = signed_in()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        job_id = _enqueue(app, user_id, total=4)
        page.goto(f"{base}/jobs/{job_id}")
        expect(page.locator("h1")).to_contain_text("Browser test work")
        expect(page.locator("#job-status")).to_have_text("queued")
        # A mark on this document: it survives updates in place and is gone after a reload.
        page.evaluate("window.__samePage = true")
        _work(app, job_id, progress=1)
        expect(page.locator("#job-count")).to_have_text("1 of 4 (25 %)")
        expect(page.locator("#job-status")).to_have_text("running")
        _work(app, job_id, progress=3)
        expect(page.locator("#job-count")).to_have_text("3 of 4 (75 %)")
        assert page.evaluate("document.getElementById('job-bar').value") == 3
        assert page.evaluate("window.__samePage === true")
        _work(app, job_id, result={"summary": "All four articles in."})
        expect(page.locator("#job-result")).to_contain_text("All four articles in.")
        expect(page.locator("#job-status")).to_have_text("done")
        assert page.evaluate("window.__samePage === undefined")  # reloaded once, by the script
        assert page.locator("#job-cancel").count() == 0
        assert errors == []

        # Without script: the page refreshes itself every 2 s while the job is active.
        page = signed_in(java_script_enabled=False)
        job_id = _enqueue(app, user_id, total=2)
        page.goto(f"{base}/jobs/{job_id}")
        expect(page.locator("#job-status")).to_have_text("queued")
        _work(app, job_id, progress=1)
        expect(page.locator("#job-count")).to_have_text("1 of 2 (50 %)")
        _work(app, job_id, result={"summary": "Both in."})
        expect(page.locator("#job-result")).to_contain_text("Both in.")
        expect(page.locator("#job-status")).to_have_text("done")
        browser.close()
