"""Unsupervised telemetry-anomaly detection (DESIGN §7), scored per anomaly episode.

The detector never sees a label while fitting. It reads `anomaly_features`: per device and
field, today's peer-corrected deviation from the device's own last two weeks (`_z`), a CUSUM
of its deviation from a lagged baseline (`_cusum`, for drift) and the improbability of the
current run of unchanged readings given the device's own repeat rate (`_frozen`, for a stuck
sensor; with real device precision a single repeat means nothing).

* **Tails that keep growing.** Each feature's distribution is learnt on training rows as
  quantiles up to its 99th percentile plus an exponential tail whose decay is the body's (the
  rise from the 90th to the 99th percentile per decade of probability).
  A row's evidence on a feature is the surprise `-log10 P(|value| >= observed)`; past the
  training range it keeps rising linearly (a fault twice as far out scores higher) instead of
  saturating at the largest training value.
* **One channel versus many.** A measurement fault (a frozen, drifting or glitching sensor, a
  device dropping off the network) moves one field, or the availability fields together
  (uptime, events, traffic, drops, restarts move together when a device is offline). Real
  device trouble (failure precursors) moves several unrelated fields at once. So each field's
  evidence is reduced by `penalty` × the strongest evidence among unrelated fields, and the
  row's score is the largest result.

The alert threshold is the only thing chosen with labels: on out-of-fold scores of the training
homes (each home scored by tails fitted without it), the lowest threshold whose alert episodes
are at least `ALERT_BUDGET` true, then the most episodes detected within `DETECTION_DAYS`.
Scoring is per episode after the burn-in (`ml.device_events`).

Baseline: a per-device z-score rule, `max |x - mean| / sd` of every field against the device's
own previous 14 days, thresholded the same way.

The fitted state is JSON (prior, quantiles, tails, threshold): no pickle, nothing executable.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd

from homeiq_assets.ml import plots
from homeiq_assets.ml.base import Datasets, ModelReport, evaluate_report, group_summary
from homeiq_assets.ml.data import count_homes, home_folds, home_key
from homeiq_assets.ml.device_events import (
    BURN_IN_DAYS,
    DETECTION_DAYS,
    AnomalyScoring,
    add_scored,
    choose_threshold,
    event_counts,
    event_metrics,
    histogram,
    plot_rows,
    scored_rows,
    with_baseline,
)
from homeiq_assets.ml.models.anomaly_features import anomaly_features, fit_prior
from homeiq_assets.ml.models.health_features import unit_grid
from homeiq_assets.ml.stats import HomeStats, Metric, ratio
from homeiq_assets.sim.health.config import ANOMALY_KINDS, TELEMETRY_FIELDS

DATASET = "device_intelligence"
LABEL = "gt_anomaly"
CONFIG_FILE = "device_anomaly.json"
BASELINE_NAME = "device_zscore_rule"
ALERT_BUDGET = 0.85
OOF_FOLDS = 4
# the tail model: empirical up to TAIL_LEVEL, exponential beyond with the decay of the body
# between BODY_LEVEL and TAIL_LEVEL (faults and failures sit in the top few percent of the
# training rows, so the extrapolation must not be fitted to them)
BODY_LEVEL = 0.95
TAIL_LEVEL = 0.99
N_LEVELS = 200
# what a telemetry anomaly is: a fault of a reading (temperature, signal, response time) or of
# the device's availability. Error bursts, restarts, drop storms and a draining battery are
# device trouble (the failure model's business, and Home Assistant's own low-battery notices):
# they are context, never a reason to flag.
CHANNELS: tuple[str, ...] = ("temperature_c", "signal_dbm", "response_time_ms", "uptime_h")
# the channels whose slow drift is a fault: a sensor's calibration (latency that creeps up over
# weeks is, more often than not, a device on its way to failing; a signal that weakens over
# weeks is the environment or a failing radio)
DRIFT_CHANNELS = frozenset({"temperature_c"})
# the channels whose readings should move from day to day: a run of unchanged values is a
# frozen sensor (uptime sits at 24 h on most days, a battery gauge for weeks)
FROZEN_CHANNELS = frozenset({"temperature_c", "signal_dbm", "response_time_ms"})
# fields that move together when a device is offline (one channel, not several)
AVAILABILITY = frozenset({"uptime_h", "usage_count", "tx_kbps", "connection_drops"})
TAIL_VIEWS = ("z", "cusum")  # the frozen view is already -log10 of a probability


def _tail_columns(X: pd.DataFrame) -> pd.DataFrame:
    return X[[f"{f}_{v}" for f in TELEMETRY_FIELDS for v in TAIL_VIEWS]]


def _group(field: str) -> str:
    return "availability" if field in AVAILABILITY else field


class TailModel:
    """Distribution of |value| per column: the share of non-zero values, their quantiles up to
    TAIL_LEVEL, and an exponential tail past it (many features are exactly 0 on most rows:
    no run of unchanged readings, no accumulated drift)."""

    def __init__(
        self,
        columns: list[str],
        nonzero: np.ndarray,
        quantiles: np.ndarray,
        levels: np.ndarray,
        beta: np.ndarray,
    ):
        self.columns = columns
        self.nonzero = nonzero  # (columns,) share of rows with |value| > 0
        self.quantiles = quantiles  # (levels, columns) of the non-zero values
        self.levels = levels
        self.beta = beta  # (columns,) scale of the exponential tail past TAIL_LEVEL

    @classmethod
    def fit(cls, X: pd.DataFrame) -> TailModel:
        """Quantiles of the non-zero |values| up to TAIL_LEVEL; past it an exponential tail
        whose scale comes from the body (the rise from BODY_LEVEL to TAIL_LEVEL), not from the
        most extreme training rows, which are themselves faults and failures."""
        values = np.abs(np.nan_to_num(X.to_numpy(np.float64), nan=0.0))
        levels = np.linspace(0.0, TAIL_LEVEL, N_LEVELS)
        positive = np.where(values > 0, values, np.nan)
        nonzero = np.clip((values > 0).mean(axis=0), 1e-6, 1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a column that is always 0
            quantiles = np.nan_to_num(np.nanquantile(positive, levels, axis=0), nan=0.0)
            q_body = np.nan_to_num(np.nanquantile(positive, BODY_LEVEL, axis=0), nan=0.0)
        beta = (quantiles[-1] - q_body) / np.log((1.0 - BODY_LEVEL) / (1.0 - TAIL_LEVEL))
        floor = 1e-3 * np.maximum(np.abs(quantiles[-1]), 1.0)
        beta = np.where(np.isfinite(beta) & (beta > floor), beta, floor)
        return cls(list(X.columns), nonzero, quantiles, levels, beta)

    def surprise(self, X: pd.DataFrame) -> np.ndarray:
        """-log10 P(|value| >= observed) per cell, growing linearly past the fitted range."""
        values = np.nan_to_num(np.abs(X[self.columns].to_numpy(np.float64)), nan=0.0)
        out = np.zeros_like(values)
        tail0 = -np.log10(1.0 - TAIL_LEVEL)
        for j in range(values.shape[1]):
            q, first = np.unique(self.quantiles[:, j], return_index=True)
            lv = self.levels[first]  # P(X >= q) = 1 - smallest level at which q is reached
            v = values[:, j]
            inside = -np.log10(np.clip(1.0 - np.interp(v, q, lv), 1e-12, 1.0))
            beyond = tail0 + (v - q[-1]) / (self.beta[j] * np.log(10.0))
            conditional = np.where(v > q[-1], beyond, np.minimum(inside, tail0))
            out[:, j] = np.where(v > 0, -np.log10(self.nonzero[j]) + conditional, 0.0)
        return out

    def to_dict(self) -> dict:
        return {
            "columns": self.columns,
            "nonzero": self.nonzero.tolist(),  # floats round-trip exactly through JSON
            "quantiles": self.quantiles.tolist(),
            "levels": self.levels.tolist(),
            "beta": self.beta.tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> TailModel:
        return cls(
            list(d["columns"]),
            np.asarray(d["nonzero"], float),
            np.asarray(d["quantiles"], float),
            np.asarray(d["levels"], float),
            np.asarray(d["beta"], float),
        )


class DeviceAnomalyModel:
    """Per-field tail surprise with a one-channel penalty on device-relative features."""

    model_name = "device_anomaly"

    def __init__(self, seed: int = 0, penalty: float = 0.5):
        self.seed = seed
        self.penalty = penalty
        self.prior: dict[str, dict[str, dict[str, float]]] = {}
        self.tails: TailModel | None = None
        self.threshold = float("inf")
        self.baseline_threshold: float | None = None  # the z-score rule's, same budget

    def fit_prior(self, frame: pd.DataFrame) -> Self:
        """The fleet's typical scales and repeat shares per category, from training rows."""
        self.prior = fit_prior(frame)
        return self

    def features(self, frame: pd.DataFrame) -> pd.DataFrame:
        return anomaly_features(frame, self.prior)

    def fit(self, X: pd.DataFrame, y: np.ndarray | None = None) -> Self:
        """Learn each feature's tail on feature rows. `y` is ignored (unsupervised)."""
        self.tails = TailModel.fit(_tail_columns(X))
        return self

    def score_samples(self, X: pd.DataFrame) -> np.ndarray:
        """Anomaly score per row, higher = more anomalous: the best channel's evidence minus
        `penalty` × the strongest deviation of an unrelated field."""
        if self.tails is None:
            raise RuntimeError("model is not fitted")
        s = self.tails.surprise(X)
        col = {c: j for j, c in enumerate(self.tails.columns)}
        moving = {
            f: np.maximum(s[:, col[f"{f}_z"]], s[:, col[f"{f}_cusum"]]) for f in TELEMETRY_FIELDS
        }
        best = np.full(len(X), -np.inf)
        for f in CHANNELS:
            evidence = moving[f] if f in DRIFT_CHANNELS else s[:, col[f"{f}_z"]]
            if f in FROZEN_CHANNELS:
                frozen = np.nan_to_num(X[f"{f}_frozen"].to_numpy(np.float64), nan=0.0)
                evidence = np.maximum(evidence, frozen)
            others = [moving[g] for g in TELEMETRY_FIELDS if _group(g) != _group(f)]
            best = np.maximum(best, evidence - self.penalty * np.max(others, axis=0))
        return best

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.score_samples(X) >= self.threshold

    def save(self, folder: Path) -> list[str]:
        """One JSON file: prior, tail model, threshold, penalty (no pickle)."""
        if self.tails is None:
            raise RuntimeError("model is not fitted")
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "model_name": self.model_name,
            "seed": self.seed,
            "penalty": self.penalty,
            "threshold": self.threshold,
            "baseline_threshold": self.baseline_threshold,
            "prior": self.prior,
            "tails": self.tails.to_dict(),
        }
        (folder / CONFIG_FILE).write_text(json.dumps(config, sort_keys=True))
        return [CONFIG_FILE]

    @classmethod
    def load(cls, folder: Path) -> Self:
        config = json.loads((folder / CONFIG_FILE).read_text())
        if config.get("model_name") != cls.model_name:
            raise ValueError(f"{folder / CONFIG_FILE} is not a {cls.model_name} config")
        model = cls(seed=int(config["seed"]), penalty=float(config["penalty"]))
        model.threshold = float(config["threshold"])
        base = config.get("baseline_threshold")
        model.baseline_threshold = float(base) if base is not None else None
        model.prior = config["prior"]
        model.tails = TailModel.from_dict(config["tails"])
        return model


