"""Reading writes nothing (issue 15, item 5): every GET page and API read, for every role,
with data in every state, runs no INSERT, UPDATE or DELETE; a lease that ran out shows its
claim as free without anyone recording it, and taking the claim (a POST) records it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.auth.roles import Role
from factcheck.auth.tokens import create_token
from factcheck.claims.models import Claim
from factcheck.db import utcnow
from factcheck.extensions import db
from factcheck.notifications.services import notify
from factcheck.review import leases, queries
from factcheck.review.counts import count_by_status
from factcheck.review.models import Assignment
from factcheck.verdicts import services as verdicts
from factcheck.verdicts.ratings import active_ratings
from tests.conftest import login, post_form
from tests.workflow import add_claim, publish, user, verdict
from tests.writes import recorded_writes

ROLES = (Role.VIEWER, Role.FACT_CHECKER, Role.EDITOR, Role.ADMIN)
LEASE = 48.0


def _lapse(claim: Claim, who) -> None:  # noqa: ANN001
    """`who` took the claim long ago: the lease ran out, nobody has released it."""
    leases.take(db.session, claim, actor=who, now=utcnow() - timedelta(days=30), lease_hours=LEASE)


@pytest.fixture
def world(app, make_user):
    """Accounts of every role, claims in every state, a notification and API tokens."""
    accounts = {role: make_user(role) for role in ROLES}
    fc, ed = user(accounts[Role.FACT_CHECKER]), user(accounts[Role.EDITOR])
    other = user(make_user(Role.FACT_CHECKER))
    now = utcnow()
    waiting = add_claim()
    lapsed = add_claim()
    _lapse(lapsed, other)
    held = add_claim()  # the signed-in fact-checker holds it: the verdict form opens
    leases.take(db.session, held, actor=fc, now=now, lease_hours=LEASE)
    verdicts.save_revision(db.session, held, verdict(), actor=fc, base_revision_id=None, now=now)
    submitted = add_claim()
    leases.take(db.session, submitted, actor=other, now=now, lease_hours=LEASE)
    rev, _ = verdicts.save_revision(
        db.session, submitted, verdict(), actor=other, base_revision_id=None, now=now
    )
    verdicts.submit(db.session, submitted, actor=other, revision_id=rev.id, now=now)
    published = add_claim()
    publish(published, other, ed)
    reader = user(accounts[Role.VIEWER])
    note = notify(db.session, user=reader, kind="assignment", message="Hello", claim=published)
    tokens = {
        role: create_token(db.session, user=user(accounts[role]), name="t", now=now)[1]
        for role in ROLES
    }
    from factcheck.jobs import services as jobs

    queued = jobs.enqueue(db.session, "no_writes", {}, actor_id=fc.id)
    from factcheck.feeds.services import FeedSettings, add_feed

    # A feed on a private address: a poll is refused at once, with no network.
    feed = add_feed(
        db.session,
        url="http://127.0.0.1:9/feed.xml",
        outlet="Feed Wire",
        actor=None,
        settings=FeedSettings(),
        now=now,
    )
    db.session.commit()
    from factcheck.claims.models import Sentence
    from factcheck.verdicts.models import Rating

    values = {
        "claim_id": [c.id for c in (waiting, lapsed, held, submitted, published)],
        "number": [1],
        "article_id": [waiting.article_id, published.article_id],
        "sentence_id": [db.session.scalars(sa.select(Sentence.id)).first()],
        "notification_id": [note.id],
        "user_id": [fc.id],
        "rating_id": [db.session.scalars(sa.select(Rating.id)).first()],
        "job_id": [queued.id],
        "feed_id": [feed.id],
        "index": [0],
    }
    return accounts, tokens, values


def _urls(rule: str, values: dict[str, list[int]]) -> list[str]:
    urls = [re.sub(r"<any\(([^,]+),[^)]*\):\w+>", lambda m: m.group(1).strip(), rule)]
    for name in re.findall(r"<int:(\w+)>", rule):
        urls = [u.replace(f"<int:{name}>", str(v), 1) for u in urls for v in values[name]]
    return urls


def _get_rules(app, api: bool) -> list[str]:  # noqa: ANN001
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.endpoint != "static"
        and rule.rule.startswith("/api/") == api
    )


@pytest.mark.parametrize("app_overrides", [{"LOGIN_RATE_LIMIT": "1000 per minute"}])
def test_no_page_writes_when_read(app, world):
    accounts, _, values = world
    failures, seen = [], 0
    for role in ROLES:
        client = app.test_client()
        login(client, accounts[role])
        for rule in _get_rules(app, api=False):
            for url in _urls(rule, values):
                with recorded_writes(db.engine) as writes:
                    response = client.get(url)
                    response.get_data()  # a streamed download runs to its end
                    response.close()
                assert response.status_code < 500, (role, url, response.status_code)
                seen += response.status_code == 200
                if writes:
                    failures.append(f"{role.value} GET {url}: {writes}")
    assert failures == []
    assert seen > 4 * 20  # the pages were really shown, not refused


def test_no_api_read_writes(app, world):
    """Reads with a bearer token write nothing, not even the token's last use."""
    _, tokens, values = world
    client = app.test_client()
    failures = []
    for role in ROLES:
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        for rule in _get_rules(app, api=True):
            for url in _urls(rule, values):
                with recorded_writes(db.engine) as writes:
                    response = client.get(url, headers=headers)
                # 403: a role the endpoint is not for (a viewer asking for a job).
                assert response.status_code in (200, 403, 404), (role, url, response.status_code)
                if writes:
                    failures.append(f"{role.value} GET {url}: {writes}")
    assert failures == []


