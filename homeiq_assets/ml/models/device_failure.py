"""Device failure (DESIGN §7): LightGBM on rolling telemetry features, judged per failure event.

The model scores each device-day for `gt_fails_within_7d`, a label from the simulator's latent
failure process (docs/device_health.md), never from a row's own values. Features are the
per-device rolling windows of `health_features` (past and current rows only). Early stopping
uses validation homes split from the training homes by home.

An alert is a day whose score reaches the threshold; consecutive alert days of a device are
one alert episode. The threshold is set by a false-alarm budget: the one that warns of the
most failures while at least `ALERT_BUDGET` of its alert episodes are followed by a failure
within 7 days, chosen on out-of-fold scores of the training homes (never a benchmark home).
The benchmark homes are scored per failure event after the burn-in (`ml.device_events`):
predictable failures warned 1-7 days ahead, alert-episode precision, false alerts per
device-year, lead times and results per failure mode, with device-day figures beside them.
Sudden failures (no precursor by design) are reported, not gated.

Baseline (DESIGN §7, "threshold rule on current telemetry"): `band_rule_score`, how far the
worst current field lies outside its category's `NORMAL_BANDS` band, thresholded by the same
budget and scored the same way.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Self

import lightgbm as lgb
import numpy as np
import pandas as pd

from homeiq_assets.ml import plots
from homeiq_assets.ml.base import Datasets, ModelReport, evaluate_report, group_summary
from homeiq_assets.ml.data import count_homes, home_folds, home_key, split_by_home
from homeiq_assets.ml.device_events import (
    BURN_IN_DAYS,
    WARNING_DAYS,
    FailureScoring,
    add_scored,
    choose_threshold,
    event_counts,
    event_metrics,
    histogram,
    plot_rows,
    scored_rows,
    with_baseline,
)
from homeiq_assets.ml.metrics import best_f1_threshold
from homeiq_assets.ml.models.health_features import band_rule_score, health_features
from homeiq_assets.ml.stats import HomeStats, Metric, ratio
from homeiq_assets.sim.health.config import FAILURE_MODES

DATASET = "device_intelligence"
LABEL = "gt_fails_within_7d"
MODEL_FILE = "device_failure.txt"
CONFIG_FILE = "device_failure.json"
VALID_SHARE = 0.25
BASELINE_NAME = "band_rule_current_telemetry"
# the false-alarm budget: the alert threshold is the one that warns of the most failures on
# validation homes while at least this share of its alert episodes is followed by a failure
ALERT_BUDGET = 0.85
OOF_FOLDS = 4

# fixed for determinism: one thread (results do not depend on the machine's core count),
# deterministic histogram construction, column-wise histograms forced
DEFAULT_PARAMS: dict = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.5,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "deterministic": True,
    "num_threads": 1,
    "force_col_wise": True,
    "verbosity": -1,
}


class DeviceFailureModel:
    """Binary classifier of `gt_fails_within_7d` on `health_features` columns."""

    model_name = "device_failure"

    def __init__(
        self,
        seed: int = 0,
        params: dict | None = None,
        max_rounds: int = 2000,
        early_stopping_rounds: int = 100,
    ):
        self.seed = seed
        self.params = {**DEFAULT_PARAMS, **(params or {}), "seed": seed}
        self.max_rounds = max_rounds
        self.early_stopping_rounds = early_stopping_rounds
        self.booster: lgb.Booster | None = None
        self.feature_names: list[str] = []
        self.threshold = 0.5
        self.best_iteration = 0
        # the band rule's alert threshold, set by the same false-alarm budget on the same
        # training homes: stored so that any later scoring shows the baseline beside the model
        self.baseline_threshold: float | None = None

    def fit(
        self,
        X: pd.DataFrame,
        y: np.ndarray,
        valid: tuple[pd.DataFrame, np.ndarray] | None = None,
        init: DeviceFailureModel | None = None,
    ) -> Self:
        """Train on (X, y). With `valid` (rows of other homes): early stopping on its log loss
        and the decision threshold at its best F1; without it, `max_rounds` rounds and the
        threshold stays as it is. With `init` (a fitted model on the same features), boosting
        continues from its trees: the new trees correct it on (X, y)."""
        self.feature_names = [str(c) for c in X.columns]
        if init is not None and init.feature_names != self.feature_names:
            raise ValueError(
                "the champion was trained on other features than the current ones; retrain in full"
            )
        train = lgb.Dataset(X, np.asarray(y, dtype=float), free_raw_data=True)
        callbacks = []
        valid_sets = []
        if valid is not None:
            Xv, yv = valid
            valid_sets = [train.create_valid(Xv[self.feature_names], np.asarray(yv, float))]
            callbacks.append(lgb.early_stopping(self.early_stopping_rounds, verbose=False))
        booster = lgb.train(
            self.params,
            train,
            num_boost_round=self.max_rounds,
            valid_sets=valid_sets,
            callbacks=callbacks,
            init_model=init.booster if init is not None else None,
        )
        self.best_iteration = int(booster.best_iteration or booster.current_iteration())
        # keep exactly the trees that are saved, so save -> load predicts identically
        self.booster = lgb.Booster(
            model_str=booster.model_to_string(num_iteration=self.best_iteration)
        )
        if valid is not None:
            Xv, yv = valid
            self.threshold = best_f1_threshold(np.asarray(yv, bool), self._score(Xv))
        return self

    def _score(self, X: pd.DataFrame) -> np.ndarray:
        if self.booster is None:
            raise RuntimeError("model is not fitted")
        return np.asarray(self.booster.predict(X[self.feature_names]), dtype=np.float64)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """(n, 2) probabilities of [no failure, failure within 7 days]."""
        p = self._score(X)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self._score(X) >= self.threshold

    def feature_importance(self) -> dict[str, float]:
        if self.booster is None:
            raise RuntimeError("model is not fitted")
        gain = self.booster.feature_importance(importance_type="gain")
        return {n: float(g) for n, g in zip(self.feature_names, gain, strict=True)}

    def save(self, folder: Path) -> list[str]:
        """LightGBM text model + JSON config (features, threshold, params); no pickle."""
        if self.booster is None:
            raise RuntimeError("model is not fitted")
        folder.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(folder / MODEL_FILE))
        config = {
            "model_name": self.model_name,
            "feature_names": self.feature_names,
            "threshold": self.threshold,
            "baseline_threshold": self.baseline_threshold,
            "params": self.params,
            "seed": self.seed,
            "best_iteration": self.best_iteration,
            "max_rounds": self.max_rounds,
            "early_stopping_rounds": self.early_stopping_rounds,
        }
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True))
        return [MODEL_FILE, CONFIG_FILE]

    @classmethod
    def load(cls, folder: Path) -> Self:
        config = json.loads((folder / CONFIG_FILE).read_text())
        if config.get("model_name") != cls.model_name:
            raise ValueError(f"{folder / CONFIG_FILE} is not a {cls.model_name} config")
        model = cls(
            seed=int(config["seed"]),
            params=config["params"],
            max_rounds=int(config["max_rounds"]),
            early_stopping_rounds=int(config["early_stopping_rounds"]),
        )
        model.booster = lgb.Booster(model_file=str(folder / MODEL_FILE))
        model.feature_names = list(config["feature_names"])
        if model.booster.feature_name() != model.feature_names:
            raise ValueError("model file and config disagree on the feature names")
        model.threshold = float(config["threshold"])
        base = config.get("baseline_threshold")
        model.baseline_threshold = float(base) if base is not None else None
        model.best_iteration = int(config["best_iteration"])
        return model


def out_of_fold_scores(
    X: pd.DataFrame,
    y: np.ndarray,
    folds: np.ndarray,
    params: dict,
    rounds: int,
    init: DeviceFailureModel | None = None,
) -> np.ndarray:
    """Score of every row from a model trained (with `rounds` rounds in all) on the other
    folds; with `init`, each fold's model continues from the champion's trees, as the model
    being thresholded does."""
    score = np.zeros(len(y))
    base = init.booster if init is not None else None
    extra = rounds - (init.best_iteration if init is not None else 0)
    for k in np.unique(folds):
        held = folds == k
        if held.all():  # a single home: nothing to train the fold's model on
            continue
        data = lgb.Dataset(X[~held], np.asarray(y, float)[~held], free_raw_data=True)
        booster = lgb.train(params, data, num_boost_round=max(extra, 1), init_model=base)
        score[held] = booster.predict(X[held])
    return score


# -- evaluation: outputs -> per-home statistics -> metrics (one definition for every use) -----

FAILURE_LABELS = tuple(FAILURE_MODES)
GATED_OVER_BASELINE = ("event_recall", "alert_precision", "event_f1", "day_accuracy")


def outputs(predictor: DeviceFailureModel, data: Datasets) -> dict[str, np.ndarray]:
    """Per row of the dataset: the model's score and alert, and the band rule's (at the
    threshold stored with the version; absent for a version saved without one)."""
    frame = data[DATASET]
    score = predictor.predict_proba(health_features(frame))[:, 1]
    out = {"score": score, "alert": score >= predictor.threshold}
    if predictor.baseline_threshold is not None:
        base = band_rule_score(frame)
        out |= {"baseline_score": base, "baseline_alert": base >= predictor.baseline_threshold}
    return out


def statistics(data: Datasets, out: dict[str, np.ndarray]) -> HomeStats:
    """Per-home statistics of the model's (and the baseline's) alerts, per failure event and
    alert episode after the burn-in (`ml.device_events`), with device-days beside them."""
    frame = data[DATASET]
    stats = HomeStats(home_key(frame))
    scoring = FailureScoring(frame)
    scored = scoring.rows.scored
    for prefix in ("", "baseline_"):
        if f"{prefix}alert" not in out:
            continue
        add_scored(
            stats,
            prefix,
            scoring(out[f"{prefix}alert"]),
            out[f"{prefix}score"][scored],
            by="mode",
            labels=FAILURE_LABELS,
            values="lead",
        )
    return stats


def home_stats(predictor: DeviceFailureModel, data: Datasets) -> HomeStats:
    return statistics(data, outputs(predictor, data))


def _metrics() -> dict[str, Metric]:
    def sudden(prefix: str) -> Metric:
        return Metric(
            lambda v: ratio(
                v[f"{prefix}units_all_hit"] - v[f"{prefix}units_hit"],
                v[f"{prefix}units_all"] - v[f"{prefix}units"],
            ),
            f"{prefix}units_all",
            "share of sudden failures (no precursor: not gated) warned",
        )

    return with_baseline(
        lambda p: (
            event_metrics(p, "event", "mode", "lead", "lead_time_median_days")
            | {"event_recall_sudden": sudden(p)}
        ),
        GATED_OVER_BASELINE,
    )


METRICS: dict[str, Metric] = _metrics()
BASELINES = {"baseline_": BASELINE_NAME}


def describe(stats: HomeStats, prefix: str = "") -> dict:
    """Counts a reader wants beside the rates: events, alert episodes, lead-time histogram."""
    if f"{prefix}units" not in stats:
        return {}
    total = lambda name: int(round(float(stats.total(f"{prefix}{name}"))))  # noqa: E731
    _, lead = stats.values[f"{prefix}lead"]
    return {
        "events": total("units_all"),
        "predictable_events": total("units"),
        "events_warned": total("units_all_hit"),
        **event_counts(stats, prefix),
        "lead_time_days": histogram(lead, 1, WARNING_DAYS),
        "lead_time_mean_days": round(float(lead.mean()), 3) if lead.size else 0.0,
    }


def evaluate_on(
    predictor: DeviceFailureModel, data: Datasets, seed: int = 0
) -> tuple[dict, dict, dict, dict, dict[str, np.ndarray]]:
    """(metrics, baseline, estimates, tables, outputs) of a fitted model on `data`."""
    out = outputs(predictor, data)
    stats = statistics(data, out)
    metrics, baseline, estimates, tables = evaluate_report(
        METRICS, BASELINES, stats, seed, lambda prefix, _: describe(stats, prefix)
    )
    metrics["recall_by_mode"] = group_summary(tables.get("recall_by_mode", {}))
    baseline["recall_by_mode"] = group_summary(tables.get("baseline_recall_by_mode", {}))
    return metrics, baseline, estimates, tables, out


def train_and_evaluate(
    train: Datasets,
    test: Datasets,
    plots_dir: Path,
    seed: int = 0,
    init: DeviceFailureModel | None = None,
) -> tuple[DeviceFailureModel, ModelReport]:
    """Fit on the training homes (early stopping and the alert threshold on validation homes
    split from them), then score the benchmark homes per failure event after the burn-in; the
    band-rule baseline gets its threshold the same way and is scored on the same rows. With
    `init` (the champion), boosting continues from its trees on `train` (the new cycles only)
    with the champion's parameters, and the out-of-fold models continue from them as well."""
    t0 = time.perf_counter()
    frame, test_frame = train[DATASET], test[DATASET]
    if frame.empty or test_frame.empty:
        raise ValueError(f"{DATASET} is empty in the training or the test data")
    shared = set(home_key(frame)) & set(home_key(test_frame))
    if shared:
        raise ValueError(f"{len(shared)} test homes are also training homes")
    X = health_features(frame)
    feature_seconds = time.perf_counter() - t0
    y = frame[LABEL].to_numpy(bool)
    fit_rows, valid_rows = split_by_home(frame, VALID_SHARE, seed)

    t_fit = time.perf_counter()
    if init is None:
        model = DeviceFailureModel(seed=seed)
    else:
        model = DeviceFailureModel(
            seed=seed,
            params=init.params,
            max_rounds=init.max_rounds,
            early_stopping_rounds=init.early_stopping_rounds,
        )
    model.fit(X[fit_rows], y[fit_rows], valid=(X[valid_rows], y[valid_rows]), init=init)
    # the alert threshold: on out-of-fold scores of every training home (each scored by a model
    # that did not see it), so the false-alarm budget is set on as many failures as the
    # training data holds, never on a benchmark home
    oof = out_of_fold_scores(
        X, y, home_folds(frame, OOF_FOLDS, seed), model.params, model.best_iteration, init=init
    )
    scoring = FailureScoring(frame)
    model.threshold, chosen = choose_threshold(scoring, oof, ALERT_BUDGET)
    base_threshold, base_chosen = choose_threshold(scoring, band_rule_score(frame), ALERT_BUDGET)
    model.baseline_threshold = float(base_threshold)
    fit_seconds = time.perf_counter() - t_fit

    metrics, baseline, estimates, tables, out = evaluate_on(model, test, seed)
    metrics["threshold"] = round(model.threshold, 6)
    metrics["validation"] = chosen
    baseline["threshold"] = round(float(base_threshold), 6)
    baseline["validation"] = base_chosen
    scored = scored_rows(test_frame)
    score, base_score = out["score"], out["baseline_score"]

    samples = {
        "train_rows": int(fit_rows.sum()),
        "train_homes": count_homes(frame[fit_rows]),
        "train_positives": int(y[fit_rows].sum()),
        "valid_rows": int(valid_rows.sum()),
        "valid_homes": count_homes(frame[valid_rows]),
        "valid_positives": int(y[valid_rows].sum()),
        "test_rows": int(len(test_frame)),
        "test_scored_device_days": int(scored.sum()),
        "test_homes": count_homes(test_frame),
        "test_events": metrics["events"],
        "test_predictable_events": metrics["predictable_events"],
        "test_alert_episodes": metrics["alert_episodes"],
        "burn_in_days": BURN_IN_DAYS,
        "features": len(model.feature_names),
    }
    names = model.feature_names
    gain = model.booster.feature_importance(importance_type="gain")
    y_test = test_frame[LABEL].to_numpy(bool)
    shown = plot_rows(y_test, scored)
    plotted = {
        "confusion": plots.confusion_png(
            metrics["confusion"],
            ["ok", "fails ≤7d"],
            plots_dir / "device_failure_confusion.png",
            f"device failure per device-day (test homes, n={int(scored.sum())})",
        ),
        "roc_pr": plots.roc_pr_png(
            y_test[shown],
            {"LightGBM": score[shown], "band rule": base_score[shown]},
            plots_dir / "device_failure_roc_pr.png",
            "device failure within 7 days: model vs band rule",
        ),
        "importance": plots.importance_png(
            names, gain, plots_dir / "device_failure_importance.png", "feature importance (gain)"
        ),
    }
    report = ModelReport(
        model=model.model_name,
        metrics=metrics,
        baseline_name=BASELINE_NAME,
        baseline=baseline,
        samples=samples,
        plots={k: str(v) for k, v in plotted.items()},
        seconds=round(time.perf_counter() - t0, 2),
        params={
            **model.params,
            "best_iteration": model.best_iteration,
            "init_iterations": init.best_iteration if init is not None else 0,
            "threshold": model.threshold,
            "baseline_threshold": model.baseline_threshold,
            "alert_budget_precision": ALERT_BUDGET,
            "feature_seconds": round(feature_seconds, 2),
            "fit_seconds": round(fit_seconds, 2),
        },
        estimates=estimates,
        tables=tables,
        baselines=BASELINES,
    )
    return model, report
