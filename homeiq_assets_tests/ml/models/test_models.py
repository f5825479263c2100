"""Home-type and pattern-quality models, gates, the readiness report and registry loading of real
model files, on small collected fleets (train and benchmark homes never overlap)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from homeiq_assets.collect.pipeline import collect_cycle
from homeiq_assets.ml.data import load_datasets, split_by_home
from homeiq_assets.ml.gates import evaluate_gate
from homeiq_assets.ml.models import home_type, pattern_quality
from homeiq_assets.ml.readiness import render
from homeiq_assets.ml.registry import ModelRegistry, TamperedModelError
from homeiq_assets.sim.config import SimConfig
from homeiq_assets.sim.fleet import generate_fleet


@pytest.fixture(scope="module")
def roots(fleet_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Training root (the session fleet, 32 homes) and a benchmark root (16 other homes)."""
    train = tmp_path_factory.mktemp("ml-train")
    collect_cycle(fleet_dir, train, "t1", seed=11)
    bench_fleet = tmp_path_factory.mktemp("ml-bench-fleet")
    generate_fleet(SimConfig(homes=16, days=14, seed=4242, start=dt.date(2026, 4, 6)), bench_fleet)
    bench = tmp_path_factory.mktemp("ml-bench")
    collect_cycle(bench_fleet, bench, "benchmark", seed=4242)
    return train, bench


@pytest.fixture(scope="module")
def data(roots):
    train_root, bench_root = roots
    return load_datasets(train_root, ["t1"]), load_datasets(bench_root, ["benchmark"])


def test_split_by_home_never_shares_a_home(data):
    train, _ = data
    frame = train["pattern_detection"]
    fit, valid = split_by_home(frame, 0.25, seed=1)
    homes = lambda m: set(frame.loc[m, "home_id"])  # noqa: E731
    assert fit.any() and valid.any()
    assert not homes(fit) & homes(valid)


def test_pattern_quality_beats_detector_confidence_on_held_out_homes(data, tmp_path):
    train, test = data
    assert not set(train["pattern_detection"]["home_id"] + "t") & set(
        test["pattern_detection"]["home_id"] + "b"
    )
    model, report = pattern_quality.train_and_evaluate(train, test, tmp_path, seed=0)
    m = report.gate_metrics()
    print("\npattern quality:", {k: m[k] for k in ("auc", "f1", "n", "positives")})
    assert m["n"] == len(test["pattern_detection"]) and m["positives"] > 50
    assert m["auc"] > 0.85 and m["auc_over_baseline"] > 0.1
    assert {"confusion", "roc_pr", "importance"} <= set(report.plots)
    assert all(Path(p).read_bytes()[:4] == b"\x89PNG" for p in report.plots.values())


def test_same_seed_same_metrics(data, tmp_path):
    train, test = data
    _, a = pattern_quality.train_and_evaluate(train, test, tmp_path / "a", seed=3)
    _, b = pattern_quality.train_and_evaluate(train, test, tmp_path / "b", seed=3)
    assert a.metrics == b.metrics


def test_home_type_reports_against_its_baselines(data, tmp_path):
    train, test = data
    model, report = home_type.train_and_evaluate(train, test, tmp_path, seed=0)
    assert report.metrics["n"] == 16
    assert set(report.metrics["per_class"]) == set(report.metrics["labels"])
    assert report.metrics["structural_labels"] == ["studio", "flat", "townhouse", "detached"]
    assert "majority_accuracy" in report.params
    gate = evaluate_gate("home_type", report.gate_metrics())
    assert set(gate.failing) <= {"structural_accuracy", "structural_macro_f1"}
    assert gate.passed == (not gate.failing)
    # every metric, baseline and ceiling with a bootstrap interval over homes
    for prefix in ("", "baseline_", "baseline_majority_", "ceiling_", "ceiling_layout_"):
        for metric in ("structural_accuracy", "structural_macro_f1", "accuracy", "macro_f1"):
            e = report.estimates[prefix + metric]
            assert e["low"] <= e["value"] <= e["high"], (prefix, metric, e)
            assert e["homes"] == (16 if not prefix.startswith("ceiling") else e["homes"])
    assert report.estimates["structural_accuracy"]["value"] == report.metrics["structural_accuracy"]
    # structure is what the registry shows: flats, studios and houses apart beat the majority
    m = report.metrics
    assert m["structural_accuracy"] > report.params["majority_structural_accuracy"]
    # the ceiling bounds the eight classes from above and the structures are easier
    assert m["ceiling_structural_accuracy"] > m["ceiling_accuracy"]
    rows = report.metrics["confusion_row_share"]
    for truth, cells in rows.items():
        assert truth in cells and abs(sum(v[0] for v in cells.values()) - 1) < 1e-3
    assert "structural_confusion" in report.plots
    X = test["home_type"][home_type.feature_columns(test["home_type"])]
    again = home_type.HomeTypeModel.load(_saved(model, tmp_path / "saved"))
    assert (again.predict(X) == model.predict(X)).all()
    assert set(model.predict_structure(X)) <= set(report.metrics["structural_labels"])


def _saved(model, folder: Path) -> Path:
    folder.mkdir(parents=True)
    model.save(folder)
    return folder


