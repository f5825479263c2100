"""One definition of every metric: per-home statistics and formulas (`ml.stats`, `ml.metrics`)
agree with scikit-learn on the point value, their vectorised bootstrap equals recomputing the
metric on the rows of the drawn homes, a paired difference is paired, and `ml.scoring` scores
the headline and gate metrics of every model with them."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_recall_fscore_support, roc_auc_score

from homeiq_assets.ml.bootstrap import paired_difference, statistic_estimate
from homeiq_assets.ml.gates import GATES, HEADLINE
from homeiq_assets.ml.metrics import add_binary, add_confusion, binary, multiclass
from homeiq_assets.ml.scoring import ab_table, compare, gate_names, measure, metrics_of
from homeiq_assets.ml.stats import HomeStats, Metric, estimate
from homeiq_assets.ml.training import MODEL_NAMES


def _binary(seed: int, flip: float = 0.2):
    rng = np.random.default_rng(seed)
    n = 600
    homes = np.repeat([f"c/h{i:02d}" for i in range(12)], n // 12)
    y = rng.random(n) < 0.3
    score = np.round(np.clip(y * 0.4 + rng.random(n) * 0.6, 0, 1), 2)  # ties on purpose
    pred = np.where(rng.random(n) < flip, ~y, score > 0.5)
    return homes, y, pred, score


def _stats(homes, y, pred, score, base_pred=None, base_score=None) -> HomeStats:
    stats = HomeStats(homes)
    add_binary(stats, "", homes, y, pred, score)
    if base_pred is not None:
        add_binary(stats, "baseline_", homes, y, base_pred, base_score)
    return stats


def _point(metric: Metric, stats: HomeStats) -> float:
    return estimate(metric, stats, n_resamples=10).value


def test_every_headline_and_gate_metric_is_defined_for_every_model():
    for model in MODEL_NAMES:
        defined = metrics_of(model)
        assert gate_names(model)[0] == HEADLINE[model]
        assert set(GATES[model]) | {HEADLINE[model]} <= set(defined), model


def test_binary_metrics_agree_with_scikit_learn():
    homes, y, pred, score = _binary(1)
    stats = _stats(homes, y, pred, score)
    m = binary()
    p, r, f, _ = precision_recall_fscore_support(y, pred, average="binary")
    assert _point(m["accuracy"], stats) == pytest.approx((y == pred).mean())
    assert _point(m["precision"], stats) == pytest.approx(p)
    assert _point(m["recall"], stats) == pytest.approx(r)
    assert _point(m["f1"], stats) == pytest.approx(f)
    assert _point(m["auc"], stats) == pytest.approx(roc_auc_score(y, score))
    est = estimate(m["recall"], stats, n_resamples=10)
    assert (est.n, est.homes) == (int(y.sum()), 12)


def _multiclass(seed: int):
    rng = np.random.default_rng(seed)
    labels = ("a", "b", "c", "d")
    homes = np.array([f"c/h{i:02d}" for i in range(40)])
    y = rng.choice(labels[:3], size=40)  # "d" never true: present only when predicted
    pred = np.where(rng.random(40) < 0.6, y, rng.choice(labels, size=40))
    return homes, y, pred, labels


def test_macro_metrics_agree_with_scikit_learn():
    homes, y, pred, labels = _multiclass(2)
    stats = HomeStats(homes)
    add_confusion(stats, "k", homes, y, pred, labels)
    m = multiclass("k")
    p, r, f, _ = precision_recall_fscore_support(y, pred, average="macro", zero_division=0)
    assert _point(m["macro_precision"], stats) == pytest.approx(p)
    assert _point(m["macro_recall"], stats) == pytest.approx(r)
    assert _point(m["macro_f1"], stats) == pytest.approx(f)
    per = estimate(m["class_recall"], stats, n_resamples=10)
    assert set(per) == set(labels) and math.isnan(per["d"].value) and per["d"].n == 0


@pytest.mark.parametrize("name", ["f1", "recall", "accuracy", "auc", "macro_f1", "median"])
def test_the_vectorised_bootstrap_equals_recomputing_on_the_drawn_rows(name):
    """Every resample of a metric from per-home statistics equals the metric recomputed on
    the rows of the drawn homes (a home drawn twice counts twice), and so does a paired
    difference of two versions."""
    if name == "macro_f1":
        homes, y, pred_a, labels = _multiclass(5)
        pred_b = _multiclass(6)[2]
        stats_a, stats_b = HomeStats(homes), HomeStats(homes)
        add_confusion(stats_a, "k", homes, y, pred_a, labels)
        add_confusion(stats_b, "k", homes, y, pred_b, labels)
        metric = multiclass("k")["macro_f1"]

        def by_rows(pred):
            return lambda rows: f1_score(y[rows], pred[rows], average="macro", zero_division=0)

        stat_a, stat_b = by_rows(pred_a), by_rows(pred_b)
    elif name == "median":
        homes, y, _, score = _binary(7)
        values_b = np.round(score * 7 + y, 0)
        stats_a, stats_b = HomeStats(homes), HomeStats(homes)
        stats_a.add("units", homes)
        stats_b.add("units", homes)
        stats_a.add_values("lead", homes, score)
        stats_b.add_values("lead", homes, values_b)
        metric = Metric(lambda v: v.median("lead"), "units")
        stat_a = lambda rows: float(np.median(score[rows]))  # noqa: E731
        stat_b = lambda rows: float(np.median(values_b[rows]))  # noqa: E731
    else:
        homes, y, pred_a, score_a = _binary(1)
        _, _, pred_b, score_b = _binary(1, flip=0.1)
        score_b = np.round(score_b * 0.9, 2)
        stats_a = _stats(homes, y, pred_a, score_a)
        stats_b = _stats(homes, y, pred_b, score_b)
        metric = binary()[name]
        if name == "auc":
            stat_a = lambda rows: roc_auc_score(y[rows], score_a[rows])  # noqa: E731
            stat_b = lambda rows: roc_auc_score(y[rows], score_b[rows])  # noqa: E731
        else:

            def by_rows(pred):
                def stat(rows):
                    t, p = y[rows], pred[rows]
                    return {
                        "f1": 2 * (t & p).sum() / (t.sum() + p.sum()),
                        "recall": (t & p).sum() / t.sum(),
                        "accuracy": (t == p).mean(),
                    }[name]

                return stat

            stat_a, stat_b = by_rows(pred_a), by_rows(pred_b)
    fast = estimate(metric, stats_b, n_resamples=150)
    slow = statistic_estimate(stat_b, homes, n_resamples=150)
    assert (fast.value, fast.low, fast.high) == pytest.approx((slow.value, slow.low, slow.high))
    fast = estimate(metric, stats_b, stats_a, n_resamples=150)
    slow = paired_difference(stat_a, stat_b, homes, n_resamples=150)
    assert (fast.value, fast.low, fast.high) == pytest.approx((slow.value, slow.low, slow.high))


def test_a_version_against_itself_differs_by_exactly_zero():
    homes, y, pred, score = _binary(2)
    stats = _stats(homes, y, pred, score)
    for name in ("f1", "auc"):
        d = estimate(binary()[name], stats, stats, n_resamples=100)
        assert (d.value, d.low, d.high) == (0.0, 0.0, 0.0)
    other = HomeStats(homes[:300])
    with pytest.raises(ValueError, match="same homes"):
        estimate(binary()["f1"], stats, other)


def test_the_ab_table_lists_champion_challenger_and_the_paired_interval():
    homes, y, pred, score = _binary(4)
    _, _, better, better_score = _binary(4, flip=0.05)
    rule = score > 0.7
    champion = _stats(homes, y, pred, score, rule, score)
    challenger = _stats(homes, y, better, np.where(y, better_score, score * 0.5), rule, score)
    comparison = compare("pattern_quality", champion, challenger, n_resamples=100)
    assert list(comparison) == ["auc", "auc_over_baseline"]  # the headline first, then gates
    assert comparison["auc"]["difference"]["value"] > 0
    assert comparison["auc"]["challenger"]["homes"] == 12
    # the gap to the baseline is itself a paired difference on the same homes
    gap = comparison["auc_over_baseline"]["challenger"]
    assert gap["value"] == pytest.approx(
        roc_auc_score(y, np.where(y, better_score, score * 0.5)) - roc_auc_score(y, score),
        abs=1e-4,
    )
    table = ab_table("pattern_quality", comparison, ("v0001", "v0002"))
    assert table.splitlines()[0].startswith("| metric | champion v0001 | challenger v0002 |")
    assert "| auc (headline) |" in table and "(n 600, 12 homes)" in table
    alone = compare("pattern_quality", None, challenger, n_resamples=100)
    assert "difference" not in alone["auc"] and "—" in ab_table(
        "pattern_quality", alone, ("—", "v1")
    )


def test_a_version_without_a_stored_baseline_has_an_undefined_gap_not_an_error():
    homes, y, pred, score = _binary(3)
    old = _stats(homes, y, pred, score)  # no baseline statistics
    gap = measure("pattern_quality", "auc_over_baseline", old)
    assert math.isnan(gap.value) and gap.n == 0
    assert measure("pattern_quality", "auc", old).value == pytest.approx(roc_auc_score(y, score))
