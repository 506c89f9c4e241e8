"""`factcheck score`: check-worthiness scores for sentences or a CSV, offline.

Run as `factcheck score ...` it is dispatched by factcheck.console before Flask, SQLAlchemy
or the app are imported (a start in about a second and a half instead of five), and reads
only the CLASSIFIER_* settings, from the same layers as the app (config/default.toml, the
file FACTCHECK_CONFIG names, FACTCHECK_CLASSIFIER_* variables). Run inside an app (the
Flask command group, `flask --app factcheck.app score`, a test's app) it scores with that
app's classifier. Nothing here imports Flask at module level.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

import click

from factcheck.classifier import DEFAULT_MODEL_DIR, Classifier, ModelUnavailable

# config/ beside the package (as factcheck.settings.CONFIG_DIR, which imports Flask).
CONFIG_DIR = Path(__file__).resolve().parent.parent.parent / "config"
_PREFIX = "FACTCHECK_CLASSIFIER_"


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def classifier_settings(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The CLASSIFIER_* settings, layered as the app layers them: config/default.toml,
    then the FACTCHECK_CONFIG file, then FACTCHECK_CLASSIFIER_* variables (each value
    read as JSON when it parses, else as text, as Flask's from_prefixed_env reads them)."""
    environ = os.environ if environ is None else environ
    paths = [CONFIG_DIR / "default.toml"]
    if extra := environ.get("FACTCHECK_CONFIG"):
        paths.append(Path(extra))
    settings: dict[str, Any] = {}
    for path in paths:
        try:
            with path.open("rb") as fh:
                values = tomllib.load(fh)
        except FileNotFoundError:
            _fail(f"settings file not found: {path}")
        except tomllib.TOMLDecodeError as exc:
            _fail(f"settings file {path} is not valid TOML: {exc}")
        settings.update({k: v for k, v in values.items() if k.startswith("CLASSIFIER_")})
    for name, raw in environ.items():
        if name.startswith(_PREFIX) and "__" not in name:
            try:
                value: Any = json.loads(raw)
            except ValueError:
                value = raw
            settings[name.removeprefix("FACTCHECK_")] = value
    return settings


def _classifier() -> Classifier:
    """The running app's classifier inside an app context, else one from the settings."""
    flask = sys.modules.get("flask")
    if flask is not None and flask.has_app_context():
        from factcheck.classifier.loader import get_classifier

        return get_classifier()
    from factcheck.classifier import TransformerClassifier
    from factcheck.classifier.runtime import SettingError, classifier_options

    try:
        model_dir, options = classifier_options(classifier_settings())
    except SettingError as exc:
        _fail(str(exc), 2)
    return TransformerClassifier(model_dir or DEFAULT_MODEL_DIR, **options)


@click.command("score")
@click.argument("sentences", nargs=-1)
@click.option(
    "--input",
    "input_",
    type=click.File("r", encoding="utf-8-sig"),
    help="CSV with columns id,text (others ignored); - for stdin.",
)
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8"),
    help="Where to write id,score (in input order); - for stdout.",
)
def score_command(sentences: tuple[str, ...], input_, output) -> None:  # noqa: ANN001
    """Score SENTENCES, or a CSV, for check-worthiness (0..1) with the active model."""
    if bool(sentences) == bool(input_):
        _fail("give sentences as arguments, or --input FILE (not both)", 2)
    try:
        classifier = _classifier()
        if sentences:
            for text, value in zip(sentences, classifier.score(list(sentences)), strict=True):
                flag = "claim" if value >= classifier.threshold else "-"
                click.echo(f"{value:.4f}\t{flag}\t{text}")
            return
        reader = csv.DictReader(input_)
        if not {"id", "text"} <= set(reader.fieldnames or ()):
            _fail("the input CSV needs the columns id and text")
        rows = list(reader)
        texts = [r["text"] or "" for r in rows]
        # Chunks of similar length across the whole file (each text is scored on its own,
        # so the order changes nothing but the padding), put back in input order after.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        scores = [0.0] * len(texts)
        batch = 256
        from tqdm.auto import tqdm

        for start in tqdm(
            range(0, len(order), batch), desc="scoring", unit="batch", file=sys.stderr
        ):
            chunk = order[start : start + batch]
            for i, value in zip(chunk, classifier.score([texts[i] for i in chunk]), strict=True):
                scores[i] = value
    except ModelUnavailable as exc:
        _fail(str(exc))
    out = output or click.get_text_stream("stdout")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "score"])
    for row, value in zip(rows, scores, strict=True):
        writer.writerow([row["id"], f"{value:.6f}"])
