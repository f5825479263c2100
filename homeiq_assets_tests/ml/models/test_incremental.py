"""Incremental training: LightGBM continues from the champion's trees, the GNN fine-tunes from
its weights (and never ends worse than it on the validation homes), `train_model` records the
base version and the cycles seen, and a model that cannot be updated retrains in full and says
so."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from homeiq_assets.ml.benchmark import BENCHMARK
from homeiq_assets.ml.data import load_datasets
from homeiq_assets.ml.models import device_failure, synergy_gnn
from homeiq_assets.ml.registry import ModelRegistry
from homeiq_assets.ml.training import supports_incremental, train_model

BENCH = tuple(BENCHMARK.cycles)


def _data(root: Path, cycles: list[str], dataset: str):
    return load_datasets(root, cycles, (dataset,)), load_datasets(
        root / "benchmark", list(BENCH), (dataset,)
    )


def test_only_the_tree_and_graph_models_can_be_updated():
    assert supports_incremental("device_failure") and supports_incremental("synergy_gnn")
    assert not supports_incremental("home_type") and not supports_incremental("pattern_quality")


def test_lightgbm_continues_from_the_champions_trees(collected, tmp_path):
    train, test = _data(collected, ["c1"], "device_intelligence")
    champion, _ = device_failure.train_and_evaluate(train, test, tmp_path / "a", seed=0)
    new, _ = _data(collected, ["c2"], "device_intelligence")
    updated, report = device_failure.train_and_evaluate(
        new, test, tmp_path / "b", seed=0, init=champion
    )
    trees = champion.booster.num_trees()
    assert updated.booster.num_trees() > trees
    assert report.params["init_iterations"] == champion.best_iteration
    # the first trees are the champion's, unchanged
    dump_a = champion.booster.dump_model()["tree_info"]
    dump_b = updated.booster.dump_model()["tree_info"][:trees]
    assert [t["tree_structure"] for t in dump_a] == [t["tree_structure"] for t in dump_b]


def test_the_gnn_fine_tunes_from_the_champions_weights(collected, tmp_path):
    train, test = _data(collected, ["c1"], "synergy_gnn")
    champion = synergy_gnn.SynergyGNN({"max_epochs": 40}).fit(train, seed=0)
    new, _ = _data(collected, ["c2"], "synergy_gnn")
    tuned = synergy_gnn.SynergyGNN().fit(new, seed=0, init=champion)
    assert tuned.config == champion.config  # the inputs keep their meaning
    assert tuned.history["fine_tuned"] is True and tuned.params == champion.params
    # early stopping starts from the champion itself, so on the validation homes of the new
    # data the result is never worse than the champion
    valid = tuned.validation
    y = valid[synergy_gnn.PAIRS][synergy_gnn.LABEL].astype(bool).to_numpy()
    key_tuned = synergy_gnn._validation_key(y, tuned.predict_proba(valid))
    key_champion = synergy_gnn._validation_key(y, champion.predict_proba(valid))
    assert key_tuned >= key_champion
    if tuned.history["best_epoch"] == 0:
        for k, v in champion.net.state_dict().items():
            assert torch.equal(v, tuned.net.state_dict()[k])


@pytest.fixture
def registry_root(collected, tmp_path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(collected, root, ignore=shutil.ignore_patterns(".fleets"))
    return root


def test_train_model_records_an_incremental_update_and_refuses_one_without_new_data(
    registry_root,
):
    registry = ModelRegistry(registry_root / "models")
    bench, plots = registry_root / "benchmark", registry_root / "plots"
    first = train_model("device_failure", registry_root, ["c1"], bench, plots, registry)
    assert first.mode == "full" and first.requested_mode == "full"
    registry.deploy("device_failure", first.version, allow_low_quality=True)

    update = train_model(
        "device_failure", registry_root, ["c1", "c2"], bench, plots, registry, mode="incremental"
    )
    assert (update.mode, update.base_version) == ("incremental", first.version)
    assert update.cycles == ["c1", "c2"] and update.new_cycles == ["c2"]
    meta = registry.metadata("device_failure", update.version)
    assert meta["mode"] == "incremental" and meta["base_version"] == "v0001"
    assert meta["training_cycles"] == ["c1", "c2"] and meta["new_cycles"] == ["c2"]
    assert meta["training_records"]["device_intelligence"] == update.records["device_intelligence"]

    with pytest.raises(ValueError, match="no new cycles to update champion v0001"):
        train_model(
            "device_failure", registry_root, ["c1"], bench, plots, registry, mode="incremental"
        )


def test_a_model_that_cannot_be_updated_retrains_in_full_and_says_so(registry_root):
    registry = ModelRegistry(registry_root / "models")
    bench, plots = registry_root / "benchmark", registry_root / "plots"
    first = train_model("home_type", registry_root, ["c1"], bench, plots, registry)
    registry.deploy("home_type", first.version, allow_low_quality=True)
    again = train_model(
        "home_type", registry_root, ["c1", "c2"], bench, plots, registry, mode="incremental"
    )
    assert again.mode == "full" and again.requested_mode == "incremental"
    assert "cannot continue training from a champion; retrained in full" in again.mode_note
    assert again.new_cycles == ["c1", "c2"]
    assert np.isfinite(again.report.gate_metrics()["accuracy"])
