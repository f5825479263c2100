"""The retraining sensors and the run-failure sensor.

- `data_sufficiency_sensor`: per model, the labelled records collected since the data the
  model was last trained on (its champion's cycles, the cycle of its last recorded training,
  the last cycle this sensor requested for); at or over its threshold
  (`HOMEIQ_RETRAIN_THRESHOLD_<MODEL>`) it requests one `retrain_<model>` run. The cursor keeps
  the last cycle requested per model, so the same data never triggers twice.
- `model_degradation_sensor`: reads each new `<model>_monitoring` materialisation (the
  champion scored on a cycle's unseen homes); a degraded champion gets one retraining run.
  Retrain-loop guard: at most one request per champion version (cursor and `run_key`), none
  while a training of the model is queued or running, and only homes the champion never saw.
- `run_failure_sensor`: a failed cycle or training run is recorded (the model's retraining
  history; cycle failures in `<data>/automation/cycle_failures.json`) and shown on the asset
  it concerns as an observation.
"""

from __future__ import annotations

import datetime as dt
import json

import dagster as dg

from homeiq_assets.defs.automation.liveness import live_runs
from homeiq_assets.defs.models.evaluations import TRIGGER_TAG, registry_of
from homeiq_assets.defs.models.jobs import RETRAIN_JOB_LIST, TRAINING_TAG, training_job
from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.defs.simulation.jobs import cycle_job
from homeiq_assets.ml.lifecycle import accounted_cycles, collected_cycles, new_data
from homeiq_assets.ml.training import MODEL_NAMES
from homeiq_assets.settings import Settings, settings
from homeiq_assets.storage import write_json_atomic

CYCLE_FAILURES = "automation/cycle_failures.json"


def training_in_progress(instance: dg.DagsterInstance, model: str) -> str | None:
    """The label of a live training run of `model`, if there is one."""
    live, _ = live_runs(
        instance, {TRAINING_TAG.format(model=model): "1"}, settings().max_run_seconds
    )
    return live[0].label if live else None


def retrain_request(model: str, cycle: str, trigger: str, run_key: str) -> dg.RunRequest:
    return dg.RunRequest(
        job_name=f"retrain_{model}",
        partition_key=cycle,
        run_key=run_key,
        tags={TRIGGER_TAG: trigger},
        run_config={
            "ops": {
                f"{model}_challenger": {
                    "config": {
                        "mode": settings().training_mode,
                        "allow_low_quality": settings().allow_low_quality,
                    }
                }
            }
        },
    )


def _status(s: Settings) -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.RUNNING if s.training_enabled else dg.DefaultSensorStatus.STOPPED


def evaluate_data_sufficiency(
    context: dg.SensorEvaluationContext, store: DataStore
) -> dg.SensorResult:
    cursor = json.loads(context.cursor) if context.cursor else {}
    instance = context.instance
    registry = registry_of(store)
    cycles = list(instance.get_dynamic_partitions(CYCLE_PARTITIONS_NAME))
    collected = collected_cycles(store.root, cycles)
    if not collected:
        return dg.SensorResult(skip_reason="no cycle has collected training data yet")
    latest = collected[-1]
    requests, notes = [], []
    for model in MODEL_NAMES:
        accounted = [*accounted_cycles(registry, model), cursor.get(model)]
        found = new_data(
            model, store.root, collected, accounted, settings().retrain_threshold(model)
        )
        if not found.sufficient:
            notes.append(found.text())
            continue
        busy = training_in_progress(instance, model)
        if busy:
            notes.append(f"{found.text()}, but {busy} is still training it")
            continue
        requests.append(retrain_request(model, latest, "data", f"data-{model}-{latest}"))
        cursor[model] = latest
        notes.append(f"{found.text()}: retraining on cycles up to {latest}")
    text = "; ".join(notes)
    if not requests:
        return dg.SensorResult(skip_reason=text, cursor=json.dumps(cursor, sort_keys=True))
    context.log.info(text)
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))


def evaluate_degradation(context: dg.SensorEvaluationContext, store: DataStore) -> dg.SensorResult:
    cursor = json.loads(context.cursor) if context.cursor else {}
    instance = context.instance
    registry = registry_of(store)
    collected = collected_cycles(store.root, instance.get_dynamic_partitions(CYCLE_PARTITIONS_NAME))
    requests, notes = [], []
    for model in MODEL_NAMES:
        state = dict(cursor.get(model, {}))
        found = instance.fetch_materializations(dg.AssetKey(f"{model}_monitoring"), limit=1)
        if not found.records:
            notes.append(f"{model}: not monitored yet")
            continue
        record = found.records[0]
        cycle = record.partition_key
        if record.storage_id <= state.get("event", -1):
            notes.append(f"{model}: nothing new since cycle {cycle}")
            continue
        state["event"] = record.storage_id
        cursor[model] = state
        meta = {k: v.value for k, v in record.asset_materialization.metadata.items()}
        champion, reason = meta.get("champion"), meta.get("reason", "")
        if not meta.get("degraded"):
            notes.append(f"{model} {champion} on cycle {cycle}: {reason}")
            continue
        if champion != registry.deployed(model):
            notes.append(f"{model}: {champion} degraded on {cycle} but is no longer champion")
            continue
        if state.get("fired") == champion:
            notes.append(
                f"{model} {champion} degraded again on cycle {cycle}; one retraining was "
                "requested for this champion already (retrain-loop guard)"
            )
            continue
        busy = training_in_progress(instance, model)
        if busy:
            notes.append(f"{model} {champion} degraded on {cycle}, but {busy} is training it")
            continue
        requests.append(
            retrain_request(model, collected[-1], "degradation", f"degradation-{model}-{champion}")
        )
        state["fired"] = champion
        notes.append(f"{model} {champion} degraded on cycle {cycle} ({reason}): retraining")
    text = "; ".join(notes)
    payload = json.dumps(cursor, sort_keys=True)
    if not requests:
        return dg.SensorResult(skip_reason=text, cursor=payload)
    context.log.warning(text)
    return dg.SensorResult(run_requests=requests, cursor=payload)


