"""Home-type metrics, defined once: over the eight types and over the four structures (studio,
flat, townhouse, detached house), from per-home confusion cells (`ml.metrics`). The model's
report, any later scoring of a stored version and the ceiling estimate all use these."""

from __future__ import annotations

import numpy as np

from homeiq_assets.ml.metrics import add_confusion, multiclass
from homeiq_assets.ml.stats import HomeStats, Metric
from homeiq_assets.sim.catalog import HOME_TYPES
from homeiq_assets.sim.home_types import STRUCTURE, STRUCTURES

# the reported figures of one prediction, over types and over structures
SUMMARY = ("accuracy", "macro_precision", "macro_recall", "macro_f1")
TABLES = {
    "class_precision": "precision",
    "class_recall": "recall",
    "class_f1": "f1",
}


def structure_of(types: np.ndarray) -> np.ndarray:
    return np.array([STRUCTURE[str(t)] for t in types], dtype=object)


def add_prediction(
    stats: HomeStats, prefix: str, keys: np.ndarray, y: np.ndarray, predicted: np.ndarray
) -> None:
    """Confusion cells of one prediction per home, over types and over structures."""
    add_confusion(stats, f"{prefix}types", keys, y, predicted, HOME_TYPES)
    add_confusion(
        stats, f"{prefix}structures", keys, structure_of(y), structure_of(predicted), STRUCTURES
    )


def classification_metrics(prefix: str = "") -> dict[str, Metric]:
    """`<prefix>accuracy`, `<prefix>macro_f1` … over types, `<prefix>structural_*` over
    structures, and the per-class tables (`<prefix>class_f1`, `<prefix>structural_class_f1`,
    `<prefix>row_share`, …)."""
    out: dict[str, Metric] = {}
    for scope, name in (("", "types"), ("structural_", "structures")):
        for metric, m in multiclass(f"{prefix}{name}").items():
            out[f"{prefix}{scope}{metric}"] = m
    return out
