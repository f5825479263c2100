"""`homeiq nights`, `retrain`, `models compare|history` and `status` on a fresh local instance:
one night runs the real schedule and sensors and says what happened; a manual retraining is
recorded; two versions are compared on the benchmark homes; status shows the loop's state."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from homeiq_assets.cli.main import main
from homeiq_assets.ml.training import MODEL_NAMES
from homeiq_assets.settings import settings


@pytest.fixture(scope="module")
def one_night(loop, tmp_path_factory):
    """One night in which only pattern quality has enough new data to retrain."""
    mp = pytest.MonkeyPatch()
    for model in MODEL_NAMES:
        mp.setenv(f"HOMEIQ_RETRAIN_THRESHOLD_{model.upper()}", "1000000000")
    mp.setenv("HOMEIQ_RETRAIN_THRESHOLD_PATTERN_QUALITY", "1")
    settings.cache_clear()
    report = tmp_path_factory.mktemp("nights") / "nights.json"
    # a 6-home week is far too little for pattern quality to pass its gate reliably (its seed
    # comes from the tick's date); the loop is under test here, so low quality is allowed
    code = main(
        ["nights", "1", "--homes", "6", "--days", "7", "--allow-low-quality"]
        + ["--json", str(report)]
    )
    yield code, json.loads(report.read_text())
    mp.undo()
    settings.cache_clear()


def test_one_night_runs_the_schedule_and_the_sensors(one_night, loop):
    code, (night,) = one_night
    assert code == 0 and night["cycle"].startswith("n") and night["cycle_success"], night
    assert "skipped" not in night, night
    assert night["records"]["pattern_detection"] > 0
    assert night["fired"] == {"data_sufficiency_sensor": ["pattern_quality"]}
    line = night["models"]["pattern_quality"]
    assert (line["champion"], line["challenger"], line["decision"]) == (
        "v0001",
        "v0001",
        "promoted",
    )
    assert line["challenger_value"]["low"] <= line["challenger_value"]["value"]
    assert night["models"]["home_type"]["champion"] is None
    assert night["sensors"]["data_sufficiency_sensor"] == "1 request(s)"
    assert "no champion yet" in night["sensors"]["model_degradation_sensor"]


def test_retrain_compare_history_and_status(one_night, loop, capsys):
    capsys.readouterr()
    assert main(["retrain", "pattern_quality", "--allow-low-quality"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "pattern_quality: " in out and ("promoted" in out or "kept" in out)
    # the CLI's progress: the model's data, benchmark metrics and gate, as the run logged them
    assert "submitted to the run queue" in captured.err
    assert "pattern_quality: trained v0002" in captured.err and " records " in captured.err
    assert "pattern_quality: on the benchmark homes: auc " in captured.err
    # a launched run of the code location: listed under its job, re-executable from the UI
    (run,) = loop.instance.get_runs(
        filters=dg.RunsFilter(job_name="retrain_pattern_quality", tags={"homeiq/trigger": "manual"})
    )
    assert run.tags["homeiq/source"] == "cli" and run.status == dg.DagsterRunStatus.SUCCESS
    assert run.remote_job_origin.location_name == "homeiq_assets"
    assert run.remote_job_origin.repository_origin.repository_name == "__repository__"

    assert main(["models", "compare", "pattern_quality", "v0001", "v0002"]) == 0
    out = capsys.readouterr().out
    assert "| auc (headline) |" in out and "paired 95 % interval over homes" in out

    assert main(["models", "history", "pattern_quality"]) == 0
    out = capsys.readouterr().out
    assert "data  full  v0001" in out and "manual  full  v0002" in out

    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert f"last cycle: {one_night[1][0]['cycle']} — SUCCESS (schedule" in out
    assert "schedule nightly_cycle" in out and "next tick" in out
    assert "data_sufficiency_sensor: never evaluated" in out  # no daemon in this test
    assert "pattern_quality  v000" in out and "auc " in out
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["champions"]["pattern_quality"]["champion"] in ("v0001", "v0002")
    assert status["schedule"]["cron"] == "0 2 * * *"


def test_bad_input_names_the_option(capsys):
    assert main(["nights", "0"]) == 2
    assert "N must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["retrain", "no_such_model"])
