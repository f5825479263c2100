"""Per-home sufficient statistics of a model's outputs, and metric formulas evaluated on them —
once for the point value, for every bootstrap resample of homes at once, and for the paired
difference of two versions scored on the same homes.

Why per home: homes are what the bootstrap resamples (rows of one home share devices,
occupants and habits, so they are not independent), and nearly every metric of DESIGN §7 is a
function of sums over rows or units: failure events and the warned ones, alert episodes and
the true ones, device-days, pairs, the cells of a confusion matrix. Summed per home first, a
resample (how often each home is drawn, `bootstrap.resample_weights`) turns every sum into one
matrix product, so a thousand resamples cost about what one recomputation costs, and a metric
is the same formula on the point, on each resample and on each side of a paired difference.

Two kinds of metric are not sums of per-home counts, and are kept in a form that resamples as
cheaply:

* **AUC** is a sum over positive–negative pairs: `ranked` keeps, for every pair of homes
  (h, k), how many positive rows of h outrank negative rows of k (ties count half). A
  resample's AUC is then the quadratic form w·A·w over (w·P)(w·N), exactly the Mann-Whitney AUC
  of the drawn rows (a home drawn twice counts twice).
* **medians** (lead time, time to detect) are read off cumulative weights of the sorted values:
  exactly the median of the drawn values.

A metric (`Metric`) is a formula over a `Weighted` view (sums, AUCs, medians under one weight
matrix); its sample size is the total of one named count, and a grouped metric (per class, per
failure mode) returns one column per group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from homeiq_assets.ml.bootstrap import (
    N_RESAMPLES,
    Estimate,
    percentile_interval,
    resample_weights,
)


class HomeStats:
    """Named per-home sums of one model version's outputs on one set of homes.

    `counts[name]` is (homes,) or, for grouped counts, (homes, groups) with `labels[name]`
    naming the groups; `ranked[name]` holds the pair counts of an AUC; `values[name]` the
    per-unit values of a median. Every statistic of one object covers the same homes (in
    sorted key order), so two versions scored on the same rows resample identically."""

    def __init__(self, homes: Iterable[str]):
        keys = homes if isinstance(homes, np.ndarray) else np.asarray(list(homes))
        self.homes = np.unique(keys.astype(str))
        self.counts: dict[str, np.ndarray] = {}
        self.labels: dict[str, tuple[str, ...]] = {}
        self.ranked: dict[str, _Ranked] = {}
        self.values: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # (home codes, values)

    @property
    def n_homes(self) -> int:
        return int(self.homes.size)

    def __contains__(self, name: str) -> bool:
        return name in self.counts or name in self.ranked or name in self.values

    def codes(self, keys: np.ndarray) -> np.ndarray:
        """Home codes of row keys; every key must be one of these homes."""
        keys = np.asarray(keys).astype(str)
        if keys.size == 0:
            return np.zeros(0, dtype=np.int64)
        idx = np.searchsorted(self.homes, keys)
        bad = (idx >= self.homes.size) | (self.homes[np.minimum(idx, self.homes.size - 1)] != keys)
        if bad.any():
            raise ValueError(f"rows of a home outside these statistics: {keys[bad][0]!r}")
        return idx

    def add(self, name: str, keys: np.ndarray, weights: np.ndarray | None = None) -> None:
        """counts[name] = per home, the sum of `weights` over rows (1 per row by default)."""
        code = self.codes(keys)
        w = None if weights is None else np.asarray(weights, np.float64)
        self.counts[name] = np.bincount(code, weights=w, minlength=self.n_homes).astype(np.float64)

    def add_grouped(
        self,
        name: str,
        keys: np.ndarray,
        groups: np.ndarray,
        labels: Iterable[str],
        weights: np.ndarray | None = None,
    ) -> None:
        """counts[name] = (homes, groups) sums; rows whose group is not a label are left out."""
        labels = tuple(str(x) for x in labels)
        code = self.codes(keys)
        g = _label_codes(groups, labels)
        keep = g >= 0
        w = None if weights is None else np.asarray(weights, np.float64)[keep]
        flat = code[keep] * len(labels) + g[keep]
        sums = np.bincount(flat, weights=w, minlength=self.n_homes * len(labels))
        self.counts[name] = sums.astype(np.float64).reshape(self.n_homes, len(labels))
        self.labels[name] = labels

    def add_ranked(
        self,
        name: str,
        keys: np.ndarray,
        score: np.ndarray,
        label: np.ndarray,
        groups: np.ndarray | None = None,
        labels: Iterable[str] | None = None,
    ) -> None:
        """The pair counts of an AUC of `score` for the boolean `label` (per group, if given:
        pairs are then formed within a group only)."""
        code = self.codes(keys)
        score = np.asarray(score, np.float64)
        label = np.asarray(label, bool)
        if groups is None:
            self.ranked[name] = _Ranked.build(code, score, label, self.n_homes)
            return
        labels = tuple(str(x) for x in labels or ())
        g = _label_codes(groups, labels)
        parts = [
            _Ranked.build(code[g == j], score[g == j], label[g == j], self.n_homes)
            for j in range(len(labels))
        ]
        self.ranked[name] = _Ranked.stack(parts)
        self.labels[name] = labels

    def add_values(self, name: str, keys: np.ndarray, values: np.ndarray) -> None:
        """Per-unit values (one per row) whose median a metric takes."""
        values = np.asarray(values, np.float64)
        keep = np.isfinite(values)
        self.values[name] = (self.codes(np.asarray(keys)[keep]), values[keep])

    def total(self, name: str) -> np.ndarray | float:
        """Sum over homes of a count (per group for a grouped one)."""
        return self.counts[name].sum(axis=0)


def _label_codes(groups: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    index = {lab: i for i, lab in enumerate(labels)}
    values = np.asarray(groups).astype(str)
    uniq, inverse = np.unique(values, return_inverse=True)
    return np.array([index.get(u, -1) for u in uniq], dtype=np.int64)[inverse.reshape(-1)]


@dataclass
class _Ranked:
    """Ordered positive–negative pairs by home: `ordered[(g,) h, k]` = positives of home h
    scored above negatives of home k (+ half the ties); positives and negatives per home."""

    ordered: np.ndarray  # (H, H) or (G, H, H)
    pos: np.ndarray  # (H,) or (H, G)
    neg: np.ndarray

    @classmethod
    def build(cls, code: np.ndarray, score: np.ndarray, label: np.ndarray, n: int) -> _Ranked:
        ordered = np.zeros((n, n))
        pos_code, pos_score = code[label], score[label]
        for k in np.unique(code[~label]):  # a loop per home, each a vectorised search
            neg = np.sort(score[~label & (code == k)])
            below = np.searchsorted(neg, pos_score, side="left")
            upto = np.searchsorted(neg, pos_score, side="right")
            ordered[:, k] = np.bincount(pos_code, weights=below + 0.5 * (upto - below), minlength=n)
        pos = np.bincount(pos_code, minlength=n).astype(np.float64)
        neg = np.bincount(code[~label], minlength=n).astype(np.float64)
        return cls(ordered, pos, neg)

    @classmethod
    def stack(cls, parts: list[_Ranked]) -> _Ranked:
        return cls(
            np.stack([p.ordered for p in parts]),
            np.stack([p.pos for p in parts], axis=1),
            np.stack([p.neg for p in parts], axis=1),
        )


class Weighted:
    """The statistics of one `HomeStats` under home weights `w` (resamples × homes): a count's
    weighted sum, an AUC or a median for every resample at once."""

    def __init__(self, stats: HomeStats, w: np.ndarray):
        self.stats = stats
        self.w = np.asarray(w, np.float64)
        self._sums: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._sums:
            self._sums[name] = self.w @ self.stats.counts[name]
        return self._sums[name]

    def auc(self, name: str) -> np.ndarray:
        r = self.stats.ranked[name]
        w = self.w
        if r.ordered.ndim == 2:
            num = ((w @ r.ordered) * w).sum(axis=1)
        else:
            num = np.einsum("rh,ghk,rk->rg", w, r.ordered, w, optimize=True)
        return ratio(num, (w @ r.pos) * (w @ r.neg))

    def median(self, name: str) -> np.ndarray:
        code, values = self.stats.values[name]
        out = np.full(self.w.shape[0], np.nan)
        if values.size == 0:
            return out
        order = np.argsort(values, kind="stable")
        v = values[order]
        cum = np.cumsum(self.w[:, code[order]], axis=1)
        total = cum[:, -1]
        lo = np.floor((total - 1) / 2)[:, None]  # 0-based positions of the middle value(s)
        hi = np.floor(total / 2)[:, None]
        i_lo = np.minimum((cum <= lo).sum(axis=1), v.size - 1)
        i_hi = np.minimum((cum <= hi).sum(axis=1), v.size - 1)
        return np.where(total > 0, (v[i_lo] + v[i_hi]) / 2.0, out)


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, undefined (NaN) where den is 0."""
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def harmonic(p: np.ndarray, r: np.ndarray) -> np.ndarray:
    """F1 of a precision and a recall: 0 when both are 0, undefined when either is."""
    p, r = np.asarray(p, np.float64), np.asarray(r, np.float64)
    total = p + r
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(total > 0, 2 * p * r / np.where(total > 0, total, 1.0), 0.0)
    return np.where(np.isnan(total), np.nan, f1)


