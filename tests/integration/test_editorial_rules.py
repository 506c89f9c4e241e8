"""The second-editor rule (approval and rating-changing corrections) and editors' notices.

Issue 14, items 13 and 19: services first, then the same paths through the web views.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from factcheck.auth.models import Notification
from factcheck.auth.roles import Role
from factcheck.claims.models import Claim
from factcheck.editorial import approval, corrections, lookups, publication
from factcheck.editorial.models import Correction, CorrectionProposal, Ruling
from factcheck.errors import Conflict, InvalidInput, PermissionDenied
from factcheck.extensions import db
from factcheck.review import leases
from factcheck.verdicts import services as verdicts
from factcheck.verdicts.models import VerdictRevision
from factcheck.verdicts.ratings import active_ratings, ensure_default_scale
from tests.conftest import csrf_token, login
from tests.workflow import NOW, add_claim, later, publish, user, verdict

LEASE = 48.0
SUMMARY = "Official statistics show unemployment rose."


@pytest.fixture
def people(make_user):
    """Two fact-checkers, two editors and an editor whose account is deactivated."""
    accounts = {
        "fc": make_user(Role.FACT_CHECKER, name="Ana Lee"),
        "fc2": make_user(Role.FACT_CHECKER, name="Frank Second"),
        "ed": make_user(Role.EDITOR, name="Edna Editor"),
        "ed2": make_user(Role.EDITOR, name="Eddie Other"),
        "gone": make_user(Role.EDITOR, name="Gone Editor", active=False),
    }
    ensure_default_scale(db.session)
    db.session.commit()
    people = {key: user(account) for key, account in accounts.items()}
    people["accounts"] = accounts
    return people


def save(claim, who, at=NOW, **overrides):  # noqa: ANN001, ANN003, ANN201
    latest = verdicts.latest_revision(db.session, claim)
    rev, _ = verdicts.save_revision(
        db.session,
        claim,
        verdict(**overrides),
        actor=who,
        base_revision_id=latest.id if latest else None,
        now=at,
    )
    return rev


def editor_writes_then_fact_checker_resaves(claim, ed, fc):  # noqa: ANN001, ANN201
    """The bypass: the editor writes the verdict, a fact-checker changes one character."""
    leases.take(db.session, claim, actor=ed, now=NOW, lease_hours=LEASE)
    first = save(claim, ed, summary=SUMMARY)
    leases.release(db.session, claim, actor=ed, now=later(1))
    leases.take(db.session, claim, actor=fc, now=later(1), lease_hours=LEASE)
    second = save(claim, fc, later(1), summary=SUMMARY[:-1] + "!")
    verdicts.submit(db.session, claim, actor=fc, revision_id=second.id, now=later(1))
    return first, second


def notices(who) -> list[Notification]:  # noqa: ANN001
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.user_id == who.id).order_by(Notification.id)
        )
    )


def other_rating(rating_id: int) -> int:
    return next(r.id for r in active_ratings(db.session) if r.id != rating_id)


# Item 13: approval -----------------------------------------------------------------------


def test_editor_cannot_approve_a_verdict_they_wrote_part_of(app, people):
    claim = add_claim()
    first, second = editor_writes_then_fact_checker_resaves(claim, people["ed"], people["fc"])
    db.session.commit()
    assert second.author_id == people["fc"].id
    with pytest.raises(PermissionDenied) as refused:
        approval.approve(db.session, claim, revision_id=second.id, actor=people["ed"], now=later(2))
    assert "You wrote part of this verdict" in refused.value.message
    assert f"revision {first.number}" in refused.value.message
    assert "another editor must approve it" in refused.value.message
    db.session.rollback()
    claim = db.session.get(Claim, claim.id)
    assert claim.status == "submitted"
    # Another editor may; then anyone may publish the approved verdict.
    approval.approve(db.session, claim, revision_id=second.id, actor=people["ed2"], now=later(2))
    publication.publish(db.session, claim, actor=people["ed"], now=later(3))
    db.session.commit()
    assert claim.status == "published"


def test_self_approval_setting_still_allows_it(app, people):
    claim = add_claim()
    _, second = editor_writes_then_fact_checker_resaves(claim, people["ed"], people["fc"])
    approval.approve(
        db.session,
        claim,
        revision_id=second.id,
        actor=people["ed"],
        now=later(2),
        allow_self_approval=True,
    )
    assert claim.status == "approved"


# Item 13: corrections --------------------------------------------------------------------


def published_claim(people) -> tuple[Claim, VerdictRevision]:  # noqa: ANN001
    claim = add_claim()
    publish(claim, people["fc"], people["ed"])
    db.session.commit()
    return claim, verdicts.latest_revision(db.session, claim)


def correct(claim, who, base, *, rating_id, at=3, one_step=False, note="We got it wrong.", **more):  # noqa: ANN001, ANN003, ANN201
    return corrections.correct(
        db.session,
        claim,
        verdict(rating_id=rating_id, summary="Corrected conclusion.", **more),
        note=note,
        base_revision_id=base.id,
        actor=who,
        now=later(at),
        allow_one_step=one_step,
    )


def test_rating_change_needs_a_second_editor(app, people):
    claim, published = published_claim(people)
    new_rating = other_rating(published.rating_id)
    pending = correct(claim, people["ed"], published, rating_id=new_rating)
    db.session.commit()
    assert not isinstance(pending, Correction)
    ruling = db.session.scalar(sa.select(Ruling).where(Ruling.claim_id == claim.id))
    assert ruling.decision.revision_id == published.id  # the public ruling is unchanged
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Correction)) == 0
    waiting = lookups.pending_correction(db.session, claim)
    assert waiting.revision.rating_id == new_rating and waiting.note == "We got it wrong."
    assert waiting.proposed_by.id == people["ed"].id
    # The other editor hears of it; the proposer and the inactive editor do not.
    assert any("correction" in n.message for n in notices(people["ed2"]))
    assert not notices(people["gone"])

    # The proposer cannot approve it, nor start another correction on top.
    with pytest.raises(PermissionDenied, match="another editor must approve it"):
        corrections.approve_correction(
            db.session, claim, revision_id=waiting.revision.id, actor=people["ed"], now=later(4)
        )
    db.session.rollback()
    with pytest.raises(Conflict, match="waiting for a second editor"):
        correct(claim, people["ed2"], waiting.revision, rating_id=published.rating_id, at=4)
    db.session.rollback()

    correction = corrections.approve_correction(
        db.session, claim, revision_id=waiting.revision.id, actor=people["ed2"], now=later(5)
    )
    db.session.commit()
    ruling = db.session.get(Ruling, ruling.id)
    assert ruling.decision.revision.rating_id == new_rating
    assert ruling.decision.editor_id == people["ed2"].id
    assert correction.note == "We got it wrong." and correction.created_by_id == people["ed"].id
    assert lookups.pending_correction(db.session, claim) is None


def test_one_step_corrections_setting(app, people):
    claim, published = published_claim(people)
    new_rating = other_rating(published.rating_id)
    correction = correct(claim, people["ed"], published, rating_id=new_rating, one_step=True)
    db.session.commit()
    assert isinstance(correction, Correction)
    ruling = db.session.scalar(sa.select(Ruling).where(Ruling.claim_id == claim.id))
    assert ruling.decision.revision.rating_id == new_rating


def test_text_only_correction_stays_one_step(app, people):
    claim, published = published_claim(people)
    correction = correct(claim, people["ed"], published, rating_id=published.rating_id)
    db.session.commit()
    assert isinstance(correction, Correction)
    ruling = db.session.scalar(sa.select(Ruling).where(Ruling.claim_id == claim.id))
    assert ruling.decision.revision.summary == "Corrected conclusion."


def test_a_proposed_correction_can_be_declined(app, people):
    claim, published = published_claim(people)
    pending = correct(
        claim,
        people["ed"],
        published,
        rating_id=other_rating(published.rating_id),
        claim_text="Unemployment fell to 3.4% last year",
    )
    db.session.commit()
    assert claim.text == "Unemployment fell to 3.4% last year"  # the working copy
    with pytest.raises(InvalidInput, match="reason"):
        corrections.decline_correction(
            db.session,
            claim,
            revision_id=pending.revision.id,
            comment=" ",
            actor=people["ed2"],
            now=later(4),
        )
    db.session.rollback()
    claim = db.session.get(Claim, claim.id)
    pending = lookups.pending_correction(db.session, claim)
    corrections.decline_correction(
        db.session,
        claim,
        revision_id=pending.revision.id,
        comment="The original rating stands.",
        actor=people["ed2"],
        now=later(4),
    )
    db.session.commit()
    assert lookups.pending_correction(db.session, claim) is None
    ruling = db.session.scalar(sa.select(Ruling).where(Ruling.claim_id == claim.id))
    assert ruling.decision.revision_id == published.id and claim.status == "published"
    assert claim.text == published.claim_text  # back to the published wording
    assert any("declined" in n.message for n in notices(people["ed"]))
    # A fresh correction builds on the declined proposal (the latest revision).
    latest = verdicts.latest_revision(db.session, claim)
    correction = correct(claim, people["ed"], latest, rating_id=published.rating_id, at=5)
    assert isinstance(correction, Correction)


def test_declining_restores_the_claim_type_the_proposal_changed(app, people):
    claim, published = published_claim(people)
    before = claim.claim_type
    pending = correct(
        claim,
        people["ed"],
        published,
        rating_id=other_rating(published.rating_id),
        claim_type="prediction" if before != "prediction" else "numerical",
    )
    db.session.commit()
    assert claim.claim_type != before
    corrections.decline_correction(
        db.session,
        claim,
        revision_id=pending.revision.id,
        comment="The original rating stands.",
        actor=people["ed2"],
        now=later(4),
    )
    db.session.commit()
    assert db.session.get(Claim, claim.id).claim_type == before


def test_retracting_closes_a_waiting_correction_which_can_then_not_be_approved(app, people):
    claim, published = published_claim(people)
    pending = correct(claim, people["ed"], published, rating_id=other_rating(published.rating_id))
    db.session.commit()
    revision_id = pending.revision.id
    publication.retract(
        db.session, claim, note="The source was withdrawn.", actor=people["ed2"], now=later(4)
    )
    db.session.commit()
    assert lookups.pending_correction(db.session, claim) is None
    proposal = db.session.scalars(sa.select(CorrectionProposal)).one()
    assert proposal.outcome == "declined" and proposal.decided_by_id == people["ed2"].id
    with pytest.raises(Conflict, match="no longer published"):
        corrections.approve_correction(
            db.session, claim, revision_id=revision_id, actor=people["ed2"], now=later(5)
        )
    db.session.rollback()
    ruling = db.session.scalar(sa.select(Ruling).where(Ruling.claim_id == claim.id))
    assert ruling.status == "retracted" and ruling.decision.revision_id == published.id
    assert not ruling.corrections


# Item 19: notices when a verdict is submitted -----------------------------------------------


def test_editors_are_told_when_a_verdict_is_submitted_and_resubmitted(app, people):
    fc, ed, ed2 = people["fc"], people["ed"], people["ed2"]
    claim = add_claim()
    leases.take(db.session, claim, actor=fc, now=NOW, lease_hours=LEASE)
    long_text = "The city built 4,000 new homes in 2025, more than in any year before " * 3
    rev = save(claim, fc, claim_text=long_text)
    verdicts.submit(db.session, claim, actor=fc, revision_id=rev.id, now=NOW)
    db.session.commit()
    for editor in (ed, ed2):
        (notice,) = notices(editor)
        assert notice.kind == "submitted" and notice.claim_id == claim.id
        assert notice.message.startswith("Ana Lee submitted a verdict on “The city built")
        assert notice.message.endswith("…” for review.") and len(notice.message) < 140
    assert not notices(fc) and not notices(people["fc2"]) and not notices(people["gone"])

    # Returned by one editor: the resubmission goes to that editor only.
    approval.return_verdict(
        db.session,
        claim,
        revision_id=rev.id,
        comment="Cite the housing register.",
        actor=ed2,
        now=later(1),
        lease_hours=LEASE,
    )
    fixed = save(claim, fc, later(2), claim_text=long_text, summary="The register: 3,200.")
    verdicts.submit(db.session, claim, actor=fc, revision_id=fixed.id, now=later(2))
    db.session.commit()
    assert len(notices(ed)) == 1
    latest = notices(ed2)[-1]
    assert latest.kind == "submitted" and "resubmitted" in latest.message
    assert "after your return" in latest.message


def test_an_editor_submitting_is_not_told_of_their_own_submission(app, people):
    ed, ed2 = people["ed"], people["ed2"]
    claim = add_claim()
    leases.take(db.session, claim, actor=ed, now=NOW, lease_hours=LEASE)
    rev = save(claim, ed)
    verdicts.submit(db.session, claim, actor=ed, revision_id=rev.id, now=NOW)
    db.session.commit()
    assert not notices(ed)
    assert [n.kind for n in notices(ed2)] == ["submitted"]


def test_the_assigning_editor_alone_hears_of_the_submission(app, people):
    fc, ed, ed2 = people["fc"], people["ed"], people["ed2"]
    claim = add_claim()
    leases.assign(db.session, claim, assignee=fc, actor=ed2, now=NOW, lease_hours=LEASE)
    rev = save(claim, fc)
    verdicts.submit(db.session, claim, actor=fc, revision_id=rev.id, now=NOW)
    db.session.commit()
    assert not [n for n in notices(ed) if n.kind == "submitted"]
    assert [n.kind for n in notices(ed2)] == ["submitted"]


# Through the web views -------------------------------------------------------------------


def client_for(app, account):  # noqa: ANN001, ANN201
    c = app.test_client()
    login(c, account)
    return c


def base_revision(client, claim_id: int, path: str = "verdict") -> str:  # noqa: ANN001
    html = client.get(f"/claims/{claim_id}/{path}").get_data(as_text=True)
    match = re.search(r'name="base_revision" type="hidden" value="(\d*)"', html)
    assert match, html[:2000]
    return match.group(1)


def verdict_form(client, claim_id: int, path: str = "verdict", **fields) -> dict:  # noqa: ANN001, ANN003
    rating = active_ratings(db.session)[0]
    data = {
        "csrf_token": csrf_token(client, f"/claims/{claim_id}"),
        "base_revision": base_revision(client, claim_id, path),
        "claim_text": "Unemployment fell to 3.5% last year",
        "claimant_name": "Jane Doe",
        "rating": str(rating.id),
        "summary": SUMMARY,
        "explanation": "The labour force survey shows 4.1%.",
        "evidence-0-url": "https://stats.example.org/lfs",
        "evidence-0-title": "Labour force survey",
    }
    data.update(fields)
    return data


def action(client, path: str, claim_id: int, **data):  # noqa: ANN001, ANN003, ANN201
    data["csrf_token"] = csrf_token(client, f"/claims/{claim_id}")
    return client.post(path, data=data)


def status_of(claim_id: int) -> str:
    db.session.expire_all()
    return db.session.scalar(sa.select(Claim.status).where(Claim.id == claim_id))


def test_web_bypass_is_refused_and_another_editor_approves(app, people):
    accounts = people["accounts"]
    ed, ed2, fc = (client_for(app, accounts[k]) for k in ("ed", "ed2", "fc"))
    cid = add_claim().id
    db.session.commit()
    assert action(ed, f"/claims/{cid}/take", cid).status_code == 302
    response = ed.post(f"/claims/{cid}/verdict", data=verdict_form(ed, cid, save="1"))
    assert response.status_code == 302
    assert action(ed, f"/claims/{cid}/release", cid).status_code == 302
    assert action(fc, f"/claims/{cid}/take", cid).status_code == 302
    response = fc.post(
        f"/claims/{cid}/verdict",
        data=verdict_form(fc, cid, summary=SUMMARY[:-1] + "!", submit_for_approval="1"),
    )
    assert response.status_code == 302 and status_of(cid) == "submitted"
    latest = verdicts.latest_revision(db.session, db.session.get(Claim, cid))

    page = ed.get(f"/claims/{cid}/review").get_data(as_text=True)
    assert "another editor" in page
    refused = action(ed, f"/claims/{cid}/review", cid, revision_id=latest.id, approve_publish="1")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "You wrote part of this verdict" in html and "revision 1" in html
    assert status_of(cid) == "submitted"
    allowed = action(ed2, f"/claims/{cid}/review", cid, revision_id=latest.id, approve_publish="1")
    assert allowed.status_code == 302 and status_of(cid) == "published"


def web_published(app, people) -> tuple[dict, int]:  # noqa: ANN001
    accounts = people["accounts"]
    clients = {k: client_for(app, accounts[k]) for k in ("ed", "ed2", "fc")}
    claim = add_claim()
    publish(claim, people["fc"], people["ed"])
    db.session.commit()
    return clients, claim.id


def ruling_rating(cid: int) -> int:
    db.session.expire_all()
    ruling = db.session.scalar(sa.select(Ruling).where(Ruling.claim_id == cid))
    return ruling.decision.revision.rating_id


def test_web_rating_correction_needs_a_second_editor(app, people):
    clients, cid = web_published(app, people)
    ed, ed2 = clients["ed"], clients["ed2"]
    old = ruling_rating(cid)
    new = other_rating(old)
    form = verdict_form(ed, cid, "correct", rating=str(new))
    form.update(note="We rated the wrong figure.", publish_correction="1")
    response = ed.post(f"/claims/{cid}/correct", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert ruling_rating(cid) == old
    page = ed.get(response.headers["Location"]).get_data(as_text=True)
    assert "another editor" in page
    assert f"/claims/{cid}/correction" in page

    pending = lookups.pending_correction(db.session, db.session.get(Claim, cid))
    review_page = ed2.get(f"/claims/{cid}/correction").get_data(as_text=True)
    assert "We rated the wrong figure." in review_page
    refused = action(
        ed, f"/claims/{cid}/correction", cid, revision_id=pending.revision.id, approve="1"
    )
    assert refused.status_code == 403
    assert "another editor must approve it" in refused.get_data(as_text=True)
    assert ruling_rating(cid) == old
    allowed = action(
        ed2, f"/claims/{cid}/correction", cid, revision_id=pending.revision.id, approve="1"
    )
    assert allowed.status_code == 302
    assert ruling_rating(cid) == new
    assert "We rated the wrong figure." in ed2.get(f"/rulings/{cid}").get_data(as_text=True)


def test_web_one_step_correction_when_allowed(app, people):
    app.config["ALLOW_ONE_STEP_CORRECTIONS"] = True
    clients, cid = web_published(app, people)
    ed = clients["ed"]
    new = other_rating(ruling_rating(cid))
    form = verdict_form(ed, cid, "correct", rating=str(new))
    form.update(note="We rated the wrong figure.", publish_correction="1")
    response = ed.post(f"/claims/{cid}/correct", data=form)
    assert response.status_code == 302
    assert ruling_rating(cid) == new


def test_web_submission_notice_on_the_editors_page(app, people):
    accounts = people["accounts"]
    ed, fc = client_for(app, accounts["ed"]), client_for(app, accounts["fc"])
    cid = add_claim("Unemployment fell to 3.5% last year").id
    db.session.commit()
    assert action(fc, f"/claims/{cid}/take", cid).status_code == 302
    response = fc.post(
        f"/claims/{cid}/verdict", data=verdict_form(fc, cid, submit_for_approval="1")
    )
    assert response.status_code == 302
    page = ed.get("/notifications/").get_data(as_text=True)
    assert "Ana Lee submitted a verdict on “Unemployment fell to 3.5% last year”" in page
    assert "Ana Lee submitted" not in fc.get("/notifications/").get_data(as_text=True)
