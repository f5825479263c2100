"""`homeiq status`: where the continuous-learning loop stands, from the local instance and the
model registry — the last cycle and its result, the next scheduled tick, each sensor's last
evaluation, and each champion with its metrics."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from homeiq_assets.cli.common import ensure_instance_env

SCHEDULE = "nightly_cycle"
SENSORS = ("data_sufficiency_sensor", "model_degradation_sensor", "run_failure_sensor")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "status",
        help="last cycle, next nightly tick, each sensor's last evaluation, each champion",
        description="The state of the nightly loop in the local Dagster instance and registry.",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")


def _when(ts: float | None) -> str:
    if not ts:
        return "—"
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


def next_tick(cron: str, timezone: str, now: float | None = None) -> dt.datetime:
    """The next time the nightly schedule fires (Dagster's own cron iterator, so the answer is
    the scheduler's)."""
    import time

    from dagster._utils.schedules import cron_string_iterator

    return next(cron_string_iterator(now or time.time(), cron, timezone))


def _last_cycle(instance) -> dict | None:
    import dagster as dg

    runs = instance.get_run_records(filters=dg.RunsFilter(tags={"homeiq/job": "cycle"}), limit=1)
    if not runs:
        return None
    record = runs[0]
    run = record.dagster_run
    return {
        "cycle": run.tags.get("dagster/partition"),
        "run_id": run.run_id,
        "status": run.status.value,
        "trigger": run.tags.get("homeiq/trigger", "manual"),
        "started": _when(record.start_time),
        "ended": _when(record.end_time),
    }


def _instigators(instance) -> dict[str, dict]:
    """name -> {status, last tick} for the schedule and sensors the daemon has evaluated."""
    out = {}
    for state in instance.all_instigator_state():
        if state.name not in (SCHEDULE, *SENSORS):
            continue
        ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
        tick = ticks[0] if ticks else None
        out[state.name] = {
            "status": state.status.value,
            "last_evaluation": _when(tick.timestamp) if tick else "—",
            "result": tick.status.value if tick else "never evaluated",
            "runs": list(tick.run_ids) if tick else [],
            "skip_reason": tick.skip_reason if tick else None,
            "error": tick.error.message.strip().splitlines()[0] if tick and tick.error else None,
        }
    return out


def _champions(root) -> dict[str, dict]:
    from homeiq_assets.ml.gates import HEADLINE
    from homeiq_assets.ml.registry import ModelRegistry, gate_passed, key_metrics
    from homeiq_assets.ml.training import MODEL_NAMES

    registry = ModelRegistry(root / "models")
    out = {}
    for model in MODEL_NAMES:
        aliases = registry.aliases(model)
        champion = aliases["champion"]
        if champion is None:
            out[model] = {"champion": None}
            continue
        meta = registry.metadata(model, champion)
        promoted = [
            e
            for e in registry.history(model)
            if e.get("version") == champion and e.get("challenger_metrics")
        ]
        intervals = promoted[-1]["challenger_metrics"] if promoted else {}
        out[model] = {
            "champion": champion,
            "previous": aliases["previous"],
            "headline": HEADLINE[model],
            "metrics": key_metrics(model, meta),
            "intervals": intervals,
            "gate_passed": gate_passed(meta),
            "allow_low_quality": meta.get("allow_low_quality", False),
            "trained_on_cycles": len(meta.get("training_cycles") or []),
        }
    return out


def cmd_status(args: argparse.Namespace) -> int:
    from homeiq_assets.settings import settings

    s = settings()
    ensure_instance_env()
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        status = {
            "last_cycle": _last_cycle(instance),
            "schedule": {
                "name": SCHEDULE,
                "cron": s.training_schedule,
                "timezone": s.timezone,
                "enabled_by_default": s.training_enabled,
                "next_tick": next_tick(s.training_schedule, s.timezone).isoformat(),
                "mode": s.training_mode,
            },
            "instigators": _instigators(instance),
            "champions": _champions(s.data_dir),
        }
    if args.json:
        json.dump(status, sys.stdout, indent=2, default=str)
        print()
        return 0
    _print(status)
    return 0


def _print(status: dict) -> None:
    last = status["last_cycle"]
    if last:
        print(
            f"last cycle: {last['cycle']} — {last['status']} ({last['trigger']}; started "
            f"{last['started']}, ended {last['ended']}; run {last['run_id'][:8]})"
        )
    else:
        print("last cycle: none yet")
    sched = status["schedule"]
    state = status["instigators"].get(SCHEDULE, {})
    running = state.get("status") or ("default on" if sched["enabled_by_default"] else "off")
    print(
        f"schedule {sched['name']} ({running}): cron {sched['cron']} {sched['timezone']}, next "
        f"tick {sched['next_tick']}; retraining mode {sched['mode']}"
    )
    if not status["instigators"]:
        print("  the daemon has not evaluated anything yet (`make ui` runs it)")
    for name in (SCHEDULE, *SENSORS):
        tick = status["instigators"].get(name)
        if not tick:
            print(f"  {name}: never evaluated")
            continue
        detail = (
            tick["skip_reason"]
            or tick["error"]
            or (f"requested {len(tick['runs'])} run(s)" if tick["runs"] else "")
        )
        print(
            f"  {name}: {tick['last_evaluation']} {tick['result']}"
            + (f" — {detail}" if detail else "")
        )
    print("champions:")
    for model, c in status["champions"].items():
        if not c["champion"]:
            print(f"  {model:<16} none")
            continue
        head = c["headline"]
        est = c["intervals"].get(head)
        value = (
            f"{head} {est['value']:.3f} [{est['low']:.3f}, {est['high']:.3f}]"
            if est
            else f"{head} {c['metrics'].get(head, float('nan')):.3f}"
        )
        others = " ".join(f"{k}={v:.3f}" for k, v in c["metrics"].items() if k != head)
        gate = "gate passed" if c["gate_passed"] else "gate FAILED (allowed low quality)"
        print(
            f"  {model:<16} {c['champion']} (previous {c['previous'] or '—'}): {value}; "
            f"{others}; {gate}; {c['trained_on_cycles']} cycles"
        )


COMMANDS = {"status": cmd_status}
