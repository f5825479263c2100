"""Hourly long-term statistics of numeric sensors, computed the way Home Assistant's recorder
does: a time-weighted mean with min/max for `measurement` sensors, and state/sum for
`total_increasing` meters. Vectorised over all sensors of a home at once (no loop per sample).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HOUR = 3600.0


def _hour_grid(code: np.ndarray, t: np.ndarray, end: float) -> tuple[np.ndarray, np.ndarray]:
    """Hour boundaries after each sensor's first sample up to `end`, as (code, t) pairs.

    They carry the state in force at each hour start into that hour, so an hour without a
    change still gets a row, as Home Assistant's hourly compile gives it.
    """
    first = pd.Series(t).groupby(code).min()
    starts = np.floor(first.to_numpy() / HOUR) * HOUR + HOUR
    counts = np.maximum(np.ceil((end - starts) / HOUR).astype(np.int64), 0)
    codes = np.repeat(first.index.to_numpy(), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return codes, np.repeat(starts, counts) + offsets * HOUR


def _timeline(
    code: np.ndarray, t: np.ndarray, end: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Samples plus hour boundaries, sorted per sensor: for each point its sensor, time, the
    index of the sample in force there and how long it lasts (until the next point, or `end`)."""
    grid_code, grid_t = _hour_grid(code, t, end)
    all_code = np.concatenate([code, grid_code])
    all_t = np.concatenate([t, grid_t])
    source = np.concatenate([np.arange(len(t)), np.full(len(grid_t), -1)])
    # a boundary sorts before a sample at the same instant: the sample then wins the hour
    order = np.lexsort((source >= 0, all_t, all_code))
    all_code, all_t, source = all_code[order], all_t[order], source[order]
    position = np.arange(len(all_t))
    carrier = np.maximum.accumulate(np.where(source >= 0, position, 0))
    in_force = source[carrier]  # each sensor's first point is a sample: no leak across sensors
    last_of_sensor = np.append(all_code[1:] != all_code[:-1], True)
    duration = np.where(last_of_sensor, end, np.append(all_t[1:], end)) - all_t
    return all_code, all_t, in_force, duration


def measurement_stats(code: np.ndarray, t: np.ndarray, v: np.ndarray, end: float) -> pd.DataFrame:
    """Hourly mean/min/max per sensor from samples (`code` sensor index, `t` epoch s, `v` value,
    sorted by sensor then time). The mean is time-weighted; min/max include the value carried
    in from before the hour, as Home Assistant's compile does. Hours end at `end`."""
    columns = ["code", "start", "mean", "min", "max"]
    if len(t) == 0:
        return pd.DataFrame(columns=columns)
    c, tt, in_force, duration = _timeline(code, t, end)
    value = v[in_force]
    frame = pd.DataFrame(
        {
            "code": c,
            "start": np.floor(tt / HOUR) * HOUR,
            "weighted": value * duration,
            "duration": duration,
            "value": value,
        }
    )
    g = frame.groupby(["code", "start"], sort=True)
    out = g.agg(
        weighted=("weighted", "sum"),
        duration=("duration", "sum"),
        min=("value", "min"),
        max=("value", "max"),
        first=("value", "first"),
    ).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = out.weighted.to_numpy() / out.duration.to_numpy()
    mean = np.where(out.duration.to_numpy() > 0, mean, out["first"].to_numpy())
    out["mean"] = np.clip(mean, out["min"].to_numpy(), out["max"].to_numpy())
    return out[columns]


def total_increasing_stats(
    code: np.ndarray, t: np.ndarray, v: np.ndarray, end: float
) -> pd.DataFrame:
    """Hourly state/sum per meter: `state` is the reading at the end of the hour and `sum` the
    growth since the first reading, where a drop counts as a meter reset (the new reading is
    the growth), as Home Assistant treats `total_increasing`."""
    columns = ["code", "start", "state", "sum"]
    if len(t) == 0:
        return pd.DataFrame(columns=columns)
    first = np.append(True, code[1:] != code[:-1])
    step = np.diff(v, prepend=np.nan)
    growth = np.where(first, 0.0, np.where(step >= 0, step, v))
    total = pd.Series(growth).groupby(code).cumsum().to_numpy()
    c, tt, in_force, _ = _timeline(code, t, end)
    frame = pd.DataFrame(
        {
            "code": c,
            "start": np.floor(tt / HOUR) * HOUR,
            "state": v[in_force],
            "sum": total[in_force],
        }
    )
    return frame.groupby(["code", "start"], sort=True).last().reset_index()[columns]
