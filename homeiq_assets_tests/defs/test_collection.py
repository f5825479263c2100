"""The collection and export assets through Dagster: a cycle goes from simulation to curated,
exported training data with blocking checks; a second cycle aggregates the first."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from homeiq_assets.collect.lineage import cycle_lineage, dataset_lineage
from homeiq_assets.defs.collection.assets import COLLECTION_ASSETS
from homeiq_assets.defs.collection.checks import COLLECTION_CHECKS
from homeiq_assets.defs.exports.assets import EXPORT_ASSETS
from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.defs.simulation.assets import device_health, simulate_fleet
from homeiq_assets.defs.simulation.checks import SIMULATION_CHECKS

ALL = [
    simulate_fleet,
    device_health,
    *COLLECTION_ASSETS,
    *EXPORT_ASSETS,
    *SIMULATION_CHECKS,
    *COLLECTION_CHECKS,
]


def _config(seed: int) -> dict:
    sim = {"homes": 6, "days": 10, "seed": seed, "start": "2026-03-02", "workers": 1}
    return {"ops": {"simulate_fleet": {"config": sim}, "ha_snapshots": {"config": {"homes": 1}}}}


@pytest.fixture(scope="module")
def two_cycles(tmp_path_factory):
    base = tmp_path_factory.mktemp("dagster-collect")
    store = DataStore(base_dir=str(base / "data"))
    results = {}
    with dg.instance_for_test() as instance:
        for cycle, seed in (("k1", 5), ("k2", 6)):
            instance.add_dynamic_partitions(CYCLE_PARTITIONS_NAME, [cycle])
            results[cycle] = dg.materialize(
                ALL,
                instance=instance,
                partition_key=cycle,
                resources={"store": store},
                run_config=_config(seed),
            )
    return store, results


def _meta(result, asset: str) -> dict:
    return next(
        m.event_specific_data.materialization.metadata
        for m in result.get_asset_materialization_events()
        if m.asset_key == dg.AssetKey(asset)
    )


def test_cycle_materialises_collection_and_exports_with_passing_checks(two_cycles):
    store, results = two_cycles
    result = results["k2"]
    assert result.success
    built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {
        "detected_patterns",
        "detected_synergies",
        "suggestions",
        "ask_ai",
        "training_data",
        "exported_datasets",
        "ha_snapshots",
    } <= built
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert {
        "records_pass_validation",
        "every_collection_point_produced",
        "lineage_complete",
    } <= set(checks)
    assert all(checks.values()), checks


def test_metadata_reports_detector_quality_numerically(two_cycles):
    _, results = two_cycles
    patterns = _meta(results["k1"], "detected_patterns")
    assert 0.0 <= patterns["precision"].value <= 1.0 and 0.0 <= patterns["recall"].value <= 1.0
    assert patterns["strong_patterns"].value > 0
    assert "| home_id |" in patterns["sample"].value
    training = _meta(results["k1"], "training_data")
    assert training["validation_pass_rate"].value >= 0.9
    exported = _meta(results["k2"], "exported_datasets")
    assert exported["cycles_aggregated"].value == 2


def test_second_cycle_exports_aggregate_both_with_lineage(two_cycles):
    store, _ = two_cycles
    lineage = dataset_lineage(store.root, "pattern_detection")
    assert lineage["export"] == "pattern_detection@k2/all"
    assert lineage["cycles"] == ["k1", "k2"]
    assert {r["cycle"] for r in lineage["by_source"]} == {"k1", "k2"}
    assert "pattern_detection@k2/all" in cycle_lineage(store.root, "k1")["in_exports"]
    snapshot = next((store.root / "ha_snapshots" / "k2").iterdir())
    registry = json.loads((snapshot / ".storage" / "core.entity_registry").read_text())
    assert registry["data"]["entities"]
    assert (snapshot / "home-assistant_v2.db").stat().st_size > 0


def test_a_failing_collection_check_blocks_exports(tmp_path, monkeypatch):
    from homeiq_assets.defs.collection import checks as collection_checks

    monkeypatch.setattr(collection_checks, "MIN_VALIDATION_RATE", 1.01)
    store = DataStore(base_dir=str(tmp_path / "data"))
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(CYCLE_PARTITIONS_NAME, ["bad"])
        result = dg.materialize(
            ALL,
            instance=instance,
            partition_key="bad",
            resources={"store": store},
            run_config=_config(7),
            raise_on_error=False,
        )
    assert not result.success
    failed = [c.check_name for c in result.get_asset_check_evaluations() if not c.passed]
    assert failed == ["records_pass_validation"]
    built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert "training_data" in built and "exported_datasets" not in built
