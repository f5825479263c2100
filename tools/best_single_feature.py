"""Which single feature explains most of a model's score, on held-out homes.

Truth before score: before trusting a high score, find the one feature that alone gets closest
to it and ask whether a real home would show that feature. Fitted on the training homes of the
given cycles, scored on the benchmark fleet under the same data root (what `make run` leaves):

    python tools/best_single_feature.py --data data [--cycles C1 C2]

Home type: structural accuracy of a depth-3 tree on one feature. Pattern quality, synergy
pairs and device failure: ROC AUC of one feature (either direction), as no fitting is needed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.tree import DecisionTreeClassifier

from homeiq_assets.ml.benchmark import BENCHMARK
from homeiq_assets.ml.data import load_datasets
from homeiq_assets.ml.models import pattern_quality
from homeiq_assets.ml.models.health_features import band_rule_score, health_features
from homeiq_assets.ml.models.home_type import feature_columns
from homeiq_assets.ml.models.home_type_metrics import structure_of

DATASETS = ("home_type", "pattern_detection", "synergy_gnn", "device_intelligence")


def best_aucs(X: pd.DataFrame, y: np.ndarray, top: int = 5) -> list[tuple[float, str]]:
    """The `top` columns of `X` by AUC in their better direction."""
    out = []
    for column in X.columns:
        v = X[column].to_numpy(float)
        if np.isnan(v).all() or np.nanstd(v) == 0:
            continue
        auc = roc_auc_score(y, np.nan_to_num(v, nan=np.nanmin(v) - 1))
        out.append((max(auc, 1 - auc), column))
    return sorted(out, reverse=True)[:top]


def home_type(train: pd.DataFrame, test: pd.DataFrame, top: int = 5) -> list[tuple[float, str]]:
    y_tr = structure_of(train["gt_home_type"].to_numpy())
    y_te = structure_of(test["gt_home_type"].to_numpy())
    out = []
    for column in feature_columns(train):
        tree = DecisionTreeClassifier(max_depth=3, class_weight="balanced", random_state=0)
        tree.fit(train[[column]].fillna(0).to_numpy(float), y_tr)
        predicted = tree.predict(test[[column]].fillna(0).to_numpy(float))
        out.append((float((predicted == y_te).mean()), column))
    return sorted(out, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"), help="HOMEIQ_DATA_DIR")
    parser.add_argument("--cycles", nargs="*", help="training cycles (default: all)")
    args = parser.parse_args()
    cycles = args.cycles or sorted(p.name for p in (args.data / "training_data").iterdir())
    train = load_datasets(args.data, cycles, DATASETS)
    test = load_datasets(args.data / "benchmark", BENCHMARK.cycles, DATASETS)

    print(f"home type: structural accuracy of one feature ({len(test['home_type'])} homes)")
    for value, column in home_type(train["home_type"], test["home_type"]):
        print(f"  {value:.3f} {column}")

    patterns = test["pattern_detection"]
    y = patterns["gt_real"].astype(bool).to_numpy()
    print(f"pattern quality: AUC of one feature ({len(y):,} patterns, {y.sum():,} habits)")
    for value, column in best_aucs(pattern_quality.features(patterns), y):
        print(f"  {value:.3f} {column}")

    pairs = test["synergy_gnn"]
    numeric = pairs.select_dtypes("number")
    numeric = numeric[[c for c in numeric if not c.startswith("gt_") and not c.endswith("_id")]]
    y = pairs["gt_linked"].astype(bool).to_numpy()
    print(f"synergy pairs: AUC of one feature ({len(y):,} pairs, {y.sum():,} linked)")
    for value, column in best_aucs(numeric, y):
        print(f"  {value:.3f} {column}")

    days = test["device_intelligence"]
    y = days["gt_fails_within_7d"].to_numpy(bool)
    print(f"device failure: AUC of one feature ({len(y):,} device-days, {y.sum():,} positive)")
    for value, column in best_aucs(health_features(days), y):
        print(f"  {value:.3f} {column}")
    print(f"  {roc_auc_score(y, band_rule_score(days)):.3f} band rule (baseline)")


if __name__ == "__main__":
    main()
