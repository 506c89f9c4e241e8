"""Labelled sentences from CSV files (`id,text,label[,debate,...]`)."""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Example:
    """One labelled sentence; `group` is its debate, when the file has one."""

    id: str
    text: str
    label: int
    group: str | None = None


class DataError(ValueError):
    """A data file is missing, unreadable or lacks the needed columns."""


def read_examples(path: Path | str) -> list[Example]:
    """Read `id,text,label` (plus an optional `debate`) rows from a CSV file."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"id", "text", "label"} - set(reader.fieldnames or ())
            if missing:
                raise DataError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            rows = []
            for line, row in enumerate(reader, start=2):
                if row["label"] not in ("0", "1"):
                    raise DataError(f"{path}:{line}: label must be 0 or 1, got {row['label']!r}")
                rows.append(Example(row["id"], row["text"], int(row["label"]), row.get("debate")))
            return rows
    except FileNotFoundError as exc:
        raise DataError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 ({exc})") from exc


def stratified_split(
    examples: Sequence[Example], fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Split off `fraction` of each class (deterministically) as a validation set.

    Kept rather than scikit-learn's train_test_split(stratify=...): that holds out a
    different 10 %, and this split decides what the shipped stage-one model was trained and
    thresholded on (`factcheck model train` reproduces it). Switch at the next retrain.
    """
    rng = random.Random(seed)
    train, held = [], []
    for label in (0, 1):
        items = [e for e in examples if e.label == label]
        rng.shuffle(items)
        cut = round(len(items) * fraction)
        held += items[:cut]
        train += items[cut:]
    rng.shuffle(train)
    return train, held


def without_texts(examples: Iterable[Example], texts: set[str]) -> list[Example]:
    """Drop examples whose text is in `texts` (to keep evaluation sentences out of training)."""
    return [e for e in examples if e.text not in texts]
