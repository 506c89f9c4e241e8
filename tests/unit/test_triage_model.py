"""The shipped two-stage model on news: the seed article's queue, the news set's figures,
scores that spread, embeddings that group one allegation, and the ranker's commands.

These load the real encoder from the installed package and the adapters and ranker from
the repository. The news set is also the ranker's training data, so its figures here are
a regression guard; the honest, held-out figures come from `factcheck model
crossval-ranker` (README)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from factcheck.claims.services import FlagPolicy, analyse
from factcheck.classifier import DEFAULT_MODEL_DIR, TransformerClassifier
from factcheck.classifier.features import SentenceInput
from factcheck.classifier.paraphrase import read_pairs, similarities, sweep
from factcheck.console import main
from factcheck.settings import ROOT
from factcheck.sources.document import from_text, guess_title
from factcheck.triage.evaluation import evaluate_article, summarise
from factcheck.triage.newsset import read_news_set
from tests.shared import seed_text, shared_file

NEWS = ROOT / "tests" / "data" / "news"
PAIRS = ROOT / "tests" / "data" / "paraphrase_pairs.tsv"


@pytest.fixture(scope="module")
def seed(real):
    document = from_text(seed_text())
    return document, analyse(document.text, real, published_on=document.published_on)


def test_seed_article_gives_a_short_queue_of_allegations(seed):
    document, analysis = seed
    assert guess_title(document.text) == "Iran alleges coordination between HTS, Israel and US"
    claims = [analysis[i] for i in analysis.embeddings]
    assert 1 <= len(claims) <= 8
    for item in analysis:
        if item.span.kind != "body":
            assert not item.is_claim, item.span.text

    # Routine reporting ranks below the allegations.
    def rank(start: str) -> int:
        (found,) = [i.rank for i in analysis if i.span.text.startswith(start)]
        return found

    baghaei = rank("Addressing a weekly press conference")
    assert baghaei < rank("Iranian Foreign Minister Abbas Araghchi visited")
    assert baghaei < rank("Aleppo is Syria’s second largest city")
    assert baghaei < rank("Al-Sudani echoed Pezeshkian")  # a pledge


def test_seed_allegation_is_one_claim_with_every_claimant(seed):
    _, analysis = seed
    # Baghaei's "Israel and the US have supported the terrorist groups" and Araghchi's
    # "the takfiri groups are working in collaboration with the US and Israel".
    support = [
        item
        for item in analysis
        if item.span.text.startswith(("Addressing a weekly", "Araghchi traveled to Turkey"))
    ]
    assert all(item.is_claim for item in support), "the US/Israel allegation is flagged"
    (leader,) = {item.group for item in support}
    claimants = {item.attribution.claimant for item in analysis if item.group == leader}
    assert {"Esmaeil Baghaei", "Abbas Araghchi"} <= claimants
    assert analysis[leader].attribution.claim.startswith("Israel and the US have supported")


def test_seed_claims_read_on_their_own(seed):
    _, analysis = seed
    for i in analysis.embeddings:
        claim = analysis[i].attribution.claim
        assert claim[0].isupper() and claim.endswith((".", "!", "?")), claim
        assert not claim.lower().startswith(("he ", "she ", "it ", "they ", "on ", "that ")), claim
        assert ".”." not in claim and ".." not in claim, claim


def test_news_set_meets_the_triage_targets(real):
    policy = FlagPolicy()
    total = summarise([evaluate_article(a, real, policy) for a in read_news_set(NEWS)])
    assert total["structural_flagged"] == 0
    assert total["body_share_flagged"] <= 0.40
    assert total["precision"] >= 0.80 and total["recall"] >= 0.85, total
    assert total["queue_items"]["00-seed-syria"] <= 8


def test_scores_spread_instead_of_saturating(real):
    with shared_file("data", "clef2019", "train.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    debate = [r for r in rows if r["debate"] == "20170228_trump_address"]
    debate.sort(key=lambda r: int(r["line_number"]))
    scores = np.array(
        real.score_document([SentenceInput(r["text"], speaker=r["speaker"]) for r in debate])
    )
    assert (scores > 0.99).mean() <= 0.01
    assert scores.std() > 0.1
    labels = np.array([int(r["label"]) for r in debate])
    assert scores[labels == 1].mean() > scores[labels == 0].mean() + 0.2


def test_embeddings_tell_paraphrases_from_look_alikes(real):
    pairs = read_pairs(PAIRS)
    (row,) = sweep(pairs, similarities(pairs, real.embed), [FlagPolicy().same_claim])
    assert row["precision"] >= 0.9 and row["recall"] >= 0.6, row
    vectors = real.embed(["Taxes rose.", "Taxes rose."])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow  # seconds: runs under CI (tests/conftest.py RUN_SLOW)
def test_model_commands_on_the_news_set(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["model", "evaluate", "--news", str(NEWS)])
    assert result.exit_code == 0, result.output
    for words in (
        "flag precision",
        "recall",
        "average precision",
        "body sentences flagged",
        "captions, credits and bylines flagged: 0",
    ):
        assert words in result.output
    result = runner.invoke(main, ["model", "paraphrase", "--pairs", str(PAIRS)])
    assert result.exit_code == 0, result.output
    assert "cosine >= 0.55: precision" in result.output
    result = runner.invoke(main, ["model", "evaluate"])
    assert result.exit_code != 0 and "--news" in result.output


def test_train_ranker_on_a_small_set(tmp_path):
    news = tmp_path / "news"
    news.mkdir()
    for path in sorted(NEWS.glob("0[0-3]-*")):
        (news / path.name).write_bytes(path.read_bytes())
    runner = CliRunner()
    result = runner.invoke(
        main, ["model", "train-ranker", "--news", str(news), "--out", str(tmp_path / "m")]
    )
    assert result.exit_code == 0, result.output
    assert "leave-one-article-out" in result.output
    ranker = json.loads((tmp_path / "m" / "ranker.json").read_text())
    assert 0 < ranker["info"]["threshold"] < 1
    assert ranker["info"]["news_cross_validation"]["articles"] == 4
    result = runner.invoke(main, ["model", "train-ranker", "--out", str(tmp_path / "m")])
    assert result.exit_code == 1 and "news set" in result.output


def test_transcripts_use_the_transcript_ranker_and_its_threshold(real):
    transcript = (
        "MODERATOR: Good evening and welcome to the debate.\n"
        "SMITH: Thank you. It is good to be here.\n"
        "SMITH: Under this government unemployment has doubled to 9 percent since 2019.\n"
        "JONES: That is simply not true, and my opponent knows it.\n"
        "JONES: We cut taxes for 95 percent of working families last year.\n"
        "MODERATOR: Let us move on to the next question.\n"
    )
    analysis = analyse(transcript, real)
    assert all(item.span.speaker for item in analysis)
    items = [SentenceInput(i.span.text, speaker=i.span.speaker, turn=True) for i in analysis]
    assert real.threshold_for(items) < real.threshold  # CLEF-trained, sparser positives
    flagged = [i.span.text for i in analysis if i.is_claim]
    assert flagged and all("percent" in text for text in flagged), flagged
    best = min(analysis, key=lambda i: i.rank or 99)
    assert "percent" in best.span.text


def test_thresholds_are_known_without_loading_the_model():
    """The article page asks for the threshold: that must not load the encoder."""
    fresh = TransformerClassifier(DEFAULT_MODEL_DIR)
    transcript = fresh.threshold_for([SentenceInput("Hello.", turn=True)])
    prose = fresh.threshold_for([SentenceInput("Hello.")])
    assert 0 < transcript < prose == fresh.threshold
    assert not fresh.loaded
