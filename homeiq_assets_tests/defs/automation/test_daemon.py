"""A real `dagster-daemon run` on a tmp DAGSTER_HOME with the repository's dagster.yaml, bounded
to a few minutes:

1. the nightly schedule (cron pinned to the next minute) adds a cycle partition and its run
   succeeds; the data-sufficiency sensor requests one retraining of pattern quality (the only
   model whose threshold is met), and that run promotes a champion;
2. runs submitted meanwhile through the instance's run coordinator (`dagster job launch`: a
   second cycle, a second training of the same model) obey the run-queue limits: never two
   cycle runs at once, never two trainings of one model at once, while a cycle and a training
   do run side by side.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from homeiq_assets.ml.registry import ModelRegistry
from homeiq_assets.ml.training import MODEL_NAMES
from homeiq_assets_tests.conftest import BENCH_HOMES, DAYS, HOMES
from homeiq_assets_tests.defs.conftest import REPO, dagster_home

BIN = Path(sys.executable).parent
LOCATION = "homeiq_assets"
DONE = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
BUDGET_S = 300  # the whole module


def _cron_next_minute() -> str:
    """A cron that fires once, at the next minute the daemon can still catch."""
    now = dt.datetime.now(dt.UTC)
    fire = (now + dt.timedelta(minutes=1 if now.second < 40 else 2)).replace(second=0)
    return f"{fire.minute} {fire.hour} * * *"


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    base = tmp_path_factory.mktemp("daemon")
    home = dagster_home(base)
    workspace = base / "workspace.yaml"
    workspace.write_text(
        "load_from:\n  - python_module:\n      module_name: homeiq_assets.definitions\n"
        f"      location_name: {LOCATION}\n      working_directory: {REPO}\n"
    )
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "HOMEIQ_DATA_DIR": str(base / "data"),
        "HOMEIQ_DAGSTER_STORAGE_DIR": str(base / "storage"),
        "HOMEIQ_TRAINING_SCHEDULE": _cron_next_minute(),
        "HOMEIQ_TIMEZONE": "UTC",
        "HOMEIQ_DEFAULT_HOMES": str(HOMES),
        "HOMEIQ_DEFAULT_DAYS": str(DAYS),
        "HOMEIQ_BENCHMARK_HOMES": str(BENCH_HOMES),
        "HOMEIQ_BENCHMARK_DAYS": str(DAYS),
        "HOMEIQ_WORKERS": "1",
        "HOMEIQ_SENSOR_INTERVAL_SECONDS": "5",
        **{f"HOMEIQ_RETRAIN_THRESHOLD_{m.upper()}": "1000000000" for m in MODEL_NAMES},
        # a 6-home cycle has well over 1,000 detected patterns, a 2-home one well under
        "HOMEIQ_RETRAIN_THRESHOLD_PATTERN_QUALITY": "1000",
    }
    env.pop("COVERAGE_PROCESS_START", None)  # the daemon's children are not measured
    old_storage = os.environ.get("HOMEIQ_DAGSTER_STORAGE_DIR")
    os.environ["HOMEIQ_DAGSTER_STORAGE_DIR"] = env["HOMEIQ_DAGSTER_STORAGE_DIR"]
    # create the instance's SQLite storage before the daemon's threads race to create it
    dg.DagsterInstance.from_config(str(home)).dispose()
    log = (base / "daemon.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)],
        env=env,
        cwd=base,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            yield {
                "instance": instance,
                "env": env,
                "workspace": workspace,
                "data": base / "data",
                "log": base / "daemon.log",
                "deadline": time.monotonic() + BUDGET_S,
            }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        if old_storage is None:
            os.environ.pop("HOMEIQ_DAGSTER_STORAGE_DIR", None)
        else:
            os.environ["HOMEIQ_DAGSTER_STORAGE_DIR"] = old_storage


def _wait(daemon, what: str, check, poll: float = 1.0):
    while time.monotonic() < daemon["deadline"]:
        found = check()
        if found:
            return found
        time.sleep(poll)
    tail = daemon["log"].read_text()[-3000:]
    pytest.fail(f"timed out waiting for {what}; daemon log:\n{tail}")


def _runs(instance, **tags) -> list[dg.DagsterRun]:
    return list(instance.get_runs(filters=dg.RunsFilter(tags=tags)))


def _finished(instance, run_id: str) -> dg.DagsterRun | None:
    run = instance.get_run_by_id(run_id)
    return run if run.status in DONE else None


def _launch(daemon, job: str, partition: str, config: dict | None = None) -> subprocess.Popen:
    """Submit a run through the instance's run coordinator, as any launched run is."""
    cmd = [str(BIN / "dagster"), "job", "launch", "-w", str(daemon["workspace"])]
    cmd += ["-l", LOCATION, "-j", job, "--tags", json.dumps({"dagster/partition": partition})]
    if config:
        cmd += ["--config-json", json.dumps(config)]
    return subprocess.Popen(
        cmd, env=daemon["env"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def _submitted(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        out, _ = proc.communicate(timeout=180)
        assert proc.returncode == 0, out[-2000:]


def _overlap(a, b) -> bool:
    return a.start_time < b.end_time and b.start_time < a.end_time


def test_the_nightly_loop_under_a_real_daemon(daemon):
    instance = daemon["instance"]
    # 1. the schedule adds a cycle partition and launches its run
    cycle = _wait(daemon, "the scheduled cycle", lambda: _runs(instance, **{"homeiq/job": "cycle"}))
    run = cycle[0]
    key = run.tags["dagster/partition"]
    assert key.startswith("n") and instance.has_dynamic_partition("cycle", key)
    assert run.tags["homeiq/trigger"] == "schedule" and run.tags["dagster/schedule_name"]
    # meanwhile a second (2-home) cycle is submitted through the run coordinator: it must wait
    instance.add_dynamic_partitions("cycle", ["q1"])
    small = {"ops": {"simulate_fleet": {"config": {"homes": 2}}}}
    extra_cycle = [_launch(daemon, "cycle_job", "q1", small)]

    # 2. the data sensor requests one training of pattern quality, which promotes a champion
    training = _wait(
        daemon,
        "the data sensor's training run",
        lambda: _runs(instance, **{"homeiq/model": "pattern_quality"}),
    )
    assert training[0].tags["homeiq/trigger"] == "data"
    assert training[0].tags["dagster/sensor_name"] == "data_sufficiency_sensor"
    assert training[0].tags["dagster/partition"] == key
    # and a second training of the same model is submitted: the two must run one at a time
    _submitted([*extra_cycle, _launch(daemon, "retrain_pattern_quality", key)])

    done = _wait(daemon, "the cycle run", lambda: _finished(instance, run.run_id), poll=2)
    assert done.status == dg.DagsterRunStatus.SUCCESS
    finished = _wait(daemon, "the training run", lambda: _finished(instance, training[0].run_id), 2)
    assert finished.status == dg.DagsterRunStatus.SUCCESS
    registry = ModelRegistry(daemon["data"] / "models")
    first = next(e for e in registry.history("pattern_quality") if e["trigger"] == "data")
    assert (first["version"], first["decision"]) == ("v0001", "promoted")
    assert registry.deployed("pattern_quality") in ("v0001", "v0002")
    assert all(registry.deployed(m) is None for m in MODEL_NAMES if m != "pattern_quality")

    # 3. the run-queue limits held: never two cycles, never two trainings of one model at once
    def all_done():
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/code_location": LOCATION}))
        if len(runs) >= 4 and all(r.status in DONE for r in runs):
            return runs
        return None

    _wait(daemon, "every run to finish", all_done, poll=2)
    records = instance.get_run_records(
        filters=dg.RunsFilter(tags={"dagster/code_location": LOCATION})
    )
    cycles = [r for r in records if r.dagster_run.tags.get("homeiq/job") == "cycle"]
    trainings = [r for r in records if r.dagster_run.tags.get("homeiq/job") == "training"]
    assert len(cycles) == 2 and len(trainings) == 2  # the small cycle triggered no training
    assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
    assert not _overlap(*cycles)
    assert not _overlap(*trainings)
    # the limits are per kind of run, not one run at a time
    assert any(_overlap(c, t) for c in cycles for t in trainings)
