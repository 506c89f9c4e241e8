"""Evaluation measures: classification (P/R/F1, ROC-AUC, AP) and ranking (MAP, P@k, R-prec).

The classification measures and the per-threshold counts come from scikit-learn. What it
has no function for stays here, built on those pieces: the threshold with the best F1, and
CLEF CheckThat!'s per-debate ranking measures (MAP over debates, P@k, R-precision).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix_at_thresholds,
    precision_recall_fscore_support,
    roc_auc_score,
)


def _arrays(labels: Sequence[int], scores: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape:
        raise ValueError("labels and scores differ in length")
    return y, s


def average_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Mean of the precision at each positive, ranking by score; 0.0 without positives.

    Tied scores count as one step (scikit-learn's average_precision_score), so the
    result does not depend on the order of the input.
    """
    y, s = _arrays(labels, scores)
    if y.sum() == 0:
        return 0.0
    return float(average_precision_score(y, s))


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve (ties counted as half); NaN when a class is missing."""
    y, s = _arrays(labels, scores)
    if len(np.unique(y)) < 2:
        return float("nan")
    return float(roc_auc_score(y, s))


def classification_report(
    labels: Sequence[int], scores: Sequence[float], threshold: float
) -> dict[str, float]:
    """Precision, recall and F1 of the positive class, macro F1, ROC-AUC and AP."""
    y, s = _arrays(labels, scores)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, (s >= threshold).astype(np.int64), labels=[0, 1], zero_division=0.0
    )
    return {
        "threshold": threshold,
        "precision": float(precision[1]),
        "recall": float(recall[1]),
        "f1": float(f1[1]),
        "macro_f1": float(f1.mean()),
        "roc_auc": roc_auc(y, s),
        "average_precision": average_precision(y, s),
        "n": int(len(y)),
        "positives": int(y.sum()),
    }


def best_f1_threshold(
    labels: Sequence[int], scores: Sequence[float], *, balanced: bool = False
) -> float:
    """Return the score threshold with the highest positive-class F1 (the lowest on a tie).

    With balanced=True the two classes are weighted to equal size first, so the choice
    does not depend on how rare positives happen to be in the validation data.
    """
    y, s = _arrays(labels, scores)
    if len(y) == 0:
        return 0.5
    if y.sum() == 0:  # no F1 above zero: the lowest score, as a scan from below finds
        return float(s.min())
    _, fps, fns, tps, thresholds = confusion_matrix_at_thresholds(y, s)
    w_neg = y.sum() / max(1, (1 - y).sum()) if balanced else 1.0
    f1 = np.divide(2 * tps, 2 * tps + fps * w_neg + fns, out=np.zeros(len(tps)), where=tps > 0)
    # Thresholds come highest first; argmax on the reversed array picks the lowest one.
    return float(thresholds[::-1][np.argmax(f1[::-1])])


def precision_at_k(ranked: np.ndarray, k: int) -> float:
    """Share of positives among the first k of labels in ranked order."""
    return float(ranked[:k].sum() / k)


def r_precision(ranked: np.ndarray) -> float:
    """Precision at R, R being the number of positives (0.0 without positives)."""
    r = int(ranked.sum())
    return float(ranked[:r].sum() / r) if r else 0.0


def ranking_report(
    labels: Sequence[int], scores: Sequence[float], groups: Sequence[str], k: int = 10
) -> dict[str, float]:
    """Per-debate ranking (CLEF CheckThat!): MAP, mean P@k and mean R-precision over debates.

    A debate without positives counts with AP 0. P@k and R-precision rank by score, ties in
    input order.
    """
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by_group[g].append(i)
    y, s = _arrays(labels, scores)
    aps, p_at_k, r_prec = [], [], []
    for idx in by_group.values():
        gy, gs = y[idx], s[idx]
        ranked = gy[np.argsort(-gs, kind="stable")]
        aps.append(average_precision(gy, gs))
        p_at_k.append(precision_at_k(ranked, k))
        r_prec.append(r_precision(ranked))
    return {
        "map": float(np.mean(aps)),
        f"p_at_{k}": float(np.mean(p_at_k)),
        "r_precision": float(np.mean(r_prec)),
        "debates": len(by_group),
        "n": int(len(y)),
        "positives": int(y.sum()),
    }
