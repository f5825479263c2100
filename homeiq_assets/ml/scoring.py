"""Score a stored model version on any collected rows: per-row predictions, any gate metric with
its 95 % interval from a bootstrap over homes, and the paired difference of two versions.

Why this exists beside `train_and_evaluate`: that function trains *and* scores in one call, so it
cannot score a version that already exists — the champion on the benchmark next to a challenger,
or the champion on a new cycle's homes (degradation). Both versions go through the same code
here, on the same rows, so their difference is a like-for-like comparison. Each model needs only
an adapter that turns its dataset into (label, prediction, score) per row; the metrics are
defined once, by name (`METRICS`), so a model's `HEADLINE` metric and the metrics of its gate
are computed the way `ml/metrics.py` computes them in its report (a test keeps the two in step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from homeiq_assets.ml.base import Datasets
from homeiq_assets.ml.bootstrap import (
    CONFIDENCE,
    N_RESAMPLES,
    Estimate,
    home_index,
    paired_difference,
    resample_weights,
    statistic_estimate,
)
from homeiq_assets.ml.data import home_key
from homeiq_assets.ml.gates import GATES, HEADLINE
from homeiq_assets.ml.training import one_openmp_thread


@dataclass
class RowScores:
    """One model version's outputs on a set of rows (aligned arrays)."""

    model: str
    y_true: np.ndarray
    y_pred: np.ndarray
    y_score: np.ndarray | None  # None for multi-class labels
    homes: np.ndarray  # one key per home and cycle (`ml.data.home_key`)
    labels: tuple[str, ...] = ()  # class labels of a multi-class model

    def __len__(self) -> int:
        return int(self.y_true.size)


# -- adapters: dataset -> (label, prediction, score) per row ---------------------------------


def _home_type(predictor, data: Datasets) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, None]:
    from homeiq_assets.sim.catalog import HOME_TYPES

    frame = data["home_type"]
    pred = predictor.predict(frame) if len(frame) else np.array([], dtype=object)
    return frame, frame["gt_home_type"].to_numpy(), np.asarray(pred), tuple(HOME_TYPES)


def _device_failure(predictor, data: Datasets):
    from homeiq_assets.ml.models.health_features import health_features

    frame = data["device_intelligence"]
    score = predictor.predict_proba(health_features(frame))[:, 1]
    return frame, frame["gt_fails_within_7d"].to_numpy(bool), score >= predictor.threshold, score


def _device_anomaly(predictor, data: Datasets):
    frame = data["device_intelligence"]
    score = predictor.score_samples(predictor.features(frame))
    return frame, frame["gt_anomaly"].to_numpy(bool), score >= predictor.threshold, score


def _synergy_gnn(predictor, data: Datasets):
    frame = data["synergy_gnn"].reset_index(drop=True)
    score = predictor.predict_proba(
        {"synergy_gnn": frame, "synergy_gnn.nodes": data.get("synergy_gnn.nodes", pd.DataFrame())}
    )
    return frame, frame["gt_linked"].astype(bool).to_numpy(), score >= predictor.threshold, score


def _pattern_quality(predictor, data: Datasets):
    from homeiq_assets.ml.models.pattern_quality import features

    frame = data["pattern_detection"]
    score = predictor.predict_proba(features(frame))
    return frame, frame["gt_real"].astype(bool).to_numpy(), score >= predictor.threshold, score


ADAPTERS: dict[str, Callable] = {
    "home_type": _home_type,
    "device_failure": _device_failure,
    "device_anomaly": _device_anomaly,
    "synergy_gnn": _synergy_gnn,
    "pattern_quality": _pattern_quality,
}


def score_rows(model: str, predictor, data: Datasets) -> RowScores:
    """`predictor`'s outputs on every row of its dataset in `data`."""
    with one_openmp_thread():
        frame, y_true, fourth_a, fourth_b = ADAPTERS[model](predictor, data)
    if model == "home_type":  # multi-class: (frame, y, pred, labels)
        return RowScores(model, np.asarray(y_true), fourth_a, None, home_key(frame), fourth_b)
    return RowScores(
        model,
        np.asarray(y_true, bool),
        np.asarray(fourth_a, bool),
        np.asarray(fourth_b, float),
        home_key(frame),
    )


