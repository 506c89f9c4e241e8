"""matching.services.match_claims, alone with fixed vectors and through ingest with the
fake classifier: suggest against link, other articles only, live claims only, imported
rulings suggested and never linked, audited."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.claims.lifecycle import ClaimStatus
from factcheck.claims.services import FlagPolicy
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.matching import index
from factcheck.matching.models import ClaimMatch
from factcheck.matching.services import MatchSettings, match_claims
from factcheck.sources.document import Document
from tests.integration.test_match_index import MODEL, claim_with, ruling, unit
from tests.workflow import NOW, add_claim

SETTINGS = MatchSettings(suggest=0.6, same=0.8, top=5)
EARLIER = "The health ministry said 1,240 people were admitted to hospital with measles in March."
SAME = "Measles put 1,240 people in hospital in March, according to the health ministry."
OTHER = "The health ministry said 2,140 people were admitted to hospital with measles in March."


@pytest.fixture(autouse=True)
def _fresh_cache():
    index.forget()
    yield
    index.forget()


def matches_of(claim_id: int) -> list[ClaimMatch]:
    return list(
        db.session.scalars(
            sa.select(ClaimMatch)
            .where(ClaimMatch.claim_id == claim_id)
            .order_by(ClaimMatch.similarity.desc())
        )
    )


def run(claims, vectors, settings=SETTINGS):  # noqa: ANN001, ANN201
    return match_claims(
        db.session, claims, np.array(vectors), actor=None, now=NOW, settings=settings, model=MODEL
    )


def test_the_same_claim_is_linked_and_a_look_alike_only_suggested(app) -> None:
    earlier = claim_with(unit(1, 0.1), text=EARLIER)
    new_same = claim_with(unit(1, 0.15), text=SAME)
    new_other = claim_with(unit(1, 0.12), text=OTHER)  # closer in cosine, other number
    outcome = run([new_same, new_other], [unit(1, 0.15), unit(1, 0.12)])
    assert outcome.linked == [new_same] and outcome.suggested == [new_other]
    db.session.refresh(new_same)
    assert new_same.status == ClaimStatus.MERGED and new_same.duplicate_of_id == earlier.id
    (link,) = [m for m in matches_of(new_same.id) if m.earlier_claim_id == earlier.id]
    assert link.state == "linked" and link.automatic and link.decided_by_id is None
    (suggestion,) = [m for m in matches_of(new_other.id) if m.earlier_claim_id == earlier.id]
    assert suggestion.state == "suggested" and not suggestion.automatic
    db.session.refresh(earlier)
    assert earlier.article_count == 2  # the repeat's article joined the earlier claim
    actions = set(
        db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_id == new_same.id))
    )
    assert {"claim.match_suggest", "claim.repeat_link"} <= actions


def test_below_suggest_nothing_and_below_same_only_a_suggestion(app) -> None:
    earlier = claim_with(unit(1, 0), text=EARLIER)
    far = claim_with(unit(0, 1), text=SAME)
    near = claim_with(unit(1, 0.9), text=SAME)  # cosine 0.74: suggested, not linked
    outcome = run([far, near], [unit(0, 1), unit(1, 0.9)])
    assert matches_of(far.id) == []
    (m,) = matches_of(near.id)
    assert m.earlier_claim_id == earlier.id and m.state == "suggested"
    assert m.similarity == pytest.approx(float(unit(1, 0) @ unit(1, 0.9)), abs=1e-5)
    assert outcome.linked == [] and outcome.suggested == [near]


def test_claims_of_the_same_article_and_dead_claims_are_not_matched(app) -> None:
    new = claim_with(unit(1, 0), text=SAME)
    sibling = add_claim(text=EARLIER)
    sibling.article_id = new.article_id
    index_vector = unit(1, 0)
    claim_with(index_vector, text="dismissed " + EARLIER)
    dismissed = add_claim(text="also dismissed")
    from tests.integration.test_match_index import embed

    embed(sibling, unit(1, 0))
    embed(dismissed, unit(1, 0))
    dismissed.status, dismissed.dismiss_reason = ClaimStatus.DISMISSED, "not_a_claim"
    db.session.flush()
    run([new], [unit(1, 0)])
    targets = {m.earlier_claim_id for m in matches_of(new.id)}
    assert sibling.id not in targets and dismissed.id not in targets and new.id not in targets
    assert len(targets) == 1  # only the live claim of another article


def test_imported_rulings_are_suggested_never_linked(app) -> None:
    r = ruling(unit(1, 0), "r1")
    new = claim_with(unit(1, 0), text=SAME)
    outcome = run([new], [unit(1, 0)])
    (m,) = matches_of(new.id)
    assert m.external_ruling_id == r.id and m.earlier_claim_id is None
    assert m.state == "suggested" and m.similarity == pytest.approx(1.0, abs=1e-5)
    assert outcome.linked == [] and outcome.suggested == [new]


def test_at_most_top_matches_of_each_kind(app) -> None:
    for i in range(4):
        claim_with(unit(1, 0.01 * i), text=f"{EARLIER} {i}")
        ruling(unit(1, 0.01 * i), f"r{i}")
    new = claim_with(unit(1, 0), text="Something else entirely, 7 times over.")
    run([new], [unit(1, 0)], MatchSettings(suggest=0.5, same=0.99, top=2))
    kinds = [m.earlier_claim_id is not None for m in matches_of(new.id)]
    assert sorted(kinds) == [False, False, True, True]


def test_ingest_links_a_reworded_repeat_and_suggests_a_look_alike(app, fake_classifier) -> None:
    policy = FlagPolicy(max_share=1.0, same_claim=1.01)
    first = ingest(
        db.session,
        Document(text="Police arrested 312 protesters in Kavel on Saturday, the ministry said."),
        actor=None,
        classifier=fake_classifier,
        policy=policy,
        matching=SETTINGS,
    )
    assert first.summary() == "1 claims flagged."
    second = ingest(
        db.session,
        Document(
            text="The ministry said 312 protesters were arrested by police in Kavel on Saturday."
        ),
        actor=None,
        classifier=fake_classifier,
        policy=policy,
        matching=SETTINGS,
    )
    third = ingest(
        db.session,
        Document(text="Police arrested 312 protesters in Tarvel on Saturday, the ministry said."),
        actor=None,
        classifier=fake_classifier,
        policy=policy,
        matching=SETTINGS,
    )
    (original,) = first.claims
    (repeat,) = second.claims
    (look_alike,) = third.claims
    assert second.linked == [repeat] and repeat.duplicate_of_id == original.id
    assert second.summary() == (
        "1 claims flagged. 1 linked as a repeat of an earlier claim in other words."
    )
    assert third.linked == [] and third.suggested == [look_alike]
    assert look_alike.status == ClaimStatus.NEW
    assert third.summary() == "1 claims flagged. 1 with possible matches to check."
    assert {m.earlier_claim_id for m in matches_of(look_alike.id)} == {original.id}


def test_claimreview_appearances_list_the_repeats_articles_earliest_first(app, make_user) -> None:
    from datetime import date

    from factcheck.auth.roles import Role
    from factcheck.export.claimreview import claim_reviews
    from factcheck.export.queries import appearances
    from factcheck.export.services import ExportFilters
    from tests.workflow import publish, user

    earlier = claim_with(
        unit(1, 0), text=EARLIER, outlet="Late Wire", published_on=date(2026, 3, 5)
    )
    repeat = claim_with(unit(1, 0), text=SAME, outlet="Early Post", published_on=date(2026, 3, 1))
    other = claim_with(unit(0, 1), text=OTHER, outlet="Third Daily")
    run([repeat], [unit(1, 0)])
    assert repeat.duplicate_of_id == earlier.id
    found = appearances(db.session, [earlier.id, other.id])
    assert [a.outlet.name for a in found[earlier.id]] == ["Early Post", "Late Wire"]
    assert [a.outlet.name for a in found[other.id]] == ["Third Daily"]
    checker, editor = make_user(Role.FACT_CHECKER), make_user(Role.EDITOR)
    publish(earlier, user(checker), user(editor))
    (review,) = claim_reviews(
        db.session,
        ExportFilters(),
        organisation="Desk",
        organisation_url="https://d.example/",
        base_url="https://d.example/",
    )
    item = review["itemReviewed"]
    assert [a["publisher"]["name"] for a in item["appearance"]] == ["Early Post", "Late Wire"]
    assert item["firstAppearance"]["publisher"]["name"] == "Early Post"


def test_match_pairs_command_prints_the_figures(app, runner, tmp_path) -> None:
    result = runner.invoke(args=["model", "match-pairs"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("241 pairs, 91 the same claim")
    assert "cosine alone (suggest):" in out and "cosine + rule (same):" in out
    assert "split A: suggest" in out and "split B: suggest" in out
    assert "Configured: MATCH_SUGGEST_SIMILARITY 0.65, MATCH_SAME_SIMILARITY 0.75:" in out
    bad = tmp_path / "pairs.tsv"
    bad.write_text("same\ta\tb\n", encoding="utf-8")
    refused = runner.invoke(args=["model", "match-pairs", "--pairs", str(bad)])
    assert refused.exit_code == 1 and "header must be label, category, a, b" in refused.output
