"""The product end to end in a real browser: Playwright driving Debian's headless Chromium.

Each role signs in; a fact-checker pastes the sample article and the claims it flags go
to the queue; the fact-checker takes the top claim, writes a verdict with two sources and
submits it; an editor returns it with a comment; the fact-checker fixes and resubmits; the
editor approves and publishes, then corrects the ruling; the claim page shows the whole
history; the editor downloads the CSV (its content checked as a spreadsheet reads it) and
the ClaimReview export; a signed-out reader finds ClaimReview JSON-LD in the public ruling;
the dashboard counts it all. A second test plants script payloads everywhere and checks
none runs. A screenshot of each page is saved under the test's output folder (pytest's
tmp_path, or FACTCHECK_SCREENSHOT_DIR when set).

Needs /usr/bin/chromium (Debian's `chromium` package) and the playwright package: skipped
without them on a workstation, a failure under CI=true (.ci/run installs Chromium).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade

from factcheck.auth.config import password_policy, passwords
from factcheck.auth.roles import Role
from factcheck.auth.services import create_user
from factcheck.classifier.loader import set_classifier
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.sources.document import from_text
from tests.conftest import STRONG_PASSWORD, make_app
from tests.fakes import KeywordClassifier
from tests.live import serving
from tests.shared import seed_text

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.timeout(300)


def _browser_available() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[test]')")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def _person(email: str, name: str, role: Role):  # noqa: ANN202
    user, _ = create_user(
        db.session,
        email=email,
        display_name=name,
        password=STRONG_PASSWORD,
        roles=[role],
        passwords=passwords(),
        policy=password_policy(),
        actor=None,
    )
    return user


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """The app on a real port, on a migrated, empty SQLite file with one person per role;
    settings as shipped (published rulings are public by default)."""
    app = make_app(f"sqlite:///{tmp_path / 'browser.db'}")
    set_classifier(app, KeywordClassifier())
    with app.app_context():
        upgrade()
        _person("vera@example.com", "Vera Viewer", Role.VIEWER)
        _person("fiona@example.com", "Fiona Checker", Role.FACT_CHECKER)
        _person("edna@example.com", "Edna Editor", Role.EDITOR)
        _person("adam@example.com", "Adam Admin", Role.ADMIN)
        db.session.commit()
        db.session.remove()
    with serving(app, public_base_url=True) as base:
        yield base


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FACTCHECK_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    # Only this test's own shots go: the layout test writes into layout-*/ beside them,
    # perhaps at the same time in another worker.
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


def test_the_whole_product_in_the_browser(live_server: str, shots: Path) -> None:
    """Every role signs in; a fact-checker ingests the sample article and works a claim
    through return, resubmission, approval, publication and correction; an editor
    downloads the CSV and ClaimReview exports; a reader sees the public ruling with its
    ClaimReview JSON-LD; the dashboard counts what happened."""
    _browser_available()
    from playwright.sync_api import expect, sync_playwright

    counter = iter(range(1, 100))

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)

        def snap(name: str) -> None:
            page.screenshot(path=str(shots / f"{next(counter):02d}-{name}.png"), full_page=True)

        def sign_in(email: str, name: str) -> None:
            page.goto(live_server + "/login")
            page.fill("#email", email)
            page.fill("#password", STRONG_PASSWORD)
            page.click("button[type=submit], input[type=submit]")
            expect(page.locator(".usermenu")).to_contain_text(name)
            expect(page.locator("h1")).to_have_text(f"Good to see you, {name}")

        def sign_out() -> None:
            page.click("text=Sign out")
            expect(page.locator("h1")).to_have_text("Sign in")

        nav = page.locator("nav.mainnav")

        # Admin: people and the audit log; no editorial menus.
        sign_in("adam@example.com", "Adam Admin")
        expect(nav).not_to_contain_text("Awaiting approval")
        page.click("details.account > summary")  # administration is in the account menu
        page.click(".account .dropdown >> text=People")
        expect(page.locator("main")).to_contain_text("fiona@example.com")
        snap("admin-people")
        page.click("details.account > summary")
        page.click(".account .dropdown >> text=Audit log")
        expect(page.locator("main")).to_contain_text("user.create")
        sign_out()

        # Viewer: the empty dashboard and queue; no way to ingest.
        sign_in("vera@example.com", "Vera Viewer")
        expect(page.locator("main")).to_contain_text("No claims yet")
        expect(nav).not_to_contain_text("Ingest")
        refused = page.goto(live_server + "/articles/ingest")
        assert refused is not None and refused.status == 403
        sign_out()

        # Fact-checker: ingest the sample article by pasting it.
        sign_in("fiona@example.com", "Fiona Checker")
        page.click("nav >> text=Ingest")
        page.fill("#text", seed_text())
        page.fill("#title", "Iran blames US and Israel for Syria offensive")
        page.fill("#outlet", "IPS News")
        page.fill("#published_on", "2024-12-03")
        snap("ingest")
        page.get_by_role("button", name="Find claims").click()
        expect(page.locator(".flashes")).to_contain_text("claims flagged")
        expect(page.locator("main")).to_contain_text("Esmaeil Baghaei")
        snap("article")
        # The same story again, as another outlet ran it: its claims are already queued,
        # and the message says so instead of "0 claims flagged".
        page.click("nav >> text=Ingest")
        syndicated = seed_text().replace("Iran expressed its full", "Iran expressed full", 1)
        page.fill("#text", syndicated)
        page.fill("#title", "Iran blames US and Israel (syndicated)")
        page.get_by_role("button", name="Find claims").click()
        expect(page.locator(".flashes")).to_contain_text("all already in the queue")

        # The queue; take the top claim; a verdict with two sources.
        page.click("nav >> text=Queue")
        expect(page.locator("h1")).to_have_text("Review queue")
        expect(page.locator("main")).to_contain_text("Esmaeil Baghaei")
        snap("queue")
        page.click("text=Take the next claim")
        expect(page.locator("#holder")).to_contain_text("Fiona Checker until")
        claim_url = page.url
        claim_text = page.locator("h1").inner_text()
        snap("claim-taken")
        page.click("text=Write verdict")
        page.select_option("#rating", label="Mostly false")
        page.fill("#claimant_name", "Esmaeil Baghaei")
        page.fill("#claimant_role", "Spokesman, Iranian foreign ministry")
        page.fill("#summary", "No evidence supports this; the cited reports say otherwise.")
        page.fill("#explanation", "We checked the UN reports on the offensive.")
        page.fill("#evidence-0-url", "https://un.example.org/report-1")
        page.fill("#evidence-0-title", "UN situation report")
        page.fill("#evidence-0-publisher", "United Nations")
        page.fill("#evidence-1-url", "https://news.example.org/analysis")
        page.fill("#evidence-1-title", "Analysis of the offensive")
        snap("verdict-form")
        page.click("text=Save and submit for approval")
        expect(page.locator("#claim-status")).to_have_text("submitted")
        snap("submitted")
        sign_out()

        # Editor: told of the submission; returns it with a comment.
        sign_in("edna@example.com", "Edna Editor")
        expect(page.locator(".bell .count")).to_have_text("1")
        page.click(".bell")
        expect(page.locator(".notifications")).to_contain_text("Fiona Checker submitted a verdict")
        page.click("text=Awaiting approval")
        snap("awaiting-approval")
        page.click("a.button:has-text('Review')")
        expect(page.locator("h1")).to_have_text("Review verdict")
        page.fill("#comment", "Name the UN report and its date in the explanation.")
        snap("review")
        page.click("text=Return to fact-checker")
        expect(page.locator("#claim-status")).to_have_text("returned")
        snap("returned")
        sign_out()

        # Fact-checker: notified; fixes and resubmits.
        sign_in("fiona@example.com", "Fiona Checker")
        expect(page.locator(".bell .count")).to_have_text("1")
        page.click(".bell")
        expect(page.locator(".notifications")).to_contain_text("Name the UN report")
        snap("notifications")
        page.goto(claim_url)
        page.click("text=Revise verdict")
        page.fill(
            "#explanation",
            "We checked the UN situation report of 2 December 2024 on the offensive.",
        )
        page.click("text=Save and submit for approval")
        expect(page.locator("#claim-status")).to_have_text("submitted")
        sign_out()

        # Editor: told of the resubmission; sees what changed since the version she
        # returned; approves and publishes, then corrects the ruling.
        sign_in("edna@example.com", "Edna Editor")
        page.click(".bell")
        expect(page.locator(".notifications")).to_contain_text(
            "Fiona Checker resubmitted the verdict"
        )
        page.goto(claim_url)
        page.click("text=Review submitted verdict")
        expect(page.locator("main")).to_contain_text("Changes since the version you returned on")
        expect(page.locator(".diff")).to_contain_text("2 December 2024")
        page.click("text=Approve and publish")
        expect(page.locator("#claim-status")).to_have_text("published")
        ruling_url = claim_url.replace("/claims/", "/rulings/")
        page.goto(ruling_url)
        expect(page.locator(".rating")).to_have_text("Mostly false")
        snap("ruling")
        page.goto(claim_url)
        page.click("text=Correct ruling")
        page.fill("#note", "We corrected the date of the UN report.")
        page.fill(
            "#explanation",
            "We checked the UN situation report of 3 December 2024 on the offensive.",
        )
        snap("correction-form")
        page.click("text=Publish correction")
        expect(page.locator("#claim-status")).to_have_text("published")

        # The claim page: three revisions with field-by-field diffs, and the timeline.
        history = page.locator(".revisions")
        expect(history).to_contain_text("Revision 3")
        expect(history).to_contain_text("Revision 1")
        expect(history.locator("ins").first).to_be_visible()
        expect(page.locator(".timeline")).to_contain_text("Edna Editor corrected the ruling")
        expect(page.locator(".timeline")).to_contain_text("Edna Editor returned the verdict")
        timeline = page.locator(".timeline").inner_text()
        for internal in ("verdict.save", "claim.", "None", "['", "_id"):
            assert internal not in timeline, f"{internal!r} in the timeline: {timeline[:2000]}"
        snap("claim-history")

        # Exports: the CSV as a spreadsheet would read it, and ClaimReview JSON Lines.
        page.click("nav >> text=Export")
        snap("export")
        with page.expect_download() as download:
            page.click("text=Download CSV")
        raw = Path(download.value.path()).read_bytes()
        assert raw.startswith(codecs.BOM_UTF8)
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert len(rows) == 1
        row = rows[0]
        assert row["claim_text"] == claim_text
        assert row["claimant"] == "Esmaeil Baghaei"
        assert row["rating"] == "Mostly false"
        assert row["outlet"] == "IPS News"
        assert row["article_title"] == "Iran blames US and Israel for Syria offensive"
        assert "3 December 2024" in row["explanation"]
        assert row["evidence_urls"].split(" | ") == [
            "https://un.example.org/report-1",
            "https://news.example.org/analysis",
        ]
        assert row["fact_checker"] == "Fiona Checker"
        assert row["approving_editor"] == "Edna Editor"
        assert "We corrected the date" in row["correction_notes"]
        assert row["ruling_url"].endswith(ruling_url.removeprefix(live_server))
        with page.expect_download() as download:
            page.click("text=Download ClaimReview")
        lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
        assert [json.loads(line)["claimReviewed"] for line in lines] == [claim_text]

        # The dashboard counts what happened.
        page.click("nav >> text=Home")
        expect(page.locator(".counts")).to_contain_text("1 published")
        expect(page.locator(".recent-rulings")).to_contain_text(claim_text)
        expect(page.locator(".recent-rulings")).to_contain_text("Mostly false")
        expect(page.locator("main")).to_contain_text("Iran blames US and Israel")
        snap("dashboard")
        sign_out()

        # A reader, signed out: the ruling is public as published (no setting changed), names
        # who checked and approved it, and carries its ClaimReview JSON-LD.
        page.goto(ruling_url)
        expect(page.locator("h1")).not_to_have_text("Sign in")
        expect(page.locator(".byline")).to_contain_text(
            "Checked by Fiona Checker; approved by Edna Editor"
        )
        expect(page.locator(".corrections")).to_contain_text("We corrected the date")
        data = json.loads(page.locator('script[type="application/ld+json"]').text_content())
        assert data["@type"] == "ClaimReview"
        assert data["claimReviewed"] == claim_text
        assert data["reviewRating"]["alternateName"] == "Mostly false"
        assert data["itemReviewed"]["author"]["name"] == "Esmaeil Baghaei"
        assert data["url"] == ruling_url
        snap("public-ruling")
        browser.close()

    taken = sorted(p.name for p in shots.glob("*.png"))
    assert len(taken) == 17, taken
    assert all((shots / name).stat().st_size > 5_000 for name in taken)


PAYLOADS = (
    "<script>window.__xss = 'script'</script>",
    "<img src=x onerror=\"window.__xss = 'img'\">",
    '"><svg onload="window.__xss = \'svg\'">',
)


# Executable script elements carrying a payload (the ruling page's JSON-LD data block,
# type application/ld+json, holds the payload as escaped data: it is not code), and
# elements with an event-handler attribute.
INJECTED_ELEMENTS = """() => [
  ...[...document.scripts]
      .filter(s => !s.type || /javascript|module/.test(s.type))
      .filter(s => s.text.includes('__xss')).map(s => 'script'),
  ...[...document.querySelectorAll('*')]
      .filter(e => [...e.attributes].some(a => a.name.startsWith('on')))
      .map(e => e.tagName),
]"""


@pytest.fixture
def hostile_server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A published ruling whose every user-supplied text carries a script payload."""
    from factcheck.auth.models import User
    from factcheck.verdicts.inputs import EvidenceInput
    from tests.workflow import publish

    app = make_app(f"sqlite:///{tmp_path / 'xss.db'}", PUBLIC_RULINGS=True)
    set_classifier(app, KeywordClassifier())
    evil = " ".join(PAYLOADS)
    with app.app_context():
        upgrade()
        people = {
            Role.FACT_CHECKER: _person(
                "fiona@example.com", f"Fiona {PAYLOADS[1]}", Role.FACT_CHECKER
            ),
            Role.EDITOR: _person("edna@example.com", f"Edna {PAYLOADS[0]}", Role.EDITOR),
        }
        text = f"The minister {PAYLOADS[2]} said crime fell by 20% in 2025 {PAYLOADS[0]}."
        document = from_text(text).with_overrides(title=f"Title {evil}", outlet=f"Outlet {evil}")
        result = ingest(db.session, document, actor=None, classifier=KeywordClassifier())
        claim = result.claims[0]
        publish(
            claim,
            db.session.get(User, people[Role.FACT_CHECKER].id),
            db.session.get(User, people[Role.EDITOR].id),
            claim_text=f"Crime fell {PAYLOADS[0]}",
            claimant_name=f"Minister {PAYLOADS[1]}",
            summary=f"Summary {evil}",
            explanation=f"Explanation {evil}",
            evidence=[
                EvidenceInput(
                    url="https://stats.example.org/x?q=%3Cscript%3E",
                    title=f"Source {evil}",
                    publisher=f"Publisher {PAYLOADS[2]}",
                    note=f"Note {PAYLOADS[1]}",
                )
            ],
        )
        db.session.commit()
        claim_id, article_id = claim.id, result.article.id
        db.session.remove()
    with serving(app) as base:
        yield base, claim_id, article_id


