"""Shared fixtures: one small fleet generated once per test session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from homeiq_assets.sim.config import SimConfig
from homeiq_assets.sim.fleet import generate_fleet
from homeiq_assets.storage import write_json_atomic

FLEET_CONFIG = SimConfig(homes=32, days=14, seed=11, start=dt.date(2026, 1, 12), shard_size=8)


@pytest.fixture(scope="session")
def fleet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """32 homes × 14 days in January, all tables, written with 2 workers."""
    out = tmp_path_factory.mktemp("fleet")
    summary = generate_fleet(FLEET_CONFIG, out, workers=2)
    write_json_atomic(summary, out / "summary.json")
    return out


@pytest.fixture(scope="session")
def report(fleet_dir: Path) -> dict:
    from homeiq_assets.sim.realism import realism_report

    return realism_report(fleet_dir)
