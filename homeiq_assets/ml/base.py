"""What every model of DESIGN §7 provides: a scikit-learn-style predictor that saves itself in
a non-pickle format, and a report of its held-out evaluation next to its baseline."""

from __future__ import annotations

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
    """Held-out evaluation of one trained model, with its baseline on the same rows."""

    model: str
    metrics: dict  # numbers (+ `confusion`, per-class tables) on the benchmark homes
    baseline_name: str
    baseline: dict  # the baseline's metrics on exactly the same rows
    samples: dict  # train_rows, train_homes, test_rows, test_homes, …
    plots: dict[str, str] = field(default_factory=dict)  # plot name -> PNG path
    seconds: float = 0.0
    params: dict = field(default_factory=dict)
    # metric -> Estimate.to_dict() (value, low, high, n, homes): the 95 % interval of each
    # reported metric from a bootstrap over the benchmark homes (`ml/bootstrap.py`); baseline
    # metrics under "baseline_<metric>"
    estimates: dict[str, dict] = field(default_factory=dict)

    def gate_metrics(self) -> dict[str, float]:
        """Flat numeric metrics for the gate, incl. `<metric>_over_baseline` differences."""
        out = {k: float(v) for k, v in self.metrics.items() if _number(v)}
        for k, v in self.baseline.items():
            if _number(v) and k in out and k not in ("n", "positives"):
                out[f"{k}_over_baseline"] = round(out[k] - float(v), 4)
        return out

    def to_dict(self) -> dict:
        return asdict(self)


def _number(v: object) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
