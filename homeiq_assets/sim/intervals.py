"""Vectorised interval helpers on the minute grid (no loop per minute or per interval)."""

from __future__ import annotations

import numpy as np


def mask_from_intervals(starts: np.ndarray, ends: np.ndarray, length: int) -> np.ndarray:
    """Boolean mask of `length` minutes covered by any [start, end) interval (clipped)."""
    s = np.clip(np.asarray(starts, dtype=np.int64), 0, length)
    e = np.clip(np.asarray(ends, dtype=np.int64), 0, length)
    keep = e > s
    diff = np.bincount(s[keep], minlength=length + 1) - np.bincount(e[keep], minlength=length + 1)
    return np.cumsum(diff[:-1]) > 0


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
    """Start and end (exclusive) of each run of True in a boolean array."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    change = np.diff(padded)
    return np.flatnonzero(change == 1), np.flatnonzero(change == -1)


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
