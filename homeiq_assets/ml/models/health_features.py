"""Rolling-window features of device-health telemetry (the `device_intelligence` dataset).

One feature row per telemetry row, computed from that device's current and past rows only.
Rows are grouped per device and cycle (device ids repeat across cycles), ordered by date. A
new *unit* starts when `age_days` drops (the failed unit was replaced); history windows stop at
the unit boundary, so a fresh replacement is not judged by its predecessor's decline. Days
without a row (the device was down, or the row was filtered) are gaps: every window is a
calendar window of the last k days, averaging only the days that have a row.

Everything is vectorised: rows are laid out on a (unit, day) grid with NaN in the gaps and
each window statistic is a difference of cumulative sums along the day axis (or a sliding
window view for min/max/median), then gathered back to the rows.

`gt_*` columns are never read here. `band_rule_score` is the threshold-rule baseline of the
failure model (current telemetry against `sim.health.NORMAL_BANDS`). The anomaly detector's
features are in `anomaly_features` (it reuses `unit_grid`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from homeiq_assets.sim.catalog import HEALTH_CATEGORIES
from homeiq_assets.sim.health.config import TELEMETRY_FIELDS
from homeiq_assets.sim.health.physics import NORMAL_BANDS

GROUP_KEYS = ("cycle", "device_id")
ROLL_WINDOWS = (3, 7, 14)
_EPS = 1e-9


@dataclass(frozen=True)
class UnitGrid:
    """Rows of a frame laid out on a (unit, day) grid."""

    unit: np.ndarray  # unit index per row (frame order)
    day: np.ndarray  # day offset since the device's first row in its cycle, per row
    unit_start: np.ndarray  # day offset of each row's unit start
    shape: tuple[int, int]

    def to_grid(self, values: np.ndarray) -> np.ndarray:
        grid = np.full(self.shape, np.nan)
        grid[self.unit, self.day] = np.asarray(values, dtype=np.float64)
        return grid

    def take(self, grid: np.ndarray) -> np.ndarray:
        return grid[self.unit, self.day]


def unit_grid(frame: pd.DataFrame) -> UnitGrid:
    """Lay the rows out on a (unit, day) grid: one line per unit of a device in a cycle (a
    replaced unit starts a new line), one column per day since the device's first row."""
    missing = [c for c in (*GROUP_KEYS, "date", "age_days") if c not in frame]
    if missing:
        raise ValueError(f"frame lacks columns {missing}")
    dates = pd.to_datetime(frame["date"]).to_numpy("datetime64[D]").astype(np.int64)
    key = frame.groupby(list(GROUP_KEYS), sort=False, dropna=False).ngroup().to_numpy()
    order = np.lexsort((dates, key))
    k, d = key[order], dates[order]
    age = frame["age_days"].to_numpy(np.int64)[order]
    new_dev = np.r_[True, k[1:] != k[:-1]]
    if np.any(~new_dev[1:] & (d[1:] == d[:-1])):
        raise ValueError("duplicate (cycle, device_id, date) rows")
    dev_idx = np.cumsum(new_dev) - 1
    first_day = d[new_dev][dev_idx]
    day = d - first_day
    replaced = ~new_dev & np.r_[False, age[1:] < age[:-1]]
    unit_sorted = np.cumsum(new_dev | replaced) - 1
    unit_first = np.flatnonzero(new_dev | replaced)
    unit_start_sorted = day[unit_first][unit_sorted]
    unit = np.empty_like(unit_sorted)
    unit[order] = unit_sorted
    day_out = np.empty_like(day)
    day_out[order] = day
    start_out = np.empty_like(day)
    start_out[order] = unit_start_sorted
    width = int(day.max()) + 1 if day.size else 1
    units = int(unit_sorted.max()) + 1 if day.size else 0
    return UnitGrid(unit, day_out, start_out, (units, width))


def _cum(x: np.ndarray) -> np.ndarray:
    """Cumulative sum along days with a leading zero column (NaN counts as 0)."""
    out = np.zeros((x.shape[0], x.shape[1] + 1))
    np.cumsum(np.nan_to_num(x, nan=0.0), axis=1, out=out[:, 1:])
    return out


def _window(c: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """From cumulative sums c: the sum over days [t - hi, t - lo] for every day t."""
    width = c.shape[1] - 1
    t = np.arange(width)
    a = np.clip(t - hi, 0, width)
    b = np.clip(t - lo + 1, 0, width)
    return c[:, b] - c[:, a]


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)


