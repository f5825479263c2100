"""The retraining sensors with Dagster's own sensor context on a persistent instance: the
data-sufficiency sensor does not fire below its threshold, fires once above it and not again for
the same data; the degradation sensor fires once for a champion that degrades on a new cycle
(telemetry that stopped carrying the precursors it learnt) and not for a healthy one."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from homeiq_assets.defs.automation.sensors import data_sufficiency_sensor, model_degradation_sensor
from homeiq_assets.defs.deployment.monitoring import MONITORING_ASSETS
from homeiq_assets.ml.lifecycle import cycle_records
from homeiq_assets.ml.training import MODEL_NAMES
from homeiq_assets.settings import settings
from homeiq_assets_tests.defs.conftest import train

BIG = "1000000000"


def _evaluate(loop, sensor, cursor: str | None):
    with dg.build_sensor_context(
        instance=loop.instance,
        instance_ref=loop.instance.get_ref(),
        cursor=cursor,
        resources={"store": loop.store},
        definitions=loop.defs,
    ) as context:
        return sensor.evaluate_tick(context)


@pytest.fixture
def thresholds(monkeypatch, loop):
    """Only pattern quality can fire: its threshold sits just above cycle c1's records."""
    for model in MODEL_NAMES:
        monkeypatch.setenv(f"HOMEIQ_RETRAIN_THRESHOLD_{model.upper()}", BIG)
    c1 = cycle_records(loop.store.root, "c1", "pattern_quality")
    monkeypatch.setenv("HOMEIQ_RETRAIN_THRESHOLD_PATTERN_QUALITY", str(c1 + 1))
    settings.cache_clear()
    yield c1 + 1
    settings.cache_clear()


def test_data_sensor_fires_once_above_its_threshold_and_never_twice_for_the_same_data(
    loop, thresholds
):
    loop.add_cycles("c1")
    below = _evaluate(loop, data_sufficiency_sensor, None)
    assert not below.run_requests
    c1 = thresholds - 1
    assert f"pattern_quality: {c1:,} of {thresholds:,} new records" in below.skip_message
    assert "device_failure: " in below.skip_message  # every model's count is shown

    loop.add_cycles("c2")
    above = _evaluate(loop, data_sufficiency_sensor, below.cursor)
    (request,) = above.run_requests
    assert request.job_name == "retrain_pattern_quality" and request.partition_key == "c2"
    assert request.run_key == "data-pattern_quality-c2"
    assert request.tags["homeiq/trigger"] == "data"
    challenger = request.run_config["ops"]["pattern_quality_challenger"]["config"]
    assert challenger == {"mode": "full", "allow_low_quality": False}  # the gates hold by default
    assert json.loads(above.cursor) == {"pattern_quality": "c2"}

    again = _evaluate(loop, data_sufficiency_sensor, above.cursor)
    assert not again.run_requests
    assert "pattern_quality: 0 of" in again.skip_message and "since cycle c2" in again.skip_message


def _monitor(loop, cycle: str) -> dict:
    model = MODEL_NAMES.index("device_failure")
    result = dg.materialize(
        [MONITORING_ASSETS[model]],
        instance=loop.instance,
        partition_key=cycle,
        resources={"store": loop.store},
    )
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.event_specific_data.materialization.metadata.items()}


def _freeze_telemetry(loop, source: str, target: str) -> None:
    """A copy of cycle `source` whose devices keep reporting their first day's telemetry (an
    integration that stopped updating): the failures and their labels are the same, the
    precursors the champion learnt to read are gone."""
    import shutil

    import pandas as pd

    from homeiq_assets.sim.health.config import TELEMETRY_FIELDS

    base = loop.store.root / "training_data"
    shutil.copytree(base / source, base / target)
    path = base / target / "device_intelligence" / "records.parquet"
    frame = pd.read_parquet(path)
    first = (
        frame.sort_values("date").groupby("device_id")[list(TELEMETRY_FIELDS)].transform("first")
    )
    frame[list(TELEMETRY_FIELDS)] = first.loc[frame.index]
    frame.to_parquet(path, index=False)
    loop.add_cycles(target)


@pytest.fixture
def wide_tolerance(monkeypatch):
    """A tiny benchmark scores the champion on a handful of failure events (one more or less
    moves its score by a fifth or more), so the reference gets a wide tolerance here."""
    monkeypatch.setenv("HOMEIQ_REGRESSION_TOLERANCE", "0.3")
    settings.cache_clear()
    yield
    settings.cache_clear()


def test_degradation_sensor_fires_once_for_a_degraded_champion_and_not_for_a_healthy_one(
    loop, wide_tolerance
):
    loop.add_cycles("c1", "c2", "c3")
    champion = train(loop, ("device_failure",), "c2", allow=("device_failure",))
    assert champion.success  # v0001, trained on c1 and c2; c3 holds new homes

    healthy = _monitor(loop, "c3")
    assert healthy["champion"] == "v0001" and healthy["degraded"] is False, healthy["reason"]
    quiet = _evaluate(loop, model_degradation_sensor, None)
    assert not quiet.run_requests
    assert "device_failure v0001 on cycle c3" in quiet.skip_message
    assert "healthy" in quiet.skip_message

    _freeze_telemetry(loop, "c3", "c3frozen")
    shifted = _monitor(loop, "c3frozen")
    assert shifted["degraded"] is True, shifted["reason"]
    # the headline is per failure event: the share of predictable failures warned 1-7 days
    # ahead, which the frozen telemetry no longer allows
    assert shifted["event_recall"] < shifted["benchmark_event_recall"] * 0.7
    assert shifted["event_recall_n"] > 0
    fired = _evaluate(loop, model_degradation_sensor, quiet.cursor)
    (request,) = fired.run_requests
    assert request.job_name == "retrain_device_failure"
    assert request.run_key == "degradation-device_failure-v0001"
    assert request.tags["homeiq/trigger"] == "degradation"

    assert not _evaluate(loop, model_degradation_sensor, fired.cursor).run_requests
    _monitor(loop, "c3frozen")  # the same champion degraded again: no second request
    guarded = _evaluate(loop, model_degradation_sensor, fired.cursor)
    assert not guarded.run_requests
    assert "retrain-loop guard" in guarded.skip_message
