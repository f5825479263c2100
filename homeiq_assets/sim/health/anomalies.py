"""Telemetry anomalies that are not failures, planted the way they occur on real devices, with
each episode recorded (device, kind, field, start, end, why it ended).

* **stuck**: a sensor freezes. Its temperature reading stays at the last good value for 3-21
  days while the room keeps changing, until the owner power-cycles it (or the device fails).
  With real precision a healthy reading can repeat for a day or two; a stuck sensor repeats
  for days.
* **spike**: a one-day glitch inside the sensor's physical range: temperature ±4-20 °C,
  RSSI 10-30 dB lower, or response time ×3-12 (capped at the 10 s timeout).
* **drift**: a calibration drift of the temperature sensor (0.08-0.4 °C per day, either sign)
  or a slow resource leak of the firmware (response time +2-8 % of its level per day). It
  builds over weeks and stays until the owner recalibrates or reboots (14-60 days after it
  began) or the device fails; it may run on into a failure's precursor and past the window.
* **dropout**: the device falls off the network for most of 1-3 days: online 0.3-10 h, events
  and traffic only while online, and a connection drop for each loss. It keeps reporting, and
  is fine afterwards.

Every episode starts on a clean day (not down, not in a failure precursor or the week before a
failure, not on a burst day, after a normal day); spikes and dropouts lie wholly on clean days,
stuck and drift episodes end at the latest on the day before the device goes down. Episodes of
a device never overlap or touch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from homeiq_assets.sim.health.config import ANOMALY_KINDS, TELEMETRY_FIELDS, HealthConfig
from homeiq_assets.sim.health.draws import AN_UNIF, ANOM_SLOTS, DEV_UNIF_FIXED, EP_UNIF, n_episodes
from homeiq_assets.sim.health.reporting import SENSOR_RANGE

KIND_SHARES: dict[str, float] = {"stuck": 0.25, "spike": 0.30, "drift": 0.20, "dropout": 0.25}
# the field each kind hits, with its share within the kind
KIND_FIELDS: dict[str, tuple[tuple[str, float], ...]] = {
    "stuck": (("temperature_c", 1.0),),
    "spike": (("temperature_c", 0.4), ("signal_dbm", 0.3), ("response_time_ms", 0.3)),
    "drift": (("temperature_c", 0.6), ("response_time_ms", 0.4)),
    "dropout": (("uptime_h", 1.0),),
}
# planned length in days (inclusive range); stuck and drift end earlier when the device fails
KIND_DAYS: dict[str, tuple[int, int]] = {
    "stuck": (3, 21),
    "spike": (1, 1),
    "drift": (14, 60),
    "dropout": (1, 3),
}
PERSISTENT = frozenset({"stuck", "drift"})
END_REASONS: tuple[str, ...] = (
    "glitch",
    "reconnected",
    "power_cycled",
    "recalibrated",
    "rebooted",
    "failure",
)
_KIND = {k: i for i, k in enumerate(ANOMALY_KINDS)}
_FIELD = {f: i for i, f in enumerate(TELEMETRY_FIELDS)}
_REASON = {r: i for i, r in enumerate(END_REASONS)}


@dataclass
class AnomalyEpisodes:
    """Planted episodes (one entry per episode) and their per-cell labels on the grid."""

    row: np.ndarray  # device row
    kind: np.ndarray  # index into ANOMALY_KINDS
    field: np.ndarray  # index into TELEMETRY_FIELDS
    start: np.ndarray  # first day (grid offset)
    end: np.ndarray  # last day (grid offset; may lie past the horizon)
    reason: np.ndarray  # index into END_REASONS
    kind_cell: np.ndarray  # (n, H) int8, -1 where no anomaly
    field_cell: np.ndarray  # (n, H) int8
    start_cell: np.ndarray  # (n, H) int32
    end_cell: np.ndarray  # (n, H) int32


def _next_true(mask: np.ndarray) -> np.ndarray:
    """For every (i, t): the first day >= t on which mask is True (H when none), shape (n, H+1)."""
    n, horizon = mask.shape
    t = np.arange(horizon)
    day = np.where(mask, t, horizon)
    out = np.minimum.accumulate(day[:, ::-1], axis=1)[:, ::-1]
    return np.concatenate([out, np.full((n, 1), horizon)], axis=1)


def _pick(u: np.ndarray, shares: np.ndarray) -> np.ndarray:
    cum = np.cumsum(shares) / shares.sum()
    return np.searchsorted(cum, u, side="right").clip(0, shares.size - 1)


def inject_anomalies(
    tel: dict[str, np.ndarray],
    clean: np.ndarray,
    down: np.ndarray,
    du: np.ndarray,
    config: HealthConfig,
    days: int,
) -> AnomalyEpisodes:
    """Plant up to two episodes per device, rewriting `tel` in place; return them."""
    n, horizon = clean.shape
    rows = np.arange(n)
    t = np.arange(horizon)[None, :]
    kind_cell = np.full((n, horizon), -1, dtype=np.int8)
    field_cell = np.full((n, horizon), -1, dtype=np.int8)
    start_cell = np.full((n, horizon), -1, dtype=np.int32)
    end_cell = np.full((n, horizon), -1, dtype=np.int32)
    episodes: list[tuple[np.ndarray, ...]] = []
    mean_count = -math.log1p(-min(config.anomaly_rate, 1 - 1e-12)) * days / 30.0
    if mean_count > 0 and days >= 2:
        p0 = math.exp(-mean_count)
        u_count = du[:, 4]
        count = np.where(u_count < p0, 0, np.where(u_count < p0 * (1 + mean_count), 1, 2))
        next_down = _next_true(down)
        dirty = np.concatenate([np.zeros((n, 1)), np.cumsum(~clean, axis=1)], axis=1)
        taken = np.zeros((n, horizon + 2), dtype=bool)  # padded: index d + 1 is day d
        base = DEV_UNIF_FIXED + EP_UNIF * n_episodes(horizon)
        shares = np.array([KIND_SHARES[k] for k in ANOMALY_KINDS])
        lo = np.array([KIND_DAYS[k][0] for k in ANOMALY_KINDS])
        hi = np.array([KIND_DAYS[k][1] for k in ANOMALY_KINDS])
        persistent = np.array([k in PERSISTENT for k in ANOMALY_KINDS])
        for j in range(ANOM_SLOTS):
            col = base + AN_UNIF * j
            kind = _pick(du[:, col + 1], shares)
            length = lo[kind] + np.floor(du[:, col + 3] * (hi[kind] - lo[kind] + 1)).astype(int)
            pers = persistent[kind]
            # short episodes lie inside the window; persistent ones only start inside it
            room = np.where(pers, days - 1, np.maximum(days - length, 1))
            st = 1 + np.floor(du[:, col] * room).astype(np.int64)
            planned_end = st + length - 1
            nd = next_down[rows, np.minimum(st, horizon)]
            by_failure = pers & (nd < horizon) & (nd - 1 < planned_end)
            end = np.where(by_failure, nd - 1, planned_end)
            last = np.minimum(end, horizon - 1)
            ok = (count > j) & (st < days) & (last >= st)
            ok &= clean[rows, np.minimum(st, horizon - 1)] & clean[rows, st - 1]
            short_clean = dirty[rows, np.minimum(last + 1, horizon)] - dirty[rows, st] == 0
            ok &= pers | (short_clean & (planned_end < days))
            # no overlap or contact with an earlier episode: days [st - 1, last + 1] are free
            # (padded indices st .. last + 2)
            tc = np.cumsum(taken, axis=1)
            b = np.minimum(last + 2, horizon + 1)
            ok &= tc[rows, b] - tc[rows, st] + taken[rows, st] == 0
            idx = np.flatnonzero(ok)
            if idx.size == 0:
                continue
            k, s, e, le = kind[idx], st[idx], end[idx], last[idx]
            field = _episode_field(k, du[idx, col + 2])
            reason = _end_reason(k, field, by_failure[idx])
            mask = (t >= s[:, None]) & (t <= le[:, None])
            _apply(tel, idx, k, field, s, mask, du[idx, col + 4 : col + 7])
            for grid, value in (
                (kind_cell, k),
                (field_cell, field),
                (start_cell, s),
                (end_cell, e),
            ):
                sub = grid[idx]
                sub[mask] = np.broadcast_to(value[:, None], mask.shape)[mask]
                grid[idx] = sub
            sub = taken[idx, 1:-1]
            sub |= mask
            taken[idx, 1:-1] = sub
            episodes.append((idx, k, field, s, e, reason))
    if episodes:
        cat = [np.concatenate(parts) for parts in zip(*episodes, strict=True)]
        order = np.lexsort((cat[3], cat[0]))
        cat = [c[order] for c in cat]
    else:
        cat = [np.zeros(0, dtype=np.int64) for _ in range(6)]
    return AnomalyEpisodes(*cat, kind_cell, field_cell, start_cell, end_cell)


def _episode_field(kind: np.ndarray, u: np.ndarray) -> np.ndarray:
    out = np.empty(kind.size, dtype=np.int64)
    for name, i in _KIND.items():
        sel = kind == i
        fields = KIND_FIELDS[name]
        pick = _pick(u[sel], np.array([s for _, s in fields]))
        out[sel] = np.array([_FIELD[f] for f, _ in fields])[pick]
    return out


def _end_reason(kind: np.ndarray, field: np.ndarray, by_failure: np.ndarray) -> np.ndarray:
    planned = np.select(
        [
            kind == _KIND["spike"],
            kind == _KIND["dropout"],
            kind == _KIND["stuck"],
            field == _FIELD["temperature_c"],
        ],
        [_REASON[r] for r in ("glitch", "reconnected", "power_cycled", "recalibrated")],
        _REASON["rebooted"],
    )
    return np.where(by_failure, _REASON["failure"], planned)


def _apply(
    tel: dict[str, np.ndarray],
    idx: np.ndarray,
    kind: np.ndarray,
    field: np.ndarray,
    start: np.ndarray,
    mask: np.ndarray,
    u: np.ndarray,
) -> None:
    """Rewrite the episode cells (rows `idx`, days in `mask`) of each kind and field; `u` holds
    each episode's magnitude, sign and extra uniform draws."""
    mag, sign_u, extra = u[:, 0], u[:, 1], u[:, 2]
    f32 = np.float32
    horizon = mask.shape[1]
    k_day = (np.arange(horizon)[None, :] - start[:, None] + 1).astype(f32)  # day 1, 2, ...
    sign = np.where(sign_u < 0.5, -1.0, 1.0)
    for kind_name, fields in KIND_FIELDS.items():
        for field_name, _ in fields:
            sel = (kind == _KIND[kind_name]) & (field == _FIELD[field_name])
            if not sel.any():
                continue
            r, m = idx[sel], mask[sel]
            x = tel[field_name][r]
            lo, hi = SENSOR_RANGE.get(field_name, (-np.inf, np.inf))
            if kind_name == "stuck":
                frozen = x[np.arange(r.size), start[sel] - 1]
                x = np.where(m, frozen[:, None], x)
            elif kind_name == "spike":
                if field_name == "temperature_c":
                    jump = x + (sign[sel] * (4.0 + 16.0 * mag[sel]))[:, None]
                elif field_name == "signal_dbm":
                    jump = x - (10.0 + 20.0 * mag[sel])[:, None]
                else:
                    jump = x * (3.0 + 9.0 * mag[sel])[:, None]
                x = np.where(m, np.clip(jump, lo, hi), x)
            elif kind_name == "drift":
                if field_name == "temperature_c":
                    rate = sign[sel] * (0.08 + 0.32 * mag[sel])
                    off = np.clip(rate[:, None] * k_day[sel], -15.0, 15.0)
                    x = np.where(m, np.clip(x + off, lo, hi), x)
                else:
                    rate = 0.02 + 0.06 * mag[sel]
                    factor = np.minimum(1.0 + rate[:, None] * k_day[sel], 5.0)
                    x = np.where(m, np.clip(x * factor, lo, hi), x)
            else:  # dropout: online only part of the day
                online = 0.3 + 9.7 * np.mod(mag[sel][:, None] + 0.618 * (k_day[sel] - 1), 1.0)
                frac = np.where(m, online / np.maximum(x, 1e-6), 1.0).clip(0.0, 1.0)
                x = np.where(m, online, x)
                for name in ("usage_count", "tx_kbps"):
                    tel[name][r] = (tel[name][r] * frac).astype(f32)
                drops = tel["connection_drops"][r]
                tel["connection_drops"][r] = drops + m * (1.0 + np.floor(3.0 * extra[sel]))[:, None]
            tel[field_name][r] = x.astype(f32)
