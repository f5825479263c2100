"""Collection assets: the detection stages a production smart-home AI runs, over a cycle's
simulated homes, and the curated training data built from them.

Each stage asset calls `collect.collect_fleet` for its stage (suggestions reuse the patterns
and synergies already stored), writes its labelled records atomically and reports counts and
the detector's precision/recall against ground truth. `training_data` validates, filters and
attaches lineage (`collect.collector.curate`).
"""

import json
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa

from homeiq_assets.assets.simulation import read_summary
from homeiq_assets.collect import training_data as td
from homeiq_assets.collect.collector import REGISTRY, collect_fleet, curate, curate_device_health
from homeiq_assets.collect.pipeline import STAGE_SOURCES, window_end
from homeiq_assets.partitions import cycle_partitions
from homeiq_assets.resources import DataStore
from homeiq_assets.sim.storage import (
    discard_dir,
    publish_dir,
    staging_dir,
    write_json_atomic,
    write_parquet_atomic,
)

COLLECT_CODE_VERSION = "collect-1"
STAGE_ASSET = {
    "patterns": "detected_patterns",
    "synergies": "detected_synergies",
    "suggestions": "suggestions",
    "ask_ai": "ask_ai",
    "home_profile": "home_profiles",
}
SIM_DEPS = ["homes", "events", "ground_truth"]


def _md_table(rows: list[dict], columns: list[str], limit: int = 8) -> str:
    head = "| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n"
    body = "".join(
        "| "
        + " | ".join(str(r.get(c, "")).replace("|", "/").replace("\n", " ")[:90] for c in columns)
        + " |\n"
        for r in rows[:limit]
    )
    return head + body


def _write_stage(
    store: DataStore, cycle: str, asset: str, records: list[dict], extras: dict, metrics: dict
) -> Path:
    final = store.asset_dir(asset, cycle)
    staging = staging_dir(final)
    try:
        write_parquet_atomic(
            pa.Table.from_pylist(records) if records else pa.table({}), staging / "records.parquet"
        )
        for name, rows in extras.items():
            write_parquet_atomic(pa.Table.from_pylist(rows), staging / f"{name}.parquet")
        write_json_atomic(metrics, staging / "metrics.json")
        publish_dir(staging, final)
    finally:
        discard_dir(staging)
    return final


def read_stage(
    store: DataStore, cycle: str, stage: str
) -> tuple[list[dict], dict[str, list[dict]]]:
    folder = store.asset_dir(STAGE_ASSET[stage], cycle)
    path = folder / "records.parquet"
    if not path.exists():
        raise dg.Failure(
            description=f"{STAGE_ASSET[stage]} for cycle {cycle!r} is not materialised "
            f"({path} missing)"
        )
    records = pd.read_parquet(path).to_dict("records")
    records = [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()} for r in records
    ]
    extras = {
        p.stem: pd.read_parquet(p).to_dict("records")
        for p in folder.glob("*.parquet")
        if p.name != "records.parquet"
    }
    return records, extras


def _run_stage(context: dg.AssetExecutionContext, store: DataStore, stage: str, upstream=None):
    cycle = context.partition_key
    summary = read_summary(store, cycle)
    started = time.perf_counter()
    result = collect_fleet(
        store.source(cycle),
        summary["seed"],
        stages=(stage,),
        upstream=upstream,
        progress=lambda d, t: (
            context.log.info(f"{stage}: {d}/{t} homes") if d % 10 == 0 or d == t else None
        ),
    )
    out = result.stages[stage]
    path = _write_stage(store, cycle, STAGE_ASSET[stage], out.records, out.extras, result.metrics)
    return out, result.metrics, path, time.perf_counter() - started, summary


