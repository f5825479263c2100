"""Unsupervised telemetry anomaly detection (DESIGN §7), scored against `gt_anomaly`.

The detector never sees a label while fitting. It works on `features_health.anomaly_features`:
per device and field, today's residual against the device's own previous 14 days (robust
median/MAD, corrected by the home's same-day median residual), a two-day persistence of that
residual, and two validity checks.

* **Validity checks.** A continuous reading (response time, signal, temperature, tx, battery
  below 100 %) that repeats yesterday's value exactly, or a tx of exactly 0 while the device
  reports, is a frozen or dead channel: no noise model of a healthy device produces it. Such
  rows get the top score.
* **Tail model.** A `QuantileTransformer` fitted on the training rows learns each feature's
  empirical distribution (the fleet's normal spread, including its heavy tails: flaky devices,
  battery swaps, busy days). A row's evidence on a field is the tail surprise
  `-log10 P(|z| >= observed)`. Measurement faults hit one field while the other fields stay
  normal; real device trouble (failure precursors, congestion) moves several fields together.
  So each detector field's surprise is reduced by `penalty` × the largest surprise among the
  other fields, and the row's score is the largest result over the detector fields
  (`DETECTOR_FIELDS`: today's |z| of response time, temperature, signal, error rate and
  connection drops, and the two-day persistence of the first three).

Only the decision threshold is chosen with labels, on validation homes split from the training
homes by home (best F1). An `IsolationForest` on the same residuals was tried first: on
validation homes it ranked the heavy-tailed healthy fields (usage, battery swaps, error bursts)
above spikes and drifts and caught little beyond the validity checks, so it was replaced by the
per-field tail model.

Baseline: a fleet z-score rule — a row is flagged when any telemetry field lies more than 3
standard deviations from its category's training mean.

The fitted state is saved with skops (`skops.io.dump`) and loaded only after every type in the
file has been checked against `ALLOWED_TYPES`; the rest of the config is JSON.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Self

import numpy as np
import pandas as pd
from sklearn.preprocessing import QuantileTransformer

from homeiq_assets.ml import plots, safe_skops
from homeiq_assets.ml.base import Datasets, ModelReport
from homeiq_assets.ml.data import count_homes, home_key, split_by_home
from homeiq_assets.ml.metrics import best_f1_threshold, binary_metrics
from homeiq_assets.ml.models.device_failure import recall_by
from homeiq_assets.ml.models.health_features import (
    anomaly_features,
    anomaly_scale_prior,
    fleet_stats,
    fleet_zscores,
)
from homeiq_assets.sim.health.config import TELEMETRY_FIELDS

DATASET = "device_intelligence"
LABEL = "gt_anomaly"
STATE_FILE = "device_anomaly.skops"
CONFIG_FILE = "device_anomaly.json"
VALID_SHARE = 0.25
BASELINE_NAME = "fleet_zscore_gt3"
BASELINE_Z = 3.0

DETECTOR_FIELDS: tuple[str, ...] = (
    "response_time_ms_rz",
    "temperature_c_rz",
    "signal_dbm_rz",
    "error_rate_rz",
    "connection_drops_rz",
    "response_time_ms_run2",
    "temperature_c_run2",
    "signal_dbm_run2",
)
CONTEXT_FIELDS: tuple[str, ...] = tuple(f"{f}_rz" for f in TELEMETRY_FIELDS)
VALIDITY_SCORE = 100.0

# every type a saved state may contain; anything else in a skops file is refused
ALLOWED_TYPES: frozenset[str] = frozenset(
    {
        "builtins.dict",
        "builtins.list",
        "builtins.tuple",
        "builtins.str",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.NoneType",
        "numpy.ndarray",
        "numpy.dtype",
        "numpy.float64",
        "numpy.int64",
        "sklearn.preprocessing._data.QuantileTransformer",
    }
)


# a skops file holding a type outside `ALLOWED_TYPES` (the shared loader's error)
UntrustedModelFile = safe_skops.UnsafeModelFileError


class DeviceAnomalyModel:
    """Validity checks + per-field tail model on device-relative residuals (unsupervised)."""

    model_name = "device_anomaly"

    def __init__(self, seed: int = 0, penalty: float = 0.5, n_quantiles: int = 10_000):
        self.seed = seed
        self.penalty = penalty
        self.n_quantiles = n_quantiles
        self.scale_prior: dict[str, dict[str, float]] = {}
        self.columns: list[str] = []
        self.tails: QuantileTransformer | None = None
        self.threshold = float("inf")

    # features ---------------------------------------------------------------------------
    def fit_scale_prior(self, frame: pd.DataFrame) -> Self:
        """The fleet's typical residual scale per category and field, from training rows."""
        self.scale_prior = anomaly_scale_prior(frame)
        return self

    def features(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`anomaly_features` of telemetry rows with this model's fitted scale prior."""
        return anomaly_features(frame, self.scale_prior)

    # estimator --------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: np.ndarray | None = None) -> Self:
        """Fit the per-feature tail model on feature rows. `y` is ignored (unsupervised)."""
        self.columns = list(dict.fromkeys((*CONTEXT_FIELDS, *DETECTOR_FIELDS)))
        values = np.abs(X[self.columns].to_numpy(np.float64))
        self.tails = QuantileTransformer(
            n_quantiles=min(self.n_quantiles, len(values)),
            output_distribution="uniform",
            subsample=None,
            random_state=self.seed,
        ).fit(values)
        return self

    def calibrate(self, X: pd.DataFrame, y: np.ndarray) -> Self:
        """Decision threshold at the best F1 on labelled rows of validation homes."""
        self.threshold = best_f1_threshold(np.asarray(y, bool), self.score_samples(X))
        return self

    def surprise(self, X: pd.DataFrame) -> pd.DataFrame:
        """-log10 of each feature's empirical tail probability P(|value| >= observed)."""
        if self.tails is None:
            raise RuntimeError("model is not fitted")
        u = self.tails.transform(np.abs(X[self.columns].to_numpy(np.float64)))
        floor = 0.5 / self.tails.n_quantiles_
        return pd.DataFrame(
            -np.log10(np.clip(1.0 - u, floor, 1.0)), columns=self.columns, index=X.index
        )

    def score_samples(self, X: pd.DataFrame) -> np.ndarray:
        """Anomaly score, higher = more anomalous."""
        s = self.surprise(X)
        context = s[list(CONTEXT_FIELDS)].to_numpy()
        context_field = [c.rsplit("_", 1)[0] for c in CONTEXT_FIELDS]
        best = np.full(len(X), -np.inf)
        for col in DETECTOR_FIELDS:
            field = col.rsplit("_", 1)[0]
            others = np.array([f != field for f in context_field])
            evidence = s[col].to_numpy() - self.penalty * context[:, others].max(axis=1)
            best = np.maximum(best, evidence)
        invalid = (X["stuck_fields"].to_numpy() > 0) | (X["zero_tx"].to_numpy() > 0)
        return np.where(invalid, VALIDITY_SCORE, best)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.score_samples(X) >= self.threshold

    # persistence ------------------------------------------------------------------------
    def save(self, folder: Path) -> list[str]:
        """skops file of the fitted tail model + JSON config (threshold, prior, columns)."""
        if self.tails is None:
            raise RuntimeError("model is not fitted")
        folder.mkdir(parents=True, exist_ok=True)
        safe_skops.dump({"tails": self.tails}, folder / STATE_FILE)
        config = {
            "model_name": self.model_name,
            "seed": self.seed,
            "penalty": self.penalty,
            "n_quantiles": self.n_quantiles,
            "threshold": self.threshold,
            "columns": self.columns,
            "scale_prior": self.scale_prior,
            "detector_fields": list(DETECTOR_FIELDS),
        }
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True))
        return [STATE_FILE, CONFIG_FILE]

    @classmethod
    def load(cls, folder: Path) -> Self:
        config = json.loads((folder / CONFIG_FILE).read_text())
        if config.get("model_name") != cls.model_name:
            raise ValueError(f"{folder / CONFIG_FILE} is not a {cls.model_name} config")
        state = safe_skops.load(folder / STATE_FILE, ALLOWED_TYPES)
        model = cls(
            seed=int(config["seed"]),
            penalty=float(config["penalty"]),
            n_quantiles=int(config["n_quantiles"]),
        )
        model.tails = state["tails"]
        if not isinstance(model.tails, QuantileTransformer):
            raise UntrustedModelFile(f"{folder / STATE_FILE} holds no QuantileTransformer")
        model.threshold = float(config["threshold"])
        model.columns = list(config["columns"])
        model.scale_prior = {
            c: {f: float(v) for f, v in fields.items()}
            for c, fields in config["scale_prior"].items()
        }
        return model


