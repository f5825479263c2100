"""A real `dagster-daemon run` (see `daemon_run.py`, started when the session starts and checked
here, last): a cycle partition appears from the schedule and its run succeeds, the data sensor
requests a training that promotes a champion, and runs submitted meanwhile through the
instance's run coordinator obey the run-queue limits — never two cycle runs at once, never two
trainings of one model at once."""

from __future__ import annotations

import dagster as dg
import pytest

from homeiq_assets.ml.registry import ModelRegistry
from homeiq_assets.ml.training import MODEL_NAMES


def _overlap(a, b) -> bool:
    return a.start_time < b.end_time and b.start_time < a.end_time


def test_the_nightly_loop_under_a_real_daemon(daemon_run):
    run = daemon_run
    try:
        runs = run.wait("every run to finish", run.all_done, poll=2)
    except TimeoutError as exc:
        pytest.fail(str(exc))
    assert not run.errors, run.errors[0]
    assert run.submitted == ["cycle_job", "retrain_pattern_quality"]

    scheduled = [r for r in runs if r.tags.get("dagster/schedule_name") == "nightly_cycle"]
    (cycle,) = scheduled
    key = cycle.tags["dagster/partition"]
    assert key.startswith("n") and run.instance.has_dynamic_partition("cycle", key)
    assert cycle.tags["homeiq/trigger"] == "schedule"
    assert cycle.status == dg.DagsterRunStatus.SUCCESS, run.tail()

    sensed = [r for r in runs if r.tags.get("dagster/sensor_name") == "data_sufficiency_sensor"]
    (training,) = sensed  # one request, and the 2-home cycle added too little for another
    assert training.tags["homeiq/trigger"] == "data" and training.tags["dagster/partition"] == key
    assert training.status == dg.DagsterRunStatus.SUCCESS, run.tail()
    registry = ModelRegistry(run.data / "models")
    first = next(e for e in registry.history("pattern_quality") if e["trigger"] == "data")
    assert (first["version"], first["decision"]) == ("v0001", "promoted")
    assert registry.deployed("pattern_quality") in ("v0001", "v0002")
    assert all(registry.deployed(m) is None for m in MODEL_NAMES if m != "pattern_quality")

    records = run.instance.get_run_records(
        filters=dg.RunsFilter(tags={"dagster/code_location": "homeiq_assets"})
    )
    cycles = [r for r in records if r.dagster_run.tags.get("homeiq/job") == "cycle"]
    trainings = [r for r in records if r.dagster_run.tags.get("homeiq/job") == "training"]
    assert len(cycles) == 2 and len(trainings) == 2
    assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
    assert not _overlap(*cycles)  # the second cycle waited for the first
    assert not _overlap(*trainings)  # and the second training for the first
