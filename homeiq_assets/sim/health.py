"""Daily device-health telemetry driven by a latent failure process (no Dagster here).

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
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from homeiq_assets.sim.catalog import DEVICE_TEMPLATES, HEALTH_CATEGORIES, REGIONS
from homeiq_assets.sim.rng import derive_rng

FAILURE_MODES: tuple[str, ...] = (
    "progressive",
    "battery_depletion",
    "network",
    "intermittent",
    "sudden",
)
ANOMALY_KINDS: tuple[str, ...] = ("stuck", "spike", "drift", "dropout")

# The ten daily telemetry fields of the `device_health` table (DESIGN section 4).
TELEMETRY_FIELDS: tuple[str, ...] = (
    "response_time_ms",
    "error_rate",
    "battery_pct",
    "signal_dbm",
    "usage_count",
    "temperature_c",
    "uptime_h",
    "restart_count",
    "connection_drops",
    "tx_kbps",
)

# gt_fails_within_7d is True when the failure day is 1..7 days ahead (the failure day itself is
# a "down" row with gt_status == "failed" and is not counted as "fails within 7 days").
WARNING_HORIZON_DAYS = 7

DEFAULT_MODE_MIX: dict[str, float] = {
    "progressive": 0.30,
    "battery_depletion": 0.22,
    "network": 0.20,
    "intermittent": 0.15,
    "sudden": 0.13,
}

HEALTH_SCHEMA: pa.Schema = pa.schema(
    [
        pa.field("home_id", pa.string(), nullable=False),
        pa.field("device_id", pa.string(), nullable=False),
        pa.field("date", pa.date32(), nullable=False),
        pa.field("device_type", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("power_source", pa.string(), nullable=False),
        pa.field("area_id", pa.string(), nullable=False),
        pa.field("age_days", pa.int32(), nullable=False),
        pa.field("response_time_ms", pa.float32()),
        pa.field("error_rate", pa.float32()),
        pa.field("battery_pct", pa.float32()),
        pa.field("signal_dbm", pa.float32()),
        pa.field("usage_count", pa.int32()),
        pa.field("temperature_c", pa.float32()),
        pa.field("uptime_h", pa.float32()),
        pa.field("restart_count", pa.int32()),
        pa.field("connection_drops", pa.int32()),
        pa.field("tx_kbps", pa.float32()),
        pa.field("gt_status", pa.string(), nullable=False),
        pa.field("gt_fails_within_7d", pa.bool_(), nullable=False),
        pa.field("gt_days_to_failure", pa.int32()),
        pa.field("gt_failure_mode", pa.string()),
        pa.field("gt_anomaly", pa.bool_(), nullable=False),
        pa.field("gt_anomaly_kind", pa.string()),
    ]
)


# --------------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------------


class HealthConfig(BaseModel):
    """Knobs of the latent failure / anomaly processes.

    Rates are per 30-day window and are turned into constant daily hazards, so a 60-day cycle
    sees about twice as many failures as a 30-day one rather than the same count squeezed in.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    failure_rate: float = 0.09
    mode_mix: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_MODE_MIX))
    anomaly_rate: float = 0.08
    repair_days: tuple[int, int] = (1, 5)

    @field_validator("failure_rate", "anomaly_rate")
    @classmethod
    def _rate_in_unit_interval(cls, value: float, info: Any) -> float:
        if not (isinstance(value, int | float) and math.isfinite(value) and 0.0 <= value <= 1.0):
            raise ValueError(f"{info.field_name} must be a probability in [0, 1], got {value!r}")
        return float(value)

    @field_validator("mode_mix")
    @classmethod
    def _normalise_mix(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(FAILURE_MODES))
        if unknown:
            raise ValueError(
                f"mode_mix has unknown failure modes {unknown}; known: {list(FAILURE_MODES)}"
            )
        for mode, weight in value.items():
            if not (math.isfinite(weight) and weight >= 0):
                raise ValueError(f"mode_mix[{mode!r}] must be a non-negative number, got {weight}")
        total = sum(value.values())
        if total <= 0:
            raise ValueError("mode_mix weights must sum to more than 0")
        return {m: float(value.get(m, 0.0)) / total for m in FAILURE_MODES}

    @model_validator(mode="after")
    def _repair_range(self) -> HealthConfig:
        lo, hi = self.repair_days
        if lo < 1 or hi < lo:
            raise ValueError(f"repair_days must satisfy 1 <= lo <= hi, got {self.repair_days}")
        return self


