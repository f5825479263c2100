"""`homeiq collect` and `homeiq lineage`: collection without Dagster, and lineage queries over
whatever is stored (Dagster data dir or a `homeiq collect --out` folder)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import nullcontext
from pathlib import Path

from homeiq_assets.cli.common import UsageError, out_dir, progress
from homeiq_assets.readers import read_json


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "collect",
        help="run the detection stages over simulator output, curate and export the datasets",
        description="Collect labelled training data from a `homeiq generate` folder: patterns, "
        "synergies, suggestions, Ask-AI; then validate, filter, record lineage and export. "
        "Cycles already in --out are aggregated into the `all/` exports.",
    )
    p.add_argument("--from", dest="source", required=True, help="folder from `homeiq generate`")
    p.add_argument("--out", required=True, help="folder for training_data/ and exported_datasets/")
    p.add_argument("--cycle", help="cycle key (default: a new timestamp key)")
    p.add_argument("--seed", type=int, help="collection seed (default: the fleet's seed)")

    q = sub.add_parser(
        "lineage",
        help="where data came from: all data of a cycle, or what went into a dataset",
        description="Answer lineage questions from the lineage stored beside the data.",
    )
    what = q.add_mutually_exclusive_group(required=True)
    what.add_argument("--cycle", help="all data collected in this cycle")
    what.add_argument(
        "--dataset", help="an export: NAME (latest), NAME@CYCLE or NAME@CYCLE/SCOPE (all|cycle)"
    )
    q.add_argument("--root", help="data root (default: HOMEIQ_DATA_DIR)")
    q.add_argument("--json", action="store_true", help="print JSON instead of a table")


def cmd_collect(args: argparse.Namespace) -> int:
    from homeiq_assets.collect.observations import SourceError, check_source, home_ids
    from homeiq_assets.collect.pipeline import collect_cycle, export_cycles, stored_cycles
    from homeiq_assets.cycle_keys import new_cycle_key, validate_cycle_key
    from homeiq_assets.workers import forked_pool

    source = Path(args.source).expanduser()
    if not source.is_dir():
        raise UsageError(f"--from: {args.source} is not a directory")
    try:
        check_source(source)
    except SourceError as exc:
        raise UsageError(f"--from: {exc}") from None
    out = out_dir(args.out)
    try:
        cycle = validate_cycle_key(args.cycle) if args.cycle else new_cycle_key()
    except ValueError as exc:
        raise UsageError(f"--cycle: {exc}") from None
    if cycle in stored_cycles(out):
        raise UsageError(f"--cycle: {cycle} already exists in {out} (cycle keys are never reused)")
    seed = args.seed
    if seed is None:
        summary = source / "summary.json"
        seed = read_json(summary).get("seed", 0) if summary.exists() else 0
    from homeiq_assets.settings import settings

    report = progress("collected homes")
    total = len(home_ids(source))
    workers = settings().workers
    # the export workers forked now, while this process holds little: after the collection
    # it holds more, and forked workers start with all of it
    with forked_pool(workers) if workers > 1 else nullcontext() as export_pool:
        stats = collect_cycle(
            source,
            out,
            cycle,
            seed,
            progress=lambda done, _: report(done, total),
            workers=workers,
        )
        cycles = stored_cycles(out)
        export_started = time.perf_counter()
        exports = export_cycles(out, cycles, workers=workers, pool=export_pool)
        export_seconds = time.perf_counter() - export_started
    for name, d in stats["datasets"].items():
        dropped = ", ".join(f"{k} {v}" for k, v in d["dropped"].items()) or "none dropped"
        print(
            f"{name}: {d['kept']:,} kept of {d['collected']:,} "
            f"({d['validation_pass_rate']:.1%} valid; {dropped})"
        )
    m = stats["metrics"]
    if "patterns" in m:
        p = m["patterns"]
        print(
            f"pattern detection vs ground truth: precision {p['precision']:.3f} "
            f"({p['true_positives']}/{p['strong_patterns']} strong patterns), recall "
            f"{p['recall']:.3f} ({p['habits_found']}/{p['habits_detectable']} habits; "
            f"{p['habits_below_min_support']} done < 5 times); "
            f"{p['automated_patterns']['strong']} strong patterns of existing automations "
            "reported apart"
        )
    if "synergy_rule_baseline" in m:
        b = m["synergy_rule_baseline"]
        print(
            f"synergy rule baseline vs habit-linked pairs: precision {b['precision']:.3f}, "
            f"recall {b['recall']:.3f}, F1 {b['f1']:.3f} ({b['positives']} of {b['n']:,} "
            "candidates linked)"
        )
        for rel, s in m.get("synergy_separability", {}).items():
            if "best_feature" in s:
                print(
                    f"  {rel}: {s['positives']} of {s['pairs']} pairs linked; best single "
                    f"feature {s['best_feature']} (AUC {s['best_auc']:.3f})"
                )
    print(
        f"cycle {cycle}: exports of {len(cycles)} cycle(s) in {out / 'exported_datasets' / cycle} "
        f"({', '.join(sorted(exports['all']))}) in {stats['seconds']:.1f}s collection, "
        f"{export_seconds:.1f}s export"
    )
    stage_time = ", ".join(f"{k} {v:.2f}s" for k, v in stats["stage_seconds"].items())
    print(f"stage seconds (summed over homes and workers): {stage_time}")
    return 0


def cmd_lineage(args: argparse.Namespace) -> int:
    from homeiq_assets.collect.lineage import LineageError, cycle_lineage, dataset_lineage
    from homeiq_assets.cycle_keys import validate_cycle_key

    if args.root:
        root = Path(args.root).expanduser()
        if not root.is_dir():
            raise UsageError(f"--root: {args.root} is not a directory")
    else:
        from homeiq_assets.settings import settings

        root = settings().data_dir
    try:
        if args.cycle:
            validate_cycle_key(args.cycle)
            result = cycle_lineage(root, args.cycle)
            rows, by = result["by_dataset"], "dataset"
        else:
            result = dataset_lineage(root, args.dataset)
            rows, by = result["by_source"], "cycle"
    except (LineageError, ValueError) as exc:
        option = "--cycle" if args.cycle else "--dataset"
        raise UsageError(f"{option}: {exc}") from None
    if args.json:
        json.dump(result, sys.stdout, indent=2, default=str)
        print()
        return 0
    header = {k: v for k, v in result.items() if not isinstance(v, list | dict)}
    print("  ".join(f"{k}: {v}" for k, v in header.items()))
    if "in_exports" in result:
        print(f"in exports: {', '.join(result['in_exports']) or 'none yet'}")
    if "cycles" in result:
        print(f"cycles: {', '.join(result['cycles'])}")
    cols = [by, "stage", "generator_version", "seed", "records", "homes", "transformations"]
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols} if rows else {}
    print("  ".join(c.ljust(widths.get(c, len(c))) for c in cols))
    for r in rows:
        print("  ".join(str(r[c]).ljust(widths[c]) for c in cols))
    return 0


COMMANDS = {"collect": cmd_collect, "lineage": cmd_lineage}
