"""Error pages, security headers, the home page, articles and the health check."""

from __future__ import annotations

import pytest
from flask import Blueprint

from factcheck.auth.roles import Role
from factcheck.auth.security import public
from factcheck.extensions import db
from factcheck.sources.document import Document
from factcheck.sources.services import create_article
from factcheck.verdicts.ratings import active_ratings
from tests.conftest import login, make_app
from tests.workflow import add_claim, publish, user


def test_404_page_is_friendly(login_as):
    response = login_as(Role.VIEWER).get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Page not found" in body and "Traceback" not in body


def test_405_for_wrong_method(client):
    assert client.delete("/login").status_code == 405


def test_500_page_leaks_nothing(database_url, caplog):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)  # behave as in production
    bp = Blueprint("boom", __name__)

    @bp.route("/boom")
    @public
    def boom():
        raise RuntimeError("secret internal detail /etc/passwd")

    app.register_blueprint(bp)
    with app.app_context():
        response = app.test_client().get("/boom")
        db.engine.dispose()
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body and "Reference:" in body
    assert "secret internal detail" not in body and "RuntimeError" not in body
    assert any("secret internal detail" in str(r.exc_info) for r in caplog.records)


def test_security_headers_on_every_response(client, login_as):
    for response in (client.get("/login"), client.get("/nowhere"), login_as(Role.VIEWER).get("/")):
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "charset=utf-8" in headers["Content-Type"]


def test_signed_in_pages_are_not_cached(login_as):
    assert login_as(Role.VIEWER).get("/").headers["Cache-Control"] == "no-store"


def test_session_cookie_flags(client, make_user):
    response = login(client, make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    "app_overrides", [{"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_NAME": "__Host-factcheck"}]
)
def test_session_cookie_is_secure_when_served_over_https(client, make_user):
    # The production settings (config/production.example.toml) turn these on behind HTTPS.
    response = login(client, make_user())
    cookies = response.headers.getlist("Set-Cookie")
    names = sorted(c.split("=", 1)[0] for c in cookies)
    assert names == ["__Host-factcheck", "__Host-factcheck_device"]  # session, device
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Path=/" in cookie and "Domain=" not in cookie


def test_health_check_is_public(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_articles_list_and_view(login_as):
    client = login_as(Role.VIEWER)
    article = create_article(
        db.session,
        Document(text="One. Two.", title="Council <b>votes</b>", outlet="The Chronicle"),
        actor=None,
    )
    db.session.commit()
    listing = client.get("/articles/").get_data(as_text=True)
    assert "Council &lt;b&gt;votes&lt;/b&gt;" in listing  # escaped, never raw HTML
    assert "The Chronicle" in listing
    page = client.get(f"/articles/{article.id}")
    assert page.status_code == 200 and "One. Two." in page.get_data(as_text=True)
    assert client.get("/articles/999999").status_code == 404


@pytest.mark.parametrize("path", ["/.git/config", "/static/../wsgi.py", "/static/../../etc/passwd"])
def test_no_files_outside_static(client, path):
    assert client.get(path).status_code == 404


HUGE = (
    "99999999999999999999"  # over 64 bits: SQLite cannot bind it, PostgreSQL calls it out of range
)


def test_numbers_no_row_can_have_are_not_found_not_errors(app, login_as):
    """Found by fuzzing: an id or page number past 32 bits reached the database (a 500)."""
    editor, admin = login_as(Role.EDITOR), login_as(Role.ADMIN)
    for path in (f"/claims/{HUGE}", f"/articles/{HUGE}", f"/rulings/{HUGE}", "/claims/2147483648"):
        assert editor.get(path).status_code == 404, path
    assert editor.get("/claims/2147483647").status_code == 404  # the largest id: no such row
    listing = editor.get(f"/articles/?page={HUGE}")
    assert listing.status_code == 200 and "No articles" in listing.get_data(as_text=True)
    assert editor.get("/articles/?page=²").status_code == 200
    assert admin.get(f"/admin/audit?before={HUGE}&entity_id={HUGE}").status_code == 200
    response = editor.get(f"/api/v1/claims/{HUGE}", headers={"Accept": "application/json"})
    assert response.status_code in (401, 404) and response.mimetype == "application/json"


def test_dashboard_lists_recent_rulings(app, login_as, make_user):
    client = login_as(Role.VIEWER)
    assert "Nothing published yet." in client.get("/").get_data(as_text=True)
    checker, editor = user(make_user(Role.FACT_CHECKER)), user(make_user(Role.EDITOR))
    claim = add_claim()
    publish(claim, checker, editor, claim_text="Exports <b>doubled</b> in 2025")
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    recent = page[page.index("Recently published rulings") :]
    assert f'href="/rulings/{claim.id}">Exports &lt;b&gt;doubled&lt;/b&gt; in 2025</a>' in recent
    rating = active_ratings(db.session)[0].label
    assert f"Jane Doe · <strong>{rating}</strong> · published 2026-11-20" in recent
    assert "<strong>1</strong> published" in page
