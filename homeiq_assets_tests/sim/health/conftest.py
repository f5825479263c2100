"""A default device-health run shared by the health tests (simulated once per session)."""

from __future__ import annotations

import datetime as dt

import pytest

from homeiq_assets.sim.health.config import HealthConfig
from homeiq_assets.sim.health.devices import standalone_devices
from homeiq_assets.sim.health.process import simulate_health
from homeiq_assets.sim.health.table import HealthTables

START = dt.date(2025, 1, 6)
DEFAULT_DAYS = 60


@pytest.fixture(scope="session")
def default_tables() -> HealthTables:
    """4000 standalone devices × 60 days from 2025-01-06, seed 21, default config."""
    devices = standalone_devices(4000, DEFAULT_DAYS, START, 21)
    return simulate_health(devices, START, DEFAULT_DAYS, 21, HealthConfig())