# --------------------------------------------------------------------------------------------
# per-category physics
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CategoryParams:
    """Healthy operating point of a category (median device, new, typical usage, 20 degC)."""

    resp_ms: float
    err: float
    tx_kbps: float
    signal_dbm: float
    self_heat_c: float
    drop_rate: float  # mean connection drops per day
    ref_usage: float  # typical events per day (wear and load are relative to this)
    idle_drain: float  # battery % per day at rest (battery-powered devices)
    event_drain: float  # battery % per event


_CATS: dict[str, _CategoryParams] = {
    "sensor": _CategoryParams(90.0, 0.004, 2.5, -58.0, 2.0, 0.25, 1440.0, 0.06, 0.00005),
    "switch": _CategoryParams(60.0, 0.003, 1.0, -57.0, 3.0, 0.25, 3.0, 0.06, 0.01),
    "light": _CategoryParams(75.0, 0.004, 0.8, -60.0, 6.0, 0.30, 10.0, 0.06, 0.01),
    "climate": _CategoryParams(130.0, 0.003, 3.0, -55.0, 1.5, 0.20, 30.0, 0.06, 0.005),
    "security": _CategoryParams(160.0, 0.002, 1.5, -62.0, 1.0, 0.20, 6.0, 0.03, 0.02),
    "battery": _CategoryParams(260.0, 0.006, 0.25, -68.0, 0.3, 0.35, 60.0, 0.06, 0.0012),
    "media": _CategoryParams(45.0, 0.002, 900.0, -50.0, 12.0, 0.40, 4.0, 0.06, 0.01),
    "vacuum": _CategoryParams(210.0, 0.008, 40.0, -64.0, 8.0, 0.40, 1.0, 0.0, 0.0),
}

# Typical events per day of each catalog device type (standalone usage and wear reference).
TYPE_USAGE: dict[str, float] = {
    "ceiling_light": 12.0,
    "lamp": 6.0,
    "outdoor_light": 3.0,
    "motion_sensor": 140.0,
    "door_sensor": 24.0,
    "window_sensor": 4.0,
    "climate_sensor": 144.0,
    "smoke_detector": 1.0,
    "door_lock": 8.0,
    "thermostat": 30.0,
    "coffee_plug": 2.0,
    "dishwasher_plug": 1.0,
    "washer_plug": 1.0,
    "bathroom_fan": 6.0,
    "tv": 3.0,
    "speaker": 5.0,
    "vacuum": 1.0,
    "garage_door": 4.0,
    "irrigation": 1.0,
    "energy_meter": 1440.0,
}

