"""The Dagster layer: a cycle materialises through Dagster with blocking, partitioned checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pyarrow.dataset as ds
import pytest

from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME, validate_cycle_key
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.defs.simulation.assets import device_health, simulate_fleet
from homeiq_assets.defs.simulation.checks import SIMULATION_CHECKS

RUN_CONFIG = {
    "ops": {
        "simulate_fleet": {
            "config": {"homes": 4, "days": 2, "seed": 3, "start": "2026-02-02", "workers": 1}
        }
    }
}


def _materialize(instance, store, cycle, run_config=RUN_CONFIG, raise_on_error=True):
    instance.add_dynamic_partitions(CYCLE_PARTITIONS_NAME, [cycle])
    return dg.materialize(
        [simulate_fleet, device_health, *SIMULATION_CHECKS],
        instance=instance,
        partition_key=cycle,
        resources={"store": store},
        run_config=run_config,
        raise_on_error=raise_on_error,
    )


def test_cycle_materialises_every_asset_and_passes_every_check(tmp_path):
    store = DataStore(base_dir=str(tmp_path / "data"))
    with dg.instance_for_test() as instance:
        result = _materialize(instance, store, "c1")
        assert result.success
        keys = {
            m.asset_key.to_user_string()
            for m in result.get_asset_materialization_events()
            for m in [m.event_specific_data.materialization]
        }
        assert keys == {
            "homes",
            "events",
            "occupancy",
            "environment",
            "ground_truth",
            "device_health",
        }
        checks = result.get_asset_check_evaluations()
        assert len(checks) == len(SIMULATION_CHECKS)
        assert all(c.passed for c in checks), [c.check_name for c in checks if not c.passed]
        homes_meta = next(
            m.event_specific_data.materialization.metadata
            for m in result.get_asset_materialization_events()
            if m.asset_key == dg.AssetKey("homes")
        )
        assert homes_meta["homes"].value == 4
        assert "| home type |" in homes_meta["home_type_mix"].value
        assert len(homes_meta["config_hash"].value) == 16
    events = ds.dataset(store.table_dir("events", "c1")).to_table()
    assert events.num_rows > 1000
    summary = json.loads((store.asset_dir("homes", "c1") / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["days"] == 2
    assert not any((tmp_path / "data" / ".staging").iterdir())


def test_invalid_config_fails_before_anything_is_written(tmp_path):
    store = DataStore(base_dir=str(tmp_path / "data"))
    bad = {"ops": {"simulate_fleet": {"config": {"homes": 0, "days": 2}}}}
    with dg.instance_for_test() as instance:
        result = _materialize(instance, store, "bad", bad, raise_on_error=False)
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
        assert "homes" in str(failure.event_specific_data.error)
    assert not (tmp_path / "data" / "homes").exists()


def test_failing_blocking_check_stops_downstream_assets(tmp_path, monkeypatch):
    """A failing blocking check on `homes` stops device_health (built from homes)."""
    from homeiq_assets.sim import validate

    monkeypatch.setattr(
        validate,
        "check_entities",
        lambda source: validate.Outcome(False, "duplicate entity ids", {"duplicates": 1}),
    )
    store = DataStore(base_dir=str(tmp_path / "data"))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CYCLE_PARTITIONS_NAME, ["c2"])
        result = dg.materialize(
            [simulate_fleet, device_health, *SIMULATION_CHECKS],
            instance=instance,
            partition_key="c2",
            resources={"store": store},
            run_config=RUN_CONFIG,
            raise_on_error=False,
        )
        assert not result.success
        failed = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
        assert failed == ["entity_ids_valid"]
        built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
        assert "device_health" not in built


def test_rematerialising_replaces_the_partition_atomically(tmp_path):
    store = DataStore(base_dir=str(tmp_path / "data"))
    with dg.instance_for_test() as instance:
        _materialize(instance, store, "c3")
        first = sorted(p.name for p in store.table_dir("events", "c3").iterdir())
        result = dg.materialize(
            [simulate_fleet],
            instance=instance,
            partition_key="c3",
            resources={"store": store},
            run_config=RUN_CONFIG,
        )
        assert result.success
        assert sorted(p.name for p in store.table_dir("events", "c3").iterdir()) == first


@pytest.mark.parametrize("key", ["../x", "a/b", "", "-start", "x" * 65])
def test_malformed_cycle_keys_are_refused(key):
    with pytest.raises(ValueError, match="invalid cycle key"):
        validate_cycle_key(key)
    with pytest.raises(ValueError):
        DataStore(base_dir="/tmp/x").asset_dir("homes", key)


def _tool_env(tmp_path: Path) -> dict[str, str]:
    venv = Path(sys.executable).parents[1]
    return {
        **os.environ,
        "HOMEIQ_DATA_DIR": str(tmp_path / "data"),
        "HOMEIQ_DAGSTER_STORAGE_DIR": str(tmp_path / "data" / "dagster"),
        "VIRTUAL_ENV": str(venv),
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def test_dg_check_defs_passes_without_warnings(tmp_path):
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dg"), "check", "defs"],
        capture_output=True,
        text=True,
        timeout=180,
        env=_tool_env(tmp_path),
        cwd=Path(__file__).parents[2],
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "All definitions loaded successfully" in output
    assert "warning" not in output.lower(), output


def test_definitions_validate(tmp_path):
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate"],
        capture_output=True,
        text=True,
        timeout=180,
        env=_tool_env(tmp_path),
        cwd=Path(__file__).parents[2],
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation successful for code location homeiq_assets." in proc.stdout + proc.stderr
    # the only notice allowed is Dagster's own: this command is superseded by `dg check defs`
    output = proc.stdout + proc.stderr
    notices = [
        line
        for line in output.splitlines()
        if "warning" in line.lower() and "definitions_validate_command" not in line
    ]
    assert notices == [], output
    assert "eprecat" not in output


def test_cli_cycle_materialises_in_the_local_instance(tmp_path):
    env = {**os.environ, "HOMEIQ_DATA_DIR": str(tmp_path / "data")}
    env.pop("DAGSTER_HOME", None)
    cmd = [
        sys.executable,
        "-m",
        "homeiq_assets.cli",
        "cycle",
        "--homes",
        "3",
        "--days",
        "1",
        "--cycle",
        "clitest",
        "--workers",
        "1",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "checks: 12/12 passed" in proc.stdout
    assert "training_data" in proc.stdout and "exported_datasets" in proc.stdout
    assert "make ui" in proc.stdout
    with dg.DagsterInstance.from_config(str(tmp_path / "data" / "dagster_home")) as instance:
        assert instance.has_dynamic_partition(CYCLE_PARTITIONS_NAME, "clitest")
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert again.returncode == 2 and "never reused" in again.stderr
