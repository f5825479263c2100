"""`homeiq retrain MODEL`: one run of the model's lifecycle (`retrain_<model>` job) on the
latest collected cycle, in the local instance: a challenger (full or incremental), its A/B
evaluation against the champion, the gate, and the promotion or the reason the champion
stays. The same job the sensors start, so the UI lists the run next to theirs."""

from __future__ import annotations

import argparse
import sys

from homeiq_assets.cli.common import UsageError, ensure_instance_env


def add_parsers(sub: argparse._SubParsersAction) -> None:
    from homeiq_assets.ml.model_names import MODEL_NAMES, MODES

    p = sub.add_parser(
        "retrain",
        help="retrain one model now: challenger, A/B against the champion, gate, promotion",
        description="Run one model's lifecycle on the collected data of the latest cycle "
        "(or --cycle). Recorded in its retraining history with trigger 'manual'.",
    )
    p.add_argument("model", choices=MODEL_NAMES, help="the model to retrain")
    p.add_argument(
        "--mode",
        choices=MODES,
        default=None,
        help="full: every cycle so far; incremental: update the champion with the cycles it "
        "has not seen (default HOMEIQ_TRAINING_MODE)",
    )
    p.add_argument("--cycle", default=None, help="train on data up to this cycle (default: latest)")
    p.add_argument("--seed", type=int, default=0, help="training seed")
    p.add_argument(
        "--allow-low-quality",
        action="store_true",
        help="promote even if the gate fails (recorded in the version and the history)",
    )


def cmd_retrain(args: argparse.Namespace) -> int:
    from homeiq_assets.settings import settings

    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0 (got {args.seed})")
    ensure_instance_env()
    import dagster as dg

    from homeiq_assets.cli.common import print_run
    from homeiq_assets.cli.runs import run_job
    from homeiq_assets.defs.models.evaluations import TRIGGER_TAG
    from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME
    from homeiq_assets.ml.lifecycle import collected_cycles
    from homeiq_assets.ml.registry import ModelRegistry

    root = settings().data_dir
    with dg.DagsterInstance.get() as instance:
        known = collected_cycles(root, instance.get_dynamic_partitions(CYCLE_PARTITIONS_NAME))
        cycle = args.cycle or (known[-1] if known else None)
        if cycle is None:
            raise UsageError("no cycle has collected training data yet: run `homeiq cycle` first")
        if cycle not in known:
            raise UsageError(f"--cycle: {cycle!r} has no collected training data")
        config = {"seed": args.seed, "allow_low_quality": bool(args.allow_low_quality)}
        if args.mode:
            config["mode"] = args.mode
        print(f"retraining {args.model} on data up to cycle {cycle}", file=sys.stderr)
        outcome = run_job(
            instance,
            f"retrain_{args.model}",
            partition=cycle,
            run_config={"ops": {f"{args.model}_challenger": {"config": config}}},
            tags={TRIGGER_TAG: "manual"},
        )
        print_run(outcome, instance, cycle)
    entries = [
        e
        for e in ModelRegistry(root / "models").history(args.model)
        if e.get("run_id") == outcome.run_id
    ]
    for entry in entries:
        print(f"{args.model}: {entry['decision']} — {entry['reason']}")
    return 0 if outcome.success else 1


COMMANDS = {"retrain": cmd_retrain}