def test_stored_script_payloads_are_inert_on_every_page(hostile_server) -> None:
    """Claim texts, titles, names, evidence: shown as text everywhere, never run."""
    _browser_available()
    from playwright.sync_api import sync_playwright

    base, claim_id, article_id = hostile_server
    pages = {
        "fiona@example.com": [
            "/",
            "/claims/",
            f"/claims/{claim_id}",
            f"/claims/{claim_id}/revisions/1",
            "/articles/",
            f"/articles/{article_id}",
            "/export/",
            "/notifications/",
        ],
        "edna@example.com": ["/claims/awaiting", f"/claims/{claim_id}/correct"],
        None: [f"/rulings/{claim_id}"],  # the public ruling page, signed out
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        visited = 0
        for email, paths in pages.items():
            page = browser.new_context().new_page()
            page.set_default_timeout(15_000)
            dialogs: list[str] = []
            page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
            if email:
                page.goto(base + "/login")
                page.fill("#email", email)
                page.fill("#password", STRONG_PASSWORD)
                page.click("button[type=submit], input[type=submit]")
                page.wait_for_load_state()
            for path in paths:
                response = page.goto(base + path)
                assert response is not None and response.status == 200, path
                page.wait_for_load_state("load")
                assert page.evaluate("() => window.__xss") is None, f"script ran on {path}"
                assert dialogs == [], path
                # Injected markup never became elements (the Content-Security-Policy would
                # stop an inline script anyway: this checks the escaping under it).
                injected = page.evaluate(INJECTED_ELEMENTS)
                assert injected == [], f"{path}: {injected}"
                visited += 1
            # Shown as text: the claim page carries the payload verbatim, escaped.
            if email == "fiona@example.com":
                page.goto(base + f"/claims/{claim_id}")
                assert PAYLOADS[0] in page.inner_text("main")
        browser.close()
    assert visited == sum(len(p) for p in pages.values())
