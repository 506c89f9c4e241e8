"""The JSON API: tokens, endpoints, strict input, JSON errors, and its OpenAPI document."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from factcheck.api.openapi import spec
from factcheck.auth.models import ApiToken
from factcheck.auth.roles import Role
from factcheck.auth.security import declared_access
from factcheck.auth.tokens import create_token
from factcheck.db import utcnow
from factcheck.extensions import db
from factcheck.sources.models import Article
from tests.conftest import csrf_token
from tests.integration.test_claimreview import check_claim_review
from tests.workflow import add_claim, publish, user

TEXT = (
    "The minister said unemployment fell to 3.5% in 2019. "
    "Critics claimed that wages rose by only 1 percent. It was a sunny day."
)


@pytest.fixture
def token_for(app, make_user):
    """Return a function: roles -> (bearer headers, User)."""

    def make(*roles: Role, days: int | None = None):  # noqa: ANN202
        account = make_user(*roles)
        owner = user(account)
        _, secret = create_token(
            db.session, user=owner, name="script", now=utcnow(), expires_in_days=days
        )
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}, owner

    return make


def error_of(response) -> dict:  # noqa: ANN001
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == response.status_code
    assert body["error"]["message"]
    return body["error"]


# Tokens ----------------------------------------------------------------------------------


def test_token_page_shows_the_secret_once_and_stores_a_hash(app, login_as):
    client = login_as(Role.VIEWER)
    token = csrf_token(client, "/account/tokens")
    page = client.post("/account/tokens", data={"csrf_token": token, "name": "CMS import"})
    secret = re.search(r'<code id="new-token">(fc_[\w-]+)</code>', page.get_data(as_text=True))
    assert secret, page.get_data(as_text=True)[:2000]
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash != secret.group(1) and secret.group(1) not in stored.token_hash
    assert stored.prefix == secret.group(1)[:10]
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret.group(1) not in again and "CMS import" in again
    headers = {"Authorization": f"Bearer {secret.group(1)}"}
    assert client.get("/api/v1/claims", headers=headers).status_code == 200
    client.post(f"/account/tokens/{stored.id}/revoke", data={"csrf_token": token})
    response = app.test_client().get("/api/v1/claims", headers=headers)
    assert response.status_code == 401 and "revoked" in error_of(response)["message"]
    assert error_of(response)["title"] == "Not authenticated"
    assert len(error_of(response)["request_id"]) == 12


def test_token_refusals(app, token_for, make_user):
    headers, owner = token_for(Role.VIEWER, days=1)
    assert app.test_client().get("/api/v1/claims", headers=headers).status_code == 200
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == owner.id))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client = app.test_client()
    expired = client.get("/api/v1/claims", headers=headers)
    assert expired.status_code == 401 and expired.headers["WWW-Authenticate"].startswith("Bearer")
    assert error_of(client.get("/api/v1/claims"))["status"] == 401
    garbage = client.get("/api/v1/claims", headers={"Authorization": "Bearer fc_nope"})
    assert error_of(garbage)["status"] == 401
    # A deactivated account's tokens stop working too.
    headers2, owner2 = token_for(Role.VIEWER)
    owner2.is_active = False
    db.session.commit()
    assert client.get("/api/v1/claims", headers=headers2).status_code == 401


def test_session_cookie_does_not_authenticate_the_api(app, login_as):
    client = login_as(Role.EDITOR)
    response = client.get("/api/v1/claims")
    assert response.status_code == 401


def test_token_has_its_users_roles(app, token_for):
    headers, _ = token_for(Role.VIEWER)
    response = app.test_client().post("/api/v1/articles", json={"text": TEXT}, headers=headers)
    assert response.status_code == 403 and error_of(response)["title"] == "Not allowed"


# Articles --------------------------------------------------------------------------------


def test_post_article_returns_its_claims(app, token_for):
    headers, _ = token_for(Role.FACT_CHECKER)
    client = app.test_client()
    response = client.post(
        "/api/v1/articles",
        json={"text": TEXT, "title": "Jobs", "outlet": "Wire", "published_on": "2026-11-02"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["article"]["title"] == "Jobs" and body["article"]["outlet"] == "Wire"
    texts = [c["text"] for c in body["claims"]]
    assert any("unemployment fell to 3.5%" in t.lower() for t in texts), texts
    assert all(c["score"] is not None and 0 <= c["score"] <= 1 for c in body["claims"])
    duplicate = client.post("/api/v1/articles", json={"text": TEXT}, headers=headers)
    assert duplicate.status_code == 409 and "already ingested" in error_of(duplicate)["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": TEXT, "url": "https://a.example/"}, "text"),
        ({}, "text"),
        ({"text": TEXT, "colour": "red"}, "colour"),
        ({"text": 42}, "text"),
        ({"text": TEXT, "published_on": "2026-02-30"}, "published_on"),
        ({"text": TEXT, "title": "x" * 501}, "title"),
    ],
)
def test_bad_article_bodies_get_field_messages(app, token_for, body, field):
    headers, _ = token_for(Role.FACT_CHECKER)
    response = app.test_client().post("/api/v1/articles", json=body, headers=headers)
    error = error_of(response)
    assert response.status_code == 400 and field in error["fields"], error
    assert db.session.scalar(sa.text("SELECT count(*) FROM articles")) == 0


def test_malformed_json_and_wrong_content_type(app, token_for):
    headers, _ = token_for(Role.FACT_CHECKER)
    client = app.test_client()
    broken = client.post(
        "/api/v1/articles", data='{"text": "x",', headers=headers, content_type="application/json"
    )
    assert broken.status_code == 400 and "not a JSON object" in error_of(broken)["message"]
    form = client.post("/api/v1/articles", data={"text": "x"}, headers=headers)
    assert form.status_code == 400 and "Content-Type" in error_of(form)["message"]
    array = client.post("/api/v1/articles", json=["x"], headers=headers)
    assert array.status_code == 400


def test_oversized_body_is_413_json(app, token_for):
    app.config["API_MAX_BODY_BYTES"] = 1000
    headers, _ = token_for(Role.FACT_CHECKER)
    response = app.test_client().post(
        "/api/v1/articles", json={"text": "word " * 1000}, headers=headers
    )
    assert response.status_code == 413 and error_of(response)["title"] == "Upload too large"


def test_empty_text_is_422(app, token_for):
    headers, _ = token_for(Role.FACT_CHECKER)
    response = app.test_client().post("/api/v1/articles", json={"text": "   "}, headers=headers)
    assert response.status_code == 422 and "empty" in error_of(response)["message"]
    assert db.session.scalar(sa.text("SELECT count(*) FROM articles")) == 0


# Claims and rulings ------------------------------------------------------------------------


def test_list_and_get_claims(app, token_for):
    headers, _ = token_for(Role.VIEWER)
    for i in range(5):
        add_claim(f"Exports grew {i} percent", score=0.5 + i / 10)
    db.session.commit()
    client = app.test_client()
    first = client.get("/api/v1/claims?limit=2&q=exports", headers=headers).get_json()
    assert len(first["items"]) == 2 and first["next"]
    second = client.get(
        f"/api/v1/claims?limit=2&q=exports&after={first['next']}", headers=headers
    ).get_json()
    assert {c["id"] for c in first["items"]}.isdisjoint(c["id"] for c in second["items"])
    one = client.get(f"/api/v1/claims/{first['items'][0]['id']}", headers=headers).get_json()
    assert one["revisions"] == [] and one["ruling_url"] is None
    assert error_of(client.get("/api/v1/claims/999999", headers=headers))["status"] == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("min_score=2", "min_score"),
        ("min_score=abc", "min_score"),
        ("found_from=yesterday", "found_from"),
        ("limit=0", "limit"),
        ("status=bogus", "status"),
        ("sort=desc", "sort"),
        ("after=garbage", "after"),
    ],
)
def test_bad_claim_filters(app, token_for, query, field):
    headers, _ = token_for(Role.VIEWER)
    response = app.test_client().get(f"/api/v1/claims?{query}", headers=headers)
    assert response.status_code == 400 and field in error_of(response)["fields"]


def test_rulings_as_json_and_claimreview(app, token_for, make_user):
    headers, _ = token_for(Role.VIEWER)
    fc = user(make_user(Role.FACT_CHECKER))
    ed = user(make_user(Role.EDITOR))
    claim = add_claim()
    publish(claim, fc, ed, claimant_name="Jane Doe")
    db.session.commit()
    client = app.test_client()
    listing = client.get("/api/v1/rulings?since=2026-01-01", headers=headers).get_json()
    assert [r["claim_id"] for r in listing["items"]] == [claim.id] and listing["next"] is None
    one = client.get(f"/api/v1/rulings/{claim.id}", headers=headers).get_json()
    assert one["rating"] == "False" and one["claimant"] == "Jane Doe"
    review = client.get(f"/api/v1/rulings/{claim.id}?format=claimreview", headers=headers)
    assert review.mimetype == "application/ld+json"
    check_claim_review(json.loads(review.get_data(as_text=True)))
    assert client.get("/api/v1/rulings?since=13-13", headers=headers).status_code == 400
    assert client.get(f"/api/v1/rulings/{claim.id}?format=xml", headers=headers).status_code == 400
    missing = client.get(f"/api/v1/rulings/{claim.id + 1}", headers=headers)
    assert error_of(missing)["status"] == 404


# Scoring -----------------------------------------------------------------------------------


def test_score_sentences(app, token_for):
    headers, _ = token_for(Role.VIEWER)
    client = app.test_client()
    body = client.post(
        "/api/v1/score",
        json={"sentences": ["Crime rose 20 percent in 2023.", "Thank you all."]},
        headers=headers,
    ).get_json()
    assert body["model"] == "keyword-fake" and len(body["results"]) == 2
    assert body["results"][0]["score"] > body["results"][1]["score"]
    assert body["results"][0]["is_claim"] is True
    too_many = client.post("/api/v1/score", json={"sentences": ["x"] * 1001}, headers=headers)
    assert too_many.status_code == 413 and "sentences" in error_of(too_many)["fields"]
    wrong = client.post("/api/v1/score", json={"sentences": [1, 2]}, headers=headers)
    assert wrong.status_code == 400
    missing = client.post("/api/v1/score", json={}, headers=headers)
    assert error_of(missing)["fields"] == {"sentences": ["This field is required."]}


def test_unknown_api_paths_and_methods_answer_json(app, token_for):
    headers, _ = token_for(Role.VIEWER)
    client = app.test_client()
    assert error_of(client.get("/api/v1/nothing", headers=headers))["status"] == 404
    assert error_of(client.delete("/api/v1/claims", headers=headers))["status"] == 405


# The OpenAPI document ----------------------------------------------------------------------


def test_every_api_route_is_documented_and_every_documented_path_exists(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<int:(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    documented = {
        (path, method)
        for path, item in spec()["paths"].items()
        for method in item
        if method != "parameters"  # the path's own parameters (claim_id), not an operation
    }
    assert routes == documented


def test_documented_security_matches_the_views(app):
    paths = spec()["paths"]
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<int:(\w+)>", r"{\1}", rule.rule)
        access = declared_access(app.view_functions[rule.endpoint])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            secured = bool(paths[path][method.lower()]["security"])
            assert secured == (access != "public"), (path, method)


def test_openapi_document_is_served(app):
    body = app.test_client().get("/api/v1/openapi.json").get_json()
    assert body["openapi"].startswith("3.1") and "/api/v1/score" in body["paths"]


def test_the_document_is_built_when_first_read_not_at_every_start(app):
    api = app.extensions["factcheck.api"]
    assert api._undocumented  # the routes work; their document waits for a reader
    assert app.test_client().get("/api/v1/claims").status_code == 401
    first = spec()
    assert not api._undocumented and "/api/v1/articles" in first["paths"]
    assert spec() == first  # read again: the same document, built once


def test_a_lone_surrogate_is_refused_not_a_server_error(app, token_for):
    """JSON may escape half a surrogate pair ("\\ud800"); no text column can hold it, and
    hashing the text failed with a 500 (issue 14 review)."""
    headers, _ = token_for(Role.FACT_CHECKER)
    raw = '{"text": "Crime rose 20% in 2024 \\ud800 here.", "title": "x"}'
    response = app.test_client().post(
        "/api/v1/articles", data=raw, content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "text": ["Contains a lone surrogate (U+D800), which is not a character."]
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == 0


def test_nul_characters_are_refused_not_a_server_error(app, token_for, login_as):
    """Found by schemathesis on PostgreSQL, which refuses U+0000 in text columns."""
    headers, _ = token_for(Role.FACT_CHECKER)
    client = app.test_client()
    body = client.post(
        "/api/v1/articles", json={"text": TEXT, "outlet": "a\u0000b"}, headers=headers
    )
    assert body.status_code == 400 and error_of(body)["fields"] == {
        "outlet": ["Contains a NUL character."]
    }
    query = client.get("/api/v1/claims?claimant=%00", headers=headers)
    assert query.status_code == 400 and "NUL" in error_of(query)["message"]
    web = login_as(Role.VIEWER).get("/claims/?claimant=%00")
    assert web.status_code == 400 and "NUL character" in web.get_data(as_text=True)
    far = client.get("/api/v1/rulings?after=4611686018427387903", headers=headers)
    assert far.status_code == 400 and "after" in error_of(far)["fields"]


def test_cli_creates_a_token(app, make_user, runner):
    account = make_user(Role.VIEWER)
    result = runner.invoke(args=["users", "token", account.email, "--name", "nightly export"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    response = app.test_client().get(
        "/api/v1/claims", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200
    bad = runner.invoke(args=["users", "token", account.email, "--name", " "])
    assert bad.exit_code == 1 and "Name the token" in bad.output


@pytest.mark.parametrize("app_overrides", [{"API_RATE_LIMIT": "3 per minute"}])
def test_api_rate_limit_answers_429_json_per_token(app, token_for):
    headers, _ = token_for(Role.VIEWER)
    other, _ = token_for(Role.VIEWER)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/claims", headers=headers).status_code == 200
    limited = client.get("/api/v1/claims", headers=headers)
    error = error_of(limited)
    assert limited.status_code == 429 and "3 per 1 minute" in error["message"]
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v1/claims", headers=other).status_code == 200  # its own budget
