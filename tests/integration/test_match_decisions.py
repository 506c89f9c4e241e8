"""Decisions on claim matches (issue 16): link, undo, accept, reject, attach a ruling.

Matches are made directly here (the matcher that finds them has its own tests): the
newer claim, the earlier claim or an imported ruling, a similarity and a state.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.auth.roles import Role
from factcheck.claims.models import Claim, Sentence
from factcheck.claims.priority import priority_of
from factcheck.errors import Conflict, InvalidInput, PermissionDenied
from factcheck.extensions import db
from factcheck.matching import decisions
from factcheck.matching.models import ClaimMatch, ExternalRuling
from factcheck.review import decisions as review_decisions
from factcheck.review import leases
from tests.workflow import NOW, add_claim, later, publish, user


@pytest.fixture
def people(make_user):
    return {
        "fc": user(make_user(Role.FACT_CHECKER, name="Fiona Checker")),
        "fc2": user(make_user(Role.FACT_CHECKER, name="Frank Second")),
        "ed": user(make_user(Role.EDITOR, name="Edna Editor")),
        "viewer": user(make_user(Role.VIEWER, name="Vera Viewer")),
    }


def sourced_claim(text: str, claimant: str, *, sentences: int = 1) -> Claim:
    """A claim of a new article, drawn from `sentences` sentences attributed to
    `claimant` (add_claim's claims have no sentences)."""
    claim = add_claim(text, claimant=claimant)
    rows = []
    for i in range(sentences):
        sentence = Sentence(
            article_id=claim.article_id,
            position=i,
            start_offset=i * 10,
            end_offset=i * 10 + 9,
            text=f"{text} ({i})",
            claimant=claimant,
        )
        rows.append(sentence)
    db.session.add_all(rows)
    claim.sentences = rows
    db.session.flush()
    return claim


def match(claim: Claim, earlier: Claim | None = None, *, ruling=None, similarity=0.9):  # noqa: ANN001
    """A new match, by ids and not flushed, as the matcher makes them at ingest."""
    row = ClaimMatch(
        claim_id=claim.id,
        earlier_claim_id=earlier.id if earlier else None,
        external_ruling_id=ruling.id if ruling else None,
        similarity=similarity,
        state="suggested",
    )
    db.session.add(row)
    return row


def external() -> ExternalRuling:
    row = ExternalRuling(
        record_key="k1",
        publisher_name="Other Desk",
        url="https://other.example.org/checks/1",
        claim_reviewed="The bridge cost 2 billion",
        rating="False",
        reviewed_on=date(2026, 3, 2),
    )
    db.session.add(row)
    db.session.flush()
    return row


def entries(claim: Claim) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.entity_type == "claim", AuditEntry.entity_id == claim.id)
            .order_by(AuditEntry.id)
        )
    )


def state_of(claim: Claim) -> dict:
    return {
        "status": claim.status,
        "duplicate_of_id": claim.duplicate_of_id,
        "article_count": claim.article_count,
        "priority": claim.priority,
        "sentences": [s.id for s in claim.sentences],
        "claimants": claim.claimants,
    }


@pytest.fixture
def pair():
    earlier = sourced_claim("The bridge cost 2 billion euros", "Ann Mayor", sentences=2)
    newer = sourced_claim("Building the bridge cost two billion", "Bob Critic")
    return earlier, newer


def test_link_makes_the_newer_claim_a_repeat_of_the_earlier_one(app, people, pair):
    earlier, newer = pair
    before = state_of(earlier)
    m = match(newer, earlier, similarity=0.93)

    into = decisions.link(db.session, m, actor=None, now=NOW, automatic=True)

    assert into is earlier
    assert (newer.status, newer.duplicate_of_id) == ("merged", earlier.id)
    assert [s.id for s in earlier.sentences] == before["sentences"] + [
        s.id for s in newer.sentences
    ]
    assert [s.id for s in newer.sentences]  # the repeat keeps its own context
    assert earlier.article_count == 2 and earlier.priority > before["priority"]
    assert earlier.priority == priority_of(earlier.score, 2, earlier.claimed_on, earlier.created_at)
    assert earlier.claimants == ["Ann Mayor", "Bob Critic"]
    assert (m.state, m.automatic, m.decided_by_id) == ("linked", True, None)
    [link] = [e for e in entries(newer) if e.action == "claim.repeat_link"]
    assert link.actor_id is None
    assert link.extra["match_id"] == m.id and link.extra["automatic"] is True
    assert link.extra["similarity"] == 0.93
    assert link.changes["duplicate_of_id"] == [None, earlier.id]
    [added] = [e for e in entries(earlier) if e.action == "claim.repeat_add"]
    assert added.extra["repeat_claim_id"] == newer.id
    assert added.changes["article_count"] == [1, 2]


