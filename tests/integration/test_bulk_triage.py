"""Bulk triage from the queue: one POST dismisses, assigns or merges many claims, each
decided (and audited, and refused) on its own, with a summary of what was done."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.auth.models import Notification
from factcheck.auth.roles import Role
from factcheck.claims.models import Claim
from factcheck.db import utcnow
from factcheck.extensions import db
from factcheck.matching.models import ClaimMatch, ExternalRuling
from factcheck.review import leases
from factcheck.review.bulk import BULK_MAX, refusal
from factcheck.review.models import Assignment
from factcheck.verdicts.ratings import ensure_default_scale
from tests.conftest import csrf_token, login
from tests.workflow import add_claim, publish, user

FLASH = re.compile(r'<li class="flash flash-(\w+)"[^>]*>([^<]*)</li>')


@pytest.fixture
def desk(app, make_user):
    """Signed-in clients of a fact-checker and an editor; Ana, a second fact-checker."""
    fc = make_user(Role.FACT_CHECKER, name="Fiona Checker")
    ed = make_user(Role.EDITOR, name="Edna Editor")
    ana = make_user(Role.FACT_CHECKER, name="Ana")
    clients = {}
    for key, account in (("fc", fc), ("ed", ed)):
        clients[key] = app.test_client()
        login(clients[key], account)
    ensure_default_scale(db.session)
    db.session.commit()
    return {**clients, "fc_account": fc, "ed_account": ed, "ana": ana}


def claims(n: int, prefix: str = "Exports grew") -> list[Claim]:
    made = [add_claim(f"{prefix} {i} percent in 2025", score=0.5 + i / 100) for i in range(n)]
    db.session.commit()
    return made


def picks(items: list[Claim]) -> list[str]:
    """The checkbox values of these claims' rows, as the queue renders them."""
    return [f"{c.id}:{c.version}" for c in items]


def post_bulk(client, action: str, values: list[str], **fields):  # noqa: ANN001, ANN003
    data = {"csrf_token": csrf_token(client, "/claims/"), "action": action, "claim": values}
    data.update(fields)
    return client.post("/claims/bulk", data=data, follow_redirects=True)


def flashes(response) -> list[tuple[str, str]]:  # noqa: ANN001
    import html

    return [(c, html.unescape(m)) for c, m in FLASH.findall(response.get_data(as_text=True))]


def status(claim_id: int) -> str:
    return db.session.scalar(sa.select(Claim.status).where(Claim.id == claim_id))


def audit(action: str) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.entity_id)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.entity_id)
        )
    )


def test_bulk_dismissing_twenty_claims_takes_one_post(app, desk):
    """The issue's check: 20 claims dismissed in one action, each audited; the published
    claim and the one Ana holds are refused, named in the summary and left as they were."""
    fc = desk["fc"]
    open_claims = claims(20)
    published, held = claims(2, prefix="Imports fell")
    publish(published, user(desk["fc_account"]), user(desk["ed_account"]))
    leases.take(db.session, held, actor=user(desk["ana"]), now=utcnow(), lease_hours=48)
    db.session.commit()
    chosen = [*open_claims[:10], published, *open_claims[10:], held]

    response = post_bulk(
        fc, "dismiss", picks(chosen), reason="not_check_worthy", note="Opinion pieces"
    )

    assert response.status_code == 200
    assert flashes(response) == [
        (
            "info",
            f"Dismissed 20 claims; 2 refused: #{published.id} is published, "
            f"#{held.id} is held by Ana.",
        )
    ]
    assert [status(c.id) for c in open_claims] == ["dismissed"] * 20
    assert status(published.id) == "published" and status(held.id) == "in_review"
    assert audit("claim.dismiss") == sorted(c.id for c in open_claims)
    reasons = db.session.execute(
        sa.select(Claim.dismiss_reason, Claim.dismiss_note).where(
            Claim.id.in_([c.id for c in open_claims])
        )
    ).all()
    assert set(reasons) == {("not_check_worthy", "Opinion pieces")}
    assert db.session.get(Claim, held.id).dismiss_reason is None


