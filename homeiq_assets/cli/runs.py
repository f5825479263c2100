"""The one place the command line starts a Dagster run and follows it to its end.

`run_job` runs a job of the code location for one partition on the local instance, so the UI
lists the run under its job with its logs. Today it executes in this process (the reconstructable
job through `dg.execute_job`), which bypasses the run coordinator; so before it starts it refuses
what the coordinator's limits would hold back — a cycle while another cycle really runs, a
training of a model while that model trains (the same liveness check as the schedule). When CLI
runs become launched runs of the code location through the instance's run coordinator, only this
function changes.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

from homeiq_assets.cli.common import UsageError


class RunRefused(UsageError):
    """Starting the run now would break a concurrency rule; the message names the run."""


@dataclass
class RunOutcome:
    run_id: str
    job: str
    partition: str | None
    success: bool
    tags: dict[str, str] = field(default_factory=dict)
    result: object | None = None  # the ExecuteJobResult, for printing what the run produced


def _busy(instance, job_tags: Mapping[str, str]) -> str | None:
    from homeiq_assets.defs.automation.liveness import live_runs
    from homeiq_assets.settings import settings

    limits = [{"homeiq/job": "cycle"}] if job_tags.get("homeiq/job") == "cycle" else []
    limits += [{k: v} for k, v in job_tags.items() if k.startswith("homeiq/train.")]
    for tags in limits:
        live, _ = live_runs(instance, tags, settings().max_run_seconds)
        if live:
            return f"{live[0].label} is still in progress ({live[0].why})"
    return None


def run_job(
    instance,
    job_name: str,
    *,
    partition: str | None = None,
    run_config: dict | None = None,
    tags: Mapping[str, str] | None = None,
    log_level: str = "WARNING",
    new_partition: bool = False,
) -> RunOutcome:
    """Run `job_name` (for `partition`) to its end and return how it went. With
    `new_partition`, the cycle partition is added first (after the concurrency check, so a
    refused run leaves no partition behind)."""
    import dagster as dg

    from homeiq_assets.definitions import get_job
    from homeiq_assets.defs.automation.liveness import HOST_TAG
    from homeiq_assets.defs.models.evaluations import TRIGGER_TAG

    job = get_job(job_name)
    busy = _busy(instance, job.run_tags)
    if busy:
        raise RunRefused(f"{job_name}: {busy}; try again when it has finished")
    if new_partition and partition is not None:
        from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME

        instance.add_dynamic_partitions(CYCLE_PARTITIONS_NAME, [partition])
    run_tags = {TRIGGER_TAG: "manual", **(tags or {}), HOST_TAG: socket.gethostname()}
    if partition is not None:
        run_tags["dagster/partition"] = partition
    # every job of the code location runs its steps in one process (their executor)
    config = {"loggers": {"console": {"config": {"log_level": log_level}}}, **(run_config or {})}
    result = dg.execute_job(
        dg.build_reconstructable_job(
            "homeiq_assets.definitions", "get_job", reconstructable_args=(job_name,)
        ),
        instance=instance,
        run_config=config,
        tags=run_tags,
    )
    return RunOutcome(
        result.run_id, job_name, partition, result.success, dict(result.dagster_run.tags), result
    )
