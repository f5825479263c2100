"""The fixed benchmark fleet every model is scored on: homes generated from a reserved seed that
no training cycle uses, collected exactly like a training cycle. Built once per configuration
(its config is stored beside it), so every model version is compared on the same homes."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from homeiq_assets.sim.config import SimConfig

BENCHMARK_SEED = 990_001  # reserved: training cycles refuse it
BENCHMARK_CYCLE = "benchmark"
BENCHMARK_START = dt.date(2026, 3, 9)


def benchmark_config(homes: int, days: int) -> SimConfig:
    return SimConfig(homes=homes, days=days, seed=BENCHMARK_SEED, start=BENCHMARK_START)


def build_benchmark(root: Path, homes: int = 40, days: int = 21, workers: int = 2) -> dict:
    """Generate and collect the benchmark fleet under `root` unless it exists for this config.

    Layout: `root/fleet/` (simulator tables) and `root/training_data/benchmark/` (collected).
    Returns its stats (and whether it was built now)."""
    from homeiq_assets.collect.pipeline import collect_cycle
    from homeiq_assets.sim.fleet import generate_fleet
    from homeiq_assets.sim.health.config import HealthConfig
    from homeiq_assets.sim.health.fleet import write_fleet_device_health
    from homeiq_assets.storage import write_json_atomic

    config = benchmark_config(homes, days)
    marker = root / "benchmark.json"
    wanted = json.loads(config.model_dump_json())
    if marker.exists() and json.loads(marker.read_text()).get("config") == wanted:
        return {**json.loads(marker.read_text()), "built_now": False}
    shutil.rmtree(root, ignore_errors=True)
    fleet = root / "fleet"
    summary = generate_fleet(config, fleet, workers=workers)
    write_fleet_device_health(fleet, fleet, config.start, config.days, config.seed, HealthConfig())
    stats = collect_cycle(fleet, root, BENCHMARK_CYCLE, config.seed)
    info = {
        "config": wanted,
        "homes": homes,
        "events": summary["rows"]["events"],
        "records": {k: v["kept"] for k, v in stats["datasets"].items()},
    }
    write_json_atomic(info, marker)
    return {**info, "built_now": True}
