"""The cycle job: a cycle's data, from the simulation through collection to the exports, and
each champion scored on the cycle's new homes (`monitoring`).

It starts in this stage and selects the `simulation`, `collection`, `exports` and `monitoring`
groups, so a newcomer finds the job where its run begins. Partitioning comes from the assets
(no `partitions_def` on the job). Its `homeiq/job: cycle` tag is limited to one run at a time in
`dagster.yaml`, and `dagster/max_runtime` lets run monitoring end a run that hangs. It runs in
one process unless `HOMEIQ_EXECUTOR` says otherwise (`defs/shared/executors.py`).
"""

from __future__ import annotations

import dagster as dg

from homeiq_assets.defs.shared.executors import job_executor
from homeiq_assets.settings import settings

CYCLE_TAGS = {"homeiq/job": "cycle", "dagster/max_runtime": str(settings().max_run_seconds)}

cycle_job = dg.define_asset_job(
    name="cycle_job",
    selection=dg.AssetSelection.groups("simulation", "collection", "exports", "monitoring"),
    description="Simulate a cycle's fleet, derive device health, collect labelled training "
    "data from the detection stages, export it, run the data checks, and score each champion "
    "on the cycle's new homes.",
    tags=CYCLE_TAGS,
    # one process by default: on a loaded 2-core box a process per step (~30 steps, each
    # importing the code location) took 300 s for a 6-home cycle that runs in 18 s in process;
    # the simulation still spreads over HOMEIQ_WORKERS processes. HOMEIQ_EXECUTOR=k8s|celery|
    # multiprocess spreads the steps instead (defs/shared/executors.py)
    executor_def=job_executor(),
)
