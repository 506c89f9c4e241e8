"""The authorization matrix: every route × method × role, against one declarative table.

The table below is written by hand from the product's rules (README, "People and roles"),
not derived from the views' declarations, so a view that declares the wrong roles fails.
The routes come from the app's URL map: a route added without a row here fails
test_every_route_has_a_row.

Outcomes: a role in the row's set must get past authorization (any status but 401/403
and no redirect to the sign-in page; 400/404/409 from an empty form or a wrong state are
fine). Anyone else is refused: a signed-in user with 403, an anonymous visitor with a
redirect to /login (web) or 401 (API).
"""

from __future__ import annotations

import re

import pytest

from factcheck.auth.roles import Role
from factcheck.auth.tokens import create_token
from factcheck.db import utcnow
from factcheck.extensions import db
from factcheck.notifications.services import notify
from tests.conftest import csrf_token, login
from tests.workflow import add_claim, publish, user

KIND = "assignment"
ANON = "anonymous"
V, FC, ED, AD = Role.VIEWER, Role.FACT_CHECKER, Role.EDITOR, Role.ADMIN
ROLES = (ANON, V, FC, ED, AD)

EVERYONE = frozenset(ROLES)
SIGNED_IN = frozenset({V, FC, ED, AD})
CHECKERS = frozenset({FC, ED})  # an editor can do everything a fact-checker can
EDITORS = frozenset({ED})
ADMINS = frozenset({AD})
# The API: tokens act with their owner's roles; every role can read.
READERS = frozenset({V, FC, ED, AD})

