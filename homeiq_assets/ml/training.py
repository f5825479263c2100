"""Train one model on every cycle so far, score it on the benchmark fleet, gate it, and register
the version (gate result and `allow_low_quality` recorded in its metadata)."""

from __future__ import annotations

import importlib
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from homeiq_assets.ml.base import ModelReport
from homeiq_assets.ml.benchmark import BENCHMARK
from homeiq_assets.ml.data import load_datasets
from homeiq_assets.ml.gates import GATES, HEADLINE, GateResult, evaluate_gate
from homeiq_assets.ml.registry import ModelRegistry

TRAINERS = {
    "home_type": "homeiq_assets.ml.models.home_type",
    "device_failure": "homeiq_assets.ml.models.device_failure",
    "device_anomaly": "homeiq_assets.ml.models.device_anomaly",
    "synergy_gnn": "homeiq_assets.ml.models.synergy_gnn",
    "pattern_quality": "homeiq_assets.ml.models.pattern_quality",
}
# the collected datasets each model reads (only these are loaded)
TRAINING_DATASETS = {
    "home_type": ("home_type",),
    "device_failure": ("device_intelligence",),
    "device_anomaly": ("device_intelligence",),
    "synergy_gnn": ("synergy_gnn",),
    "pattern_quality": ("pattern_detection",),
}
MODEL_NAMES = tuple(TRAINERS)
ML_CODE_VERSION = "ml-1"


@dataclass
class TrainingOutcome:
    model: str
    version: str
    report: ModelReport
    gate: GateResult
    allow_low_quality: bool

    def summary(self) -> dict:
        return {
            "model": self.model,
            "version": self.version,
            "gate_passed": self.gate.passed,
            "failing": {k: list(v) for k, v in self.gate.failing.items()},
            "allow_low_quality": self.allow_low_quality,
            "metrics": self.report.gate_metrics(),
            "headline": HEADLINE[self.model],
            "estimates": self.report.estimates,
            "thresholds": GATES[self.model],
            "baseline_name": self.report.baseline_name,
            "baseline": {k: v for k, v in self.report.baseline.items() if _plain(v)},
            "samples": self.report.samples,
            "seconds": self.report.seconds,
            "plots": self.report.plots,
        }


def _plain(v: object) -> bool:
    return isinstance(v, int | float | str | bool)


def _library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in ("numpy", "pandas", "sklearn", "lightgbm", "torch", "torch_geometric", "skops"):
        try:
            out[lib] = importlib.import_module(lib).__version__
        except Exception:  # a library a model does not use may be absent
            continue
    return out


def train_model(
    name: str,
    data_root: Path,
    cycles: list[str],
    benchmark_root: Path,
    plots_dir: Path,
    registry: ModelRegistry,
    seed: int = 0,
    allow_low_quality: bool = False,
) -> TrainingOutcome:
    """Train `name` on `cycles` under `data_root`, evaluate on the benchmark, register it."""
    if name not in TRAINERS:
        raise ValueError(f"unknown model {name!r} (models: {', '.join(TRAINERS)})")
    started = time.perf_counter()
    needed = TRAINING_DATASETS[name]
    train = load_datasets(data_root, cycles, needed)
    test = load_datasets(benchmark_root, BENCHMARK.cycles, needed)
    module = importlib.import_module(TRAINERS[name])
    predictor, report = module.train_and_evaluate(train, test, plots_dir, seed)
    gate = evaluate_gate(name, report.gate_metrics())
    metadata = {
        "metrics": report.gate_metrics(),
        "metrics_detail": report.metrics,
        "headline": HEADLINE[name],
        "estimates": report.estimates,
        "baseline_name": report.baseline_name,
        "baseline": report.baseline,
        "samples": report.samples,
        "gate": {"passed": gate.passed, "thresholds": GATES[name], "failing": gate.failing},
        "training_cycles": cycles,
        "training_records": {k: int(len(v)) for k, v in train.items()},
        "benchmark_records": {k: int(len(v)) for k, v in test.items()},
        "code_version": ML_CODE_VERSION,
        "seed": seed,
        "duration_s": round(time.perf_counter() - started, 3),
        "params": report.params,
        "library_versions": _library_versions(),
    }
    version = registry.register(predictor, metadata, allow_low_quality=allow_low_quality)
    return TrainingOutcome(name, version, report, gate, allow_low_quality)