def test_a_lapsed_lease_shows_the_claim_free_and_taking_it_records_the_release(
    app, make_user, login_as
):
    holder = user(make_user(Role.FACT_CHECKER))
    claim = add_claim()
    _lapse(claim, holder)
    db.session.commit()
    client = login_as(Role.FACT_CHECKER)

    with recorded_writes(db.engine) as writes:
        queue = client.get("/claims/").get_data(as_text=True)
        page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
        new_only = client.get("/claims/?status=new").get_data(as_text=True)
        in_review = client.get("/claims/?status=in_review").get_data(as_text=True)
        nobody = client.get("/claims/?assignee=none").get_data(as_text=True)
        api = client.get("/api/v1/claims?status=new")  # no token: 401, and still no write
    assert writes == []
    take_url = f"/claims/{claim.id}/take"
    assert "status-new" in queue and take_url in queue  # shown waiting, with a Take button
    assert 'id="claim-status">new<' in page and take_url in page
    assert f'/claims/{claim.id}"' in new_only and f'/claims/{claim.id}"' in nobody
    assert f'/claims/{claim.id}"' not in in_review
    assert api.status_code == 401
    assert count_by_status(db.session) == {"new": 1}

    # Nothing was recorded: the claim is still in review under the lapsed lease.
    db.session.expire_all()
    assert db.session.get(Claim, claim.id).status == "in_review"
    assert queries.open_assignment(db.session, claim).assignee_id == holder.id

    # Taking it (a POST) releases the lapsed lease and gives it to the new fact-checker.
    assert post_form(client, take_url, token_from="/claims/").status_code == 302
    db.session.expire_all()
    lease = queries.holder(db.session, db.session.get(Claim, claim.id), utcnow())
    assert lease is not None and lease.assignee_id == client.account.id
    actions = db.session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.entity_type == "claim", AuditEntry.entity_id == claim.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["claim.take", "claim.lease_expired", "claim.take"]
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Assignment)
            .where(Assignment.claim_id == claim.id)
        )
        == 2
    )


def test_api_shows_a_lapsed_claim_as_new(app, make_user):
    holder = user(make_user(Role.FACT_CHECKER))
    claim = add_claim()
    _lapse(claim, holder)
    reader = user(make_user(Role.VIEWER))
    _, secret = create_token(db.session, user=reader, name="t", now=utcnow())
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    with recorded_writes(db.engine) as writes:
        listed = client.get("/api/v1/claims?status=new", headers=headers).get_json()
        reviewing = client.get("/api/v1/claims?status=in_review", headers=headers).get_json()
        one = client.get(f"/api/v1/claims/{claim.id}", headers=headers).get_json()
    assert writes == []
    assert [(c["id"], c["status"]) for c in listed["items"]] == [(claim.id, "new")]
    assert reviewing["items"] == []
    assert one["status"] == "new"


def test_api_token_last_use_is_stamped_only_by_requests_that_change_data(app, make_user):
    from factcheck.auth.models import ApiToken

    checker = user(make_user(Role.FACT_CHECKER))
    token, secret = create_token(db.session, user=checker, name="t", now=utcnow())
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()
    assert client.get("/api/v1/claims", headers=headers).status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is None
    body = {"title": "A speech", "text": "Unemployment fell to 3.5% last year, she said."}
    assert client.post("/api/v1/articles", json=body, headers=headers).status_code == 201
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None


def test_no_request_creates_the_rating_scale(app, login_as):
    """The migration seeds the default scale; a page without one shows no ratings and
    creates nothing (here the test's own seeded scale is removed first)."""
    from factcheck.verdicts.models import Rating, RatingScale

    db.session.execute(sa.delete(Rating))
    db.session.execute(sa.delete(RatingScale))
    db.session.commit()
    client = login_as(Role.ADMIN)
    with recorded_writes(db.engine) as writes:
        assert client.get("/admin/scales").status_code == 200
    assert writes == []
    assert active_ratings(db.session) == []
    refused = post_form(
        client,
        "/admin/scales",
        {"label": "Satire", "bucket": "other", "colour": "#123456"},
        token_from="/admin/scales",
    )
    assert refused.status_code == 409 and "factcheck db upgrade" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RatingScale)) == 0
