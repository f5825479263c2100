"""Train one model, score it on the benchmark fleet, gate it, and register the version (gate
result, `allow_low_quality`, mode and the data it saw recorded in its metadata).

Two modes: **full** trains on the collected data of every cycle so far; **incremental** updates
the champion with the cycles it has not seen (`train_and_evaluate(..., init=champion)`: LightGBM
continues from the champion's trees, the GNN fine-tunes from its weights). A model whose
`train_and_evaluate` takes no `init` cannot be updated and is trained in full, and the outcome
says so (`mode_note`).
"""

from __future__ import annotations

import importlib
import inspect
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from threadpoolctl import threadpool_limits

from homeiq_assets.ml.base import ModelReport
from homeiq_assets.ml.benchmark import BENCHMARK
from homeiq_assets.ml.data import load_datasets
from homeiq_assets.ml.gates import GATES, HEADLINE, GateResult, evaluate_gate
from homeiq_assets.ml.model_names import MODEL_NAMES, MODES
from homeiq_assets.ml.registry import ModelRegistry

TRAINERS = {name: f"homeiq_assets.ml.models.{name}" for name in MODEL_NAMES}
# the collected datasets each model reads (only these are loaded)
TRAINING_DATASETS = {
    "home_type": ("home_type",),
    "device_failure": ("device_intelligence",),
    "device_anomaly": ("device_intelligence",),
    "synergy_gnn": ("synergy_gnn",),
    "pattern_quality": ("pattern_detection",),
}
ML_CODE_VERSION = "ml-3"
Mode = Literal["full", "incremental"]


