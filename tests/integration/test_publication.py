"""Who reads what (issue 14, items 17 and 22): published rulings are public by default and
name their fact-checker and editor; ruling links never come from the request's Host
header; public ruling pages may be cached; unpublished verdicts are for the desk only."""

from __future__ import annotations

import json

import pytest

from factcheck.auth.roles import Role
from factcheck.auth.tokens import create_token
from factcheck.db import utcnow
from factcheck.editorial import approval
from factcheck.export.services import public_base_url
from factcheck.extensions import db
from factcheck.review import leases
from factcheck.verdicts import services as verdicts
from tests.workflow import NOW, add_claim, later, publish, user, verdict

EVIL = "http://evil.example"
DEV_BASE = "http://127.0.0.1:5000/rulings/"
PUBLISHED = "Official statistics show unemployment rose."  # tests.workflow.verdict()
DRAFT = "DRAFT-ONLY explanation the desk has not approved"


@pytest.fixture
def desk(app, make_user):
    """A fact-checker, an editor and one published ruling."""
    checker = user(make_user(Role.FACT_CHECKER, name="Fiona Checker"))
    editor = user(make_user(Role.EDITOR, name="Edna Editor"))
    claim = add_claim()
    publish(claim, checker, editor)
    db.session.commit()
    return {"fc": checker, "editor": editor, "published": claim.id}


def _bearer(owner) -> dict[str, str]:  # noqa: ANN001
    _, secret = create_token(db.session, user=owner, name="test", now=utcnow())
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


# Item 22: published means public ------------------------------------------------------------


