"""The nightly schedule with Dagster's own schedule context on a persistent instance: a tick
adds one cycle partition and one run, a retried tick adds neither, a tick while a cycle really
runs skips with the reason, and a cycle whose process was killed (`kill -9` of `homeiq cycle`)
does not block the next tick."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import dagster as dg
import pytest

from homeiq_assets.cli.nights import _launch
from homeiq_assets.defs.automation.schedule import nightly_cycle, scheduled_cycle_key
from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME
from homeiq_assets_tests.defs.conftest import DAYS, HOMES

NIGHT = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
SIM = {"ops": {"simulate_fleet": {"config": {"homes": HOMES, "days": DAYS, "workers": 1}}}}


def _tick(loop, when: dt.datetime):
    context = dg.build_schedule_context(
        instance=loop.instance,
        scheduled_execution_time=when,
        repository_def=loop.defs.get_repository_def(),
    )
    return nightly_cycle.evaluate_tick(context)


def _cycle_runs(loop) -> list[dg.DagsterRun]:
    return list(loop.instance.get_runs(filters=dg.RunsFilter(tags={"homeiq/job": "cycle"})))


def test_key_is_the_scheduled_time_in_utc():
    assert scheduled_cycle_key(NIGHT) == "n20260301T0200Z"
    berlin = NIGHT.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert scheduled_cycle_key(berlin) == "n20260301T0200Z"


def test_a_tick_adds_one_partition_and_one_run_and_a_retried_tick_neither(loop):
    first = _tick(loop, NIGHT)
    (request,) = first.run_requests
    key = scheduled_cycle_key(NIGHT)
    assert request.partition_key == key and request.run_key == key
    assert request.tags["homeiq/trigger"] == "schedule"
    assert list(loop.instance.get_dynamic_partitions(CYCLE_PARTITIONS_NAME)) == [key]
    outcome = _launch(loop.instance, request, "cycle_job", {}, SIM)
    assert outcome is not None and outcome.success

    retried = _tick(loop, NIGHT)
    (again,) = retried.run_requests
    assert again.run_key == key
    assert _launch(loop.instance, again, "cycle_job", {}, SIM) is None  # same run_key
    assert list(loop.instance.get_dynamic_partitions(CYCLE_PARTITIONS_NAME)) == [key]
    (run,) = _cycle_runs(loop)
    assert run.tags["dagster/partition"] == key and run.status == dg.DagsterRunStatus.SUCCESS
    # the cycle run scored no champion (none yet) but materialised its monitoring assets
    assert loop.instance.get_latest_materialization_event(dg.AssetKey("pattern_quality_monitoring"))


def _wait_started(loop, key: str, proc: subprocess.Popen, timeout: float = 120.0) -> dg.DagsterRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = loop.instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": key}))
        if runs and runs[0].status == dg.DagsterRunStatus.STARTED:
            engine = loop.instance.all_logs(
                runs[0].run_id, of_type=dg.DagsterEventType.ENGINE_EVENT
            )
            if any("pid" in (e.dagster_event.engine_event_data.metadata or {}) for e in engine):
                return runs[0]
        if proc.poll() is not None:
            pytest.fail(f"homeiq cycle ended early: {proc.stderr.read()[-2000:]}")
        time.sleep(0.2)
    pytest.fail("the cycle run never started")


def test_a_tick_skips_while_a_cycle_runs_and_a_killed_cycle_does_not_block(loop):
    key = "live1"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "homeiq_assets.cli", "cycle", "--cycle", key]
    cmd += ["--homes", str(HOMES), "--days", "21", "--workers", "1"]
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        live = _wait_started(loop, key, proc)
        skipped = _tick(loop, NIGHT + dt.timedelta(days=1))
        assert not skipped.run_requests
        assert f"run {live.run_id[:8]}" in skipped.skip_message
        assert "still in progress" in skipped.skip_message and "pid" in skipped.skip_message
        assert not loop.instance.has_dynamic_partition(CYCLE_PARTITIONS_NAME, "n20260302T0200Z")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert loop.instance.get_run_by_id(live.run_id).status == dg.DagsterRunStatus.STARTED

    after = _tick(loop, NIGHT + dt.timedelta(days=2))
    (request,) = after.run_requests
    assert request.partition_key == "n20260303T0200Z"
    dead = loop.instance.get_run_by_id(live.run_id)
    assert dead.status == dg.DagsterRunStatus.FAILURE
    failure = loop.instance.all_logs(live.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert "is gone" in failure[-1].dagster_event.message
