"""Each model's lifecycle through Dagster, on a persistent instance: a challenger, its A/B
evaluation against the champion on the same benchmark rows, the blocking gate, and the
promotion — one model's failed gate leaves another promoted; a worse challenger is not promoted
and the A/B table says why; a rollback restores the previous version; a failed training run is
recorded by the run-failure sensor."""

from __future__ import annotations

import json

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from homeiq_assets.defs.automation.sensors import run_failure_sensor
from homeiq_assets.ml.benchmark import BENCHMARK
from homeiq_assets.ml.registry import ModelRegistry, load_deployed
from homeiq_assets_tests.defs.conftest import train


def _meta(result, asset: str) -> dict:
    return next(
        {k: v.value for k, v in e.event_specific_data.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(asset)
    )


def _registry(loop) -> ModelRegistry:
    return ModelRegistry(loop.store.root / "models")


@pytest.fixture(scope="module")
def first(loop):
    """Cycle c1: home type (gate fails, strict) and pattern quality (low quality allowed)
    trained in one run."""
    loop.add_cycles("c1", "c2")
    return train(loop, ("home_type", "pattern_quality"), "c1", allow=("pattern_quality",))


def test_one_models_failed_gate_leaves_the_other_promoted(first, loop):
    assert not first.success  # the home-type gate blocked its own promotion, and failed the run
    checks = {c.check_name: c.passed for c in first.get_asset_check_evaluations()}
    assert checks["home_type_gate"] is False
    built = {e.asset_key.to_user_string() for e in first.get_asset_materialization_events()}
    assert "pattern_quality_champion" in built and "home_type_champion" not in built
    registry = _registry(loop)
    assert registry.deployed("pattern_quality") == "v0001"
    assert registry.deployed("home_type") is None
    (kept,) = registry.history("home_type")
    assert kept["decision"] == "kept" and kept["reason"].startswith("gate failed")
    (promoted,) = registry.history("pattern_quality")
    assert promoted["decision"] == "promoted" and promoted["trigger"] == "manual"
    assert promoted["cycles"] == ["c1"] and promoted["records"]["pattern_detection"] > 0
    auc = promoted["challenger_metrics"]["auc"]
    assert auc["low"] <= auc["value"] <= auc["high"] and auc["homes"] == 8


def test_a_model_page_reads_from_the_top(first):
    """Headline with its interval, gate and promotion first; then the gate table, baseline,
    samples and one image per plot; then every metric and the version's details."""
    page = _meta(first, "pattern_quality_challenger")
    keys = list(page)
    assert keys[:5] == ["auc", "auc [95 % interval]", "gate", "promotion", "gate_passed"]
    assert page["auc [95 % interval]"].startswith(f"{page['auc']:.3f} [")
    assert (
        "homes" in page["auc [95 % interval]"]
        and page["gate"] in ("PASSED",)
        or page["gate"].startswith("FAILED: ")
    )
    assert keys[5:8] == ["gate_thresholds", "baseline", "samples"]
    assert "| auc | " in page["gate_thresholds"] and "| ≥ 0.85 |" in page["gate_thresholds"]
    plots = [k for k in keys if k.startswith("plot: ")]
    assert plots == keys[8 : 8 + len(plots)] and "plot: confusion matrix" in plots
    for key in plots:
        assert page[key].count("data:image/png;base64,") == 1  # one image per entry
    assert keys.index("version") > keys.index(plots[-1])
    home = _meta(first, "home_type_challenger")
    assert list(home)[:4] == [
        "structural_accuracy",
        "structural_accuracy [95 % interval]",
        "gate",
        "promotion",
    ]
    assert home["gate"].startswith("FAILED: structural") and home["promotion"].startswith(
        "blocked by the gate"
    )


def test_the_scorer_reproduces_the_models_own_report(first, loop):
    """The A/B scores come from `ml/scoring`; they must equal what the model reported."""
    for model in ("home_type", "pattern_quality"):
        ev = json.loads((loop.store.root / "model_evals" / "c1" / f"{model}.json").read_text())
        ab = json.loads((loop.store.root / "model_evals" / "c1" / f"{model}.ab.json").read_text())
        for metric, row in ab["comparison"].items():
            assert row["challenger"]["value"] == pytest.approx(ev["metrics"][metric], abs=1e-3)


def test_a_second_champion_moves_the_aliases_and_rollback_restores_the_first(first, loop):
    # a tolerance of 90 % (configurable per run) promotes any challenger that is not far worse
    second = train(loop, ("pattern_quality",), "c2", allow=("pattern_quality",), tolerance=0.9)
    assert second.success
    registry = _registry(loop)
    decision = _meta(second, "pattern_quality_evaluation")
    assert "| auc (headline) |" in decision["ab_table"] and decision["tolerance"] == 0.9
    assert decision["promote"] is True, decision["reason"]
    assert registry.aliases("pattern_quality") == {"champion": "v0002", "previous": "v0001"}
    assert "difference_auc" in decision  # a champion existed: the paired difference is there

    result = loop.defs.resolve_job_def("rollback_job").execute_in_process(
        instance=loop.instance,
        run_config={"ops": {"rollback_model": {"config": {"model": "pattern_quality"}}}},
        resources={"store": loop.store},
    )
    assert result.success
    assert registry.aliases("pattern_quality")["champion"] == "v0001"
    restored = load_deployed("pattern_quality", loop.store.root / "models")
    v1 = registry.load("pattern_quality", "v0001")
    v2 = registry.load("pattern_quality", "v0002")
    from homeiq_assets.ml.data import load_datasets
    from homeiq_assets.ml.models.pattern_quality import features

    bench = load_datasets(loop.store.root / "benchmark", BENCHMARK.cycles, ("pattern_detection",))
    X = features(bench["pattern_detection"])
    assert np.array_equal(restored.predict_proba(X), v1.predict_proba(X))
    assert not np.array_equal(restored.predict_proba(X), v2.predict_proba(X))
    last = registry.history("pattern_quality")[-1]
    assert last["decision"] == "rolled back" and last["champion_before"] == "v0002"


def _flip_labels(loop, source: str, target: str) -> None:
    """A copy of cycle `source` whose failure labels are inverted: data a model can only get
    worse from."""
    import shutil

    base = loop.store.root / "training_data"
    shutil.copytree(base / source, base / target)
    path = base / target / "device_intelligence" / "records.parquet"
    frame = pd.read_parquet(path)
    frame["gt_fails_within_7d"] = ~frame["gt_fails_within_7d"].astype(bool)
    frame.to_parquet(path, index=False)
    loop.add_cycles(target)


@pytest.fixture(scope="module")
def failure_champion(first, loop):
    """A device-failure champion trained on c1 and c2 (low quality allowed)."""
    result = train(loop, ("device_failure",), "c2", allow=("device_failure",))
    assert result.success
    assert _registry(loop).deployed("device_failure") == "v0001"
    return result


def test_a_worse_challenger_is_not_promoted_and_the_ab_table_says_why(failure_champion, loop):
    registry = _registry(loop)
    _flip_labels(loop, "c2", "c2flip")
    worse = train(
        loop, ("device_failure",), "c2flip", mode="incremental", allow=("device_failure",)
    )
    assert worse.success
    challenger = _meta(worse, "device_failure_challenger")
    assert challenger["mode"] == "incremental" and challenger["base_version"] == "v0001"
    evaluation = _meta(worse, "device_failure_evaluation")
    assert evaluation["promote"] is False
    # the headline is per failure event now (share of predictable failures warned 1-7 days
    # ahead); the challenger learnt inverted labels and warns of none of them
    assert evaluation["challenger_event_recall"] < evaluation["champion_event_recall"]
    assert "worse than the champion beyond the 5% tolerance" in evaluation["ab_table"]
    assert registry.deployed("device_failure") == "v0001"
    last = registry.history("device_failure")[-1]
    assert last["decision"] == "kept" and last["version"] == "v0002"
    assert last["mode"] == "incremental" and last["new_cycles"] == ["c2flip"]
    assert last["difference"]["value"] < 0


def test_a_failed_training_run_is_recorded_by_the_run_failure_sensor(failure_champion, loop):
    # incremental with nothing new: the champion (v0001) has seen c1 and c2 already
    failed = train(loop, ("device_failure",), "c2", mode="incremental", trigger="data")
    assert not failed.success
    with dg.build_run_status_sensor_context(
        sensor_name="run_failure_sensor",
        dagster_event=failed.get_run_failure_event(),
        dagster_instance=loop.instance,
        dagster_run=failed.dagster_run,
        resources={"store": loop.store},
    ) as context:
        run_failure_sensor(context.for_run_failure())
        run_failure_sensor(context.for_run_failure())  # recorded once
    entries = [e for e in _registry(loop).history("device_failure") if e["run_id"] == failed.run_id]
    assert len(entries) == 1
    assert entries[0]["decision"] == "failed" and entries[0]["trigger"] == "data"
    assert "no new cycles" in entries[0]["reason"]
