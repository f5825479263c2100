"""How devices report their telemetry: each field at the precision a real device and Home
Assistant give it, so that a healthy reading can repeat exactly and no model can lean on
float noise that no real device has.

Why: with continuous floats no healthy device ever repeats a value, so "today equals yesterday"
identified a stuck sensor perfectly. Real devices report in steps: RSSI in whole dBm, response
times in whole ms, temperature in 0.1 °C, battery in whole % (many in 5 % or 10 % steps, and the
reading stays put for days because the cell voltage moves slowly), counts as integers, and the
error rate as failed requests over requests made.
"""

from __future__ import annotations

import numpy as np

# resolution of each reported float field (counts are integers; error_rate is a count ratio;
# battery_pct uses the device's own step, see BATTERY_STEPS)
RESOLUTION: dict[str, float] = {
    "response_time_ms": 1.0,
    "signal_dbm": 1.0,
    "temperature_c": 0.1,
    "uptime_h": 0.01,
    "tx_kbps": 0.001,
}
# what a reading can physically be (a sensor's measuring range, a receiver's sensitivity, a
# request timeout): reported values, glitches included, stay inside these limits
SENSOR_RANGE: dict[str, tuple[float, float]] = {
    "temperature_c": (-40.0, 85.0),
    "signal_dbm": (-100.0, -20.0),
    "response_time_ms": (1.0, 10_000.0),
}
# steps in which battery devices report their charge, with their share of devices: most report
# whole %, some firmwares only 5 % or 10 % steps
BATTERY_STEPS: tuple[tuple[float, float], ...] = ((1.0, 0.80), (5.0, 0.12), (10.0, 0.08))
# requests a device answers per day by category (polls, reports, commands besides its events):
# the denominator of error_rate, so a quiet battery sensor's error rate moves in coarse steps
REQUESTS_PER_DAY: dict[str, float] = {
    "sensor": 96.0,
    "switch": 288.0,
    "light": 288.0,
    "climate": 288.0,
    "security": 96.0,
    "battery": 48.0,
    "media": 1440.0,
    "vacuum": 288.0,
}
COUNT_FIELDS = ("usage_count", "restart_count", "connection_drops")


def battery_step(u: np.ndarray) -> np.ndarray:
    """The reporting step of each device's battery reading from a uniform draw."""
    steps = np.array([s for s, _ in BATTERY_STEPS])
    cum = np.cumsum([p for _, p in BATTERY_STEPS])
    return steps[np.searchsorted(cum / cum[-1], u, side="right").clip(0, steps.size - 1)]


def quantise(tel: dict[str, np.ndarray], battery_steps: np.ndarray) -> None:
    """Round every telemetry grid, in place, to what the device reports (NaN stays NaN)."""
    f32 = np.float32
    for name, res in RESOLUTION.items():
        tel[name] = (np.round(tel[name].astype(np.float64) / res) * res).astype(f32)
    for name, (lo, hi) in SENSOR_RANGE.items():
        tel[name] = np.clip(tel[name], f32(lo), f32(hi))
    step = battery_steps[:, None]
    tel["battery_pct"] = np.clip(
        np.round(tel["battery_pct"].astype(np.float64) / step) * step, 0.0, 100.0
    ).astype(f32)
    for name in COUNT_FIELDS:
        tel[name] = np.round(tel[name]).astype(f32)
