"""The queue's keyboard shortcuts and bulk triage in a real browser (Playwright driving
Debian's headless Chromium, launched as in test_browser.py), and the same bulk form with
JavaScript switched off: progressive enhancement, not a requirement.

Needs /usr/bin/chromium and the playwright package: skipped without them on a
workstation, a failure under CI=true.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade

from factcheck.auth.roles import Role
from factcheck.classifier.loader import set_classifier
from factcheck.extensions import db
from tests.conftest import STRONG_PASSWORD, make_app
from tests.e2e.test_browser import CHROMIUM, FLAGS, _browser_available, _person
from tests.fakes import KeywordClassifier
from tests.live import serving, signed_in_page
from tests.workflow import add_claim

pytestmark = pytest.mark.timeout(180)
CLAIMS = 12
FOCUSED = re.compile(r"\bis-focused\b")
OVERLAY = re.compile(r"\boverlay\b")


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """The app on a real port, a migrated SQLite file, one fact-checker, 12 open claims."""
    app = make_app(f"sqlite:///{tmp_path / 'shortcuts.db'}")
    set_classifier(app, KeywordClassifier())
    with app.app_context():
        upgrade()
        _person("fiona@example.com", "Fiona Checker", Role.FACT_CHECKER)
        for i in range(CLAIMS):
            add_claim(f"Exports grew {i + 1} percent in 2025", score=0.9 - i / 100)
        db.session.commit()
        db.session.remove()
    with serving(app) as base:
        yield base


def test_queue_shortcuts_bulk_dismiss_and_the_same_without_javascript(live_server: str) -> None:
    _browser_available()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)

        def signed_in(**options):  # noqa: ANN003, ANN202
            return signed_in_page(
                browser,
                live_server,
                "fiona@example.com",
                STRONG_PASSWORD,
                "Fiona Checker",
                **options,
            )

        page = signed_in()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(live_server + "/claims/")
        rows = page.locator("table.queue tbody tr")
        expect(rows).to_have_count(CLAIMS)
        focused = page.locator("table.queue tr.is-focused")

        # j/k move a visible highlight; x ticks the highlighted row.
        page.keyboard.press("j")
        page.keyboard.press("j")
        expect(focused).to_have_count(1)
        expect(rows.nth(1)).to_have_class(FOCUSED)
        page.keyboard.press("k")
        expect(rows.nth(0)).to_have_class(FOCUSED)
        page.keyboard.press("x")
        expect(rows.nth(0).locator("input[name=claim]")).to_be_checked()
        expect(page.locator("#bulk-count")).to_have_text("1 selected")

        # No key fires while typing in a field.
        page.fill("#q", "")
        page.focus("#q")
        page.keyboard.type("jjx")
        expect(page.locator("#q")).to_have_value("jjx")
        expect(rows.nth(0)).to_have_class(FOCUSED)
        expect(page.locator("#bulk-count")).to_have_text("1 selected")
        page.fill("#q", "")
        page.locator("h1").click()  # out of the field

        # ? shows the list of shortcuts over the page; Esc hides it.
        help_box = page.locator("#shortcuts")
        page.keyboard.press("?")
        expect(help_box).to_have_class(OVERLAY)
        expect(help_box.get_by_text("select or unselect the claim")).to_be_visible()
        page.keyboard.press("Escape")
        expect(help_box).not_to_have_class(OVERLAY)

        # Select all on the page, and back.
        page.check("#select-all")
        expect(page.locator("input[name=claim]:checked")).to_have_count(CLAIMS)
        expect(page.locator("#bulk-count")).to_have_text(f"{CLAIMS} selected")
        page.uncheck("#select-all")
        expect(page.locator("input[name=claim]:checked")).to_have_count(0)

        # A bulk dismiss: three rows ticked from the keyboard, one reason, one button.
        for _ in range(3):
            page.keyboard.press("x")
            page.keyboard.press("j")
        texts = [rows.nth(i).locator("td.long a").first.inner_text() for i in range(3)]
        page.keyboard.press("k")
        page.keyboard.press("d")  # the highlighted row stays ticked; Dismiss's reason next
        expect(page.locator("#bulk-reason")).to_be_focused()
        expect(page.locator("#bulk-count")).to_have_text("3 selected")
        page.select_option("#bulk-reason", "not_check_worthy")
        page.get_by_role("button", name="Dismiss", exact=True).click()
        expect(page.locator(".flash")).to_have_text("Dismissed 3 claims.")
        expect(rows).to_have_count(CLAIMS - 3)
        for text in texts:
            expect(page.locator("table.queue")).not_to_contain_text(text)

        # t takes the highlighted claim through its row's own Take button (none is
        # highlighted after the page loads: t does nothing until j or k shows one).
        page.keyboard.press("t")
        page.wait_for_timeout(500)
        assert page.url == live_server + "/claims/"
        expect(page.locator(".flash")).to_have_text("Dismissed 3 claims.")
        page.keyboard.press("j")
        page.keyboard.press("t")
        expect(page.locator(".flash")).to_contain_text("The claim is yours")

        # On a claim page: d opens the dismiss form, j goes to the next claim of the queue.
        page.goto(live_server + "/claims/")
        first_href = rows.nth(0).get_attribute("data-href")
        second_href = rows.nth(1).get_attribute("data-href")
        page.keyboard.press("j")
        page.keyboard.press("o")
        page.wait_for_url(live_server + first_href)
        page.keyboard.press("d")
        expect(page.locator("details[data-shortcut=dismiss]")).to_have_attribute("open", "")
        page.locator("h1").click()
        page.keyboard.press("j")
        page.wait_for_url(live_server + second_href)
        assert errors == []

        # JavaScript off: "select all on this page" alone sends the page; the form works.
        plain = signed_in(java_script_enabled=False)
        plain.goto(live_server + "/claims/")
        left = plain.locator("table.queue tbody tr")
        expect(left).to_have_count(CLAIMS - 3)
        plain.check("#select-all")
        plain.select_option("#bulk-reason", "not_a_claim")
        plain.get_by_role("button", name="Dismiss", exact=True).click()
        expect(plain.locator(".flash")).to_have_text(f"Dismissed {CLAIMS - 3} claims.")
        expect(plain.locator("main")).to_contain_text("No claims match.")
        browser.close()
