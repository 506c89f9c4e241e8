"""The matching UI (issue 16): "Checked before?" on the claim page, the queue row's badge,
and the decision buttons posted through the test client (CSRF, roles, flash messages)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from factcheck.auth.roles import Role
from factcheck.claims.models import Claim
from factcheck.extensions import db
from factcheck.matching.models import ClaimMatch, ExternalRuling
from factcheck.matching.queries import matches_for_claims, repeats_of, summary
from tests.conftest import post_form
from tests.workflow import add_claim, publish, user


def match(claim, earlier=None, *, ruling=None, similarity=0.9, state="suggested"):  # noqa: ANN001, ANN201
    row = ClaimMatch(
        claim_id=claim.id,
        earlier_claim_id=earlier.id if earlier else None,
        external_ruling_id=ruling.id if ruling else None,
        similarity=similarity,
        state=state,
    )
    db.session.add(row)
    db.session.flush()
    return row


def external(n: int = 1, url: str | None = "https://other.example.org/check?a=1&b=2"):  # noqa: ANN201
    row = ExternalRuling(
        record_key=f"key-{n}",
        publisher_name=f"Other Desk {n}",
        url=url,
        claim_reviewed=f"The bridge cost {n} billion",
        rating="Mostly false",
        reviewed_on=date(2026, 3, 2),
    )
    db.session.add(row)
    db.session.flush()
    return row


@pytest.fixture
def story(app, make_user):
    """An earlier claim with a published ruling, a newer claim suggested as its repeat,
    and a ruling from elsewhere suggested for the newer claim."""
    fc, ed = user(make_user(Role.FACT_CHECKER)), user(make_user(Role.EDITOR))
    earlier = add_claim("The bridge cost two billion euros", claimant="Ann Mayor")
    publish(earlier, fc, ed)
    newer = add_claim("Building the bridge cost 2 billion", claimant="Bob Critic")
    ours = match(newer, earlier, similarity=0.912)
    theirs = match(newer, ruling=external(), similarity=0.804)
    db.session.commit()
    rating = matches_for_claims(db.session, [newer.id])[newer.id][0].rating
    return {
        "earlier": earlier.id,
        "newer": newer.id,
        "ours": ours.id,
        "theirs": theirs.id,
        "rating": rating,
    }


def decide(client, claim_id: int, match_id: int, decision: str):  # noqa: ANN001, ANN201
    return post_form(
        client,
        f"/claims/{claim_id}/matches",
        {"match_id": match_id, "decision": decision},
    )


def flashed(client, response) -> str:  # noqa: ANN001
    """The page the decision redirected to (with its flash message)."""
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"].endswith("#matches")
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_matches_for_claims_reads_earlier_claims_and_outside_rulings(app, story):
    [ours, theirs] = matches_for_claims(db.session, [story["newer"], 99999])[story["newer"]]
    assert (ours.kind, ours.target_id, ours.percent, ours.state) == (
        "claim",
        story["earlier"],
        91,
        "suggested",
    )
    assert ours.status == "published"
    assert ours.claimant == db.session.get(Claim, story["earlier"]).claimant_name
    assert ours.rating and ours.ruled_on == date(2026, 11, 20)
    assert (theirs.kind, theirs.publisher, theirs.rating, theirs.ruled_on) == (
        "external",
        "Other Desk 1",
        "Mostly false",
        date(2026, 3, 2),
    )
    badge = summary([ours, theirs])
    assert (badge.repeat_of, badge.ruled, badge.similar) == (None, ours, 2)
    assert matches_for_claims(db.session, []) == {}


def test_claim_page_shows_matches_and_buttons_to_a_fact_checker(login_as, story):
    client = login_as(Role.FACT_CHECKER)
    page = client.get(f"/claims/{story['newer']}").get_data(as_text=True)
    assert "Checked before?" in page
    notice = re.search(r'<div class="notice" id="ruled-before">(.*?)</div>', page, re.S).group(1)
    assert f"Already ruled {story['rating']} on" in notice and "2026-11-20" in notice
    assert f"claim #{story['earlier']}" in notice and "91% similar" in notice
    assert 'value="attach">Attach this ruling' in notice
    assert page.count("Attach this ruling") == 1
    assert 'value="accept">Same claim' in page and 'value="reject">Not the same' in page
    assert "Rulings from elsewhere" in page and "Other Desk 1" in page and "Mostly false" in page
    # The outside URL is escaped inside its attribute and opens without a referrer.
    assert (
        '<a href="https://other.example.org/check?a=1&amp;b=2" rel="noopener noreferrer external">'
        in page
    )
    assert page.count('name="csrf_token"') >= 3


def test_a_viewer_sees_the_matches_but_no_buttons(login_as, story):
    client = login_as(Role.VIEWER)
    page = client.get(f"/claims/{story['newer']}").get_data(as_text=True)
    assert "Already ruled" in page and "Other Desk 1" in page
    assert 'name="decision"' not in page and "/matches" not in page
    response = decide(client, story["newer"], story["ours"], "accept")
    assert response.status_code == 403
    assert db.session.get(ClaimMatch, story["ours"]).state == "suggested"


def test_an_outside_link_that_is_not_http_is_not_a_link(app, login_as):
    claim = add_claim()
    match(claim, ruling=external(7, url="javascript:alert(1)"))
    db.session.commit()
    page = login_as(Role.VIEWER).get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "Other Desk 7" in page and "javascript:" not in page


def test_accept_then_undo_from_the_earlier_claims_page(login_as, story):
    client = login_as(Role.FACT_CHECKER)
    page = flashed(client, decide(client, story["newer"], story["ours"], "accept"))
    assert f"Claim #{story['newer']} is now a repeat of claim #{story['earlier']}" in page
    newer = db.session.get(Claim, story["newer"])
    assert newer.status == "merged" and newer.duplicate_of_id == story["earlier"]
    assert db.session.get(Claim, story["earlier"]).article_count == 2
    assert "Undo repeat link" in page and "Linked as a repeat" in page

    earlier_page = client.get(f"/claims/{story['earlier']}").get_data(as_text=True)
    assert "Repeats linked to this claim" in earlier_page
    assert f"claim #{story['newer']}</a> <q>Building the bridge cost 2 billion</q>" in earlier_page
    assert "Bob Critic" in earlier_page
    page = flashed(client, decide(client, story["earlier"], story["ours"], "undo"))
    assert "The repeat link is undone" in page
    assert db.session.get(Claim, story["newer"]).status == "new"
    assert db.session.get(Claim, story["earlier"]).article_count == 1
    assert repeats_of(db.session, story["earlier"]) == []
    assert "Marked not the same (1)" in client.get(f"/claims/{story['newer']}").get_data(
        as_text=True
    )


def test_attach_reject_and_refusals_are_flashed(login_as, story):
    client = login_as(Role.FACT_CHECKER)
    page = flashed(client, decide(client, story["newer"], story["theirs"], "reject"))
    assert "Marked the ruling by Other Desk 1 as not the same claim" in page
    page = flashed(client, decide(client, story["newer"], story["theirs"], "reject"))
    assert "was already marked as not the same claim" in page
    page = flashed(client, decide(client, story["newer"], story["ours"], "attach"))
    assert f"now carries the published ruling of claim #{story['earlier']}" in page
    assert db.session.get(Claim, story["newer"]).status == "merged"
    # A match named on another claim's page, and a form without a decision.
    other = add_claim()
    db.session.commit()
    page = flashed(client, decide(client, other.id, story["ours"], "undo"))
    assert "That match is not on this claim any more" in page
    page = flashed(client, decide(client, story["newer"], story["ours"], "merge"))
    assert "Not a valid choice" in page
    assert db.session.get(Claim, story["newer"]).status == "merged"


def test_a_post_without_its_csrf_token_changes_nothing(login_as, story):
    client = login_as(Role.FACT_CHECKER)
    response = client.post(
        f"/claims/{story['newer']}/matches",
        data={"match_id": story["ours"], "decision": "accept"},
    )
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert db.session.get(ClaimMatch, story["ours"]).state == "suggested"
    assert db.session.get(Claim, story["newer"]).status == "new"


def test_queue_rows_carry_the_badges(login_as, story):
    client = login_as(Role.FACT_CHECKER)
    page = client.get("/claims/").get_data(as_text=True)
    row = re.search(
        rf'<td class="long"><a href="/claims/{story["newer"]}">.*?</td>', page, re.S
    ).group(0)
    assert f"ruled {story['rating']}" in row and ">20 Nov 2026</time>" in row
    assert "2 similar" in row
    decide(client, story["newer"], story["ours"], "accept")
    page = client.get("/claims/?status=all").get_data(as_text=True)
    row = re.search(
        rf'<td class="long"><a href="/claims/{story["newer"]}">.*?</td>', page, re.S
    ).group(0)
    assert f"repeat of #{story['earlier']}" in row and "1 similar" in row


def _statements(path: str, client) -> int:  # noqa: ANN001
    sent: list[str] = []

    def note(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        sent.append(statement)

    client.get(path)
    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    return len(sent)


def test_queue_and_claim_page_send_as_many_statements_for_many_matches(app, login_as, make_user):
    fc, ed = user(make_user(Role.FACT_CHECKER)), user(make_user(Role.EDITOR))
    client = login_as(Role.FACT_CHECKER)
    earlier = add_claim("A ruled claim")
    publish(earlier, fc, ed)
    hub = add_claim("A claim with many matches")

    def grow(k: int) -> None:
        for _ in range(k):
            claim = add_claim()
            match(claim, earlier)
            match(claim, ruling=external(1000 + claim.id))
            match(hub, add_claim())
            match(add_claim(), hub, state="linked").claim.status = "new"
        db.session.commit()

    grow(2)
    small = (_statements("/claims/", client), _statements(f"/claims/{hub.id}", client))
    grow(6)
    large = (_statements("/claims/", client), _statements(f"/claims/{hub.id}", client))
    assert large == small


def test_an_attached_ruling_lists_the_repeat_as_an_appearance_until_undone(login_as, story):
    client = login_as(Role.FACT_CHECKER)
    newer = db.session.get(Claim, story["newer"])
    title = newer.article.title

    def appearances() -> list[str]:
        [line] = client.get("/export/claimreview.jsonl").get_data(as_text=True).splitlines()
        item = json.loads(line)["itemReviewed"]
        return [a.get("headline") for a in item.get("appearance", [])]

    assert title not in appearances()
    flashed(client, decide(client, story["newer"], story["ours"], "attach"))
    assert title in appearances()
    flashed(client, decide(client, story["newer"], story["ours"], "undo"))
    assert title not in appearances()