@dataclass
class TrainingOutcome:
    model: str
    version: str
    report: ModelReport
    gate: GateResult
    allow_low_quality: bool
    mode: str = "full"  # the mode actually used
    requested_mode: str = "full"
    mode_note: str = ""  # why the mode used differs from the one requested
    base_version: str | None = None  # the champion an incremental update started from
    cycles: list[str] = field(default_factory=list)  # every cycle the version has seen
    new_cycles: list[str] = field(default_factory=list)  # the cycles read by this training
    records: dict[str, int] = field(default_factory=dict)  # records read by this training
    seconds: float = 0.0

    def summary(self) -> dict:
        return {
            "model": self.model,
            "version": self.version,
            "mode": self.mode,
            "requested_mode": self.requested_mode,
            "mode_note": self.mode_note,
            "base_version": self.base_version,
            "training_cycles": self.cycles,
            "new_cycles": self.new_cycles,
            "training_records": self.records,
            "duration_s": self.seconds,
            "gate_passed": self.gate.passed,
            "failing": {k: list(v) for k, v in self.gate.failing.items()},
            "allow_low_quality": self.allow_low_quality,
            "metrics": self.report.gate_metrics(),
            "metrics_detail": self.report.metrics,
            "headline": HEADLINE[self.model],
            "estimates": self.report.estimates,
            "tables": self.report.tables,
            "thresholds": GATES[self.model],
            "baseline_name": self.report.baseline_name,
            "baselines": self.report.baselines,
            "baseline": {k: v for k, v in self.report.baseline.items() if _plain(v)},
            "samples": self.report.samples,
            "params": self.report.params,
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


def one_openmp_thread():
    """One OpenMP thread while a model trains or predicts. LightGBM and scikit-learn each load
    their own OpenMP runtime; once both are in one process (a training job, the monitoring of a
    cycle) their spinning thread pools slow scikit-learn's gradient boosting down ~6 times on 2
    cores. LightGBM and torch already run on one thread; results do not depend on it."""
    return threadpool_limits(limits=1, user_api="openmp")


def supports_incremental(name: str) -> bool:
    """Whether the model can be updated from a champion (`train_and_evaluate(..., init=)`)."""
    module = importlib.import_module(TRAINERS[name])
    return "init" in inspect.signature(module.train_and_evaluate).parameters


@dataclass
class _Plan:
    mode: str
    note: str
    base_version: str | None
    cycles: list[str]  # everything the new version will have seen
    read: list[str]  # what this training reads


def _plan(name: str, cycles: list[str], registry: ModelRegistry, mode: str) -> _Plan:
    if mode not in MODES:
        raise ValueError(f"mode: {mode!r} is not one of {', '.join(MODES)}")
    if mode == "full":
        return _Plan("full", "", None, list(cycles), list(cycles))
    champion = registry.deployed(name)
    if champion is None:
        return _Plan(
            "full",
            f"{name} has no champion to update; trained in full",
            None,
            list(cycles),
            list(cycles),
        )
    if not supports_incremental(name):
        return _Plan(
            "full",
            f"{name} cannot continue training from a champion; retrained in full",
            None,
            list(cycles),
            list(cycles),
        )
    seen = list(registry.metadata(name, champion).get("training_cycles") or [])
    new = [c for c in cycles if c not in seen]
    if not new:
        raise ValueError(
            f"{name}: no new cycles to update champion {champion} with (it has seen "
            f"{', '.join(seen) or 'none'}); use mode full to retrain"
        )
    return _Plan("incremental", "", champion, [*seen, *new], new)


def train_model(
    name: str,
    data_root: Path,
    cycles: list[str],
    benchmark_root: Path,
    plots_dir: Path,
    registry: ModelRegistry,
    seed: int = 0,
    allow_low_quality: bool = False,
    mode: Mode = "full",
) -> TrainingOutcome:
    """Train `name` on `cycles` under `data_root` (or update its champion with the cycles it
    has not seen, in incremental mode), evaluate on the benchmark, register the version."""
    if name not in TRAINERS:
        raise ValueError(f"unknown model {name!r} (models: {', '.join(TRAINERS)})")
    started = time.perf_counter()
    plan = _plan(name, cycles, registry, mode)
    needed = TRAINING_DATASETS[name]
    train = load_datasets(data_root, plan.read, needed)
    test = load_datasets(benchmark_root, BENCHMARK.cycles, needed)
    module = importlib.import_module(TRAINERS[name])
    init = registry.load(name, plan.base_version) if plan.base_version is not None else None
    with one_openmp_thread():
        if init is not None:
            predictor, report = module.train_and_evaluate(train, test, plots_dir, seed, init=init)
        else:
            predictor, report = module.train_and_evaluate(train, test, plots_dir, seed)
    gate = evaluate_gate(name, report.gate_metrics())
    records = {k: int(len(v)) for k, v in train.items()}
    metadata = {
        "metrics": report.gate_metrics(),
        "metrics_detail": report.metrics,
        "headline": HEADLINE[name],
        "estimates": report.estimates,
        "tables": report.tables,
        "baseline_name": report.baseline_name,
        "baselines": report.baselines,
        "baseline": report.baseline,
        "samples": report.samples,
        "gate": {"passed": gate.passed, "thresholds": GATES[name], "failing": gate.failing},
        "training_cycles": plan.cycles,
        "new_cycles": plan.read,
        "training_records": records,
        "benchmark_records": {k: int(len(v)) for k, v in test.items()},
        "mode": plan.mode,
        "requested_mode": mode,
        "mode_note": plan.note,
        "base_version": plan.base_version,
        "code_version": ML_CODE_VERSION,
        "seed": seed,
        "duration_s": round(time.perf_counter() - started, 3),
        "params": report.params,
        "library_versions": _library_versions(),
    }
    version = registry.register(predictor, metadata, allow_low_quality=allow_low_quality)
    return TrainingOutcome(
        name,
        version,
        report,
        gate,
        allow_low_quality,
        mode=plan.mode,
        requested_mode=mode,
        mode_note=plan.note,
        base_version=plan.base_version,
        cycles=plan.cycles,
        new_cycles=plan.read,
        records=records,
        seconds=round(time.perf_counter() - started, 3),
    )
