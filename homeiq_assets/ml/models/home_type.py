"""Home type: 8 classes from a home's layout and behaviour profile (`collect/home_profile.py`).

Gradient boosting on the profile features; baselines of DESIGN §7 are the majority class and a
model that sees the device count only. Evaluated on the benchmark fleet's homes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.tree import DecisionTreeClassifier

from homeiq_assets.ml import plots, safe_skops
from homeiq_assets.ml.base import Datasets, ModelReport
from homeiq_assets.ml.metrics import multiclass_metrics
from homeiq_assets.sim.catalog import HOME_TYPES

DATASET = "home_type"
LABEL = "gt_home_type"
ID_COLUMNS = ("record_id", "cycle", "home_id", "profile_id")


def feature_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ID_COLUMNS and not c.startswith("gt_")]


class HomeTypeModel:
    """`fit(X, y)` on home profiles, `predict`/`predict_proba` → home types."""

    model_name = "home_type"

    def __init__(self, seed: int = 0, max_iter: int = 100, learning_rate: float = 0.1) -> None:
        self.seed = seed
        self.params = {"max_iter": max_iter, "learning_rate": learning_rate}
        self.features: list[str] = []
        self.estimator: HistGradientBoostingClassifier | None = None

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Self:
        self.features = list(X.columns)
        self.estimator = HistGradientBoostingClassifier(random_state=self.seed, **self.params)
        self.estimator.fit(X[self.features].to_numpy(np.float64), np.asarray(y))
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict_proba(X[self.features].to_numpy(np.float64))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict(X[self.features].to_numpy(np.float64))

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.estimator.classes_]

    def save(self, folder: Path) -> list[str]:
        config = {"seed": self.seed, "params": self.params, "features": self.features}
        return safe_skops.save_with_config(self.estimator, config, folder)

    @classmethod
    def load(cls, folder: Path) -> Self:
        estimator, config = safe_skops.load_with_config(folder)
        model = cls(seed=config["seed"], **config["params"])
        model.features = config["features"]
        model.estimator = estimator
        return model


def train_and_evaluate(
    train: Datasets, test: Datasets, plots_dir: Path, seed: int = 0
) -> tuple[HomeTypeModel, ModelReport]:
    started = time.perf_counter()
    tr, te = train[DATASET], test[DATASET]
    features = feature_columns(tr)
    model = HomeTypeModel(seed=seed).fit(tr[features], tr[LABEL].to_numpy())
    labels = list(HOME_TYPES)
    predicted = model.predict(te[features])
    metrics = multiclass_metrics(te[LABEL].to_numpy(), predicted, labels)
    majority = tr[LABEL].mode().iloc[0]
    baseline_majority = multiclass_metrics(te[LABEL], np.full(len(te), majority), labels)
    by_count = DecisionTreeClassifier(max_depth=4, random_state=seed).fit(
        tr[["devices"]], tr[LABEL]
    )
    baseline_count = multiclass_metrics(te[LABEL], by_count.predict(te[["devices"]]), labels)
    groups, importance = _permutation_importance(model, te, features, seed)
    plots_dir.mkdir(parents=True, exist_ok=True)
    report = ModelReport(
        model="home_type",
        metrics=metrics,
        baseline_name="device-count-only tree (majority class in params)",
        baseline=baseline_count,
        samples={
            "train_homes": int(len(tr)),
            "test_homes": int(len(te)),
            "train_by_type": tr[LABEL].value_counts().to_dict(),
            "test_by_type": te[LABEL].value_counts().to_dict(),
        },
        plots={
            "confusion": str(
                plots.confusion_png(
                    metrics["confusion"], labels, plots_dir / "confusion.png", "home type"
                )
            ),
            "roc_pr": str(
                plots.roc_pr_png(
                    (te[LABEL].to_numpy()[:, None] == np.asarray(model.classes)[None, :]).ravel(),
                    {"model (one-vs-rest, all classes)": model.predict_proba(te[features]).ravel()},
                    plots_dir / "roc_pr.png",
                    "home type on benchmark homes",
                )
            ),
            "importance": str(
                plots.importance_png(
                    groups, importance, plots_dir / "importance.png", "permutation importance"
                )
            ),
        },
        seconds=round(time.perf_counter() - started, 3),
        params={
            **model.params,
            "seed": seed,
            "majority_class": str(majority),
            "majority_accuracy": baseline_majority["accuracy"],
            "majority_macro_f1": baseline_majority["macro_f1"],
        },
    )
    return model, report


def _feature_group(name: str) -> str:
    prefix = name.split("_", 1)[0]
    return {
        "devices": "device mix",
        "category": "device categories",
        "areas": "areas by kind",
        "activity": "hourly activity rhythm",
        "share": "events by domain",
    }.get(prefix, name)


def _permutation_importance(
    model: HomeTypeModel, frame: pd.DataFrame, features: list[str], seed: int
) -> tuple[list[str], np.ndarray]:
    """Drop in accuracy when a group of related features is shuffled together (evaluation
    homes): a few readable bars instead of ninety."""
    rng = np.random.default_rng(seed)
    y = frame[LABEL].to_numpy()
    base = (model.predict(frame[features]) == y).mean()
    groups: dict[str, list[str]] = {}
    for f in features:
        groups.setdefault(_feature_group(f), []).append(f)
    out = []
    for cols in groups.values():
        shuffled = frame[features].copy()
        order = rng.permutation(len(shuffled))
        shuffled[cols] = shuffled[cols].to_numpy()[order]
        out.append(base - (model.predict(shuffled) == y).mean())
    return list(groups), np.asarray(out)
