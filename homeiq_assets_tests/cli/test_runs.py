"""How the command line runs a job with no daemon: the run is a launched run of the code
location, it waits in the run queue while a cycle is in progress (the limits of dagster.yaml),
the command takes it out of the queue once the limit allows, and its failure comes back as one
line per failed step."""

from __future__ import annotations

import os
import uuid

import dagster as dg
import pytest

from homeiq_assets_tests.defs.conftest import dagster_home


@pytest.fixture
def instance(tmp_path, monkeypatch):
    home = dagster_home(tmp_path)
    env = {
        "DAGSTER_HOME": str(home),
        "HOMEIQ_DATA_DIR": str(tmp_path / "data"),
        "HOMEIQ_DAGSTER_STORAGE_DIR": str(tmp_path / "storage"),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("HOMEIQ_WORKSPACE", raising=False)
    from homeiq_assets.settings import settings

    settings.cache_clear()
    with dg.DagsterInstance.from_config(str(home)) as inst:
        yield inst
    settings.cache_clear()


def _running_cycle(instance) -> dg.DagsterRun:
    """A cycle run in progress (as another command's would be)."""
    run = dg.DagsterRun(
        job_name="cycle_job",
        run_id=str(uuid.uuid4()),
        status=dg.DagsterRunStatus.STARTED,
        tags={"homeiq/job": "cycle", "dagster/partition": "other"},
    )
    return instance.add_run(run)


def test_a_cli_run_waits_for_a_running_cycle_then_runs_and_reports_why_it_failed(instance):
    from homeiq_assets.cli.runs import code_location, follow, run_failure_message

    blocker = _running_cycle(instance)
    lines: list[str] = []
    with code_location(instance) as location:
        # the partition was never added: the run is accepted and fails at its first step
        run = location.submit("cycle_job", {}, {"dagster/partition": "never-added"})
        assert run.status == dg.DagsterRunStatus.QUEUED
        assert run.remote_job_origin.location_name == "homeiq_assets"
        assert run.tags["homeiq/job"] == "cycle"  # the job's tags, for the queue limits
        assert not location.dequeue(run.run_id)  # one cycle at a time: it stays queued
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.QUEUED
        instance.report_run_failed(blocker)
        assert location.dequeue(run.run_id)
        final = follow(instance, run.run_id, location, lines.append)
    assert final.status == dg.DagsterRunStatus.FAILURE
    assert any(line.startswith("  run failure") for line in lines), lines
    why = run_failure_message(instance, run.run_id)
    assert "never-added" in why and "\n" not in why


def test_the_workspace_comes_from_the_environment(tmp_path, monkeypatch):
    from homeiq_assets.cli.common import UsageError
    from homeiq_assets.cli.runs import workspace_file

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.delenv("HOMEIQ_WORKSPACE", raising=False)
    assert workspace_file() is None  # the module, served by a code server of the command
    (tmp_path / "workspace.yaml").write_text("load_from: []\n")
    assert workspace_file() == tmp_path / "workspace.yaml"
    monkeypatch.setenv("HOMEIQ_WORKSPACE", os.fspath(tmp_path / "nope.yaml"))
    with pytest.raises(UsageError, match="HOMEIQ_WORKSPACE"):
        workspace_file()


def test_a_dagster_home_that_is_not_a_folder_is_a_usage_error(tmp_path, monkeypatch, capsys):
    """`homeiq cycle` with DAGSTER_HOME naming a missing folder says so, without a traceback."""
    from homeiq_assets.cli.common import EXIT_USAGE
    from homeiq_assets.cli.main import main

    monkeypatch.setenv("DAGSTER_HOME", os.fspath(tmp_path / "missing"))
    monkeypatch.setenv("HOMEIQ_DATA_DIR", os.fspath(tmp_path / "data"))
    assert main(["cycle", "--homes", "1", "--days", "1"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "DAGSTER_HOME" in err and "missing" in err and "Traceback" not in err
