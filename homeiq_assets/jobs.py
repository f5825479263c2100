"""Jobs. Partitioning comes from the assets (no partitions_def on the job)."""

from __future__ import annotations

import dagster as dg

# a cycle's data: simulate, collect training data, export
cycle_job = dg.define_asset_job(
    name="cycle_job",
    selection=dg.AssetSelection.groups("simulation", "collection", "exports"),
    description="Simulate a cycle's fleet, derive device health, collect labelled training "
    "data from the detection stages, export it, and run the data checks.",
    tags={"homeiq/job": "cycle"},
)

# train every model on all cycles so far, gate it on the benchmark homes, deploy what passes
training_job = dg.define_asset_job(
    name="training_job",
    selection=dg.AssetSelection.groups("models", "deployment"),
    description="Train the five models on the collected data of every cycle up to this one, "
    "score them on the benchmark fleet, gate them (blocking checks) and deploy those that pass.",
    tags={"homeiq/job": "training"},
)
