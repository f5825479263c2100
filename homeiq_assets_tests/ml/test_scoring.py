"""Scoring stored versions on rows: metrics by name agree with `ml/metrics.py`, the vectorised
bootstrap of ratio metrics equals the generic one, and a paired difference is paired."""

from __future__ import annotations

import numpy as np
import pytest

from homeiq_assets.ml.bootstrap import paired_difference, statistic_estimate
from homeiq_assets.ml.gates import HEADLINE
from homeiq_assets.ml.metrics import binary_metrics
from homeiq_assets.ml.scoring import (
    METRICS,
    RowScores,
    ab_table,
    compare,
    difference,
    estimate,
    metric_value,
    supported_metrics,
)


def _rows(seed: int, flip: float = 0.2) -> RowScores:
    rng = np.random.default_rng(seed)
    n = 600
    homes = np.repeat([f"c/h{i}" for i in range(12)], n // 12)
    y = rng.random(n) < 0.3
    score = np.clip(y * 0.4 + rng.random(n) * 0.6, 0, 1)
    pred = np.where(rng.random(n) < flip, ~y, score > 0.5)
    return RowScores("device_failure", y, pred, score, homes)


def test_every_headline_metric_is_computed_from_rows():
    for model, metric in HEADLINE.items():
        assert metric in METRICS and supported_metrics(model)[0] == metric


def test_metrics_by_name_agree_with_the_model_reports():
    r = _rows(1)
    ref = binary_metrics(r.y_true, r.y_pred, r.y_score)
    for metric in ("accuracy", "precision", "recall", "f1", "auc", "average_precision"):
        assert metric_value(metric, r) == pytest.approx(ref[metric], abs=1e-4)


@pytest.mark.parametrize("metric", ["f1", "recall", "accuracy"])
def test_the_vectorised_ratio_bootstrap_equals_the_generic_one(metric):
    a, b = _rows(1), _rows(1, flip=0.1)
    b = RowScores(b.model, a.y_true, b.y_pred, b.y_score, a.homes)
    fast = estimate(metric, b, n_resamples=200)
    slow = statistic_estimate(lambda rows: metric_value(metric, b, rows), b.homes, n_resamples=200)
    assert (fast.value, fast.low, fast.high) == pytest.approx((slow.value, slow.low, slow.high))
    fast = difference(metric, a, b, n_resamples=200)
    slow = paired_difference(
        lambda rows: metric_value(metric, a, rows),
        lambda rows: metric_value(metric, b, rows),
        a.homes,
        n_resamples=200,
    )
    assert (fast.value, fast.low, fast.high) == pytest.approx((slow.value, slow.low, slow.high))


def test_a_version_against_itself_differs_by_exactly_zero():
    r = _rows(2)
    for metric in ("f1", "auc"):
        d = difference(metric, r, r, n_resamples=100)
        assert (d.value, d.low, d.high) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="same rows"):
        difference("f1", r, _rows(3))


def test_the_ab_table_lists_champion_challenger_and_the_paired_interval():
    a, b = _rows(4), _rows(4, flip=0.05)
    b = RowScores(b.model, a.y_true, b.y_pred, b.y_score, a.homes)
    comparison = compare("device_failure", a, b, n_resamples=100)
    assert list(comparison) == ["f1", "accuracy", "precision", "recall"]
    assert comparison["f1"]["difference"]["value"] > 0  # fewer flipped predictions
    table = ab_table("device_failure", comparison, ("v0001", "v0002"))
    assert table.splitlines()[0].startswith("| metric | champion v0001 | challenger v0002 |")
    assert "| f1 (headline) |" in table and "(n 600, 12 homes)" in table
    alone = compare("device_failure", None, b, n_resamples=100)
    assert "difference" not in alone["f1"] and "—" in ab_table("device_failure", alone, ("—", "v1"))


def _multiclass(seed: int) -> RowScores:
    rng = np.random.default_rng(seed)
    labels = ("a", "b", "c", "d")
    homes = np.array([f"c/h{i}" for i in range(40)])
    y = rng.choice(labels[:3], size=40)  # "d" never true: its recall is 0 by convention
    pred = np.where(rng.random(40) < 0.6, y, rng.choice(labels, size=40))
    return RowScores("home_type", y, pred, None, homes, labels)


@pytest.mark.parametrize(
    ("metric", "make"),
    [
        ("auc", lambda s: _rows(s)),
        ("macro_f1", _multiclass),
        ("macro_precision", _multiclass),
        ("macro_recall", _multiclass),
    ],
)
def test_the_vectorised_bootstraps_equal_recomputing_on_the_drawn_rows(metric, make):
    a, b = make(5), make(6)
    b = RowScores(b.model, a.y_true, b.y_pred, b.y_score, a.homes, a.labels)
    if metric == "auc":  # ties across the two score sets are handled the same way
        b = RowScores(b.model, a.y_true, b.y_pred, np.round(b.y_score, 2), a.homes)
    fast = estimate(metric, b, n_resamples=150)
    slow = statistic_estimate(lambda rows: metric_value(metric, b, rows), b.homes, n_resamples=150)
    assert (fast.value, fast.low, fast.high) == pytest.approx((slow.value, slow.low, slow.high))
    fast = difference(metric, a, b, n_resamples=150)
    slow = paired_difference(
        lambda rows: metric_value(metric, a, rows),
        lambda rows: metric_value(metric, b, rows),
        a.homes,
        n_resamples=150,
    )
    assert (fast.value, fast.low, fast.high) == pytest.approx((slow.value, slow.low, slow.high))
