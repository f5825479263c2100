"""Configuration of the device-health simulation: failure modes, anomaly kinds, telemetry
fields, and the knobs of the latent processes (rates, mode mix, repair time)."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
