"""`homeiq models`: list the registered versions, deploy one, roll back, compare two versions
on the benchmark homes (paired difference with its interval), and show a model's retraining
history."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from homeiq_assets.cli.common import UsageError


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "models",
        help="list, deploy and roll back versions in the model registry",
        description="The versioned model registry (default <HOMEIQ_DATA_DIR>/models).",
    )
    actions = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    ls = actions.add_parser("list", help="every version: created, key metrics, gate, deployed")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    dep = actions.add_parser("deploy", help="deploy a version (its checksums are verified)")
    dep.add_argument("model", help="model name, e.g. home_type")
    dep.add_argument("version", help="version, e.g. v0001")
    dep.add_argument(
        "--allow-low-quality",
        action="store_true",
        help="deploy even though the version failed its quality gate",
    )
    rb = actions.add_parser("rollback", help="go back to the previously deployed version")
    rb.add_argument("model", help="model name, e.g. home_type")
    rb.add_argument("--to", default=None, help="this version instead of the previous one")
    cmp = actions.add_parser(
        "compare",
        help="score two versions on the benchmark homes: each metric and their paired difference",
    )
    cmp.add_argument("model", help="model name, e.g. device_failure")
    cmp.add_argument("version_a", help="version (or champion / previous)")
    cmp.add_argument("version_b", help="version (or champion / previous)")
    cmp.add_argument("--json", action="store_true", help="print JSON instead of a table")
    hist = actions.add_parser(
        "history", help="every training of a model: when, trigger, mode, data, metrics, decision"
    )
    hist.add_argument("model", help="model name, e.g. pattern_quality")
    hist.add_argument("--json", action="store_true", help="print JSON instead of a table")
    for q in (ls, dep, rb, cmp, hist):
        q.add_argument("--root", default=None, help="registry folder (default: data dir/models)")


def _registry(args: argparse.Namespace):
    from homeiq_assets.ml.registry import ModelRegistry

    if args.root is None:
        return ModelRegistry()
    root = Path(args.root).expanduser()
    if root.exists() and not root.is_dir():
        raise UsageError(f"--root: {args.root} is not a directory")
    if args.models_command != "list" and not root.is_dir():
        raise UsageError(f"--root: {args.root} does not exist")
    return ModelRegistry(root)


def cmd_models(args: argparse.Namespace) -> int:
    from homeiq_assets.ml.registry import RegistryError

    registry = _registry(args)
    try:
        if args.models_command == "list":
            return _list(registry, args.json)
        if args.models_command == "compare":
            return _compare(registry, args)
        if args.models_command == "history":
            return _history(registry, args.model, args.json)
        if args.models_command == "deploy":
            record = registry.deploy(
                args.model, args.version, allow_low_quality=args.allow_low_quality
            )
        else:
            from homeiq_assets.ml.lifecycle import rollback

            record = rollback(registry, args.model, args.to, trigger="manual")
    except RegistryError as exc:
        raise UsageError(" ".join(str(exc).split())) from None
    before = record.get("from")
    print(
        f"{args.model}: {record['version']} deployed"
        + (f" (was {before})" if before and before != record["version"] else "")
        + f"; manifest {registry.root / 'manifest.json'}"
    )
    return 0


def _metric_text(name: str, value: float, est: dict | None) -> str:
    """`auc=0.998 [0.997, 0.998] (n 83,418)`, or the bare value for a version without an
    interval (trained before intervals were recorded)."""
    if not est or not all(isinstance(est.get(k), int | float) for k in ("low", "high")):
        return f"{name}={value:.3f}"
    n = f" (n {int(est['n']):,})" if isinstance(est.get("n"), int | float) else ""
    return f"{name}={value:.3f} [{est['low']:.3f}, {est['high']:.3f}]{n}"


def _list(registry, as_json: bool) -> int:
    from homeiq_assets.ml.registry import gate_passed, key_metrics

    rows = []
    for model in registry.models():
        deployed = registry.deployed(model)
        for meta in registry.versions(model):
            rows.append(
                {
                    "model": model,
                    "version": meta["version"],
                    "created": meta.get("created_at", ""),
                    "metrics": key_metrics(model, meta),
                    # each key metric's 95 % interval over benchmark homes and its sample size
                    "estimates": {
                        k: est
                        for k, est in (meta.get("estimates") or {}).items()
                        if k in key_metrics(model, meta)
                    },
                    "gate_passed": gate_passed(meta),
                    "allow_low_quality": meta.get("allow_low_quality", False),
                    "deployed": meta["version"] == deployed,
                }
            )
    if as_json:
        json.dump({"root": str(registry.root), "versions": rows}, sys.stdout, indent=2)
        print()
        return 0
    if not rows:
        print(f"no models registered in {registry.root}")
        return 0
    table = [
        {
            "model": r["model"],
            "version": r["version"],
            "created": r["created"],
            "key metrics [95 % interval] (n)": "  ".join(
                _metric_text(k, v, r["estimates"].get(k)) for k, v in r["metrics"].items()
            )
            or "-",
            "gate": {True: "passed", False: "FAILED", None: "-"}[r["gate_passed"]],
            "deployed": "*" if r["deployed"] else "",
        }
        for r in rows
    ]
    cols = list(table[0])
    widths = {c: max(len(c), *(len(t[c]) for t in table)) for c in cols}
    print("  ".join(c.ljust(widths[c]) for c in cols).rstrip())
    for t in table:
        print("  ".join(t[c].ljust(widths[c]) for c in cols).rstrip())
    return 0


def _compare(registry, args: argparse.Namespace) -> int:
    from homeiq_assets.ml import scoring
    from homeiq_assets.ml.benchmark import BENCHMARK
    from homeiq_assets.ml.data import load_datasets
    from homeiq_assets.ml.gates import HEADLINE
    from homeiq_assets.ml.training import TRAINING_DATASETS

    model = args.model
    a, b = registry.resolve(model, args.version_a), registry.resolve(model, args.version_b)
    bench = registry.root.parent / "benchmark"
    if not (bench / "benchmark.json").exists():
        raise UsageError(
            f"no benchmark fleet at {bench}: materialise benchmark_fleet (any training does)"
        )
    data = load_datasets(bench, BENCHMARK.cycles, TRAINING_DATASETS[model])
    stats_a = scoring.score(model, registry.load(model, a), data)
    stats_b = scoring.score(model, registry.load(model, b), data)
    comparison = scoring.compare(model, stats_a, stats_b)
    if args.json:
        json.dump({"model": model, "a": a, "b": b, "metrics": comparison}, sys.stdout, indent=2)
        print()
        return 0
    print(f"{model}: {a} (A) against {b} (B) on {stats_a.n_homes} benchmark homes; B − A:")
    print(
        scoring.ab_table(model, comparison, (a, b))
        .replace("champion ", "A ")
        .replace("challenger ", "B ")
    )
    head = comparison[HEADLINE[model]]["difference"]
    verdict = (
        "B is better"
        if head["low"] > 0
        else "B is worse"
        if head["high"] < 0
        else "no difference beyond the interval"
    )
    print(f"headline {HEADLINE[model]}: {verdict} (paired 95 % interval over homes)")
    return 0


def _history(registry, model: str, as_json: bool) -> int:
    entries = registry.history(model)
    if as_json:
        json.dump({"model": model, "history": entries}, sys.stdout, indent=2)
        print()
        return 0
    if not entries:
        print(f"{model}: no training recorded in {registry.root}")
        return 0
    for e in entries:
        head = e.get("headline")
        metric = (e.get("challenger_metrics") or {}).get(head) if head else None
        shown = (
            f"{head} {metric['value']:.3f} [{metric['low']:.3f}, {metric['high']:.3f}]"
            if metric
            else ""
        )
        records = sum(v for k, v in (e.get("records") or {}).items() if "." not in k)
        read, seen = len(e.get("new_cycles") or []), len(e.get("cycles") or [])
        if not seen:
            data = ""
        elif e.get("mode") == "incremental":
            base = e.get("base_version")
            data = f"updated {base} with {read} new of {seen} cycles, {records:,} records"
        else:
            data = f"{seen} cycles, {records:,} records"
        parts = [
            e.get("at", ""),
            e.get("trigger", ""),
            e.get("mode", "") if e.get("decision") not in ("rolled back", "failed") else "",
            e.get("version") or "",
            data,
            shown,
            f"{e.get('duration_s', 0):.0f} s" if e.get("duration_s") else "",
        ]
        print("  ".join(p for p in parts if p))
        print(f"    {e.get('decision', '?')}: {e.get('reason', '')}")
    return 0


COMMANDS = {"models": cmd_models}