# Normal band of each telemetry field per category: where healthy devices sit on (almost) every
# day, calibrated from healthy device-days of this simulator (about the 0.1 / 99.9 percentiles,
# rounded outwards). Near-edge healthy devices (outdoor, weak signal, busy, flaky) exist on
# purpose, so a band check is a warning sign, not a label.
_COMMON_BANDS: dict[str, tuple[float, float]] = {
    "battery_pct": (15.0, 100.0),
    "uptime_h": (20.5, 24.0),
    "restart_count": (0.0, 1.0),
    "temperature_c": (-30.0, 55.0),
}
NORMAL_BANDS: dict[str, dict[str, tuple[float, float]]] = {
    "sensor": {
        "response_time_ms": (28.0, 350.0),
        "error_rate": (0.0, 0.05),
        "signal_dbm": (-88.0, -35.0),
        "connection_drops": (0.0, 4.0),
        "tx_kbps": (0.6, 14.0),
        "usage_count": (0.0, 12000.0),
    },
    "switch": {
        "response_time_ms": (20.0, 240.0),
        "error_rate": (0.0, 0.04),
        "signal_dbm": (-87.0, -34.0),
        "connection_drops": (0.0, 4.0),
        "tx_kbps": (0.15, 5.0),
        "usage_count": (0.0, 60.0),
    },
    "light": {
        "response_time_ms": (25.0, 290.0),
        "error_rate": (0.0, 0.05),
        "signal_dbm": (-90.0, -37.0),
        "connection_drops": (0.0, 5.0),
        "tx_kbps": (0.15, 4.2),
        "usage_count": (0.0, 150.0),
    },
    "climate": {
        "response_time_ms": (45.0, 480.0),
        "error_rate": (0.0, 0.04),
        "signal_dbm": (-85.0, -32.0),
        "connection_drops": (0.0, 4.0),
        "tx_kbps": (0.7, 15.0),
        "usage_count": (0.0, 300.0),
    },
    "security": {
        "response_time_ms": (55.0, 600.0),
        "error_rate": (0.0, 0.03),
        "signal_dbm": (-92.0, -39.0),
        "connection_drops": (0.0, 4.0),
        "tx_kbps": (0.3, 7.5),
        "usage_count": (0.0, 100.0),
    },
    "battery": {
        "response_time_ms": (85.0, 1000.0),
        "error_rate": (0.0, 0.07),
        "signal_dbm": (-98.0, -45.0),
        "connection_drops": (0.0, 8.0),
        "tx_kbps": (0.05, 1.3),
        "usage_count": (0.0, 1500.0),
    },
    "media": {
        "response_time_ms": (15.0, 180.0),
        "error_rate": (0.0, 0.03),
        "signal_dbm": (-80.0, -27.0),
        "connection_drops": (0.0, 5.0),
        "tx_kbps": (180.0, 4500.0),
        "usage_count": (0.0, 60.0),
    },
    "vacuum": {
        "response_time_ms": (75.0, 920.0),
        "error_rate": (0.0, 0.10),
        "signal_dbm": (-90.0, -40.0),
        "connection_drops": (0.0, 5.0),
        "tx_kbps": (8.0, 200.0),
        "usage_count": (0.0, 20.0),
    },
}
for _bands in NORMAL_BANDS.values():
    _bands.update(_COMMON_BANDS)


# --------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------


@dataclass
class DeviceInputs:
    """Per-device rows (length n) plus daily usage and temperature grids of shape (n, days)."""

    home_id: np.ndarray
    device_id: np.ndarray
    device_type: np.ndarray
    category: np.ndarray
    power_source: np.ndarray
    area_id: np.ndarray
    floor_level: np.ndarray
    outdoor: np.ndarray
    usage: np.ndarray
    room_temp_c: np.ndarray

    def __len__(self) -> int:
        return int(np.asarray(self.home_id).shape[0])


def _validate(devices: DeviceInputs, days: int) -> None:
    """Fail before any work, naming the offending argument (DESIGN section 11)."""
    if not isinstance(days, int | np.integer) or days < 1:
        raise ValueError(f"days must be an integer >= 1, got {days!r}")
    n = len(devices)
    if n == 0:
        raise ValueError("devices must contain at least one device (got zero devices)")
    for name in (
        "device_id",
        "device_type",
        "category",
        "power_source",
        "area_id",
        "floor_level",
        "outdoor",
    ):
        length = np.asarray(getattr(devices, name)).shape[0]
        if length != n:
            raise ValueError(f"devices.{name} has length {length}, expected {n} (home_id)")
    for name in ("usage", "room_temp_c"):
        shape = np.asarray(getattr(devices, name)).shape
        if shape != (n, days):
            raise ValueError(f"devices.{name} must have shape ({n}, {days}), got {shape}")
        if not np.isfinite(np.asarray(getattr(devices, name), dtype=float)).all():
            raise ValueError(f"devices.{name} contains non-finite values")
    if (np.asarray(devices.usage, dtype=float) < 0).any():
        raise ValueError("devices.usage must be >= 0")
    bad = sorted(set(np.asarray(devices.category).astype(str)) - set(HEALTH_CATEGORIES))
    if bad:
        raise ValueError(
            f"devices.category has unknown categories {bad}; known: {list(HEALTH_CATEGORIES)}"
        )
    bad = sorted(set(np.asarray(devices.power_source).astype(str)) - {"battery", "mains"})
    if bad:
        raise ValueError(f"devices.power_source must be 'battery' or 'mains', got {bad}")