def test_a_claim_changed_since_the_page_was_loaded_is_refused(app, desk):
    fresh, stale = claims(2)
    seen = picks([fresh, stale])
    leases.take(db.session, stale, actor=user(desk["ana"]), now=utcnow(), lease_hours=48)
    leases.release(db.session, stale, actor=user(desk["ana"]), now=utcnow())
    db.session.commit()  # back in the queue, but not the claim the page showed

    response = post_bulk(desk["fc"], "dismiss", seen, reason="not_a_claim")

    assert flashes(response) == [
        ("info", f"Dismissed 1 claim; 1 refused: #{stale.id} changed since the page was loaded.")
    ]
    assert status(fresh.id) == "dismissed" and status(stale.id) == "new"


def test_the_queue_page_carries_the_form_and_select_all_works_without_script(app, desk):
    """The page as a browser without script sends it: "select all" plus the page's list."""
    items = claims(3)
    page = desk["fc"].get("/claims/?status=open").get_data(as_text=True)
    assert 'id="bulk-form"' in page and 'name="select_all"' in page
    for c in items:
        assert f'name="claim" value="{c.id}:{c.version}" form="bulk-form"' in page
    listed = re.search(r'name="page" value="([^"]*)"', page).group(1)
    back = re.search(r'name="back" value="([^"]*)"', page).group(1)
    assert back == "status=open"

    response = desk["fc"].post(
        "/claims/bulk",
        data={
            "csrf_token": csrf_token(desk["fc"], "/claims/"),
            "action": "dismiss",
            "reason": "not_a_claim",
            "select_all": "y",
            "page": listed,
            "back": back,
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/claims/?status=open")
    assert [status(c.id) for c in items] == ["dismissed"] * 3


def test_a_viewer_sees_no_bulk_form_and_is_refused(app, desk, login_as):
    (item,) = claims(1)
    viewer = login_as(Role.VIEWER)
    assert 'id="bulk-form"' not in viewer.get("/claims/").get_data(as_text=True)
    response = viewer.post(
        "/claims/bulk",
        data={
            "csrf_token": csrf_token(viewer, "/claims/"),
            "action": "dismiss",
            "reason": "not_a_claim",
            "claim": picks([item]),
        },
    )
    assert response.status_code == 403
    assert status(item.id) == "new"


def test_bulk_actions_need_a_csrf_token(app, desk):
    (item,) = claims(1)
    response = desk["fc"].post(
        "/claims/bulk", data={"action": "dismiss", "reason": "not_a_claim", "claim": picks([item])}
    )
    assert response.status_code == 400
    assert status(item.id) == "new"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"claim": []}, "Select at least one claim."),
        ({"claim": ["12x"]}, "“12x” is not a claim in the queue."),
        ({"claim": ["99999999999"]}, "“99999999999” is not a claim in the queue."),
        (
            {"claim": [str(i) for i in range(1, BULK_MAX + 2)]},
            f"Select at most {BULK_MAX} claims at a time (this was more).",
        ),
        ({"reason": ""}, "Choose why the claims are dismissed."),
        ({"action": "explode"}, "Not a valid choice."),
        ({"note": "n" * 2001}, "Field cannot be longer than 2000 characters."),
    ],
)
def test_bad_bulk_input_is_refused_with_a_message_and_changes_nothing(app, desk, fields, message):
    (item,) = claims(1)
    data = {"action": "dismiss", "reason": "not_a_claim", "claim": picks([item]), **fields}
    action = data.pop("action")
    response = post_bulk(desk["fc"], action, data.pop("claim"), **data)
    assert response.status_code == 200
    (category, text) = flashes(response)[0]
    assert category == "error" and message in text
    assert status(item.id) == "new"
    assert audit("claim.dismiss") == []


def test_a_selection_of_claims_that_do_not_exist_is_refused_per_claim(app, desk):
    (item,) = claims(1)
    response = post_bulk(desk["fc"], "dismiss", [*picks([item]), "999999"], reason="not_a_claim")
    assert flashes(response) == [("info", "Dismissed 1 claim; 1 refused: #999999 does not exist.")]


