"""Which cycle and training runs are really in progress.

A run whose process died can stay STARTED in the instance for ever: with the default run
launcher, run monitoring cannot check a run worker's health, and a run executed in-process by
the CLI (`homeiq cycle` killed with `kill -9`) has no launcher at all. The schedule and the
sensors must not wait on such a run, so a run in progress counts only while

- the process that executes it (the pid its first engine event recorded) is still alive on
  this machine, and is the same process (its start time is not after the event), and
- it has not run longer than `HOMEIQ_MAX_RUN_SECONDS` (also its `dagster/max_runtime` tag, so
  the monitoring daemon ends it as well).

A run found dead is reported failed with the reason, so it stops blocking for good and the
run-failure sensor records it. No Dagster definitions live here (helpers of `defs/automation`).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass

import dagster as dg
import psutil

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]
HOST_TAG = "homeiq/host"
# NOT_STARTED / STARTING this long means its launch was lost (run monitoring says 180 s)
START_GRACE_SECONDS = 900


@dataclass(frozen=True)
class RunState:
    run: dg.DagsterRun
    alive: bool
    why: str  # e.g. "pid 1234 alive", "pid 1234 is gone"

    @property
    def label(self) -> str:
        key = self.run.tags.get("dagster/partition", "?")
        return f"run {self.run.run_id[:8]} ({self.run.job_name}, cycle {key})"


def _first_pid(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """The pid and time of the run's first engine event that names its process."""
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
        data = entry.dagster_event.engine_event_data if entry.dagster_event else None
        pid = data.metadata.get("pid") if data is not None else None
        if pid is not None:
            try:
                return int(pid.value), entry.timestamp
            except (TypeError, ValueError):
                continue
    return None


def _process_alive(pid: int, since: float) -> bool:
    try:
        proc = psutil.Process(pid)
        # a pid reused by a later process is not the run's process
        return (
            proc.is_running()
            and proc.status() != psutil.STATUS_ZOMBIE
            and (proc.create_time() <= since + 1.0)
        )
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def run_state(
    instance: dg.DagsterInstance, run: dg.DagsterRun, max_seconds: int, now: float | None = None
) -> RunState:
    """Whether an in-progress run is really in progress, and why (see the module doc)."""
    now = time.time() if now is None else now
    record = instance.get_run_record_by_id(run.run_id)
    started = (record.start_time if record else None) or (
        record.create_timestamp.timestamp() if record else now
    )
    age = now - started
    if run.status == dg.DagsterRunStatus.QUEUED:
        return RunState(run, True, "queued")
    if age > max_seconds:
        return RunState(run, False, f"running for {age / 3600:.1f} h, over {max_seconds} s")
    if run.status in (dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING):
        alive = age <= START_GRACE_SECONDS
        return RunState(run, alive, "starting" if alive else f"not started after {age:.0f} s")
    # a pid means something only on the machine of the process: the CLI tags its in-process
    # runs with its host; the default launcher starts run workers beside the daemon
    host = run.tags.get(HOST_TAG)
    local = (
        host == socket.gethostname()
        if host
        else isinstance(instance.run_launcher, dg.DefaultRunLauncher)
    )
    found = _first_pid(instance, run.run_id)
    if found is None or not local:
        return RunState(run, True, "no process to check; within its maximum runtime")
    pid, since = found
    if _process_alive(pid, since):
        return RunState(run, True, f"pid {pid} alive")
    return RunState(run, False, f"its process (pid {pid}) is gone")


def live_runs(
    instance: dg.DagsterInstance,
    tags: Mapping[str, str],
    max_seconds: int,
    *,
    exclude_partition: str | None = None,
    fail_dead: bool = True,
) -> tuple[list[RunState], list[RunState]]:
    """(live, dead) runs in progress with `tags`; dead ones are reported failed unless
    `fail_dead` is False."""
    runs = instance.get_runs(filters=dg.RunsFilter(tags=dict(tags), statuses=IN_PROGRESS))
    live, dead = [], []
    for run in runs:
        if exclude_partition and run.tags.get("dagster/partition") == exclude_partition:
            continue
        state = run_state(instance, run, max_seconds)
        (live if state.alive else dead).append(state)
        if not state.alive and fail_dead:
            instance.report_run_failed(
                run,
                message=f"homeiq: {state.label} was still marked {run.status.value} but "
                f"{state.why}; marked failed so it no longer blocks new runs",
            )
    return live, dead
