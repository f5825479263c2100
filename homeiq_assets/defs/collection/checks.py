"""Blocking, partitioned checks on the curated training data of a cycle: validation pass rate,
every collection point produced data, and lineage complete for every record."""

import dagster as dg

from homeiq_assets.collect import training_data as td
from homeiq_assets.collect.collector import REGISTRY
from homeiq_assets.collect.lineage import lineage_problems
from homeiq_assets.defs.shared.partitions import cycle_partitions
from homeiq_assets.defs.shared.resources import DataStore

MIN_VALIDATION_RATE = 0.90


def _stats(store: DataStore, cycle: str) -> dict:
    stats = td.read_stats(store.asset_dir("training_data", cycle))
    if not stats:
        raise dg.Failure(description=f"training_data for cycle {cycle!r} has no stats.json")
    return stats


@dg.asset_check(asset="training_data", blocking=True, partitions_def=cycle_partitions)
def records_pass_validation(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """At least 90 % of collected records pass validation, overall and in every dataset."""
    datasets = _stats(store, context.partition_key)["datasets"]
    rates = {name: d["validation_pass_rate"] for name, d in datasets.items()}
    collected = sum(d["collected"] for d in datasets.values())
    valid = sum(d["valid"] for d in datasets.values())
    overall = valid / collected if collected else 0.0
    low = {k: v for k, v in rates.items() if v < MIN_VALIDATION_RATE}
    return dg.AssetCheckResult(
        passed=overall >= MIN_VALIDATION_RATE and not low,
        description=f"{overall:.1%} of {collected} records valid"
        + (f"; below 90 %: {', '.join(low)}" if low else ""),
        metadata={
            "validation_pass_rate": round(overall, 4),
            "records": collected,
            **{f"rate_{k}": v for k, v in rates.items()},
        },
    )


@dg.asset_check(asset="training_data", blocking=True, partitions_def=cycle_partitions)
def every_collection_point_produced(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Every registered collection point (and device health) kept at least one record."""
    datasets = _stats(store, context.partition_key)["datasets"]
    expected = {p.dataset for p in REGISTRY.values()} | {"device_intelligence"}
    empty = sorted(d for d in expected if datasets.get(d, {}).get("kept", 0) == 0)
    return dg.AssetCheckResult(
        passed=not empty,
        description="all collection points produced data"
        if not empty
        else f"no data from: {', '.join(empty)}",
        metadata={f"kept_{d}": datasets.get(d, {}).get("kept", 0) for d in sorted(expected)},
    )


@dg.asset_check(asset="training_data", blocking=True, partitions_def=cycle_partitions)
def lineage_complete(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Every record has exactly one lineage row with cycle, home, stage, generator version,
    seed and transformations filled in."""
    cycle = context.partition_key
    total, problems = lineage_problems(
        store.asset_dir("training_data", cycle), cycle, list(td.DATASETS)
    )
    return dg.AssetCheckResult(
        passed=total > 0 and not problems,
        description=f"lineage complete for {total} records"
        if not problems
        else f"incomplete lineage: {problems}",
        metadata={"records": total, **{f"bad_{k}": v for k, v in problems.items()}},
    )


COLLECTION_CHECKS = [records_pass_validation, every_collection_point_produced, lineage_complete]