def test_home_type_hyper_parameters_come_from_training_homes_only(data):
    """Cross-validation inside the training homes picks leaf size and feature set; the test
    homes are never passed to it."""
    train, _ = data
    frame = train["home_type"]
    X = frame[home_type.feature_columns(frame)]
    y = np.array(["studio", "apartment", "single_family_house", "townhouse"] * 8)
    chosen, scores = home_type.select_params(X.iloc[:32], y, seed=0)
    assert chosen["feature_set"] in home_type.FEATURE_SETS
    assert chosen["min_samples_leaf"] in home_type.LEAF_GRID
    assert len(scores) == len(home_type.FEATURE_SETS) * len(home_type.LEAF_GRID)
    # too few homes of a class for folds: the defaults
    fallback, none = home_type.select_params(X.iloc[:5], y[:5], seed=0)
    assert fallback == {"min_samples_leaf": 2, "feature_set": "layout"} and none == {}


def test_home_type_layout_features_hold_no_ground_truth(data):
    train, _ = data
    columns = home_type.feature_columns(train["home_type"])
    assert not [c for c in columns if c.startswith("gt_")]
    layout = home_type.layout_columns(columns)
    assert {"persons", "areas_balcony", "install_hardwired", "energy_kwh_per_day"} <= set(layout)
    assert not [c for c in layout if c.startswith("activity_")]


def test_registered_models_reload_identically_and_refuse_tampering(data, tmp_path):
    train, test = data
    registry = ModelRegistry(tmp_path / "models")
    model, report = pattern_quality.train_and_evaluate(train, test, tmp_path / "plots", seed=0)
    version = registry.register(model, {"metrics": report.gate_metrics(), "gate": True})
    registry.deploy("pattern_quality", version)
    X = pattern_quality.features(test["pattern_detection"])
    again = registry.load("pattern_quality")
    assert np.array_equal(again.predict_proba(X), model.predict_proba(X))
    skops_file = registry.root / "pattern_quality" / version / "model.skops"
    skops_file.chmod(0o644)
    raw = bytearray(skops_file.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    skops_file.write_bytes(bytes(raw))
    with pytest.raises(TamperedModelError, match="model.skops"):
        registry.load("pattern_quality")


def test_gate_names_every_failing_metric():
    gate = evaluate_gate("device_anomaly", {"alert_precision": 0.9, "episode_recall": 0.5})
    assert not gate.passed and set(gate.failing) == {"episode_recall"}
    assert "episode_recall 0.500 < 0.80" in gate.describe()
    assert not evaluate_gate("synergy_gnn", {"f1": 0.9, "auc": 0.95}).passed  # no baseline gap
    # no failure event on the benchmark homes: an undefined metric is no evidence, so it fails
    nan = float("nan")
    gate = evaluate_gate(
        "device_failure", {"event_recall": nan, "alert_precision": 0.9, "day_accuracy": 0.99}
    )
    assert not gate.passed and set(gate.failing) == {"event_recall"}
    assert evaluate_gate(
        "device_failure", {"event_recall": 0.85, "alert_precision": 0.9, "day_accuracy": 0.99}
    ).passed


def test_readiness_report_lists_metrics_thresholds_and_verdict():
    def est(value, low, high, n):
        return {"value": value, "low": low, "high": high, "n": n, "homes": 40}

    ev = {
        "version": "v0001",
        "gate_passed": False,
        "failing": {"episode_recall": [0.5, 0.8]},
        "allow_low_quality": True,
        "metrics": {"alert_precision": 0.9, "episode_recall": 0.5, "episode_f1": 0.643},
        "headline": "episode_f1",
        "estimates": {
            "episode_f1": est(0.643, 0.55, 0.72, 90),
            "episode_recall": est(0.5, 0.4, 0.6, 60),
            "alert_precision": est(0.9, 0.82, 0.96, 33),
            "baseline_episode_recall": est(0.3, 0.2, 0.4, 60),
        },
        "thresholds": {"episode_recall": 0.8, "alert_precision": 0.8},
        "baseline_name": "z-score rule",
        "baseline": {"alert_precision": 0.4, "episode_recall": 0.3},
        "samples": {"test_rows": 1000, "test_homes": 40},
        "seconds": 2.0,
    }
    text = render("c1", {"device_anomaly": ev}, {"device_anomaly": "v0001"}, {"x": 5}, None, True)
    assert "LOW QUALITY ALLOWED" in text
    # the headline with its interval and sample size, first in the summary and in the section
    summary = "| device_anomaly | episode_f1 | 0.643 [0.550, 0.720] (n 90) | — | FAIL | v0001 |"
    assert summary in text
    assert "0.643 [0.550, 0.720] (n 90, 40 homes)" in text
    # the gate metric by metric, with its minimum and verdict; the baseline beside the model
    assert "| episode_recall | 0.8 | 0.500 [0.400, 0.600] (n 60) | — | NO |" in text
    assert "| alert_precision | 0.8 | 0.900 [0.820, 0.960] (n 33) | — | yes |" in text
    assert "| episode_recall | 0.500 [0.400, 0.600] (n 60) | 0.300 [0.200, 0.400] (n 60) |" in text
    assert "**Not gated:**" in text
    json.dumps(ev)
