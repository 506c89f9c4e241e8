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


def _data_files(text: str, required: bool = False):  # noqa: ANN202
    """--data FILE, repeatable: the labelled CSV files a command reads."""
    return click.option("--data", "data", multiple=True, required=required, type=DATA, help=text)


def _config(**values) -> TrainConfig:  # noqa: ANN003
    return TrainConfig(**{k: v for k, v in values.items() if v is not None})


@model.command("train")
@_data_files("Labelled CSV (id,text,label); repeat to combine files.", required=True)
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
@_data_files(
    "Labelled CSV to score; repeat for several. Files with a `debate` column get ranking measures."
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
    from factcheck.classifier import ModelUnavailable, TransformerClassifier
    from factcheck.classifier.evaluation import evaluate_file
    from factcheck.classifier.loader import get_classifier

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
        results = {str(p): evaluate_file(p, _with_bar(scorer, p.name), threshold) for p in data}
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


def _with_bar(scorer, label: str, chunk: int = 256):  # noqa: ANN001, ANN202
    """The scorer, scoring in chunks under a progress bar (stderr; off when not a TTY).
    Sentences are scored one by one, so chunking changes no score."""
    from tqdm.auto import tqdm

    def score(texts):  # noqa: ANN001, ANN202
        out: list[float] = []
        with tqdm(
            total=len(texts), desc=f"scoring {label}", unit="sentence", disable=None, leave=False
        ) as bar:
            for start in range(0, len(texts), chunk):
                part = list(texts[start : start + chunk])
                out += scorer(part)
                bar.update(len(part))
        return out

    return score


def _evaluate_news(folder: Path, classifier, quiet: bool) -> dict:  # noqa: ANN001
    """The triage on the news set, article by article (printed unless quiet)."""
    from flask import current_app
    from tqdm.auto import tqdm

    from factcheck.claims.services import FlagPolicy
    from factcheck.triage.evaluation import evaluate_article, summarise
    from factcheck.triage.newsset import read_news_set

    policy = FlagPolicy.from_config(current_app.config)
    articles = read_news_set(folder)
    results = [
        evaluate_article(a, classifier, policy)
        for a in tqdm(articles, desc="news set", unit="article", disable=None, leave=False)
    ]
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
@_data_files("Labelled CSV to evaluate on; repeat for several.", required=True)
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
