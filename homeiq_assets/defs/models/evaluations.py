"""Where a cycle's model evaluations live, written by one lifecycle asset and read by the next:

    <data>/model_evals/<cycle>/<model>.json             the challenger: version, metrics, gate
    <data>/model_evals/<cycle>/<model>.ab.json          champion vs challenger and the decision
    <data>/model_evals/<cycle>/<model>.monitoring.json  the champion on this cycle's new homes

Also the run facts every lifecycle asset records (trigger, run id) and the shared lock that
keeps two training runs from building the benchmark fleet at the same time."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from homeiq_assets.defs.shared.inputs import read_json_or_fail
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.ml.lifecycle import TRIGGERS
from homeiq_assets.ml.registry import ModelRegistry

BENCHMARK_DIR = "benchmark"
AUDIT_DIR = "audit"
EVALS_DIR = "model_evals"
TRIGGER_TAG = "homeiq/trigger"


def eval_path(store: DataStore, cycle: str, model: str, kind: str = "") -> Path:
    suffix = f".{kind}" if kind else ""
    return store.root / EVALS_DIR / cycle / f"{model}{suffix}.json"


def read_eval(store: DataStore, cycle: str, model: str, kind: str = "") -> dict:
    path = eval_path(store, cycle, model, kind)
    if not path.exists():
        what = {"": "evaluation", "ab": "A/B evaluation", "monitoring": "monitoring"}[kind]
        raise dg.Failure(description=f"{model} has no {what} for cycle {cycle!r} ({path})")
    return read_json_or_fail(path)


def registry_of(store: DataStore) -> ModelRegistry:
    return ModelRegistry(store.root / "models")


def run_trigger(context: dg.AssetExecutionContext | dg.OpExecutionContext) -> str:
    """What started this run: the `homeiq/trigger` tag set by the schedule, a sensor or the
    CLI; a run launched from the UI has none and is manual."""
    trigger = context.run.tags.get(TRIGGER_TAG, "manual")
    return trigger if trigger in TRIGGERS else "manual"


@contextlib.contextmanager
def benchmark_lock(store: DataStore) -> Iterator[None]:
    """Two training runs (different models) may start together; one builds the benchmark."""
    store.root.mkdir(parents=True, exist_ok=True)
    with (store.root / ".benchmark.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
