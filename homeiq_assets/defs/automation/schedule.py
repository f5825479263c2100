"""The nightly schedule: each tick adds one cycle partition, named from its scheduled time, and
launches that cycle's run (simulate, collect, export, monitor the champions).

Why a schedule and not a sensor on a cron cadence: Dagster schedules cannot request dynamic
partitions with their run (dagster-io/dagster#14921), a sensor could add both atomically. But a
schedule gives what a nightly job needs from the UI — the cron and timezone shown, the next
tick, start/stop, the tick history with skip reasons — and the missing atomicity costs nothing
here: the key is a pure function of the scheduled time, adding it is idempotent, and the run
request carries the same key as its `run_key`, which the scheduler never launches twice. A tick
retried after a crash between the two steps finds the partition and launches the one run; a
retry after the launch adds neither.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from homeiq_assets.defs.automation.liveness import live_runs
from homeiq_assets.defs.models.evaluations import TRIGGER_TAG
from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME, validate_cycle_key
from homeiq_assets.defs.simulation.jobs import cycle_job
from homeiq_assets.settings import Settings, settings


def scheduled_cycle_key(when: dt.datetime) -> str:
    """`n20261122T0200Z`: the tick's time in UTC, so a retried tick finds its own key and the
    two 01:30 ticks of a daylight-saving night get different ones."""
    return validate_cycle_key("n" + when.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ"))


def evaluate_nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """One tick: skip while another cycle really runs, else add the partition and request its
    run (see the module doc)."""
    instance = context.instance
    key = scheduled_cycle_key(context.scheduled_execution_time)
    request = dg.RunRequest(run_key=key, partition_key=key, tags={TRIGGER_TAG: "schedule"})
    own = instance.get_runs(
        filters=dg.RunsFilter(tags={"homeiq/job": "cycle", "dagster/partition": key}), limit=1
    )
    if own:  # a retried tick whose run exists: the scheduler finds it by run_key
        return request
    live, dead = live_runs(
        instance, {"homeiq/job": "cycle"}, settings().max_run_seconds, exclude_partition=key
    )
    for state in dead:
        context.log.warning(f"{state.label} is dead ({state.why}); marked failed")
    if live:
        busy = live[0]
        return dg.SkipReason(
            f"{busy.label} is still in progress ({busy.why}); cycle {key} is skipped, the next "
            "tick tries again"
        )
    if not instance.has_dynamic_partition(CYCLE_PARTITIONS_NAME, key):
        instance.add_dynamic_partitions(CYCLE_PARTITIONS_NAME, [key])
    return request


def build_nightly_schedule(s: Settings) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="nightly_cycle",
        job=cycle_job,
        cron_schedule=s.training_schedule,
        execution_timezone=s.timezone,
        default_status=(
            dg.DefaultScheduleStatus.RUNNING
            if s.training_enabled
            else dg.DefaultScheduleStatus.STOPPED
        ),
        description="Each tick adds one cycle partition (named from the scheduled time) and "
        "runs it; skips while another cycle is really in progress. Cron "
        "HOMEIQ_TRAINING_SCHEDULE, timezone HOMEIQ_TIMEZONE, on/off HOMEIQ_TRAINING_ENABLED.",
        tags={TRIGGER_TAG: "schedule"},
    )
    def nightly_cycle(context: dg.ScheduleEvaluationContext):
        return evaluate_nightly(context)

    return nightly_cycle


nightly_cycle = build_nightly_schedule(settings())