# --------------------------------------------------------------------------------------------
# random numbers, one generator per home
# --------------------------------------------------------------------------------------------

_N_DAY_NORMAL = 7  # resp, err, signal, temp, tx, battery, uptime
_N_DEV_NORMAL = 6  # resp mult, err mult, signal offset, tx mult, temp offset, gap scale
_DEV_UNIF_FIXED = 5  # age, flaky, battery start, swap threshold, anomaly count
_EP_UNIF = 7  # wait, mode, repair, lead, amp1, amp2, amp3
_ANOM_SLOTS = 2
_AN_UNIF = 5  # start, kind, field, length, magnitude


@dataclass
class _Draws:
    day_normal: np.ndarray  # (K, n, H) float32
    day_unif: np.ndarray  # (n, H) float32
    home_day: np.ndarray  # (3, n, H) float32: home-wide daily draws, repeated per device
    dev_normal: np.ndarray  # (n, K) float64
    dev_unif: np.ndarray  # (n, K) float64


def _draw(
    seed: int, homes: np.ndarray, bounds: np.ndarray, n: int, horizon: int, n_episodes: int
) -> tuple[_Draws, list[tuple[np.random.Generator, int, int]]]:
    """Draw each home's fixed block of random numbers from derive_rng(seed, home, "health").

    The block layout depends only on the home's device count and the horizon, so a home's
    numbers (and rows) are the same whichever other homes share the batch.
    """
    n_dev_unif = _DEV_UNIF_FIXED + _EP_UNIF * n_episodes + _AN_UNIF * _ANOM_SLOTS
    day_normal = np.empty((_N_DAY_NORMAL, n, horizon), dtype=np.float32)
    day_unif = np.empty((n, horizon), dtype=np.float32)
    dev_normal = np.empty((n, _N_DEV_NORMAL))
    dev_unif = np.empty((n, n_dev_unif))
    home_day = np.empty((3, n, horizon), dtype=np.float32)
    gens = []
    for home, a, b in zip(homes, bounds[:-1], bounds[1:], strict=True):
        rng = derive_rng(seed, str(home), "health")
        m = int(b - a)
        day_normal[:, a:b] = rng.standard_normal((_N_DAY_NORMAL, m, horizon), dtype=np.float32)
        rng.random(out=day_unif[a:b], dtype=np.float32)
        dev_normal[a:b] = rng.standard_normal((m, _N_DEV_NORMAL))
        dev_unif[a:b] = rng.random((m, n_dev_unif))
        home_day[:, a:b] = rng.random((3, 1, horizon), dtype=np.float32)
        gens.append((rng, int(a), int(b)))
    return _Draws(day_normal, day_unif, home_day, dev_normal, dev_unif), gens


def _poisson_per_home(
    gens: list[tuple[np.random.Generator, int, int]], lam: np.ndarray
) -> np.ndarray:
    """Poisson counts for lam of shape (K, n, H), each home from its own generator."""
    out = np.empty(lam.shape, dtype=np.int64)
    for rng, a, b in gens:
        out[:, a:b] = rng.poisson(lam[:, a:b])
    return out


# --------------------------------------------------------------------------------------------
# the simulation
# --------------------------------------------------------------------------------------------


def _gather(per_episode: np.ndarray, seg: np.ndarray, fill: float | int) -> np.ndarray:
    """Per-row value of the episode a row belongs to; `fill` for rows past the last episode."""
    n = per_episode.shape[0]
    padded = np.concatenate([per_episode, np.full((n, 1), fill, dtype=per_episode.dtype)], 1)
    return np.take_along_axis(padded, seg, axis=1)


def _cat_vector(category: np.ndarray, attr: str) -> np.ndarray:
    lookup = {c: getattr(p, attr) for c, p in _CATS.items()}
    return np.array([lookup[c] for c in category], dtype=np.float64)


_BIG = 1 << 30
_MODE = {m: i for i, m in enumerate(FAILURE_MODES)}
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


def _n_episodes(horizon: int) -> int:
    """Failure episodes per device we allow (a replaced device can fail again)."""
    return 3 + horizon // 60


