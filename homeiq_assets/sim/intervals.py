"""Vectorised interval helpers on the minute grid (no loop per minute or per interval)."""

from __future__ import annotations

import numpy as np


def mask_from_intervals(starts: np.ndarray, ends: np.ndarray, length: int) -> np.ndarray:
    """Boolean mask of `length` minutes covered by any [start, end) interval (clipped).

    The intervals are merged into their union first (a sort of the few intervals), and the
    mask is written once from the union's edges: no minute-long integer arrays (a cumulative
    sum over 8-byte counts per minute cost more than the rest of most callers)."""
    s = np.clip(np.asarray(starts, dtype=np.int64), 0, length)
    e = np.clip(np.asarray(ends, dtype=np.int64), 0, length)
    keep = e > s
    s, e = s[keep], e[keep]
    if not len(s):
        return np.zeros(length, dtype=bool)
    order = np.argsort(s, kind="stable")
    s, reach = s[order], np.maximum.accumulate(e[order])
    # a group of overlapping intervals starts where an interval begins after all before end
    first = np.ones(len(s), dtype=bool)
    first[1:] = s[1:] > reach[:-1]
    last = np.ones(len(s), dtype=bool)
    last[:-1] = first[1:]
    edges = np.empty(2 * int(first.sum()) + 2, dtype=np.int64)
    edges[0], edges[-1] = 0, length
    edges[1:-1:2] = s[first]
    edges[2:-1:2] = reach[last]
    covered = np.zeros(len(edges) - 1, dtype=bool)
    covered[1::2] = True
    return np.repeat(covered, np.diff(edges))


def expand_intervals(starts: np.ndarray, ends: np.ndarray, length: int) -> np.ndarray:
    """Every minute index inside the [start, end) intervals, clipped to [0, length)."""
    s = np.clip(np.asarray(starts, dtype=np.int64), 0, length)
    e = np.clip(np.asarray(ends, dtype=np.int64), 0, length)
    lengths = np.maximum(e - s, 0)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(s, lengths) + (np.arange(total) - np.repeat(offsets, lengths))


def runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of each run of True in a boolean array: one comparison of
    neighbours finds every edge; the runs are the segments between edges that start True."""
    mask = np.asarray(mask, dtype=bool)
    if not len(mask):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    change = np.flatnonzero(mask[1:] != mask[:-1]) + 1
    edges = np.empty(len(change) + 2, dtype=np.int64)
    edges[0], edges[-1] = 0, len(mask)
    edges[1:-1] = change
    on = mask[edges[:-1]]
    return edges[:-1][on], edges[1:][on]


def rolling_any(mask: np.ndarray, window: int) -> np.ndarray:
    """True where `mask` was True in the last `window` samples (inclusive)."""
    if window <= 4:  # a few shifted ORs beat a cumulative sum
        out = mask.copy()
        for k in range(1, window):
            out[k:] |= mask[:-k]
        return out
    c = np.cumsum(mask, dtype=np.int64)
    shifted = np.concatenate((np.zeros(window, dtype=np.int64), c[:-window]))
    return (c - shifted) > 0
