"""95 % intervals from a bootstrap over homes.

Why homes and not rows: rows of one home are not independent (the same devices, occupants and
habits), so resampling rows would give intervals far too narrow. Every interval here resamples
whole homes with replacement and recomputes the metric on the rows of the drawn homes
(percentile interval). Metrics that are ratios of per-home counts (accuracy, precision, recall,
F1, event recall, alert precision) are bootstrapped fully vectorised from a matrix of resample
weights; any other metric (AUC, macro F1) is recomputed once per resample on the drawn rows.
A paired interval resamples the same homes for two models, so the A/B difference of a
champion and a challenger scored on the same rows gets its own interval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

N_RESAMPLES = 1000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    """A metric on held-out homes: its value, 95 % interval, and sample sizes."""

    value: float
    low: float
    high: float
    n: int  # rows, events or episodes the metric counts
    homes: int

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    def text(self, digits: int = 3) -> str:
        """`0.912 [0.871, 0.944] (n 1,204, 40 homes)`."""
        return (
            f"{self.value:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}] "
            f"(n {self.n:,}, {self.homes} homes)"
        )


def resample_weights(n_homes: int, n_resamples: int = N_RESAMPLES, seed: int = 0) -> np.ndarray:
    """How often each home is drawn in each resample: shape (n_resamples, n_homes)."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_homes, np.full(n_homes, 1.0 / n_homes), size=n_resamples)


def percentile_interval(samples: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The central `confidence` interval of bootstrap `samples` (undefined ones dropped)."""
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(samples, [tail, 1.0 - tail])
    return float(low), float(high)


def home_index(homes: np.ndarray) -> tuple[np.ndarray, int]:
    """Dense home codes 0..H-1 of each row and H."""
    _, codes = np.unique(np.asarray(homes).astype(str), return_inverse=True)
    return codes, int(codes.max()) + 1 if codes.size else 0


def ratio_estimate(
    numerator: np.ndarray,
    denominator: np.ndarray,
    homes: np.ndarray,
    *,
    n: int | None = None,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    confidence: float = CONFIDENCE,
) -> Estimate:
    """sum(numerator) / sum(denominator) over rows, with a bootstrap over homes.

    `numerator` and `denominator` are per-row contributions (e.g. 1 for a true positive and
    1 for every predicted positive gives precision); rows are summed per home first, so the
    resamples are one matrix product."""
    codes, n_homes = home_index(homes)
    num = np.bincount(codes, weights=np.asarray(numerator, float), minlength=n_homes)
    den = np.bincount(codes, weights=np.asarray(denominator, float), minlength=n_homes)
    value = float(num.sum() / den.sum()) if den.sum() > 0 else float("nan")
    if n_homes == 0:
        return Estimate(value, float("nan"), float("nan"), 0, 0)
    w = resample_weights(n_homes, n_resamples, seed)
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = (w @ num) / (w @ den)
    low, high = percentile_interval(boot, confidence)
    count = int(np.asarray(denominator).astype(bool).sum()) if n is None else n
    return Estimate(value, low, high, count, n_homes)


def statistic_estimate(
    statistic: Callable[[np.ndarray], float],
    homes: np.ndarray,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    confidence: float = CONFIDENCE,
) -> Estimate:
    """Any metric of a set of rows: `statistic(row_indices)` on all rows, then on the rows of
    each resample of homes (a home drawn twice contributes its rows twice)."""
    codes, n_homes = home_index(homes)
    order = np.argsort(codes, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=n_homes))]
    value = float(statistic(np.arange(codes.size)))
    boot = np.empty(n_resamples)
    w = resample_weights(n_homes, n_resamples, seed) if n_homes else np.zeros((0, 0), int)
    for b in range(n_resamples if n_homes else 0):
        drawn = np.repeat(np.arange(n_homes), w[b])
        rows = np.concatenate([order[bounds[h] : bounds[h + 1]] for h in drawn])
        boot[b] = statistic(rows)
    low, high = percentile_interval(boot if n_homes else np.array([]), confidence)
    return Estimate(value, low, high, int(codes.size), n_homes)


def paired_difference(
    statistic_a: Callable[[np.ndarray], float],
    statistic_b: Callable[[np.ndarray], float],
    homes: np.ndarray,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
    confidence: float = CONFIDENCE,
) -> Estimate:
    """statistic_b − statistic_a on the same rows, with both recomputed on the same resampled
    homes, so the interval reflects the paired difference rather than two separate spreads."""
    return statistic_estimate(
        lambda rows: statistic_b(rows) - statistic_a(rows),
        homes,
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )


def binary_estimates(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    homes: np.ndarray,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> dict[str, Estimate]:
    """Accuracy, precision, recall and F1 of binary predictions, each with its interval."""
    t = np.asarray(y_true, dtype=bool)
    p = np.asarray(y_pred, dtype=bool)
    tp = (t & p).astype(float)
    kw = {"n_resamples": n_resamples, "seed": seed}
    return {
        "accuracy": ratio_estimate(t == p, np.ones(t.size), homes, **kw),
        "precision": ratio_estimate(tp, p, homes, **kw),
        "recall": ratio_estimate(tp, t, homes, **kw),
        # F1 = 2 TP / (2 TP + FP + FN): a ratio of per-home counts as well
        "f1": ratio_estimate(2 * tp, t.astype(float) + p, homes, n=int(t.size), **kw),
    }
