"""Jobs. Partitioning comes from the assets (no partitions_def on the job)."""

from __future__ import annotations

import dagster as dg

# the full cycle: today the simulation group; later stages join the selection
cycle_job = dg.define_asset_job(
    name="cycle_job",
    selection=dg.AssetSelection.groups("simulation"),
    description="Simulate a cycle's fleet, derive device health and run the data checks.",
    tags={"homeiq/job": "cycle"},
)
