"""The one place the command line starts a Dagster run and follows it to its end.

`run_job` submits a run of the code location through the instance's run coordinator, exactly
as the UI's Launchpad does: the run gets the code location's origin (so the UI lists it under
its job and on the timeline, and "Re-execute" works without a warning), it waits in the run
queue behind the concurrency limits of `dagster.yaml`, and the run launcher starts it in its own
process. The command then streams the run's progress lines and step outcomes to stderr until
the run ends.

Where the code location comes from: the workspace file named by `HOMEIQ_WORKSPACE`, else
`$DAGSTER_HOME/workspace.yaml`, else the `homeiq_assets.definitions` module (location
`homeiq_assets`, as `make ui` names it). A module location is served by a code server this
command starts for itself (a `dagster api grpc` subprocess, stopped when the command ends); a
`grpc_server` location (the docker-compose deployment) is reached where it runs.

Who takes the run out of the queue: a `dagster-daemon` (of `make ui` or the deployment) when one
is alive — its run-queue heartbeat is under a minute and a half old. Without one (a fresh
machine, `make run`), this command dequeues its own run the way the daemon would, with
Dagster's own queue rules (`QueuedRunCoordinatorDaemon`), and only its own run: other queued
runs wait for a daemon. So `make run` needs nothing else running, and a run it starts still
waits for a cycle or training that is really in progress.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from homeiq_assets.cli.common import UsageError

LOCATION = "homeiq_assets"
REPOSITORY = "__repository__"
DEFINITIONS_MODULE = "homeiq_assets.definitions"
# a daemon whose run-queue heartbeat is older than this is not dequeuing (it beats every 30 s)
DAEMON_FRESH_SECONDS = 90
POLL_SECONDS = 0.5


class RunRefused(UsageError):
    """The run cannot be submitted (unknown job, unreachable code location); the message says
    why."""


@dataclass
class RunOutcome:
    run_id: str
    job: str
    partition: str | None
    success: bool
    status: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    failure: str = ""  # the run's failure message, when it failed


def workspace_file() -> Path | None:
    """The workspace file of the code location, if one is configured (see the module doc)."""
    configured = os.environ.get("HOMEIQ_WORKSPACE")
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise UsageError(f"HOMEIQ_WORKSPACE: {configured} is not a file")
        return path
    home = os.environ.get("DAGSTER_HOME")
    if home and (Path(home) / "workspace.yaml").is_file():
        return Path(home) / "workspace.yaml"
    return None


def _load_target():
    from dagster._core.workspace.load_target import ModuleTarget, WorkspaceFileTarget

    path = workspace_file()
    if path is not None:
        return WorkspaceFileTarget(paths=[str(path)])
    return ModuleTarget(
        module_name=DEFINITIONS_MODULE,
        attribute=None,
        working_directory=None,
        location_name=LOCATION,
    )


class CodeLocation:
    """The code location as the webserver and daemon see it, opened once per command and
    reused by every run the command starts."""

    def __init__(self, instance) -> None:
        from dagster._core.workspace.context import WorkspaceProcessContext

        self.instance = instance
        self._stack = contextlib.ExitStack()
        self.process = self._stack.enter_context(
            WorkspaceProcessContext(
                instance,
                workspace_load_target=_load_target(),
                code_server_log_level="WARNING",
            )
        )
        self._dequeuer = None

    def close(self) -> None:
        self._stack.close()

    def workspace(self):
        context = self.process.create_request_context()
        entry = context.get_code_location_entries().get(LOCATION)
        if entry is None:
            raise RunRefused(f"the workspace has no code location {LOCATION!r}")
        if entry.load_error is not None:
            raise RunRefused(
                f"code location {LOCATION!r} failed to load: "
                f"{entry.load_error.message.strip().splitlines()[-1]}"
            )
        return context

    def submit(self, job_name: str, run_config: Mapping, tags: Mapping[str, str]):
        """Create the run with the code location's origin and hand it to the run coordinator."""
        from dagster._core.definitions.selector import JobSubsetSelector

        context = self.workspace()
        location = context.get_code_location(LOCATION)
        selector = JobSubsetSelector(
            location_name=LOCATION,
            repository_name=REPOSITORY,
            job_name=job_name,
            op_selection=None,
        )
        if not location.has_repository(REPOSITORY) or not location.get_repository(
            REPOSITORY
        ).has_job(job_name):
            raise RunRefused(f"the code location has no job {job_name!r}")
        repository = location.get_repository(REPOSITORY)
        remote_job = location.get_job(selector)
        plan = location.get_execution_plan(
            remote_job,
            dict(run_config),
            step_keys_to_execute=None,
            known_state=None,
            instance=self.instance,
        ).execution_plan_snapshot
        run = self.instance.create_run(
            job_name=job_name,
            run_id=None,
            run_config=dict(run_config),
            resolved_op_selection=None,
            step_keys_to_execute=plan.step_keys_to_execute,
            op_selection=None,
            status=None,
            root_run_id=None,
            parent_run_id=None,
            tags={**remote_job.tags, **tags},
            job_snapshot=remote_job.job_snapshot,
            execution_plan_snapshot=plan,
            parent_job_snapshot=remote_job.parent_job_snapshot,
            remote_job_origin=remote_job.get_remote_origin(),
            job_code_origin=remote_job.get_python_origin(),
            asset_selection=None,
            asset_check_selection=None,
            asset_graph=repository.asset_graph,
        )
        return self.instance.submit_run(run.run_id, context)

    def dequeue(self, run_id: str) -> bool:
        """Launch `run_id` if no daemon is dequeuing and Dagster's queue rules let it start now
        (the same rules, and code, as the daemon's run-queue loop)."""
        import dagster as dg
        from dagster._core.run_coordinator import QueuedRunCoordinator
        from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
            QueuedRunCoordinatorDaemon,
        )

        instance = self.instance
        if not isinstance(instance.run_coordinator, QueuedRunCoordinator) or daemon_alive(instance):
            return False
        if self._dequeuer is None:
            self._dequeuer = self._stack.enter_context(QueuedRunCoordinatorDaemon(1))
        config = instance.get_concurrency_config()
        allowed = self._dequeuer._get_runs_to_dequeue(instance, config, None)
        run = next((r for r in allowed if r.run_id == run_id), None)
        if run is None:
            return False
        launched = self._dequeuer._dequeue_run(
            instance, self.process.create_request_context(), run, config, None
        )
        current = instance.get_run_by_id(run_id)
        return bool(launched) or current.status != dg.DagsterRunStatus.QUEUED


