"""`homeiq prepare-for-production` end to end on a small fleet, in a fresh local instance:
failing gates exit non-zero naming the metrics and promote nothing that failed, while the models
that passed are promoted (one model's gate never blocks another); with `--allow-low-quality`
every model gets a champion, the flag recorded, and the models load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from homeiq_assets.ml.training import MODEL_NAMES

SMALL = ["--homes", "16", "--days", "10", "--benchmark-homes", "10", "--benchmark-days", "21"]


def _run(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOMEIQ_DATA_DIR": str(data)}
    env.pop("DAGSTER_HOME", None)
    env.pop("HOMEIQ_DAGSTER_STORAGE_DIR", None)
    cmd = [sys.executable, "-m", "homeiq_assets.cli", "prepare-for-production", *SMALL, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, cwd=data)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("production")


@pytest.fixture(scope="module")
def strict(data: Path) -> subprocess.CompletedProcess:
    return _run(data, "--cycle", "p1")


@pytest.fixture(scope="module")
def allowed(data: Path, strict) -> subprocess.CompletedProcess:
    return _run(data, "--cycle", "p2", "--allow-low-quality")


def test_failing_gates_exit_non_zero_naming_the_metrics(strict, data):
    assert strict.returncode == 1, strict.stderr[-2000:]
    evals = {
        name: json.loads((data / "model_evals" / "p1" / f"{name}.json").read_text())
        for name in MODEL_NAMES
    }
    assert len(evals) == 5
    failing = [m for m, ev in evals.items() if not ev["gate_passed"]]
    assert failing, "a 16-home fleet should not pass every gate"
    for model in failing:
        assert model in strict.stderr
        for metric in evals[model]["failing"]:
            assert metric in strict.stderr
    report = (data / "reports" / "p1" / "readiness.md").read_text()
    assert "NOT READY" in report
    assert "| model | headline metric | benchmark [95 %] (n) | audit [95 %] (n) | gate |" in report
    assert "| metric | minimum | benchmark [95 %] (n) | audit [95 %] (n) | pass |" in report
    # the audit fleet scored every model's version, beside the benchmark
    for model in MODEL_NAMES:
        audit = json.loads((data / "model_evals" / "p1" / f"{model}.audit.json").read_text())
        assert audit["homes"] > 0 and evals[model]["headline"] in audit["figures"]
    deployed = {p.parent.name for p in (data / "models").glob("*/deployed.json")}
    # a failing blocking gate stops its own model's promotion, and only that one
    assert deployed == {m for m, ev in evals.items() if ev["gate_passed"]}
    for model in failing:
        (entry,) = json.loads((data / "models" / model / "history.json").read_text())
        assert entry["decision"] == "kept" and entry["reason"].startswith("gate failed")


def test_allow_low_quality_deploys_and_records_it(allowed, data):
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    assert "--allow-low-quality" in allowed.stderr
    report = (data / "reports" / "p2" / "readiness.md").read_text()
    assert "LOW QUALITY ALLOWED" in report and "## Timings" in report
    manifest = json.loads((data / "models" / "manifest.json").read_text())
    assert set(manifest["models"]) == set(MODEL_NAMES)
    for ev_path in (data / "model_evals" / "p2" / f"{name}.json" for name in MODEL_NAMES):
        ev = json.loads(ev_path.read_text())
        meta = json.loads(
            (data / "models" / ev["model"] / ev["version"] / "metadata.json").read_text()
        )
        assert meta["allow_low_quality"] is True
        assert meta["training_cycles"] == ["p1", "p2"]  # every cycle so far
        assert meta["samples"] and meta["metrics"]


def test_deployed_models_load_without_training(allowed, data, monkeypatch):
    monkeypatch.setenv("HOMEIQ_DATA_DIR", str(data))
    from homeiq_assets.ml import load_deployed

    for name in MODEL_NAMES:
        model = load_deployed(name, root=data / "models")
        assert model.model_name == name


@pytest.mark.parametrize("fleet", ["benchmark", "audit"])
def test_every_reserved_seed_is_refused_for_training_cycles(capsys, fleet):
    from homeiq_assets.cli.main import main
    from homeiq_assets.ml.benchmark import FLEETS

    for seed in map(str, FLEETS[fleet].seeds):
        assert main(["cycle", "--seed", seed, "--homes", "2", "--days", "1"]) == 2
        assert "reserved for the benchmark and audit fleets" in capsys.readouterr().err
        assert main(["prepare-for-production", "--seed", seed]) == 2
        assert "reserved benchmark and audit seeds" in capsys.readouterr().err


def test_a_cycle_key_never_derives_a_reserved_seed(monkeypatch):
    from homeiq_assets.defs.simulation import assets
    from homeiq_assets.ml.benchmark import AUDIT, is_reserved_seed

    reserved = AUDIT.seeds[2]
    monkeypatch.setattr(assets, "stable_int", lambda *a: reserved)
    seed = assets.cycle_seed("any-key")
    assert not is_reserved_seed(seed) and seed == max(AUDIT.seeds) + 1