class _Windows:
    """Trailing-window statistics of one (unit, day) grid, ignoring NaN gaps."""

    def __init__(self, x: np.ndarray):
        valid = ~np.isnan(x)
        # shift by each unit's first value: std and slope are shift-invariant, sums of squares
        # stay small (no cancellation), and the first value is never in the future of a row
        first = np.nanmax(np.where(np.cumsum(valid, 1) == 1, x, np.nan), axis=1, initial=-np.inf)
        self.offset = np.where(np.isfinite(first), first, 0.0)[:, None]
        xc = x - self.offset
        t = np.broadcast_to(np.arange(x.shape[1], dtype=np.float64), x.shape)
        tv = np.where(valid, t, np.nan)
        self.x = x
        self.n = _cum(valid.astype(np.float64))
        self.s = _cum(xc)
        self.q = _cum(xc * xc)
        self.st = _cum(tv)
        self.stt = _cum(tv * tv)
        self.stx = _cum(tv * xc)

    def count(self, lo: int, hi: int) -> np.ndarray:
        return _window(self.n, lo, hi)

    def mean(self, lo: int, hi: int) -> np.ndarray:
        return _div(_window(self.s, lo, hi), self.count(lo, hi)) + self.offset

    def std(self, lo: int, hi: int) -> np.ndarray:
        n = self.count(lo, hi)
        m = _div(_window(self.s, lo, hi), n)
        var = _div(_window(self.q, lo, hi), n) - m * m
        return np.where(n >= 2, np.sqrt(np.maximum(var, 0.0)), np.nan)

    def total(self, lo: int, hi: int) -> np.ndarray:
        return _window(self.s, lo, hi) + self.offset * self.count(lo, hi)

    def slope(self, lo: int, hi: int) -> np.ndarray:
        """Least-squares change per day over the window (NaN with < 3 observed days)."""
        n = self.count(lo, hi)
        st, stt = _window(self.st, lo, hi), _window(self.stt, lo, hi)
        sx, stx = _window(self.s, lo, hi), _window(self.stx, lo, hi)
        den = n * stt - st * st
        return np.where(n >= 3, _div(n * stx - st * sx, den), np.nan)

    def extreme(self, days: int, fn) -> np.ndarray:
        pad = np.concatenate([np.full((self.x.shape[0], days - 1), np.nan), self.x], axis=1)
        win = np.lib.stride_tricks.sliding_window_view(pad, days, axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN windows give NaN
            return fn(win, axis=-1)

    def lag(self, k: int) -> np.ndarray:
        out = np.full_like(self.x, np.nan)
        out[:, k:] = self.x[:, :-k]
        return out


def category_codes(frame: pd.DataFrame) -> np.ndarray:
    """Stable integer code of `category` (position in HEALTH_CATEGORIES, -1 if unknown)."""
    lookup = {c: i for i, c in enumerate(HEALTH_CATEGORIES)}
    return frame["category"].astype(str).map(lookup).fillna(-1).to_numpy(np.int64)


def health_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Failure-model features, one row per input row (same index), past and current only.

    Per telemetry field: the current value; 3/7/14-day mean and std; the change against the
    value 7 days before (`delta7`) and of the 3-day mean against the 3-day mean a week before
    (`chg7`); the least-squares slope over 7 days; 7-day min and max; the deviation of today and
    of the 3-day mean from the unit's own baseline (mean over days t-14..t-4, `cur_base`,
    `mean3_base`), and today's z-score against that baseline. Also: restart and connection-drop
    sums over 7 days, rows seen in the last 7 days, days since the device's first row and since
    the unit's first row, age, battery days left at the current 7-day slope, the home-wide share
    of the day's restarts/drops/lost uptime (healthy whole-home bad days), category codes and
    one-hot, battery power.
    """
    grid = unit_grid(frame)
    cols: dict[str, np.ndarray] = {}
    for name in TELEMETRY_FIELDS:
        x = grid.to_grid(frame[name].to_numpy(np.float64, na_value=np.nan))
        w = _Windows(x)
        cols[f"{name}_cur"] = x
        for k in ROLL_WINDOWS:
            cols[f"{name}_mean{k}"] = w.mean(0, k - 1)
            cols[f"{name}_std{k}"] = w.std(0, k - 1)
        cols[f"{name}_delta7"] = x - w.lag(7)
        cols[f"{name}_chg7"] = cols[f"{name}_mean3"] - w.mean(7, 9)
        cols[f"{name}_slope7"] = w.slope(0, 6)
        cols[f"{name}_min7"] = w.extreme(7, np.nanmin)
        cols[f"{name}_max7"] = w.extreme(7, np.nanmax)
        base, base_sd = w.mean(4, 14), w.std(4, 14)
        cols[f"{name}_cur_base"] = x - base
        cols[f"{name}_mean3_base"] = cols[f"{name}_mean3"] - base
        scale = np.maximum(base_sd, 0.02 * np.abs(base) + _EPS)
        cols[f"{name}_z_base"] = (x - base) / scale
        if name in ("restart_count", "connection_drops"):
            cols[f"{name}_sum7"] = w.total(0, 6)
        if name == "uptime_h":
            cols["rows_last7"] = w.count(0, 6)
        if name == "battery_pct":
            drain = -cols["battery_pct_slope7"]
            cols["battery_days_left"] = np.where(
                drain > 0.05, np.minimum(x / np.maximum(drain, 0.05), 365.0), 365.0
            )
            cols["battery_days_left"] = np.where(np.isnan(x), np.nan, cols["battery_days_left"])
    out = pd.DataFrame({k: grid.take(v) for k, v in cols.items()}, index=frame.index)
    out["days_since_first"] = grid.day.astype(np.float64)
    out["days_since_unit_start"] = (grid.day - grid.unit_start).astype(np.float64)
    out["age_days"] = frame["age_days"].to_numpy(np.float64)
    out["battery_powered"] = (frame["power_source"].astype(str) == "battery").to_numpy(float)
    codes = category_codes(frame)
    out["category_code"] = codes.astype(np.float64)
    for i, cat in enumerate(HEALTH_CATEGORIES):
        out[f"category_{cat}"] = (codes == i).astype(np.float64)
    home = _home_day_context(frame, out)
    for name in home:
        out[name] = home[name]
    return out


def _home_day_context(frame: pd.DataFrame, feats: pd.DataFrame) -> pd.DataFrame:
    """Same-day state of the whole home (other devices included): power cuts, hub reboots and
    radio congestion hit every device of a home at once and are healthy causes of bad days."""
    key = [frame["cycle"].astype(str), frame["home_id"].astype(str), frame["date"].astype(str)]
    parts = pd.DataFrame(
        {
            "restart": (frame["restart_count"].to_numpy(float) > 0).astype(float),
            "lost_uptime": 24.0 - frame["uptime_h"].to_numpy(float),
            "drops_dev": feats["connection_drops_cur_base"].to_numpy(),
            "signal_dev": feats["signal_dbm_cur_base"].to_numpy(),
            "resp_z": feats["response_time_ms_z_base"].clip(-20, 20).to_numpy(),
            "err_z": feats["error_rate_z_base"].clip(-20, 20).to_numpy(),
        },
        index=frame.index,
    )
    grouped = parts.groupby(key, sort=False)
    med = grouped.transform("median")
    out = pd.DataFrame(index=frame.index)
    out["home_restart_share"] = grouped["restart"].transform("mean")
    out["home_lost_uptime"] = med["lost_uptime"]
    for name in ("drops_dev", "signal_dev", "resp_z", "err_z"):
        out[f"home_{name}"] = med[name]
    out["home_devices_today"] = grouped["restart"].transform("size").astype(float)
    return out


def health_feature_names() -> list[str]:
    """Column names `health_features` produces, in order (for a model's saved config)."""
    probe = _probe_frame()
    return list(health_features(probe).columns)


def _probe_frame() -> pd.DataFrame:
    row = {f: 1.0 for f in TELEMETRY_FIELDS}
    row.update(
        cycle="c",
        device_id="d",
        home_id="h",
        date=pd.Timestamp("2026-01-01").date(),
        age_days=1,
        power_source="battery",
        category=HEALTH_CATEGORIES[0],
    )
    return pd.DataFrame([row])


def band_rule_score(frame: pd.DataFrame) -> np.ndarray:
    """Baseline "threshold rule on current telemetry" (DESIGN §7) as a score: how far the row's
    worst field lies outside its category's `NORMAL_BANDS` band, in band widths (0 inside every
    band). The rule flags a row when the score is > 0, i.e. when any current value — response
    time, error rate, battery, signal, drops, tx, uptime, restarts, temperature or usage —
    leaves the band in which healthy devices sit on almost every day."""
    score = np.zeros(len(frame))
    cats = frame["category"].astype(str).to_numpy()
    for cat, bands in NORMAL_BANDS.items():
        sel = cats == cat
        if not sel.any():
            continue
        for name, (lo, hi) in bands.items():
            v = frame[name].to_numpy(np.float64, na_value=np.nan)[sel]
            width = max(hi - lo, _EPS)
            over = np.where(v > hi, (v - hi) / width, np.where(v < lo, (lo - v) / width, 0.0))
            score[sel] = np.maximum(score[sel], np.nan_to_num(over, nan=0.0))
    return score
