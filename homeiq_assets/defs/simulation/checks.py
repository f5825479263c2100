"""Blocking, partitioned data-quality checks on the simulation assets.

Each check loads the cycle's summary for the window, calls a rule in `sim.validate`, and reports
its metadata. A failing check stops downstream assets in the same run.
"""

import datetime as dt

import dagster as dg

from homeiq_assets.defs.shared.partitions import cycle_partitions
from homeiq_assets.defs.shared.resources import ASSET_TABLES, DataStore
from homeiq_assets.defs.simulation.assets import read_summary
from homeiq_assets.settings import settings
from homeiq_assets.sim import validate
from homeiq_assets.sim.clock import Window
from homeiq_assets.sim.health.checks import check_device_health


def _window(store: DataStore, cycle: str) -> Window:
    summary = read_summary(store, cycle)
    return Window(dt.date.fromisoformat(summary["config"]["start"]), summary["days"])


def _result(outcome: validate.Outcome) -> dg.AssetCheckResult:
    metadata = {
        k: (v if isinstance(v, int | float | str | bool) else dg.MetadataValue.json(v))
        for k, v in outcome.metadata.items()
    }
    return dg.AssetCheckResult(
        passed=outcome.passed,
        description=outcome.description,
        metadata=metadata,
        severity=dg.AssetCheckSeverity.ERROR,
    )


def _present(store: DataStore, cycle: str, asset: str) -> list[str]:
    return [t for t in ASSET_TABLES[asset] if store.table_dir(t, cycle).exists()]


@dg.asset_check(asset="homes", blocking=True, partitions_def=cycle_partitions)
def homes_schema(context: dg.AssetCheckExecutionContext, store: DataStore) -> dg.AssetCheckResult:
    """Layout tables match their Arrow schemas."""
    return _result(
        validate.check_schemas(store.source(context.partition_key), list(ASSET_TABLES["homes"]))
    )


@dg.asset_check(asset="homes", blocking=True, partitions_def=cycle_partitions)
def entity_ids_valid(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Entity ids are valid `domain.object_id` slugs, unique per home, with valid classes."""
    return _result(validate.check_entities(store.source(context.partition_key)))


@dg.asset_check(asset="events", blocking=True, partitions_def=cycle_partitions)
def events_schema(context: dg.AssetCheckExecutionContext, store: DataStore) -> dg.AssetCheckResult:
    """Event and daily-usage tables match their Arrow schemas (column names and types)."""
    return _result(
        validate.check_schemas(store.source(context.partition_key), list(ASSET_TABLES["events"]))
    )


@dg.asset_check(asset="events", blocking=True, partitions_def=cycle_partitions)
def events_in_window(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Every event is inside the cycle window and belongs to a known entity of its home."""
    w = _window(store, context.partition_key)
    return _result(validate.check_events(store.source(context.partition_key), w.start_ms, w.end_ms))


@dg.asset_check(asset="occupancy", blocking=True, partitions_def=cycle_partitions)
def occupancy_timelines(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Schemas match and each occupant's intervals tile the window."""
    cycle = context.partition_key
    schema = validate.check_schemas(store.source(cycle), _present(store, cycle, "occupancy"))
    if not schema.passed:
        return _result(schema)
    w = _window(store, cycle)
    return _result(validate.check_occupancy(store.source(cycle), w.start_ms, w.end_ms))


@dg.asset_check(asset="environment", blocking=True, partitions_def=cycle_partitions)
def environment_ranges(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Schemas match; weather, carbon and prices within physical ranges."""
    cycle = context.partition_key
    tables = _present(store, cycle, "environment")
    schema = validate.check_schemas(store.source(cycle), tables)
    if not schema.passed:
        return _result(schema)
    return _result(validate.check_ranges(store.source(cycle), tables))


@dg.asset_check(
    asset="ground_truth", blocking=True, partitions_def=cycle_partitions, additional_deps=["events"]
)
def routine_counts_match_events(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Each routine's recorded occurrences and event count equal the events carrying its id."""
    source = store.source(context.partition_key)
    return _result(validate.check_routines(source, workers=settings().workers))


@dg.asset_check(asset="ground_truth", blocking=True, partitions_def=cycle_partitions)
def synergy_candidates_balanced(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Linked relationship types always have unlinked candidates of the same type."""
    return _result(validate.check_synergies(store.source(context.partition_key)))


@dg.asset_check(asset="device_health", blocking=True, partitions_def=cycle_partitions)
def device_health_valid(
    context: dg.AssetCheckExecutionContext, store: DataStore
) -> dg.AssetCheckResult:
    """Schema, physical ranges, reported precision and label consistency of the telemetry,
    and the ground-truth episodes against the daily labels."""
    return _result(check_device_health(store.source(context.partition_key)))


SIMULATION_CHECKS = [
    homes_schema,
    entity_ids_valid,
    events_schema,
    events_in_window,
    occupancy_timelines,
    environment_ranges,
    routine_counts_match_events,
    synergy_candidates_balanced,
    device_health_valid,
]