MATRIX: dict[tuple[str, str], frozenset] = {
    ("GET", "/"): SIGNED_IN,
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/health"): EVERYONE,  # details only with HEALTH_TOKEN or to admins
    ("GET", "/login"): EVERYONE,
    ("POST", "/login"): EVERYONE,
    ("POST", "/logout"): SIGNED_IN,
    ("GET", "/account/password"): SIGNED_IN,
    ("POST", "/account/password"): SIGNED_IN,
    ("GET", "/account/tokens"): SIGNED_IN,
    ("POST", "/account/tokens"): SIGNED_IN,
    ("POST", "/account/tokens/<int:token_id>/revoke"): SIGNED_IN,
    ("GET", "/notifications/"): SIGNED_IN,
    ("POST", "/notifications/read"): SIGNED_IN,
    ("POST", "/notifications/<int:notification_id>/read"): SIGNED_IN,
    # Reading the desk's material.
    ("GET", "/articles/"): SIGNED_IN,
    ("GET", "/articles/<int:article_id>"): SIGNED_IN,
    ("GET", "/claims/"): SIGNED_IN,
    ("GET", "/claims/<int:claim_id>"): SIGNED_IN,
    ("GET", "/claims/<int:claim_id>/revisions/<int:number>"): SIGNED_IN,
    ("GET", "/export/"): SIGNED_IN,
    ("GET", "/export/rulings.csv"): SIGNED_IN,
    ("GET", "/export/claimreview.jsonl"): SIGNED_IN,
    # A big export prepared as a file by a job (the job's page offers it to its starter).
    ("GET", "/export/prepare"): SIGNED_IN,
    ("POST", "/export/prepare"): SIGNED_IN,
    # The dashboard: everyone reads it; the work per fact-checker only editors and admins.
    ("GET", "/dashboard/"): SIGNED_IN,
    (
        "GET",
        "/dashboard/<any(flagged, queue, ratings, publish_time, claimants_flagged, "
        "claimants_ruled, outlets_flagged, outlets_ruled, scores):chart>.csv",
    ): SIGNED_IN,
    ("GET", "/dashboard/work.csv"): frozenset({ED, AD}),
    ("GET", "/rulings/<int:claim_id>"): EVERYONE,  # published: public unless PUBLIC_RULINGS off
    ("GET", "/search"): SIGNED_IN,  # one box over claims, rulings, articles (read only)
    # Jobs: a job is shown to whoever started it (here the viewer) and to editors and
    # admins, and is a 404 to anyone else (as if it did not exist: past authorization).
    ("GET", "/jobs"): SIGNED_IN,
    ("GET", "/jobs/<int:job_id>"): SIGNED_IN,
    ("GET", "/jobs/<int:job_id>.json"): SIGNED_IN,
    ("GET", "/jobs/<int:job_id>/files/<int:index>"): SIGNED_IN,
    # Retry and cancel: its starter and admins; an editor sees it but is refused (403).
    ("POST", "/jobs/<int:job_id>/retry"): frozenset({V, FC, AD}),
    ("POST", "/jobs/<int:job_id>/cancel"): frozenset({V, FC, AD}),
    # Fact-checking.
    ("GET", "/articles/ingest"): CHECKERS,
    ("POST", "/articles/ingest"): CHECKERS,
    ("GET", "/articles/bulk"): CHECKERS,
    ("POST", "/articles/bulk"): CHECKERS,
    ("GET", "/claims/mine"): CHECKERS,
    ("POST", "/claims/next"): CHECKERS,
    ("POST", "/claims/<int:claim_id>/take"): CHECKERS,
    ("POST", "/claims/<int:claim_id>/release"): CHECKERS,
    ("POST", "/claims/<int:claim_id>/dismiss"): CHECKERS,
    ("POST", "/claims/<int:claim_id>/merge"): CHECKERS,
    ("POST", "/claims/bulk"): CHECKERS,  # each claim then checked as on its own page
    ("POST", "/claims/<int:claim_id>/matches"): CHECKERS,
    ("POST", "/claims/promote/<int:sentence_id>"): CHECKERS,
    ("GET", "/claims/<int:claim_id>/verdict"): CHECKERS,
    ("POST", "/claims/<int:claim_id>/verdict"): CHECKERS,
    # Editing.
    ("GET", "/claims/awaiting"): EDITORS,
    ("POST", "/claims/<int:claim_id>/assign"): EDITORS,
    ("POST", "/claims/<int:claim_id>/reopen"): EDITORS,
    ("GET", "/claims/<int:claim_id>/review"): EDITORS,
    ("POST", "/claims/<int:claim_id>/review"): EDITORS,
    ("POST", "/claims/<int:claim_id>/publish"): EDITORS,
    ("GET", "/claims/<int:claim_id>/correct"): EDITORS,
    ("POST", "/claims/<int:claim_id>/correct"): EDITORS,
    ("GET", "/claims/<int:claim_id>/correction"): EDITORS,
    ("POST", "/claims/<int:claim_id>/correction"): EDITORS,
    ("POST", "/claims/<int:claim_id>/retract"): EDITORS,
    # Administration (an admin is not an editor).
    ("GET", "/admin/users"): ADMINS,
    ("GET", "/admin/users/new"): ADMINS,
    ("POST", "/admin/users/new"): ADMINS,
    ("GET", "/admin/users/<int:user_id>"): ADMINS,
    ("POST", "/admin/users/<int:user_id>"): ADMINS,
    ("POST", "/admin/users/<int:user_id>/activate"): ADMINS,
    ("POST", "/admin/users/<int:user_id>/deactivate"): ADMINS,
    ("POST", "/admin/users/<int:user_id>/reset-password"): ADMINS,
    ("GET", "/admin/audit"): ADMINS,
    ("GET", "/admin/scales"): ADMINS,
    ("POST", "/admin/scales"): ADMINS,
    ("POST", "/admin/ratings/<int:rating_id>/<any(activate, deactivate):change>"): ADMINS,
    ("POST", "/admin/rescore"): ADMINS,  # the "rescore" job (re-score the archive)
    # Watched feeds: the desk reads the feeds page; admins register, change, poll, remove.
    ("GET", "/feeds"): SIGNED_IN,
    ("GET", "/admin/feeds"): ADMINS,
    ("POST", "/admin/feeds"): ADMINS,
    ("GET", "/admin/feeds/<int:feed_id>"): ADMINS,
    ("POST", "/admin/feeds/<int:feed_id>"): ADMINS,
    ("POST", "/admin/feeds/<int:feed_id>/delete"): ADMINS,
    ("POST", "/admin/feeds/<int:feed_id>/poll"): ADMINS,
    # The JSON API (bearer tokens).
    ("GET", "/api/v1/openapi.json"): EVERYONE,
    ("POST", "/api/v1/articles"): CHECKERS,
    ("GET", "/api/v1/claims"): READERS,
    ("GET", "/api/v1/claims/<int:claim_id>"): READERS,
    ("GET", "/api/v1/rulings"): READERS,
    ("GET", "/api/v1/rulings/<int:claim_id>"): READERS,
    ("POST", "/api/v1/score"): READERS,
    # A job through the API: fact-checkers (and editors) and admins; the job itself is
    # shown only to its starter, editors and admins (others get 404, as for no job).
    ("GET", "/api/v1/jobs/<int:job_id>"): frozenset({FC, ED, AD}),
}