_OPEN: list[CodeLocation] = []


@contextlib.contextmanager
def code_location(instance) -> Iterator[CodeLocation]:
    """Open the code location for the runs of one command (nested uses share it)."""
    if _OPEN and _OPEN[-1].instance is instance:
        yield _OPEN[-1]
        return
    location = CodeLocation(instance)
    _OPEN.append(location)
    try:
        yield location
    finally:
        _OPEN.remove(location)
        location.close()


def daemon_alive(instance) -> bool:
    """Whether a dagster-daemon is taking runs out of this instance's queue right now."""
    beat = instance.get_daemon_heartbeats().get("QUEUED_RUN_COORDINATOR")
    return beat is not None and time.time() - beat.timestamp < DAEMON_FRESH_SECONDS


def _clear_dead_runs(instance, job_tags: Mapping[str, str]) -> None:
    """Fail cycle or training runs whose process died, so they do not hold the queue."""
    from homeiq_assets.defs.automation.liveness import live_runs
    from homeiq_assets.settings import settings

    limits = [{"homeiq/job": "cycle"}] if job_tags.get("homeiq/job") == "cycle" else []
    limits += [{k: v} for k, v in job_tags.items() if k.startswith("homeiq/train.")]
    for tags in limits:
        live_runs(instance, tags, settings().max_run_seconds)


