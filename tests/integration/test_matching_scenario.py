"""Issue 16's "Done when" for matching, as a new user would try it, with the real model:
two wire stories make the same allegation in other words (the second is linked to the
first), a third makes a similar-sounding but different claim (only suggested); a ruling
published on the first shows on the second; an imported ClaimReview appears as a match."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from factcheck.auth.roles import Role
from factcheck.claims.lifecycle import ClaimStatus
from factcheck.claims.models import Claim
from factcheck.classifier.loader import set_classifier
from factcheck.extensions import db
from factcheck.matching import index
from factcheck.matching.models import ClaimMatch
from factcheck.matching.queries import matches_for_claims
from factcheck.sources.models import Article
from tests.conftest import post_form
from tests.workflow import publish, user

FIRST = """The rebels shelled the market in Sorvik on Sunday, killing at least 14 civilians, \
the army said.

Aid workers said the town's only clinic was overwhelmed. The rebels have not commented on \
the attack."""
SECOND = """At least 14 civilians were killed when rebels shelled a market in Sorvik, \
according to the military.

Residents described scenes of panic as the shells landed. The United Nations called for a \
ceasefire around the town."""
THIRD = """The rebels shelled the market in Tarnik on Sunday, killing at least 14 civilians, \
the army said.

The market had reopened only last month. The rebels said they had targeted an army convoy."""
OUTSIDE = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://factcheck.example.net/sorvik-market",
    "claimReviewed": "Rebels killed at least 14 civilians by shelling the market in Sorvik.",
    "reviewRating": {"@type": "Rating", "alternateName": "Mostly true"},
    "author": {"@type": "Organization", "name": "Southern Fact Desk"},
    "datePublished": "2026-11-09",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    index.forget()
    yield
    index.forget()


def ingest_page(client, text: str, title: str, outlet: str, day: str) -> str:  # noqa: ANN001
    response = post_form(
        client,
        "/articles/ingest",
        {
            "text": text,
            "url": "",
            "title": title,
            "outlet": outlet,
            "published_on": day,
            "language": "en",
        },
        token_from="/articles/ingest",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def claim_of(title: str) -> Claim:
    article = db.session.scalars(sa.select(Article).where(Article.title == title)).one()
    return db.session.scalars(sa.select(Claim).where(Claim.article_id == article.id)).one()


@pytest.mark.slow
def test_matching_done_when(app, real, login_as, runner, tmp_path) -> None:  # noqa: ANN001
    set_classifier(app, real)
    checker = login_as(Role.FACT_CHECKER)
    ingest_page(checker, FIRST, "Market shelled", "Northern Wire", "2026-11-01")
    page = ingest_page(checker, SECOND, "Civilians killed in Sorvik", "Coastal Times", "2026-11-03")
    assert "1 linked as a repeat of an earlier claim" in page
    page = ingest_page(checker, THIRD, "Tarnik market attack", "Valley Herald", "2026-11-04")
    assert "1 with possible matches to check" in page

    first, second, third = (
        claim_of("Market shelled"),
        claim_of("Civilians killed in Sorvik"),
        claim_of("Tarnik market attack"),
    )
    # The second is a repeat of the first, linked without a person; the first gained its
    # article and outlet.
    assert second.status == ClaimStatus.MERGED and second.duplicate_of_id == first.id
    link = db.session.scalars(sa.select(ClaimMatch).where(ClaimMatch.claim_id == second.id)).one()
    assert (link.earlier_claim_id, link.state, link.automatic) == (first.id, "linked", True)
    assert first.article_count == 2
    # The third is only suggested: similar, but another place.
    assert third.status == ClaimStatus.NEW and third.duplicate_of_id is None
    (suggestion,) = matches_for_claims(db.session, [third.id])[third.id]
    assert (suggestion.kind, suggestion.target_id, suggestion.state) == (
        "claim",
        first.id,
        "suggested",
    )
    assert suggestion.similarity >= app.config["MATCH_SUGGEST_SIMILARITY"]

    # A ruling published on the first shows on the second.
    editor = login_as(Role.EDITOR)
    publish(first, user(checker.account), user(editor.account))
    db.session.commit()
    (shown,) = matches_for_claims(db.session, [second.id])[second.id]
    assert shown.target_id == first.id and shown.ruled and shown.rating
    page = checker.get(f"/claims/{second.id}").get_data(as_text=True)
    assert f"Already ruled {shown.rating}" in page
    # The ruling's ClaimReview lists both articles, the first as its first appearance.
    feed = editor.get("/export/claimreview.jsonl").get_data(as_text=True)
    (review,) = [json.loads(line) for line in feed.splitlines() if line]
    outlets = [a["publisher"]["name"] for a in review["itemReviewed"]["appearance"]]
    assert outlets == ["Northern Wire", "Coastal Times"]
    assert review["itemReviewed"]["firstAppearance"]["headline"] == "Market shelled"

    # An outside ruling, imported, appears as a match with its publisher.
    path = tmp_path / "outside.jsonl"
    path.write_text(json.dumps(OUTSIDE) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import", "claimreview", str(path)])
    assert "1 imported" in result.output and "0 refused" in result.output, result.output
    outside = [
        m for m in matches_for_claims(db.session, [first.id])[first.id] if m.kind == "external"
    ]
    assert [(m.publisher, m.state) for m in outside] == [("Southern Fact Desk", "suggested")]
    page = checker.get(f"/claims/{first.id}").get_data(as_text=True)
    assert "Southern Fact Desk" in page