def simulate_device_health(
    devices: DeviceInputs, start: dt.date, days: int, seed: int, config: HealthConfig
) -> pa.Table:
    """One row per device per day, sorted by (home_id, device_id, date), schema HEALTH_SCHEMA.

    The latent process runs WARNING_HORIZON_DAYS past the window so gt_fails_within_7d on the
    window's last days knows about failures just after it (no right-censoring of labels).
    """
    _validate(devices, days)
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
    n_ep = _n_episodes(horizon)
    draws, gens = _draw(seed, home_id[starts], bounds, n, horizon, n_ep)

    tel, gt = _simulate_grid(
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
    return _to_table(
        home_id, device_id, device_type, category, power, area_id, start, days, tel, gt
    )


def _simulate_grid(
    category: np.ndarray,
    device_type: np.ndarray,
    power: np.ndarray,
    floor: np.ndarray,
    outdoor: np.ndarray,
    usage: np.ndarray,
    room_temp: np.ndarray,
    draws: _Draws,
    gens: list[tuple[np.random.Generator, int, int]],
    config: HealthConfig,
    days: int,
    n_ep: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
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
    ref_usage = np.where(ref_usage > 0, ref_usage, _cat_vector(category, "ref_usage"))
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
        col = _DEV_UNIF_FIXED + _EP_UNIF * k
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
        _cat_vector(category, "signal_dbm")
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
        _cat_vector(category, "drop_rate")[:, None]
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
    counts = _poisson_per_home(gens, np.stack([usage_lam, restart_lam, drop_lam]))
    usage_count = counts[0].astype(np.float32)
    restarts = (counts[1] + (outage & ~is_batt[:, None])).astype(np.float32)
    drops = counts[2].astype(np.float32)

    # --- response time, error rate ------------------------------------------------------------
    resp = (
        _cat_vector(category, "resp_ms")[:, None]
        * np.exp(0.3 * dn[:, 0])[:, None]
        * (1 + 0.05 * age_y)
        * (0.92 + 0.08 * u_rel)
        * np.exp(0.15 * zd[0])
        * (1 + 0.4 * congested)
        * (1 + (0.8 + 4.0 * a1) * s_prog**2)
        * (1 + 0.8 * burst)
        * (1 + 0.5 * s_net)
    )
    err_dev = _cat_vector(category, "err") * np.exp(0.45 * dn[:, 1]) * np.where(flaky, 2.5, 1.0)
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
        + _cat_vector(category, "self_heat_c")[:, None] * (0.8 + 0.2 * np.minimum(u_rel, 3.0))
        + dn[:, 4][:, None]
        + 0.5 * zd[3]
        + (1.0 + 6.0 * a3) * s_prog**2
    )
    gap_h = (0.06 * np.exp(0.9 * dn[:, 5]))[:, None] * np.abs(zd[6])  # reporting gaps
    uptime = (
        24.0
        - restarts * 0.12
        - drops * 0.04 * (1 + 4 * s_net)
        - outage_h
        - (0.2 + 2.8 * a3**2) * s_prog**2
        - gap_h
    )
    uptime = np.clip(uptime, 0.0, 24.0)
    tx = (
        _cat_vector(category, "tx_kbps")[:, None]
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
        zd[5],
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
    anomaly_kind = _inject_anomalies(tel, clean, is_batt, du, config, days)

    return tel, {
        "down": down,
        "dtf": dtf,
        "mode": np.where(has_fail, mode_row, -1),
        "anomaly_kind": anomaly_kind,
        "age": age,
    }


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
        _cat_vector(category, "idle_drain")[:, None]
        + _cat_vector(category, "event_drain")[:, None] * usage
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
        level = np.where(dep, np.maximum(dep_level, 0.0) + 0.4 * np.abs(z), level)
    level = np.where(dep, level, level + 0.3 * z)
    level = np.clip(level, 0.0, 100.0)
    return np.where((primary | rechargeable)[:, None], level, np.nan).astype(np.float32)


def _inject_anomalies(
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
    base = _DEV_UNIF_FIXED + _EP_UNIF * _n_episodes(horizon)
    len_lo = np.array([2, 1, 3, 1])
    len_hi = np.array([4, 1, 4, 2])
    for j in range(_ANOM_SLOTS):
        col = base + _AN_UNIF * j
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


def _to_table(
    home_id: np.ndarray,
    device_id: np.ndarray,
    device_type: np.ndarray,
    category: np.ndarray,
    power: np.ndarray,
    area_id: np.ndarray,
    start: dt.date,
    days: int,
    tel: dict[str, np.ndarray],
    gt: dict[str, np.ndarray],
) -> pa.Table:
    """Arrow columns straight from the (n, days) grids: no per-row Python."""
    n = home_id.shape[0]
    rows = n * days
    dev_idx = np.repeat(np.arange(n, dtype=np.int32), days)

    def per_device(values: np.ndarray) -> pa.Array:
        uniq, inv = np.unique(values, return_inverse=True)
        return pc.take(
            pa.array(uniq.tolist(), pa.string()), pa.array(inv.astype(np.int32)[dev_idx])
        )

    def grid(name: str) -> np.ndarray:
        return np.ascontiguousarray(gt[name][:, :days]).reshape(rows)

    down = grid("down")
    cols: dict[str, pa.Array] = {
        "home_id": per_device(home_id),
        "device_id": per_device(device_id),
        "date": pa.array(
            (np.datetime64(start, "D") + np.tile(np.arange(days), n)).astype("datetime64[D]"),
            pa.date32(),
        ),
        "device_type": per_device(device_type),
        "category": per_device(category),
        "power_source": per_device(power),
        "area_id": per_device(area_id),
        "age_days": pa.array(grid("age").astype(np.int32)),
    }
    for name in TELEMETRY_FIELDS:
        values = np.ascontiguousarray(tel[name][:, :days]).reshape(rows)
        mask = down | np.isnan(values)
        if name in ("usage_count", "restart_count", "connection_drops"):
            cols[name] = pa.array(np.where(mask, 0, values).astype(np.int32), mask=mask)
        else:
            cols[name] = pa.array(values.astype(np.float32), mask=mask)
    cols["gt_status"] = pc.take(pa.array(["ok", "failed"]), pa.array(down.astype(np.int8)))
    dtf = grid("dtf")
    cols["gt_fails_within_7d"] = pa.array((dtf >= 1) & (dtf <= WARNING_HORIZON_DAYS))
    dtf_out = np.where(down, 0, dtf).astype(np.int32)
    cols["gt_days_to_failure"] = pa.array(dtf_out, mask=(dtf < 0) & ~down)
    mode = grid("mode")
    cols["gt_failure_mode"] = pc.take(
        pa.array(list(FAILURE_MODES)), pa.array(np.maximum(mode, 0).astype(np.int8), mask=mode < 0)
    )
    kind = grid("anomaly_kind")
    cols["gt_anomaly"] = pa.array(kind >= 0)
    cols["gt_anomaly_kind"] = pc.take(
        pa.array(list(ANOMALY_KINDS)), pa.array(np.maximum(kind, 0).astype(np.int8), mask=kind < 0)
    )
    return pa.Table.from_arrays([cols[f.name] for f in HEALTH_SCHEMA], schema=HEALTH_SCHEMA)


# --------------------------------------------------------------------------------------------
# standalone devices (no whole homes) for `homeiq generate --device-health-only`
# --------------------------------------------------------------------------------------------

# share of each device type in a typical smart home and the area kinds it is installed in
_STANDALONE_TYPES: dict[str, tuple[float, tuple[str, ...]]] = {
    "motion_sensor": (
        0.13,
        (
            "living_room",
            "kitchen",
            "hallway",
            "bedroom",
            "bathroom",
            "office",
            "entrance",
            "garage",
            "garden",
            "porch",
            "basement",
        ),
    ),
    "door_sensor": (0.06, ("entrance", "garage", "porch")),
    "window_sensor": (0.07, ("living_room", "bedroom", "kitchen", "office")),
    "climate_sensor": (0.08, ("bedroom", "bathroom", "living_room", "basement", "attic", "garden")),
    "ceiling_light": (
        0.16,
        (
            "living_room",
            "kitchen",
            "bedroom",
            "bathroom",
            "hallway",
            "office",
            "dining_room",
            "garage",
            "basement",
            "attic",
        ),
    ),
    "lamp": (0.07, ("living_room", "bedroom", "office")),
    "outdoor_light": (0.04, ("garden", "porch")),
    "smoke_detector": (0.05, ("kitchen", "hallway", "bedroom")),
    "door_lock": (0.03, ("entrance",)),
    "garage_door": (0.015, ("garage",)),
    "thermostat": (0.03, ("living_room", "hallway")),
    "coffee_plug": (0.03, ("kitchen",)),
    "dishwasher_plug": (0.02, ("kitchen",)),
    "washer_plug": (0.02, ("laundry", "basement")),
    "bathroom_fan": (0.03, ("bathroom",)),
    "irrigation": (0.015, ("garden",)),
    "tv": (0.04, ("living_room", "bedroom")),
    "speaker": (0.03, ("living_room", "kitchen", "office")),
    "vacuum": (0.025, ("living_room", "hallway")),
    "energy_meter": (0.025, ("basement", "garage", "hallway")),
}
_OUTDOOR_AREAS = {"garden", "porch"}
# weekend multiplier of usage (people at home use presence-driven devices more)
_WEEKEND_BOOST: dict[str, float] = {
    "motion_sensor": 1.25,
    "door_sensor": 1.3,
    "ceiling_light": 1.2,
    "lamp": 1.25,
    "tv": 1.6,
    "speaker": 1.4,
    "coffee_plug": 1.3,
    "washer_plug": 1.8,
    "vacuum": 0.7,
    "door_lock": 1.2,
}


def standalone_devices(n_devices: int, days: int, start: dt.date, seed: int) -> DeviceInputs:
    """Device rows without simulated homes: pseudo-homes "d000001"... of ~20 devices.

    Why: `homeiq generate --device-health-only` needs many device-days fast, without occupants
    and events. Usage gets a per-device level, a weekday/weekend rhythm, a darker-season boost
    for lights and day-to-day gamma noise; room temperature follows a regional seasonal cycle
    from `start` with autocorrelated weather, and each room kind's coupling to the outdoors.
    """
    if not isinstance(n_devices, int | np.integer) or n_devices < 1:
        raise ValueError(f"n_devices must be an integer >= 1, got {n_devices!r}")
    if not isinstance(days, int | np.integer) or days < 1:
        raise ValueError(f"days must be an integer >= 1, got {days!r}")
    rng = derive_rng(seed, "standalone-devices", n_devices, days, start.isoformat())
    sizes = rng.integers(14, 27, size=n_devices // 14 + 2)
    home_of = np.repeat(np.arange(sizes.size), sizes)[:n_devices]
    n_homes = int(home_of[-1]) + 1
    n_within = np.arange(n_devices) - np.r_[0, np.cumsum(sizes)][home_of]

    types = list(_STANDALONE_TYPES)
    shares = np.array([_STANDALONE_TYPES[t][0] for t in types])
    type_idx = rng.choice(len(types), size=n_devices, p=shares / shares.sum())
    # every pseudo-home gets at least one device of each category's staple
    staples = ["ceiling_light", "motion_sensor", "thermostat", "smoke_detector", "tv"]
    for j, name in enumerate(staples):
        type_idx[n_within == j] = types.index(name)
    device_type = np.array(types, dtype=object)[type_idx]
    area_u = rng.random(n_devices)
    area = np.array(
        [
            _STANDALONE_TYPES[d][1][int(u * len(_STANDALONE_TYPES[d][1]))]
            for d, u in zip(device_type, area_u, strict=True)
        ],
        dtype=object,
    )
    floors = rng.integers(1, 4, size=n_homes)
    upper = np.isin(area, ["bedroom", "office", "bathroom"]) & (floors[home_of] > 1)
    floor_level = np.where(upper, 1, 0)
    floor_level = np.where(area == "attic", floors[home_of], floor_level)
    floor_level = np.where(area == "basement", -1, floor_level)
    outdoor = np.isin(area, list(_OUTDOOR_AREAS))
    tmpl = [DEVICE_TEMPLATES[d] for d in device_type]
    category = np.array([tp.category for tp in tmpl], dtype=object)
    power = np.array([tp.power_source for tp in tmpl], dtype=object)
    homes = np.array([f"d{i + 1:06d}" for i in range(n_homes)], dtype=object)
    home_id = homes[home_of]
    device_id = np.array(
        [f"{h}_{d}_{j:02d}" for h, d, j in zip(home_id, device_type, n_within, strict=True)],
        dtype=object,
    )

    dates = np.datetime64(start, "D") + np.arange(days)
    weekday = (dates.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 0 = Monday
    weekend = weekday >= 5
    doy = np.array(
        [(start + dt.timedelta(days=int(i))).timetuple().tm_yday for i in range(days)], dtype=float
    )
    region_idx = rng.integers(0, len(REGIONS), size=n_homes)
    lat = np.array([REGIONS[i].latitude for i in region_idx])
    mean_c = np.array([REGIONS[i].annual_mean_c for i in region_idx])
    amp_c = np.array([REGIONS[i].seasonal_amp_c for i in region_idx])
    peak = np.where(lat >= 0, 200.0, 17.0)
    season = np.cos(2 * np.pi * (doy[None, :] - peak[:, None]) / 365.25)  # +1 at mid-summer
    weather = rng.standard_normal((n_homes, days)) * 2.2
    for d in range(1, days):  # AR(1) weather systems, one vector op per day (cheap)
        weather[:, d] = 0.75 * weather[:, d - 1] + weather[:, d]
    outdoor_t = mean_c[:, None] + amp_c[:, None] * season + weather * 0.66
    indoor_t = 20.5 + 0.08 * (outdoor_t - 12.0) + 0.4 * rng.standard_normal((n_homes, days))
    out_h, in_h = outdoor_t[home_of], indoor_t[home_of]
    room = in_h + 0.6 * rng.standard_normal(n_devices)[:, None]
    room = np.where((area == "basement")[:, None], 15.0 + 0.15 * (out_h - 10.0), room)
    room = np.where((area == "garage")[:, None], 0.45 * out_h + 7.0, room)
    room = np.where((area == "attic")[:, None], in_h + 0.35 * (out_h - 15.0), room)
    room = np.where(outdoor[:, None], out_h, room)

    mean_use = np.array([TYPE_USAGE[d] for d in device_type]) * rng.lognormal(0, 0.5, n_devices)
    wk = np.array([_WEEKEND_BOOST.get(d, 1.0) for d in device_type])
    rhythm = np.where(weekend[None, :], wk[:, None], 1.0)
    is_light = np.isin(device_type, ["ceiling_light", "lamp", "outdoor_light"])
    dark = 1.0 + 0.3 * np.where(is_light[:, None], -season[home_of], 0.0)
    usage = mean_use[:, None] * rhythm * dark * rng.gamma(6.0, 1 / 6.0, (n_devices, days))
    return DeviceInputs(
        home_id=home_id,
        device_id=device_id,
        device_type=device_type,
        category=category,
        power_source=power,
        area_id=area,
        floor_level=floor_level.astype(np.int64),
        outdoor=outdoor,
        usage=usage,
        room_temp_c=room,
    )


# --------------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------------


def benchmark_device_days(n_devices: int, days: int, seed: int) -> dict[str, float]:
    """Time simulate_device_health alone (inputs are built first and not counted)."""
    devices = standalone_devices(n_devices, days, dt.date(2025, 1, 6), seed)
    t0 = time.perf_counter()
    table = simulate_device_health(devices, dt.date(2025, 1, 6), days, seed, HealthConfig())
    seconds = time.perf_counter() - t0
    return {"rows": table.num_rows, "seconds": seconds, "rows_per_s": table.num_rows / seconds}


def learnability_report(seed: int = 7, n_devices: int = 3000, days: int = 60) -> dict[str, Any]:
    """Same-day depth-2 tree vs rolling-history model on held-out homes (see health_report)."""
    from homeiq_assets.sim.health_report import learnability_report as _report

    return _report(seed=seed, n_devices=n_devices, days=days)
