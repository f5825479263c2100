"""`homeiq cycle`: add a cycle partition to the local Dagster instance and materialise every
data asset for it, so the run shows in the UI."""

from __future__ import annotations

import argparse
import os
import sys

from homeiq_assets.cli.common import (
    UsageError,
    date_option,
    ensure_instance_env,
    positive,
    print_run,
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cycle",
        help="materialise a new cycle in the local Dagster instance",
        description="Add a cycle partition and materialise every asset for it.",
    )
    p.add_argument("--homes", type=int, default=None, help="homes (HOMEIQ_DEFAULT_HOMES)")
    p.add_argument("--days", type=int, default=None, help="days (HOMEIQ_DEFAULT_DAYS)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: from the cycle key)")
    p.add_argument("--start", default=None, help="first day YYYY-MM-DD (default: from seed)")
    p.add_argument("--cycle", default=None, help="new cycle key (default: c<date>-<time>)")
    p.add_argument("--workers", type=int, default=None, help="worker processes")


def cmd_cycle(args: argparse.Namespace) -> int:
    from homeiq_assets.defs.shared.partitions import new_cycle_key, validate_cycle_key

    for option in ("homes", "days", "workers"):
        value = getattr(args, option)
        if value is not None:
            positive(f"--{option}", value)
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed must be >= 0 (got {args.seed})")
    if args.start is not None:
        date_option("--start", args.start)
    key = args.cycle or new_cycle_key()
    try:
        validate_cycle_key(key)
    except ValueError as exc:
        raise UsageError(f"--cycle: {exc}") from None
    run_config = {
        "ops": {
            "simulate_fleet": {
                "config": {
                    k: v
                    for k, v in {
                        "homes": args.homes,
                        "days": args.days,
                        "seed": args.seed,
                        "start": args.start,
                        "workers": args.workers,
                    }.items()
                    if v is not None
                }
            }
        }
    }

    from homeiq_assets.defs.simulation.assets import SimulationConfig, sim_config_for

    try:  # the same validation the asset does, but before a run exists
        sim = sim_config_for(key, SimulationConfig(**run_config["ops"]["simulate_fleet"]["config"]))
    except ValueError as exc:
        raise UsageError(f"--{exc}") from None

    ensure_instance_env()
    import dagster as dg

    from homeiq_assets.cli.runs import run_job
    from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME

    with dg.DagsterInstance.get() as instance:
        if instance.has_dynamic_partition(CYCLE_PARTITIONS_NAME, key):
            raise UsageError(f"--cycle: {key!r} exists already; cycle keys are never reused")
        print(
            f"cycle {key}: {sim.homes} homes × {sim.days} days from {sim.start} "
            f"(seed {sim.seed}); materialising in {os.environ['DAGSTER_HOME']}",
            file=sys.stderr,
        )
        outcome = run_job(
            instance,
            "cycle_job",
            partition=key,
            run_config=run_config,
            log_level="INFO",
            new_partition=True,
        )
        print_run(outcome, instance, key)
        return 0 if outcome.success else 1


COMMANDS = {"cycle": cmd_cycle}
