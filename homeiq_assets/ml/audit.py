"""Score model versions on the audit fleet: a second reserved fleet (`ml.benchmark.AUDIT`) that
nothing else reads — no threshold, design choice, early stopping or promotion ever sees it — so
its figures beside the benchmark's show whether the benchmark has been overfitted.

The figures are the headline and gate metrics with their baselines and paired gaps, computed by
the same definitions as every other score (`ml.scoring`), each with its 95 % interval from a
bootstrap over the audit homes.
"""

from __future__ import annotations

import time
from pathlib import Path

from homeiq_assets.ml import scoring
from homeiq_assets.ml.benchmark import AUDIT
from homeiq_assets.ml.data import load_datasets
from homeiq_assets.ml.registry import ModelRegistry
from homeiq_assets.ml.training import TRAINING_DATASETS


def audit_names(model: str) -> list[str]:
    """The metrics reported on the audit fleet: headline, gates, baselines, paired gaps."""
    return scoring.reported_names(model, scoring.metrics_of(model))


def score_audit(
    audit_root: Path, registry: ModelRegistry, versions: dict[str, str], seed: int = 0
) -> dict[str, dict]:
    """Per model: the version scored, its audit figures (`Estimate.to_dict()` by metric), the
    audit's homes and the seconds it took. Each dataset is read once for all models."""
    if not (audit_root / f"{AUDIT.name}.json").exists():
        raise FileNotFoundError(f"no audit fleet at {audit_root}: materialise audit_fleet")
    needed = tuple(dict.fromkeys(d for m in versions for d in TRAINING_DATASETS[m]))
    data = load_datasets(audit_root, AUDIT.cycles, needed)
    out: dict[str, dict] = {}
    for model, version in versions.items():
        started = time.perf_counter()
        subset = {k: v for k, v in data.items() if k.split(".")[0] in TRAINING_DATASETS[model]}
        stats = scoring.score(model, registry.load(model, version), subset)
        out[model] = {
            "version": version,
            "homes": stats.n_homes,
            "figures": scoring.figures(model, stats, audit_names(model), seed=seed),
            "seconds": round(time.perf_counter() - started, 2),
        }
    return out
