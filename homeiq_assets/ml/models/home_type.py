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
from homeiq_assets.ml.base import Datasets, ModelReport, evaluate_report
from homeiq_assets.ml.data import home_key
from homeiq_assets.ml.metrics import confusion_matrix, over_baselines
from homeiq_assets.ml.models.home_type_ceiling import ceiling_estimates
from homeiq_assets.ml.models.home_type_metrics import (
    SUMMARY,
    add_prediction,
    classification_metrics,
    structure_of,
)
from homeiq_assets.ml.stats import HomeStats, Metric, evaluate
from homeiq_assets.sim.catalog import HOME_TYPES
from homeiq_assets.sim.home_types import STRUCTURES

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
        # the baselines, fitted on the same training homes and stored with the version so any
        # later scoring shows them beside the model: the majority class, and the device-count
        # tree as its step function (device-count thresholds and the class of each step)
        self.baseline: dict = {}

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

    def fit_baselines(self, frame: pd.DataFrame, y: np.ndarray) -> Self:
        """The majority class and a depth-4 tree on the device count, on the training homes."""
        y = np.asarray(y).astype(str)
        values, counts = np.unique(y, return_counts=True)
        tree = DecisionTreeClassifier(max_depth=4, class_weight="balanced", random_state=self.seed)
        tree.fit(frame[["devices"]].to_numpy(np.float64), y)
        inner = tree.tree_.feature >= 0
        thresholds = np.unique(tree.tree_.threshold[inner])
        # one representative count per step: x <= t_0, t_0 < x <= t_1, …, x > t_last
        probes = np.r_[thresholds, (thresholds[-1] if thresholds.size else 0.0) + 1.0]
        classes = tree.predict(probes[:, None]).astype(str)
        self.baseline = {
            "majority": str(values[np.argmax(counts)]),
            "device_count_thresholds": thresholds.tolist(),
            "device_count_classes": classes.tolist(),
        }
        return self

    def predict_baselines(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """{"baseline_": device-count tree, "baseline_majority_": majority class} per home."""
        if not self.baseline:
            return {}
        thresholds = np.asarray(self.baseline["device_count_thresholds"], np.float64)
        classes = np.asarray(self.baseline["device_count_classes"], dtype=object)
        steps = np.searchsorted(thresholds, frame["devices"].to_numpy(np.float64), side="left")
        return {
            "baseline_": classes[steps],
            "baseline_majority_": np.full(len(frame), self.baseline["majority"], dtype=object),
        }

    def save(self, folder: Path) -> list[str]:
        config = {
            "seed": self.seed,
            "params": self.params,
            "features": self.features,
            "baseline": self.baseline,
        }
        return safe_skops.save_with_config(self.estimator, config, folder)

    @classmethod
    def load(cls, folder: Path) -> Self:
        estimator, config = safe_skops.load_with_config(folder)
        model = cls(seed=config["seed"], **config["params"])
        model.features = config["features"]
        model.estimator = estimator
        model.baseline = config.get("baseline", {})
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
            score = structural_macro_f1(y, predicted)
            scores[f"{feature_set}/leaf{leaf}"] = round(score, 4)
            if score > best_score + 1e-9:
                best, best_score = {"min_samples_leaf": leaf, "feature_set": feature_set}, score
    return best, scores


def structural_macro_f1(y: np.ndarray, predicted: np.ndarray) -> float:
    """Macro F1 over structures of one set of homes (cross-validation inside training)."""
    stats = HomeStats(np.arange(len(y)).astype(str))
    add_prediction(stats, "", stats.homes, y, predicted)
    return float(evaluate(METRICS, stats, ["structural_macro_f1"])["structural_macro_f1"].value)


# -- evaluation: outputs -> per-home statistics -> metrics (one definition for every use) -----

BASELINES = {
    "baseline_": "device-count-only tree",
    "baseline_majority_": "majority class",
}


def outputs(predictor: HomeTypeModel, data: Datasets) -> dict[str, np.ndarray]:
    """The predicted type of every home, and the baselines' (stored with the version)."""
    frame = data[DATASET]
    if not len(frame):
        return {"": np.array([], dtype=object)}
    X = frame[feature_columns(frame)]
    return {"": predictor.predict(X).astype(object), **predictor.predict_baselines(frame)}


def statistics(data: Datasets, out: dict[str, np.ndarray]) -> HomeStats:
    frame = data[DATASET]
    keys = home_key(frame)
    stats = HomeStats(keys)
    y = frame[LABEL].to_numpy().astype(object)
    for prefix, predicted in out.items():
        add_prediction(stats, prefix, keys, y, predicted)
    return stats


def home_stats(predictor: HomeTypeModel, data: Datasets) -> HomeStats:
    return statistics(data, outputs(predictor, data))


def _metrics() -> dict[str, Metric]:
    out: dict[str, Metric] = {}
    for prefix in ("", *BASELINES):
        out |= classification_metrics(prefix)
    gated = [f"structural_{k}" for k in SUMMARY] + list(SUMMARY)
    return out | over_baselines(out, gated, {"baseline": "baseline_"})


METRICS: dict[str, Metric] = _metrics()


def _per_class(tables: dict, prefix: str, labels: list[str]) -> dict[str, dict]:
    out = {}
    for lab in labels:
        cell = {k: tables[f"{prefix}class_{k}"][lab] for k in ("precision", "recall", "f1")}
        out[lab] = {k: (v["value"] if np.isfinite(v["value"]) else 0.0) for k, v in cell.items()}
        out[lab]["n"] = int(cell["recall"]["n"])
    return out


def _row_shares(table: dict[str, dict], labels: list[str]) -> dict[str, dict[str, list]]:
    """{truth: {predicted: [share, low, high]}} for the cells that occur or are the diagonal."""
    out: dict[str, dict[str, list]] = {}
    for truth in labels:
        cells = {}
        for guess in labels:
            e = table[f"{truth}→{guess}"]
            if np.isfinite(e["value"]) and (e["n"] > 0 or guess == truth):
                cells[guess] = [e["value"], e["low"], e["high"]]
        if cells:
            out[truth] = cells
    return out


def describe(stats: HomeStats, tables: dict, prefix: str = "") -> dict:
    """Confusion matrices and per-class figures of one prediction (point values)."""
    labels, structures = list(HOME_TYPES), list(STRUCTURES)
    return {
        "n": int(round(float(stats.total(f"{prefix}types_true").sum()))),
        "labels": labels,
        "confusion": confusion_matrix(stats, f"{prefix}types"),
        "per_class": _per_class(tables, prefix, labels),
        "structural_labels": structures,
        "structural_confusion": confusion_matrix(stats, f"{prefix}structures"),
        "structural_per_class": _per_class(tables, f"{prefix}structural_", structures),
    }


def train_and_evaluate(
    train: Datasets, test: Datasets, plots_dir: Path, seed: int = 0
) -> tuple[HomeTypeModel, ModelReport]:
    started = time.perf_counter()
    tr, te = train[DATASET], test[DATASET]
    features = feature_columns(tr)
    y_train = tr[LABEL].to_numpy()
    chosen, cv_scores = select_params(tr[features], y_train, seed)
    model = HomeTypeModel(seed=seed, **chosen).fit(tr[features], y_train)
    model.fit_baselines(tr, y_train)
    labels = list(HOME_TYPES)
    stats = home_stats(model, test)
    metrics, baseline, estimates, tables = evaluate_report(
        METRICS, BASELINES, stats, seed, lambda prefix, t: describe(stats, t, prefix)
    )
    metrics["confusion_row_share"] = _row_shares(tables["row_share"], labels)
    majority = {
        k[len("baseline_majority_") :]: e["value"]
        for k, e in estimates.items()
        if k.startswith("baseline_majority_")
    }
    y = te[LABEL].to_numpy().astype(object)
    estimates |= ceiling_estimates()
    for name in ("structural_accuracy", "structural_macro_f1", "accuracy", "macro_f1"):
        metrics[f"ceiling_{name}"] = estimates[f"ceiling_{name}"]["value"]

    groups, importance = _permutation_importance(model, te, features, seed)
    plots_dir.mkdir(parents=True, exist_ok=True)
    report = ModelReport(
        model="home_type",
        metrics=metrics,
        baseline_name="device-count-only tree (majority class beside it)",
        baseline=baseline,
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
            "majority_class": model.baseline["majority"],
            **{
                f"majority_{k}": majority[k]
                for k in ("accuracy", "macro_f1", "structural_accuracy", "structural_macro_f1")
            },
        },
        estimates=estimates,
        tables=tables,
        baselines=BASELINES,
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
