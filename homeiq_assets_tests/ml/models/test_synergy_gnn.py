"""Synergy GNN on two small fleets: trains on one, is judged on homes of another seed."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from homeiq_assets.collect.pipeline import collect_cycle
from homeiq_assets.ml.base import Datasets
from homeiq_assets.ml.data import load_datasets
from homeiq_assets.ml.metrics import binary_metrics
from homeiq_assets.ml.models.synergy_gnn import (
    CONFIG_FILE,
    GBM_FILE,
    NODES,
    PAIRS,
    WEIGHTS_FILE,
    SynergyGNN,
    build_graph,
    outputs,
    train_and_evaluate,
    tune_rule,
)
from homeiq_assets.sim.config import SimConfig
from homeiq_assets.sim.fleet import generate_fleet

START = dt.date(2026, 1, 12)


def _collected(tmp: Path, homes: int, seed: int) -> Datasets:
    config = SimConfig(homes=homes, days=14, seed=seed, start=START, shard_size=8)
    generate_fleet(config, tmp / "fleet", workers=2)
    collect_cycle(tmp / "fleet", tmp / "data", "c1", seed=seed)
    return load_datasets(tmp / "data", ["c1"])


@pytest.fixture(scope="module")
def train_data(tmp_path_factory: pytest.TempPathFactory) -> Datasets:
    return _collected(tmp_path_factory.mktemp("synergy_train"), homes=16, seed=101)


@pytest.fixture(scope="module")
def test_data(tmp_path_factory: pytest.TempPathFactory) -> Datasets:
    return _collected(tmp_path_factory.mktemp("synergy_test"), homes=10, seed=202)


@pytest.fixture(scope="module")
def trained(train_data, test_data, tmp_path_factory: pytest.TempPathFactory):
    return train_and_evaluate(train_data, test_data, tmp_path_factory.mktemp("plots"), seed=0)


def test_report_on_held_out_homes(trained, train_data, test_data):
    model, report = trained
    m = report.metrics
    print("\nsynergy GNN:", json.dumps({k: v for k, v in m.items() if k != "confusion"}))
    assert m["n"] == len(test_data[PAIRS]) and m["positives"] > 0
    # the task is hard by design (issue 10: no single feature gives the label away); the
    # model must still rank unseen homes' pairs better than chance
    assert m["auc"] > 0.6, m
    assert report.baseline["n"] == m["n"] and "auc" in report.baseline
    assert set(m["by_relationship"]) == set(test_data[PAIRS]["relationship"])
    assert sum(r["n"] for r in m["by_relationship"].values()) == m["n"]
    s = report.samples
    assert s["train_rows"] == len(train_data[PAIRS]) and s["test_rows"] == len(test_data[PAIRS])
    # homes whose every compatible pair is already automated have no candidate
    assert s["train_homes"] == train_data[PAIRS]["home_id"].nunique() >= 14
    assert s["test_homes"] == test_data[PAIRS]["home_id"].nunique() >= 8
    assert 0 < model.threshold < 1
    for name in ("confusion", "roc_pr", "importance"):
        assert Path(report.plots[name]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "f1_over_baseline" in report.gate_metrics()
    # the fair baselines: the rule tuned on the validation homes (never on benchmark homes) and
    # gradient boosting on the same pair features, each with intervals on the same homes
    assert report.params["baseline_rule"]["valid_rows"] == s["valid_rows"]
    for name in ("baseline_f1", "gbm_f1", "gbm_auc", "f1_over_baseline", "f1_over_gbm"):
        e = report.estimates[name]
        assert e["homes"] == s["test_homes"] and e["low"] <= e["value"] <= e["high"], name
    gap = report.estimates["f1_over_baseline"]["value"]
    assert gap == pytest.approx(report.estimates["f1"]["value"] - report.baseline["f1"], abs=1e-3)
    json.dumps(report.to_dict())  # plain numbers only


def test_the_rule_is_tuned_to_its_best_window_and_thresholds():
    rng = np.random.default_rng(0)
    n = 400
    pairs = pd.DataFrame(
        {
            f"{kind}_{w}s": rng.integers(0, 60, n).astype(float)
            for kind in ("cooccur", "lift")
            for w in (5, 30, 120, 600)
        }
    )
    y = (pairs["cooccur_30s"] >= 5) & (pairs["lift_30s"] >= 3)
    rule = tune_rule(pairs, y.to_numpy())
    assert (rule["window_s"], rule["min_cooccur"], rule["min_lift"]) == (30, 5, 3.0)
    assert rule["valid_f1"] == 1.0 and rule["valid_rows"] == n


def test_labels_and_ids_are_not_features(trained, test_data):
    model, _ = trained
    names = model.config["node_features"] + model.config["edge_features"]
    assert not [n for n in names if "gt_" in n or "rule" in n or "_id" in n]
    pairs = test_data[PAIRS]
    scrambled = pairs.assign(
        gt_linked=~pairs["gt_linked"].astype(bool),
        gt_automation_id="x",
        rule_linked=False,
        pair_id="p",
        record_id="r",
    )
    data = {PAIRS: scrambled, NODES: test_data[NODES]}
    assert np.array_equal(model.predict_proba(data), model.predict_proba(test_data))


def test_save_load_round_trip(trained, test_data, tmp_path: Path):
    model, _ = trained
    files = model.save(tmp_path)
    assert sorted(files) == sorted([WEIGHTS_FILE, CONFIG_FILE, GBM_FILE])
    loaded = SynergyGNN.load(tmp_path)
    assert loaded.threshold == model.threshold
    assert np.array_equal(loaded.predict_proba(test_data), model.predict_proba(test_data))
    assert np.array_equal(loaded.predict(test_data), model.predict(test_data))
    # the baselines travel with the version: a later scoring shows the same ones
    again, before = outputs(loaded, test_data), outputs(model, test_data)
    assert set(again) == set(before) >= {"baseline_pred", "gbm_pred"}
    for key, values in before.items():
        assert np.array_equal(again[key], values), key


CALLS: list[str] = []


def _record(tag: str) -> str:
    CALLS.append(tag)
    return tag


class _Payload:
    """Runs code when unpickled — what a tampered weights file could carry."""

    def __reduce__(self):
        return (_record, ("unpickled",))


def test_load_refuses_pickled_objects(trained, tmp_path: Path):
    model, _ = trained
    model.save(tmp_path)
    state = {k: v for k, v in model.net.state_dict().items()}
    torch.save({**state, "extra": _Payload()}, tmp_path / WEIGHTS_FILE)
    with pytest.raises(pickle.UnpicklingError):
        SynergyGNN.load(tmp_path)
    assert CALLS == []


def test_same_seed_same_model(trained, train_data, test_data):
    model, _ = trained
    again = SynergyGNN().fit(train_data, seed=0)
    assert again.threshold == model.threshold
    assert again.history["valid"] == model.history["valid"]
    assert np.array_equal(again.predict_proba(test_data), model.predict_proba(test_data))
    y = test_data[PAIRS]["gt_linked"].to_numpy()
    assert binary_metrics(y, again.predict(test_data), again.predict_proba(test_data)) == (
        binary_metrics(y, model.predict(test_data), model.predict_proba(test_data))
    )


def test_graph_without_node_table(trained, test_data):
    """Devices missing from the node table still get (featureless) nodes."""
    model, _ = trained
    g = build_graph({PAIRS: test_data[PAIRS], NODES: pd.DataFrame()}, model.config)
    assert g.pair_index.shape[1] == len(test_data[PAIRS])
    assert int(g.pair_index.max()) < g.x.shape[0]
    scores = model.predict_proba({PAIRS: test_data[PAIRS], NODES: pd.DataFrame()})
    assert scores.shape == (len(test_data[PAIRS]),) and np.isfinite(scores).all()