def test_undo_restores_exactly_the_earlier_state(app, people, pair):
    earlier, newer = pair
    earlier_before, newer_before = state_of(earlier), state_of(newer)
    m = match(newer, earlier)
    decisions.accept(db.session, m, actor=people["fc"], now=NOW)
    assert m.state == "linked" and m.automatic is False and m.decided_by_id == people["fc"].id

    decisions.undo(db.session, m, actor=people["fc2"], now=later(1))
    db.session.flush()
    db.session.expire_all()

    assert state_of(earlier) == earlier_before
    assert state_of(newer) == {**newer_before, "status": "new"}
    assert (m.state, m.decided_by_id) == ("rejected", people["fc2"].id)
    assert [e.action for e in entries(newer)][-1] == "claim.repeat_unlink"
    [removed] = [e for e in entries(earlier) if e.action == "claim.repeat_remove"]
    assert removed.changes["article_count"] == [2, 1]
    assert removed.extra["repeat_claim_id"] == newer.id


def test_undo_of_a_sentence_less_claim_still_gives_its_article_back(app, people):
    earlier, newer = add_claim("Tax receipts doubled"), add_claim("Tax income doubled")
    before = state_of(earlier)
    m = match(newer, earlier)
    decisions.link(db.session, m, actor=people["fc"], now=NOW)
    assert earlier.article_count == 2
    decisions.undo(db.session, m, actor=people["fc"], now=NOW)
    assert state_of(earlier) == before


def test_link_follows_the_duplicate_chain_and_refuses_a_link_back_into_itself(app, people, pair):
    earlier, newer = pair
    survivor = sourced_claim("Two billion for the bridge", "Cy Clerk")
    review_decisions.merge(db.session, earlier, into=survivor, actor=people["fc"], now=NOW)

    into = decisions.link(db.session, match(newer, earlier), actor=people["fc"], now=NOW)
    assert into is survivor and newer.duplicate_of_id == survivor.id

    back = match(survivor, newer)  # newer -> survivor is a repeat of survivor itself
    with pytest.raises(InvalidInput, match="already a repeat of this claim"):
        decisions.accept(db.session, back, actor=people["fc"], now=NOW)


def test_refusals(app, people, pair):
    earlier, newer = pair
    m = match(newer, earlier)
    with pytest.raises(PermissionDenied):
        decisions.accept(db.session, m, actor=people["viewer"], now=NOW)
    with pytest.raises(PermissionDenied):
        decisions.link(db.session, m, actor=None, now=NOW)  # only the matcher links alone
    with pytest.raises(PermissionDenied):
        decisions.reject(db.session, m, actor=people["viewer"], now=NOW)
    with pytest.raises(Conflict, match="nothing to undo"):
        decisions.undo(db.session, m, actor=people["fc"], now=NOW)
    with pytest.raises(Conflict, match="no published ruling"):
        decisions.attach_ruling(db.session, m, actor=people["fc"], now=NOW)

    decisions.reject(db.session, m, actor=people["fc"], now=NOW)
    assert m.state == "rejected" and newer.status == "new"
    assert [e.action for e in entries(newer)] == ["claim.match_reject"]
    for decide in (decisions.accept, decisions.reject, decisions.attach_ruling):
        with pytest.raises(Conflict, match="already marked as not the same"):
            decide(db.session, m, actor=people["fc"], now=NOW)

    # The newer claim must be waiting in the queue; a dismissed earlier claim is no target.
    other = sourced_claim("The bridge was cheap", "Dee")
    review_decisions.dismiss(
        db.session, other, reason="not_a_claim", note=None, actor=people["fc"], now=NOW
    )
    with pytest.raises(Conflict, match="only a claim waiting"):
        decisions.accept(db.session, match(other, earlier), actor=people["fc"], now=NOW)
    with pytest.raises(Conflict, match="is dismissed"):
        decisions.accept(db.session, match(earlier, other), actor=people["fc"], now=NOW)


def test_a_claim_someone_holds_is_linked_only_by_them_or_an_editor(app, people, pair):
    earlier, newer = pair
    leases.take(db.session, newer, actor=people["fc2"], now=NOW, lease_hours=48)
    m = match(newer, earlier)
    with pytest.raises(Conflict, match="Frank Second holds this claim"):
        decisions.accept(db.session, m, actor=people["fc"], now=NOW)
    with pytest.raises(Conflict, match="Frank Second holds this claim"):
        decisions.link(db.session, m, actor=None, now=NOW, automatic=True)
    decisions.accept(db.session, m, actor=people["ed"], now=NOW)
    assert newer.status == "merged"
    assert "claim.lease_released" in [e.action for e in entries(newer)]


