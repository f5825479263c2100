"""Home type: the eight types from a home's profile (`collect/home_profile.py`), gated on the
four structures a home's sensors can tell apart.

The eight labels mix structure, tenure and style (a condo is an owned apartment), so only the
structure is gated (DESIGN §7): studio, flat (apartment or condo), townhouse, detached house
(single-family, cottage, ranch, multi-storey). The structural prediction is the structure of the
predicted type. Eight-class accuracy, macro F1 and the confusion matrix are reported beside it,
with the ceiling the simulated data allows (`home_type_ceiling`).

Model: a random forest with balanced class weights, suited to a hundred homes per cycle and
still sound at thousands. Its leaf size and feature set (the layout alone, or layout and
behaviour) are chosen by stratified cross-validation within the training homes; no test home is
seen before the final score. Baselines: the majority class and a tree on the device count alone.
Every metric carries a 95 % interval from a bootstrap over the test homes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from homeiq_assets.ml import plots, safe_skops
from homeiq_assets.ml.base import Datasets, ModelReport
from homeiq_assets.ml.bootstrap import ratio_estimate, statistic_estimate
from homeiq_assets.ml.metrics import multiclass_metrics
from homeiq_assets.ml.models.home_type_ceiling import ceiling_estimates, macro_f1_of
from homeiq_assets.sim.catalog import HOME_TYPES
from homeiq_assets.sim.home_types import STRUCTURE, STRUCTURES

DATASET = "home_type"
LABEL = "gt_home_type"
ID_COLUMNS = ("record_id", "cycle", "home_id", "profile_id")
# what a home's registry, location settings and meters say (the rest of the profile is how its
# people behave: rhythms and event shares)
LAYOUT_PREFIXES = ("devices_", "category_", "areas_", "install_", "region_")
LAYOUT_COLUMNS = (
    "floors",
    "lowest_level",
    "highest_level",
    "areas",
    "outdoor_areas",
    "devices",
    "entities",
    "battery_devices",
    "persons",
    "latitude",
    "energy_kwh_per_day",
)
N_TREES = 300
LEAF_GRID = (1, 2, 4)
FEATURE_SETS = ("layout", "all")
CV_FOLDS = 3


def feature_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ID_COLUMNS and not c.startswith("gt_")]


def layout_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if c.startswith(LAYOUT_PREFIXES) or c in LAYOUT_COLUMNS]


def structure_of(types: np.ndarray) -> np.ndarray:
    return np.array([STRUCTURE[str(t)] for t in types], dtype=object)


class HomeTypeModel:
    """`fit(X, y)` on home profiles, `predict`/`predict_proba` → home types,
    `predict_structure` → studio / flat / townhouse / detached."""

    model_name = "home_type"

    def __init__(
        self,
        seed: int = 0,
        n_estimators: int = N_TREES,
        min_samples_leaf: int = 2,
        feature_set: str = "layout",
    ) -> None:
        if feature_set not in FEATURE_SETS:
            raise ValueError(f"feature_set must be one of {FEATURE_SETS}, got {feature_set!r}")
        self.seed = seed
        self.params = {
            "n_estimators": n_estimators,
            "min_samples_leaf": min_samples_leaf,
            "feature_set": feature_set,
        }
        self.features: list[str] = []
        self.estimator: RandomForestClassifier | None = None

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Self:
        columns = list(X.columns)
        self.features = (
            layout_columns(columns) if self.params["feature_set"] == "layout" else columns
        )
        self.estimator = RandomForestClassifier(
            n_estimators=self.params["n_estimators"],
            min_samples_leaf=self.params["min_samples_leaf"],
            max_features=0.4,
            class_weight="balanced_subsample",
            random_state=self.seed,
            n_jobs=1,
        )
        self.estimator.fit(X[self.features].to_numpy(np.float64), np.asarray(y))
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict_proba(X[self.features].to_numpy(np.float64))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict(X[self.features].to_numpy(np.float64))

    def predict_structure(self, X: pd.DataFrame) -> np.ndarray:
        return structure_of(self.predict(X))

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


def select_params(X: pd.DataFrame, y: np.ndarray, seed: int) -> tuple[dict, dict[str, float]]:
    """Leaf size and feature set by stratified cross-validation within the training homes
    (one row per home), scored on structural macro F1, the gated quantity. Falls back to the
    defaults when a class has fewer homes than folds allow."""
    y = np.asarray(y)
    counts = pd.Series(y).value_counts()
    folds = min(CV_FOLDS, int(counts.min()))
    if folds < 2:
        return {"min_samples_leaf": 2, "feature_set": "layout"}, {}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(splitter.split(np.zeros(len(y)), y))
    scores: dict[str, float] = {}
    best, best_score = None, -1.0
    for feature_set in FEATURE_SETS:
        for leaf in LEAF_GRID:
            predicted = np.empty(len(y), dtype=object)
            for fit_idx, valid_idx in splits:
                model = HomeTypeModel(seed, 150, leaf, feature_set)
                model.fit(X.iloc[fit_idx], y[fit_idx])
                predicted[valid_idx] = model.predict(X.iloc[valid_idx])
            truth, guess = structure_of(y), structure_of(predicted)
            score = macro_f1_of(truth, guess)(np.arange(len(y)))
            scores[f"{feature_set}/leaf{leaf}"] = round(score, 4)
            if score > best_score + 1e-9:
                best, best_score = {"min_samples_leaf": leaf, "feature_set": feature_set}, score
    return best, scores


def _estimates(
    prefix: str, y: np.ndarray, predicted: np.ndarray, homes: np.ndarray
) -> dict[str, dict]:
    """Accuracy and macro F1 over types and over structures, each with its interval."""
    ones = np.ones(len(y))
    y_s, p_s = structure_of(y), structure_of(predicted)
    return {
        f"{prefix}structural_accuracy": ratio_estimate(p_s == y_s, ones, homes).to_dict(),
        f"{prefix}structural_macro_f1": statistic_estimate(macro_f1_of(y_s, p_s), homes).to_dict(),
        f"{prefix}accuracy": ratio_estimate(predicted == y, ones, homes).to_dict(),
        f"{prefix}macro_f1": statistic_estimate(macro_f1_of(y, predicted), homes).to_dict(),
    }


def _confusion_intervals(
    y: np.ndarray, predicted: np.ndarray, labels: list[str], homes: np.ndarray
) -> dict[str, dict[str, list[float]]]:
    """Row shares of the confusion matrix (true → predicted) with 95 % intervals:
    {true: {predicted: [share, low, high]}} for the cells that occur or are the diagonal."""
    out: dict[str, dict[str, list[float]]] = {}
    for truth in labels:
        row = y == truth
        if not row.any():
            continue
        cells = {}
        for guess in labels:
            hit = row & (predicted == guess)
            if hit.any() or guess == truth:
                e = ratio_estimate(hit, row, homes)
                cells[guess] = [round(e.value, 4), round(e.low, 4), round(e.high, 4)]
        out[truth] = cells
    return out


def _with_structure(metrics: dict, y: np.ndarray, predicted: np.ndarray) -> dict:
    structural = multiclass_metrics(structure_of(y), structure_of(predicted), list(STRUCTURES))
    out = dict(metrics)
    for k in ("accuracy", "macro_precision", "macro_recall", "macro_f1"):
        out[f"structural_{k}"] = structural[k]
    out["structural_confusion"] = structural["confusion"]
    out["structural_labels"] = structural["labels"]
    out["structural_per_class"] = structural["per_class"]
    return out


def train_and_evaluate(
    train: Datasets, test: Datasets, plots_dir: Path, seed: int = 0
) -> tuple[HomeTypeModel, ModelReport]:
    started = time.perf_counter()
    tr, te = train[DATASET], test[DATASET]
    features = feature_columns(tr)
    y_train = tr[LABEL].to_numpy()
    chosen, cv_scores = select_params(tr[features], y_train, seed)
    model = HomeTypeModel(seed=seed, **chosen).fit(tr[features], y_train)
    labels = list(HOME_TYPES)
    y = te[LABEL].to_numpy().astype(object)
    homes = (te["cycle"].astype(str) + "/" + te["home_id"].astype(str)).to_numpy()
    predicted = model.predict(te[features]).astype(object)
    metrics = _with_structure(multiclass_metrics(y, predicted, labels), y, predicted)
    metrics["confusion_row_share"] = _confusion_intervals(y, predicted, labels, homes)

    majority = tr[LABEL].mode().iloc[0]
    by_majority = np.full(len(te), majority, dtype=object)
    by_count = DecisionTreeClassifier(max_depth=4, class_weight="balanced", random_state=seed).fit(
        tr[["devices"]], y_train
    )
    by_count_pred = by_count.predict(te[["devices"]]).astype(object)
    baseline_count = _with_structure(multiclass_metrics(y, by_count_pred, labels), y, by_count_pred)
    baseline_majority = _with_structure(multiclass_metrics(y, by_majority, labels), y, by_majority)

    estimates = _estimates("", y, predicted, homes)
    estimates |= _estimates("baseline_", y, by_count_pred, homes)
    estimates |= _estimates("baseline_majority_", y, by_majority, homes)
    estimates |= ceiling_estimates()
    for name in ("structural_accuracy", "structural_macro_f1", "accuracy", "macro_f1"):
        metrics[f"ceiling_{name}"] = estimates[f"ceiling_{name}"]["value"]

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
            "test_by_structure": pd.Series(structure_of(y)).value_counts().to_dict(),
            "ceiling_homes": int(estimates["ceiling_accuracy"]["homes"]),
        },
        plots={
            "confusion": str(
                plots.confusion_png(
                    metrics["confusion"], labels, plots_dir / "confusion.png", "home type"
                )
            ),
            "structural_confusion": str(
                plots.confusion_png(
                    metrics["structural_confusion"],
                    list(STRUCTURES),
                    plots_dir / "structural_confusion.png",
                    "home structure",
                )
            ),
            "roc_pr": str(
                plots.roc_pr_png(
                    (y[:, None] == np.asarray(model.classes)[None, :]).ravel(),
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
            "cv_structural_macro_f1": cv_scores,
            "majority_class": str(majority),
            "majority_accuracy": baseline_majority["accuracy"],
            "majority_macro_f1": baseline_majority["macro_f1"],
            "majority_structural_accuracy": baseline_majority["structural_accuracy"],
            "majority_structural_macro_f1": baseline_majority["structural_macro_f1"],
        },
        estimates=estimates,
    )
    return model, report


def _feature_group(name: str) -> str:
    prefix = name.split("_", 1)[0]
    return {
        "devices": "device mix",
        "category": "device categories",
        "install": "how devices are installed",
        "areas": "areas by kind",
        "region": "region",
        "activity": "hourly activity rhythm",
        "share": "events by domain",
    }.get(prefix, name)


def _permutation_importance(
    model: HomeTypeModel, frame: pd.DataFrame, features: list[str], seed: int
) -> tuple[list[str], np.ndarray]:
    """Drop in structural accuracy when a group of related features is shuffled together
    (evaluation homes): a few readable bars instead of a hundred."""
    rng = np.random.default_rng(seed)
    y = structure_of(frame[LABEL].to_numpy())
    base = (model.predict_structure(frame[features]) == y).mean()
    groups: dict[str, list[str]] = {}
    for f in model.features:
        groups.setdefault(_feature_group(f), []).append(f)
    out = []
    for cols in groups.values():
        shuffled = frame[features].copy()
        order = rng.permutation(len(shuffled))
        shuffled[cols] = shuffled[cols].to_numpy()[order]
        out.append(base - (model.predict_structure(shuffled) == y).mean())
    return list(groups), np.asarray(out)
