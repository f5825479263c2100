"""Shared fixtures: one small fleet generated once per test session, and tiny collected cycles
with a benchmark fleet for the model-lifecycle tests (plain core, built once per session)."""

from __future__ import annotations

import datetime as dt
import shutil
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


HOMES, DAYS, BENCH_HOMES = 6, 7, 8
# the benchmark is long enough for the device models: a 14-day burn-in, then failures whose
# whole 7-day warning window is scored
BENCH_DAYS = 28
# cycle -> (seed, start, days, device-health overrides); c3: 28 days with many failures, so a
# device-failure champion can be scored per failure event on it (monitoring)
CYCLES = {
    "c1": (101, dt.date(2026, 2, 2), DAYS, {}),
    "c2": (102, dt.date(2026, 2, 9), DAYS, {}),
    "c3": (103, dt.date(2026, 2, 16), BENCH_DAYS, {"failure_rate": 0.3}),
}


def collect(root: Path, cycle: str, seed: int, start: dt.date, days: int, health: dict) -> None:
    """Simulate and collect one tiny cycle into `root/training_data/<cycle>` (plain core)."""
    from homeiq_assets.collect.pipeline import collect_cycle
    from homeiq_assets.sim.config import SimConfig
    from homeiq_assets.sim.fleet import generate_fleet
    from homeiq_assets.sim.health.config import HealthConfig
    from homeiq_assets.sim.health.fleet import write_fleet_device_health

    fleet = root / ".fleets" / cycle
    config = SimConfig(homes=HOMES, days=days, seed=seed, start=start)
    generate_fleet(config, fleet, workers=1)
    write_fleet_device_health(fleet, fleet, start, days, seed, HealthConfig(**health))
    collect_cycle(fleet, root, cycle, seed)
    shutil.rmtree(fleet)


@pytest.fixture(scope="session")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the collected cycles of `CYCLES` and the benchmark fleet."""
    from homeiq_assets.ml.benchmark import BENCHMARK, build_reserved_fleet

    root = tmp_path_factory.mktemp("loop-data")
    for cycle, (seed, start, days, health) in CYCLES.items():
        collect(root, cycle, seed, start, days, health)
    build_reserved_fleet(root / "benchmark", BENCHMARK, BENCH_HOMES, BENCH_DAYS, workers=1)
    return root


# The real-daemon test (defs/automation/test_daemon.py) waits for a cron minute and then for
# runs in other processes: its daemon starts with the session and the test runs last, so the
# waiting overlaps the other tests.
DAEMON_TEST = "defs/automation/test_daemon.py"


def pytest_collection_modifyitems(session, config, items):
    daemon = [i for i in items if DAEMON_TEST in i.nodeid]
    items[:] = [i for i in items if DAEMON_TEST not in i.nodeid] + daemon


@pytest.fixture(scope="session")
def daemon_run(tmp_path_factory: pytest.TempPathFactory):
    from homeiq_assets_tests.defs.automation.daemon_run import DaemonRun

    run = DaemonRun(tmp_path_factory.mktemp("daemon"))
    yield run
    run.stop()


@pytest.fixture(scope="session", autouse=True)
def _start_the_daemon_early(request: pytest.FixtureRequest) -> None:
    if any(DAEMON_TEST in item.nodeid for item in request.session.items):
        request.getfixturevalue("daemon_run")
