"""`homeiq prepare-for-production`: from nothing to gated, deployed models with a readiness
report, in the local Dagster instance (so every step is visible in the UI).

Two runs on a new cycle: the data cycle (simulate, collect, export), then training (benchmark
and audit fleets, five models, their gates, deployment); then each model's promoted version is
scored on the audit fleet and the readiness report is written. Exits 1 naming the failing
metrics when a gate fails, unless `--allow-low-quality`, which is recorded in the report and
the model metadata.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from homeiq_assets.cli.common import UsageError, ensure_instance_env, positive, print_run

DEFAULT_HOMES = 100
DEFAULT_DAYS = 21


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "prepare-for-production",
        help="simulate, collect, train, gate and deploy every model; write a readiness report",
        description="New cycle → simulate → collect → train the five models → gate them on "
        "the benchmark homes → deploy those that pass → production-readiness report.",
    )
    p.add_argument("--homes", type=int, default=DEFAULT_HOMES, help="homes to simulate")
    p.add_argument("--days", type=int, default=DEFAULT_DAYS, help="days per home")
    p.add_argument("--seed", type=int, default=None, help="seed (default: from the cycle key)")
    p.add_argument("--cycle", default=None, help="new cycle key (default: c<date>-<time>)")
    p.add_argument(
        "--benchmark-homes",
        type=int,
        default=None,
        help="homes of each reserved fleet (benchmark and audit), over four seasons "
        "(default 120; built once and reused)",
    )
    p.add_argument(
        "--benchmark-days",
        type=int,
        default=None,
        help="days per home of the reserved fleets (default 60)",
    )
    p.add_argument(
        "--allow-low-quality",
        action="store_true",
        help="deploy models that fail their gate (recorded in the report and model metadata)",
    )


def cmd_prepare(args: argparse.Namespace) -> int:
    from homeiq_assets.defs.shared.partitions import new_cycle_key, validate_cycle_key
    from homeiq_assets.ml.benchmark import (
        DEFAULT_DAYS as BENCHMARK_DAYS,
    )
    from homeiq_assets.ml.benchmark import (
        DEFAULT_HOMES as BENCHMARK_HOMES,
    )
    from homeiq_assets.ml.benchmark import (
        MIN_DAYS,
        MIN_HOMES,
        RESERVED_SEEDS,
    )

    positive("--homes", args.homes)
    positive("--days", args.days)
    bench_homes = BENCHMARK_HOMES if args.benchmark_homes is None else args.benchmark_homes
    bench_days = BENCHMARK_DAYS if args.benchmark_days is None else args.benchmark_days
    if bench_homes < MIN_HOMES:
        raise UsageError(f"--benchmark-homes must be at least {MIN_HOMES} (got {bench_homes})")
    if bench_days < MIN_DAYS:
        raise UsageError(f"--benchmark-days must be at least {MIN_DAYS} (got {bench_days})")
    if args.days < 7:
        raise UsageError(
            f"--days must be at least 7 for patterns to be learnable (got {args.days})"
        )
    if args.seed is not None and (args.seed < 0 or args.seed in RESERVED_SEEDS):
        raise UsageError(
            f"--seed must be >= 0 and not one of the reserved benchmark and audit seeds "
            f"({', '.join(map(str, sorted(RESERVED_SEEDS)))})"
        )
    key = args.cycle or new_cycle_key()
    try:
        validate_cycle_key(key)
    except ValueError as exc:
        raise UsageError(f"--cycle: {exc}") from None
    sim = {"homes": args.homes, "days": args.days}
    if args.seed is not None:
        sim["seed"] = args.seed
    ensure_instance_env()
    import dagster as dg

    from homeiq_assets.cli.runs import code_location, run_job
    from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME
    from homeiq_assets.ml.training import MODEL_NAMES

    timings: dict[str, float] = {}
    # both runs are launched runs of the code location, served by one code server
    with dg.DagsterInstance.get() as instance, code_location(instance):
        if instance.has_dynamic_partition(CYCLE_PARTITIONS_NAME, key):
            raise UsageError(f"--cycle: {key!r} exists already; cycle keys are never reused")
        print(
            f"cycle {key}: simulate and collect {args.homes} homes × {args.days} days",
            file=sys.stderr,
        )
        started = time.perf_counter()
        data = run_job(
            instance,
            "cycle_job",
            partition=key,
            run_config={"ops": {"simulate_fleet": {"config": sim}}},
            new_partition=True,
        )
        timings["simulate, collect, export"] = time.perf_counter() - started
        print_run(data, instance, key)
        if not data.success:
            print(
                "homeiq prepare-for-production: the data cycle failed; see the run above",
                file=sys.stderr,
            )
            return 1
        print("training, gating and promoting the models", file=sys.stderr)
        model_config = {"seed": 0, "allow_low_quality": bool(args.allow_low_quality)}
        started = time.perf_counter()
        training = run_job(
            instance,
            "training_job",
            partition=key,
            run_config={
                "ops": {
                    "benchmark_fleet": {"config": {"homes": bench_homes, "days": bench_days}},
                    "audit_fleet": {"config": {"homes": bench_homes, "days": bench_days}},
                    **{f"{m}_challenger": {"config": model_config} for m in MODEL_NAMES},
                },
            },
        )
        timings["benchmark, train, gate, promote"] = time.perf_counter() - started
        print_run(training, instance, key)
    return _report(key, timings, bool(args.allow_low_quality))


def _report(key: str, timings: dict[str, float], allow_low_quality: bool) -> int:
    from homeiq_assets.defs.models.evaluations import AUDIT_DIR, EVALS_DIR
    from homeiq_assets.ml.audit import score_audit
    from homeiq_assets.ml.readiness import write_readiness
    from homeiq_assets.ml.registry import ModelRegistry
    from homeiq_assets.ml.scoring import text
    from homeiq_assets.ml.training import MODEL_NAMES
    from homeiq_assets.settings import settings
    from homeiq_assets.storage import write_json_atomic

    root = settings().data_dir
    evals = {}
    for name in MODEL_NAMES:
        path = root / EVALS_DIR / key / f"{name}.json"
        if path.exists():
            evals[name] = json.loads(path.read_text())
    if len(evals) < len(MODEL_NAMES):
        missing = sorted(set(MODEL_NAMES) - set(evals))
        print(
            f"homeiq prepare-for-production: no evaluation for {', '.join(missing)}",
            file=sys.stderr,
        )
        return 1
    registry = ModelRegistry(root / "models")
    deployed = {
        m: ev["version"] for m, ev in evals.items() if registry.deployed(m) == ev["version"]
    }
    # the audit fleet: each model's promoted version (its challenger when none was promoted),
    # scored on homes nothing else ever reads
    print("scoring the promoted versions on the audit fleet", file=sys.stderr)
    started = time.perf_counter()
    versions = {m: registry.deployed(m) or ev["version"] for m, ev in evals.items()}
    try:
        audit = score_audit(root / AUDIT_DIR, registry, versions)
    except FileNotFoundError as exc:
        print(f"homeiq prepare-for-production: {exc}", file=sys.stderr)
        return 1
    timings["audit fleet scoring"] = time.perf_counter() - started
    for name, figures in audit.items():
        write_json_atomic(figures, root / EVALS_DIR / key / f"{name}.audit.json")
        evals[name]["audit"] = figures
    report = write_readiness(
        root, key, evals, deployed, registry.manifest(), timings, allow_low_quality
    )
    for name, ev in evals.items():
        state = "PASS" if ev["gate_passed"] else "FAIL"
        detail = "" if ev["gate_passed"] else f" — {_failing(ev)}"
        where = f"deployed {deployed[name]}" if name in deployed else "not deployed"
        head = ev["headline"]
        print(f"  {name:<16} {state} ({ev['version']}, {where}){detail}")
        print(
            f"  {'':<16} {head} benchmark {text(ev['estimates'].get(head))}; "
            f"audit {text(audit[name]['figures'].get(head))}"
        )
    print(f"readiness report: {report}")
    print(f"model manifest: {report.parent / 'model_manifest.json'}")
    failing = [n for n, ev in evals.items() if not ev["gate_passed"]]
    if failing and not allow_low_quality:
        named = "; ".join(f"{n} ({_failing(evals[n])})" for n in failing)
        print(
            f"homeiq prepare-for-production: gates failed for {named}. "
            "Rerun with --allow-low-quality to deploy anyway (recorded).",
            file=sys.stderr,
        )
        return 1
    if failing:
        print(
            f"deployed despite failing gates (--allow-low-quality): {', '.join(failing)}",
            file=sys.stderr,
        )
    return 0


def _failing(ev: dict) -> str:
    return ", ".join(f"{m} {v[0]:.3f} < {v[1]}" for m, v in ev["failing"].items())


COMMANDS = {"prepare-for-production": cmd_prepare}
