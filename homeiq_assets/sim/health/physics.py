"""Per-category physics of healthy devices: operating points, typical usage per device type,
and the normal band of each telemetry field."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CategoryParams:
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


CATEGORY_PARAMS: dict[str, CategoryParams] = {
    "sensor": CategoryParams(90.0, 0.004, 2.5, -58.0, 2.0, 0.25, 1440.0, 0.06, 0.00005),
    "switch": CategoryParams(60.0, 0.003, 1.0, -57.0, 3.0, 0.25, 3.0, 0.06, 0.01),
    "light": CategoryParams(75.0, 0.004, 0.8, -60.0, 6.0, 0.30, 10.0, 0.06, 0.01),
    "climate": CategoryParams(130.0, 0.003, 3.0, -55.0, 1.5, 0.20, 30.0, 0.06, 0.005),
    "security": CategoryParams(160.0, 0.002, 1.5, -62.0, 1.0, 0.20, 6.0, 0.03, 0.02),
    "battery": CategoryParams(260.0, 0.006, 0.25, -68.0, 0.3, 0.35, 60.0, 0.06, 0.0012),
    "media": CategoryParams(45.0, 0.002, 900.0, -50.0, 12.0, 0.40, 4.0, 0.06, 0.01),
    "vacuum": CategoryParams(210.0, 0.008, 40.0, -64.0, 8.0, 0.40, 1.0, 0.0, 0.0),
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
# rounded outwards; error_rate is failed over made requests, so quiet devices have wide bands).
# Near-edge healthy devices (outdoor, weak signal, busy, flaky) exist on purpose, so a band
# check is a warning sign, not a label.
_COMMON_BANDS: dict[str, tuple[float, float]] = {
    "battery_pct": (15.0, 100.0),
    "uptime_h": (20.5, 24.0),
    "restart_count": (0.0, 1.0),
    "temperature_c": (-30.0, 55.0),
}
NORMAL_BANDS: dict[str, dict[str, tuple[float, float]]] = {
    "sensor": {
        "response_time_ms": (28.0, 350.0),
        "error_rate": (0.0, 0.20),
        "signal_dbm": (-88.0, -35.0),
        "connection_drops": (0.0, 4.0),
        "tx_kbps": (0.6, 14.0),
        "usage_count": (0.0, 12000.0),
    },
    "switch": {
        "response_time_ms": (20.0, 240.0),
        "error_rate": (0.0, 0.08),
        "signal_dbm": (-87.0, -34.0),
        "connection_drops": (0.0, 4.0),
        "tx_kbps": (0.15, 5.0),
        "usage_count": (0.0, 60.0),
    },
    "light": {
        "response_time_ms": (25.0, 290.0),
        "error_rate": (0.0, 0.10),
        "signal_dbm": (-90.0, -37.0),
        "connection_drops": (0.0, 5.0),
        "tx_kbps": (0.15, 4.2),
        "usage_count": (0.0, 150.0),
    },
    "climate": {
        "response_time_ms": (45.0, 480.0),
        "error_rate": (0.0, 0.17),
        "signal_dbm": (-85.0, -32.0),
        "connection_drops": (0.0, 4.0),
        "tx_kbps": (0.7, 15.0),
        "usage_count": (0.0, 300.0),
    },
    "security": {
        "response_time_ms": (55.0, 600.0),
        "error_rate": (0.0, 0.13),
        "signal_dbm": (-92.0, -39.0),
        "connection_drops": (0.0, 4.0),
        "tx_kbps": (0.3, 7.5),
        "usage_count": (0.0, 100.0),
    },
    "battery": {
        "response_time_ms": (85.0, 1000.0),
        "error_rate": (0.0, 0.15),
        "signal_dbm": (-98.0, -45.0),
        "connection_drops": (0.0, 8.0),
        "tx_kbps": (0.05, 1.3),
        "usage_count": (0.0, 1500.0),
    },
    "media": {
        "response_time_ms": (15.0, 180.0),
        "error_rate": (0.0, 0.10),
        "signal_dbm": (-80.0, -27.0),
        "connection_drops": (0.0, 5.0),
        "tx_kbps": (180.0, 4500.0),
        "usage_count": (0.0, 60.0),
    },
    "vacuum": {
        "response_time_ms": (75.0, 920.0),
        "error_rate": (0.0, 0.18),
        "signal_dbm": (-90.0, -40.0),
        "connection_drops": (0.0, 5.0),
        "tx_kbps": (8.0, 200.0),
        "usage_count": (0.0, 20.0),
    },
}
for _bands in NORMAL_BANDS.values():
    _bands.update(_COMMON_BANDS)


def category_vector(category: np.ndarray, attr: str) -> np.ndarray:
    lookup = {c: getattr(p, attr) for c, p in CATEGORY_PARAMS.items()}
    return np.array([lookup[c] for c in category], dtype=np.float64)
