"""`factcheck model ...` commands for stage two and the triage as a whole: train and
cross-validate the ranker, measure claim grouping, re-score stored articles."""

from __future__ import annotations

import json
from pathlib import Path

import click

from factcheck.classifier.data import DataError
from factcheck.cli.model import _DEBATES, _NEWS, _TWEETS, DATA, _fail


def _corpora(model_dir: Path | None, news: Path | None, debates: Path | None, tweets) -> dict:  # noqa: ANN001
    from factcheck.classifier import DEFAULT_MODEL_DIR
    from factcheck.triage.training import load_corpora, stage_one_encoder

    click.echo("Encoding the training sentences with stage one ...", err=True)
    return load_corpora(
        stage_one_encoder(model_dir or DEFAULT_MODEL_DIR),
        news=news,
        debates=debates,
        tweets=list(tweets),
    )


def _news_line(report: dict) -> str:
    return (
        f"threshold {report['threshold']:.4f}: precision {report['precision']:.4f}  "
        f"recall {report['recall']:.4f}  body sentences flagged {report['flagged_share']:.1%}  "
        f"AP {report['average_precision']:.4f} (stage one alone "
        f"{report['stage_one_average_precision']:.4f})"
    )


@click.command("train-ranker")
@_NEWS
@_DEBATES
@_TWEETS
@click.option(
    "--model",
    "model_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Stage one's model directory (default: the shipped one).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write ranker.json into (the model directory, to ship it).",
)
def train_ranker_command(
    news: Path | None,
    debates: Path | None,
    tweets,
    model_dir: Path | None,
    out: Path,  # noqa: ANN001
) -> None:
    """Fit stage two (the ranker); choose the flag threshold on the news set."""
    from factcheck.triage.training import train_ranker

    try:
        info = train_ranker(_corpora(model_dir, news, debates, tweets), out)
    except DataError as exc:
        _fail(str(exc))
    click.echo(f"Saved {info['version']} to {out / 'ranker.json'}")
    click.echo("News set, leave-one-article-out: " + _news_line(info["news_cross_validation"]))


@click.command("crossval-ranker")
@_NEWS
@_DEBATES
@_TWEETS
@click.option("--folds", default=4, show_default=True, help="Folds of debates.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the results as JSON here.",
)
def crossval_ranker_command(
    news: Path | None,
    debates: Path | None,
    tweets,
    folds: int,
    out: Path | None,  # noqa: ANN001
) -> None:
    """Cross-validate stage two: leave-debates-out MAP and leave-one-article-out news flags."""
    from factcheck.triage.training import cross_validate_debates, cross_validate_news

    if debates is None and news is None:
        _fail("give --debates and/or --news")
    try:
        corpora = _corpora(None, news, debates, tweets)
        results: dict = {}
        if debates is not None:
            results["debates"] = cross_validate_debates(corpora, folds, report=click.echo)
            found = results["debates"]
            click.echo(
                f"CLEF 2019 leave-debates-out MAP: stage one {found['stage_one']['map']:.4f}, "
                f"prose ranker {found['prose_ranker']['map']:.4f}, transcript ranker "
                f"{found['transcript_ranker']['map']:.4f}; transcript scores above 0.99: "
                f"{found['share_above_0_99']:.2%}"
            )
        if news is not None:
            _, results["news"] = cross_validate_news(corpora)
            click.echo("News set, leave-one-article-out: " + _news_line(results["news"]))
    except DataError as exc:
        _fail(str(exc))
    if out:
        out.write_text(json.dumps(results, indent=2) + "\n")


@click.command("paraphrase")
@click.option("--pairs", required=True, type=DATA, help="Labelled pairs: same<TAB>a<TAB>b.")
def paraphrase_command(pairs: Path) -> None:
    """Precision and recall of "same claim" (paraphrase.same_claim) per cosine threshold."""
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier
    from factcheck.classifier.paraphrase import read_pairs, similarities, sweep

    try:
        rows = read_pairs(pairs)
        sims = similarities(rows, get_classifier().embed)
    except (DataError, ModelUnavailable) as exc:
        _fail(str(exc))
    click.echo(f"{len(rows)} pairs, {sum(r[0] for r in rows)} the same claim")
    for row in sweep(rows, sims, [round(0.4 + 0.05 * i, 2) for i in range(10)]):
        click.echo(
            f"  cosine >= {row['threshold']:.2f}: precision {row['precision']:.3f}  "
            f"recall {row['recall']:.3f}  F1 {row['f1']:.3f}"
        )


@click.command("rescore")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Every article, not only those the model has not scored.",
)
def rescore_command(everything: bool) -> None:
    """Re-score stored sentences with the active model; update untouched claims' flags.

    One article at a time, each in its own transaction; claims someone has started are
    never changed.
    """
    import numpy as np
    import sqlalchemy as sa
    from flask import current_app
    from tqdm.auto import tqdm

    from factcheck.claims.rescore import RescoreCounts, rescore_article, stale_articles
    from factcheck.claims.services import FlagPolicy
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier
    from factcheck.db import utcnow
    from factcheck.extensions import db
    from factcheck.matching.services import MatchSettings, match_claims
    from factcheck.sources.models import Article

    classifier = get_classifier()
    policy = FlagPolicy.from_config(current_app.config)
    matching = MatchSettings.from_config(current_app.config)
    linked = suggested = 0
    ids = (
        list(db.session.scalars(sa.select(Article.id).order_by(Article.id)))
        if everything
        else stale_articles(db.session, classifier)
    )
    db.session.rollback()
    click.echo(f"Model {classifier.name} {classifier.version}: {len(ids)} article(s) to score.")
    total = RescoreCounts()
    try:
        for article_id in tqdm(ids, desc="rescoring", unit="article"):
            article = db.session.get(Article, article_id)
            if article is None:
                continue
            counts = rescore_article(db.session, article, classifier, policy)
            total.add(counts)
            if counts.created:
                # Newly flagged claims are matched as at ingest (same transaction).
                outcome = match_claims(
                    db.session,
                    counts.created,
                    np.array(counts.vectors, dtype=np.float32),
                    actor=None,
                    now=utcnow(),
                    settings=matching,
                    model=(classifier.name, classifier.version, len(counts.vectors[0])),
                )
                linked += len(outcome.linked)
                suggested += len(outcome.suggested)
            db.session.commit()
    except ModelUnavailable as exc:
        db.session.rollback()
        _fail(str(exc))
    click.echo(
        f"Scored {total.sentences} sentences in {total.articles} articles; claims: "
        f"{total.updated} updated, {total.flagged} newly flagged, {total.unflagged} unflagged; "
        f"of the new ones {linked} linked as repeats, {suggested} with possible matches."
    )
