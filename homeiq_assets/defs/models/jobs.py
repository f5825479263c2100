"""The training job: every model trained on all cycles so far, gated on the benchmark homes, and
the versions that pass deployed."""

from __future__ import annotations

import dagster as dg

training_job = dg.define_asset_job(
    name="training_job",
    selection=dg.AssetSelection.groups("models", "deployment"),
    description="Train the five models on the collected data of every cycle up to this one, "
    "score them on the benchmark fleet, gate them (blocking checks) and deploy those that pass.",
    tags={"homeiq/job": "training"},
)
