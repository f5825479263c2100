"""What every model of DESIGN §7 provides: a scikit-learn-style predictor that saves itself in
a non-pickle format, and a report of its held-out evaluation next to its baseline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol, Self

import numpy as np
import pandas as pd

# dataset name -> records; graph side tables as "<dataset>.<table>" (e.g. "synergy_gnn.nodes")
Datasets = dict[str, pd.DataFrame]


class Predictor(Protocol):
    """A trained model. `save` writes only non-pickle files (LightGBM text, torch state_dict,
    skops, JSON) and returns their names; `load` rebuilds the predictor from exactly those."""

    model_name: str

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> Self: ...

    def predict(self, X: pd.DataFrame) -> np.ndarray: ...

    def save(self, folder: Path) -> list[str]: ...

    @classmethod
    def load(cls, folder: Path) -> Self: ...


@dataclass
class ModelReport:
    """Held-out evaluation of one trained model, with its baseline(s) on the same rows.

    Every figure comes from the model's per-home statistics (`ml.stats`) through the metric
    definitions of its module (`METRICS`): the same code scores a stored version later."""

    model: str
    metrics: dict  # numbers (+ confusion matrices, per-group summaries) on the benchmark homes
    baseline_name: str
    baseline: dict  # the (first) baseline's metrics on exactly the same rows
    samples: dict  # train_rows, train_homes, test_rows, test_homes, …
    plots: dict[str, str] = field(default_factory=dict)  # plot name -> PNG path
    seconds: float = 0.0
    params: dict = field(default_factory=dict)
    # metric -> Estimate.to_dict() (value, low, high, n, homes): the 95 % interval of each
    # reported metric from a bootstrap over the benchmark homes (`ml/bootstrap.py`); baseline
    # metrics under "<baseline prefix><metric>" (e.g. "baseline_f1"), paired differences with a
    # baseline under "<metric>_over_<tag>"
    estimates: dict[str, dict] = field(default_factory=dict)
    # per-group metrics (per class, failure mode, anomaly kind, relationship, pattern type):
    # table -> group -> Estimate.to_dict()
    tables: dict[str, dict[str, dict]] = field(default_factory=dict)
    # metric prefix -> what that baseline is ("baseline_" is `baseline_name`)
    baselines: dict[str, str] = field(default_factory=dict)

    def gate_metrics(self) -> dict[str, float]:
        """Flat numeric metrics for the gate, incl. `<metric>_over_baseline` differences."""
        out = {k: float(v) for k, v in self.metrics.items() if _number(v)}
        for k, v in self.baseline.items():
            if _number(v) and k in out and k not in ("n", "positives"):
                out.setdefault(f"{k}_over_baseline", round(out[k] - float(v), 4))
        return out

    def to_dict(self) -> dict:
        return asdict(self)


def _number(v: object) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)


def split_evaluation(
    evaluation: dict, baselines: dict[str, str]
) -> tuple[dict, dict, dict[str, dict], dict[str, dict[str, dict]]]:
    """(metrics, baseline, estimates, tables) of a report from `ml.stats.evaluate` results:
    the model's point values, the first baseline's point values (prefix stripped), every
    ungrouped estimate as a dict, and every grouped one as a table."""
    prefixes = tuple(baselines)
    first = prefixes[0] if prefixes else None
    metrics: dict = {}
    baseline: dict = {}
    estimates: dict[str, dict] = {}
    tables: dict[str, dict[str, dict]] = {}
    for name, est in evaluation.items():
        if isinstance(est, dict):
            tables[name] = {label: e.to_dict() for label, e in est.items()}
            continue
        estimates[name] = est.to_dict()
        value = round(est.value, 4) if np.isfinite(est.value) else float("nan")
        if first is not None and name.startswith(first):
            baseline[name[len(first) :]] = value
        elif not name.startswith(prefixes):
            metrics[name] = value
    return metrics, baseline, estimates, tables


def evaluate_report(
    metric_defs: dict,
    baselines: dict[str, str],
    stats,
    seed: int,
    describe: Callable[[str, dict], dict],
) -> tuple[dict, dict, dict[str, dict], dict[str, dict[str, dict]]]:
    """(metrics, baseline, estimates, tables) of `metric_defs` on held-out `stats`
    (`ml.stats.evaluate` then `split_evaluation`), the counts `describe(prefix, tables)` gives
    added to the model's values and to the first baseline's (under its prefix)."""
    from homeiq_assets.ml.stats import evaluate

    metrics, baseline, estimates, tables = split_evaluation(
        evaluate(metric_defs, stats, seed=seed), baselines
    )
    metrics |= describe("", tables)
    if baselines:
        baseline |= describe(next(iter(baselines)), tables)
    return metrics, baseline, estimates, tables


def group_summary(table: dict[str, dict], key: str = "recall") -> dict[str, dict]:
    """A per-group table as {group: {key: value, "n": n}} for the groups that occur."""
    return {g: {key: e["value"], "n": e["n"]} for g, e in table.items() if e["n"] > 0}
