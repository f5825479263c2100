"""Where a cycle's model evaluations live (`<data>/model_evals/<cycle>/<model>.json`): written
by each model asset, read by its gate check, the deployment and the readiness report."""

import json
from pathlib import Path

import dagster as dg

from homeiq_assets.defs.shared.resources import DataStore

BENCHMARK_DIR = "benchmark"
AUDIT_DIR = "audit"
EVALS_DIR = "model_evals"


def eval_path(store: DataStore, cycle: str, model: str) -> Path:
    return store.root / EVALS_DIR / cycle / f"{model}.json"


def read_eval(store: DataStore, cycle: str, model: str) -> dict:
    path = eval_path(store, cycle, model)
    if not path.exists():
        raise dg.Failure(description=f"{model} has no evaluation for cycle {cycle!r} ({path})")
    return json.loads(path.read_text())