@dg.asset(
    group_name="collection",
    partitions_def=cycle_partitions,
    deps=SIM_DEPS,
    code_version=COLLECT_CODE_VERSION,
    kinds={"parquet"},
)
def detected_patterns(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """Time-of-day and trigger→action patterns mined from each home's events, labelled real or
    spurious against the planted routines."""
    out, metrics, path, seconds, summary = _run_stage(context, store, "patterns")
    scores = metrics["patterns"]
    agreement = metrics["routine_agreement"]
    strong = [r for r in out.records if r["strong"]]
    return dg.MaterializeResult(
        metadata={
            "candidates": len(out.records),
            "strong_patterns": scores["strong_patterns"],
            "precision": scores["precision"],
            "recall": scores["recall"],
            "routines_detectable": scores["routines_detectable"],
            "routines_found": scores["routines_found"],
            "routines_below_min_support": scores["routines_below_min_support"],
            "ground_truth_agreement": agreement["share"],
            "routine_occurrences_checked": agreement["occurrences"],
            "homes": summary["homes"],
            "seconds": round(seconds, 2),
            "recall_by_template": dg.MetadataValue.json(scores["by_template"]),
            "sample": dg.MetadataValue.md(
                _md_table(
                    strong,
                    [
                        "home_id",
                        "pattern_type",
                        "trigger_entity_id",
                        "action_entity_id",
                        "action_state",
                        "occurrences",
                        "lift",
                        "gt_real",
                    ],
                )
            ),
            "path": dg.MetadataValue.path(str(path)),
        }
    )


@dg.asset(
    group_name="collection",
    partitions_def=cycle_partitions,
    deps=SIM_DEPS,
    code_version=COLLECT_CODE_VERSION,
    kinds={"parquet"},
)
def detected_synergies(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """Every compatible device pair with co-occurrence and lag features, the rule baseline's
    verdict and whether an automation really links it."""
    out, metrics, path, seconds, summary = _run_stage(context, store, "synergies")
    base = metrics["synergy_rule_baseline"]
    linked = [r for r in out.records if r["gt_linked"]]
    return dg.MaterializeResult(
        metadata={
            "candidate_pairs": len(out.records),
            "planted_pairs": base["positives"],
            "rule_baseline_precision": base["precision"],
            "rule_baseline_recall": base["recall"],
            "rule_baseline_f1": base["f1"],
            "relationships": ", ".join(metrics["synergy_relationships"]),
            "homes": summary["homes"],
            "seconds": round(seconds, 2),
            "sample": dg.MetadataValue.md(
                _md_table(
                    linked,
                    [
                        "home_id",
                        "relationship",
                        "trigger_entity_id",
                        "action_entity_id",
                        "coverage_120s",
                        "lag_s_median",
                        "rule_linked",
                    ],
                )
            ),
            "path": dg.MetadataValue.path(str(path)),
        }
    )


@dg.asset(
    group_name="collection",
    partitions_def=cycle_partitions,
    deps=["detected_patterns", "detected_synergies", "homes"],
    code_version=COLLECT_CODE_VERSION,
    kinds={"parquet", "yaml"},
)
def suggestions(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """Automation suggestions (text + Home Assistant YAML, validated) for strong patterns and
    rule-linked synergies."""
    cycle = context.partition_key
    upstream = {
        "patterns": read_stage(store, cycle, "patterns")[0],
        "synergies": read_stage(store, cycle, "synergies")[0],
    }
    out, metrics, path, seconds, summary = _run_stage(context, store, "suggestions", upstream)
    s = metrics["suggestions"]
    return dg.MaterializeResult(
        metadata={
            "suggestions": s["n"],
            "yaml_valid": s["yaml_valid"],
            "yaml_valid_rate": round(s["yaml_valid"] / s["n"], 4) if s["n"] else 0.0,
            "matches_planted_routine": s["matches_routine"],
            "distinct_text_share": s["distinct_text_share"],
            "seconds": round(seconds, 2),
            "sample": dg.MetadataValue.md(
                _md_table(out.records, ["home_id", "text", "yaml_valid", "gt_matches_routine"])
            ),
            "path": dg.MetadataValue.path(str(path)),
        }
    )


@dg.asset(
    group_name="collection",
    partitions_def=cycle_partitions,
    deps=["homes", "ground_truth"],
    code_version=COLLECT_CODE_VERSION,
    kinds={"parquet", "yaml"},
)
def ask_ai(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """Natural-language automation requests, the resolver's YAML answer, and approval decided
    against what the user meant."""
    out, metrics, path, seconds, summary = _run_stage(context, store, "ask_ai")
    a = metrics["ask_ai"]
    return dg.MaterializeResult(
        metadata={
            "requests": a["n"],
            "approved": a["approved"],
            "approval_rate": round(a["approved"] / a["n"], 4) if a["n"] else 0.0,
            "yaml_valid": a["yaml_valid"],
            "distinct_request_share": a["distinct_request_share"],
            "seconds": round(seconds, 2),
            "sample": dg.MetadataValue.md(
                _md_table(out.records, ["home_id", "request", "approved", "reject_reason"])
            ),
            "path": dg.MetadataValue.path(str(path)),
        }
    )


@dg.asset(
    group_name="collection",
    partitions_def=cycle_partitions,
    deps=SIM_DEPS,
    code_version=COLLECT_CODE_VERSION,
    kinds={"parquet"},
)
def home_profiles(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """One profile per home — device mix, areas, floors, activity rhythm — labelled with its
    home type (the home-type model's training data)."""
    out, metrics, path, seconds, summary = _run_stage(context, store, "home_profile")
    return dg.MaterializeResult(
        metadata={
            "homes": len(out.records),
            "features": len(out.records[0]) - 3 if out.records else 0,
            "seconds": round(seconds, 2),
            "path": dg.MetadataValue.path(str(path)),
        }
    )


@dg.asset(
    group_name="collection",
    partitions_def=cycle_partitions,
    deps=[
        "detected_patterns",
        "detected_synergies",
        "suggestions",
        "ask_ai",
        "home_profiles",
        "device_health",
    ],
    code_version=COLLECT_CODE_VERSION,
    kinds={"parquet"},
)
def training_data(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """Validated, quality-filtered records per model dataset with record-level lineage (cycle,
    home, stage, generator version, seed, transformations)."""
    cycle = context.partition_key
    summary = read_summary(store, cycle)
    seed = summary["seed"]
    curated = []
    for stage in REGISTRY:
        records, extras = read_stage(store, cycle, stage)
        curated.append(curate(stage, records, cycle, seed, STAGE_SOURCES.get(stage, ()), extras))
    device = curate_device_health(store.source(cycle), cycle, seed)
    if device is not None:
        curated.append(device)
    metrics = {
        stage: json.loads((store.asset_dir(asset, cycle) / "metrics.json").read_text())
        for stage, asset in STAGE_ASSET.items()
    }
    final = store.asset_dir("training_data", cycle)
    staging = staging_dir(final)
    try:
        stats = td.write_cycle(
            curated,
            staging,
            {
                "cycle": cycle,
                "seed": seed,
                "homes": summary["homes"],
                "window_end": window_end(store.source(cycle)),
                "metrics": metrics,
            },
        )
        publish_dir(staging, final)
    finally:
        discard_dir(staging)
    rows = [
        {
            "dataset": name,
            "collected": d["collected"],
            "valid": d["valid"],
            "kept": d["kept"],
            "dropped": ", ".join(f"{k} {v}" for k, v in d["dropped"].items()) or "-",
        }
        for name, d in stats["datasets"].items()
    ]
    total = sum(d["collected"] for d in stats["datasets"].values())
    valid = sum(d["valid"] for d in stats["datasets"].values())
    return dg.MaterializeResult(
        metadata={
            "records_collected": total,
            "records_valid": valid,
            "validation_pass_rate": round(valid / total, 4) if total else 0.0,
            **{f"kept_{name}": d["kept"] for name, d in stats["datasets"].items()},
            "datasets": dg.MetadataValue.md(
                _md_table(rows, ["dataset", "collected", "valid", "kept", "dropped"], 10)
            ),
            "path": dg.MetadataValue.path(str(final)),
        }
    )


COLLECTION_ASSETS = [
    detected_patterns,
    detected_synergies,
    suggestions,
    ask_ai,
    home_profiles,
    training_data,
]
