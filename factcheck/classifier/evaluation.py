"""Train-and-report procedures behind `factcheck model ...`: fit, evaluate, baseline, CV."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from factcheck.classifier.data import Example, read_examples, stratified_split, without_texts
from factcheck.classifier.metrics import best_f1_threshold, classification_report, ranking_report
from factcheck.classifier.training import TrainConfig, baseline_scorer, fine_tune, predict

Scorer = Callable[[Sequence[str]], list[float]]


def _dedupe(examples: Sequence[Example]) -> list[Example]:
    seen: set[str] = set()
    out = []
    for e in examples:
        if e.text not in seen:
            seen.add(e.text)
            out.append(e)
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train_and_save(
    data: Sequence[Path], out: Path, cfg: TrainConfig, *, progress: bool = True
) -> dict:
    """Fine-tune on the files, choose the threshold on a held-out split, save, return metrics.

    The threshold is the point of the validation precision/recall curve with the best F1.
    """
    started = time.monotonic()
    examples = _dedupe([e for path in data for e in read_examples(path)])
    train, val = stratified_split(examples, cfg.val_fraction, cfg.seed)
    model, tokenizer = fine_tune(train, cfg, progress=progress)
    val_scores = predict(model, tokenizer, [e.text for e in val], progress=progress)
    val_labels = [e.label for e in val]
    threshold = best_f1_threshold(val_labels, val_scores)
    model.spec.threshold = round(threshold, 6)
    model.spec.metrics = {"validation": classification_report(val_labels, val_scores, threshold)}
    model.spec.training = {
        **asdict(cfg),
        "data": [{"file": Path(p).name, "sha256": _sha256(Path(p))} for p in data],
        "train_examples": len(train),
        "validation_examples": len(val),
        "seconds": round(time.monotonic() - started),
    }
    out.mkdir(parents=True, exist_ok=True)
    model.save(out)
    digest = hashlib.sha256((out / "adapter.safetensors").read_bytes()).hexdigest()[:10]
    model.spec.version = f"{datetime.now(UTC):%Y.%m.%d}-{digest}"
    model.save(out)
    metrics = {
        "version": model.spec.version,
        "threshold": model.spec.threshold,
        **model.spec.metrics,
        "training": model.spec.training,
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def evaluate_file(path: Path, scorer: Scorer, threshold: float) -> dict:
    """Ranking measures per debate for debate files, else classification measures."""
    examples = read_examples(path)
    scores = scorer([e.text for e in examples])
    labels = [e.label for e in examples]
    if examples and examples[0].group is not None:
        return {"kind": "ranking", **ranking_report(labels, scores, [e.group for e in examples])}
    return {"kind": "classification", **classification_report(labels, scores, threshold)}


def baseline(
    train_files: Sequence[Path],
    *,
    seed: int = 13,
    val_fraction: float = 0.1,
    progress: bool = False,
) -> tuple[Scorer, float]:
    """Fit the frozen-encoder + logistic-regression baseline; threshold from a held-out split."""
    examples = _dedupe([e for path in train_files for e in read_examples(path)])
    train, val = stratified_split(examples, val_fraction, seed)
    scorer = baseline_scorer(train, progress=progress)
    threshold = best_f1_threshold([e.label for e in val], scorer([e.text for e in val]))
    return scorer, threshold


def debate_folds(examples: Sequence[Example], folds: int) -> list[set[str]]:
    """Assign debates to folds round-robin in sorted order (deterministic).

    The README's CLEF folds; scikit-learn's GroupKFold balances folds by size instead,
    which would change them.
    """
    debates = sorted({e.group for e in examples if e.group})
    return [set(debates[i::folds]) for i in range(folds)]


def cross_validate(
    data: Path,
    *,
    folds: int,
    extra: Sequence[Path] = (),
    cfg: TrainConfig,
    progress: bool = True,
    report: Callable[[str], None] = print,
) -> dict:
    """Leave-debates-out CV: MAP of the fine-tuned model and of the baseline, per fold.

    Each fold trains on the other debates plus the extra files, with any sentence that
    also occurs in the held-out debates removed from the training data.
    """
    examples = read_examples(data)
    if not examples or examples[0].group is None:
        raise ValueError(f"{data} has no debate column")
    extra_examples = [e for path in extra for e in read_examples(path)]
    results = []
    all_labels: list[int] = []
    all_groups: list[str] = []
    all_base: list[float] = []
    all_model: list[float] = []
    for number, held_debates in enumerate(debate_folds(examples, folds), start=1):
        held = [e for e in examples if e.group in held_debates]
        held_texts = {e.text for e in held}
        train = _dedupe(
            without_texts(
                [e for e in examples if e.group not in held_debates] + extra_examples, held_texts
            )
        )
        labels, groups = [e.label for e in held], [e.group for e in held]
        base_scores = baseline_scorer(train, progress=progress)([e.text for e in held])
        model, tokenizer = fine_tune(train, cfg, progress=progress)
        model_scores = predict(model, tokenizer, [e.text for e in held])
        base_map = ranking_report(labels, base_scores, groups)["map"]
        tuned_map = ranking_report(labels, model_scores, groups)["map"]
        all_labels += labels
        all_groups += groups
        all_base += base_scores
        all_model += model_scores
        row = {
            "fold": number,
            "debates": sorted(held_debates),
            "train": len(train),
            "baseline_map": base_map,
            "model_map": tuned_map,
        }
        report(
            f"fold {number}: baseline MAP {base_map:.4f}  model MAP {tuned_map:.4f}  "
            f"({len(held_debates)} debates held out, {len(train)} training sentences)"
        )
        results.append(row)
    # Pooled over every held-out debate: MAP = mean of the per-debate average precisions.
    summary = {
        "folds": results,
        "baseline": ranking_report(all_labels, all_base, all_groups),
        "model": ranking_report(all_labels, all_model, all_groups),
        "config": asdict(cfg),
    }
    summary["gain"] = summary["model"]["map"] - summary["baseline"]["map"]
    return summary
