"""Pattern quality: is a detected pattern one of the household's manual habits (`gt_real`: a
planted habit is that pattern, docs/collection.md), or a regularity of everyday life? Gradient
boosting on the detector's own statistics. Patterns of existing automations are not in the
dataset (the recorded contexts flag them; curation drops them as `already_automated`).
Evaluated on the benchmark fleet's patterns.

Baseline (DESIGN §7): the detector's best single statistic — lift, regularity or support,
whichever ranks the validation homes' patterns best (AUC), thresholded at its best F1 there.
Stored with the version, so every later scoring shows it on the same rows."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier

from homeiq_assets.ml import plots, safe_skops
from homeiq_assets.ml.base import Datasets, ModelReport, evaluate_report
from homeiq_assets.ml.data import count_homes, home_key, split_by_home
from homeiq_assets.ml.metrics import (
    add_binary_outputs,
    best_f1_threshold,
    binary_by_group,
    over_baselines,
)
from homeiq_assets.ml.stats import HomeStats, Metric

DATASET = "pattern_detection"
LABEL = "gt_real"
VALID_SHARE = 0.2
# the detector statistics a baseline may use alone (DESIGN §7)
BASELINE_STATISTICS = ("lift", "regularity", "support")
BASELINE_NAME = "the detector's best single statistic (chosen on validation homes)"
PATTERN_TYPES = ("sequence", "time_of_day", "daily_rhythm")
NUMERIC = (
    "occurrences",
    "support",
    "confidence",
    "coverage",
    "lift",
    "regularity",
    "lag_s_median",
    "lag_s_std",
    "trigger_count",
    "action_count",
)
CATEGORIES = {
    "pattern_type": ("sequence", "time_of_day", "daily_rhythm"),
    "trigger_kind": (
        "state",
        "numeric_above",
        "numeric_below",
        "time",
        "house_asleep",
        "house_awake",
    ),
    "action_domain": (
        "light",
        "switch",
        "fan",
        "climate",
        "lock",
        "cover",
        "vacuum",
        "media_player",
    ),
    "trigger_domain": ("binary_sensor", "sensor", "light", "switch", "lock", "climate", "none"),
}


def features(frame: pd.DataFrame) -> pd.DataFrame:
    """Detector statistics only (no ids, no `gt_*`): logs of heavy-tailed counts, the time of
    day on the circle, one-hot kinds and domains."""
    out = pd.DataFrame(index=frame.index)
    for col in NUMERIC:
        values = pd.to_numeric(frame[col], errors="coerce").astype(float)
        heavy = col in (
            "occurrences",
            "lift",
            "lag_s_median",
            "lag_s_std",
            "trigger_count",
            "action_count",
        )
        out[col] = np.log1p(values) if heavy else values
    hours = pd.to_numeric(frame["time_local_h"], errors="coerce").astype(float)
    out["time_sin"] = np.sin(2 * np.pi * hours / 24)
    out["time_cos"] = np.cos(2 * np.pi * hours / 24)
    out["strong"] = frame["strong"].astype(float)
    derived = {
        "pattern_type": frame["pattern_type"],
        "trigger_kind": frame["trigger_kind"],
        "action_domain": frame["action_entity_id"].str.split(".").str[0],
        "trigger_domain": frame["trigger_entity_id"].fillna("none.").str.split(".").str[0],
    }
    for name, values in derived.items():
        for level in CATEGORIES[name]:
            out[f"{name}={level}"] = (values.to_numpy() == level).astype(float)
    for state in ("on", "off", "locked", "unlocked", "cleaning", "playing", "heat"):
        out[f"action_state={state}"] = (frame["action_state"].to_numpy() == state).astype(float)
    out[list(CONTEXT)] = _context(frame)
    return out


CONTEXT = (
    "lift_rank",
    "coverage_rank",
    "candidates_same_action",
    "lift_vs_best",
    "trigger_fanout",
    "strong_same_action",
)


def _context(frame: pd.DataFrame) -> np.ndarray:
    """How a pattern compares with the other candidates of its home: the habit behind an
    action is usually its best explanation, while everyday co-occurrences come in crowds."""
    lift = np.log1p(frame["lift"].astype(float))
    by_action = frame.assign(_lift=lift).groupby(
        ["cycle", "home_id", "action_entity_id", "action_state"], sort=False
    )
    by_trigger = frame.groupby(["cycle", "home_id", "trigger_entity_id"], dropna=False, sort=False)
    by_entity = frame.groupby(["cycle", "home_id", "action_entity_id"], sort=False)
    return np.column_stack(
        [
            by_action["_lift"].rank(ascending=False, method="min").to_numpy(),
            by_action["coverage"].rank(ascending=False, method="min").to_numpy(),
            np.log1p(by_action["_lift"].transform("size").to_numpy()),
            (lift - by_action["_lift"].transform("max")).to_numpy(),
            np.log1p(by_trigger["lift"].transform("size").to_numpy()),
            by_entity["strong"].transform("sum").to_numpy(dtype=float),
        ]
    )


def statistic(frame: pd.DataFrame, name: str) -> np.ndarray:
    """One detector statistic as a score (missing values rank last)."""
    return pd.to_numeric(frame[name], errors="coerce").fillna(-np.inf).to_numpy(np.float64)


class PatternQualityModel:
    """`fit(X, y)` on pattern features; `predict_proba` → P(real); `predict` at the threshold
    chosen on validation homes."""

    model_name = "pattern_quality"

    def __init__(self, seed: int = 0, max_iter: int = 150, learning_rate: float = 0.1) -> None:
        self.seed = seed
        self.params = {"max_iter": max_iter, "learning_rate": learning_rate}
        self.columns: list[str] = []
        self.threshold = 0.5
        self.estimator: HistGradientBoostingClassifier | None = None
        # the baseline: {"statistic": name, "threshold": t, "valid_auc": {name: auc}}
        self.baseline: dict = {}

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Self:
        self.columns = list(X.columns)
        self.estimator = HistGradientBoostingClassifier(random_state=self.seed, **self.params)
        self.estimator.fit(X.to_numpy(np.float64), np.asarray(y, dtype=bool))
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self.estimator.predict_proba(X[self.columns].to_numpy(np.float64))[:, 1]

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.predict_proba(X) >= self.threshold

    def save(self, folder: Path) -> list[str]:
        config = {
            "seed": self.seed,
            "params": self.params,
            "columns": self.columns,
            "threshold": self.threshold,
            "baseline": self.baseline,
        }
        return safe_skops.save_with_config(self.estimator, config, folder)

    @classmethod
    def load(cls, folder: Path) -> Self:
        estimator, config = safe_skops.load_with_config(folder)
        model = cls(seed=config["seed"], **config["params"])
        model.columns = config["columns"]
        model.threshold = config["threshold"]
        model.estimator = estimator
        model.baseline = config.get("baseline", {})
        return model

    def fit_baseline(self, valid: pd.DataFrame) -> Self:
        """The detector statistic with the best AUC on the validation homes' patterns, and its
        best-F1 threshold there."""
        from sklearn.metrics import roc_auc_score

        y = valid[LABEL].astype(bool).to_numpy()
        aucs = {}
        for name in BASELINE_STATISTICS:
            value = statistic(valid, name)
            aucs[name] = float(roc_auc_score(y, value)) if 0 < y.sum() < y.size else 0.5
        best = max(BASELINE_STATISTICS, key=lambda n: (aucs[n], -BASELINE_STATISTICS.index(n)))
        threshold = best_f1_threshold(y, statistic(valid, best)) if y.any() else float("inf")
        self.baseline = {
            "statistic": best,
            "threshold": float(threshold),
            "valid_auc": {k: round(v, 4) for k, v in aucs.items()},
        }
        return self


# -- evaluation: outputs -> per-home statistics -> metrics (one definition for every use) -----

BASELINES = {"baseline_": BASELINE_NAME}


def outputs(predictor: PatternQualityModel, data: Datasets) -> dict[str, np.ndarray]:
    frame = data[DATASET]
    score = predictor.predict_proba(features(frame)) if len(frame) else np.zeros(0)
    out = {"score": score, "pred": score >= predictor.threshold}
    if predictor.baseline:
        base = statistic(frame, predictor.baseline["statistic"])
        out |= {"baseline_score": base, "baseline_pred": base >= predictor.baseline["threshold"]}
    return out


def statistics(data: Datasets, out: dict[str, np.ndarray]) -> HomeStats:
    frame = data[DATASET]
    keys = home_key(frame) if len(frame) else np.zeros(0, str)
    stats = HomeStats(keys)
    y = frame[LABEL].astype(bool).to_numpy()
    kind = frame["pattern_type"].astype(str).to_numpy()
    add_binary_outputs(stats, keys, y, out, BASELINES, by=kind, labels=PATTERN_TYPES)
    return stats


def home_stats(predictor: PatternQualityModel, data: Datasets) -> HomeStats:
    return statistics(data, outputs(predictor, data))


def _metrics() -> dict[str, Metric]:
    out = binary_by_group(BASELINES, "patterns", "pattern_type")
    return out | over_baselines(out, ("auc", "f1"), {"baseline": "baseline_"})


METRICS: dict[str, Metric] = _metrics()


def describe(stats: HomeStats, prefix: str = "") -> dict:
    if f"{prefix}tp" not in stats:
        return {}
    total = lambda name: int(round(float(stats.total(f"{prefix}{name}"))))  # noqa: E731
    return {
        "n": total("rows"),
        "positives": total("pos"),
        "confusion": [[total("tn"), total("fp")], [total("fn"), total("tp")]],
    }


def train_and_evaluate(
    train: Datasets, test: Datasets, plots_dir: Path, seed: int = 0
) -> tuple[PatternQualityModel, ModelReport]:
    started = time.perf_counter()
    tr, te = train[DATASET], test[DATASET]
    X_tr, y_tr = features(tr), tr[LABEL].astype(bool).to_numpy()
    fit_mask, valid_mask = split_by_home(tr, VALID_SHARE, seed)
    model = PatternQualityModel(seed=seed).fit(X_tr[fit_mask], y_tr[fit_mask])
    model.threshold = best_f1_threshold(y_tr[valid_mask], model.predict_proba(X_tr[valid_mask]))
    model.fit_baseline(tr[valid_mask])
    out = outputs(model, test)
    stats = statistics(test, out)
    metrics, baseline, estimates, tables = evaluate_report(
        METRICS, BASELINES, stats, seed, lambda prefix, _: describe(stats, prefix)
    )
    X_te, y_te = features(te), te[LABEL].astype(bool).to_numpy()
    score, detector = out["score"], out["baseline_score"]
    importance = _importance(model, X_te, y_te, seed)
    plots_dir.mkdir(parents=True, exist_ok=True)
    report = ModelReport(
        model="pattern_quality",
        metrics=metrics,
        baseline_name=f"{BASELINE_NAME}: {model.baseline['statistic']}",
        baseline=baseline,
        samples={
            "train_patterns": int(fit_mask.sum()),
            "train_real": int(y_tr[fit_mask].sum()),
            "train_homes": count_homes(tr[fit_mask]),
            "valid_patterns": int(valid_mask.sum()),
            "valid_homes": count_homes(tr[valid_mask]),
            "test_patterns": int(len(te)),
            "test_real": int(y_te.sum()),
            "test_homes": count_homes(te),
        },
        plots={
            "confusion": str(
                plots.confusion_png(
                    metrics["confusion"],
                    ["spurious", "real"],
                    plots_dir / "confusion.png",
                    "pattern quality",
                )
            ),
            "roc_pr": str(
                plots.roc_pr_png(
                    y_te,
                    {"model": score, f"detector {model.baseline['statistic']}": detector},
                    plots_dir / "roc_pr.png",
                    "pattern quality on benchmark homes",
                )
            ),
            "importance": str(
                plots.importance_png(
                    list(X_te.columns),
                    importance,
                    plots_dir / "importance.png",
                    "permutation importance (AUC drop)",
                )
            ),
        },
        seconds=round(time.perf_counter() - started, 3),
        params={
            **model.params,
            "seed": seed,
            "threshold": round(model.threshold, 4),
            "baseline": model.baseline,
        },
        estimates=estimates,
        tables=tables,
        baselines={"baseline_": f"{BASELINE_NAME}: {model.baseline['statistic']}"},
    )
    return model, report


def _importance(
    model: PatternQualityModel, X: pd.DataFrame, y: np.ndarray, seed: int
) -> np.ndarray:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    keep = rng.choice(len(X), size=min(len(X), 5000), replace=False)  # cheap but stable enough
    X, y = X.iloc[keep], y[keep]
    base = roc_auc_score(y, model.predict_proba(X))
    out = np.zeros(X.shape[1])
    for i, col in enumerate(X.columns):
        shuffled = X.copy()
        shuffled[col] = rng.permutation(shuffled[col].to_numpy())
        out[i] = base - roc_auc_score(y, model.predict_proba(shuffled))
    return out
