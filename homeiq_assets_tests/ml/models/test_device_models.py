"""Device failure and device anomaly models (DESIGN §7) on small simulated fleets: no feature
reads a future row, train and test homes are disjoint, save -> load predicts identically, the
same seed gives the same metrics, the skops loader refuses unknown types, and the failure
model ranks held-out rows far better than chance."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.tree import DecisionTreeClassifier

from homeiq_assets.ml.data import home_key
from homeiq_assets.ml.models import device_anomaly, device_failure
from homeiq_assets.ml.models.health_features import (
    anomaly_features,
    anomaly_scale_prior,
    band_rule_score,
    health_feature_names,
    health_features,
)
from homeiq_assets.sim.health.config import TELEMETRY_FIELDS, HealthConfig
from homeiq_assets.sim.health.devices import standalone_devices
from homeiq_assets.sim.health.process import simulate_device_health

START = dt.date(2026, 1, 5)
DAYS = 30


def _cycle(cycle: str, seed: int, n_devices: int) -> pd.DataFrame:
    """device_intelligence rows as the collector keeps them: down days dropped, cycle added."""
    devices = standalone_devices(n_devices, DAYS, START, seed)
    table = simulate_device_health(devices, START, DAYS, seed, HealthConfig())
    frame = table.to_pandas()
    frame = frame[frame["gt_status"] == "ok"].reset_index(drop=True)
    frame.insert(0, "record_id", cycle + "/" + frame["device_id"] + ":" + frame["date"].astype(str))
    frame.insert(1, "cycle", cycle)
    return frame


@pytest.fixture(scope="module")
def data() -> tuple[dict, dict]:
    train = pd.concat([_cycle("t1", 11, 450), _cycle("t2", 12, 450)], ignore_index=True)
    test = _cycle("bench", 99, 450)
    return {"device_intelligence": train}, {"device_intelligence": test}


@pytest.fixture(scope="module")
def failure(data, tmp_path_factory):
    train, test = data
    return device_failure.train_and_evaluate(train, test, tmp_path_factory.mktemp("fplots"))


@pytest.fixture(scope="module")
def anomaly(data, tmp_path_factory):
    train, test = data
    return device_anomaly.train_and_evaluate(train, test, tmp_path_factory.mktemp("aplots"))


def _perturb_after(frame: pd.DataFrame, cut: dt.date) -> pd.DataFrame:
    """The same rows with every telemetry value after `cut` changed (and some deleted)."""
    out = frame.copy()
    later = pd.to_datetime(out["date"]).dt.date > cut
    for name in TELEMETRY_FIELDS:
        out[name] = out[name].astype(np.float64)
        out.loc[later, name] = out.loc[later, name] * 3.0 + 7.0
    drop = later & (np.arange(len(out)) % 5 == 0)
    return out[~drop]


def test_features_read_no_future_rows(data):
    frame = data[0]["device_intelligence"]
    frame = frame[frame["home_id"].isin(frame["home_id"].unique()[:6])]
    cut = START + dt.timedelta(days=12)
    changed = _perturb_after(frame, cut)
    today = pd.to_datetime(frame["date"]).dt.date <= cut

    before, after = health_features(frame), health_features(changed)
    assert list(before.columns) == health_feature_names()
    pd.testing.assert_frame_equal(before[today], after.loc[before.index[today]])
    # and tomorrow's change does change tomorrow's features (the check is not vacuous)
    later = before.index[~today].intersection(after.index)
    assert not np.allclose(
        before.loc[later, "error_rate_mean7"], after.loc[later, "error_rate_mean7"]
    )

    prior = anomaly_scale_prior(frame)
    a_before, a_after = anomaly_features(frame, prior), anomaly_features(changed, prior)
    pd.testing.assert_frame_equal(a_before[today], a_after.loc[a_before.index[today]])


def test_rolling_windows_respect_device_and_cycle(data):
    """A device id that repeats across cycles starts a fresh history in each cycle."""
    frame = data[0]["device_intelligence"]
    one = frame[frame["device_id"] == frame["device_id"].iloc[0]]
    assert set(one["cycle"]) == {"t1", "t2"}  # standalone ids repeat across cycles
    feats = health_features(one)
    first = one.groupby("cycle")["date"].transform("min") == one["date"]
    assert (feats.loc[first, "days_since_first"] == 0).all()
    assert feats.loc[first, "response_time_ms_std7"].isna().all()
    t2 = one[one["cycle"] == "t2"]
    pd.testing.assert_frame_equal(health_features(t2), feats.loc[t2.index])


def test_train_and_test_homes_are_disjoint(data, failure, anomaly):
    train, test = data
    assert not set(home_key(train["device_intelligence"])) & set(
        home_key(test["device_intelligence"])
    )
    for _, report in (failure, anomaly):
        assert report.samples["test_rows"] == len(test["device_intelligence"])
        assert report.samples["test_homes"] > 0 and report.samples["train_homes"] > 0
    with pytest.raises(ValueError, match="also training homes"):
        device_failure.train_and_evaluate(train, train, Path("/nonexistent"))


def test_failure_model_beats_chance_and_baseline(failure):
    model, report = failure
    m = report.metrics
    print("\ndevice_failure:", {k: m.get(k) for k in ("f1", "precision", "recall", "auc")})
    print("baseline:", {k: report.baseline.get(k) for k in ("f1", "auc")})
    print("recall by mode:", m["recall_by_mode"])
    assert m["n"] == report.baseline["n"] and m["positives"] == report.baseline["positives"]
    assert m["positives"] > 50
    assert m["auc"] > 0.75
    assert m["average_precision"] > report.baseline["average_precision"]
    assert m["recall_by_mode"]["sudden"]["recall"] < 0.3  # no precursor by design
    assert set(report.plots) == {"confusion", "roc_pr", "importance"}
    assert all(Path(p).stat().st_size > 0 for p in report.plots.values())
    assert model.params["deterministic"] and model.params["num_threads"] == 1


def test_failure_save_load_predicts_identically(data, failure, tmp_path):
    model, _ = failure
    X = health_features(data[1]["device_intelligence"])
    files = model.save(tmp_path)
    assert sorted(files) == sorted(p.name for p in tmp_path.iterdir())
    loaded = device_failure.DeviceFailureModel.load(tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.threshold == model.threshold


def test_same_seed_same_metrics(data, failure, anomaly, tmp_path):
    train, test = data
    _, again = device_failure.train_and_evaluate(train, test, tmp_path / "f")
    assert again.metrics == failure[1].metrics
    assert again.baseline == failure[1].baseline
    _, again = device_anomaly.train_and_evaluate(train, test, tmp_path / "a")
    assert again.metrics == anomaly[1].metrics


def test_anomaly_model_and_baseline(anomaly):
    model, report = anomaly
    m = report.metrics
    print("\ndevice_anomaly:", {k: m.get(k) for k in ("precision", "recall", "f1", "auc")})
    print("baseline:", {k: report.baseline.get(k) for k in ("precision", "recall", "f1")})
    print("recall by kind:", m["recall_by_kind"])
    assert m["n"] == report.baseline["n"] and m["positives"] > 20
    assert m["auc"] > 0.8
    assert m["f1"] > report.baseline["f1"]
    assert set(m["recall_by_kind"]) <= {"stuck", "spike", "drift", "dropout"}
    assert set(report.plots) == {"confusion", "roc_pr"}


def test_anomaly_save_load_predicts_identically(data, anomaly, tmp_path):
    model, _ = anomaly
    frame = data[1]["device_intelligence"]
    files = model.save(tmp_path)
    assert sorted(files) == sorted(p.name for p in tmp_path.iterdir())
    loaded = device_anomaly.DeviceAnomalyModel.load(tmp_path)
    X = loaded.features(frame)
    pd.testing.assert_frame_equal(X, model.features(frame))
    np.testing.assert_array_equal(loaded.score_samples(X), model.score_samples(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_anomaly_loader_refuses_unknown_types(anomaly, tmp_path):
    model, _ = anomaly
    model.save(tmp_path)
    # a tree holds sklearn.tree._tree.Tree, which is not on the allowlist
    tree = DecisionTreeClassifier(max_depth=1).fit([[0.0], [1.0]], [0, 1])
    sio.dump({"tails": tree}, tmp_path / device_anomaly.STATE_FILE)
    with pytest.raises(device_anomaly.UntrustedModelFile, match="allowlist"):
        device_anomaly.DeviceAnomalyModel.load(tmp_path)


def test_band_rule_is_zero_inside_every_band(data):
    frame = data[0]["device_intelligence"]
    score = band_rule_score(frame)
    assert (score >= 0).all()
    assert 0.0 < (score > 0).mean() < 0.2
