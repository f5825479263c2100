"""Features of the unsupervised telemetry-anomaly detector: each device against its own
baseline and against its peers, per field, from past and current rows only.

Three views of every telemetry field, one row per input row:

* `<field>_z`: today's value against the device's own last two weeks (median of days t-14..t-1),
  minus the same residual of its peers that day, divided by a robust sd of the device's own
  peer-corrected residuals over those two weeks (shrunk towards the fleet's typical scale for
  the category while the device has little history, floored per field). Peers: for
  temperature the devices in the same area, who share the room, or the home's devices,
  whichever the device deviates from less (a device is off only when it is off from both);
  for other fields the home's devices, who share power cuts, hub reboots and radio
  congestion. Catches glitches and dropouts.
* `<field>_cusum`: a two-sided CUSUM of the peer-corrected residual against a *lagged* baseline
  (median of days t-21..t-8), so a slow drift is not absorbed by the baseline it drifts from
  and accumulates day after day (`k` = 1 robust sd per day, each day's z clipped at ±3).
  Temperature gets no drift judgement for a device alone in its area: over weeks, a lone
  outdoor sensor's weather is nobody else's. Catches drift.
* `<field>_frozen`: how unlikely the current run of unchanged readings is for this device:
  run length × -log10 of the device's own share of unchanged days (days t-28..t-8, shrunk
  towards the category's share). With real precision a reading can repeat; a quiet battery
  gauge repeats for weeks, a room temperature rarely for three days. Catches stuck sensors.

A baseline needs at least MIN_BASE_DAYS days of the unit (a replaced unit starts afresh).
`gt_*` columns are never read. Multiplicative fields are log-scaled first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from homeiq_assets.ml.models.health_features import unit_grid
from homeiq_assets.sim.health.config import TELEMETRY_FIELDS

LOG_FIELDS = frozenset({"response_time_ms", "error_rate", "tx_kbps", "usage_count"})
# fields whose peers are the devices in the same area (they share the room); all others compare
# with the home's devices (shared power, hub and radio)
AREA_FIELDS = frozenset({"temperature_c"})
# a battery reading that rises is a new cell or a warmer day; only falls can be faults
FALLING_ONLY = frozenset({"battery_pct"})
BASE_DAYS = 14
MIN_BASE_DAYS = 5
LAG_BASE = (8, 21)  # the CUSUM baseline: days t-21..t-8
REPEAT_WINDOW = (8, 28)  # history of unchanged readings: days t-28..t-8
CUSUM_K = 1.0
CUSUM_CLIP = 3.0
PRIOR_DAYS = 4.0  # weight of the fleet's typical scale, in days of a device's own history
PRIOR_REPEAT_DAYS = 10.0  # weight of the category's share of unchanged days
# smallest robust scale per field (after log1p for LOG_FIELDS): a device whose last two weeks
# were nearly constant does not turn reporting steps into huge z-scores
SCALE_FLOOR: dict[str, float] = {
    "response_time_ms": 0.05,
    "error_rate": 0.01,
    "battery_pct": 1.0,
    "signal_dbm": 1.0,
    "usage_count": 0.3,
    "temperature_c": 0.2,
    "uptime_h": 1.0,
    "restart_count": 0.5,
    "connection_drops": 0.5,
    "tx_kbps": 0.05,
}
VIEWS = ("z", "cusum", "frozen")


def feature_names() -> list[str]:
    return [f"{f}_{v}" for f in TELEMETRY_FIELDS for v in VIEWS]


def _transformed(frame: pd.DataFrame, name: str) -> np.ndarray:
    raw = frame[name].to_numpy(np.float64, na_value=np.nan)
    return np.log1p(np.maximum(raw, 0.0)) if name in LOG_FIELDS else raw


def _window_stack(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """(units, days, hi-lo+1) view of x over days t-hi..t-lo (NaN before the first day)."""
    pad = np.concatenate([np.full((x.shape[0], hi), np.nan), x], axis=1)
    win = np.lib.stride_tricks.sliding_window_view(pad, hi - lo + 1, axis=1)
    return win[:, : x.shape[1]]


def _nan_quantile(win: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile (linear interpolation) of each window's non-NaN values, NaN for an empty
    window; one sort instead of numpy's much slower nanquantile."""
    ordered = np.sort(win, axis=-1)  # NaN sorts last
    n = (~np.isnan(win)).sum(-1)
    pos = q * np.maximum(n - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    a = np.take_along_axis(ordered, lo[..., None], -1)[..., 0]
    b = np.take_along_axis(ordered, hi[..., None], -1)[..., 0]
    return np.where(n > 0, a + (b - a) * (pos - lo), np.nan)


def _nanmedian(win: np.ndarray) -> np.ndarray:
    return _nan_quantile(win, 0.5)


def _peer_residual(resid: np.ndarray, key: list[pd.Series]) -> np.ndarray:
    """The residual of the device's peers that day (rows grouped by `key`): the other's value
    for two devices, the group median for three or more, 0 for a device alone."""
    grouped = pd.Series(resid).groupby([k.to_numpy() for k in key], sort=False)
    med = grouped.transform("median").to_numpy()  # NaN (no baseline yet) is skipped
    size = grouped.transform("count").to_numpy()
    return np.where(size == 2, 2.0 * med - resid, np.where(size >= 3, med, 0.0))


def _peer_corrected(
    frame: pd.DataFrame, resid: np.ndarray, by_area: bool, area_only: bool = False
) -> np.ndarray:
    """The residual minus the peers' residual that day. Home-wide fields compare with the
    home's devices. Area fields compare with the area's devices and with the home's, and keep
    the smaller deviation: a device is off only when it is off from both (with two devices in
    an area, the other one's fault must not make a healthy device look faulty; an outdoor
    device is compared with its outdoor neighbour, not with the heated rooms). With
    `area_only`, a device alone in its area gets no value (NaN): over weeks, a lone outdoor
    sensor's weather is nobody else's."""
    home = [frame["cycle"].astype(str), frame["home_id"].astype(str), frame["date"].astype(str)]
    by_home = resid - _peer_residual(resid, home)
    if not by_area:
        return by_home
    area = [*home, frame["area_id"].astype(str)]
    by_peers = resid - _peer_residual(resid, area)
    size = pd.Series(resid).groupby([k.to_numpy() for k in area], sort=False).transform("count")
    alone = size.to_numpy() < 2
    by_peers = np.where(alone, by_home, by_peers)
    best = np.where(np.abs(by_peers) <= np.abs(by_home), by_peers, by_home)
    return np.where(alone, np.nan, best) if area_only else best


def _robust_sd(history: np.ndarray) -> np.ndarray:
    """A robust sd of each window: 1.4826 × MAD, or the 90th percentile of the absolute
    deviation / 1.645 when that is larger (a field that is constant on most days and off on a
    few, like uptime with its reporting gaps, has a MAD of 0 but is not noiseless)."""
    med = _nanmedian(history)
    dev = np.abs(history - med[..., None])
    return np.fmax(_nanmedian(dev) * 1.4826, _nan_quantile(dev, 0.9) / 1.645)


def _scale(history: np.ndarray, prior: np.ndarray, floor: float) -> np.ndarray:
    """The robust sd of each window's values, shrunk towards `prior` when there are few."""
    mad = _robust_sd(history)
    n = (~np.isnan(history)).sum(-1).astype(np.float64)
    mad = np.nan_to_num(mad, nan=0.0)
    shrunk = np.sqrt((n * mad**2 + PRIOR_DAYS * prior**2) / (n + PRIOR_DAYS))
    scale = np.where(np.isnan(prior), mad, shrunk)
    return np.maximum(scale, floor)


def _cusum(z: np.ndarray) -> np.ndarray:
    """Two-sided CUSUM along days, one vector step per day (missing days carry the sums).
    Each day's z is clipped to ±CUSUM_CLIP first, so one wild day (a vacuum's run, a glitch)
    adds little and only a deviation that persists day after day accumulates."""
    z = np.clip(z, -CUSUM_CLIP, CUSUM_CLIP)
    up = np.zeros(z.shape[0])
    down = np.zeros(z.shape[0])
    out = np.zeros_like(z)
    for t in range(z.shape[1]):
        zt = z[:, t]
        ok = ~np.isnan(zt)
        up = np.where(ok, np.maximum(0.0, up + np.nan_to_num(zt) - CUSUM_K), up)
        down = np.where(ok, np.maximum(0.0, down - np.nan_to_num(zt) - CUSUM_K), down)
        out[:, t] = np.maximum(up, down)
    return out


def _runs(same: np.ndarray) -> np.ndarray:
    """Length of the current run of True along days (0 where False)."""
    idx = np.arange(same.shape[1])[None, :]
    last_break = np.maximum.accumulate(np.where(same, -1, idx), axis=1)
    return np.where(same, idx - last_break, 0)


def anomaly_features(
    frame: pd.DataFrame, prior: dict[str, dict[str, dict[str, float]]]
) -> pd.DataFrame:
    """The detector's feature columns (`feature_names()`), same index as `frame`.

    `prior[category][field]` holds the fleet's typical `scale`, `lag_scale` and `repeat` share
    (from `fit_prior` on training rows); a category or field without one uses the device's own
    history only."""
    grid = unit_grid(frame)
    cats = frame["category"].astype(str).to_numpy()
    out: dict[str, np.ndarray] = {}
    for name in TELEMETRY_FIELDS:
        parts = _field_parts(frame, grid, name)
        p_scale, p_lag, p_repeat = (
            grid.to_grid(_prior_column(prior, cats, name, key))
            for key in ("scale", "lag_scale", "repeat")
        )
        # today's value against the last two weeks, peer-corrected
        scale = _scale(_window_stack(parts["corr"], 1, BASE_DAYS), p_scale, SCALE_FLOOR[name])
        z = parts["corr"] / scale
        # CUSUM against the lagged baseline
        lag_scale = _scale(_window_stack(parts["lag_corr"], *LAG_BASE), p_lag, SCALE_FLOOR[name])
        lag_z = parts["lag_corr"] / lag_scale
        if name in FALLING_ONLY:
            z, lag_z = np.minimum(z, 0.0), np.minimum(lag_z, 0.0)
        out[f"{name}_z"] = grid.take(z)
        out[f"{name}_cusum"] = grid.take(_cusum(lag_z))
        # the current run of unchanged readings against the device's own repeat rate
        same = parts["same"]
        hist = _window_stack(np.where(parts["valid"], same, np.nan), *REPEAT_WINDOW)
        k = np.nansum(hist, axis=-1)
        n = (~np.isnan(hist)).sum(-1)
        prior_p = np.nan_to_num(p_repeat, nan=0.5)
        p = (k + PRIOR_REPEAT_DAYS * prior_p + 0.5) / (n + PRIOR_REPEAT_DAYS + 1.0)
        run = _runs(same > 0)
        out[f"{name}_frozen"] = grid.take(run * -np.log10(np.clip(p, 1e-6, 1.0)))
    return pd.DataFrame({c: out[c] for c in feature_names()}, index=frame.index)


def _field_parts(frame: pd.DataFrame, grid, name: str) -> dict[str, np.ndarray]:
    """Per-field grids: peer-corrected residuals (recent and lagged baseline), unchanged days."""
    x = grid.to_grid(_transformed(frame, name))
    recent = _window_stack(x, 1, BASE_DAYS)
    lagged = _window_stack(x, *LAG_BASE)
    # a baseline needs MIN_BASE_DAYS days (a replaced unit starts a new history, and a peer
    # correction between baselines of different periods would compare different weather)
    med = np.where((~np.isnan(recent)).sum(-1) >= MIN_BASE_DAYS, _nanmedian(recent), np.nan)
    lag_med = np.where((~np.isnan(lagged)).sum(-1) >= MIN_BASE_DAYS, _nanmedian(lagged), np.nan)
    by_area = name in AREA_FIELDS
    resid = grid.take(x - med)
    lag_resid = grid.take(x - lag_med)
    corr = _peer_corrected(frame, resid, by_area)
    lag_corr = _peer_corrected(frame, lag_resid, by_area, area_only=True)
    prev = np.concatenate([np.full((x.shape[0], 1), np.nan), x[:, :-1]], axis=1)
    valid = ~np.isnan(x) & ~np.isnan(prev)
    return {
        "corr": grid.to_grid(corr),
        "lag_corr": grid.to_grid(lag_corr),
        "same": (valid & (x == prev)).astype(np.float64),
        "valid": valid,
    }


def _prior_column(prior: dict, cats: np.ndarray, name: str, key: str) -> np.ndarray:
    out = np.full(cats.size, np.nan)
    for cat, fields in prior.items():
        if name in fields and key in fields[name]:
            out[cats == cat] = fields[name][key]
    return out


def fit_prior(frame: pd.DataFrame) -> dict[str, dict[str, dict[str, float]]]:
    """The fleet's typical scale of each field's peer-corrected residual (recent and lagged
    baseline: the median over rows with >= 10 days of history of the device's own scale) and
    its share of unchanged readings, per category, from training rows."""
    grid = unit_grid(frame)
    cats = grid.to_grid(pd.Series(frame["category"].astype(str)).astype("category").cat.codes)
    names = pd.Series(frame["category"].astype(str)).astype("category").cat.categories
    out: dict[str, dict[str, dict[str, float]]] = {str(c): {} for c in names}
    for name in TELEMETRY_FIELDS:
        parts = _field_parts(frame, grid, name)
        stats = {}
        for key, values, window in (
            ("scale", parts["corr"], (1, BASE_DAYS)),
            ("lag_scale", parts["lag_corr"], LAG_BASE),
        ):
            win = _window_stack(values, *window)
            mad = _robust_sd(win)
            enough = (~np.isnan(win)).sum(-1) >= 10
            stats[key] = np.where(enough, mad, np.nan)
        stats["repeat"] = np.where(parts["valid"], parts["same"], np.nan)
        for code, cat in enumerate(names):
            sel = cats == code
            entry = {}
            for key, values in stats.items():
                v = values[sel]
                v = v[np.isfinite(v)]
                if v.size:
                    entry[key] = round(float(np.median(v) if key != "repeat" else v.mean()), 6)
            out[str(cat)][name] = entry
    return out
