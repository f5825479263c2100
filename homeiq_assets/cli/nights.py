"""`homeiq nights N`: the continuous-learning loop, N nights back to back, on the local instance.

Each night evaluates the real `nightly_cycle` schedule at its next tick time (no waiting for the
clock), runs the cycle it requests, then evaluates the real degradation and data-sufficiency
sensors and runs the retraining they request (the run-failure sensor records a run that fails),
and prints what happened: the data added, which sensors fired, and each model's champion and
challenger with the decision. Sensor cursors persist in `<data>/automation/nights_cursors.json`
so a later `homeiq nights` continues where this one stopped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from homeiq_assets.cli.common import ensure_instance_env, positive

CURSORS = "automation/nights_cursors.json"


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from homeiq_assets.ml.model_names import MODES

    p = sub.add_parser(
        "nights",
        help="run N nightly cycles back to back through the schedule and the sensors",
        description="N nights of the loop: schedule tick -> cycle run -> sensors -> retraining; "
        "prints per night the data added, the sensors that fired, champion and challenger "
        "metrics and each decision.",
    )
    p.add_argument("n", type=int, help="number of nights")
    p.add_argument("--homes", type=int, default=None, help="homes per cycle (HOMEIQ_DEFAULT_HOMES)")
    p.add_argument("--days", type=int, default=None, help="days per cycle (HOMEIQ_DEFAULT_DAYS)")
    p.add_argument(
        "--mode", choices=MODES, default=None, help="retraining mode (HOMEIQ_TRAINING_MODE)"
    )
    p.add_argument(
        "--allow-low-quality",
        action="store_true",
        help="retraining may promote challengers that fail their gate (recorded)",
    )
    p.add_argument("--json", default=None, help="also write the nights as JSON to this file")


def tick_times(instance, n: int, cron: str, timezone: str, now: float | None = None) -> list:
    """The next `n` tick times of the schedule after now and after the last scheduled cycle, so
    a second `homeiq nights` never reuses a night."""
    from dagster._utils.schedules import cron_string_iterator

    from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME

    start = now or time.time()
    for key in instance.get_dynamic_partitions(CYCLE_PARTITIONS_NAME):
        try:
            when = dt.datetime.strptime(key, "n%Y%m%dT%H%MZ").replace(tzinfo=dt.UTC)
        except ValueError:
            continue
        start = max(start, when.timestamp())
    ticks = cron_string_iterator(start + 1, cron, timezone)
    return [next(ticks) for _ in range(n)]


def cmd_nights(args: argparse.Namespace) -> int:
    positive("N", args.n)
    for option in ("homes", "days"):
        if getattr(args, option) is not None:
            positive(f"--{option}", getattr(args, option))
    ensure_instance_env()
    import dagster as dg

    from homeiq_assets.definitions import build_defs
    from homeiq_assets.defs.shared.resources import DataStore
    from homeiq_assets.settings import settings
    from homeiq_assets.storage import write_json_atomic

    s = settings()
    store = DataStore(base_dir=str(s.data_dir))
    cursor_path = s.data_dir / CURSORS
    cursors = json.loads(cursor_path.read_text()) if cursor_path.exists() else {}
    defs = build_defs()
    nights = []
    from homeiq_assets.cli.runs import code_location

    with dg.DagsterInstance.get() as instance, code_location(instance):
        when_list = tick_times(instance, args.n, s.training_schedule, s.timezone)
        for i, when in enumerate(when_list, start=1):
            night = run_night(instance, defs, store, when, cursors, args)
            write_json_atomic(cursors, cursor_path)
            nights.append(night)
            print_night(i, args.n, night)
    if args.json:
        write_json_atomic(nights, Path(args.json))
    return 0 if all(n["cycle_success"] for n in nights) else 1


def _launch(instance, request, job_name: str, extra_tags: dict, run_config: dict | None):
    """Run one requested run unless a run with its run_key exists (what the daemon does)."""
    import dagster as dg

    from homeiq_assets.cli.runs import run_job

    if request.run_key:
        existing = instance.get_runs(
            filters=dg.RunsFilter(tags={"dagster/run_key": request.run_key}), limit=1
        )
        if existing:
            return None
    tags = {**request.tags, **extra_tags}
    if request.run_key:
        tags["dagster/run_key"] = request.run_key
    return run_job(
        instance,
        job_name,
        partition=request.partition_key,
        run_config=run_config if run_config is not None else dict(request.run_config or {}),
        tags=tags,
    )


def _record_failure(instance, store, outcome) -> None:
    """What the run-failure sensor does for a failed run, evaluated here as a daemon would."""
    import dagster as dg

    from homeiq_assets.defs.automation.sensors import run_failure_sensor

    failures = instance.get_records_for_run(
        outcome.run_id, of_type=dg.DagsterEventType.RUN_FAILURE
    ).records
    if not failures:  # cancelled, not failed
        return
    with dg.build_run_status_sensor_context(
        sensor_name=run_failure_sensor.name,
        dagster_event=failures[-1].event_log_entry.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(outcome.run_id),
        resources={"store": store},
    ) as context:
        run_failure_sensor(context.for_run_failure())


def run_night(instance, defs, store, when, cursors: dict, args) -> dict:
    """One night: schedule tick, cycle run, sensors, retraining runs."""
    import dagster as dg

    from homeiq_assets.collect import training_data as td
    from homeiq_assets.collect.lineage import TRAINING
    from homeiq_assets.defs.automation.schedule import nightly_cycle as schedule
    from homeiq_assets.defs.automation.sensors import (
        data_sufficiency_sensor,
        model_degradation_sensor,
    )
    from homeiq_assets.ml.registry import ModelRegistry

    started = time.perf_counter()
    tick = schedule.evaluate_tick(
        dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=when,
            repository_def=defs.get_repository_def(),
        )
    )
    night: dict = {"tick": when.isoformat(), "cycle": None, "cycle_success": True, "fired": {}}
    if not tick.run_requests:
        night["skipped"] = tick.skip_message
        return night
    request = tick.run_requests[0]
    sim = {k: v for k, v in {"homes": args.homes, "days": args.days}.items() if v is not None}
    cycle_config = {"ops": {"simulate_fleet": {"config": sim}}} if sim else None
    outcome = _launch(
        instance, request, "cycle_job", {"dagster/schedule_name": schedule.name}, cycle_config
    )
    night["cycle"] = request.partition_key
    if outcome is None:
        night["skipped"] = f"cycle {request.partition_key} ran already"
        return night
    night["cycle_success"] = outcome.success
    if not outcome.success:
        _record_failure(instance, store, outcome)
        night["skipped"] = f"cycle run {outcome.run_id[:8]} failed"
        return night
    stats = td.read_stats(store.root / TRAINING / request.partition_key).get("datasets", {})
    night["records"] = {k: int(v.get("kept", 0)) for k, v in stats.items()}
    night["cycle_seconds"] = round(time.perf_counter() - started, 1)

    registry = ModelRegistry(store.root / "models")
    run_ids: dict[str, list[str]] = {}
    night["sensors"] = {}
    # degradation first: a champion that degraded on tonight's homes is retrained even when
    # the data sensor would wait for more data
    for sensor in (model_degradation_sensor, data_sufficiency_sensor):
        name = sensor.name
        with dg.build_sensor_context(
            instance=instance,
            instance_ref=instance.get_ref(),
            cursor=cursors.get(name),
            resources={"store": store},
            definitions=defs,
        ) as context:
            result = sensor.evaluate_tick(context)
        cursors[name] = result.cursor
        night["sensors"][name] = result.skip_message or f"{len(result.run_requests)} request(s)"
        for req in result.run_requests:
            model = req.job_name.removeprefix("retrain_")
            night["fired"].setdefault(name, []).append(model)
            config = json.loads(json.dumps(req.run_config or {}))
            challenger = config.setdefault("ops", {}).setdefault(f"{model}_challenger", {})
            challenger = challenger.setdefault("config", {})
            if args.mode:
                challenger["mode"] = args.mode
            if args.allow_low_quality:
                challenger["allow_low_quality"] = True
            run = _launch(instance, req, req.job_name, {"dagster/sensor_name": name}, config)
            if run is None:
                continue
            run_ids.setdefault(model, []).append(run.run_id)
            if not run.success:
                _record_failure(instance, store, run)
    night["models"] = _model_lines(registry, run_ids)
    night["seconds"] = round(time.perf_counter() - started, 1)
    return night


def _model_lines(registry, run_ids: dict[str, list[str]]) -> dict[str, dict]:
    from homeiq_assets.ml.gates import HEADLINE
    from homeiq_assets.ml.training import MODEL_NAMES

    out = {}
    for model in MODEL_NAMES:
        history = registry.history(model)
        tonight = [e for e in history if e.get("run_id") in run_ids.get(model, [])]
        champion = registry.deployed(model)
        head = HEADLINE[model]
        value = None
        for e in reversed(history):  # the champion's benchmark score when it was last scored
            if e.get("version") == champion and e.get("challenger_metrics"):
                value = e["challenger_metrics"][head]
                break
            if e.get("champion_before") == champion and e.get("champion_metrics"):
                value = e["champion_metrics"].get(head)
                break
        line = {"headline": head, "champion": champion, "champion_value": value}
        if tonight:
            e = tonight[-1]
            line.update(
                challenger=e.get("version"),
                challenger_value=(e.get("challenger_metrics") or {}).get(head),
                mode=e.get("mode"),
                decision=e.get("decision"),
                reason=e.get("reason"),
            )
        out[model] = line
    return out


def _fmt(est: dict | None) -> str:
    if not est:
        return "—"
    return f"{est['value']:.3f} [{est['low']:.3f}, {est['high']:.3f}]"


def print_night(i: int, n: int, night: dict) -> None:
    print(f"night {i}/{n} — tick {night['tick']}, cycle {night['cycle'] or '—'}")
    if night.get("skipped"):
        print(f"  skipped: {night['skipped']}")
        return
    records = night.get("records", {})
    print(
        f"  data added: {sum(records.values()):,} records ("
        + ", ".join(f"{k} {v:,}" for k, v in sorted(records.items()))
        + f") in {night.get('cycle_seconds', 0):.0f} s"
    )
    for name, text in night.get("sensors", {}).items():
        fired = night["fired"].get(name)
        print(f"  {name}: " + (f"fired for {', '.join(fired)}" if fired else f"skipped — {text}"))
    for model, line in night.get("models", {}).items():
        head = line["headline"]
        champion = f"{line['champion'] or '—'} {head} {_fmt(line['champion_value'])}"
        text = f"  {model:<16} champion {champion}"
        if line.get("challenger"):
            challenger = f"{line['challenger']} ({line['mode']}) {_fmt(line['challenger_value'])}"
            text += f"; challenger {challenger} -> {line['decision']}: {line['reason']}"
        print(text)
    print(f"  night took {night.get('seconds', 0):.0f} s", file=sys.stderr)


COMMANDS = {"nights": cmd_nights}
