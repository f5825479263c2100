"""Values of many groups (pattern candidates, action tokens) held as consecutive segments of
one array, `n` values each, measured at once with the results numpy gives each segment on its
own: a home's thousands of candidates cost a few whole-array calls, not a few calls each."""

from __future__ import annotations

import math

import numpy as np


def segment_starts(n: np.ndarray) -> np.ndarray:
    return np.concatenate(([0], np.cumsum(n)[:-1])).astype(np.int64)


def segment_distinct(values: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Distinct integer values in each segment."""
    if not values.size:
        return np.zeros(n.size, np.int64)
    width = int(values.max() - values.min()) + 1
    ids = np.repeat(np.arange(n.size), n)
    key = np.unique(ids * width + (values - values.min()))
    return np.bincount(key // width, minlength=n.size)


def segment_median(values: np.ndarray, n: np.ndarray) -> np.ndarray:
    """`np.median` of each (non-empty) segment."""
    ordered = values[np.lexsort((values, np.repeat(np.arange(n.size), n)))]
    mid = segment_starts(n) + n // 2
    return np.where(n % 2 == 1, ordered[mid], (ordered[mid - 1] + ordered[mid]) / 2)


def segment_mean_std(values: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`segment.mean()` and `segment.std()` of each (non-empty) segment, bit for bit:
    segments of one length are stacked into rows and reduced along them, which runs numpy's
    pairwise summation over each row exactly as it runs over a 1-D array."""
    starts = segment_starts(n)
    mean, std = np.empty(n.size), np.empty(n.size)
    for length in np.unique(n).tolist():
        rows = np.flatnonzero(n == length)
        stacked = values[starts[rows][:, None] + np.arange(length)]
        m = np.add.reduce(stacked, axis=1) / length
        dev = stacked - m[:, None]
        mean[rows] = m
        std[rows] = np.sqrt(np.add.reduce(np.multiply(dev, dev), axis=1) / length)
    return mean, std


def segments_by_group(group: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the values whose `group` is `wanted`, group by group (each group's in
    their order), and the count of each group (all groups, `wanted` or not)."""
    order = np.argsort(group, kind="stable")
    order = order[wanted[group[order]]]
    return order, np.bincount(group[order], minlength=wanted.size)


def sorted_quantile(ordered: np.ndarray, q: float) -> float:
    """`np.quantile(values, q)` (its default, linear method) of `ordered`, the values sorted,
    bit for bit: numpy's interpolation on the two neighbouring order statistics, without its
    per-call overhead (a home asks for thousands of sensor quantiles)."""
    n = ordered.size
    virtual = (n - 1) * q
    if virtual >= n - 1:  # numpy takes the last value on both sides (gamma unused)
        return float(ordered[-1])
    below = math.floor(virtual)
    gamma = virtual - below
    a, b = float(ordered[below]), float(ordered[below + 1])
    diff = b - a
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma


def chosen_segments(
    group: np.ndarray, inside: np.ndarray, counts: np.ndarray, least: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The groups with at least `least` values in all (`counts`) and `least` of them
    `inside`: which values are kept (inside, of a chosen group), the chosen groups ascending,
    and the values each keeps."""
    n_inside = np.bincount(group[inside], minlength=counts.size)
    chosen = (counts >= least) & (n_inside >= least)
    return inside & chosen[group], np.flatnonzero(chosen), n_inside[chosen]
