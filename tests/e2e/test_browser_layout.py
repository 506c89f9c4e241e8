"""Layout in a real browser: every main page at a laptop's 1366×768 and a phone's 390×844.

A user holding every role (admin, editor and fact-checker: the longest navigation there
is) visits each main page with content on it: an ingested article with claims, a verdict
with a long unbroken evidence URL, a published ruling, audit entries, a token and a
notification. No page may scroll sideways; at 1366 px the navigation stays on one line;
at 390 px it folds into a menu; the evidence URL and date inputs are styled like the other
inputs and fill their column. A full-page screenshot of each page is saved under the
test's output folder (pytest's tmp_path, or FACTCHECK_SCREENSHOT_DIR when set).

Runs on SQLite and PostgreSQL. Needs /usr/bin/chromium and the playwright package, like
tests/e2e/test_browser.py.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade

from factcheck.auth.config import password_policy, passwords
from factcheck.auth.models import User
from factcheck.auth.roles import Role
from factcheck.auth.services import create_user
from factcheck.auth.tokens import create_token
from factcheck.classifier.loader import set_classifier
from factcheck.db import utcnow
from factcheck.editorial import approval, publication
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.notifications.services import notify
from factcheck.review import leases
from factcheck.sources.document import from_text
from factcheck.verdicts import services as verdicts
from factcheck.verdicts.inputs import EvidenceInput, VerdictInput
from factcheck.verdicts.ratings import active_ratings
from tests.conftest import STRONG_PASSWORD, make_app
from tests.e2e.test_browser import CHROMIUM, FLAGS, _browser_available
from tests.fakes import KeywordClassifier
from tests.live import serving
from tests.shared import seed_text

pytestmark = pytest.mark.timeout(300)

# A real-looking address with no place to break: it must wrap, not widen the page.
LONG_URL = (
    "https://statistics.example.org/publications/labour-market/2024/december/"
    "regional-unemployment-quarterly-bulletin-with-seasonally-adjusted-series-and-"
    "methodology-annex?utm_source=newsletter&utm_medium=email&utm_campaign=q4-2024-"
    "bulletin-release-notes-and-revisions"
)
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Seeded:
    base: str
    backend: str
    published: int  # a claim with a published ruling (three revisions' worth of history)
    held: int  # a claim the all-roles user holds, with a draft: the verdict form
    submitted: int  # a claim waiting for an editor
    article: int
    fiona: int  # a user to open in the user form


def _person(email: str, name: str, roles: list[Role]) -> User:
    user, _ = create_user(
        db.session,
        email=email,
        display_name=name,
        password=STRONG_PASSWORD,
        roles=roles,
        passwords=passwords(),
        policy=password_policy(),
        actor=None,
    )
    return user


def _verdict(claim, **overrides) -> VerdictInput:  # noqa: ANN001, ANN003
    values = {
        "claim_text": claim.text,
        "rating_id": active_ratings(db.session)[1].id,
        "summary": "The cited reports say otherwise; no evidence supports the figure.",
        "explanation": (
            "We read the quarterly bulletin and the methodology annex.\n\n"
            f"The full series is at {LONG_URL} and was revised twice."
        ),
        "claimant_name": claim.claimant_name or "Esmaeil Baghaei",
        "claimant_role": "Spokesman, Iranian foreign ministry",
        "claimed_on": date(2024, 12, 3),
        "evidence": [
            EvidenceInput(url=LONG_URL, title="", publisher="Statistics Office"),
            EvidenceInput(
                url="https://un.example.org/report-1",
                title="UN situation report",
                publisher="United Nations",
                accessed_on=date(2024, 12, 4),
                note="Pages 3 to 5 cover the offensive.",
            ),
        ],
    }
    values.update(overrides)
    return VerdictInput(**values)


# Layout does not depend on the database (every page is rendered on both by
# tests/integration/test_no_writes_on_get.py); SQLite alone saves CI 22 s.
@pytest.fixture(params=["sqlite"])
def seeded(request: pytest.FixtureRequest, empty_database) -> Iterator[Seeded]:  # noqa: ANN001
    """The app on a real port, on a migrated, empty database, with content
    on every page: the sample article ingested, one claim published, one held with a draft,
    one submitted; audit entries, a token and a notification for the all-roles user."""
    app = make_app(empty_database(request.param), PUBLIC_RULINGS=True)
    classifier = KeywordClassifier()
    set_classifier(app, classifier)
    with app.app_context():
        upgrade()
        max_ = _person(
            "max@example.com", "Max Allroles", [Role.ADMIN, Role.EDITOR, Role.FACT_CHECKER]
        )
        fiona = _person("fiona@example.com", "Fiona Checker", [Role.FACT_CHECKER])
        edna = _person("edna@example.com", "Edna Editor", [Role.EDITOR])
        document = from_text(seed_text()).with_overrides(
            title="Iran blames US and Israel for Syria offensive",
            outlet="IPS News",
            url=LONG_URL,
            published_on=date(2024, 12, 3),
        )
        result = ingest(db.session, document, actor=max_, classifier=classifier)
        claims = result.claims
        assert len(claims) >= 3, "the sample article should flag at least three claims"
        now = utcnow()
        lease = 48.0

        # Published, by Fiona and Edna.
        published = claims[0]
        leases.take(db.session, published, actor=fiona, now=now, lease_hours=lease)
        rev, _ = verdicts.save_revision(
            db.session, published, _verdict(published), actor=fiona, base_revision_id=None,
            now=now,
        )  # fmt: skip
        rev, _ = verdicts.save_revision(
            db.session,
            published,
            _verdict(published, summary="The bulletin's revised series shows the opposite."),
            actor=fiona,
            base_revision_id=rev.id,
            now=now + timedelta(minutes=5),
        )
        verdicts.submit(db.session, published, actor=fiona, revision_id=rev.id, now=now)
        approval.approve(db.session, published, revision_id=rev.id, actor=edna, now=now)
        publication.publish(db.session, published, actor=edna, now=now)

        # Held by Max with a draft: the verdict form shows the long URL in an input.
        held = claims[1]
        leases.take(db.session, held, actor=max_, now=now, lease_hours=lease)
        verdicts.save_revision(
            db.session, held, _verdict(held), actor=max_, base_revision_id=None, now=now
        )

        # Submitted by Fiona: waiting for an editor.
        submitted = claims[2]
        leases.take(db.session, submitted, actor=fiona, now=now, lease_hours=lease)
        rev, _ = verdicts.save_revision(
            db.session, submitted, _verdict(submitted), actor=fiona, base_revision_id=None,
            now=now,
        )  # fmt: skip
        verdicts.submit(db.session, submitted, actor=fiona, revision_id=rev.id, now=now)

        create_token(db.session, user=max_, name="nightly export script", now=now)
        notify(
            db.session,
            user=max_,
            kind="published",
            message=f"Your ruling was published; its main source is {LONG_URL}",
            claim=published,
        )
        db.session.commit()
        ids = Seeded(
            base="",
            backend=request.param,
            published=published.id,
            held=held.id,
            submitted=submitted.id,
            article=result.article.id,
            fiona=fiona.id,
        )
        db.session.remove()
    with serving(app) as base:
        yield Seeded(**{**ids.__dict__, "base": base})


@pytest.fixture
def shots(tmp_path: Path, seeded: Seeded) -> Path:
    root = os.environ.get("FACTCHECK_SCREENSHOT_DIR")
    folder = Path(root) / f"layout-{seeded.backend}" if root else tmp_path / "screenshots"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _main_pages(s: Seeded) -> dict[str, str]:
    """Every main page a signed-in user reaches, by a short name for the screenshot."""
    return {
        "dashboard": "/",
        "queue": "/claims/",
        "my-claims": "/claims/mine",
        "awaiting-approval": "/claims/awaiting",
        "review": f"/claims/{s.submitted}/review",
        "claim": f"/claims/{s.published}",
        "claim-held": f"/claims/{s.held}",
        "verdict-form": f"/claims/{s.held}/verdict",
        "revision": f"/claims/{s.published}/revisions/2",
        "correction-form": f"/claims/{s.published}/correct",
        "articles": "/articles/",
        "article": f"/articles/{s.article}",
        "ingest": "/articles/ingest",
        "feeds": "/feeds",
        "manage-feeds": "/admin/feeds",
        "export": "/export/",
        "export-prepare": "/export/prepare?status=published",
        "audit-log": "/admin/audit",
        "people": "/admin/users",
        "user-form": f"/admin/users/{s.fiona}",
        "new-user-form": "/admin/users/new",
        "scales": "/admin/scales",
        "tokens": "/account/tokens",
        "password": "/account/password",
        "notifications": "/notifications/",
    }


# What scrolls sideways: the page's width past the window, and the elements that stick
# out past the right edge (the widest few, to say which one to fix).
OVERFLOW = """() => {
  const limit = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')]
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.right > limit + 1 && r.width > 0)
    .filter(([e]) => !e.closest('.scroll-x'))
    .map(([e, r]) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}`
      + `${e.className && typeof e.className === 'string' ? '.' + e.className.trim()
      .split(/\\s+/).join('.') : ''} right=${Math.round(r.right)}`);
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
          wide: wide.slice(-4)};
}"""

# The header's entries (the navigation's links, the account menu, the bell, Sign out): the
# top and height of each, and the header's height. Every entry on one line means one top
# and no entry taller than a line.
NAV_ROWS = """() => {
  const items = [...document.querySelectorAll('header.topbar nav.mainnav > a,'
    + ' header.topbar .usermenu > a, header.topbar .usermenu > details > summary,'
    + ' header.topbar .usermenu button, header.topbar .navsearch input')]
    .filter(e => e.getClientRects().length);
  const boxes = items.map(e => e.getBoundingClientRect());
  return {items: items.map(e => e.textContent.trim().replace(/\\s+/g, ' ')),
          tops: boxes.map(r => Math.round(r.top)), heights: boxes.map(r => Math.round(r.height)),
          header: Math.round(document.querySelector('header.topbar')
            .getBoundingClientRect().height)};
}"""


def _box(page, selector: str) -> dict:  # noqa: ANN001
    return page.evaluate(
        """s => { const e = document.querySelector(s); const c = getComputedStyle(e);
          const r = e.getBoundingClientRect();
          return {width: r.width, height: r.height, left: r.left, padding: c.paddingLeft,
                  border: c.borderTopColor + ' ' + c.borderTopWidth, radius: c.borderRadius}; }""",
        selector,
    )


@pytest.mark.slow  # seconds: runs under CI (tests/conftest.py RUN_SLOW)
def test_no_page_scrolls_sideways_and_the_navigation_fits(seeded: Seeded, shots: Path) -> None:
    """At 1366×768 and 390×844, no main page is wider than the window; the navigation of
    an admin-editor-fact-checker is one line on the laptop and a folded menu on the phone;
    evidence URL and date inputs look like the other inputs and fill their column."""
    _browser_available()
    from playwright.sync_api import expect, sync_playwright

    base = seeded.base
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        for label, viewport in (("1366", LAPTOP), ("390", PHONE)):
            context = browser.new_context(viewport=viewport)
            page = context.new_page()
            page.set_default_timeout(15_000)

            def check(name: str, page=page, label=label) -> None:  # noqa: ANN001
                page.screenshot(path=str(shots / f"{label}-{name}.png"), full_page=True)
                seen = page.evaluate(OVERFLOW)
                if seen["scrollWidth"] > seen["innerWidth"]:
                    problems.append(
                        f"{label} px {name}: page is {seen['scrollWidth']} px wide "
                        f"(window {seen['innerWidth']}); sticking out: {seen['wide']}"
                    )

            # Signed out: the sign-in page and the public ruling.
            page.goto(base + "/login")
            check("sign-in")
            page.goto(base + f"/rulings/{seeded.published}")
            expect(page.locator(".rating")).to_be_visible()
            check("public-ruling")

            page.goto(base + "/login")
            page.fill("#email", "max@example.com")
            page.fill("#password", STRONG_PASSWORD)
            page.click("button[type=submit], input[type=submit]")
            expect(page.locator("h1")).to_have_text("Good to see you, Max Allroles")

            nav = page.evaluate(NAV_ROWS)
            if label == "1366":
                one_line = (
                    len(nav["items"]) >= 12
                    and max(nav["tops"]) - min(nav["tops"]) <= 4
                    and max(nav["heights"]) <= 32
                    and nav["header"] <= 60
                )
                if not one_line:
                    problems.append(f"1366 px: the navigation is not one line: {nav}")
                # Administration is in the account menu, one click away.
                page.locator("details.account > summary").click()
                expect(page.locator(".account .dropdown a", has_text="Audit log")).to_be_visible()
                page.locator("details.account > summary").click()
            else:
                # The phone folds the navigation into a menu that opens without script.
                menu = page.locator("details.navmenu > summary")
                if not menu.count() or not menu.is_visible():
                    problems.append("390 px: no folded navigation menu (details.navmenu)")
                elif page.locator("nav.mainnav a", has_text="Articles").is_visible():
                    problems.append("390 px: the navigation menu is open before a tap")
                else:
                    menu.click()
                    expect(page.locator("nav.mainnav a", has_text="Articles")).to_be_visible()
                    check("menu-open")

            for name, path in _main_pages(seeded).items():
                response = page.goto(base + path)
                assert response is not None and response.status == 200, (label, path)
                check(name)
                if name == "verdict-form":
                    url, title = _box(page, "#evidence-0-url"), _box(page, "#evidence-0-title")
                    when = _box(page, "#evidence-1-accessed_on")
                    text = _box(page, "#evidence-1-publisher")
                    for what, box in (("URL", url), ("date", when)):
                        like = title if what == "URL" else text
                        if (box["padding"], box["border"], box["radius"]) != (
                            like["padding"],
                            like["border"],
                            like["radius"],
                        ) or abs(box["width"] - like["width"]) > 2:
                            problems.append(
                                f"{label} px: the evidence {what} input is not styled like "
                                f"the text inputs beside it: {box} vs {like}"
                            )
                    if label == "390":
                        claim_box = _box(page, "#claim_text")
                        if url["width"] < claim_box["width"] - 2:
                            problems.append(
                                f"390 px: the evidence URL input is {url['width']:.0f} px "
                                f"wide, not the full {claim_box['width']:.0f} px"
                            )
                if name == "audit-log":
                    inside = page.evaluate(
                        """() => { const t = document.querySelector('table.audit');
                          const box = t.parentElement.getBoundingClientRect();
                          return t.getBoundingClientRect().right <= box.right + 1
                            || getComputedStyle(t.parentElement).overflowX === 'auto'; }"""
                    )
                    if not inside:
                        problems.append(f"{label} px: the audit table overflows its box")
            context.close()
        browser.close()

    assert not problems, "\n".join(problems)
    taken = sorted(p.name for p in shots.glob("*.png"))
    assert len(taken) == 2 * (len(_main_pages(seeded)) + 2) + 1, taken
    assert all((shots / name).stat().st_size > 3_000 for name in taken)