def train_and_evaluate(
    train: Datasets, test: Datasets, plots_dir: Path, seed: int = 0
) -> tuple[DeviceAnomalyModel, ModelReport]:
    """Fit the detector on training homes (no labels), choose its threshold on validation
    homes, and score the benchmark homes against `gt_anomaly`, next to the z-score rule."""
    t0 = time.perf_counter()
    frame, test_frame = train[DATASET], test[DATASET]
    if frame.empty or test_frame.empty:
        raise ValueError(f"{DATASET} is empty in the training or the test data")
    shared = set(home_key(frame)) & set(home_key(test_frame))
    if shared:
        raise ValueError(f"{len(shared)} test homes are also training homes")
    fit_rows, valid_rows = split_by_home(frame, VALID_SHARE, seed)

    model = DeviceAnomalyModel(seed=seed).fit_scale_prior(frame[fit_rows])
    X, X_test = model.features(frame), model.features(test_frame)
    feature_seconds = time.perf_counter() - t0
    t_fit = time.perf_counter()
    model.fit(X[fit_rows])
    y = frame[LABEL].to_numpy(bool)
    model.calibrate(X[valid_rows], y[valid_rows])
    fit_seconds = time.perf_counter() - t_fit

    y_test = test_frame[LABEL].to_numpy(bool)
    score = model.score_samples(X_test)
    pred = score >= model.threshold
    kinds = test_frame["gt_anomaly_kind"].to_numpy(dtype=object)
    metrics = binary_metrics(y_test, pred, score)
    metrics["recall_by_kind"] = recall_by(kinds, y_test, pred)
    metrics["threshold"] = round(float(model.threshold), 6)
    metrics["flagged_failure_precursors"] = int(
        (pred & test_frame["gt_fails_within_7d"].to_numpy(bool)).sum()
    )

    stats = fleet_stats(frame[fit_rows])
    base_score = fleet_zscores(test_frame, stats).max(axis=1)
    base_pred = base_score > BASELINE_Z
    baseline = binary_metrics(y_test, base_pred, base_score)
    baseline["recall_by_kind"] = recall_by(kinds, y_test, base_pred)

    samples = {
        "train_rows": int(fit_rows.sum()),
        "train_homes": count_homes(frame[fit_rows]),
        "valid_rows": int(valid_rows.sum()),
        "valid_homes": count_homes(frame[valid_rows]),
        "valid_positives": int(y[valid_rows].sum()),
        "test_rows": int(len(test_frame)),
        "test_homes": count_homes(test_frame),
        "test_positives": int(y_test.sum()),
    }
    out = {
        "confusion": plots.confusion_png(
            metrics["confusion"],
            ["normal", "anomaly"],
            plots_dir / "device_anomaly_confusion.png",
            f"device anomaly (test homes, n={metrics['n']})",
        ),
        "roc_pr": plots.roc_pr_png(
            y_test,
            {"tail model": score, "fleet z-score": base_score},
            plots_dir / "device_anomaly_roc_pr.png",
            "telemetry anomaly: model vs fleet z-score rule",
        ),
    }
    report = ModelReport(
        model=model.model_name,
        metrics=metrics,
        baseline_name=BASELINE_NAME,
        baseline=baseline,
        samples=samples,
        plots={k: str(v) for k, v in out.items()},
        seconds=round(time.perf_counter() - t0, 2),
        params={
            "penalty": model.penalty,
            "n_quantiles": model.n_quantiles,
            "threshold": model.threshold,
            "detector_fields": list(DETECTOR_FIELDS),
            "feature_seconds": round(feature_seconds, 2),
            "fit_seconds": round(fit_seconds, 2),
        },
    )
    return model, report
