"""Export assets: the per-cycle and aggregated dataset exports the trainers read, and Home
Assistant config-directory snapshots of a sample of homes."""

import time

import dagster as dg
from pydantic import Field

from homeiq_assets.collect.observations import home_ids
from homeiq_assets.collect.pipeline import export_cycles
from homeiq_assets.defs.shared.inputs import fails_on_corrupt_input
from homeiq_assets.defs.shared.partitions import CYCLE_PARTITIONS_NAME, cycle_partitions
from homeiq_assets.defs.shared.resources import DataStore
from homeiq_assets.export.home_assistant.snapshot import write_ha_snapshots
from homeiq_assets.settings import settings
from homeiq_assets.sim.rng import derive_rng
from homeiq_assets.storage import discard_dir, publish_dir, staging_dir

EXPORT_CODE_VERSION = "exports-2"


def cycles_up_to(context: dg.AssetExecutionContext, store: DataStore, cycle: str) -> list[str]:
    """Cycles (in the order they were added) up to this one that have training data."""
    keys = context.instance.get_dynamic_partitions(CYCLE_PARTITIONS_NAME)
    upto = keys[: keys.index(cycle) + 1] if cycle in keys else [cycle]
    return [k for k in upto if (store.asset_dir("training_data", k) / "stats.json").exists()]


@dg.asset(
    group_name="exports",
    partitions_def=cycle_partitions,
    deps=["training_data"],
    code_version=EXPORT_CODE_VERSION,
    kinds={"json", "parquet", "sqlite", "csv"},
)
@fails_on_corrupt_input
def exported_datasets(context: dg.AssetExecutionContext, store: DataStore) -> dg.MaterializeResult:
    """GNN synergy, Ask-AI / soft prompt, pattern detection, YAML generation and device
    intelligence exports, for this cycle and aggregated over all cycles so far, each with a
    manifest (rows, schema, sha256) and its lineage."""
    cycle = context.partition_key
    cycles = cycles_up_to(context, store, cycle)
    if cycle not in cycles:
        raise dg.Failure(description=f"training_data for cycle {cycle!r} is not materialised")
    started = time.perf_counter()
    summary = export_cycles(store.root, cycles, workers=settings().workers)
    final = store.asset_dir("exported_datasets", cycle)
    rows = "| dataset | this cycle | all cycles | files |\n|---|---|---|---|\n" + "".join(
        f"| {name} | {summary['cycle'].get(name, {}).get('records', 0)} | {m['records']} | "
        f"{', '.join(m['files'])} |\n"
        for name, m in summary["all"].items()
    )
    return dg.MaterializeResult(
        metadata={
            "cycles_aggregated": len(cycles),
            **{f"records_{name}": m["records"] for name, m in summary["all"].items()},
            "exports": dg.MetadataValue.md(rows),
            "seconds": round(time.perf_counter() - started, 2),
            "path": dg.MetadataValue.path(str(final)),
        }
    )


class SnapshotConfig(dg.Config):
    homes: int = Field(2, ge=1, le=50, description="homes sampled per cycle")


@dg.asset(
    group_name="exports",
    partitions_def=cycle_partitions,
    deps=["homes", "events", "ground_truth"],
    code_version=EXPORT_CODE_VERSION,
    kinds={"sqlite", "json"},
)
@fails_on_corrupt_input
def ha_snapshots(
    context: dg.AssetExecutionContext, config: SnapshotConfig, store: DataStore
) -> dg.MaterializeResult:
    """Home Assistant 2026.2 config directories (registries + recorder database, schema 53) of
    a seeded sample of this cycle's homes."""
    cycle = context.partition_key
    source = store.source(cycle)
    ids = home_ids(source)
    rng = derive_rng(0, cycle, "ha_snapshots")
    sample = sorted(rng.choice(ids, size=min(config.homes, len(ids)), replace=False).tolist())
    final = store.asset_dir("ha_snapshots", cycle)
    staging = staging_dir(final)
    try:
        counts = write_ha_snapshots(source, sample, staging, workers=settings().workers)
        for home, written in counts.items():
            context.log.info(f"snapshot of {home}: {written.get('states')} states")
        publish_dir(staging, final)
    finally:
        discard_dir(staging)
    return dg.MaterializeResult(
        metadata={
            "homes": ", ".join(sample),
            "states": sum(int(c.get("states", 0)) for c in counts.values()),
            "entities": sum(int(c.get("entities", 0)) for c in counts.values()),
            "path": dg.MetadataValue.path(str(final)),
        }
    )


EXPORT_ASSETS = [exported_datasets, ha_snapshots]