def test_a_match_decided_meanwhile_is_refused(app, people, pair):
    earlier, newer = pair
    m = match(newer, earlier)
    db.session.flush()
    # Someone else rejected it in another request: the row says so, this object does not.
    db.session.execute(sa.update(ClaimMatch).where(ClaimMatch.id == m.id).values(state="rejected"))
    with pytest.raises(Conflict, match="already marked as not the same"):
        decisions.reject(db.session, m, actor=people["fc"], now=NOW)


def test_attach_ruling_links_and_records_the_repeat_ruling(app, people, pair):
    earlier, newer = pair
    publish(earlier, people["fc"], people["ed"])
    before = state_of(earlier)
    m = match(newer, earlier)

    into = decisions.attach_ruling(db.session, m, actor=people["fc2"], now=later(3))

    assert into is earlier and newer.duplicate_of_id == earlier.id
    assert newer.status == "merged" and m.state == "linked"
    actions = [e.action for e in entries(newer)]
    assert actions[-2:] == ["claim.repeat_link", "claim.ruling_attached"]
    attached = entries(newer)[-1]
    assert attached.extra["ruling_claim_id"] == earlier.id and attached.extra["rating"]
    # Undoing a link to a published ruling is allowed: the ruling loses the appearance.
    decisions.undo(db.session, m, actor=people["fc"], now=later(4))
    assert newer.status == "new" and state_of(earlier) == before
    assert entries(newer)[-1].extra["published"] is True


def test_rulings_from_elsewhere_are_confirmed_or_rejected_never_linked(app, people, pair):
    _, newer = pair
    ruling = external()
    m = match(newer, ruling=ruling, similarity=0.8)
    with pytest.raises(InvalidInput, match="ruling from elsewhere"):
        decisions.link(db.session, m, actor=people["fc"], now=NOW)
    with pytest.raises(InvalidInput, match="ruling from elsewhere"):
        decisions.attach_ruling(db.session, m, actor=people["fc"], now=NOW)
    assert decisions.accept(db.session, m, actor=people["fc"], now=NOW) is newer
    assert m.state == "linked" and newer.status == "new"
    decisions.undo(db.session, m, actor=people["fc"], now=NOW)
    assert m.state == "rejected"
    assert [e.action for e in entries(newer)] == [
        "claim.external_confirm",
        "claim.external_unconfirm",
    ]
    assert entries(newer)[0].extra["publisher"] == "Other Desk"


def test_the_timelines_tell_each_decision(app, people, pair):
    from factcheck.claims.timeline import claim_timeline

    earlier, newer = pair
    publish(earlier, people["fc"], people["ed"])
    m = match(newer, earlier, similarity=0.874)
    decisions.attach_ruling(db.session, m, actor=people["fc2"], now=NOW)
    decisions.undo(db.session, m, actor=people["fc2"], now=NOW)
    other = match(sourced_claim("A third claim", "Eve"), ruling=external())
    decisions.reject(db.session, other, actor=people["fc"], now=NOW)

    told = [e.text for e in claim_timeline(db.session, newer)]
    assert told == [
        f"Frank Second linked this claim as a repeat of claim #{earlier.id} (similarity 87%)",
        f"Frank Second attached the published ruling of claim #{earlier.id} (rated "
        f"{entries(newer)[-2].extra['rating']})",
        f"Frank Second undid the repeat link to claim #{earlier.id}; the claim is back in "
        "the queue",
    ]
    told = [e.text for e in claim_timeline(db.session, earlier)][-2:]
    assert told == [
        f"Claim #{newer.id} was linked to this one as a repeat by Frank Second (now in 2 articles)",
        f"Frank Second undid the repeat link of claim #{newer.id} (now in 1 article)",
    ]
    [text] = [e.text for e in claim_timeline(db.session, other.claim)]
    assert text == "Fiona Checker marked the ruling by Other Desk as not the same claim"


def test_the_matchers_suggestions_read_as_a_sentence():
    from factcheck.claims.timeline import tell

    def told(extra: dict) -> str:
        entry = AuditEntry(action="claim.match_suggest", entity_type="claim", entity_id=1)
        entry.occurred_at, entry.changes, entry.extra = NOW, {}, extra
        return tell([entry], {})[0].text

    assert told({"earlier_claims": {"12": 0.934, "15": 0.71}, "external_rulings": {"3": 0.8}}) == (
        "Found similar to claim #12 (93%), claim #15 (71%) and 1 ruling from elsewhere"
    )
    assert told({"earlier_claims": {}, "external_rulings": {"3": 0.8, "4": 0.7}}) == (
        "Found similar to 2 rulings from elsewhere"
    )
    assert told({}) == "Checked against earlier claims and rulings: nothing similar"
