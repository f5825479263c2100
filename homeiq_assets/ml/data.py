"""Training and benchmark data for the models, read from curated training data on disk.

Training uses every cycle up to the current one; evaluation uses the benchmark fleet — homes
generated from a reserved seed that no training cycle uses — so test homes never leak into
training. Validation inside training (early stopping, thresholds) splits by home.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from homeiq_assets.collect import training_data as td
from homeiq_assets.collect.lineage import TRAINING
from homeiq_assets.ml.base import Datasets

SIDE_TABLES = {"synergy_gnn": ("nodes",)}


def load_datasets(
    root: Path, cycles: list[str], datasets: tuple[str, ...] = td.DATASETS
) -> Datasets:
    """The given datasets (default: all) with their side tables, over the given cycles under a
    data root (the folder holding `training_data/`: `HOMEIQ_DATA_DIR`, or the `--out` of
    `homeiq collect`)."""
    dirs = [root / TRAINING / c for c in cycles]
    missing = [str(d) for d in dirs if not (d / "stats.json").exists()]
    if missing:
        raise FileNotFoundError(f"no collected training data at {', '.join(missing)}")
    out: Datasets = {}
    for dataset in datasets:
        records, _ = td.aggregate(dirs, dataset)
        out[dataset] = records
        for side in SIDE_TABLES.get(dataset, ()):
            parts = [td.read_extra(d, dataset, side) for d in dirs]
            parts = [p for p in parts if not p.empty]
            out[f"{dataset}.{side}"] = (
                pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
            )
    return out


def home_key(frame: pd.DataFrame) -> np.ndarray:
    """One group per home per cycle (home ids repeat across cycles; they are different homes)."""
    return (frame["cycle"].astype(str) + "/" + frame["home_id"].astype(str)).to_numpy()


def count_homes(frame: pd.DataFrame) -> int:
    """Distinct homes (per cycle) in a frame."""
    return int(np.unique(home_key(frame)).size) if len(frame) else 0


def split_by_home(
    frame: pd.DataFrame, valid_share: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (train, valid) that never put one home on both sides."""
    keys = home_key(frame)
    homes = np.unique(keys)
    rng = np.random.default_rng(seed)
    valid_homes = rng.choice(
        homes, size=max(1, int(round(len(homes) * valid_share))), replace=False
    )
    valid = np.isin(keys, valid_homes)
    return ~valid, valid


def home_folds(frame: pd.DataFrame, folds: int, seed: int) -> np.ndarray:
    """Fold number (0..folds-1) of every row, whole homes per fold (for out-of-fold scores)."""
    keys = home_key(frame)
    homes, inverse = np.unique(keys, return_inverse=True)
    rng = np.random.default_rng(seed)
    fold_of_home = rng.permutation(homes.size) % max(1, min(folds, homes.size))
    return fold_of_home[inverse]
