"""The review workflow through the web client: the whole path, refusals, stale forms."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from factcheck.auth.roles import Role
from factcheck.claims.models import Claim
from factcheck.editorial.models import Ruling
from factcheck.extensions import db
from factcheck.verdicts.models import VerdictRevision
from factcheck.verdicts.ratings import active_ratings, ensure_default_scale
from tests.conftest import csrf_token, login
from tests.workflow import add_claim


def status_of(claim_id: int) -> str:
    return db.session.scalar(sa.select(Claim.status).where(Claim.id == claim_id))


def base_revision(client, claim_id: int, path: str = "verdict") -> str:  # noqa: ANN001
    html = client.get(f"/claims/{claim_id}/{path}").get_data(as_text=True)
    match = re.search(r'name="base_revision" type="hidden" value="(\d*)"', html)
    assert match, html[:2000]
    return match.group(1)


def verdict_form(client, claim_id: int, **fields) -> dict:  # noqa: ANN001, ANN003
    rating = active_ratings(db.session)[0]
    data = {
        "csrf_token": csrf_token(client, f"/claims/{claim_id}"),
        "base_revision": (
            fields["base_revision"]
            if "base_revision" in fields
            else base_revision(client, claim_id)
        ),
        "claim_text": "Unemployment fell to 3.5% last year",
        "claimant_name": "Jane Doe",
        "claimant_role": "Minister of Labour",
        "claimed_on": "2026-11-01",
        "rating": str(rating.id),
        "summary": "The statistics office reports a rise, not a fall.",
        "explanation": "The labour force survey shows 4.1%, up from 3.9%.",
        "evidence-0-url": "https://stats.example.org/lfs",
        "evidence-0-title": "Labour force survey",
        "evidence-0-publisher": "Statistics Office",
        "evidence-0-accessed_on": "2026-11-19",
        "evidence-1-url": "https://archive.example.org/speech",
        "evidence-1-title": "Transcript of the speech",
    }
    data.update(fields)
    return data


@pytest.fixture
def desk(app, make_user):
    """A fact-checker and an editor with signed-in clients, and one claim in the queue."""
    fc = make_user(Role.FACT_CHECKER, name="Fiona Checker")
    ed = make_user(Role.EDITOR, name="Edna Editor")
    fc_client, ed_client = app.test_client(), app.test_client()
    login(fc_client, fc)
    login(ed_client, ed)
    ensure_default_scale(db.session)  # the migration seeds it; the test schema does not
    claim = add_claim("Unemployment fell to 3.5% last year", score=0.9)
    db.session.commit()
    return {"fc": fc_client, "ed": ed_client, "claim": claim.id, "fc_account": fc}


def test_whole_path_new_to_published_to_corrected(app, desk):
    fc, ed, cid = desk["fc"], desk["ed"], desk["claim"]

    # The fact-checker sees the claim in the queue and takes the top one.
    queue = fc.get("/claims/").get_data(as_text=True)
    assert "Unemployment fell to 3.5% last year" in queue
    response = fc.post("/claims/next", data={"csrf_token": csrf_token(fc, "/claims/")})
    assert response.status_code == 302 and response.headers["Location"] == f"/claims/{cid}"
    page = fc.get(f"/claims/{cid}").get_data(as_text=True)
    assert "Fiona Checker until" in page and status_of(cid) == "in_review"

    # A verdict with two sources, submitted.
    response = fc.post(
        f"/claims/{cid}/verdict", data=verdict_form(fc, cid, submit_for_approval="1")
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert status_of(cid) == "submitted"
    rev1 = db.session.scalar(sa.select(VerdictRevision).where(VerdictRevision.claim_id == cid))
    assert [e.title for e in rev1.evidence] == ["Labour force survey", "Transcript of the speech"]

    # The editor finds it awaiting approval and returns it; a comment is required.
    assert "Unemployment fell" in ed.get("/claims/awaiting").get_data(as_text=True)
    review = ed.get(f"/claims/{cid}/review").get_data(as_text=True)
    assert "Labour force survey" in review and "Return to fact-checker" in review
    token = csrf_token(ed, f"/claims/{cid}/review")
    empty = ed.post(
        f"/claims/{cid}/review",
        data={"csrf_token": token, "revision_id": str(rev1.id), "comment": "", "send_back": "1"},
    )
    assert empty.status_code == 422
    assert "Write a comment saying what to fix" in empty.get_data(as_text=True)
    assert status_of(cid) == "submitted"
    returned = ed.post(
        f"/claims/{cid}/review",
        data={
            "csrf_token": token,
            "revision_id": str(rev1.id),
            "comment": "Link the primary table, not the press release.",
            "send_back": "1",
        },
    )
    assert returned.status_code == 302 and status_of(cid) == "returned"

    # The fact-checker is notified, fixes it and resubmits.
    home = fc.get("/").get_data(as_text=True)
    assert 'aria-label="1 unread"' in home
    notes = fc.get("/notifications/").get_data(as_text=True)
    assert "Link the primary table" in notes
    response = fc.post(
        f"/claims/{cid}/verdict",
        data=verdict_form(
            fc,
            cid,
            **{"evidence-0-url": "https://stats.example.org/lfs/table-4"},
            submit_for_approval="1",
        ),
    )
    assert response.status_code == 302 and status_of(cid) == "submitted"

    # The editor approves and publishes.
    rev2 = db.session.scalar(
        sa.select(VerdictRevision).where(
            VerdictRevision.claim_id == cid, VerdictRevision.number == 2
        )
    )
    review = ed.get(f"/claims/{cid}/review").get_data(as_text=True)
    assert "table-4" in review  # what changed since the version the editor returned
    response = ed.post(
        f"/claims/{cid}/review",
        data={
            "csrf_token": csrf_token(ed, f"/claims/{cid}/review"),
            "revision_id": str(rev2.id),
            "approve_publish": "1",
        },
    )
    assert response.status_code == 302 and status_of(cid) == "published"
    ruling_page = ed.get(f"/rulings/{cid}").get_data(as_text=True)
    assert "The statistics office reports a rise, not a fall." in ruling_page

    # The editor corrects the ruling with a public note.
    assert base_revision(ed, cid, "correct") == str(rev2.id)
    correction = verdict_form(
        ed, cid, summary="Unemployment rose to 4.1%.", base_revision=str(rev2.id)
    )
    correction.update(
        csrf_token=csrf_token(ed, f"/claims/{cid}/correct"),
        note="An earlier version gave the wrong month for the survey.",
        publish_correction="1",
    )
    response = ed.post(f"/claims/{cid}/correct", data=correction)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    ruling = db.session.scalar(sa.select(Ruling).where(Ruling.claim_id == cid))
    assert ruling.decision.revision.number == 3
    ruling_page = ed.get(f"/rulings/{cid}").get_data(as_text=True)
    assert "Unemployment rose to 4.1%." in ruling_page
    assert "An earlier version gave the wrong month" in ruling_page

    # The claim page tells the whole story, with field-by-field diffs.
    page = fc.get(f"/claims/{cid}").get_data(as_text=True)
    for needle in (
        "Revision 3",
        "Revision 2",
        "Revision 1",
        "<ins>",
        "Edna Editor returned the verdict (revision 1)",
        "Edna Editor approved the verdict (revision 2) and published the ruling",
        "Edna Editor corrected the ruling (revision 3)",
        "Link the primary table",
        "Fiona Checker took the claim",
    ):
        assert needle in page, needle
    old = fc.get(f"/claims/{cid}/revisions/1").get_data(as_text=True)
    assert "https://stats.example.org/lfs" in old and "Revision 1" in old
    assert fc.get(f"/claims/{cid}/revisions/9").status_code == 404


def test_stale_verdict_form_is_refused_and_keeps_what_was_typed(app, desk):
    fc, cid = desk["fc"], desk["claim"]
    fc.post(f"/claims/{cid}/take", data={"csrf_token": csrf_token(fc, "/claims/")})
    tab2 = app.test_client()
    login(tab2, desk["fc_account"])
    form_tab1 = verdict_form(fc, cid, summary="Typed in tab one.", save="1")
    form_tab2 = verdict_form(tab2, cid, summary="Typed in tab two.", save="1")
    assert form_tab1["base_revision"] == form_tab2["base_revision"] == ""
    assert fc.post(f"/claims/{cid}/verdict", data=form_tab1).status_code == 302
    response = tab2.post(f"/claims/{cid}/verdict", data=form_tab2)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The verdict was changed by Fiona Checker at" in html
    assert "review their changes" in html
    assert "Typed in tab two." in html  # nothing typed is lost
    assert "Typed in tab one." in html  # and the other change is shown
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VerdictRevision)) == 1
    # Saving again from the re-rendered form builds on revision 1.
    rebased = re.search(r'name="base_revision" type="hidden" value="(\d+)"', html).group(1)
    form_tab2.update(base_revision=rebased, csrf_token=csrf_token(tab2, f"/claims/{cid}"))
    assert tab2.post(f"/claims/{cid}/verdict", data=form_tab2).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VerdictRevision)) == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rating": "999999"}, "Not a valid choice"),
        ({"summary": "x" * 281}, "280"),
        ({"evidence-0-url": "not a url"}, "not a web address"),
        ({"evidence-0-url": "", "evidence-0-title": "orphan title"}, "Give the source"),
        ({"claim_text": ""}, "Enter the claim."),
    ],
)
def test_bad_verdict_input_shows_on_the_form(app, desk, fields, message):
    fc, cid = desk["fc"], desk["claim"]
    fc.post(f"/claims/{cid}/take", data={"csrf_token": csrf_token(fc, "/claims/")})
    response = fc.post(f"/claims/{cid}/verdict", data=verdict_form(fc, cid, save="1", **fields))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VerdictRevision)) == 0


def test_submit_without_evidence_is_refused_with_a_message(app, desk):
    fc, cid = desk["fc"], desk["claim"]
    fc.post(f"/claims/{cid}/take", data={"csrf_token": csrf_token(fc, "/claims/")})
    data = verdict_form(fc, cid, submit_for_approval="1")
    for key in [k for k in data if k.startswith("evidence-")]:
        data[key] = ""
    response = fc.post(f"/claims/{cid}/verdict", data=data)
    assert response.status_code == 422
    assert "at least one evidence source" in response.get_data(as_text=True)
    assert status_of(cid) == "in_review"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VerdictRevision)) == 0


def test_second_person_sees_who_holds_the_claim(app, desk, login_as):
    fc, cid = desk["fc"], desk["claim"]
    fc.post(f"/claims/{cid}/take", data={"csrf_token": csrf_token(fc, "/claims/")})
    other = login_as(Role.FACT_CHECKER)
    response = other.post(f"/claims/{cid}/take", data={"csrf_token": csrf_token(other, "/")})
    assert response.status_code == 302
    page = other.get(f"/claims/{cid}").get_data(as_text=True)
    assert "Fiona Checker holds this claim until" in page
    assert "Fiona Checker until" in page


def test_claim_text_is_escaped(app, desk):
    claim = add_claim('<script>alert("x")</script> cut taxes by 5%')
    db.session.commit()
    for path in ("/claims/", f"/claims/{claim.id}"):
        html = desk["fc"].get(path).get_data(as_text=True)
        assert "&lt;script&gt;" in html and '<script>alert("x")' not in html


def test_ruling_page_public_only_when_configured(app, desk):
    app.config["PUBLIC_RULINGS"] = False  # true by default (tests/integration/test_publication.py)
    cid = desk["claim"]
    assert app.test_client().get(f"/rulings/{cid}").status_code in (302, 404)
    response = app.test_client().get(f"/rulings/{cid}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    app.config["PUBLIC_RULINGS"] = True
    assert app.test_client().get(f"/rulings/{cid}").status_code == 404  # not published

    # Published: anonymous visitors read it when the deployment allows, not otherwise.
    from factcheck.auth.models import User
    from factcheck.editorial import approval, publication
    from factcheck.review import leases
    from factcheck.verdicts import services as verdicts
    from tests.workflow import NOW, verdict

    claim = db.session.get(Claim, cid)
    fc = db.session.get(User, desk["fc_account"].id)
    editor = db.session.scalar(sa.select(User).where(User.display_name == "Edna Editor"))
    leases.take(db.session, claim, actor=fc, now=NOW, lease_hours=48)
    rev, _ = verdicts.save_revision(
        db.session, claim, verdict(), actor=fc, base_revision_id=None, now=NOW
    )
    verdicts.submit(db.session, claim, actor=fc, revision_id=rev.id, now=NOW)
    approval.approve(db.session, claim, revision_id=rev.id, actor=editor, now=NOW)
    publication.publish(db.session, claim, actor=editor, now=NOW)
    db.session.commit()
    page = app.test_client().get(f"/rulings/{cid}")
    assert page.status_code == 200
    assert "Official statistics show unemployment rose." in page.get_data(as_text=True)
    app.config["PUBLIC_RULINGS"] = False
    assert app.test_client().get(f"/rulings/{cid}").status_code == 302


def test_queue_filters_and_pages_in_the_browser_view(app, desk):
    for i in range(7):
        add_claim(f"Exports grew {i} percent", score=0.5 + i / 20)
    db.session.commit()
    app.config["PAGE_SIZE"] = 3
    fc = desk["fc"]
    first = fc.get("/claims/?q=exports").get_data(as_text=True)
    assert first.count("Exports grew") == 3
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = fc.get(next_url).get_data(as_text=True)
    assert second.count("Exports grew") == 3
    assert set(re.findall(r"Exports grew \d", first)).isdisjoint(
        re.findall(r"Exports grew \d", second)
    )
    bad = fc.get("/claims/?min_score=0.9&max_score=0.1")
    assert bad.status_code == 400 and "lowest score is above the highest" in bad.get_data(
        as_text=True
    )
    assert fc.get("/claims/?after=garbage").status_code == 400
    assert fc.get("/claims/?after=0_10000000000000000000").status_code == 400  # found by fuzzing
    assert fc.get("/claims/?after=nan_1").status_code == 400
    assert fc.get("/claims/?min_score=7").status_code == 400


def test_dismiss_and_merge_through_the_page(app, desk):
    fc, cid = desk["fc"], desk["claim"]
    other = add_claim("Unemployment has fallen to 3.5 percent")
    db.session.commit()
    token = csrf_token(fc, f"/claims/{cid}")
    missing = fc.post(f"/claims/{other.id}/merge", data={"csrf_token": token, "into": ""})
    assert missing.status_code == 302 and status_of(other.id) == "new"
    fc.post(f"/claims/{other.id}/merge", data={"csrf_token": token, "into": str(cid)})
    assert status_of(other.id) == "merged"
    fc.post(f"/claims/{cid}/dismiss", data={"csrf_token": token, "reason": "not_a_claim"})
    assert status_of(cid) == "dismissed"
    page = fc.get(f"/claims/{cid}").get_data(as_text=True)
    assert "not a claim" in page


def test_admin_audit_log_filters(app, desk, login_as):
    admin = login_as(Role.ADMIN)
    fc, cid = desk["fc"], desk["claim"]
    fc.post(f"/claims/{cid}/take", data={"csrf_token": csrf_token(fc, "/claims/")})
    html = admin.get("/admin/audit?action=claim.").get_data(as_text=True)
    assert "claim.take" in html and "auth.login" not in html
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "auth.login" in html
    assert admin.get("/admin/audit?since=not-a-date").status_code == 200


def test_notification_email_is_sent_only_after_commit(app, desk, make_user, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):  # noqa: ANN001
            self.host = host

        def __enter__(self):  # noqa: ANN204
            return self

        def __exit__(self, *exc):  # noqa: ANN002, ANN204
            return False

        def send_message(self, message):  # noqa: ANN001, ANN201
            sent.append(message)

    monkeypatch.setattr("factcheck.notifications.services.smtplib.SMTP", FakeSMTP)
    app.config["MAIL_ENABLED"] = True
    target = make_user(Role.FACT_CHECKER, email="target@example.com")
    ed, cid = desk["ed"], desk["claim"]
    token = csrf_token(ed, f"/claims/{cid}")
    ed.post(f"/claims/{cid}/assign", data={"csrf_token": token, "assignee": str(target.id)})
    assert [m["To"] for m in sent] == ["target@example.com"]
    assert "assigned you claim" in sent[0].get_content()
    # A refused assignment (same person again) rolls back and sends nothing.
    ed.post(f"/claims/{cid}/assign", data={"csrf_token": token, "assignee": str(target.id)})
    assert len(sent) == 1


# Who may do what ----------------------------------------------------------------------------

FACT_CHECKER_POSTS = ["take", "release", "dismiss", "merge", "verdict"]
EDITOR_POSTS = ["assign", "reopen", "review", "publish", "retract", "correct"]


@pytest.mark.parametrize("action", FACT_CHECKER_POSTS + EDITOR_POSTS + ["next"])
def test_viewer_is_refused_every_workflow_action(app, desk, login_as, action):
    viewer = login_as(Role.VIEWER)
    url = "/claims/next" if action == "next" else f"/claims/{desk['claim']}/{action}"
    response = viewer.post(url, data={"csrf_token": csrf_token(viewer, "/")})
    assert response.status_code == 403
    assert status_of(desk["claim"]) == "new"


@pytest.mark.parametrize("action", EDITOR_POSTS)
def test_fact_checker_is_refused_editor_actions(app, desk, action):
    fc = desk["fc"]
    response = fc.post(
        f"/claims/{desk['claim']}/{action}", data={"csrf_token": csrf_token(fc, "/")}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/claims/awaiting", "/claims/1/review", "/claims/1/correct"])
def test_fact_checker_cannot_open_editor_pages(app, desk, path):
    assert desk["fc"].get(path).status_code == 403


@pytest.mark.parametrize("path", ["/claims/mine", "/claims/1/verdict"])
def test_viewer_cannot_open_fact_checker_pages(app, desk, login_as, path):
    assert login_as(Role.VIEWER).get(path).status_code == 403


def test_admin_is_not_an_editor(app, desk, login_as):
    admin = login_as(Role.ADMIN)
    response = admin.post(
        f"/claims/{desk['claim']}/publish", data={"csrf_token": csrf_token(admin, "/")}
    )
    assert response.status_code == 403


def test_workflow_posts_need_a_csrf_token(app, desk):
    response = desk["fc"].post(f"/claims/{desk['claim']}/take", data={})
    assert response.status_code == 400
    assert status_of(desk["claim"]) == "new"


def test_busy_database_on_save_keeps_the_typed_text(app, desk, monkeypatch):
    """SQLite lets one writer at a time; a save that loses gets a message, not a 500."""
    fc, cid = desk["fc"], desk["claim"]
    fc.post(f"/claims/{cid}/take", data={"csrf_token": csrf_token(fc, "/claims/")})

    def busy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr("factcheck.verdicts.services.save_revision", busy)
    response = fc.post(
        f"/claims/{cid}/verdict", data=verdict_form(fc, cid, summary="Typed while busy.", save="1")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "nothing was saved" in html and "Typed while busy." in html


def test_stale_security_token_on_the_verdict_form_keeps_the_text(app, desk):
    fc, cid = desk["fc"], desk["claim"]
    fc.post(f"/claims/{cid}/take", data={"csrf_token": csrf_token(fc, "/claims/")})
    data = verdict_form(fc, cid, summary="Two hours of careful writing.", save="1")
    data["csrf_token"] = "expired-or-forged"
    response = fc.post(f"/claims/{cid}/verdict", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "security token expired" in html and "Two hours of careful writing." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VerdictRevision)) == 0
    # The re-rendered form carries a fresh token: saving again works.
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data["csrf_token"] = fresh
    assert fc.post(f"/claims/{cid}/verdict", data=data).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VerdictRevision)) == 1


def _revision_count(claim_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(VerdictRevision.claim_id == claim_id))


def test_a_fact_checker_cannot_write_on_a_claim_leased_to_someone_else(app, desk, make_user):
    fc, cid = desk["fc"], desk["claim"]
    assert (
        fc.post(f"/claims/{cid}/take", data={"csrf_token": csrf_token(fc, "/")}).status_code == 302
    )
    other = app.test_client()
    login(other, make_user(Role.FACT_CHECKER, name="Olga Other"))
    page = other.get(f"/claims/{cid}/verdict", follow_redirects=True)
    assert "Fiona Checker holds this claim" in page.get_data(as_text=True)  # before typing
    response = other.post(
        f"/claims/{cid}/verdict",
        data=verdict_form(other, cid, base_revision="", submit_for_approval="1"),
        follow_redirects=True,
    )
    assert response.status_code in (403, 409)
    assert "Fiona Checker" in response.get_data(as_text=True)  # says who holds it
    assert _revision_count(cid) == 0 and status_of(cid) == "in_review"
    # Nor can they release someone else's lease.
    released = other.post(
        f"/claims/{cid}/release",
        data={"csrf_token": csrf_token(other, "/")},
        follow_redirects=True,
    )
    assert "Fiona Checker holds this claim" in released.get_data(as_text=True)
    assert status_of(cid) == "in_review"


def test_an_editor_cannot_approve_a_verdict_they_wrote(app, make_user):
    editor = make_user(Role.EDITOR, name="Eve Both")
    client = app.test_client()
    login(client, editor)
    ensure_default_scale(db.session)
    cid = add_claim("Exports doubled in 2025", score=0.9).id
    db.session.commit()
    client.post(f"/claims/{cid}/take", data={"csrf_token": csrf_token(client, "/")})
    saved = client.post(
        f"/claims/{cid}/verdict", data=verdict_form(client, cid, submit_for_approval="1")
    )
    assert saved.status_code == 302 and status_of(cid) == "submitted"
    rev = db.session.scalar(sa.select(VerdictRevision).where(VerdictRevision.claim_id == cid))
    response = client.post(
        f"/claims/{cid}/review",
        data={
            "csrf_token": csrf_token(client, f"/claims/{cid}/review"),
            "revision_id": str(rev.id),
            "approve_publish": "1",
        },
        follow_redirects=True,
    )
    assert response.status_code == 403
    assert "You wrote part of this verdict (revision 1)" in response.get_data(as_text=True)
    assert status_of(cid) == "submitted"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ruling)) == 0
