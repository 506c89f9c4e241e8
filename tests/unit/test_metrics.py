"""Evaluation measures against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from factcheck.classifier.features import FEATURE_NAMES
from factcheck.classifier.metrics import (
    average_precision,
    best_f1_threshold,
    classification_report,
    ranking_report,
    roc_auc,
)
from factcheck.classifier.ranker import fit_ranker
from factcheck.triage.training import flag_report, threshold_for_recall


def test_average_precision_by_hand():
    # ranking: 1 0 1 0 -> precision at the hits: 1/1 and 2/3
    assert average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision([0, 0], [0.5, 0.2]) == 0.0


def test_roc_auc_by_hand_with_ties():
    assert roc_auc([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.1]) == 1.0
    assert roc_auc([1, 0], [0.5, 0.5]) == 0.5
    # 3 positive-negative pairs ordered right of 4
    assert roc_auc([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(0.75)
    assert math.isnan(roc_auc([1, 1], [0.2, 0.3]))


def test_classification_report():
    report = classification_report([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1], threshold=0.5)
    assert report["precision"] == 0.5 and report["recall"] == 0.5 and report["f1"] == 0.5
    assert report["macro_f1"] == 0.5
    assert report["n"] == 4 and report["positives"] == 2


def test_best_threshold_maximises_f1():
    labels = [1, 1, 0, 0, 1]
    scores = [0.9, 0.7, 0.6, 0.2, 0.65]
    threshold = best_f1_threshold(labels, scores)
    assert threshold == 0.65
    assert classification_report(labels, scores, threshold)["f1"] == pytest.approx(1.0)


def test_ranking_report_per_debate():
    labels = [1, 0, 0, 1, 0, 1]
    scores = [0.9, 0.5, 0.1, 0.2, 0.8, 0.7]
    groups = ["a", "a", "a", "b", "b", "b"]
    report = ranking_report(labels, scores, groups, k=2)
    # debate a: AP 1.0; debate b ranks 0 1 1 -> hits at 2 (1/2) and 3 (2/3)
    assert report["map"] == pytest.approx((1.0 + (1 / 2 + 2 / 3) / 2) / 2)
    assert report["p_at_2"] == pytest.approx((0.5 + 0.5) / 2)
    assert report["r_precision"] == pytest.approx((1.0 + 0.5) / 2)  # b: top 2 holds 1 of 2
    assert report["debates"] == 2


# Known values: computed with the hand-written measures these functions replaced (issue 15,
# item 8) and checked by hand; scikit-learn must give the same numbers.
LABELS = [1, 0, 1, 1, 0, 0, 1, 0, 0, 1]
SCORES = [0.95, 0.9, 0.8, 0.7, 0.65, 0.5, 0.45, 0.3, 0.2, 0.1]


def test_classification_report_known_values():
    report = classification_report(LABELS, SCORES, threshold=0.5)
    # flagged: the first six, 3 of them positive; 3 of the 5 positives flagged
    assert report["precision"] == 0.5 and report["recall"] == 0.6
    assert report["f1"] == pytest.approx(6 / 11)
    # negatives: 2 of the 4 unflagged are negative, 2 of the 5 negatives unflagged
    assert report["macro_f1"] == pytest.approx((6 / 11 + 4 / 9) / 2)
    assert report["roc_auc"] == pytest.approx(15 / 25)  # 15 of 25 pairs ordered right
    # precision at the hits (ranks 1, 3, 4, 7, 10): 1, 2/3, 3/4, 4/7, 5/10
    assert report["average_precision"] == pytest.approx((1 + 2 / 3 + 3 / 4 + 4 / 7 + 1 / 2) / 5)
    assert classification_report([0, 0], [0.9, 0.1], 0.5)["precision"] == 0.0  # no division


def test_average_precision_counts_tied_scores_as_one_step():
    # Before scikit-learn, ties kept input order (AP 1.0 one way round, 0.5 the other).
    assert average_precision([1, 0], [0.5, 0.5]) == 0.5
    assert average_precision([0, 1], [0.5, 0.5]) == 0.5


def test_best_threshold_takes_the_lowest_of_equal_f1_and_can_balance_classes():
    # F1 at 0.8 (1 hit, nothing else) is 2/3; at 0.6 (3 flagged, 2 hits) also 2/3
    assert best_f1_threshold([1, 0, 1, 0, 0], [0.8, 0.7, 0.6, 0.2, 0.1]) == 0.6
    # one positive among many negatives: weighting negatives down lowers the threshold
    labels, scores = [1, 0, 0, 0, 0, 0, 1], [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]
    assert best_f1_threshold(labels, scores) == 0.9
    assert best_f1_threshold(labels, scores, balanced=True) == 0.3
    assert best_f1_threshold([0, 0], [0.4, 0.2]) == 0.2 and best_f1_threshold([], []) == 0.5


def test_threshold_for_recall_and_flag_report():
    labels, scores = np.array(LABELS), np.array(SCORES)
    assert threshold_for_recall(labels, scores, 0.6) == 0.7
    assert threshold_for_recall(labels, scores, 0.9) == 0.1
    report = flag_report(labels, scores, 0.7)
    assert report["precision"] == 0.75 and report["recall"] == 0.6
    assert report["flagged_share"] == 0.4 and report["positives"] == 5
    assert flag_report(np.array([0, 0]), np.array([0.1, 0.2]), 0.5)["precision"] == 0.0


def test_fit_ranker_minimises_the_per_block_penalised_loss():
    """Pooled weights carry their own penalty; at the fit the gradient must be zero."""
    rng = np.random.default_rng(3)
    features = rng.normal(size=(300, len(FEATURE_NAMES)))
    pooled = rng.normal(size=(300, 5))
    labels = (features[:, 0] + pooled[:, 0] + rng.normal(size=300) > 0).astype(int)
    weight = np.where(labels == 1, 2.0, 1.0)
    ranker = fit_ranker(
        features, labels, pooled=pooled, sample_weight=weight, l2=3.0, l2_embedding=50.0
    )
    x = np.hstack(
        [
            (features - ranker.mean) / ranker.scale,
            (pooled - ranker.embedding_mean) / ranker.embedding_scale,
        ]
    )
    w = np.concatenate([ranker.weights, ranker.embedding_weights]).astype(np.float64)
    residual = weight * (ranker.scores(features, pooled) - labels)
    penalty = np.concatenate([np.full(len(FEATURE_NAMES), 3.0), np.full(5, 50.0)])
    gradient = x.T @ residual + penalty * w
    # (the ranker stores float32 numbers, hence the loose bound)
    assert abs(residual.sum()) < 1e-2 and np.abs(gradient).max() < 1e-2