def zscore_rule(frame: pd.DataFrame) -> np.ndarray:
    """Baseline score: the largest |z| of any field against the device's own previous 14 days
    (mean and sd, at least 5 days; sd floored at 1e-6)."""
    grid = unit_grid(frame)
    best = np.zeros(len(frame))
    for name in TELEMETRY_FIELDS:
        x = grid.to_grid(frame[name].to_numpy(np.float64, na_value=np.nan))
        pad = np.concatenate([np.full((x.shape[0], 14), np.nan), x[:, :-1]], axis=1)
        win = np.lib.stride_tricks.sliding_window_view(pad, 14, axis=1)[:, : x.shape[1]]
        n = (~np.isnan(win)).sum(-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nansum(win, -1) / np.maximum(n, 1)
            var = np.nansum((win - mean[..., None]) ** 2, -1) / np.maximum(n - 1, 1)
            z = np.abs(x - mean) / np.maximum(np.sqrt(var), 1e-6)
        z = np.where(n >= 5, z, 0.0)
        best = np.maximum(best, np.nan_to_num(grid.take(z), nan=0.0))
    return best


# -- evaluation: outputs -> per-home statistics -> metrics (one definition for every use) -----

CAUSES = ("failure_within_30_days", "healthy")
GATED_OVER_BASELINE = ("episode_recall", "alert_precision", "episode_f1")


def outputs(predictor: DeviceAnomalyModel, data: Datasets) -> dict[str, np.ndarray]:
    """Per row: the detector's score and alert, and the z-score rule's (at the threshold stored
    with the version; absent for a version saved without one)."""
    frame = data[DATASET]
    score = predictor.score_samples(predictor.features(frame))
    out = {"score": score, "alert": score >= predictor.threshold}
    if predictor.baseline_threshold is not None:
        base = zscore_rule(frame)
        out |= {"baseline_score": base, "baseline_alert": base >= predictor.baseline_threshold}
    return out


def _field_labels(frame: pd.DataFrame) -> tuple[str, ...]:
    """kind:field of every anomaly in the frame (the same for any alerts on it)."""
    lab = frame[LABEL].to_numpy(bool)
    kf = frame["gt_anomaly_kind"].astype(str) + ":" + frame["gt_anomaly_field"].astype(str)
    return tuple(sorted(set(kf.to_numpy()[lab])))


def statistics(data: Datasets, out: dict[str, np.ndarray]) -> HomeStats:
    """Per-home statistics of the detector's (and the rule's) alerts per anomaly episode after
    the burn-in (`ml.device_events`), with device-days, time to detect and what the device was
    going through when a false alert started."""
    frame = data[DATASET]
    stats = HomeStats(home_key(frame))
    scoring = AnomalyScoring(frame)
    scored = scoring.rows.scored
    fields = _field_labels(frame)
    dtf = pd.to_numeric(frame["gt_days_to_failure"], errors="coerce").to_numpy(np.float64)
    failing = np.nan_to_num(dtf, nan=np.inf) <= 30
    for prefix in ("", "baseline_"):
        if f"{prefix}alert" not in out:
            continue
        result = scoring(out[f"{prefix}alert"])
        add_scored(
            stats,
            prefix,
            result,
            out[f"{prefix}score"][scored],
            by="kind",
            labels=ANOMALY_KINDS,
            values="ttd",
        )
        units = result.units
        keys = units["home"].to_numpy(dtype=object)
        kf = (units["kind"] + ":" + units["field"]).to_numpy()
        hit = units["hit"].to_numpy(bool)
        stats.add_grouped(f"{prefix}units_by_field", keys, kf, fields)
        stats.add_grouped(f"{prefix}units_hit_by_field", keys, kf, fields, hit.astype(float))
        early = hit & (units["ttd"].to_numpy(np.float64) <= 2)
        stats.add(f"{prefix}units_early", keys, early.astype(float))
        alerts = result.alerts
        false = alerts[~alerts["true"].astype(bool)] if len(alerts) else alerts
        first = false["first_pos"].to_numpy(np.int64) if len(false) else np.zeros(0, np.int64)
        cause = np.where(failing[first], CAUSES[0], CAUSES[1])
        stats.add_grouped(
            f"{prefix}false_alert_causes",
            false["home"].to_numpy(dtype=object) if len(false) else np.zeros(0, object),
            cause,
            CAUSES,
        )
    return stats


def home_stats(predictor: DeviceAnomalyModel, data: Datasets) -> HomeStats:
    return statistics(data, outputs(predictor, data))


def _metrics() -> dict[str, Metric]:
    def extra(p: str) -> dict[str, Metric]:
        return {
            "detected_within_3_days": Metric(
                lambda v: ratio(v[f"{p}units_early"], v[f"{p}units"]),
                f"{p}units",
                "share of anomaly episodes detected within their first 3 days",
            ),
            "recall_by_field": Metric(
                lambda v: ratio(v[f"{p}units_hit_by_field"], v[f"{p}units_by_field"]),
                f"{p}units_by_field",
                "episode recall per anomaly kind and field",
                f"{p}units_by_field",
            ),
        }

    return with_baseline(
        lambda p: (
            event_metrics(p, "episode", "kind", "ttd", "time_to_detect_median_days") | extra(p)
        ),
        GATED_OVER_BASELINE,
    )


METRICS: dict[str, Metric] = _metrics()
BASELINES = {"baseline_": BASELINE_NAME}


def describe(stats: HomeStats, prefix: str = "") -> dict:
    """Counts a reader wants beside the rates: episodes, alert episodes, time to detect."""
    if f"{prefix}units" not in stats:
        return {}
    total = lambda name: int(round(float(stats.total(f"{prefix}{name}"))))  # noqa: E731
    _, ttd = stats.values[f"{prefix}ttd"]
    causes = stats.total(f"{prefix}false_alert_causes")
    return {
        "episodes": total("units"),
        "episodes_detected": total("units_hit"),
        **event_counts(stats, prefix),
        "time_to_detect_days": histogram(ttd, 0, DETECTION_DAYS - 1),
        "detection_days": DETECTION_DAYS,
        "false_alert_causes": {c: int(n) for c, n in zip(CAUSES, causes, strict=True) if n},
    }


def evaluate_on(
    predictor: DeviceAnomalyModel, data: Datasets, seed: int = 0
) -> tuple[dict, dict, dict, dict, dict[str, np.ndarray]]:
    """(metrics, baseline, estimates, tables, outputs) of a fitted detector on `data`."""
    out = outputs(predictor, data)
    stats = statistics(data, out)
    metrics, baseline, estimates, tables = evaluate_report(
        METRICS, BASELINES, stats, seed, lambda prefix, _: describe(stats, prefix)
    )
    for prefix, target in (("", metrics), ("baseline_", baseline)):
        for name in ("recall_by_kind", "recall_by_field"):
            target[name] = group_summary(tables.get(f"{prefix}{name}", {}))
    return metrics, baseline, estimates, tables, out


def out_of_fold_scores(model: DeviceAnomalyModel, X: pd.DataFrame, folds: np.ndarray) -> np.ndarray:
    """Each row scored by tails fitted on the other folds' rows (same prior and penalty)."""
    score = np.zeros(len(X))
    for k in np.unique(folds):
        held = folds == k
        if held.all():
            continue
        fold_model = DeviceAnomalyModel(seed=model.seed, penalty=model.penalty)
        fold_model.tails = TailModel.fit(_tail_columns(X[~held]))
        score[held] = fold_model.score_samples(X[held])
    return score


def train_and_evaluate(
    train: Datasets, test: Datasets, plots_dir: Path, seed: int = 0
) -> tuple[DeviceAnomalyModel, ModelReport]:
    """Fit the detector on the training homes (no labels), choose its threshold on out-of-fold
    scores of the training homes, and score the benchmark homes per anomaly episode after the
    burn-in, next to the z-score rule thresholded the same way."""
    t0 = time.perf_counter()
    frame, test_frame = train[DATASET], test[DATASET]
    if frame.empty or test_frame.empty:
        raise ValueError(f"{DATASET} is empty in the training or the test data")
    shared = set(home_key(frame)) & set(home_key(test_frame))
    if shared:
        raise ValueError(f"{len(shared)} test homes are also training homes")
    model = DeviceAnomalyModel(seed=seed).fit_prior(frame)
    X = model.features(frame)
    feature_seconds = time.perf_counter() - t0

    t_fit = time.perf_counter()
    model.fit(X)
    oof = out_of_fold_scores(model, X, home_folds(frame, OOF_FOLDS, seed))
    scoring = AnomalyScoring(frame)
    model.threshold, chosen = choose_threshold(scoring, oof, ALERT_BUDGET)
    base_threshold, base_chosen = choose_threshold(scoring, zscore_rule(frame), ALERT_BUDGET)
    model.baseline_threshold = float(base_threshold)
    fit_seconds = time.perf_counter() - t_fit

    metrics, baseline, estimates, tables, out = evaluate_on(model, test, seed)
    metrics["threshold"] = round(float(model.threshold), 6)
    metrics["validation"] = chosen
    baseline["threshold"] = round(float(base_threshold), 6)
    baseline["validation"] = base_chosen
    scored = scored_rows(test_frame)
    score, base_score = out["score"], out["baseline_score"]
    y_test = test_frame[LABEL].to_numpy(bool)

    samples = {
        "train_rows": int(len(frame)),
        "train_homes": count_homes(frame),
        "test_rows": int(len(test_frame)),
        "test_scored_device_days": int(scored.sum()),
        "test_homes": count_homes(test_frame),
        "test_episodes": metrics["episodes"],
        "test_alert_episodes": metrics["alert_episodes"],
        "burn_in_days": BURN_IN_DAYS,
        "detection_days": DETECTION_DAYS,
    }
    shown = plot_rows(y_test, scored)
    plotted = {
        "confusion": plots.confusion_png(
            metrics["confusion"],
            ["normal", "anomaly"],
            plots_dir / "device_anomaly_confusion.png",
            f"device anomaly per device-day (test homes, n={int(scored.sum())})",
        ),
        "roc_pr": plots.roc_pr_png(
            y_test[shown],
            {"tail model": score[shown], "z-score rule": base_score[shown]},
            plots_dir / "device_anomaly_roc_pr.png",
            "telemetry anomaly per device-day: model vs z-score rule",
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
            "penalty": model.penalty,
            "threshold": model.threshold,
            "baseline_threshold": model.baseline_threshold,
            "alert_budget_precision": ALERT_BUDGET,
            "detection_days": DETECTION_DAYS,
            "feature_seconds": round(feature_seconds, 2),
            "fit_seconds": round(fit_seconds, 2),
        },
        estimates=estimates,
        tables=tables,
        baselines=BASELINES,
    )
    return model, report