def test_an_editor_assigns_many_claims_to_a_fact_checker(app, desk):
    items = claims(3)
    (published,) = claims(1, prefix="Imports fell")
    publish(published, user(desk["fc_account"]), user(desk["ed_account"]))
    leases.take(db.session, items[2], actor=user(desk["ana"]), now=utcnow(), lease_hours=48)
    db.session.commit()
    fiona = desk["fc_account"]

    response = post_bulk(desk["ed"], "assign", picks([*items, published]), assignee=str(fiona.id))

    assert flashes(response) == [
        (
            "info",
            f"Assigned 3 claims to Fiona Checker; 1 refused: #{published.id} is published.",
        )
    ]
    holders = dict(
        db.session.execute(
            sa.select(Assignment.claim_id, Assignment.assignee_id).where(
                Assignment.released_at.is_(None)
            )
        ).all()
    )
    assert {c.id: holders[c.id] for c in items} == {c.id: fiona.id for c in items}
    assert audit("claim.assign") == sorted(c.id for c in items[:2])
    assert audit("claim.reassign") == [items[2].id]  # taken from Ana, audited as such
    # One notice (and so one mail) for the whole assignment, naming the claims.
    notices = db.session.scalars(
        sa.select(Notification.message).where(
            Notification.user_id == fiona.id, Notification.kind == "assignment"
        )
    ).all()
    assert notices == [f"Edna Editor assigned you 3 claims: {', '.join(f'#{c.id}' for c in items)}"]


def test_a_fact_checker_takes_many_claims_but_cannot_assign_them_to_someone_else(app, desk):
    mine, held = claims(2)
    leases.take(db.session, held, actor=user(desk["ana"]), now=utcnow(), lease_hours=48)
    db.session.commit()
    fc, ana = desk["fc"], desk["ana"]

    other = post_bulk(fc, "assign", picks([mine]), assignee=str(ana.id))
    assert flashes(other)[0][0] == "error"
    assert status(mine.id) == "new"

    response = post_bulk(fc, "assign", picks([mine, held]), assignee=str(desk["fc_account"].id))
    assert flashes(response) == [
        ("info", f"Assigned 1 claim to yourself; 1 refused: #{held.id} is held by Ana.")
    ]
    assert audit("claim.take") == sorted([held.id, mine.id])  # Ana's take, then this one
    assert status(mine.id) == "in_review"


def test_merge_into_the_highest_priority_claim_or_a_number_typed(app, desk):
    low, top, mid = claims(3)
    top.priority = max(low.priority, mid.priority) + 1
    db.session.commit()

    response = post_bulk(desk["fc"], "merge", picks([low, top, mid]))

    assert flashes(response) == [("success", f"Merged 2 claims into #{top.id}.")]
    assert [status(c.id) for c in (low, top, mid)] == ["merged", "new", "merged"]
    duplicates = db.session.execute(
        sa.select(Claim.duplicate_of_id).where(Claim.id.in_([low.id, mid.id]))
    )
    assert set(duplicates.scalars()) == {top.id}
    assert audit("claim.merge") == sorted([low.id, mid.id])

    extra, dismissed = claims(2, prefix="Wages rose")
    typed = post_bulk(desk["fc"], "merge", picks([extra]), into=str(top.id))
    assert flashes(typed) == [("success", f"Merged 1 claim into #{top.id}.")]
    assert status(extra.id) == "merged"

    post_bulk(desk["fc"], "dismiss", picks([dismissed]), reason="not_a_claim")
    refused = post_bulk(desk["fc"], "merge", [str(top.id)], into=str(dismissed.id))
    assert flashes(refused) == [
        ("error", f"Claim #{dismissed.id} is dismissed; merge into a live claim.")
    ]
    assert status(top.id) == "new"


def test_merge_needs_two_claims(app, desk):
    (only,) = claims(1)
    response = post_bulk(desk["fc"], "merge", picks([only]))
    assert flashes(response) == [
        ("error", "Select at least two claims to merge, or one and a claim number.")
    ]
    assert status(only.id) == "new"


