"""Collection assets: the detection stages a production smart-home AI runs, over a cycle's
simulated homes, and the curated training data built from them.

Each stage asset calls `collect.collect_fleet` for its stage (suggestions reuse the patterns
and synergies already stored), writes its labelled records atomically and reports counts and
the detector's precision/recall against ground truth. `training_data` validates, filters and
attaches lineage (`collect.collector.curate`).
"""

import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

from homeiq_assets.collect.collector import METRIC_VIEWS, REGISTRY, collect_fleet, frame_records
from homeiq_assets.collect.pipeline import (
    DeviceAhead,
    compact_stored,
    curate_stages,
    store_cycle,
    window_end,
)
from homeiq_assets.collect.suggestions import SUGGESTION_SOURCES
from homeiq_assets.defs.shared.inputs import fails_on_corrupt_input, read_json_or_fail
from homeiq_assets.defs.shared.partitions import cycle_partitions
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.defs.simulation.assets import read_summary
from homeiq_assets.readers import read_frame
from homeiq_assets.settings import settings
from homeiq_assets.storage import (
    discard_dir,
    publish_dir,
    staging_dir,
    write_json_atomic,
    write_parquet_atomic,
)
from homeiq_assets.workers import forked_pool

COLLECT_CODE_VERSION = "collect-3"
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


def stage_records(store: DataStore, cycle: str, stage: str) -> Path:
    """A stage's stored records file (a step failure if the stage is not materialised)."""
    path = store.asset_dir(STAGE_ASSET[stage], cycle) / "records.parquet"
    if not path.exists():
        raise dg.Failure(
            description=f"{STAGE_ASSET[stage]} for cycle {cycle!r} is not materialised "
            f"({path} missing)"
        )
    return path


def read_stage(
    store: DataStore, cycle: str, stage: str, where: str | None = None, records: bool = True
) -> tuple[list[dict], dict[str, list[dict]]]:
    """A stage's stored records as dicts (none without `records`), and its side tables; with
    `where`, only the records whose boolean field of that name is true (a stage with no
    records has no fields)."""
    path = stage_records(store, cycle, stage)
    folder = path.parent
    if where is not None and where not in pq.read_schema(path).names:
        where = None
    rows = frame_records(read_frame(path, where=where)) if records else []
    extras = {
        p.stem: read_frame(p).to_dict("records")
        for p in folder.glob("*.parquet")
        if p.name != "records.parquet"
    }
    return rows, extras


@dataclass
class StageRun:
    """One collection stage run over a cycle's homes, written to its asset folder."""

    records: list[dict]
    metrics: dict
    path: Path
    seconds: float
    homes: int

    def result(
        self, sample: list[dict], sample_columns: list[str], **numbers: object
    ) -> dg.MaterializeResult:
        """The stage's own figures plus what every stage reports: time, a sample, the path."""
        return dg.MaterializeResult(
            metadata={
                **numbers,
                "seconds": round(self.seconds, 2),
                "sample": dg.MetadataValue.md(_md_table(sample, sample_columns)),
                "path": dg.MetadataValue.path(str(self.path)),
            }
        )


