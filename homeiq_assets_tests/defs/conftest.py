"""Fixtures of the continuous-learning tests: per test module a fresh persistent Dagster instance
on a tmp DAGSTER_HOME — the repository's own dagster.yaml (run monitoring, run-queue limits) —
with a copy of the tiny collected cycles of the session (`collected`, top-level conftest)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets_tests.conftest import BENCH_DAYS, BENCH_HOMES, DAYS, HOMES

REPO = Path(__file__).parents[2]


@dataclass
class Loop:
    """A persistent instance on a tmp DAGSTER_HOME and the data store it works on."""

    home: Path
    instance: dg.DagsterInstance
    store: DataStore
    defs: dg.Definitions

    def add_cycles(self, *cycles: str) -> None:
        self.instance.add_dynamic_partitions(CYCLE_PARTITIONS_NAME, list(cycles))


def dagster_home(base: Path) -> Path:
    """A DAGSTER_HOME holding the repository's dagster.yaml, storage under `base/storage`."""
    home = base / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    return home


LOOP_ENV = {
    "HOMEIQ_DEFAULT_HOMES": str(HOMES),
    "HOMEIQ_DEFAULT_DAYS": str(DAYS),
    "HOMEIQ_BENCHMARK_HOMES": str(BENCH_HOMES),
    "HOMEIQ_BENCHMARK_DAYS": str(BENCH_DAYS),
    "HOMEIQ_WORKERS": "1",
}


def _reload_settings() -> None:
    from homeiq_assets.definitions import build_defs
    from homeiq_assets.settings import settings

    settings.cache_clear()
    build_defs.cache_clear()


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory, collected: Path):
    """A fresh instance and a copy of the collected data (no partitions registered yet); the
    HOMEIQ_* settings point at them (and at tiny fleets) while the module runs, so runs started
    the way the CLI starts them see the same data."""
    from homeiq_assets.definitions import build_defs

    base = tmp_path_factory.mktemp("loop")
    data = base / "data"
    shutil.copytree(collected, data, ignore=shutil.ignore_patterns(".fleets"))
    home = dagster_home(base)
    env = {
        **LOOP_ENV,
        "HOMEIQ_DATA_DIR": str(data),
        "HOMEIQ_DAGSTER_STORAGE_DIR": str(base / "storage"),
        "DAGSTER_HOME": str(home),
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    _reload_settings()
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            yield Loop(home, instance, DataStore(base_dir=str(data)), build_defs())
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _reload_settings()


def lifecycle(model: str) -> list:
    """The assets and gate check of one model's lifecycle, plus the benchmark fleet."""
    from homeiq_assets.defs.deployment.assets import CHAMPION_ASSETS
    from homeiq_assets.defs.models.assets import (
        CHALLENGER_ASSETS,
        EVALUATION_ASSETS,
        benchmark_fleet,
    )
    from homeiq_assets.defs.models.checks import GATE_CHECKS
    from homeiq_assets.ml.training import MODEL_NAMES

    i = MODEL_NAMES.index(model)
    return [
        benchmark_fleet,
        CHALLENGER_ASSETS[i],
        EVALUATION_ASSETS[i],
        GATE_CHECKS[i],
        CHAMPION_ASSETS[i],
    ]


def train(
    loop: Loop,
    models: tuple[str, ...],
    cycle: str,
    *,
    mode: str = "full",
    allow: tuple[str, ...] = (),
    trigger: str = "manual",
    tolerance: float | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise the lifecycle of `models` for `cycle` in one run (as `training_job` does)."""
    assets = []
    for model in models:
        assets += [a for a in lifecycle(model) if a not in assets]
    config = {
        f"{m}_challenger": {"config": {"mode": mode, "allow_low_quality": m in allow}}
        for m in models
    }
    if tolerance is not None:
        for m in models:
            config[f"{m}_evaluation"] = {"config": {"regression_tolerance": tolerance}}
    config["benchmark_fleet"] = {"config": {"homes": BENCH_HOMES, "days": BENCH_DAYS}}
    return dg.materialize(
        assets,
        instance=loop.instance,
        partition_key=cycle,
        resources={"store": loop.store},
        run_config={"ops": config},
        tags={"homeiq/trigger": trigger, **{f"homeiq/train.{m}": "1" for m in models}},
        raise_on_error=False,
    )
