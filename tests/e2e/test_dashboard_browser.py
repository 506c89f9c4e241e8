"""The dashboard in headless Chromium (Playwright, Debian's /usr/bin/chromium): an editor
opens it from the navigation on a desk with two weeks of claims, rulings and scores;
every chart is drawn with bars of real size, the page needs no script and never scrolls
sideways on a phone (a chart scrolls in its own box), and a chart's CSV link downloads
its data. A viewer sees the same page without the work per fact-checker.

Screenshots go to `dashboard/` under the browser suite's folder: FACTCHECK_SCREENSHOT_DIR
when set, else the test's tmp_path/screenshots (tests/e2e/test_browser.py's convention).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade

from factcheck.auth.roles import Role
from factcheck.classifier.loader import set_classifier
from factcheck.db import utcnow
from factcheck.editorial import approval, publication
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.review import decisions, leases
from factcheck.sources.document import from_text
from factcheck.verdicts import services as verdicts
from factcheck.verdicts.inputs import EvidenceInput
from factcheck.verdicts.ratings import active_ratings
from tests.conftest import STRONG_PASSWORD, make_app
from tests.e2e.test_browser import CHROMIUM, FLAGS, _browser_available, _person
from tests.fakes import KeywordClassifier
from tests.live import serving
from tests.shared import seed_text
from tests.workflow import verdict

pytestmark = pytest.mark.timeout(300)

# Charts every reader sees, by the id of their <svg>.
CHARTS = (
    "chart-flagged",
    "chart-queue",
    "chart-ratings",
    "chart-publish_time",
    "chart-claimants_flagged",
    "chart-claimants_ruled",
    "chart-outlets_flagged",
    "chart-outlets_ruled",
    "chart-scores",
)

OTHER_STORY = (
    "The minister said crime fell by 20% in 2025. Opposition leader Ann Other claimed that "
    "hospital waiting lists rose by 300,000 last year. The budget deficit reached 4.1 percent, "
    "the finance office said. Rents rose 12% in the capital, according to the housing agency. "
    "It was a sunny day in the city."
)


def _desk() -> None:
    """Two articles' claims spread over the last two weeks; three rulings; some taken,
    one dismissed."""
    fc = _person("fiona@example.com", "Fiona Checker", Role.FACT_CHECKER)
    ed = _person("edna@example.com", "Edna Editor", Role.EDITOR)
    _person("vera@example.com", "Vera Viewer", Role.VIEWER)
    db.session.flush()
    classifier = KeywordClassifier()
    claims = []
    for text, outlet in ((seed_text(), "IPS News"), (OTHER_STORY, "Daily Wire Service")):
        document = from_text(text).with_overrides(title=f"Story ({outlet})", outlet=outlet)
        claims += ingest(db.session, document, actor=fc, classifier=classifier).claims
    now = utcnow()
    for i, claim in enumerate(claims):
        claim.created_at = now - timedelta(days=14 - i % 14, hours=i % 5)
    db.session.flush()
    ratings = active_ratings(db.session)
    for i, claim in enumerate(claims[:3]):
        taken = claim.created_at + timedelta(hours=2)
        leases.take(db.session, claim, actor=fc, now=taken, lease_hours=48)
        data = verdict(
            rating_id=ratings[i % 2].id,
            claimant_name=claim.claimant_name,
            evidence=[EvidenceInput(url="https://stats.example.org/a", accessed_on=taken.date())],
        )
        rev, _ = verdicts.save_revision(
            db.session, claim, data, actor=fc, base_revision_id=None, now=taken
        )
        verdicts.submit(db.session, claim, actor=fc, revision_id=rev.id, now=taken)
        published = taken + timedelta(days=1 + i)
        approval.approve(db.session, claim, revision_id=rev.id, actor=ed, now=published)
        publication.publish(db.session, claim, actor=ed, now=published)
    leases.take(db.session, claims[3], actor=fc, now=now, lease_hours=48)
    decisions.dismiss(db.session, claims[4], reason="not_a_claim", note=None, actor=fc, now=now)
    db.session.commit()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """The app on a real port, on a migrated SQLite file holding the desk above."""
    app = make_app(f"sqlite:///{tmp_path / 'dashboard.db'}")
    set_classifier(app, KeywordClassifier())
    with app.app_context():
        upgrade()
        _desk()
        db.session.remove()
    with serving(app) as base:
        yield base


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    root = os.environ.get("FACTCHECK_SCREENSHOT_DIR")
    folder = Path(root) / "dashboard" if root else tmp_path / "screenshots" / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


def test_the_dashboard_draws_real_charts(live_server: str, shots: Path) -> None:
    _browser_available()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        # No script at all: the charts are the server's SVG.
        context = browser.new_context(
            viewport={"width": 1366, "height": 900},
            accept_downloads=True,
            java_script_enabled=False,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

        def sign_in(email: str) -> None:
            page.goto(live_server + "/login")
            page.fill("#email", email)
            page.fill("#password", STRONG_PASSWORD)
            page.click("main input[type=submit], main button[type=submit]")
            expect(page.locator(".usermenu")).to_be_visible()

        sign_in("edna@example.com")
        page.click("nav >> text=Dashboard")
        expect(page.locator("h1")).to_have_text("Dashboard")
        for chart in (*CHARTS, "chart-work"):
            svg = page.locator(f"svg#{chart}")
            expect(svg).to_be_visible()
            assert svg.get_attribute("role") == "img"
            marks = svg.locator("rect.bar, path.area")
            assert marks.count() > 0, chart
            sizes = [marks.nth(i).bounding_box() for i in range(marks.count())]
            drawn = [b for b in sizes if b and b["width"] > 0 and b["height"] > 0]
            assert drawn, f"{chart}: no bar of non-zero size"
        # The flag threshold is marked on the score histogram.
        expect(page.locator("svg#chart-scores g.marker")).to_contain_text("threshold 0.500")
        expect(page.locator(".key-figures")).to_contain_text("Rulings published")
        assert "3" in page.locator(".key-figures div").nth(1).inner_text()
        page.screenshot(path=str(shots / "01-editor-dashboard.png"), full_page=True)
        page.locator("#chart-flagged").screenshot(path=str(shots / "02-chart-flagged.png"))
        page.locator("#chart-queue").screenshot(path=str(shots / "03-chart-queue.png"))
        page.locator("#chart-scores").screenshot(path=str(shots / "04-chart-scores.png"))

        # A chart's data table opens without script; its CSV downloads with the same range.
        card = page.locator("section#flagged")
        card.locator("summary").click()
        expect(card.locator("table")).to_be_visible()
        with page.expect_download() as info:
            card.locator("a.csv-link").click()
        download = info.value
        assert download.suggested_filename.startswith("dashboard-flagged-")
        text = codecs.decode(Path(download.path()).read_bytes(), "utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["day", "claims"] and len(rows) == 31
        assert sum(int(n) for _, n in rows[1:]) > 0

        # A narrower range, typed into the form.
        page.fill("#since", (utcnow().date() - timedelta(days=6)).isoformat())
        page.get_by_role("button", name="Show").click()
        expect(page.locator("main")).to_contain_text("(7 days)")
        page.fill("#since", "2001-01-01")
        page.get_by_role("button", name="Show").click()
        expect(page.locator(".form-errors")).to_contain_text("at most 731")
        page.screenshot(path=str(shots / "05-bad-range.png"), full_page=True)
        assert len(problems) == 1 and "400" in problems[0]  # that page's own status
        problems.clear()

        # A phone: the page never scrolls sideways.
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(live_server + "/dashboard/")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
        # A chart keeps a readable size and scrolls inside its own box.
        box = page.locator("#flagged .chart-box").bounding_box()
        assert box and 0 < box["x"] and box["x"] + box["width"] <= 390
        svg = page.locator("svg#chart-flagged").bounding_box()
        assert svg and svg["width"] >= 480
        page.screenshot(path=str(shots / "06-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1366, "height": 900})

        # A viewer: the same charts, not the work of named colleagues.
        page.click("text=Sign out")
        sign_in("vera@example.com")
        page.goto(live_server + "/dashboard/")
        for chart in CHARTS:
            expect(page.locator(f"svg#{chart}")).to_be_visible()
        assert page.locator("svg#chart-work").count() == 0
        page.screenshot(path=str(shots / "07-viewer-dashboard.png"), full_page=True)
        assert problems == [], problems
        browser.close()
