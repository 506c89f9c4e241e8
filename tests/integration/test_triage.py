"""Triage with a stand-in model: only body text is flagged, a share cap, one claim per
allegation (several source sentences, every claimant), stored embeddings, ranks and
reasons on the article page, rescoring, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from factcheck.audit.models import AuditEntry
from factcheck.auth.roles import Role
from factcheck.claims.models import Claim, ClaimEmbedding, Sentence, SentenceScore
from factcheck.claims.rescore import rescore_article, stale_articles
from factcheck.claims.services import FlagPolicy, analyse
from factcheck.errors import InvalidInput
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.matching.models import ClaimMatch
from factcheck.sources.document import Document
from factcheck.sources.models import Article
from tests.fakes import KeywordClassifier

WIRE = """Minister disputes flood cost figures

By Jane Roe

HARBOUR CITY, March 3 (Wire Service) - The mayor claimed that flood damage cost the city \
$48 million in 2024.

Flood damage cost the city $48 million in 2024, the mayor claimed on Monday.

The council met on Tuesday. Residents gathered outside the hall.

A man walks past a flooded street in Harbour City, March 2, 2026. Photo credit: Ann Lee/Wire Service

Councillor Tom Okafor said the engineering report put the wall's cost at $310 million.

Reporting by Jane Roe; Editing by Sam Poe
"""


def test_only_body_sentences_are_flagged_and_repeats_are_one_claim(app):
    fake = KeywordClassifier(threshold=0.5)
    analysis = analyse(WIRE, fake, policy=FlagPolicy(max_share=1.0, same_claim=0.8))
    kinds = {item.span.text: item.span.kind for item in analysis}
    assert kinds["Minister disputes flood cost figures"] == "headline"
    assert kinds["Photo credit: Ann Lee/Wire Service"] == "credit"
    assert not any(item.is_claim for item in analysis if item.span.kind != "body")
    flagged = [item for item in analysis if item.is_claim]
    mayor = [i for i in flagged if "$48 million" in i.span.text]
    # The same allegation in other words: one claim led by the first, both sentences in it.
    assert len(mayor) == 2 and mayor[0].group == mayor[1].group
    assert len(analysis.embeddings) == len({i.group for i in flagged})
    leader = analysis[mayor[0].group]
    assert leader.reason and leader.rank == min(i.rank for i in mayor)
    # Ranks run over body sentences only, 1 = the highest score.
    body = [i for i in analysis if i.span.kind == "body"]
    assert sorted(i.rank for i in body) == list(range(1, len(body) + 1))
    assert all(i.rank is None for i in analysis if i.span.kind != "body")


def test_share_cap_keeps_the_best_and_at_least_one(app):
    fake = KeywordClassifier(threshold=0.0)  # everything would be flagged
    analysis = analyse(WIRE, fake, policy=FlagPolicy(max_share=0.2, same_claim=1.01))
    body = [i for i in analysis if i.span.kind == "body"]
    assert len(analysis.embeddings) == max(1, int(0.2 * len(body)))
    best = max(i.score for i in body)
    assert all(analysis[i].score == best for i in analysis.embeddings)
    tiny = analyse("The deficit rose 40 percent in 2025.", fake, policy=FlagPolicy(max_share=0.01))
    assert len(tiny.embeddings) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Photo credit: Ann Lee/Wire Service",
        "Minister disputes flood cost figures\n\nBy Jane Roe",
        "Reporting by Jane Roe; Editing by Sam Poe",
    ],
)
def test_text_without_body_is_refused_and_nothing_is_saved(app, fake_classifier, text):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Article))
    with pytest.raises(InvalidInput, match="no story sentences to check"):
        ingest(db.session, Document(text=text), actor=None, classifier=fake_classifier)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Article)) == before


def test_a_one_megabyte_sentence_is_cut_into_bounded_pieces(app, fake_classifier):
    text = "word " * 200_000
    analysis = analyse(text, fake_classifier)
    assert len(analysis) > 100
    assert max(len(item.span.text) for item in analysis) <= 2000
    assert max(len(call) for call in fake_classifier.calls) == len(analysis)


def test_ingest_stores_kinds_claimants_groups_and_embeddings(app, fake_classifier):
    result = ingest(
        db.session,
        Document(text=WIRE, published_on=None),
        actor=None,
        classifier=fake_classifier,
        policy=FlagPolicy(max_share=1.0, same_claim=0.8),
    )
    db.session.commit()
    article = result.article
    assert article.title == "Minister disputes flood cost figures"
    sentences = db.session.scalars(
        sa.select(Sentence).where(Sentence.article_id == article.id).order_by(Sentence.position)
    ).all()
    assert {s.kind for s in sentences} >= {"headline", "byline", "dateline", "credit", "body"}
    mayor = next(c for c in result.claims if "$48 million" in c.text)
    assert len(mayor.sentences) == 2
    assert mayor.claimants[0] == mayor.claimant_name
    assert mayor.reason
    stored = db.session.get(ClaimEmbedding, mayor.id)
    assert stored.model_version == fake_classifier.version
    vector = np.frombuffer(stored.vector, dtype="<f4")
    assert vector.shape == (stored.dimensions,) and abs(np.linalg.norm(vector) - 1) < 1e-4
    flag_entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "claim.flag")
    ).all()
    assert len(flag_entries) == len(result.claims)
    assert any(e.extra.get("sentences") == 2 for e in flag_entries)


def test_article_page_dims_structure_and_shows_rank_and_reason(login_as, fake_classifier):
    client = login_as(Role.FACT_CHECKER)
    with client.application.app_context():
        result = ingest(db.session, Document(text=WIRE), actor=None, classifier=fake_classifier)
        db.session.commit()
        article_id, claim = result.article.id, result.claims[0]
        reason = claim.reason
    page = client.get(f"/articles/{article_id}").get_data(as_text=True)
    assert 'data-kind="credit"' in page and 'data-kind="headline"' in page
    assert "Why flagged" in page and reason in page
    assert "#1 ·" in page


class _Shifted(KeywordClassifier):
    """A "new model version" that scores everything lower except dollar amounts."""

    version = "test-2"

    def score(self, texts):  # noqa: ANN001, ANN201
        return [0.9 if "$" in t else 0.1 for t in texts]


def test_rescore_updates_unflags_and_flags_only_untouched_claims(app, fake_classifier):
    text = (
        "The mayor said the wall cost $48 million.\n\n"
        "Crime fell 30 percent in 2025, the police chief claimed.\n\n"
        "The minister said unemployment rose to 9 percent.\n\n"
        "Residents gathered outside the hall on Tuesday evening."
    )
    policy = FlagPolicy(max_share=1.0, same_claim=1.01)
    result = ingest(
        db.session, Document(text=text), actor=None, classifier=fake_classifier, policy=policy
    )
    db.session.commit()
    crime = next(c for c in result.claims if "Crime" in c.text)
    jobs = next(c for c in result.claims if "nemployment" in c.text)
    jobs.status = "in_review"  # someone has started it: rescoring leaves it alone
    db.session.commit()
    new_model = _Shifted()
    assert stale_articles(db.session, new_model) == [result.article.id]
    counts = rescore_article(db.session, result.article, new_model, policy)
    db.session.commit()
    assert counts.sentences == 4 and counts.unflagged == 1 and counts.updated == 1
    assert crime.status == "dismissed" and crime.dismiss_reason == "not_check_worthy"
    assert "test-2" in crime.dismiss_note
    assert jobs.status == "in_review" and jobs.score != 0.1
    assert stale_articles(db.session, new_model) == []
    versions = db.session.scalars(
        sa.select(SentenceScore.model_version).where(SentenceScore.model_version == "test-2")
    ).all()
    assert len(versions) == 4
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "claim.unflag" in actions and "claim.rescore" in actions
    # Rescoring again with the same model changes nothing more.
    again = rescore_article(db.session, result.article, new_model, policy)
    assert again.flagged == 0 and again.unflagged == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == len(result.claims)


def test_claims_flagged_by_rescoring_are_matched_like_ingested_ones(app, fake_classifier, runner):
    first = ingest(
        db.session,
        Document(text="The mayor said the wall cost $48 million.\n\nIt rained all day."),
        actor=None,
        classifier=fake_classifier,
    )
    # The second article's sentence is not flagged at first (a stricter threshold)...
    second = ingest(
        db.session,
        Document(text="The mayor said the wall cost $48 million in total.\n\nIt was windy."),
        actor=None,
        classifier=KeywordClassifier(threshold=0.99),
    )
    db.session.commit()
    assert len(first.claims) == 1 and second.claims == []
    # ...and is flagged when the archive is rescored: the new claim is matched to the first
    # article's claim as at ingest (linked, being the same words and number).
    result = runner.invoke(args=["model", "rescore", "--all"])
    assert result.exit_code == 0, result.output
    assert "1 newly flagged" in result.output and "1 linked as repeats" in result.output
    match = db.session.scalars(sa.select(ClaimMatch)).one()
    assert match.earlier_claim_id == first.claims[0].id
    assert db.session.get(Claim, match.claim_id).article_id == second.article.id
    assert match.state == "linked"


def test_rescore_command_reports_counts(app, fake_classifier, runner):
    ingest(db.session, Document(text=WIRE), actor=None, classifier=fake_classifier)
    db.session.commit()
    result = runner.invoke(args=["model", "rescore"])
    assert result.exit_code == 0, result.output
    assert "0 article(s) to score" in result.output  # the active model scored it already
    result = runner.invoke(args=["model", "rescore", "--all"])
    assert result.exit_code == 0, result.output
    assert "1 article(s) to score" in result.output and "claims:" in result.output
