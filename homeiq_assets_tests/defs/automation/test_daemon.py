"""The deployment topology on Postgres (see `daemon_run.py`: a gRPC code server, a real
`dagster-daemon run` and the webserver, started when the session starts and checked here,
last): a cycle partition appears from the schedule and its run succeeds, the data sensor
requests a training that promotes a champion, and runs the command line submits meanwhile obey
the run-queue limits — never two cycle runs at once, never two trainings of one model at once.
Runs and events are in Postgres, and the webserver lists the code location, the schedule, the
sensors and the runs under their job."""

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
    assert run.submitted == ["cycle", "retrain"]
    assert "submitted to the run queue" in run.cli_output  # launched, not run in the CLI

    scheduled = [r for r in runs if r.tags.get("dagster/schedule_name") == "nightly_cycle"]
    (cycle,) = scheduled
    key = cycle.tags["dagster/partition"]
    assert key.startswith("n") and run.instance.has_dynamic_partition("cycle", key)
    assert cycle.tags["homeiq/trigger"] == "schedule"
    assert cycle.status == dg.DagsterRunStatus.SUCCESS, run.tail()

    sensed = [r for r in runs if r.tags.get("dagster/sensor_name") == "data_sufficiency_sensor"]
    (training,) = sensed  # one request, and the 1-home cycle added too little for another
    # requested at the newest cycle the sensor saw: the scheduled one, or the CLI's 1-home
    # cycle when that finished before the sensor's next tick (a loaded machine)
    assert training.tags["homeiq/trigger"] == "data"
    assert training.tags["dagster/partition"] in (key, "q1")
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

    # the CLI's runs are launched runs of the code location, like the daemon's
    cli = [r for r in records if r.dagster_run.tags.get("homeiq/source") == "cli"]
    assert len(cli) == 2 and all(r.dagster_run.remote_job_origin for r in cli)
    assert {r.dagster_run.remote_job_origin.location_name for r in cli} == {"homeiq_assets"}
    _check_postgres(run, [r.dagster_run.run_id for r in records])
    _check_webserver(run)


def _check_postgres(run, run_ids: list[str]) -> None:
    """The runs and their events are rows of the Postgres database."""
    stored = {row[0] for row in run.postgres.query("select run_id from runs")}
    assert set(run_ids) <= stored
    (cycle_events,) = run.postgres.query(
        "select count(*) from event_logs where dagster_event_type = %s and partition = %s",
        "ASSET_MATERIALIZATION",
        "q1",
    )[0]
    assert cycle_events >= 10  # every asset of the CLI's cycle materialised
    partitions = {row[0] for row in run.postgres.query("select partition from dynamic_partitions")}
    assert "q1" in partitions


WORKSPACE_QUERY = """
{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on RepositoryLocation { repositories { name
      jobs { name } schedules { name cronSchedule } sensors { name } } } } } } }
  runsOrError(filter: {pipelineName: "cycle_job"}) { ... on Runs { results { runId status } } }
  instance { runLauncher { name } daemonHealth { allDaemonStatuses { daemonType healthy } } } }
"""


def _check_webserver(run) -> None:
    """The webserver's GraphQL (what the UI shows) lists the code location with its jobs, the
    schedule and the sensors, and the cycle runs under their job."""
    data = run.graphql(WORKSPACE_QUERY)
    (entry,) = data["workspaceOrError"]["locationEntries"]
    assert entry["name"] == "homeiq_assets" and entry["loadStatus"] == "LOADED"
    (repo,) = entry["locationOrLoadError"]["repositories"]
    assert {"cycle_job", "training_job", "retrain_pattern_quality"} <= {
        j["name"] for j in repo["jobs"]
    }
    assert [s["name"] for s in repo["schedules"]] == ["nightly_cycle"]
    assert {s["name"] for s in repo["sensors"]} >= {
        "data_sufficiency_sensor",
        "model_degradation_sensor",
        "run_failure_sensor",
    }
    runs = data["runsOrError"]["results"]
    assert len(runs) == 2 and {r["status"] for r in runs} == {"SUCCESS"}
    daemons = data["instance"]["daemonHealth"]["allDaemonStatuses"]
    assert any(d["daemonType"] == "QUEUED_RUN_COORDINATOR" and d["healthy"] for d in daemons)