def build_sensors(s: Settings) -> list[dg.SensorDefinition]:
    @dg.sensor(
        name="data_sufficiency_sensor",
        jobs=RETRAIN_JOB_LIST,
        minimum_interval_seconds=s.sensor_interval_seconds,
        default_status=_status(s),
        description="Retrains a model once enough new labelled records have been collected "
        "since its last training (HOMEIQ_RETRAIN_THRESHOLD_<MODEL>).",
    )
    def data_sufficiency_sensor(context: dg.SensorEvaluationContext, store: DataStore):
        return evaluate_data_sufficiency(context, store)

    @dg.sensor(
        name="model_degradation_sensor",
        jobs=RETRAIN_JOB_LIST,
        minimum_interval_seconds=s.sensor_interval_seconds,
        default_status=_status(s),
        description="Retrains a model whose champion, scored on a new cycle's unseen homes, "
        "fell below its gate or more than the tolerance below its benchmark score (once per "
        "champion version).",
    )
    def model_degradation_sensor(context: dg.SensorEvaluationContext, store: DataStore):
        return evaluate_degradation(context, store)

    return [data_sufficiency_sensor, model_degradation_sensor]


data_sufficiency_sensor, model_degradation_sensor = build_sensors(settings())


def record_failure(
    instance: dg.DagsterInstance, store: DataStore, run: dg.DagsterRun, message: str
) -> list[str]:
    """Record a failed cycle or training run; returns where it was recorded."""
    partition = run.tags.get("dagster/partition")
    trigger = run.tags.get(TRIGGER_TAG, "manual")
    recorded = []
    if run.tags.get("homeiq/job") == "cycle":
        path = store.root / CYCLE_FAILURES
        entries = json.loads(path.read_text()) if path.exists() else []
        if not any(e.get("run_id") == run.run_id for e in entries):
            entries.append(
                {
                    "run_id": run.run_id,
                    "cycle": partition,
                    "trigger": trigger,
                    "reason": message,
                    "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                }
            )
            write_json_atomic(entries, path)
        recorded.append("cycle_failures")
        if partition:
            instance.report_runless_asset_event(
                dg.AssetObservation(
                    asset_key="training_data",
                    partition=partition,
                    metadata={"failed_run": run.run_id, "error": message[:500]},
                )
            )
    registry = registry_of(store)
    for model in MODEL_NAMES:
        if not run.tags.get(TRAINING_TAG.format(model=model)):
            continue
        if any(e.get("run_id") == run.run_id for e in registry.history(model)):
            continue  # the lifecycle recorded how it ended (e.g. a gate that blocked it)
        registry.record_history(
            model,
            {
                "run_id": run.run_id,
                "trigger": trigger,
                "cycle": partition,
                "decision": "failed",
                "reason": message,
            },
        )
        recorded.append(model)
        instance.report_runless_asset_event(
            dg.AssetObservation(
                asset_key=f"{model}_champion",
                partition=partition,
                metadata={"failed_run": run.run_id, "error": message[:500]},
            )
        )
    return recorded


def _step_failure(event: dg.DagsterEvent) -> str:
    """`step: why` from a step-failure event (a `dg.Failure`'s description, else the error)."""
    data = event.event_specific_data
    user = getattr(data, "user_failure_data", None)
    error = getattr(data, "error", None)
    why = (user.description if user and user.description else None) or (
        error.message.strip().splitlines()[-1] if error and error.message else "failed"
    )
    return f"{event.step_key}: {why}"


@dg.run_failure_sensor(
    name="run_failure_sensor",
    monitored_jobs=[cycle_job, training_job, *RETRAIN_JOB_LIST],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Records every failed cycle or training run (retraining history, cycle "
    "failures) and marks the asset it concerns with an observation.",
)
def run_failure_sensor(context: dg.RunFailureSensorContext, store: DataStore):
    run = context.dagster_run
    message = "; ".join(_step_failure(e) for e in context.get_step_failure_events()) or (
        context.failure_event.message or "run failed"
    )
    recorded = record_failure(context.instance, store, run, message)
    context.log.info(f"run {run.run_id[:8]} ({run.job_name}) failed: recorded in {recorded}")
