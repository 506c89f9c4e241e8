"""The scoring API's work limits (issue 14, item 6): sentences and characters per request,
and rate limits counted per user, so a user's tokens share one budget."""

from __future__ import annotations

import pytest

from factcheck.auth.roles import Role
from factcheck.auth.tokens import create_token
from factcheck.db import utcnow
from factcheck.extensions import db
from tests.integration.test_api import error_of, token_for  # noqa: F401  (token_for is a fixture)


def _second_token(owner) -> dict[str, str]:  # noqa: ANN001
    _, secret = create_token(db.session, user=owner, name="second script", now=utcnow())
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(
    "app_overrides", [{"API_SCORE_MAX_SENTENCES": 5, "API_SCORE_MAX_CHARS": 100}]
)
def test_score_caps_sentences_and_characters_per_request(app, token_for):  # noqa: F811
    headers, _ = token_for(Role.VIEWER)
    client = app.test_client()
    ok = client.post("/api/v1/score", json={"sentences": ["Crime rose 20%."] * 5}, headers=headers)
    assert ok.status_code == 200 and len(ok.get_json()["results"]) == 5

    many = client.post("/api/v1/score", json={"sentences": ["Crime rose."] * 6}, headers=headers)
    error = error_of(many)
    assert many.status_code == 413, error
    assert "at most 5 sentences" in error["message"] and "6" in error["message"]
    assert "sentences" in error["fields"]

    long = client.post("/api/v1/score", json={"sentences": ["x" * 60, "y" * 41]}, headers=headers)
    error = error_of(long)
    assert long.status_code == 413, error
    assert "at most 100 characters" in error["message"] and "101" in error["message"]


def test_score_default_caps_are_set(app, token_for):  # noqa: F811
    assert app.config["API_SCORE_MAX_SENTENCES"] == 100
    assert app.config["API_SCORE_MAX_CHARS"] > 0
    headers, _ = token_for(Role.VIEWER)
    thousand = app.test_client().post(
        "/api/v1/score", json={"sentences": ["Crime rose 20%."] * 1000}, headers=headers
    )
    assert thousand.status_code == 413 and "at most 100 sentences" in error_of(thousand)["message"]


@pytest.mark.parametrize("app_overrides", [{"API_RATE_LIMIT": "3 per minute"}])
def test_api_rate_limit_is_per_user_not_per_token(app, token_for):  # noqa: F811
    first, owner = token_for(Role.VIEWER)
    second = _second_token(owner)
    other, _ = token_for(Role.VIEWER)
    client = app.test_client()
    for headers in (first, second, first):
        assert client.get("/api/v1/claims", headers=headers).status_code == 200
    limited = client.get("/api/v1/claims", headers=second)  # the same user's fourth request
    assert limited.status_code == 429 and "3 per 1 minute" in error_of(limited)["message"]
    assert client.get("/api/v1/claims", headers=first).status_code == 429
    assert client.get("/api/v1/claims", headers=other).status_code == 200  # its own budget


@pytest.mark.parametrize(
    "app_overrides", [{"API_SCORE_RATE_LIMIT": "2 per minute", "API_RATE_LIMIT": "100 per minute"}]
)
def test_scoring_has_its_own_lower_limit_per_user(app, token_for):  # noqa: F811
    first, owner = token_for(Role.VIEWER)
    second = _second_token(owner)
    other, _ = token_for(Role.VIEWER)
    client = app.test_client()
    body = {"sentences": ["Crime rose 20 percent in 2023."]}
    assert client.post("/api/v1/score", json=body, headers=first).status_code == 200
    assert client.post("/api/v1/score", json=body, headers=second).status_code == 200
    limited = client.post("/api/v1/score", json=body, headers=first)
    assert limited.status_code == 429 and "2 per 1 minute" in error_of(limited)["message"]
    # The rest of the API still answers that user, and another user still scores.
    assert client.get("/api/v1/claims", headers=second).status_code == 200
    assert client.post("/api/v1/score", json=body, headers=other).status_code == 200


@pytest.mark.parametrize("app_overrides", [{"API_RATE_LIMIT": "2 per minute"}])
def test_requests_without_a_valid_token_are_counted_per_address(app, token_for):  # noqa: F811
    client = app.test_client()
    bad = {"Authorization": "Bearer fc_not-a-token"}
    assert client.get("/api/v1/claims", headers=bad).status_code == 401
    assert client.get("/api/v1/claims").status_code == 401
    assert client.get("/api/v1/claims", headers=bad).status_code == 429
    headers, _ = token_for(Role.VIEWER)
    assert client.get("/api/v1/claims", headers=headers).status_code == 200
