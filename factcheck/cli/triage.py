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
@click.option(
    "--queue",
    is_flag=True,
    help="Queue it as a background job (`factcheck worker` or the web's workers run it) "
    "instead of running it here.",
)
def rescore_command(everything: bool, queue: bool) -> None:
    """Re-score stored sentences with the active model; update untouched claims' flags.

    One article at a time, each in its own transaction; claims someone has started are
    never changed. Newly flagged claims are matched against earlier ones as at ingest.
    """
    from flask import current_app
    from tqdm.auto import tqdm

    from factcheck.claims.services import FlagPolicy
    from factcheck.classifier import ModelUnavailable
    from factcheck.classifier.loader import get_classifier
    from factcheck.extensions import db
    from factcheck.matching.rescore import (
        RescoreTotals,
        articles_to_rescore,
        queue_rescore,
        rescore_and_match,
    )
    from factcheck.matching.services import MatchSettings

    try:
        classifier = get_classifier()
        if queue:
            job, new = queue_rescore(db.session, classifier, everything=everything, actor_id=None)
            db.session.commit()
            if not new:
                click.echo(
                    f"A re-scoring is already {job.status} (job {job.id}, "
                    f"{job.progress} of {job.total} done); not queued again."
                )
                return
            click.echo(
                f"Queued job {job.id}: {job.total} article(s) to score with "
                f"{job.payload.get('model')}; a worker runs it (its page: /jobs/{job.id})."
            )
            return
        policy = FlagPolicy.from_config(current_app.config)
        matching = MatchSettings.from_config(current_app.config)
        ids = articles_to_rescore(db.session, classifier, everything=everything)
        db.session.rollback()
        click.echo(f"Model {classifier.name} {classifier.version}: {len(ids)} article(s) to score.")
        total = RescoreTotals()
        for article_id in tqdm(ids, desc="rescoring", unit="article", disable=None):
            total.merge(rescore_and_match(db.session, article_id, classifier, policy, matching))
            db.session.commit()
    except ModelUnavailable as exc:
        db.session.rollback()
        _fail(str(exc))
    click.echo(total.summary())
