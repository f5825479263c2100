"""Intervals from a bootstrap over homes cover what they should."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from homeiq_assets.ml.bootstrap import (
    binary_estimates,
    paired_difference,
    ratio_estimate,
    statistic_estimate,
)


def _fleet(rng: np.random.Generator, homes: int = 40, rows: int = 50, p: float = 0.8):
    """Predictions of a model whose true per-row accuracy is p, homes varying around it."""
    home = np.repeat(np.arange(homes), rows)
    per_home = np.clip(rng.normal(p, 0.05, homes), 0, 1)
    correct = rng.random(home.size) < per_home[home]
    return home, correct


def test_the_interval_covers_the_true_accuracy_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(3)
    covered = 0
    trials = 200
    for i in range(trials):
        home, correct = _fleet(rng)
        est = ratio_estimate(correct, np.ones(correct.size), home, n_resamples=400, seed=i)
        covered += est.low <= 0.8 <= est.high
        assert est.low <= est.value <= est.high
        assert est.homes == 40 and est.n == 2000
    assert 0.88 <= covered / trials <= 0.995


def test_the_interval_narrows_with_more_homes() -> None:
    rng = np.random.default_rng(1)
    small = ratio_estimate(*(lambda h, c: (c, np.ones(c.size), h))(*_fleet(rng, homes=10)))
    large = ratio_estimate(*(lambda h, c: (c, np.ones(c.size), h))(*_fleet(rng, homes=160)))
    assert (large.high - large.low) < 0.6 * (small.high - small.low)


def test_binary_estimates_match_the_plain_counts() -> None:
    y_true = np.array([1, 1, 0, 0, 1, 0, 1, 1], bool)
    y_pred = np.array([1, 0, 0, 1, 1, 0, 1, 0], bool)
    homes = np.array(list("aabbccdd"))
    est = binary_estimates(y_true, y_pred, homes, n_resamples=50)
    assert est["accuracy"].value == 5 / 8
    assert est["precision"].value == 3 / 4
    assert est["recall"].value == 3 / 5
    assert abs(est["f1"].value - 2 * 0.75 * 0.6 / 1.35) < 1e-12
    assert est["recall"].n == 5 and est["precision"].n == 4 and est["accuracy"].homes == 4


def test_a_generic_statistic_and_a_paired_difference() -> None:
    rng = np.random.default_rng(7)
    home = np.repeat(np.arange(30), 40)
    y = rng.random(home.size) < 0.3
    good = y + rng.normal(0, 0.6, y.size)
    worse = y + rng.normal(0, 1.5, y.size)
    auc = statistic_estimate(lambda r: roc_auc_score(y[r], good[r]), home, n_resamples=200)
    assert auc.low < auc.value < auc.high and auc.value > 0.7
    diff = paired_difference(
        lambda r: roc_auc_score(y[r], good[r]),
        lambda r: roc_auc_score(y[r], worse[r]),
        home,
        n_resamples=200,
    )
    assert diff.high < 0  # the worse model is worse, and the paired interval says so
    same = paired_difference(
        lambda r: roc_auc_score(y[r], good[r]), lambda r: roc_auc_score(y[r], good[r]), home
    )
    assert same.low == same.high == 0.0