def run_job(
    instance,
    job_name: str,
    *,
    partition: str | None = None,
    run_config: dict | None = None,
    tags: Mapping[str, str] | None = None,
    log_level: str = "INFO",
    new_partition: bool = False,
    echo: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Submit a run of `job_name` (for `partition`) to the instance's run queue, follow it to
    its end streaming its progress (lines at `log_level` and above) to stderr, and return how it
    went. With `new_partition`, the cycle partition is added first."""
    from homeiq_assets.definitions import get_job
    from homeiq_assets.defs.models.evaluations import TRIGGER_TAG

    echo = echo or _stderr
    try:
        job = get_job(job_name)
    except Exception:
        raise RunRefused(f"the code location has no job {job_name!r}") from None
    _clear_dead_runs(instance, job.run_tags)
    if new_partition and partition is not None:
        from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME

        if not instance.has_dynamic_partition(CYCLE_PARTITIONS_NAME, partition):
            instance.add_dynamic_partitions(CYCLE_PARTITIONS_NAME, [partition])
    run_tags = {TRIGGER_TAG: "manual", "homeiq/source": "cli", **(tags or {})}
    if partition is not None:
        run_tags["dagster/partition"] = partition
    # the run's own console logger stays quiet: this command prints its progress (below)
    config = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}, **(run_config or {})}
    with code_location(instance) as location:
        run = location.submit(job_name, config, run_tags)
        echo(f"run {run.run_id} ({job_name}) submitted to the run queue")
        try:
            final = follow(instance, run.run_id, location, echo, log_level)
        except KeyboardInterrupt:
            echo(f"interrupted: cancelling run {run.run_id}")
            instance.run_coordinator.cancel_run(run.run_id)
            raise
    import dagster as dg

    return RunOutcome(
        run_id=final.run_id,
        job=job_name,
        partition=partition,
        success=final.status == dg.DagsterRunStatus.SUCCESS,
        status=final.status.value,
        tags=dict(final.tags),
        failure=run_failure_message(instance, final.run_id),
    )


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


def follow(instance, run_id: str, location: CodeLocation | None, echo, log_level: str = "INFO"):
    """Stream a run's events until it ends; returns the finished DagsterRun."""
    import dagster as dg

    threshold = LEVELS.get(log_level.upper(), 20)
    cursor = None
    queued_since = time.monotonic()
    said_queued = False
    while True:
        run = instance.get_run_by_id(run_id)
        if run.status == dg.DagsterRunStatus.QUEUED:
            if location is not None and location.dequeue(run_id):
                continue
            if not said_queued and time.monotonic() - queued_since > 3:
                echo(f"run {run_id[:8]} is queued: {_queue_reason(instance, run)}")
                said_queued = True
        while True:
            conn = instance.get_records_for_run(run_id, cursor=cursor, limit=200)
            for record in conn.records:
                line = describe(record.event_log_entry, threshold)
                if line:
                    echo(line)
            cursor = conn.cursor
            if not conn.has_more:
                break
        if run.is_finished:
            return run
        time.sleep(POLL_SECONDS)


def _queue_reason(instance, run) -> str:
    import dagster as dg

    from homeiq_assets.defs.automation.liveness import IN_PROGRESS

    busy = [
        r
        for r in instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS), limit=20)
        if r.run_id != run.run_id and r.status != dg.DagsterRunStatus.QUEUED
    ]
    shared = [
        r
        for r in busy
        if any(
            r.tags.get(k) == v
            for k, v in run.tags.items()
            if k == "homeiq/job" and v == "cycle" or k.startswith("homeiq/train.")
        )
    ]
    if shared:
        other = shared[0]
        return (
            f"waiting for run {other.run_id[:8]} ({other.job_name}, cycle "
            f"{other.tags.get('dagster/partition', '?')}) — one at a time"
        )
    if not daemon_alive(instance) and busy:
        return f"waiting for {len(busy)} run(s) in progress (run limit)"
    return "waiting for the run queue"


def describe(entry, threshold: int = 20) -> str | None:
    """One line for an event worth showing on a terminal, else None."""
    from dagster import DagsterEventType as T

    event = entry.dagster_event
    step = entry.step_key or ""
    if event is None:  # a context.log line of an asset
        if entry.level >= threshold and entry.user_message.strip():
            text = entry.user_message.strip().splitlines()[0]  # no tracebacks on the terminal
            return f"  {step}: {text}" if step else f"  {text}"
        return None
    kind = event.event_type
    if kind == T.RUN_START:
        return "  run started"
    if kind == T.STEP_START:
        return f"  {step} …"
    if kind == T.STEP_SUCCESS:
        seconds = getattr(event.event_specific_data, "duration_ms", 0) / 1000
        return f"  {step} done ({seconds:.1f} s)"
    if kind == T.STEP_FAILURE:
        return f"  {step} FAILED: {step_failure_text(event)}"
    if kind == T.ASSET_CHECK_EVALUATION:
        data = event.event_specific_data
        if not data.passed:
            return f"  check {data.check_name} failed: {data.description or ''}".rstrip(": ")
        return None
    if kind == T.STEP_SKIPPED:
        return f"  {step} skipped (an upstream step or blocking check failed)"
    if kind in (T.RUN_FAILURE, T.RUN_CANCELED):
        return f"  run {kind.value.split('_')[-1].lower()}: {event.message or ''}".rstrip(": ")
    return None


def step_failure_text(event) -> str:
    """The reason a step failed: a `dg.Failure`'s description, else the error's last line."""
    data = event.event_specific_data
    user = getattr(data, "user_failure_data", None)
    error = getattr(data, "error", None)
    if user is not None and user.description:
        return user.description
    if error is not None:
        cause = error
        while cause.cause is not None and cause.cls_name in (
            "DagsterExecutionStepExecutionError",
            "DagsterUserCodeExecutionError",
        ):
            cause = cause.cause
        text = (cause.message or "").strip().splitlines()
        return text[-1] if text else cause.cls_name or "failed"
    return "failed"


def run_failure_message(instance, run_id: str) -> str:
    """Why a run failed: its failed steps, else the run-failure event's message."""
    import dagster as dg

    steps = [
        f"{r.event_log_entry.step_key}: {step_failure_text(r.event_log_entry.dagster_event)}"
        for r in instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.STEP_FAILURE
        ).records
    ]
    if steps:
        return "; ".join(steps)
    failures = instance.get_records_for_run(
        run_id, of_type={dg.DagsterEventType.RUN_FAILURE, dg.DagsterEventType.RUN_CANCELED}
    ).records
    return failures[-1].event_log_entry.dagster_event.message or "" if failures else ""