def _routes(app) -> list[tuple[str, str]]:  # noqa: ANN001
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def test_every_route_has_a_row(app):
    routes = set(_routes(app))
    assert sorted(routes - set(MATRIX)) == [], "add these routes to MATRIX"
    assert sorted(set(MATRIX) - routes) == [], "these rows name routes that do not exist"


@pytest.fixture
def world(app, make_user):
    """Objects for every URL parameter, and a signed-in web client and a token per role."""
    accounts = {role: make_user(role) for role in ROLES[1:]}
    fc, ed = user(make_user(FC)), user(make_user(ED))
    claim = add_claim()
    published = add_claim()
    publish(published, fc, ed)
    owner = user(accounts[V])
    token, _ = create_token(db.session, user=owner, name="matrix", now=utcnow())
    note = notify(db.session, user=owner, kind=KIND, message="Hello", claim=published)
    target = make_user(V)  # admin actions act on a user no client signs in as
    from factcheck.jobs.services import enqueue

    job = enqueue(db.session, "matrix", {}, actor_id=accounts[V].id)
    from factcheck.feeds.services import FeedSettings, add_feed

    # A feed on a private address: a poll is refused at once, with no network.
    feed = add_feed(
        db.session,
        url="http://127.0.0.1:9/feed.xml",
        outlet="Feed Wire",
        actor=None,
        settings=FeedSettings(),
        now=utcnow(),
    )
    db.session.commit()
    from factcheck.claims.models import Sentence
    from factcheck.verdicts.models import Rating

    sentence = db.session.query(Sentence).first()
    values = {
        "claim_id": published.id,
        "number": 1,
        "article_id": claim.article_id,
        "sentence_id": sentence.id if sentence else 1,
        "token_id": token.id,
        "notification_id": note.id,
        "user_id": target.id,
        "rating_id": db.session.query(Rating).first().id,
        "job_id": job.id,
        "index": 0,
        "feed_id": feed.id,
    }
    return accounts, values


def _url(rule: str, values: dict) -> str:
    url = re.sub(r"<int:(\w+)>", lambda m: str(values[m.group(1)]), rule)
    return re.sub(r"<any\(([^,]+),[^)]*\):\w+>", lambda m: m.group(1).strip(), url)


def _web_outcome(response) -> str:  # noqa: ANN001
    if response.status_code == 302 and response.headers["Location"].startswith("/login"):
        return "login"
    if response.status_code in (401, 403):
        return str(response.status_code)
    return "allowed"


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "1000 per minute"}])
def test_web_routes_by_role(app, world):
    accounts, values = world
    failures = []
    for role in ROLES:
        client = app.test_client()
        if role != ANON:
            login(client, accounts[role])
        for method, rule in _routes(app):
            if rule.startswith("/api/"):
                continue
            url = _url(rule, values)
            if method == "GET":
                response = client.get(url)
            else:
                token = csrf_token(client, "/login")
                response = client.post(url, data={"csrf_token": token})
            response.get_data()  # a streamed download runs to its end
            response.close()
            expected = MATRIX[(method, rule)]
            got = _web_outcome(response)
            if rule == "/logout" and role != ANON:
                # Signing out ends at the sign-in page; the session must really be gone.
                ok = got == "login" and _web_outcome(client.get("/")) == "login"
            elif role in expected:
                ok = got == "allowed"
            else:
                ok = got == ("login" if role == ANON else "403")
            if not ok:
                failures.append(f"{role} {method} {url}: {got} ({response.status_code})")
            if rule == "/logout" and role != ANON:
                login(client, accounts[role])  # sign back in for the rest
    assert failures == []


def test_api_routes_by_role(app, world):
    accounts, values = world
    headers = {ANON: {}}
    for role in ROLES[1:]:
        _, secret = create_token(db.session, user=user(accounts[role]), name="api", now=utcnow())
        headers[role] = {"Authorization": f"Bearer {secret}"}
    db.session.commit()
    client = app.test_client()
    failures = []
    for method, rule in _routes(app):
        if not rule.startswith("/api/"):
            continue
        url = _url(rule, values)
        for role in ROLES:
            if method == "GET":
                response = client.get(url, headers=headers[role])
            else:
                response = client.post(url, json={}, headers=headers[role])
            expected = MATRIX[(method, rule)]
            status = response.status_code
            assert response.is_json, f"{role} {method} {url}: not JSON"
            if role in expected:
                ok = status not in (401, 403)
            else:
                ok = status == (401 if role == ANON else 403)
            if not ok:
                failures.append(f"{role} {method} {url}: {status}")
    assert failures == []