@dataclass(frozen=True)
class Metric:
    """A metric as a formula over weighted statistics, with the count that is its sample size.

    `formula(view)` returns (resamples,) or, for a grouped metric, (resamples, groups) with the
    group names of count `grouped`."""

    formula: Callable[[Weighted], np.ndarray]
    n: str
    about: str = ""
    grouped: str | None = None

    def available(self, stats: HomeStats) -> bool:
        try:
            self.formula(Weighted(stats, np.ones((1, stats.n_homes))))
        except KeyError:
            return False
        return True


def estimate(
    metric: Metric,
    stats: HomeStats,
    against: HomeStats | None = None,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> Estimate | dict[str, Estimate]:
    """`metric` on `stats` (minus its value on `against`: a paired difference, both sides
    recomputed on the same resampled homes) with its 95 % percentile interval.

    The sample size is the total of the metric's count (events, alert episodes, device-days,
    pairs, homes) and the homes that hold any of it. A grouped metric gives one Estimate per
    group."""
    if against is not None and not np.array_equal(stats.homes, against.homes):
        raise ValueError("a paired difference needs both versions scored on the same homes")
    ones = np.ones((1, stats.n_homes))

    def value(s: HomeStats, w: np.ndarray) -> np.ndarray:
        return np.asarray(metric.formula(Weighted(s, w)), np.float64)

    point = value(stats, ones)
    if against is not None:
        point = point - value(against, ones)
    if stats.n_homes:
        w = resample_weights(stats.n_homes, n_resamples, seed)
        boot = value(stats, w)
        if against is not None:
            boot = boot - value(against, w)
    else:
        boot = np.full((0, *point.shape[1:]), np.nan)
    counts = stats.counts[metric.n]
    if metric.grouped is None:
        per_home = counts.reshape(stats.n_homes, -1).sum(axis=1)
        low, high = percentile_interval(boot.reshape(-1))
        return Estimate(
            float(point.reshape(-1)[0]),
            low,
            high,
            int(round(per_home.sum())),
            int((per_home > 0).sum()),
        )
    labels = stats.labels[metric.grouped]
    n, homes = counts.sum(axis=0), (counts > 0).sum(axis=0)
    out = {}
    for j, label in enumerate(labels):
        low, high = percentile_interval(boot[:, j])
        out[label] = Estimate(float(point[0, j]), low, high, int(round(n[j])), int(homes[j]))
    return out


def evaluate(
    metrics: dict[str, Metric],
    stats: HomeStats,
    names: Iterable[str] | None = None,
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = 0,
) -> dict[str, Estimate | dict[str, Estimate]]:
    """Every metric (or those named) that `stats` holds the statistics of."""
    chosen = list(metrics) if names is None else [n for n in names if n in metrics]
    return {
        name: estimate(metrics[name], stats, n_resamples=n_resamples, seed=seed)
        for name in chosen
        if metrics[name].available(stats)
    }
