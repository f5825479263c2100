"""The lifecycle rules on numbers: when a challenger replaces the champion, when a champion
counts as degraded, how much new data a model has; and the registry's aliases and history."""

from __future__ import annotations

import math

import pytest

from homeiq_assets.ml.bootstrap import Estimate
from homeiq_assets.ml.lifecycle import degradation, new_data, promotion_decision


def _decide(**kw):
    base = dict(
        metric="f1",
        challenger=0.50,
        champion=0.50,
        champion_version="v0001",
        gate_passed=True,
        gate_text="",
        allow_low_quality=False,
        tolerance=0.05,
    )
    return promotion_decision(**{**base, **kw})


def test_a_failed_gate_keeps_the_champion_unless_low_quality_is_allowed():
    kept = _decide(gate_passed=False, gate_text="f1 0.400 < 0.8", challenger=0.9)
    assert not kept.promote and kept.reason.startswith("gate failed (f1 0.400 < 0.8)")
    allowed = _decide(gate_passed=False, gate_text="f1 0.400 < 0.8", allow_low_quality=True)
    assert allowed.promote and "low quality was allowed" in allowed.reason


def test_the_first_challenger_becomes_champion():
    first = _decide(champion=None, champion_version=None, challenger=0.3)
    assert first.promote and first.reason == "first champion: f1 0.300"
    # a champion whose headline is undefined on the benchmark (no failure event after the
    # burn-in, say) cannot be compared with: the challenger replaces it, and the reason says so
    blank = _decide(champion=math.nan, challenger=0.3)
    assert blank.promote and "champion v0001 has no f1 on the benchmark rows" in blank.reason


@pytest.mark.parametrize(
    ("challenger", "promote"),
    [(0.476, True), (0.475, True), (0.474, False), (0.60, True), (0.20, False)],
)
def test_a_challenger_may_be_worse_only_within_the_tolerance(challenger, promote):
    decision = _decide(challenger=challenger, champion=0.50)
    assert decision.promote is promote
    assert decision.relative_change == pytest.approx((challenger - 0.50) / 0.50)
    if not promote:
        assert "worse than the champion beyond the 5% tolerance" in decision.reason
        assert "0.500 of champion v0001" in decision.reason


def test_the_reason_carries_the_paired_difference():
    diff = Estimate(-0.1, -0.2, -0.01, 100, 8)
    decision = _decide(challenger=0.4, difference=diff)
    assert "paired difference -0.100 [-0.200, -0.010]" in decision.reason


def _live(value, low, high, homes=6):
    return Estimate(value, low, high, 500, homes)


def test_degradation_needs_the_whole_interval_below_the_reference():
    kw = dict(metric="f1", benchmark=0.5, gate_threshold=0.8, passed_gate=False, tolerance=0.05)
    assert degradation(live=_live(0.1, 0.0, 0.2), **kw).degraded
    noisy = degradation(live=_live(0.3, 0.1, 0.6), **kw)  # the interval reaches 0.475
    assert not noisy.degraded and "healthy" in noisy.reason
    # a champion deployed below its gate is not "degraded" for being below it
    assert not degradation(live=_live(0.7, 0.6, 0.79), **{**kw, "benchmark": 0.7}).degraded


def test_a_champion_that_passed_its_gate_degrades_when_it_falls_below_it():
    kw = dict(metric="auc", benchmark=0.90, gate_threshold=0.85, passed_gate=True, tolerance=0.5)
    verdict = degradation(live=_live(0.80, 0.78, 0.84), **kw)
    assert verdict.degraded and "below its gate 0.85" in verdict.reason
    assert not degradation(live=_live(float("nan"), math.nan, math.nan, homes=0), **kw).degraded


def test_new_data_counts_records_after_the_last_accounted_cycle(tmp_path):
    from homeiq_assets.storage import write_json_atomic

    for cycle, kept in (("a", 10), ("b", 20), ("c", 40)):
        stats = {"datasets": {"device_intelligence": {"kept": kept}, "home_type": {"kept": 1}}}
        write_json_atomic(stats, tmp_path / "training_data" / cycle / "stats.json")
    found = new_data("device_failure", tmp_path, ["a", "b", "c", "d"], [], 50)
    assert (found.records, found.cycles, found.sufficient) == (70, ["a", "b", "c"], True)
    found = new_data("device_failure", tmp_path, ["a", "b", "c"], ["a", None, "x"], 50)
    assert (found.records, found.since, found.sufficient) == (60, "a", True)
    found = new_data("device_failure", tmp_path, ["a", "b", "c"], ["b", "a"], 50)
    assert found.records == 40 and not found.sufficient
    assert found.text() == "device_failure: 40 of 50 new records since cycle b"
    assert new_data("home_type", tmp_path, ["a", "b", "c"], [], 5).records == 3


def test_a_failed_run_does_not_use_up_its_data(tmp_path):
    from homeiq_assets.ml.lifecycle import accounted_cycles
    from homeiq_assets.ml.registry import ModelRegistry

    registry = ModelRegistry(tmp_path / "models")
    registry.record_history("pattern_quality", {"run_id": "a", "cycle": "c1", "decision": "kept"})
    registry.record_history("pattern_quality", {"run_id": "b", "cycle": "c2", "decision": "failed"})
    assert accounted_cycles(registry, "pattern_quality") == ["c1"]