def test_a_published_ruling_is_public_by_default_and_names_who_checked_it(app, desk):
    assert app.config["PUBLIC_RULINGS"] is True
    page = app.test_client().get(f"/rulings/{desk['published']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert PUBLISHED in html
    assert "Checked by Fiona Checker; approved by Edna Editor." in html


def test_a_claim_without_a_published_ruling_has_no_public_page(app, desk):
    unpublished = add_claim()
    db.session.commit()
    anonymous = app.test_client()
    assert anonymous.get(f"/rulings/{unpublished.id}").status_code == 404
    assert anonymous.get(f"/rulings/{unpublished.id + 1000}").status_code == 404


@pytest.mark.parametrize("app_overrides", [{"PUBLIC_RULINGS": False}])
def test_rulings_need_sign_in_when_public_rulings_is_off(app, desk, login_as):
    response = app.test_client().get(f"/rulings/{desk['published']}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert login_as(Role.VIEWER).get(f"/rulings/{desk['published']}").status_code == 200


# Item 17: caching and absolute URLs ---------------------------------------------------------


def test_public_ruling_pages_may_be_cached_signed_in_ones_may_not(app, desk, login_as):
    anonymous = app.test_client().get(f"/rulings/{desk['published']}")
    assert anonymous.status_code == 200
    assert anonymous.headers["Cache-Control"] == "public, max-age=300"
    assert "Set-Cookie" not in anonymous.headers  # a shared cache must not store a session
    signed_in = login_as(Role.VIEWER).get(f"/rulings/{desk['published']}")
    assert signed_in.headers["Cache-Control"] == "no-store"
    missing = app.test_client().get(f"/rulings/{desk['published'] + 1000}")
    assert "public" not in missing.headers.get("Cache-Control", "")


def test_ruling_links_never_follow_the_host_header(app, desk, login_as):
    cid = desk["published"]
    expected = f"{DEV_BASE}{cid}"
    headers = _bearer(desk["editor"])
    api = app.test_client()
    ruling = api.get(f"/api/v1/rulings/{cid}", headers=headers, base_url=EVIL).get_json()
    assert ruling["url"] == expected
    review_doc = api.get(
        f"/api/v1/rulings/{cid}?format=claimreview", headers=headers, base_url=EVIL
    ).get_json()
    assert review_doc["url"] == expected
    listed = api.get("/api/v1/rulings", headers=headers, base_url=EVIL).get_json()
    assert [r["url"] for r in listed["items"]] == [expected]
    claim = api.get(f"/api/v1/claims/{cid}", headers=headers, base_url=EVIL).get_json()
    assert claim["ruling_url"] == expected

    web = login_as(Role.VIEWER)
    cookie = web.get_cookie(app.config["SESSION_COOKIE_NAME"])
    web.set_cookie(cookie.key, cookie.value, domain="evil.example")
    for path in ("/export/rulings.csv", "/export/rulings.csv?kind=evidence"):
        csv = web.get(path, base_url=EVIL)
        body = csv.get_data(as_text=True)
        assert csv.status_code == 200 and expected in body and "evil.example" not in body
    jsonl = web.get("/export/claimreview.jsonl", base_url=EVIL).get_data(as_text=True)
    assert json.loads(jsonl.splitlines()[0])["url"] == expected
    page = app.test_client().get(f"/rulings/{cid}", base_url=EVIL).get_data(as_text=True)
    assert expected in page and "evil.example" not in page


@pytest.mark.parametrize("app_overrides", [{"PUBLIC_BASE_URL": "https://checks.example.org/"}])
def test_ruling_links_use_public_base_url(app, desk):
    cid = desk["published"]
    body = (
        app.test_client()
        .get(f"/api/v1/rulings/{cid}", headers=_bearer(desk["editor"]), base_url=EVIL)
        .get_json()
    )
    assert body["url"] == f"https://checks.example.org/rulings/{cid}"


def test_public_base_url_falls_back_to_server_name_then_the_development_address():
    assert public_base_url({"PUBLIC_BASE_URL": "https://a.example/"}) == "https://a.example/"
    assert (
        public_base_url({"SERVER_NAME": "b.example", "PREFERRED_URL_SCHEME": "https"})
        == "https://b.example/"
    )
    assert public_base_url({"PUBLIC_BASE_URL": ""}) == "http://127.0.0.1:5000/"


# Item 17: unpublished verdicts are for the desk -----------------------------------------


def _submitted_draft(desk) -> int:  # noqa: ANN001
    """A claim whose verdict is written and submitted, not yet approved or published."""
    claim = add_claim("Crime fell by 12% in 2025")
    checker = desk["fc"]
    leases.take(db.session, claim, actor=checker, now=NOW, lease_hours=48)
    rev, _ = verdicts.save_revision(
        db.session,
        claim,
        verdict(claim_text=claim.text, explanation=DRAFT),
        actor=checker,
        base_revision_id=None,
        now=NOW,
    )
    verdicts.submit(db.session, claim, actor=checker, revision_id=rev.id, now=NOW)
    db.session.commit()
    return claim.id


def _approved_not_published(desk) -> int:  # noqa: ANN001
    claim = add_claim("Exports doubled since 2020")
    checker = desk["fc"]
    leases.take(db.session, claim, actor=checker, now=NOW, lease_hours=48)
    rev, _ = verdicts.save_revision(
        db.session,
        claim,
        verdict(claim_text=claim.text, explanation=DRAFT),
        actor=checker,
        base_revision_id=None,
        now=NOW,
    )
    verdicts.submit(db.session, claim, actor=checker, revision_id=rev.id, now=NOW)
    approval.approve(db.session, claim, revision_id=rev.id, actor=desk["editor"], now=later(1))
    db.session.commit()
    return claim.id


@pytest.mark.parametrize(
    ("role", "sees_drafts"),
    [(Role.VIEWER, False), (Role.ADMIN, False), (Role.FACT_CHECKER, True), (Role.EDITOR, True)],
)
def test_only_the_desk_sees_unpublished_verdicts(app, desk, login_as, role, sees_drafts):
    drafts = [_submitted_draft(desk), _approved_not_published(desk)]
    published = desk["published"]
    client = login_as(role)
    headers = _bearer(user(client.account))
    api = app.test_client()
    for cid in drafts:
        page = client.get(f"/claims/{cid}")
        assert page.status_code == 200
        assert (DRAFT in page.get_data(as_text=True)) is sees_drafts, (role, cid)
        revision_page = client.get(f"/claims/{cid}/revisions/1")
        assert revision_page.status_code == (200 if sees_drafts else 404)
        body = api.get(f"/api/v1/claims/{cid}", headers=headers).get_json()
        assert (DRAFT in json.dumps(body)) is sees_drafts, (role, cid)
        assert len(body["revisions"]) == (1 if sees_drafts else 0)
    # Everyone signed in reads the published verdict, on the claim page and in the API.
    page = client.get(f"/claims/{published}").get_data(as_text=True)
    assert PUBLISHED in page
    assert client.get(f"/claims/{published}/revisions/1").status_code == 200
    body = api.get(f"/api/v1/claims/{published}", headers=headers).get_json()
    assert [r["conclusion"] for r in body["revisions"]] == [PUBLISHED]
