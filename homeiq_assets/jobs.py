"""Jobs. Partitioning comes from the assets (no partitions_def on the job)."""

from __future__ import annotations

import dagster as dg

# the full cycle: simulate, collect training data, export
cycle_job = dg.define_asset_job(
    name="cycle_job",
    selection=dg.AssetSelection.groups("simulation", "collection", "exports"),
    description="Simulate a cycle's fleet, derive device health, collect labelled training "
    "data from the detection stages, export it, and run the data checks.",
    tags={"homeiq/job": "cycle"},
)
