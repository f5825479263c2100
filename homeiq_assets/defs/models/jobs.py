"""Training jobs: `retrain_<model>` runs one model's lifecycle (benchmark, challenger,
evaluation with its gate, champion) for one cycle; `training_job` runs all five (what
`homeiq prepare-for-production` uses).

Run-queue limits in `dagster.yaml` allow one training of a model at a time: every run that
trains a model carries the tag `homeiq/train.<model>` (the all-model job carries all five), and
each such tag key is limited to one run.
"""

from __future__ import annotations

import dagster as dg

from homeiq_assets.defs.shared.executors import job_executor
from homeiq_assets.ml.training import MODEL_NAMES
from homeiq_assets.settings import settings

TRAINING_TAG = "homeiq/train.{model}"


def training_tags(models: tuple[str, ...]) -> dict[str, str]:
    """The tags of a run that trains `models`: the per-model concurrency keys, and what it is."""
    return {
        "homeiq/job": "training",
        "homeiq/model": models[0] if len(models) == 1 else "all",
        "dagster/max_runtime": str(settings().max_run_seconds),
        **{TRAINING_TAG.format(model=m): "1" for m in models},
    }


def lifecycle_selection(model: str) -> dg.AssetSelection:
    return dg.AssetSelection.assets(
        "benchmark_fleet",
        f"{model}_challenger",
        f"{model}_evaluation",
        f"{model}_champion",
    )


def _retrain_job(model: str) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        name=f"retrain_{model}",
        selection=lifecycle_selection(model),
        description=f"Retrain {model}: a challenger (mode in the config of {model}_challenger: "
        "full or incremental), its A/B evaluation against the champion on the benchmark homes, "
        "the gate, and the promotion or the reason the champion stays.",
        tags=training_tags((model,)),
        # the steps run one after the other: a process per step would only add start-up time
        executor_def=job_executor(),
    )


RETRAIN_JOBS = {model: _retrain_job(model) for model in MODEL_NAMES}
RETRAIN_JOB_LIST = list(RETRAIN_JOBS.values())

training_job = dg.define_asset_job(
    name="training_job",
    selection=dg.AssetSelection.groups("models", "deployment"),
    description="Every model's lifecycle for this cycle: train the five challengers, evaluate "
    "each against its champion, gate them (blocking checks) and promote those that pass.",
    tags=training_tags(MODEL_NAMES),
    executor_def=job_executor(),
)
