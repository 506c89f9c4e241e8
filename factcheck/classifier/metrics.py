"""Evaluation measures: classification (P/R/F1, ROC-AUC, AP) and ranking (MAP, P@k, R-prec)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np


def _arrays(labels: Sequence[int], scores: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape:
        raise ValueError("labels and scores differ in length")
    return y, s


def average_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Mean of the precision at each positive, ranking by score (ties: stable order)."""
    y, s = _arrays(labels, scores)
    if y.sum() == 0:
        return 0.0
    ranked = y[np.argsort(-s, kind="stable")]
    hits = np.cumsum(ranked)
    precision_at_hits = hits[ranked == 1] / (np.flatnonzero(ranked == 1) + 1)
    return float(precision_at_hits.mean())


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted as half)."""
    y, s = _arrays(labels, scores)
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    values = np.concatenate([pos, neg])[order]
    ranks = np.empty(len(values))
    i = 0
    while i < len(values):  # average ranks over ties
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        ranks[i : j + 1] = (i + j) / 2 + 1
        i = j + 1
    pos_ranks = ranks[np.argsort(order)][: len(pos)]
    return float((pos_ranks.sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def classification_report(
    labels: Sequence[int], scores: Sequence[float], threshold: float
) -> dict[str, float]:
    """Precision, recall and F1 of the positive class, macro F1, ROC-AUC and AP."""
    y, s = _arrays(labels, scores)
    predicted = s >= threshold

    def prf(target: int) -> tuple[float, float, float]:
        truth, guess = y == target, predicted if target == 1 else ~predicted
        tp = float((truth & guess).sum())
        precision = tp / guess.sum() if guess.sum() else 0.0
        recall = tp / truth.sum() if truth.sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    p, r, f1 = prf(1)
    _, _, f1_neg = prf(0)
    return {
        "threshold": threshold,
        "precision": p,
        "recall": r,
        "f1": f1,
        "macro_f1": (f1 + f1_neg) / 2,
        "roc_auc": roc_auc(y, s),
        "average_precision": average_precision(y, s),
        "n": int(len(y)),
        "positives": int(y.sum()),
    }


def best_f1_threshold(
    labels: Sequence[int], scores: Sequence[float], *, balanced: bool = False
) -> float:
    """Return the score threshold with the highest positive-class F1.

    With balanced=True the two classes are weighted to equal size first, so the choice
    does not depend on how rare positives happen to be in the validation data.
    """
    y, s = _arrays(labels, scores)
    w_pos = 1.0
    w_neg = (y.sum() / max(1, (1 - y).sum())) if balanced else 1.0
    best, best_f1 = 0.5, -1.0
    for t in np.unique(s):
        guess = s >= t
        tp = ((y == 1) & guess).sum() * w_pos
        fp = ((y == 0) & guess).sum() * w_neg
        fn = ((y == 1) & ~guess).sum() * w_pos
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def ranking_report(
    labels: Sequence[int], scores: Sequence[float], groups: Sequence[str], k: int = 10
) -> dict[str, float]:
    """Per-debate ranking: MAP, mean P@k and mean R-precision over debates."""
    by_group: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by_group[g].append(i)
    y, s = _arrays(labels, scores)
    aps, p_at_k, r_prec = [], [], []
    for idx in by_group.values():
        gy, gs = y[idx], s[idx]
        ranked = gy[np.argsort(-gs, kind="stable")]
        aps.append(average_precision(gy, gs))
        p_at_k.append(float(ranked[:k].sum() / k))
        r = int(gy.sum())
        r_prec.append(float(ranked[:r].sum() / r) if r else 0.0)
    return {
        "map": float(np.mean(aps)),
        f"p_at_{k}": float(np.mean(p_at_k)),
        "r_precision": float(np.mean(r_prec)),
        "debates": len(by_group),
        "n": int(len(y)),
        "positives": int(y.sum()),
    }
