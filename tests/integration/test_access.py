"""Every view declares who may use it; the declaration is enforced in one place."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from factcheck.auth.roles import Role, effective_roles
from factcheck.auth.security import PUBLIC, declared_access, roles_allowed
from factcheck.extensions import db
from tests.conftest import make_app

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/audit", "/admin/scales"]


def test_every_view_declares_its_access(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and declared_access(app.view_functions[rule.endpoint]) is None
    ]
    assert undeclared == []


def test_only_login_health_and_rulings_are_public(app):
    # The ruling page is declared public and serves anonymous visitors unless the
    # deployment turns PUBLIC_RULINGS off (tests/integration/test_publication.py covers both cases).
    public = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and declared_access(app.view_functions[rule.endpoint]) == PUBLIC
    )
    assert public == [
        "/api/v1/openapi.json",
        "/health",
        "/healthz",
        "/login",
        "/rulings/<int:claim_id>",
    ]


def test_every_get_page_sends_anonymous_users_to_login(app, client):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if declared_access(app.view_functions[rule.endpoint]) == PUBLIC:
            continue
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        url = re.sub(r"<any\(([^,]+),[^)]*\):\w+>", lambda m: m.group(1).strip(), url)
        response = client.get(url)
        if url.startswith("/api/"):  # bearer tokens only: a JSON 401, never a redirect
            assert response.status_code == 401 and response.is_json, url
            continue
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url


@pytest.mark.parametrize("role", [Role.VIEWER, Role.FACT_CHECKER, Role.EDITOR])
def test_non_admins_are_refused_admin_pages(login_as, role):
    client = login_as(role)
    for page in ADMIN_PAGES:
        response = client.get(page)
        assert response.status_code == 403, page
        assert "permission" in response.get_data(as_text=True)


def test_non_admin_cannot_post_to_admin_actions(login_as, make_user):
    client = login_as(Role.EDITOR)
    target = make_user(Role.VIEWER)
    from tests.conftest import csrf_token

    token = csrf_token(client, "/")
    response = client.post(f"/admin/users/{target.id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 403


def test_admin_reaches_admin_pages(login_as):
    client = login_as(Role.ADMIN)
    for page in ADMIN_PAGES:
        assert client.get(page).status_code == 200, page


def test_navigation_depends_on_role(login_as):
    admin_nav = login_as(Role.ADMIN).get("/").get_data(as_text=True)
    viewer_nav = login_as(Role.VIEWER).get("/").get_data(as_text=True)
    assert 'href="/admin/users"' in admin_nav
    assert 'href="/admin/users"' not in viewer_nav


@pytest.mark.real_commits  # a second app writes to the same database
def test_a_view_without_declaration_is_refused_to_everyone(database_url, make_user):
    app = make_app(database_url)
    bp = Blueprint("undeclared", __name__)

    @bp.route("/undeclared")
    def undeclared():
        return "should never be served"

    @bp.route("/editors-only")
    @roles_allowed(Role.EDITOR)
    def editors_only():
        return "editors"

    app.register_blueprint(bp)
    with app.app_context():
        from tests.conftest import login

        client = app.test_client()
        login(client, make_user(Role.ADMIN, Role.EDITOR))
        assert client.get("/undeclared").status_code == 403
        assert client.get("/editors-only").status_code == 200
        db.session.remove()
        db.engine.dispose()


def test_role_implications():
    assert effective_roles([Role.EDITOR]) == {Role.EDITOR, Role.FACT_CHECKER, Role.VIEWER}
    assert effective_roles([Role.ADMIN]) == {Role.ADMIN, Role.VIEWER}
    assert Role.EDITOR not in effective_roles([Role.ADMIN])
    assert effective_roles([]) == frozenset()
