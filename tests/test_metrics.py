"""Evaluation measures against hand-computed values."""

from __future__ import annotations

import math

import pytest

from factcheck.classifier.metrics import (
    average_precision,
    best_f1_threshold,
    classification_report,
    ranking_report,
    roc_auc,
)


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
