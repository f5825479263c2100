"""The latent failure process and the daily telemetry it shapes.

Why this module exists: the earlier system labelled a sample "failing" when its own error rate,
battery or response time crossed a threshold, so any model scored ~99 % by re-learning the
threshold. Here every label comes from a *latent* process the simulator plants first:

1. each device gets failure episodes from a hazard (age and wear raise it), each with a failure
   mode, a precursor length and severities;
2. a latent health deficit ``s`` rises 0 -> 1 over the precursor window before the failure day,
   and each mode maps ``s`` to its own telemetry signature (sudden failures have none);
3. noisy daily telemetry is drawn around per-category / per-device baselines that follow usage,
   room temperature, floor and outdoor placement, age and season;
4. telemetry anomalies that are *not* failures (stuck, spike, drift, dropout) are injected on
   healthy stretches, and labelled.

Labels (``gt_*``) are read off the latent state, never off the row's telemetry. Everything is
vectorised over a ``(devices, days)`` grid; the only Python loops run over homes (to draw each
home's random numbers from its own generator, so a home's rows do not depend on the batch) and
over a handful of failure episodes / anomaly slots.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa

from homeiq_assets.sim.health.anomalies import AnomalyEpisodes, inject_anomalies
from homeiq_assets.sim.health.config import FAILURE_MODES, WARNING_HORIZON_DAYS, HealthConfig
from homeiq_assets.sim.health.devices import DeviceInputs, validate_inputs
from homeiq_assets.sim.health.draws import (
    DEV_UNIF_FIXED,
    EP_UNIF,
    Draws,
    draw,
    n_episodes,
    poisson_per_home,
)
from homeiq_assets.sim.health.physics import TYPE_USAGE, category_vector
from homeiq_assets.sim.health.reporting import (
    REQUESTS_PER_DAY,
    battery_step,
    quantise,
)
from homeiq_assets.sim.health.table import HealthTables, to_episode_table, to_table


def _gather(per_episode: np.ndarray, seg: np.ndarray, fill: float | int) -> np.ndarray:
    """Per-row value of the episode a row belongs to; `fill` for rows past the last episode."""
    n = per_episode.shape[0]
    padded = np.concatenate([per_episode, np.full((n, 1), fill, dtype=per_episode.dtype)], 1)
    return np.take_along_axis(padded, seg, axis=1)


_BIG = 1 << 30
_MODE = {m: i for i, m in enumerate(FAILURE_MODES)}


def simulate_device_health(
    devices: DeviceInputs, start: dt.date, days: int, seed: int, config: HealthConfig
) -> pa.Table:
    """One row per device per day, sorted by (home_id, device_id, date), schema HEALTH_SCHEMA.

    The latent process runs WARNING_HORIZON_DAYS past the window so gt_fails_within_7d on the
    window's last days knows about failures just after it (no right-censoring of labels).
    """
    return simulate_health(devices, start, days, seed, config).telemetry


def simulate_health(
    devices: DeviceInputs, start: dt.date, days: int, seed: int, config: HealthConfig
) -> HealthTables:
    """The telemetry table and the ground-truth episodes table (EPISODES_SCHEMA: every anomaly
    episode and every failure, with start and end) of the same simulation."""
    validate_inputs(devices, days)
    if not isinstance(start, dt.date):
        raise ValueError(f"start must be a datetime.date, got {start!r}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")

    home_id = np.asarray(devices.home_id).astype(str)
    device_id = np.asarray(devices.device_id).astype(str)
    order = np.lexsort((device_id, home_id))
    home_id, device_id = home_id[order], device_id[order]
    dup = (home_id[1:] == home_id[:-1]) & (device_id[1:] == device_id[:-1])
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise ValueError(
            f"devices.device_id must be unique per home: {device_id[i]!r} "
            f"appears twice in home {home_id[i]!r}"
        )
    device_type = np.asarray(devices.device_type).astype(str)[order]
    category = np.asarray(devices.category).astype(str)[order]
    power = np.asarray(devices.power_source).astype(str)[order]
    area_id = np.asarray(devices.area_id).astype(str)[order]
    floor = np.asarray(devices.floor_level, dtype=np.float32)[order]
    outdoor = np.asarray(devices.outdoor, dtype=bool)[order]
    usage_in = np.asarray(devices.usage, dtype=np.float32)[order]
    temp_in = np.asarray(devices.room_temp_c, dtype=np.float32)[order]

    n = home_id.shape[0]
    horizon = days + WARNING_HORIZON_DAYS
    # Extend the driving inputs over the look-ahead days by repeating the last week.
    if horizon > days:
        idx = days - 1 - (np.arange(horizon - days) % min(days, 7))[::-1]
        usage_in = np.concatenate([usage_in, usage_in[:, idx]], 1)
        temp_in = np.concatenate([temp_in, temp_in[:, idx]], 1)

    starts = np.flatnonzero(np.r_[True, home_id[1:] != home_id[:-1]])
    bounds = np.r_[starts, n]
    n_ep = n_episodes(horizon)
    draws, gens = draw(seed, home_id[starts], bounds, n, horizon, n_ep)

    tel, gt, episodes = _simulate_grid(
        category,
        device_type,
        power,
        floor,
        outdoor,
        usage_in,
        temp_in,
        draws,
        gens,
        config,
        days,
        n_ep,
    )
    telemetry = to_table(
        home_id, device_id, device_type, category, power, area_id, start, days, tel, gt
    )
    return HealthTables(
        telemetry, to_episode_table(home_id, device_id, start, days, episodes, gt["failures"])
    )


def _simulate_grid(
    category: np.ndarray,
    device_type: np.ndarray,
    power: np.ndarray,
    floor: np.ndarray,
    outdoor: np.ndarray,
    usage: np.ndarray,
    room_temp: np.ndarray,
    draws: Draws,
    gens: list[tuple[np.random.Generator, int, int]],
    config: HealthConfig,
    days: int,
    n_ep: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], AnomalyEpisodes]:
    """The latent process and telemetry on the (n, horizon) grid."""
    n, horizon = usage.shape
    f32 = np.float32
    t = np.arange(horizon, dtype=np.int64)[None, :]
    du = draws.dev_unif
    dn = draws.dev_normal
    zd = draws.day_normal
    is_batt = power == "battery"
    rechargeable = is_batt & (category == "vacuum")
    primary_batt = is_batt & ~rechargeable

    # --- static device traits -------------------------------------------------------------
    ref_usage = np.array([TYPE_USAGE.get(d, 0.0) for d in device_type])
    ref_usage = np.where(ref_usage > 0, ref_usage, category_vector(category, "ref_usage"))
    u_rel = (usage / ref_usage[:, None].astype(f32)).clip(0, 5).astype(f32)
    age0 = du[:, 0] * 1825.0  # installed up to 5 years before the window
    flaky = du[:, 1] < 0.08  # chronically noisy but healthy devices (near band edges)

    # --- failure episodes: hazard -> failure day, mode, repair, precursor lead --------------
    base_hazard = -math.log1p(-min(config.failure_rate, 1 - 1e-12)) / 30.0
    wear = np.clip(0.7 + 0.3 * u_rel[:, :days].mean(1), 0.5, 2.0)

    def age_mult(age_days: np.ndarray | float) -> np.ndarray:
        # mean over the install-age distribution (uniform 0..5 y) is 1, so failure_rate keeps
        # its meaning for a typical fleet
        return (0.6 + 0.25 * np.minimum(np.asarray(age_days) / 365.25, 8.0)) / 1.225

    lam_first = base_hazard * age_mult(age0) * wear
    lam_new = base_hazard * age_mult(0.0) * wear

    mix = np.array([config.mode_mix[m] for m in FAILURE_MODES])
    mix_mains = mix.copy()
    mix_mains[_MODE["battery_depletion"]] = 0.0
    mains_ok = mix_mains.sum() > 0
    cum_batt = np.cumsum(mix) / mix.sum()
    cum_mains = np.cumsum(mix_mains) / (mix_mains.sum() if mains_ok else 1.0)
    cum = np.where(is_batt[:, None], cum_batt[None, :], cum_mains[None, :])
    can_fail = is_batt | mains_ok

    lo, hi = config.repair_days
    fail_day = np.full((n, n_ep), _BIG, dtype=np.int64)
    back_day = np.full((n, n_ep), _BIG, dtype=np.int64)
    pre_start = np.zeros((n, n_ep), dtype=np.int64)
    mode = np.full((n, n_ep), -1, dtype=np.int64)
    amps = np.zeros((3, n, n_ep))
    free_from = np.zeros(n)
    alive = can_fail.copy()
    lead_range = {  # precursor length in days by mode (sudden: none)
        "progressive": (7, 28),
        "battery_depletion": (6, 21),
        "network": (5, 16),
        "intermittent": (7, 24),
        "sudden": (0, 0),
    }
    lead_lo = np.array([lead_range[m][0] for m in FAILURE_MODES], dtype=float)
    lead_hi = np.array([lead_range[m][1] for m in FAILURE_MODES], dtype=float)
    for k in range(n_ep):
        col = DEV_UNIF_FIXED + EP_UNIF * k
        lam = lam_first if k == 0 else lam_new
        with np.errstate(divide="ignore"):
            wait = -np.log1p(-du[:, col]) / np.where(lam > 0, lam, np.nan)
        f = np.floor(free_from + np.nan_to_num(wait, nan=np.inf, posinf=np.inf))
        ok = alive & (f < horizon)
        f_i = np.where(ok, f, _BIG).astype(np.int64)
        m = (du[:, col + 1][:, None] > cum).sum(1).clip(0, len(FAILURE_MODES) - 1)
        rep = lo + np.floor(du[:, col + 2] * (hi - lo + 1)).astype(np.int64)
        lead = np.round(lead_lo[m] + du[:, col + 3] * (lead_hi[m] - lead_lo[m])).astype(np.int64)
        ps = f_i - lead
        if k > 0:  # a replacement starts healthy: no precursor before it was installed
            ps = np.maximum(ps, back_day[:, k - 1])
            # too little time for the mode's precursor: an early ("infant mortality") death of
            # the replacement unit, which shows no warning, i.e. a sudden failure
            m = np.where(f_i - ps < lead_lo[m], _MODE["sudden"], m)
        fail_day[:, k] = f_i
        back_day[:, k] = np.where(ok, f_i + rep, _BIG)
        pre_start[:, k] = np.where(ok, ps, _BIG)
        mode[:, k] = np.where(ok, m, -1)
        amps[:, :, k] = du[:, col + 4 : col + 7].T
        free_from = np.where(ok, f_i + rep, np.inf)
        alive = ok

    seg = (back_day[:, None, :] <= t[:, :, None]).sum(2)  # episode index of each row
    f_row = _gather(fail_day, seg, _BIG)
    seg_start = np.take_along_axis(
        np.concatenate([np.zeros((n, 1), np.int64), back_day], 1), seg, axis=1
    )
    p_row = _gather(pre_start, seg, _BIG)
    mode_row = _gather(mode, seg, -1)
    a1, a2, a3 = (_gather(amps[i], seg, 0.0).astype(f32) for i in range(3))
    down = t >= f_row  # f_row is _BIG when no failure ahead
    has_fail = f_row < _BIG
    dtf = np.where(has_fail, f_row - t, -1)
    span = np.maximum(f_row - p_row, 1)
    s = np.clip((t - p_row) / span, 0.0, 1.0).astype(f32)
    s[~has_fail | down | (mode_row == _MODE["sudden"])] = 0.0
    is_m = {m: mode_row == i for m, i in _MODE.items()}
    s_prog = np.where(is_m["progressive"], s, 0).astype(f32)
    s_net = np.where(is_m["network"], s, 0).astype(f32)
    s_int = np.where(is_m["intermittent"], s, 0).astype(f32)
    s_bat = np.where(is_m["battery_depletion"], s, 0).astype(f32)
    in_pre = s > 0

    age = np.where(seg == 0, age0[:, None] + t, t - seg_start).astype(np.int64)
    age_y = (age / 365.25).astype(f32)

    # intermittent bursts (also rare bursts on flaky-but-healthy devices)
    burst_p = np.where(s_int > 0, 0.08 + 0.55 * s_int, 0.0) + np.where(flaky, 0.012, 0.0)[:, None]
    burst = draws.day_unif < burst_p

    # home-wide days every device of a home shares: power cuts / hub reboots (a restart and lost
    # hours for all devices) and radio congestion (slower, lossier) - healthy causes of bad days
    hd = draws.home_day
    outage = hd[0] < 0.03
    outage_h = np.where(outage, 0.2 + 2.8 * hd[1], 0.0).astype(f32)
    congested = (hd[2] > 0.92).astype(f32)

    # --- signal -------------------------------------------------------------------------------
    sig_base = (
        category_vector(category, "signal_dbm")
        - 4.0 * np.abs(floor)
        - 3.0 * (floor < 0)
        - 10.0 * outdoor
        + 4.0 * dn[:, 2]
    ).astype(f32)
    signal = (
        sig_base[:, None] + 1.5 * zd[2] - 3.0 * congested - (8.0 + 17.0 * a1) * s_net - 3.0 * s_bat
    ).astype(f32)

    # --- counts (restarts, drops, usage) ------------------------------------------------------
    weak = np.exp(np.clip((-75.0 - signal) / 6.0, 0.0, 3.0))
    drop_lam = (
        category_vector(category, "drop_rate")[:, None]
        * (1 + 2.0 * outdoor)[:, None]
        * np.where(flaky, 2.0, 1.0)[:, None]
        * weak
        * (1 + 2.0 * congested)
        + 12.0 * (0.4 + 0.6 * a2) * s_net**1.5
        + 3.0 * burst
        + 1.5 * outage
    )
    restart_lam = (
        np.where(flaky, 0.12, 0.02)[:, None]
        + (0.2 + 1.0 * a2) * s_prog**2
        + 1.2 * s_net
        + (1.0 + 3.0 * a3) * burst
    )
    avail = 1.0 - 0.5 * s_prog**2 - 0.4 * s_net - outage_h / 24.0
    usage_lam = usage * avail
    counts = poisson_per_home(gens, np.stack([usage_lam, restart_lam, drop_lam]))
    usage_count = counts[0].astype(np.float32)
    restarts = (counts[1] + (outage & ~is_batt[:, None])).astype(np.float32)
    drops = counts[2].astype(np.float32)

    # --- response time, error rate ------------------------------------------------------------
    resp = (
        category_vector(category, "resp_ms")[:, None]
        * np.exp(0.3 * dn[:, 0])[:, None]
        * (1 + 0.05 * age_y)
        * (0.92 + 0.08 * u_rel)
        * np.exp(0.15 * zd[0])
        * (1 + 0.4 * congested)
        * (1 + (0.8 + 4.0 * a1) * s_prog**2)
        * (1 + 0.8 * burst)
        * (1 + 0.5 * s_net)
    )
    err_dev = category_vector(category, "err") * np.exp(0.45 * dn[:, 1]) * np.where(flaky, 2.5, 1.0)
    err = (
        err_dev[:, None]
        * (1 + 0.12 * age_y)
        * (0.8 + 0.2 * u_rel)
        * np.exp(0.35 * zd[1])
        * (1 + 0.6 * congested)
        + (0.02 + 0.25 * a2**2) * s_prog**2
        + (0.08 + 0.35 * a2) * burst
        + 0.04 * s_net
    )
    err = np.clip(err, 0.0, 1.0)

    # --- temperature, uptime, tx ---------------------------------------------------------------
    temp = (
        room_temp
        + category_vector(category, "self_heat_c")[:, None] * (0.8 + 0.2 * np.minimum(u_rel, 3.0))
        + dn[:, 4][:, None]
        + 0.5 * zd[3]
        + (1.0 + 6.0 * a3) * s_prog**2
    )
    # reporting gaps: on some days a sleepy or distant device misses reports long enough to be
    # marked unavailable for a while; on most days a healthy device is online all 24 h
    gap_h = (0.5 * np.exp(0.9 * dn[:, 5]))[:, None] * np.maximum(np.abs(zd[6]) - 1.5, 0.0)
    uptime = (
        24.0
        - restarts * 0.12
        - drops * 0.04 * (1 + 4 * s_net)
        - outage_h
        - (0.2 + 2.8 * a3**2) * s_prog**2
        - gap_h
    )
    uptime = np.clip(uptime, 0.0, 24.0)
    # error rate as devices report it: failed requests over the requests made that day (polls,
    # reports and commands while online, plus one per event)
    req_base = np.array([REQUESTS_PER_DAY[c] for c in category])[:, None]
    requests = np.round(req_base * uptime / 24.0) + usage_count
    errors = poisson_per_home(gens, (requests * err)[None])[0]
    err = np.minimum(errors, requests) / np.maximum(requests, 1.0)
    tx = (
        category_vector(category, "tx_kbps")[:, None]
        * np.exp(0.25 * dn[:, 3])[:, None]
        * (0.5 + 0.5 * np.minimum(u_rel, 4.0))
        * np.exp(0.2 * zd[4])
        * (1 - 0.75 * s_net)
        * (1 - 0.3 * s_prog**2)
        * (uptime / 24.0)
    )

    # --- battery --------------------------------------------------------------------------------
    battery = _battery(
        category,
        primary_batt,
        rechargeable,
        usage,
        room_temp,
        u_rel,
        du,
        _slow(zd[5]),
        seg,
        seg_start,
        p_row,
        f_row,
        s_bat,
        t,
    )

    # --- anomalies on healthy stretches ---------------------------------------------------------
    tel = {
        "response_time_ms": resp.astype(f32),
        "error_rate": err.astype(f32),
        "battery_pct": battery,
        "signal_dbm": signal,
        "usage_count": usage_count,
        "temperature_c": temp.astype(f32),
        "uptime_h": uptime.astype(f32),
        "restart_count": restarts,
        "connection_drops": drops,
        "tx_kbps": tx.astype(f32),
    }
    clean = ~down & ~in_pre & ~burst & ~((dtf >= 1) & (dtf <= WARNING_HORIZON_DAYS))
    episodes = inject_anomalies(tel, clean, down, du, config, days)
    quantise(tel, battery_step(du[:, 5]))

    planted = mode >= 0
    failures = {
        "row": np.nonzero(planted)[0],
        "fail_day": fail_day[planted],
        "pre_start": pre_start[planted],
        "back_day": back_day[planted],
        "mode": mode[planted],
    }
    return (
        tel,
        {
            "down": down,
            "dtf": dtf,
            "mode": np.where(has_fail, mode_row, -1),
            "anomaly_kind": episodes.kind_cell,
            "anomaly_field": episodes.field_cell,
            "anomaly_start": episodes.start_cell,
            "anomaly_end": episodes.end_cell,
            "age": age,
            "failures": failures,
        },
        episodes,
    )


def _slow(z: np.ndarray, window: int = 7) -> np.ndarray:
    """A slowly varying unit-variance noise from daily normals: their trailing 7-day mean
    (times sqrt 7), e.g. the cell voltage a battery gauge reads, which wanders over days."""
    n, horizon = z.shape
    c = np.concatenate([np.zeros((n, window)), np.cumsum(z, axis=1, dtype=np.float64)], axis=1)
    return ((c[:, window:] - c[:, :horizon]) / math.sqrt(window)).astype(np.float32)


def _battery(
    category: np.ndarray,
    primary: np.ndarray,
    rechargeable: np.ndarray,
    usage: np.ndarray,
    room_temp: np.ndarray,
    u_rel: np.ndarray,
    du: np.ndarray,
    z: np.ndarray,
    seg: np.ndarray,
    seg_start: np.ndarray,
    p_row: np.ndarray,
    f_row: np.ndarray,
    s_bat: np.ndarray,
    t: np.ndarray,
) -> np.ndarray:
    """Battery % (NaN for mains): drain follows usage and cold; owners swap low batteries.

    Healthy primary cells drain by idle + per-event cost, faster below ~10 degC, and are swapped
    to 100 % when they reach the owner's per-device threshold (some owners wait below 15 %, so
    low battery alone does not mean failure). In a battery-depletion episode the remaining
    charge is spent over the precursor, weighted by that day's usage/cold drain and accelerating,
    so the cell reads ~0 on the last day before the device dies. A replaced device starts at
    100 %. Robot vacuums recharge: their daily reading sits high unless the pack is failing.
    """
    n, horizon = usage.shape
    cold = 1.0 + 0.035 * np.clip(10.0 - room_temp, 0.0, 40.0)
    drain = (
        category_vector(category, "idle_drain")[:, None]
        + category_vector(category, "event_drain")[:, None] * usage
    ) * cold
    drain = np.where(primary[:, None], drain, 0.0)
    c = np.cumsum(drain, axis=1)
    c_prev = np.concatenate([np.zeros((n, 1)), c], 1)  # c_prev[:, j] = drain before day j
    swap_at = 6.0 + 19.0 * du[:, 3]
    b0 = swap_at + (100.0 - swap_at) * du[:, 2]
    base = np.where(seg == 0, b0[:, None], 100.0)
    consumed = c - np.take_along_axis(c_prev, np.minimum(seg_start, horizon), axis=1)
    excess = consumed - (base - swap_at[:, None])
    level = np.where(
        excess < 0, base - consumed, 100.0 - np.mod(excess, (100.0 - swap_at)[:, None])
    )
    level = np.where(rechargeable[:, None], 92.0 + 3.0 * z, level)

    # depletion episodes
    dep = s_bat > 0
    if dep.any():
        w = np.where(primary[:, None], drain, 1.0 + 0.5 * u_rel * cold) * (1.0 + 3.0 * s_bat)
        wc = np.concatenate([np.zeros((n, 1)), np.cumsum(np.where(dep, w, 0.0), 1)], 1)
        p0 = np.clip(p_row, 0, horizon)
        fi = np.clip(f_row, 0, horizon)
        w_before = wc[np.arange(n)[:, None], p0]
        w_pre = np.maximum(-p_row, 0) * w[:, :1]  # precursor days before the window
        w_done = wc[:, 1:] - w_before + w_pre
        w_total = wc[np.arange(n)[:, None], fi] - w_before + w_pre
        start_level = np.take_along_axis(
            np.where(rechargeable[:, None], 92.0, level), np.clip(p_row, 0, horizon - 1), axis=1
        )
        dep_level = start_level * (1.0 - w_done / np.maximum(w_total, 1e-9))
        level = np.where(dep, np.maximum(dep_level, 0.0) + 0.3 * np.abs(z), level)
    # the gauge reads the cell voltage: it wanders slowly and sags in the cold
    sag = 0.15 * np.clip(5.0 - room_temp, 0.0, 30.0)
    level = np.where(dep, level, level + 0.2 * z - sag)
    level = np.clip(level, 0.0, 100.0)
    return np.where((primary | rechargeable)[:, None], level, np.nan).astype(np.float32)
