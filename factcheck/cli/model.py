"""`factcheck model ...`: train, evaluate and compare the check-worthiness model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from factcheck.classifier.data import DataError
from factcheck.classifier.training import TrainConfig

DATA = click.Path(exists=True, dir_okay=False, path_type=Path)
_NEWS = click.option(
    "--news",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The labelled news set (a folder of NN-slug.txt + NN-slug.tsv).",
)
_DEBATES = click.option("--debates", type=DATA, help="CLEF 2019 debate CSV.")
_TWEETS = click.option("--tweets", multiple=True, type=DATA, help="CLEF 2020 tweet CSV.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _print_report(path: Path, result: dict) -> None:
    click.echo(f"{path}:")
    if result["kind"] == "ranking":
        click.echo(
            f"  debates {result['debates']}  sentences {result['n']}  "
            f"positives {result['positives']}"
        )
        click.echo(
            f"  MAP {result['map']:.4f}  P@10 {result['p_at_10']:.4f}  "
            f"R-precision {result['r_precision']:.4f}"
        )
    else:
        click.echo(
            f"  sentences {result['n']}  positives {result['positives']}  "
            f"threshold {result['threshold']:.4f}"
        )
        click.echo(
            f"  precision {result['precision']:.4f}  recall {result['recall']:.4f}  "
            f"F1 {result['f1']:.4f}  macro F1 {result['macro_f1']:.4f}"
        )
        click.echo(
            f"  ROC-AUC {result['roc_auc']:.4f}  average precision "
            f"{result['average_precision']:.4f}"
        )


@click.group()
def model() -> None:
    """Train and evaluate the check-worthiness classifier."""


def _config_options(f):  # noqa: ANN001, ANN201
    defaults = TrainConfig()
    for name, kind, help_text in reversed(
        [
            ("epochs", int, "Passes over the training data."),
            ("learning-rate", float, "Peak learning rate (AdamW, warm-up then cosine decay)."),
            ("batch-size", int, "Sentences per step."),
            ("lora-rank", int, "Rank of the LoRA adapters."),
            ("seed", int, "Random seed (data split, initialisation, shuffling)."),
            ("val-fraction", float, "Share of the data held out to choose the threshold."),
        ]
    ):
        attr = name.replace("-", "_")
        f = click.option(
            f"--{name}",
            attr,
            type=kind,
            default=getattr(defaults, attr),
            show_default=True,
            help=help_text,
        )(f)
    return f


def _config(**values) -> TrainConfig:  # noqa: ANN003
    return TrainConfig(**{k: v for k, v in values.items() if v is not None})


@model.command("train")
@click.option(
    "--data",
    "data",
    multiple=True,
    required=True,
    type=DATA,
    help="Labelled CSV (id,text,label); repeat to combine files.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for model.json, adapter.safetensors and metrics.json.",
)
@_config_options
def train_command(data: tuple[Path, ...], out: Path, **options) -> None:  # noqa: ANN003
    """Fine-tune LoRA adapters and a head on top of the packaged encoder."""
    from factcheck.classifier.evaluation import train_and_save

    try:
        metrics = train_and_save(list(data), out, _config(**options))
    except DataError as exc:
        _fail(str(exc))
    val = metrics["validation"]
    click.echo(f"Saved model {metrics['version']} to {out}")
    click.echo(
        f"Threshold {metrics['threshold']:.4f} (best F1 on the held-out split): "
        f"precision {val['precision']:.4f}, recall {val['recall']:.4f}, "
        f"F1 {val['f1']:.4f}, ROC-AUC {val['roc_auc']:.4f}"
    )


@model.command("evaluate")
@click.option(
    "--data",
    "data",
    multiple=True,
    type=DATA,
    help="Labelled CSV to score; repeat for several. Files with a `debate` column "
    "get ranking measures.",
)
@_NEWS
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Model directory (default: the configured model).",
)
@click.option(
    "--stage-one",
    is_flag=True,
    help="Score --data files with stage one alone (the factual-claim detector) and its "
    "own threshold.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def evaluate_command(
    data: tuple[Path, ...],
    news: Path | None,
    model_dir: Path | None,
    stage_one: bool,
    as_json: bool,
) -> None:
    """Print quality measures of a model on labelled files and on the news set."""
    from factcheck.classifier import ModelUnavailable, TransformerClassifier, get_classifier
    from factcheck.classifier.evaluation import evaluate_file

    if not data and news is None:
        _fail("give --data FILE and/or --news DIR")
    try:
        classifier = TransformerClassifier(model_dir) if model_dir else get_classifier()
        click.echo(
            f"Model {classifier.name} {classifier.version}, threshold {classifier.threshold:.4f}",
            err=as_json,
        )
        scorer, threshold = (
            (classifier.factual, classifier.factual_threshold)
            if stage_one
            else (classifier.score, classifier.threshold)
        )
        if stage_one:
            click.echo(f"Stage one alone, threshold {threshold:.4f}", err=as_json)
        results = {str(p): evaluate_file(p, scorer, threshold) for p in data}
        if news is not None:
            results[str(news)] = _evaluate_news(news, classifier, as_json)
    except (DataError, ModelUnavailable) as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(results, indent=2))
        return
    for path, result in results.items():
        if result["kind"] != "news":
            _print_report(Path(path), result)


def _evaluate_news(folder: Path, classifier, quiet: bool) -> dict:  # noqa: ANN001
    """The triage on the news set, article by article (printed unless quiet)."""
    from flask import current_app

    from factcheck.claims.services import FlagPolicy
    from factcheck.triage.evaluation import evaluate_article, summarise
    from factcheck.triage.newsset import read_news_set

    policy = FlagPolicy.from_config(current_app.config)
    results = [evaluate_article(a, classifier, policy) for a in read_news_set(folder)]
    total = summarise(results)
    if not quiet:
        click.echo(
            f"{folder}: {total['articles']} articles, {total['body_sentences']} body "
            f"sentences, {total['positives']} labelled check-worthy"
        )
        click.echo("  article                                   body flagged  right  found  queue")
        for r in results:
            click.echo(
                f"  {r.name[:40]:40s} {r.body:5d} {r.flagged_body:7d} {r.flagged_correct:6d} "
                f"{r.true_positives:3d}/{r.positives:<3d} {r.queue_items:5d}"
            )
        click.echo(
            f"  flag precision {total['precision']:.4f}  recall {total['recall']:.4f}  "
            f"average precision {total['average_precision']:.4f}  body sentences flagged "
            f"{total['body_share_flagged']:.1%}"
        )
        click.echo(
            f"  captions, credits and bylines flagged: {total['structural_flagged']}  "
            f"spans of the wrong kind (body vs other): {total['kind_errors']}"
        )
    return {"kind": "news", **total}


@model.command("baseline")
@click.option(
    "--train",
    "train_files",
    multiple=True,
    required=True,
    type=DATA,
    help="Training CSV for the baseline; repeat to combine.",
)
@click.option(
    "--data",
    "data",
    multiple=True,
    required=True,
    type=DATA,
    help="Labelled CSV to evaluate on; repeat for several.",
)
def baseline_command(train_files: tuple[Path, ...], data: tuple[Path, ...]) -> None:
    """Evaluate the reference point: frozen encoder + logistic regression."""
    from factcheck.classifier.evaluation import baseline, evaluate_file

    try:
        scorer, threshold = baseline(list(train_files))
        for path in data:
            _print_report(path, evaluate_file(path, scorer, threshold))
    except DataError as exc:
        _fail(str(exc))


@model.command("crossval")
@click.option("--data", required=True, type=DATA, help="Debate CSV (with a `debate` column).")
@click.option("--folds", default=4, show_default=True, help="Number of folds of debates.")
@click.option(
    "--extra",
    multiple=True,
    type=DATA,
    help="More training data used in every fold (its sentences that also occur in "
    "the held-out debates are dropped).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the results as JSON here.",
)
@_config_options
def crossval_command(
    data: Path, folds: int, extra: tuple[Path, ...], out: Path | None, **options
) -> None:  # noqa: ANN003
    """Leave-debates-out cross-validation: the model's MAP against the baseline's."""
    from factcheck.classifier.evaluation import cross_validate

    try:
        summary = cross_validate(
            data, folds=folds, extra=list(extra), cfg=_config(**options), report=click.echo
        )
    except (DataError, ValueError) as exc:
        _fail(str(exc))
    base, tuned = summary["baseline"], summary["model"]
    click.echo(
        f"baseline: MAP {base['map']:.4f}  P@10 {base['p_at_10']:.4f}  "
        f"R-precision {base['r_precision']:.4f}"
    )
    click.echo(
        f"model:    MAP {tuned['map']:.4f}  P@10 {tuned['p_at_10']:.4f}  "
        f"R-precision {tuned['r_precision']:.4f}"
    )
    click.echo(f"gain in MAP: {summary['gain']:+.4f} over {base['debates']} debates")
    if out:
        out.write_text(json.dumps(summary, indent=2) + "\n")


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


@model.command("train-ranker")
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


@model.command("crossval-ranker")
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


@model.command("paraphrase")
@click.option("--pairs", required=True, type=DATA, help="Labelled pairs: same<TAB>a<TAB>b.")
def paraphrase_command(pairs: Path) -> None:
    """Precision and recall of "same claim" (paraphrase.same_claim) per cosine threshold."""
    from factcheck.classifier import ModelUnavailable, get_classifier
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


@model.command("rescore")
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
    import sqlalchemy as sa
    from flask import current_app
    from tqdm.auto import tqdm

    from factcheck.claims.rescore import RescoreCounts, rescore_article, stale_articles
    from factcheck.claims.services import FlagPolicy
    from factcheck.classifier import ModelUnavailable, get_classifier
    from factcheck.extensions import db
    from factcheck.sources.models import Article

    classifier = get_classifier()
    policy = FlagPolicy.from_config(current_app.config)
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
            total.add(rescore_article(db.session, article, classifier, policy))
            db.session.commit()
    except ModelUnavailable as exc:
        db.session.rollback()
        _fail(str(exc))
    click.echo(
        f"Scored {total.sentences} sentences in {total.articles} articles; claims: "
        f"{total.updated} updated, {total.flagged} newly flagged, {total.unflagged} unflagged."
    )
