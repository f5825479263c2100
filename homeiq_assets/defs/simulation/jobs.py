"""The cycle job: a cycle's data, from the simulation through collection to the exports.

It starts in this stage and selects the `simulation`, `collection` and `exports` groups, so a
newcomer finds the job where its run begins. Partitioning comes from the assets (no
`partitions_def` on the job).
"""

from __future__ import annotations

import dagster as dg

cycle_job = dg.define_asset_job(
    name="cycle_job",
    selection=dg.AssetSelection.groups("simulation", "collection", "exports"),
    description="Simulate a cycle's fleet, derive device health, collect labelled training "
    "data from the detection stages, export it, and run the data checks.",
    tags={"homeiq/job": "cycle"},
)