def suggest(claim: Claim, *, earlier: Claim | None = None, ruling=None, similarity: float):  # noqa: ANN001
    """A suggested match, as the matcher leaves it."""
    match = ClaimMatch(
        claim_id=claim.id,
        earlier_claim_id=earlier.id if earlier else None,
        external_ruling_id=ruling.id if ruling else None,
        similarity=similarity,
        state="suggested",
    )
    db.session.add(match)
    db.session.flush()
    return match


def states(*matches: ClaimMatch) -> list[str]:
    return [
        db.session.scalar(sa.select(ClaimMatch.state).where(ClaimMatch.id == m.id)) for m in matches
    ]


def test_accept_links_each_claim_to_its_closest_suggested_repeat(app, desk):
    first, second, third = claims(3, prefix="The minister said crime rose")
    new1, new2, lonely, published = claims(4, prefix="Crime went up, the minister said")
    closest = suggest(new1, earlier=first, similarity=0.93)
    other = suggest(new1, earlier=second, similarity=0.88)
    only = suggest(new2, earlier=third, similarity=0.9)
    publish(published, user(desk["fc_account"]), user(desk["ed_account"]))
    too_late = suggest(published, earlier=first, similarity=0.95)
    db.session.commit()

    response = post_bulk(desk["fc"], "accept", picks([new1, new2, lonely, published]))

    assert flashes(response) == [
        (
            "info",
            "Linked 2 claims as repeats of their closest suggested match; 2 refused: "
            f"#{lonely.id} has no suggested repeat, #{published.id} is published.",
        )
    ]
    assert states(closest, other, only, too_late) == ["linked", "suggested", "linked", "suggested"]
    duplicate_of = dict(
        db.session.execute(
            sa.select(Claim.id, Claim.duplicate_of_id).where(Claim.id.in_([new1.id, new2.id]))
        ).all()
    )
    assert duplicate_of == {new1.id: first.id, new2.id: third.id}
    assert [status(c.id) for c in (new1, new2, lonely, published)] == [
        "merged", "merged", "new", "published",
    ]  # fmt: skip
    assert audit("claim.repeat_link") == sorted([new1.id, new2.id])


def test_reject_marks_every_suggested_match_of_each_claim(app, desk):
    earlier, newer, plain = claims(3, prefix="Crime rose by")
    ruling = ExternalRuling(
        record_key="k" * 64,
        publisher_name="Other Desk",
        claim_reviewed="Crime rose by a third",
        rating="False",
    )
    db.session.add(ruling)
    db.session.flush()
    to_claim = suggest(newer, earlier=earlier, similarity=0.8)
    to_ruling = suggest(newer, ruling=ruling, similarity=0.82)
    db.session.commit()

    response = post_bulk(desk["fc"], "reject", picks([newer, plain]))

    assert flashes(response) == [
        (
            "info",
            "Rejected the suggested matches of 1 claim; 1 refused: "
            f"#{plain.id} has no suggested match.",
        )
    ]
    assert states(to_claim, to_ruling) == ["rejected", "rejected"]
    assert audit("claim.match_reject") == [newer.id, newer.id]
    assert status(newer.id) == "new"


@pytest.mark.parametrize(
    ("message", "short"),
    [
        ("This claim is published and cannot be changed.", "#7 is published"),
        (
            "This claim is dismissed; only claims waiting in the queue can be taken.",
            "#7 is dismissed",
        ),
        (
            "Ana Lima holds this claim until 2026-12-01 10:00 UTC. Ask an editor.",
            "#7 is held by Ana Lima",
        ),
        ("Your account does not have permission to do this.", "#7: your role may not do this"),
        (
            "Claim #3 is retracted; merge into a live claim.",
            "#7: Claim #3 is retracted; merge into a live claim",
        ),
    ],
)
def test_a_refusal_is_summed_up_in_a_few_words(message, short):
    assert refusal(7, message) == short


def test_a_long_list_of_refusals_is_cut_short():
    from factcheck.review.bulk import Outcome

    outcome = Outcome(done=[1], refused=[(i, f"#{i} is published") for i in range(2, 16)])
    assert outcome.summary("Dismissed {claims}") == (
        "Dismissed 1 claim; 14 refused: "
        + ", ".join(f"#{i} is published" for i in range(2, 12))
        + " and 4 more."
    )
