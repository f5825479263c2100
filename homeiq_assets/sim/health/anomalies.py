"""Telemetry anomalies that are not failures (stuck, spike, drift, dropout), planted on healthy
stretches of a device's telemetry and labelled per cell."""

from __future__ import annotations

import math

import numpy as np

from homeiq_assets.sim.health.config import ANOMALY_KINDS, HealthConfig
from homeiq_assets.sim.health.draws import AN_UNIF, ANOM_SLOTS, DEV_UNIF_FIXED, EP_UNIF, n_episodes

_KIND = {k: i for i, k in enumerate(ANOMALY_KINDS)}
# fields an anomaly can hit, by kind (index into the per-kind list is drawn per episode)
_STUCK_FIELDS = ("response_time_ms", "signal_dbm", "temperature_c", "tx_kbps", "battery_pct")
_SPIKE_FIELDS = (
    "response_time_ms",
    "error_rate",
    "temperature_c",
    "signal_dbm",
    "connection_drops",
)
_DRIFT_FIELDS = ("temperature_c", "response_time_ms", "signal_dbm")
_KIND_SHARES = np.array([0.25, 0.30, 0.20, 0.25])


def inject_anomalies(
    tel: dict[str, np.ndarray],
    clean: np.ndarray,
    is_batt: np.ndarray,
    du: np.ndarray,
    config: HealthConfig,
    days: int,
) -> np.ndarray:
    """Plant up to two 1-4 day anomaly episodes per device on clean (healthy) days, in place.

    Returns the anomaly kind per cell (-1 none). An episode that would touch a failure, its
    precursor, a burst or the other episode is dropped, so anomalies are never failure signs.
    """
    n, horizon = clean.shape
    kind_cell = np.full((n, horizon), -1, dtype=np.int8)
    mean_count = -math.log1p(-min(config.anomaly_rate, 1 - 1e-12)) * days / 30.0
    if mean_count <= 0:
        return kind_cell
    u_count = du[:, 4]
    p0 = math.exp(-mean_count)
    count = np.where(u_count < p0, 0, np.where(u_count < p0 * (1 + mean_count), 1, 2))
    taken = np.zeros((n, horizon + 1), dtype=bool)
    rows = np.arange(n)
    base = DEV_UNIF_FIXED + EP_UNIF * n_episodes(horizon)
    len_lo = np.array([2, 1, 3, 1])
    len_hi = np.array([4, 1, 4, 2])
    for j in range(ANOM_SLOTS):
        col = base + AN_UNIF * j
        kind = np.searchsorted(
            np.cumsum(_KIND_SHARES), du[:, col + 1] * _KIND_SHARES.sum(), side="right"
        ).clip(0, 3)
        length = len_lo[kind] + np.floor(du[:, col + 3] * (len_hi[kind] - len_lo[kind] + 1))
        length = length.astype(np.int64)
        last_start = np.maximum(days - length, 1)
        st = 1 + np.floor(du[:, col] * last_start).astype(np.int64)
        ok = count > j
        cells = []
        for o in range(4):
            day = np.minimum(st + o, horizon - 1)
            inside = o < length
            good = clean[rows, day] & ~taken[rows, day] & ~taken[rows, st - 1]
            good &= clean[rows, st - 1]  # stuck copies this day; it must be a normal one
            good &= st + o < days
            ok &= ~inside | good
            cells.append((day, inside))
        idx = np.flatnonzero(ok)
        if idx.size == 0:
            continue
        mag = du[idx, col + 4]
        fsel = du[idx, col + 2]
        k_i = kind[idx]
        for o, (day, inside) in enumerate(cells):
            sel = inside[idx]
            r, d, k, mg, fs = idx[sel], day[idx][sel], k_i[sel], mag[sel], fsel[sel]
            ln = length[r]
            kind_cell[r, d] = k
            taken[r, d] = True
            _apply_anomaly(tel, r, d, k, mg, fs, o, ln, st[r], is_batt[r])
    return kind_cell


def _apply_anomaly(
    tel: dict[str, np.ndarray],
    r: np.ndarray,
    d: np.ndarray,
    k: np.ndarray,
    mag: np.ndarray,
    fsel: np.ndarray,
    offset: int,
    length: np.ndarray,
    start: np.ndarray,
    is_batt: np.ndarray,
) -> None:
    """Rewrite the cells (r, d) of one episode-day offset according to each cell's kind."""
    f32 = np.float32
    # stuck: the field repeats the exact value it had the day before the episode
    sel = k == _KIND["stuck"]
    if sel.any():
        nf = np.where(is_batt[sel], 5, 4)
        fi = np.floor(fsel[sel] * nf).astype(int)
        for i, name in enumerate(_STUCK_FIELDS):
            m = fi == i
            rr, dd, ss = r[sel][m], d[sel][m], start[sel][m]
            tel[name][rr, dd] = tel[name][rr, ss - 1]
    sel = k == _KIND["spike"]
    if sel.any():
        fi = np.floor(fsel[sel] * len(_SPIKE_FIELDS)).astype(int)
        rr_all, dd_all, mg_all = r[sel], d[sel], mag[sel]
        for i, name in enumerate(_SPIKE_FIELDS):
            m = fi == i
            rr, dd, mg = rr_all[m], dd_all[m], mg_all[m]
            arr = tel[name]
            if name == "response_time_ms":
                arr[rr, dd] *= f32(6.0) + f32(14.0) * mg.astype(f32)
            elif name == "error_rate":
                arr[rr, dd] = (0.35 + 0.55 * mg).astype(f32)
            elif name == "temperature_c":
                arr[rr, dd] += (45.0 + 35.0 * mg).astype(f32)
            elif name == "signal_dbm":
                arr[rr, dd] -= (35.0 + 25.0 * mg).astype(f32)
            else:
                arr[rr, dd] += np.floor(15.0 + 25.0 * mg).astype(f32)
    sel = k == _KIND["drift"]
    if sel.any():
        fi = np.floor(fsel[sel] * len(_DRIFT_FIELDS)).astype(int)
        frac = ((offset + 1) / length[sel]).astype(f32)
        for i, name in enumerate(_DRIFT_FIELDS):
            m = fi == i
            rr, dd, mg, fr = r[sel][m], d[sel][m], mag[sel][m].astype(f32), frac[m]
            arr = tel[name]
            if name == "temperature_c":
                arr[rr, dd] += fr * (6.0 + 9.0 * mg)
            elif name == "response_time_ms":
                arr[rr, dd] *= 1.0 + fr * (1.0 + 2.0 * mg)
            else:
                arr[rr, dd] -= fr * (10.0 + 15.0 * mg)
    sel = k == _KIND["dropout"]
    if sel.any():
        rr, dd = r[sel], d[sel]
        tel["uptime_h"][rr, dd] = (2.0 * mag[sel]).astype(f32)
        tel["tx_kbps"][rr, dd] = 0.0
        tel["usage_count"][rr, dd] = 0.0