def _run_stage(
    context: dg.AssetExecutionContext, store: DataStore, stage: str, upstream=None
) -> StageRun:
    cycle = context.partition_key
    summary = read_summary(store, cycle)
    started = time.perf_counter()
    total = int(summary["homes"])
    step = max(1, total // 10)  # about ten lines per stage, whatever the fleet size

    def progress(done: int, _: int) -> None:
        if done % step == 0 or done == total:
            context.log.info(f"{done}/{total} homes ({time.perf_counter() - started:.0f} s)")

    result = collect_fleet(
        store.source(cycle),
        summary["seed"],
        stages=(stage,),
        upstream=upstream,
        workers=settings().workers,
        progress=progress,
    )
    out = result.stages[stage]
    path = _write_stage(store, cycle, STAGE_ASSET[stage], out.records, out.extras, result.metrics)
    return StageRun(
        out.records, result.metrics, path, time.perf_counter() - started, summary["homes"]
    )


@dg.asset(
    group_name="collection",
    partitions_def=cycle_partitions,
    deps=SIM_DEPS,
    code_version=COLLECT_CODE_VERSION,
    kinds={"parquet"},
)
@fails_on_corrupt_input
def detected_patterns(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """Time-of-day and trigger→action patterns mined from each home's events, labelled real
    when a planted manual habit is that pattern; patterns existing automations produce are
    flagged from the recorded contexts and reported apart."""
    run = _run_stage(context, store, "patterns")
    scores = run.metrics["patterns"]
    agreement = run.metrics["routine_agreement"]
    return run.result(
        [r for r in run.records if r["strong"]],
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
        candidates=len(run.records),
        strong_patterns=scores["strong_patterns"],
        precision=scores["precision"],
        recall=scores["recall"],
        habits_detectable=scores["habits_detectable"],
        habits_found=scores["habits_found"],
        habits_below_min_support=scores["habits_below_min_support"],
        automated_strong_patterns=scores["automated_patterns"]["strong"],
        ground_truth_agreement=agreement["share"],
        occurrences_checked=agreement["occurrences"],
        homes=run.homes,
        recall_by_template=dg.MetadataValue.json(scores["by_template"]),
    )


@dg.asset(
    group_name="collection",
    partitions_def=cycle_partitions,
    deps=SIM_DEPS,
    code_version=COLLECT_CODE_VERSION,
    kinds={"parquet"},
)
@fails_on_corrupt_input
def detected_synergies(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """Every compatible device pair no automation links yet, with co-occurrence and lag
    features, the rule baseline's verdict and whether a manual habit links it."""
    run = _run_stage(context, store, "synergies")
    base = run.metrics["synergy_rule_baseline"]
    return run.result(
        [r for r in run.records if r["gt_linked"]],
        [
            "home_id",
            "relationship",
            "trigger_entity_id",
            "action_entity_id",
            "coverage_120s",
            "lag_s_median",
            "rule_linked",
        ],
        candidate_pairs=len(run.records),
        habit_linked_pairs=base["positives"],
        candidates_automated_per_truth=run.metrics["synergy_candidates_automated"],
        rule_baseline_precision=base["precision"],
        rule_baseline_recall=base["recall"],
        rule_baseline_f1=base["f1"],
        relationships=", ".join(run.metrics["synergy_relationships"]),
        best_single_feature_auc=dg.MetadataValue.json(
            {
                rel: {k: s[k] for k in ("positives", "pairs", "best_feature", "best_auc") if k in s}
                for rel, s in run.metrics.get("synergy_separability", {}).items()
            }
        ),
        incidental_cooccurrence=dg.MetadataValue.json(
            run.metrics.get("synergy_incidental_cooccurrence", {})
        ),
        homes=run.homes,
    )


@dg.asset(
    group_name="collection",
    partitions_def=cycle_partitions,
    deps=["detected_patterns", "detected_synergies", "homes"],
    code_version=COLLECT_CODE_VERSION,
    kinds={"parquet", "yaml"},
)
@fails_on_corrupt_input
def suggestions(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """Automation suggestions (text + Home Assistant YAML, validated) for strong patterns and
    rule-linked synergies."""
    cycle = context.partition_key
    # only the records a suggestion can come from (strong patterns, rule-linked pairs): turned
    # into dicts in this one process, all of them would take longer than the suggestions
    upstream = {
        stage: read_stage(store, cycle, stage, where=field)[0]
        for stage, field in SUGGESTION_SOURCES.items()
    }
    run = _run_stage(context, store, "suggestions", upstream)
    s = run.metrics["suggestions"]
    return run.result(
        run.records,
        ["home_id", "text", "yaml_valid", "gt_matches_habit"],
        suggestions=s["n"],
        yaml_valid=s["yaml_valid"],
        yaml_valid_rate=round(s["yaml_valid"] / s["n"], 4) if s["n"] else 0.0,
        matches_planted_habit=s["matches_habit"],
        distinct_text_share=s["distinct_text_share"],
    )


@dg.asset(
    group_name="collection",
    partitions_def=cycle_partitions,
    deps=["homes", "ground_truth"],
    code_version=COLLECT_CODE_VERSION,
    kinds={"parquet", "yaml"},
)
@fails_on_corrupt_input
def ask_ai(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """Natural-language automation requests, the resolver's YAML answer, and approval decided
    against what the user meant."""
    run = _run_stage(context, store, "ask_ai")
    a = run.metrics["ask_ai"]
    return run.result(
        run.records,
        ["home_id", "request", "approved", "reject_reason"],
        requests=a["n"],
        approved=a["approved"],
        approval_rate=round(a["approved"] / a["n"], 4) if a["n"] else 0.0,
        yaml_valid=a["yaml_valid"],
        distinct_request_share=a["distinct_request_share"],
    )


@dg.asset(
    group_name="collection",
    partitions_def=cycle_partitions,
    deps=SIM_DEPS,
    code_version=COLLECT_CODE_VERSION,
    kinds={"parquet"},
)
@fails_on_corrupt_input
def home_profiles(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """One profile per home — device mix, areas, floors, activity rhythm — labelled with its
    home type (the home-type model's training data)."""
    run = _run_stage(context, store, "home_profile")
    return run.result(
        run.records,
        ["home_id", "gt_home_type", "devices", "areas", "floors", "events_per_day"],
        homes=len(run.records),
        features=len(run.records[0]) - 3 if run.records else 0,
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
@fails_on_corrupt_input
def training_data(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """Validated, quality-filtered records per model dataset with record-level lineage (cycle,
    home, stage, generator version, seed, transformations)."""
    cycle = context.partition_key
    summary = read_summary(store, cycle)
    seed = summary["seed"]
    workers = settings().workers
    with (
        DeviceAhead(store.source(cycle), store.root, cycle, seed) as device,
        forked_pool(workers) if workers > 1 else nullcontext() as pool,
    ):
        # the pattern records (tens of thousands) validated and filtered in the workers, in
        # runs of rows; the device-day dataset written on a thread (started once they are
        # forked) while this process reads and curates the other stages
        compacted = {
            stage: compact_stored(stage, stage_records(store, cycle, stage), workers, pool)
            for stage in METRIC_VIEWS
        }
        device.start()
        stages = {
            stage: read_stage(store, cycle, stage, records=stage not in compacted)
            for stage in REGISTRY
        }
        compact = {stage: result() for stage, result in compacted.items()}
        curated = curate_stages(stages, store.source(cycle), cycle, seed, compact)
        metrics = {
            stage: read_json_or_fail(store.asset_dir(asset, cycle) / "metrics.json")
            for stage, asset in STAGE_ASSET.items()
        }
        info = {
            "seed": seed,
            "homes": summary["homes"],
            "window_end": window_end(store.source(cycle)),
            "metrics": metrics,
        }
        stats = store_cycle(curated, store.root, cycle, info, store.source(cycle), device)
    final = store.asset_dir("training_data", cycle)
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