# -- metrics by name ------------------------------------------------------------------------

# ratio metrics: per-row numerator and denominator, so they bootstrap as one matrix product
_RATIOS: dict[str, Callable[[RowScores], tuple[np.ndarray, np.ndarray]]] = {
    "accuracy": lambda r: ((r.y_true == r.y_pred).astype(float), np.ones(len(r))),
    "precision": lambda r: ((r.y_true & r.y_pred).astype(float), r.y_pred.astype(float)),
    "recall": lambda r: ((r.y_true & r.y_pred).astype(float), r.y_true.astype(float)),
    "f1": lambda r: (
        2.0 * (r.y_true & r.y_pred),
        r.y_true.astype(float) + r.y_pred.astype(float),
    ),
}


def _auc(r: RowScores, rows: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    y = r.y_true[rows]
    if r.y_score is None or not 0 < y.sum() < y.size:
        return float("nan")
    return float(roc_auc_score(y, r.y_score[rows]))


def _average_precision(r: RowScores, rows: np.ndarray) -> float:
    from sklearn.metrics import average_precision_score

    y = r.y_true[rows]
    if r.y_score is None or not 0 < y.sum() < y.size:
        return float("nan")
    return float(average_precision_score(y, r.y_score[rows]))


def _macro(index: int) -> Callable[[RowScores, np.ndarray], float]:
    def metric(r: RowScores, rows: np.ndarray) -> float:
        from sklearn.metrics import precision_recall_fscore_support

        if rows.size == 0:
            return float("nan")
        values = precision_recall_fscore_support(
            r.y_true[rows], r.y_pred[rows], labels=list(r.labels), zero_division=0
        )[index]
        return float(np.mean(values))

    return metric


_STATISTICS: dict[str, Callable[[RowScores, np.ndarray], float]] = {
    "auc": _auc,
    "average_precision": _average_precision,
    "macro_precision": _macro(0),
    "macro_recall": _macro(1),
    "macro_f1": _macro(2),
}
METRICS = (*_RATIOS, *_STATISTICS)


# -- the same metrics over many resamples at once ------------------------------------------
# A resample of homes gives every row the weight of its home (how often it was drawn); each
# function returns the metric for every row of `weights` (resamples × homes) at once, equal to
# recomputing it on the drawn rows (a home drawn twice counts twice).

_CHUNK = 100  # resamples per block: bounds memory at 100 × rows floats


def _weighted_auc(r: RowScores, codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC with row weights: positive-negative pairs ordered right, ties half."""
    order = np.argsort(r.y_score, kind="mergesort")
    score, y, home = r.y_score[order], r.y_true[order], codes[order]
    starts = np.flatnonzero(np.r_[True, score[1:] != score[:-1]])  # groups of equal scores
    out = np.empty(weights.shape[0])
    for lo in range(0, weights.shape[0], _CHUNK):
        w = weights[lo : lo + _CHUNK][:, home].astype(float)
        pos = np.add.reduceat(w * y, starts, axis=1)
        neg = np.add.reduceat(w * ~y, starts, axis=1)
        below = np.cumsum(neg, axis=1) - neg
        num = (pos * (below + 0.5 * neg)).sum(axis=1)
        den = pos.sum(axis=1) * neg.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[lo : lo + _CHUNK] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    return out


def _weighted_macro(index: int):
    """Macro precision (0), recall (1) or F1 (2) over the model's labels from per-home counts
    of true positives, predictions and truths per class (zero where undefined, as sklearn's
    `zero_division=0`)."""

    def metric(r: RowScores, codes: np.ndarray, weights: np.ndarray) -> np.ndarray:
        labels = np.asarray(r.labels, dtype=object)
        n_homes = weights.shape[1]

        def counts(mask_by_label: np.ndarray) -> np.ndarray:  # homes × labels
            out = np.zeros((n_homes, labels.size))
            for k in range(labels.size):
                out[:, k] = np.bincount(codes, weights=mask_by_label[k], minlength=n_homes)
            return out

        truth = np.stack([r.y_true == lab for lab in labels]).astype(float)
        pred = np.stack([r.y_pred == lab for lab in labels]).astype(float)
        tp_h, pred_h, true_h = counts(truth * pred), counts(pred), counts(truth)
        tp, n_pred, n_true = weights @ tp_h, weights @ pred_h, weights @ true_h
        num, den = (
            (tp, n_pred)
            if index == 0
            else (tp, n_true)
            if index == 1
            else (
                2 * tp,
                n_pred + n_true,
            )
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            per_label = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
        return per_label.mean(axis=1)

    return metric


_VECTORISED = {
    "auc": _weighted_auc,
    "macro_precision": _weighted_macro(0),
    "macro_recall": _weighted_macro(1),
    "macro_f1": _weighted_macro(2),
}


def supported_metrics(model: str) -> list[str]:
    """The headline first, then the model's gate metrics this module computes (differences to a
    baseline, `*_over_baseline`, need the baseline and are left to the model's own report)."""
    names = [HEADLINE[model], *GATES[model]]
    return [m for m in dict.fromkeys(names) if m in METRICS]


def metric_value(metric: str, r: RowScores, rows: np.ndarray | None = None) -> float:
    """`metric` on `rows` (default: all) of `r`."""
    rows = np.arange(len(r)) if rows is None else rows
    if metric in _RATIOS:
        num, den = _RATIOS[metric](r)
        total = den[rows].sum()
        return float(num[rows].sum() / total) if total > 0 else 0.0
    if metric in _STATISTICS:
        return _STATISTICS[metric](r, rows)
    raise KeyError(f"metric {metric!r} is not computed from rows (known: {', '.join(METRICS)})")


def estimate(
    metric: str, r: RowScores, *, n_resamples: int = N_RESAMPLES, seed: int = 0
) -> Estimate:
    """`metric` with its 95 % interval from a bootstrap over the homes of `r`."""
    return _paired(metric, None, r, n_resamples=n_resamples, seed=seed)


def difference(
    metric: str, a: RowScores, b: RowScores, *, n_resamples: int = N_RESAMPLES, seed: int = 0
) -> Estimate:
    """`metric` of b minus that of a on the same rows, both recomputed on the same resampled
    homes (a paired interval)."""
    if not np.array_equal(a.homes, b.homes) or not np.array_equal(a.y_true, b.y_true):
        raise ValueError("a paired difference needs both versions scored on the same rows")
    return _paired(metric, a, b, n_resamples=n_resamples, seed=seed)


def _paired(
    metric: str, a: RowScores | None, b: RowScores, *, n_resamples: int, seed: int
) -> Estimate:
    if metric in _RATIOS:
        return _ratio_bootstrap(metric, a, b, n_resamples, seed)
    if metric in _VECTORISED and (metric != "auc" or b.y_score is not None):
        return _vectorised_bootstrap(metric, a, b, n_resamples, seed)
    stat_b = lambda rows: metric_value(metric, b, rows)  # noqa: E731
    if a is None:
        return statistic_estimate(stat_b, b.homes, n_resamples=n_resamples, seed=seed)
    stat_a = lambda rows: metric_value(metric, a, rows)  # noqa: E731
    return paired_difference(stat_a, stat_b, b.homes, n_resamples=n_resamples, seed=seed)


def _ratio_bootstrap(
    metric: str, a: RowScores | None, b: RowScores, n_resamples: int, seed: int
) -> Estimate:
    """Ratio metric of b (minus that of a) with every resample a weighted sum per home."""
    codes, n_homes = home_index(b.homes)

    def per_home(r: RowScores) -> tuple[np.ndarray, np.ndarray]:
        num, den = _RATIOS[metric](r)
        return (
            np.bincount(codes, weights=num, minlength=n_homes),
            np.bincount(codes, weights=den, minlength=n_homes),
        )

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)

    num_b, den_b = per_home(b)
    value = float(ratio(num_b.sum(), den_b.sum()))
    if a is not None:
        num_a, den_a = per_home(a)
        value -= float(ratio(num_a.sum(), den_a.sum()))
    if n_homes == 0:
        return Estimate(value, float("nan"), float("nan"), 0, 0)
    w = resample_weights(n_homes, n_resamples, seed)
    boot = ratio(w @ num_b, w @ den_b)
    if a is not None:
        boot = boot - ratio(w @ num_a, w @ den_a)
    tail = (1.0 - CONFIDENCE) / 2.0
    low, high = np.quantile(boot, [tail, 1.0 - tail])
    return Estimate(value, float(low), float(high), len(b), n_homes)


def _vectorised_bootstrap(
    metric: str, a: RowScores | None, b: RowScores, n_resamples: int, seed: int
) -> Estimate:
    """Any metric of `_VECTORISED` (b, or b minus a) over all resamples at once."""
    codes, n_homes = home_index(b.homes)
    value = metric_value(metric, b) - (metric_value(metric, a) if a is not None else 0.0)
    if n_homes == 0:
        return Estimate(value, float("nan"), float("nan"), 0, 0)
    w = resample_weights(n_homes, n_resamples, seed)
    boot = _VECTORISED[metric](b, codes, w)
    if a is not None:
        boot = boot - _VECTORISED[metric](a, codes, w)
    boot = boot[np.isfinite(boot)]
    if boot.size == 0:
        return Estimate(value, float("nan"), float("nan"), len(b), n_homes)
    tail = (1.0 - CONFIDENCE) / 2.0
    low, high = np.quantile(boot, [tail, 1.0 - tail])
    return Estimate(value, float(low), float(high), len(b), n_homes)


# -- champion against challenger ------------------------------------------------------------


def compare(
    model: str,
    champion: RowScores | None,
    challenger: RowScores,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> dict[str, dict]:
    """Per supported metric: the challenger's estimate, the champion's (if any) and the paired
    difference challenger − champion, each as `Estimate.to_dict()`."""
    out: dict[str, dict] = {}
    kw = {"n_resamples": n_resamples, "seed": seed}
    for metric in supported_metrics(model):
        row = {"challenger": estimate(metric, challenger, **kw).to_dict()}
        if champion is not None:
            row["champion"] = estimate(metric, champion, **kw).to_dict()
            row["difference"] = difference(metric, champion, challenger, **kw).to_dict()
        out[metric] = row
    return out


def ab_table(model: str, comparison: dict[str, dict], names: tuple[str, str]) -> str:
    """The A/B comparison as a markdown table (champion, challenger, paired difference)."""
    champion_name, challenger_name = names
    lines = [
        f"| metric | champion {champion_name} | challenger {challenger_name} | "
        "difference [95 % paired interval] |",
        "|---|---|---|---|",
    ]
    for metric, row in comparison.items():
        mark = " (headline)" if metric == HEADLINE[model] else ""
        champ = _text(row.get("champion"))
        chal = _text(row["challenger"])
        diff = _text(row.get("difference"), signed=True, sizes=False)
        lines.append(f"| {metric}{mark} | {champ} | {chal} | {diff} |")
    return "\n".join(lines)


def _text(est: dict | None, signed: bool = False, sizes: bool = True) -> str:
    if not est:
        return "—"
    fmt = "{:+.3f}" if signed else "{:.3f}"
    text = f"{fmt.format(est['value'])} [{fmt.format(est['low'])}, {fmt.format(est['high'])}]"
    return text + (f" (n {est['n']:,}, {est['homes']} homes)" if sizes else "")
